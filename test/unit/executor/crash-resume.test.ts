import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JournalError, MemoryJournal, execute } from '../../../src/executor/index.js';
import { CrashingJournal } from '../../fakes/crashing-journal.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';
import { dagArb, type DagSpec } from './dag-arbitrary.js';

/**
 * Crash boundaries are the journal writes: the process dies right after line k became durable
 * (k = 0 is the header, then one line per task, then the end line; k = -1: while writing the
 * header), optionally leaving half of the next line behind. A task's line is written before
 * any other task can finish, so after a resume every task's effect must have landed once.
 */
async function crashThenResume(dag: DagSpec, crashAfter: number, torn: boolean): Promise<FakeWorld> {
  const clock = new VirtualClock();
  const world = new FakeWorld(clock);
  const opts = { clock, concurrency: dag.concurrency, perHostConcurrency: dag.perHost, identity: 'cfg' };
  const crashing = new CrashingJournal(world, Math.max(0, crashAfter), { tornTail: torn, beforeWrite: crashAfter < 0 });
  const first = await clock
    .run(execute({ tasks: dag.tasks.map((t) => fakeTask(world, t)) }, { ...opts, journal: crashing }))
    .catch((err: unknown) => err);
  if (crashAfter < 0) expect(first).toBeInstanceOf(JournalError);
  else expect(first).toMatchObject({ ok: crashAfter >= dag.tasks.length + 1 });

  world.crashed = false; // a new process, same nodes
  const journal = new MemoryJournal(crashing.text);
  const second = await clock.run(execute({ tasks: dag.tasks.map((t) => fakeTask(world, t)) }, { ...opts, journal, resume: true }));
  expect(second.ok).toBe(true);
  return world;
}

describe('crash at every journal boundary, then resume', () => {
  it('runs each task exactly once overall', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.boolean(), async (dag, torn) => {
        for (let k = -1; k <= dag.tasks.length + 1; k++) {
          const world = await crashThenResume(dag, k, torn);
          for (const t of dag.tasks) expect(world.effectCount(t.id), `task ${t.id}, crash after line ${k}`).toBe(1);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a task whose effect landed but whose line did not is run again (tasks must be idempotent)', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const tasks = () => [fakeTask(world, { id: 'a' }), fakeTask(world, { id: 'b', deps: ['a'] })];
    // Line 0 is the header; the crash hits the write of a's line, after a's effect.
    const crashing = new CrashingJournal(world, 1, { beforeWrite: true, tornTail: true });
    await clock.run(execute({ tasks: tasks() }, { clock, journal: crashing, identity: 'cfg' }));
    world.crashed = false;
    const result = await clock.run(execute({ tasks: tasks() }, { clock, journal: new MemoryJournal(crashing.text), identity: 'cfg', resume: true }));
    expect(result.ok).toBe(true);
    expect(world.effectCount('a')).toBe(2);
    expect(world.effectCount('b')).toBe(1);
  });
});
