import { describe, expect, it } from 'vitest';
import { MemoryJournal, REDACTED, execute, type ExecutorEvent } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';

describe('dry run', () => {
  it('describes instead of running, writes no journal, and returns the plan per task', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const journal = new MemoryJournal();
    const events: ExecutorEvent[] = [];
    const tasks = [
      fakeTask(world, { id: 'certs' }),
      fakeTask(world, { id: 'etcd@n1', host: 'n1', deps: ['certs'], changes: [{ action: 'replace', subject: 'container etcd', diff: '-image: etcd:3.5.9\n+image: etcd:3.5.16' }] }),
      fakeTask(world, { id: 'kubelet@n1', host: 'n1', deps: ['etcd@n1'], changes: [] }),
    ];
    const result = await clock.run(execute({ tasks }, { clock, journal, dryRun: true, onEvent: (e) => events.push(e) }));
    expect(world.runCalls.size).toBe(0);
    expect(world.describeCalls).toBe(3);
    expect(journal.text).toBe('');
    expect(result.ok).toBe(true);
    expect(result.totals).toMatchObject({ planned: 3, done: 0 });
    expect(result.plan.map((p) => [p.id, p.changes.map((c) => c.action)])).toEqual([
      ['certs', ['create']],
      ['etcd@n1', ['replace']],
      ['kubelet@n1', []],
    ]);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'task-planned', 'task-planned', 'task-planned', 'run-done']);
  });

  it('with resume, shows journaled tasks as skipped', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const journal = new MemoryJournal();
    const tasks = () => [fakeTask(world, { id: 'a' }), fakeTask(world, { id: 'b', deps: ['a'] })];
    await clock.run(execute({ tasks: tasks() }, { clock, journal, identity: 'c' }));
    const before = journal.text;
    const plan = await clock.run(execute({ tasks: [...tasks(), fakeTask(world, { id: 'c', deps: ['b'] })] }, { clock, journal, identity: 'c', dryRun: true, resume: true }));
    expect(plan.plan.map((p) => [p.id, p.skipped])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    expect(journal.text).toBe(before);
  });
});

describe('redaction', () => {
  it('no event carries a registered secret: task logs, errors, or ctx.secret values', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const events: ExecutorEvent[] = [];
    const tasks = [
      fakeTask(world, { id: 'login', log: 'docker login -p hunter2-registry-pw ok' }),
      {
        ...fakeTask(world, { id: 'token' }),
        run: async (ctx: { secret(v: string): void; log(m: string): void }) => {
          ctx.secret('tok-abcdef123456');
          ctx.log('bootstrap token tok-abcdef123456 created');
          throw new Error('apiserver said: bad token tok-abcdef123456 / hunter2-registry-pw');
        },
      },
    ];
    const result = await clock.run(execute({ tasks }, { clock, secrets: ['hunter2-registry-pw'], onEvent: (e) => events.push(e) }));
    const all = JSON.stringify(events) + JSON.stringify(result.failed);
    expect(all).not.toContain('hunter2-registry-pw');
    expect(all).not.toContain('tok-abcdef123456');
    expect(all).toContain(`bootstrap token ${REDACTED} created`);
    expect(result.failed[0]?.error.message).toBe(`apiserver said: bad token ${REDACTED} / ${REDACTED}`);
  });
});
