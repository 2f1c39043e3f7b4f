import type { Clock } from './clock.js';
import { errorInfo, taskRef, taskStartEvent, type ErrorInfo, type ExecutorEvent } from './events.js';
import type { Redactor } from './redact.js';
import { backoffDelayMs, isTransient, shouldRetry, type RetryPolicy } from './retry-policy.js';
import type { LogLevel, Task, TaskChange, TaskContext } from './task.js';

/** How one task ended, after all its attempts. */
export type Outcome =
  | { kind: 'done'; ms: number; attempts: number; changes?: TaskChange[] }
  | { kind: 'failed'; ms: number; attempts: number; error: unknown; info: ErrorInfo }
  /** A graceful stop arrived while waiting to retry: not started again, not journaled. */
  | { kind: 'interrupted'; ms: number; attempts: number }
  /** Aborted at once (second signal, grace timeout) while running: not journaled. */
  | { kind: 'abandoned'; ms: number; attempts: number };

export interface AttemptEnv {
  clock: Clock;
  policy: RetryPolicy;
  random: () => number;
  redactor: Redactor;
  dryRun: boolean;
  /** Graceful stop: no more retries. */
  stopSignal: AbortSignal;
  /** Abort at once: running attempts are abandoned. */
  forceSignal: AbortSignal;
  emit(event: ExecutorEvent): void;
  elapsed(): number;
}

/** A task attempt ran past its own `timeoutMs`. Permanent: the task decided how long is too long. */
export class TaskTimeoutError extends Error {
  constructor(id: string, ms: number) {
    super(`task ${id} did not finish within ${ms} ms`);
    this.name = 'TaskTimeoutError';
  }
}

/**
 * Runs a task's attempts. Written with plain promise chains rather than an async loop: this
 * is the per-task hot path, and the first attempt of nearly every task succeeds.
 */
export function runTask(task: Task, env: AttemptEnv): Promise<Outcome> {
  return attempt(task, 1, env, env.clock.now());
}

function attempt(task: Task, n: number, env: AttemptEnv, started: number): Promise<Outcome> {
  if (!env.dryRun) env.emit(taskStartEvent(task, env.elapsed(), n));
  let work: Promise<TaskChange[] | void>;
  try {
    // Promise.resolve returns a native promise as is (no copy) and tolerates a plain value.
    work = Promise.resolve(runOnce(task, n, env));
  } catch (err) {
    work = Promise.reject(err);
  }
  return work.then(
    (changes): Outcome => {
      const ms = Math.round(env.clock.now() - started);
      return env.dryRun && changes ? { kind: 'done', ms, attempts: n, changes } : { kind: 'done', ms, attempts: n };
    },
    (err: unknown) => afterFailure(task, n, env, started, err),
  );
}

async function afterFailure(task: Task, n: number, env: AttemptEnv, started: number, err: unknown): Promise<Outcome> {
  const ms = (): number => Math.round(env.clock.now() - started);
  if (env.forceSignal.aborted) return { kind: 'abandoned', ms: ms(), attempts: n };
  if (!shouldRetry(env.policy, err, n)) {
    return { kind: 'failed', ms: ms(), attempts: n, error: err, info: errorInfo(err, isTransient(err)) };
  }
  // Stopping: a retryable failure is not the task's fault; leave it for --resume.
  if (env.stopSignal.aborted) return { kind: 'interrupted', ms: ms(), attempts: n };
  const delayMs = backoffDelayMs(env.policy, n, env.random);
  env.emit({ type: 'task-retry', t: env.elapsed(), ...taskRef(task), attempt: n, delayMs, error: errorInfo(err, true) });
  try {
    await env.clock.sleep(delayMs, AbortSignal.any([env.stopSignal, env.forceSignal]));
  } catch {
    return { kind: env.forceSignal.aborted ? 'abandoned' : 'interrupted', ms: ms(), attempts: n };
  }
  return attempt(task, n + 1, env, started);
}

/**
 * One attempt: run (or describe, in a dry run). Only a task with its own timeout gets its own
 * signal and a race: allocating abort signals per attempt dominated the executor's CPU time
 * on large graphs. Aborting at once needs no race here: the run loop stops waiting by itself.
 */
function runOnce(task: Task, n: number, env: AttemptEnv): Promise<TaskChange[] | void> {
  if (task.timeoutMs === undefined) return start(task, n, env, env.forceSignal);
  const finished = new AbortController();
  const timeout = new AbortController();
  const signal = AbortSignal.any([env.forceSignal, timeout.signal]);
  env.clock.sleep(task.timeoutMs, finished.signal).then(
    () => timeout.abort(new TaskTimeoutError(task.id, task.timeoutMs!)),
    () => undefined,
  );
  return raceAbort(start(task, n, env, signal), signal).finally(() => finished.abort());
}

/** The task's own promise: a run's value is ignored (see `attempt`), a description is the changes. */
function start(task: Task, n: number, env: AttemptEnv, signal: AbortSignal): Promise<TaskChange[] | void> {
  const ctx: TaskContext = {
    id: task.id,
    host: task.host,
    attempt: n,
    signal,
    log: (message: string, level: LogLevel = 'info') => {
      const base = { type: 'log' as const, t: env.elapsed(), level, message, id: task.id };
      env.emit(task.host === undefined ? base : { ...base, host: task.host });
    },
    secret: (value: string) => env.redactor.add(value),
  };
  if (!env.dryRun) return task.run(ctx);
  return task.describe ? task.describe(ctx) : Promise.resolve([{ action: 'run', subject: task.title }]);
}

/** Settles with the work, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
