import { runTask, type AttemptEnv, type Outcome } from './attempt.js';
import type { GraphIndex } from './critical-path.js';
import { ReadyQueue } from './ready-queue.js';
import type { Task } from './task.js';

export interface LoopOptions {
  graph: GraphIndex;
  /** Done in an earlier run (resume): count as finished without running. */
  alreadyDone: ReadonlySet<string>;
  priorityOf: (task: Task) => number;
  concurrency: number;
  perHostConcurrency: number;
  env: AttemptEnv;
  /** Set by the caller to stop starting tasks (graceful stop, journal failure). */
  shouldStop: () => boolean;
  onSkipped: (task: Task) => void;
  /**
   * Called once per finished task; returning false stops new work (a permanent failure). The
   * task counts as running until it settles: its journal line is durable before dependents start.
   */
  onOutcome: (task: Task, outcome: Outcome) => boolean | Promise<boolean>;
}

export interface LoopResult {
  outcomes: Map<string, Outcome>;
  /** Running when the loop gave up waiting (aborted at once). */
  abandoned: string[];
}

/**
 * The sliding window: whenever a task finishes, its dependents whose deps are all done become
 * ready, and ready tasks start while the global and per-host limits allow. No phases.
 */
export function runLoop(o: LoopOptions): Promise<LoopResult> {
  const { byId, dependents } = o.graph;
  const waitingOn = new Map<string, number>();
  const ready = new ReadyQueue(o.priorityOf, o.perHostConcurrency);
  const outcomes = new Map<string, Outcome>();
  const runningIds = new Set<string>();
  let stopped = false;

  const release = (task: Task): void => {
    for (const d of dependents.get(task.id) ?? []) {
      const left = waitingOn.get(d.id)! - 1;
      waitingOn.set(d.id, left);
      if (left === 0) enqueue(d);
    }
  };
  const enqueue = (task: Task): void => {
    if (o.alreadyDone.has(task.id)) {
      o.onSkipped(task);
      release(task);
    } else {
      ready.push(task);
    }
  };

  return new Promise<LoopResult>((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      o.env.forceSignal.removeEventListener('abort', finish);
      // A task whose outcome is known but whose journal line is still being written is not abandoned.
      resolve({ outcomes, abandoned: [...runningIds].filter((id) => !outcomes.has(id)) });
    };
    const fill = (): void => {
      if (o.shouldStop() || o.env.forceSignal.aborted) stopped = true;
      while (!stopped && runningIds.size < o.concurrency) {
        const task = ready.take();
        if (!task) break;
        runningIds.add(task.id);
        void runTask(task, o.env).then((outcome) => done(task, outcome));
      }
      if (runningIds.size === 0 || o.env.forceSignal.aborted) finish();
    };
    const done = async (task: Task, outcome: Outcome): Promise<void> => {
      if (settled) return;
      outcomes.set(task.id, outcome);
      const keepGoing = await o.onOutcome(task, outcome);
      if (settled) return;
      runningIds.delete(task.id);
      ready.finished(task);
      if (!keepGoing) stopped = true;
      if (outcome.kind === 'done') release(task);
      fill();
    };

    o.env.forceSignal.addEventListener('abort', finish, { once: true });
    for (const t of byId.values()) {
      waitingOn.set(t.id, t.deps.length);
    }
    for (const t of byId.values()) if (t.deps.length === 0) enqueue(t);
    fill();
  });
}
