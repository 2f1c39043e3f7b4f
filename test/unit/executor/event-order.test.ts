import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileJournal, MemoryJournal, execute, parseJournal, type ExecutorEvent } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';
import { dagArb } from './dag-arbitrary.js';

/** A journal whose lines land a few turns of the event loop after they are appended. */
class LaggingJournal extends MemoryJournal {
  constructor(private readonly lags: number[]) {
    super();
  }
  override append(text: string): Promise<void> {
    this.appends++;
    const turns = this.lags[this.appends % this.lags.length] ?? 0;
    return new Promise((resolve) => {
      const land = (left: number): void => {
        if (left > 0) return void setImmediate(() => land(left - 1));
        this.text += text;
        resolve();
      };
      land(turns);
    });
  }
}

describe('event order while journal lines are still being written', () => {
  it('task-done only once its line is in the journal, and always before its dependents start', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), async (dag, lags) => {
        const clock = new VirtualClock();
        const world = new FakeWorld(clock);
        const journal = new LaggingJournal(lags);
        const seen: ExecutorEvent[] = [];
        const doneSeen = new Set<string>();
        const depsOf = new Map(dag.tasks.map((t) => [t.id, t.deps]));
        const onEvent = (e: ExecutorEvent): void => {
          seen.push(e);
          if (e.type === 'task-done') {
            expect(parseJournal(journal.text).done.has(e.id), `${e.id}'s line when task-done is seen`).toBe(true);
            doneSeen.add(e.id);
          }
          if (e.type === 'task-start') for (const d of depsOf.get(e.id)!) expect(doneSeen.has(d), `${d} done before ${e.id} starts`).toBe(true);
        };
        const graph = { tasks: dag.tasks.map((t) => fakeTask(world, t)) };
        const result = await clock.run(execute(graph, { clock, journal, concurrency: dag.concurrency, perHostConcurrency: dag.perHost, onEvent }));
        expect(result.ok).toBe(true);
        expect(seen[0]!.type).toBe('run-start');
        expect(seen.at(-1)!.type).toBe('run-done');
        expect(doneSeen.size).toBe(dag.tasks.length);
        const ts = seen.map((e) => e.t);
        expect(ts).toEqual([...ts].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it("a dependent starts before its dependency's line is written; task-done waits until the line is on the disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drover-event-order-'));
    try {
      const path = join(dir, 'j');
      const held: (() => void)[] = [];
      const journal = new FileJournal(path, { datasync: (_fd, done) => void held.push(() => done(null)) });
      const world = new FakeWorld({ now: () => performance.now(), sleep: () => Promise.resolve() });
      const order: string[] = [];
      let bStartedWhileAHeld = false;
      const tasks = [fakeTask(world, { id: 'a', ms: 0 }), fakeTask(world, { id: 'b', deps: ['a'], ms: 0 })];
      const originalRun = tasks[1]!.run.bind(tasks[1]);
      (tasks[1] as { run: typeof originalRun }).run = (ctx) => {
        // Before a's line is even written (that happens at the end of this turn of the event loop).
        bStartedWhileAHeld = !order.includes('task-done a') && !readFileSync(path, 'utf8').includes('"id":"a"');
        return originalRun(ctx);
      };
      const run = execute({ tasks }, { journal, identity: 'cfg', onEvent: (e) => 'id' in e && e.id && order.push(`${e.type} ${e.id}`) });
      // Release the syncs one by one as they come, a few turns late.
      let finished = false;
      void run.finally(() => (finished = true));
      while (!finished) {
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        held.shift()?.();
      }
      expect((await run).ok).toBe(true);
      expect(bStartedWhileAHeld).toBe(true);
      expect(order).toEqual(['task-start a', 'task-done a', 'task-start b', 'task-done b']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
