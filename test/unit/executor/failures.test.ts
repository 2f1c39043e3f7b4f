import { describe, expect, it } from 'vitest';
import { TransientError, execute, type ExecutorEvent } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';

const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('failures and retries', () => {
  it('retries transient errors with backoff, then succeeds', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const events: ExecutorEvent[] = [];
    const graph = { tasks: [fakeTask(world, { id: 'a', host: 'h', ms: 10, failWith: [reset(), new TransientError('docker busy')] })] };
    const result = await clock.run(
      execute(graph, { clock, random: () => 0, retry: { baseDelayMs: 100 }, onEvent: (e) => events.push(e) }),
    );
    expect(result.ok).toBe(true);
    expect(world.runCalls.get('a')).toBe(3);
    const retries = events.filter((e) => e.type === 'task-retry');
    expect(retries.map((e) => [e.attempt, e.delayMs, e.error.code])).toEqual([
      [1, 50, 'ECONNRESET'],
      [2, 100, 'TransientError'],
    ]);
    expect(result.totals.retries).toBe(2);
    // 3 attempts of 10 ms plus 50 + 100 ms of backoff.
    expect(events.find((e) => e.type === 'task-done')).toMatchObject({ ms: 180, attempts: 3 });
  });

  it('gives up after maxAttempts and fails the run', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const graph = { tasks: [fakeTask(world, { id: 'a', host: 'h', alwaysFail: reset() })] };
    const result = await clock.run(execute(graph, { clock, retry: { maxAttempts: 3 } }));
    expect(world.runCalls.get('a')).toBe(3);
    expect(result.exitCode).toBe(1);
    expect(result.failed).toEqual([{ id: 'a', host: 'h', title: 'do a', error: { message: 'read ECONNRESET', code: 'ECONNRESET', transient: true } }]);
  });

  it('a permanent failure stops new work, lets running tasks finish, and names task, host and cause', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const graph = {
      tasks: [
        fakeTask(world, { id: 'bad', host: 'n1', ms: 5, alwaysFail: new Error('docker: image not found') }),
        fakeTask(world, { id: 'slow', host: 'n2', ms: 50 }),
        fakeTask(world, { id: 'after-slow', host: 'n2', deps: ['slow'] }),
        fakeTask(world, { id: 'queued', host: 'n3', ms: 5 }),
      ],
    };
    const result = await clock.run(execute(graph, { clock, concurrency: 2 }));
    expect(world.runCalls.get('bad')).toBe(1); // permanent: no retry
    expect(world.effectCount('slow')).toBe(1); // was running: finished
    expect(world.runCalls.has('after-slow')).toBe(false);
    expect(world.runCalls.has('queued')).toBe(false);
    expect(result).toMatchObject({
      ok: false,
      status: 'failed',
      exitCode: 1,
      failed: [{ id: 'bad', host: 'n1', error: { message: 'docker: image not found', transient: false } }],
      totals: { tasks: 4, done: 1, failed: 1, notRun: 2, abandoned: 0 },
    });
  });

  it('a task past its timeout fails permanently', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const graph = { tasks: [fakeTask(world, { id: 'stuck', ms: 10_000, timeoutMs: 100, ignoreAbort: true })] };
    const result = await clock.run(execute(graph, { clock }));
    expect(result.failed[0]?.error).toMatchObject({ code: 'TaskTimeoutError', transient: false });
    expect(world.runCalls.get('stuck')).toBe(1);
  });
});
