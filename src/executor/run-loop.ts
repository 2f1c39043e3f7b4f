import { runTask, type AttemptEnv, type Outcome } from './attempt.js';
import type { GraphIndex } from './critical-path.js';
import { ReadyQueue } from './ready-queue.js';
import type { Task } from './task.js';

export interface LoopOptions {
  graph: GraphIndex;
  /** Done in an earlier run (resume): count as finished without running. */
  alreadyDone: ReadonlySet<string>;
  /** Remaining path length by task number (critical path first). */
  priority: ArrayLike<number>;
  concurrency: number;
  perHostConcurrency: number;
  env: AttemptEnv;
  /** Set by the caller to stop starting tasks (graceful stop, journal failure). */
  shouldStop: () => boolean;
  onSkipped: (task: Task) => void;
  /**
   * Called once per finished task, as soon as its outcome is known; returning false stops new
   * work (a permanent failure). Its dependents are released right after this returns: they do
   * not wait for the task's journal line, which the caller writes at the end of the turn.
   */
  onOutcome: (task: Task, outcome: Outcome) => boolean;
}

export interface LoopResult {
  /** Measured duration by task number; 0 for tasks that did not finish (not run, skipped, abandoned). */
  ms: Float64Array;
  /** Tasks that finished done (not skipped). */
  done: number;
  /** Running when the loop gave up waiting (aborted at once). */
  abandoned: string[];
}

const RUNNING = 1;
const FINISHED = 2;

/**
 * The sliding window: whenever a task finishes, its dependents whose deps are all done become
 * ready, and ready tasks start while the global and per-host limits allow. No phases.
 */
export function runLoop(o: LoopOptions): Promise<LoopResult> {
  const { tasks, depStart, dependentStart, dependentList } = o.graph;
  const n = tasks.length;
  const waitingOn = new Int32Array(n);
  /** 0 not started, then RUNNING → FINISHED (outcome known). */
  const state = new Uint8Array(n);
  const ready = new ReadyQueue(tasks, o.priority, o.perHostConcurrency);
  const ms = new Float64Array(n);
  let doneCount = 0;
  let running = 0;
  let stopped = false;

  const release = (t: number): void => {
    for (let k = dependentStart[t]!; k < dependentStart[t + 1]!; k++) {
      const d = dependentList[k]!;
      if (--waitingOn[d]! === 0) enqueue(d);
    }
  };
  const enqueue = (t: number): void => {
    if (o.alreadyDone.has(tasks[t]!.id)) {
      o.onSkipped(tasks[t]!);
      release(t);
    } else {
      ready.push(t);
    }
  };

  return new Promise<LoopResult>((resolve) => {
    let settled = false;
    // A flag, not signal.aborted on every start: that getter is a visible cost per task.
    let forced = o.env.forceSignal.aborted;
    const finish = (): void => {
      forced = o.env.forceSignal.aborted;
      if (settled) return;
      settled = true;
      o.env.forceSignal.removeEventListener('abort', finish);
      // A task whose outcome is known is not abandoned, even if its journal line is still being written.
      const abandoned: string[] = [];
      for (let t = 0; t < n; t++) if (state[t] === RUNNING) abandoned.push(tasks[t]!.id);
      resolve({ ms, done: doneCount, abandoned });
    };
    const fill = (): void => {
      if (forced || o.shouldStop()) stopped = true;
      while (!stopped && running < o.concurrency) {
        const t = ready.take();
        if (t === undefined) break;
        running++;
        state[t] = RUNNING;
        runTask(tasks[t]!, o.env, t, done);
      }
      if (running === 0 || forced) finish();
    };
    const done = (t: number, outcome: Outcome): void => {
      if (settled) return;
      ms[t] = outcome.ms;
      if (outcome.kind === 'done') doneCount++;
      state[t] = FINISHED;
      running--;
      ready.finished(t);
      // Reported first: a journal that records the line at once has it before any dependent runs.
      if (!o.onOutcome(tasks[t]!, outcome)) stopped = true;
      if (outcome.kind === 'done') release(t);
      fill();
    };

    o.env.forceSignal.addEventListener('abort', finish, { once: true });
    for (let t = 0; t < n; t++) waitingOn[t] = depStart[t + 1]! - depStart[t]!;
    // Roots by their static count: enqueueing a skipped root already releases its dependents.
    for (let t = 0; t < n; t++) if (depStart[t + 1] === depStart[t]) enqueue(t);
    fill();
  });
}
