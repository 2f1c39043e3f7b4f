import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execute } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';
import { dagArb } from './dag-arbitrary.js';

describe('scheduling random DAGs', () => {
  it('never exceeds the limits and runs every task once, after its deps', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async (dag) => {
        const clock = new VirtualClock();
        const world = new FakeWorld(clock);
        const graph = { tasks: dag.tasks.map((t) => fakeTask(world, t)) };
        const result = await clock.run(execute(graph, { clock, concurrency: dag.concurrency, perHostConcurrency: dag.perHost, runId: 'r' }));
        expect(result.ok).toBe(true);
        expect(result.exitCode).toBe(0);
        expect(world.maxRunning).toBeLessThanOrEqual(dag.concurrency);
        expect(world.maxPerHost).toBeLessThanOrEqual(dag.perHost);
        for (const t of dag.tasks) {
          expect(world.effectCount(t.id)).toBe(1);
          const before = world.doneWhenStarted.get(t.id)!;
          for (const d of t.deps) expect(before.has(d)).toBe(true);
        }
        expect(result.totals.done).toBe(dag.tasks.length);
      }),
      { numRuns: 150 },
    );
  });

  it('starts a ready task without waiting for unrelated slower tasks (no phases)', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    // a1 → a2 is quick; b1 is slow. With phases, a2 would wait for b1.
    const graph = {
      tasks: [
        fakeTask(world, { id: 'a1', host: 'a', ms: 5 }),
        fakeTask(world, { id: 'b1', host: 'b', ms: 100 }),
        fakeTask(world, { id: 'a2', host: 'a', deps: ['a1'], ms: 5 }),
      ],
    };
    await clock.run(execute(graph, { clock }));
    expect(world.finishes).toEqual(['a1', 'a2', 'b1']);
  });

  it('starts the task with the longest remaining path first', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const graph = {
      tasks: [
        fakeTask(world, { id: 'short' }),
        fakeTask(world, { id: 'long1' }),
        fakeTask(world, { id: 'long2', deps: ['long1'], estimate: 10 }),
      ],
    };
    await clock.run(execute(graph, { clock, concurrency: 1 }));
    expect(world.starts).toEqual(['long1', 'long2', 'short']);
  });

  it('shares slots fairly: a host with many ready tasks does not starve the others', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const busy = Array.from({ length: 10 }, (_, i) => fakeTask(world, { id: `busy${i}`, host: 'busy', estimate: 5 }));
    const graph = { tasks: [...busy, fakeTask(world, { id: 'quiet', host: 'quiet' })] };
    await clock.run(execute(graph, { clock, concurrency: 4, perHostConcurrency: 10 }));
    // Critical-path-first alone would start four "busy" tasks (estimate 5) before "quiet".
    expect(world.starts.slice(0, 4)).toContain('quiet');
  });

  it('reports the measured critical path', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const graph = {
      tasks: [
        fakeTask(world, { id: 'a', ms: 10 }),
        fakeTask(world, { id: 'b', ms: 30, deps: ['a'] }),
        fakeTask(world, { id: 'c', ms: 5, deps: ['a'] }),
        fakeTask(world, { id: 'd', ms: 10, deps: ['b', 'c'] }),
      ],
    };
    const result = await clock.run(execute(graph, { clock }));
    expect(result.criticalPath).toEqual({ ms: 50, ids: ['a', 'b', 'd'] });
    expect(result.ms).toBe(50);
  });
});
