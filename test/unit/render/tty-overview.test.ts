import { describe, expect, it } from 'vitest';
import { createRenderer } from '../../../src/cli/render/index.js';
import { fitsPerHost, overviewLines, type HostProgress } from '../../../src/cli/render/tty-overview.js';
import { execute } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';
import { captureIo } from './scenarios.js';

function host(name: string, o: Partial<HostProgress> = {}): HostProgress {
  return { host: name, total: 3, finished: 0, failed: [], running: new Map(), notes: [], ...o };
}

describe('tty overview (more hosts than terminal lines)', () => {
  it('per-host lines only while every host fits on the screen', () => {
    expect(fitsPerHost(3, 24)).toBe(true);
    expect(fitsPerHost(10, 24)).toBe(true);
    expect(fitsPerHost(11, 24)).toBe(false);
    expect(fitsPerHost(100, undefined)).toBe(false);
    expect(fitsPerHost(40, 90)).toBe(true);
  });

  it('shows failed hosts first, then busy ones, and counts the rest by state, within the line budget', () => {
    const groups = [
      ...Array.from({ length: 50 }, (_, i) => host(`10.0.0.${i}`, { finished: 3 })),
      ...Array.from({ length: 30 }, (_, i) => host(`10.0.1.${i}`, { finished: 1, running: new Map([[`kubelet@10.0.1.${i}`, 'start kubelet'], [`proxy@10.0.1.${i}`, 'start kube-proxy']]) })),
      ...Array.from({ length: 19 }, (_, i) => host(`10.0.2.${i}`)),
      host('10.0.3.1', { finished: 2, failed: ['etcd/start@10.0.3.1: ENOIMAGE: no such image'] }),
    ];
    const lines = overviewLines(groups, 10);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('✖ 10.0.3.1  2/3, 1 failed: etcd/start@10.0.3.1: ENOIMAGE: no such image');
    expect(lines[1]).toBe('▸ 10.0.1.0  1/3  start kubelet (+1 more)');
    expect(lines[9]).toBe('… 91 more hosts: 50 done, 22 running, 19 waiting');
  });

  it('says plainly when nothing runs', () => {
    expect(overviewLines([host('a', { finished: 3 }), host('b')], 10)).toEqual(['2 hosts: 1 done, 1 waiting']);
  });

  it('a run on 40 hosts is drawn as one overview, and still ends with the summary', async () => {
    const io = captureIo('tty');
    const renderer = await createRenderer(io);
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const tasks = Array.from({ length: 40 }, (_, i) => fakeTask(world, { id: `t@h${i}`, host: `h${i}`, ms: 5 + i }));
    await clock.run(execute({ tasks }, { clock, runId: 'r', onEvent: renderer.onEvent }));
    await renderer.close();
    const out = io.out();
    expect(out).toContain('40 hosts  40/40');
    expect(out).toMatch(/… \d+ more hosts: /);
    // No listr task per host: hosts appear only inside the overview's lines.
    expect(out).not.toMatch(/^❯ h\d/m);
    expect(out).toMatch(/run ok in [\d.]+s: 40 done, .* \(of 40\)/);
  });
});
