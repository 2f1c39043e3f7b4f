import type { Clock } from './clock.js';
import { errorInfo, taskRef, taskStartEvent, type ErrorInfo, type ExecutorEvent } from './events.js';
import type { Redactor } from './redact.js';
import { backoffDelayMs, isTransient, shouldRetry, type RetryPolicy } from './retry-policy.js';
import type { LogLevel, Task, TaskChange, TaskContext } from './task.js';

/** How one task ended, after all its attempts; `ms` is exact (events and the journal round it). */
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
 * Runs a task's attempts and hands the outcome to `onOutcome` with the task's number. Written
 * with plain promise chains and a shared callback rather than an async loop and a closure per
 * task: this is the per-task hot path, and the first attempt of nearly every task succeeds.
 */
export function runTask(task: Task, env: AttemptEnv, t: number, onOutcome: (t: number, outcome: Outcome) => void): void {
  void attempt(task, 1, env, env.clock.now(), t, onOutcome);
}

function attempt(task: Task, n: number, env: AttemptEnv, started: number, t: number, onOutcome: (t: number, outcome: Outcome) => void): Promise<void> {
  if (!env.dryRun) env.emit(taskStartEvent(task, env.elapsed(), n));
  let work: Promise<TaskChange[] | void>;
  try {
    // Promise.resolve returns a native promise as is (no copy) and tolerates a plain value.
    work = Promise.resolve(runOnce(task, n, env));
  } catch (err) {
    work = Promise.reject(err);
  }
  return work.then(
    (changes) => {
      const ms = env.clock.now() - started;
      onOutcome(t, env.dryRun && changes ? { kind: 'done', ms, attempts: n, changes } : { kind: 'done', ms, attempts: n });
    },
    (err: unknown) =>
      afterFailure(task, n, env, started, err).then((outcome) => (outcome === RETRY ? attempt(task, n + 1, env, started, t, onOutcome) : onOutcome(t, outcome))),
  );
}

/** afterFailure's answer when the task is to be tried again (after the backoff wait). */
const RETRY = Symbol('retry');

async function afterFailure(task: Task, n: number, env: AttemptEnv, started: number, err: unknown): Promise<Outcome | typeof RETRY> {
  const ms = (): number => env.clock.now() - started;
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
  return RETRY;
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
  const ctx = new AttemptContext(task, n, signal, env);
  if (!env.dryRun) return task.run(ctx);
  return task.describe ? task.describe(ctx) : Promise.resolve([{ action: 'run', subject: task.title }]);
}

/** One object per attempt, its methods on the prototype: closures per task were a visible share of the run's garbage. */
class AttemptContext implements TaskContext {
  readonly id: string;
  readonly host: string | undefined;
  readonly #env: AttemptEnv;

  constructor(
    task: Task,
    readonly attempt: number,
    readonly signal: AbortSignal,
    env: AttemptEnv,
  ) {
    this.id = task.id;
    this.host = task.host;
    this.#env = env;
  }

  log(message: string, level: LogLevel = 'info'): void {
    const base = { type: 'log' as const, t: this.#env.elapsed(), level, message, id: this.id };
    this.#env.emit(this.host === undefined ? base : { ...base, host: this.host });
  }

  secret(value: string): void {
    this.#env.redactor.add(value);
  }
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
