import type { CriticalPath } from './critical-path.js';
import type { LogLevel, TaskChange } from './task.js';

/**
 * The one event stream of a run. Renderers (src/cli/render) only display it; the NDJSON
 * renderer prints it as is, so every field here is part of drover's interface (docs/events.md).
 * `t` is milliseconds since the run started, from the injected clock.
 */
interface TaskRef {
  id: string;
  /** Absent for tasks that do not run on one node (e.g. generating certificates). */
  host?: string;
  title: string;
}

export interface ErrorInfo {
  message: string;
  /** e.g. ECONNRESET, or the error class name when there is no code. */
  code?: string;
  transient: boolean;
}

export type RunStatus = 'ok' | 'failed' | 'interrupted';

export interface RunStartEvent {
  type: 'run-start';
  t: number;
  runId: string;
  tasks: number;
  /** Every host with its task count, in first-seen order: renderers group by these. */
  hosts: { host: string; tasks: number }[];
  concurrency: number;
  perHostConcurrency: number;
  resume: boolean;
  dryRun: boolean;
}
export interface TaskStartEvent extends TaskRef {
  type: 'task-start';
  t: number;
  attempt: number;
}
export interface TaskDoneEvent extends TaskRef {
  type: 'task-done';
  t: number;
  ms: number;
  attempts: number;
}
export interface TaskSkippedEvent extends TaskRef {
  type: 'task-skipped';
  t: number;
  /** journal: done in an earlier run with the same fingerprint (--resume). */
  reason: 'journal';
}
export interface TaskPlannedEvent extends TaskRef {
  type: 'task-planned';
  t: number;
  /** What the task would change (dry run); empty means nothing to do. */
  changes: TaskChange[];
}
export interface TaskRetryEvent extends TaskRef {
  type: 'task-retry';
  t: number;
  /** The attempt that failed. */
  attempt: number;
  delayMs: number;
  error: ErrorInfo;
}
export interface TaskFailedEvent extends TaskRef {
  type: 'task-failed';
  t: number;
  ms: number;
  attempts: number;
  error: ErrorInfo;
}
export interface LogEvent {
  type: 'log';
  t: number;
  level: LogLevel;
  message: string;
  id?: string;
  host?: string;
}
export interface FailedTaskSummary {
  id: string;
  host?: string;
  title: string;
  error: ErrorInfo;
}
export interface RunTotals {
  tasks: number;
  done: number;
  skipped: number;
  planned: number;
  failed: number;
  /** Never started: blocked by a failure or an interruption. */
  notRun: number;
  /** Still running when the run was aborted at once. */
  abandoned: number;
  retries: number;
}
export interface RunDoneEvent {
  type: 'run-done';
  t: number;
  runId: string;
  status: RunStatus;
  exitCode: number;
  ms: number;
  totals: RunTotals;
  criticalPath: CriticalPath;
  failed: FailedTaskSummary[];
}

export type ExecutorEvent =
  | RunStartEvent
  | TaskStartEvent
  | TaskDoneEvent
  | TaskSkippedEvent
  | TaskPlannedEvent
  | TaskRetryEvent
  | TaskFailedEvent
  | LogEvent
  | RunDoneEvent;

export type EventListener = (event: ExecutorEvent) => void;

export function errorInfo(err: unknown, transient: boolean): ErrorInfo {
  if (err instanceof Error) {
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : err.name !== 'Error' ? err.name : undefined;
    return code === undefined ? { message: err.message, transient } : { message: err.message, code, transient };
  }
  return { message: String(err), transient };
}

/** id/host/title of a task for an event; `host` is left out (not undefined) when absent. */
export function taskRef(task: { id: string; host?: string | undefined; title: string }): TaskRef {
  return task.host === undefined ? { id: task.id, title: task.title } : { id: task.id, host: task.host, title: task.title };
}

// The two events every task emits, built in one object each (no intermediate taskRef and
// spread): they are most of the executor's allocations. Same key order as the spread form.
export function taskStartEvent(task: { id: string; host?: string | undefined; title: string }, t: number, attempt: number): TaskStartEvent {
  return task.host === undefined
    ? { type: 'task-start', t, id: task.id, title: task.title, attempt }
    : { type: 'task-start', t, id: task.id, host: task.host, title: task.title, attempt };
}

export function taskDoneEvent(task: { id: string; host?: string | undefined; title: string }, t: number, ms: number, attempts: number): TaskDoneEvent {
  return task.host === undefined
    ? { type: 'task-done', t, id: task.id, title: task.title, ms, attempts }
    : { type: 'task-done', t, id: task.id, host: task.host, title: task.title, ms, attempts };
}
