import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Cancellation, MemoryJournal, execute, installSignalHandlers, parseJournal, type ExecutorEvent } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';

function graph(world: FakeWorld, opts: { ignoreAbort?: boolean } = {}) {
  return {
    tasks: [
      fakeTask(world, { id: 'a1', host: 'a', ms: 10 }),
      fakeTask(world, { id: 'b1', host: 'b', ms: 100, ...opts }),
      fakeTask(world, { id: 'a2', host: 'a', deps: ['a1'], ms: 10 }),
      fakeTask(world, { id: 'b2', host: 'b', deps: ['b1'], ms: 10 }),
    ],
  };
}

describe('cancellation', () => {
  it('graceful: no new tasks, running ones finish, journal consistent, exit 130, resume finishes the rest', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const journal = new MemoryJournal();
    const events: ExecutorEvent[] = [];
    const run = execute(graph(world), {
      clock,
      journal,
      identity: 'cfg',
      signal: cancel.signal,
      forceSignal: cancel.forceSignal,
      onEvent: (e) => {
        events.push(e);
        // a1 and b1 are running (a2 would start the moment a1 finishes).
        if (e.type === 'task-start' && e.id === 'b1') cancel.request();
      },
    });
    const result = await clock.run(run);
    expect(result).toMatchObject({ ok: false, status: 'interrupted', exitCode: 130, totals: { done: 2, notRun: 2, abandoned: 0 } });
    expect(world.effectCount('a1')).toBe(1);
    expect(world.effectCount('b1')).toBe(1); // was running: allowed to finish
    expect(world.runCalls.has('a2')).toBe(false);
    expect(events.some((e) => e.type === 'log' && e.level === 'warn' && /interrupted/.test(e.message))).toBe(true);
    const state = parseJournal(journal.text);
    expect(state.lastRun).toBe('interrupted');
    expect([...state.done.keys()].sort()).toEqual(['a1', 'b1']);

    const again = await clock.run(execute(graph(world), { clock, journal, identity: 'cfg', resume: true }));
    expect(again.ok).toBe(true);
    for (const id of ['a1', 'a2', 'b1', 'b2']) expect(world.effectCount(id)).toBe(1);
  });

  it('a second request aborts at once: running tasks are abandoned and not journaled', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const journal = new MemoryJournal();
    const requests: string[] = [];
    const run = execute(graph(world, { ignoreAbort: true }), {
      clock,
      journal,
      identity: 'cfg',
      signal: cancel.signal,
      forceSignal: cancel.forceSignal,
      onEvent: (e) => {
        // a1 is done and journaled; a2 (started when a1 finished) and b1 are running.
        if (e.type === 'task-start' && e.id === 'a2') requests.push(cancel.request(), cancel.request());
      },
    });
    const result = await clock.run(run);
    expect(requests).toEqual(['graceful', 'force']);
    expect(result).toMatchObject({ status: 'interrupted', exitCode: 130, totals: { done: 1, abandoned: 2, notRun: 1 } });
    expect(result.ms).toBe(10); // did not wait for b1 (100 ms, ignores its abort signal)
    expect([...parseJournal(journal.text).done.keys()]).toEqual(['a1']);
  });

  it('tasks still running when the grace period ends are abandoned', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const warnings: string[] = [];
    const run = execute(graph(world, { ignoreAbort: true }), {
      clock,
      signal: cancel.signal,
      cancelGraceMs: 30,
      onEvent: (e) => {
        if (e.type === 'task-done' && e.id === 'a1') cancel.request();
        if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
      },
    });
    const result = await clock.run(run);
    expect(result).toMatchObject({ status: 'interrupted', totals: { abandoned: 1 } });
    expect(result.ms).toBe(40);
    expect(warnings[1]).toBe('aborting at once (running tasks did not finish within 30 ms of the interrupt): running tasks are abandoned and run again on --resume');
  });

  it('a cancel during a retry wait stops the retries', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const flaky = fakeTask(world, { id: 'flaky', alwaysFail: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
    const result = await clock.run(
      execute({ tasks: [flaky] }, { clock, signal: cancel.signal, onEvent: (e) => void (e.type === 'task-retry' && cancel.request()) }),
    );
    expect(world.runCalls.get('flaky')).toBe(1);
    expect(result).toMatchObject({ status: 'interrupted', exitCode: 130, failed: [] });
  });

  it('a transient failure after the stop is an interruption, not a failure', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const flaky = fakeTask(world, { id: 'flaky', ms: 20, failWith: [Object.assign(new Error('reset'), { code: 'ECONNRESET' })] });
    const result = await clock.run(
      execute({ tasks: [flaky] }, { clock, signal: cancel.signal, onEvent: (e) => void (e.type === 'task-start' && cancel.request()) }),
    );
    expect(world.runCalls.get('flaky')).toBe(1);
    expect(result).toMatchObject({ status: 'interrupted', exitCode: 130, failed: [], totals: { failed: 0, notRun: 1 } });
  });

  it('a stop after the last task started interrupts nothing: the run is ok', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    const tasks = [fakeTask(world, { id: 'only', ms: 50 })];
    const result = await clock.run(
      execute({ tasks }, { clock, signal: cancel.signal, onEvent: (e) => void (e.type === 'task-start' && cancel.request()) }),
    );
    expect(result).toMatchObject({ ok: true, status: 'ok', exitCode: 0 });
  });

  it('many running tasks may listen on ctx.signal without a MaxListeners warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const clock = new VirtualClock();
      const world = new FakeWorld(clock);
      const tasks = Array.from({ length: 20 }, (_, i) => fakeTask(world, { id: `t${i}` }));
      await clock.run(execute({ tasks }, { clock }));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('an already aborted signal runs nothing', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const cancel = new Cancellation();
    cancel.request();
    const result = await clock.run(execute(graph(world), { clock, signal: cancel.signal }));
    expect(world.runCalls.size).toBe(0);
    expect(result.exitCode).toBe(130);
  });

  it('installSignalHandlers: first signal graceful, second force, third exits; uninstalls', () => {
    const source = new EventEmitter();
    const cancel = new Cancellation();
    let exits = 0;
    const uninstall = installSignalHandlers(cancel, source, { onRepeated: () => void exits++ });
    source.emit('SIGINT');
    expect([cancel.signal.aborted, cancel.forceSignal.aborted]).toEqual([true, false]);
    source.emit('SIGTERM');
    expect(cancel.forceSignal.aborted).toBe(true);
    expect(exits).toBe(0);
    source.emit('SIGINT');
    expect(exits).toBe(1);
    uninstall();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});
