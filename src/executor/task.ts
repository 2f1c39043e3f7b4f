/**
 * Tasks are data (DESIGN.md "Tasks are data"): the executor knows ids, hosts, edges and
 * fingerprints, never what a task does to a cluster.
 */

/** One thing a task would change, shown by `--dry-run` / `drover plan`. */
export interface TaskChange {
  /** What kind of change: create, replace, update, delete, or run (an imperative step). */
  action: 'create' | 'replace' | 'update' | 'delete' | 'run' | 'none';
  /** What is changed, e.g. "container etcd" or "/etc/kubernetes/ssl/kube-ca.pem". */
  subject: string;
  /** Optional unified-diff-like text (lines starting with "-" / "+"), secrets already left out. */
  diff?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn';

export interface TaskContext {
  readonly id: string;
  readonly host: string | undefined;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborted when the run is aborted at once (second signal, grace timeout) or the task times out. */
  readonly signal: AbortSignal;
  /** A log line attached to this task; it reaches renderers after redaction. */
  log(message: string, level?: LogLevel): void;
  /** Register a secret value so it is replaced before any event leaves the executor. */
  secret(value: string): void;
}

export interface Task {
  /** Stable across runs, e.g. "etcd/start@10.250.0.11": the journal key. */
  readonly id: string;
  /** Tasks on one host share its concurrency window; hostless tasks only count globally. */
  readonly host?: string;
  /** Ids of tasks that must be done first: edges, not phases. */
  readonly deps: readonly string[];
  readonly title: string;
  /** Hash of every input: a changed input re-runs a done task on resume. */
  readonly fingerprint: string;
  /** Expected duration in any unit (relative weights); used for critical-path-first ordering. */
  readonly estimate?: number;
  /** Give up (permanently) when one attempt takes longer than this. */
  readonly timeoutMs?: number;
  /** Observe first, act only on difference: running a done task again must be harmless. */
  run(ctx: TaskContext): Promise<void>;
  /** Read-only: what `run` would change. Absent means "would run <title>". */
  describe?(ctx: TaskContext): Promise<TaskChange[]>;
}

export interface TaskGraph {
  readonly tasks: readonly Task[];
}

/** Key used for tasks without a host in per-host groupings (renderers, plans). */
export const NO_HOST = '(cluster)';

export function hostKey(task: { host?: string | undefined }): string {
  return task.host ?? NO_HOST;
}
