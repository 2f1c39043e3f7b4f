import { createHash, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ExitCode } from '../cli/exit-codes.js';
import type { AttemptEnv, Outcome } from './attempt.js';
import { systemClock, type Clock } from './clock.js';
import { measuredCriticalPath, remainingPathLengths, type CriticalPath } from './critical-path.js';
import { taskDoneEvent, taskRef, type EventListener, type LogEvent, type ExecutorEvent, type FailedTaskSummary, type RunStatus, type RunTotals } from './events.js';
import type { Journal } from './journal.js';
import { openJournal, type JournalWriter } from './journal-session.js';
import { Redactor } from './redact.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { runLoop } from './run-loop.js';
import { EventStream } from './event-stream.js';
import { hostKey, type Task, type TaskChange, type TaskGraph } from './task.js';
import { validateGraph } from './validate.js';

export interface ExecuteOptions {
  /** Skip tasks the journal records done with the same fingerprint. */
  resume?: boolean;
  /** Call `describe` instead of `run`; write nothing (the journal is only read). */
  dryRun?: boolean;
  /** Global limit of running tasks (default 30). */
  concurrency?: number;
  /** Limit per host (default 5). */
  perHostConcurrency?: number;
  /** Without one, nothing is journaled and resume is impossible. */
  journal?: Journal;
  /** Who the journal belongs to, e.g. the config path and cluster name; defaults to a hash of the task ids. */
  identity?: string;
  /** Graceful stop: no new tasks, running ones finish (see Cancellation). */
  signal?: AbortSignal;
  /** Abort at once: running tasks are abandoned (not journaled). */
  forceSignal?: AbortSignal;
  /** After a graceful stop, running tasks get this long before the run aborts at once (default 120 s). */
  cancelGraceMs?: number;
  onEvent?: EventListener | EventListener[];
  retry?: Partial<RetryPolicy>;
  /** Secret values to redact from every event (tasks can add more via ctx.secret). */
  secrets?: Iterable<string>;
  redactor?: Redactor;
  clock?: Clock;
  random?: () => number;
  runId?: string;
}

export interface PlannedTask {
  id: string;
  host?: string;
  title: string;
  /** true when the journal says it is already done (resume). */
  skipped: boolean;
  changes: TaskChange[];
}

export interface ExecuteResult {
  ok: boolean;
  status: RunStatus;
  exitCode: ExitCode;
  runId: string;
  failed: FailedTaskSummary[];
  totals: RunTotals;
  criticalPath: CriticalPath;
  ms: number;
  /** Dry run only: every task in a dependency order (stable across runs), with what it would change. */
  plan: PlannedTask[];
}

export async function execute(graph: TaskGraph, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const index = validateGraph(graph);
  const { tasks, numberOf } = index;
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const redactor = options.redactor ?? new Redactor();
  for (const s of options.secrets ?? []) redactor.add(s);
  const listeners = options.onEvent === undefined ? [] : Array.isArray(options.onEvent) ? options.onEvent : [options.onEvent];
  const started = clock.now();
  const elapsed = (): number => Math.round(clock.now() - started);
  const events = new EventStream(listeners, redactor);
  const emit = (event: ExecutorEvent): void => events.emit(event);
  const concurrency = Math.max(1, options.concurrency ?? 30);
  const perHostConcurrency = Math.max(1, options.perHostConcurrency ?? 5);
  const dryRun = options.dryRun === true;
  const resume = options.resume === true;

  // Opened before run-start, so a journal that cannot be used throws before any event; its
  // notices are held back so that run-start stays the first event.
  const notices: LogEvent[] = [];
  const journal: JournalWriter = await openJournal({
    journal: options.journal,
    identity: options.identity ?? graphIdentity(tasks),
    runId,
    resume,
    dryRun,
    fingerprintOf: (id) => {
      const t = numberOf.get(id);
      return t === undefined ? undefined : tasks[t]!.fingerprint;
    },
    taskCount: tasks.length,
    log: (level, message) => notices.push({ type: 'log', t: elapsed(), level, message }),
  });
  emit({ type: 'run-start', t: 0, runId, tasks: tasks.length, hosts: hostCounts(tasks), concurrency, perHostConcurrency, resume, dryRun });
  for (const n of notices) emit(n);

  const stop = new AbortController();
  const force = new AbortController();
  // Every running task may listen on the shared abort signal (it is each task's ctx.signal).
  setMaxListeners(0, force.signal);
  // Read before every start: a flag is cheaper than the signal's `aborted` getter.
  let stopping = false;
  stop.signal.addEventListener('abort', () => (stopping = true), { once: true });
  const cleanups = linkCancellation(options, stop, force, clock, emit, elapsed);
  const env: AttemptEnv = {
    clock,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    random: options.random ?? Math.random,
    redactor,
    dryRun,
    stopSignal: stop.signal,
    forceSignal: force.signal,
    emit,
    elapsed,
  };
  const priority = remainingPathLengths(index);
  const failed: FailedTaskSummary[] = [];
  const plan: PlannedTask[] = [];
  let skipped = 0;

  const loop = await runLoop({
    graph: index,
    alreadyDone: journal.done,
    priority,
    concurrency,
    perHostConcurrency,
    env,
    shouldStop: () => stopping || journal.broken !== undefined,
    onSkipped: (task) => {
      skipped++;
      emit({ type: 'task-skipped', t: elapsed(), ...taskRef(task), reason: 'journal' });
      if (dryRun) plan.push({ ...taskRef(task), skipped: true, changes: [] });
    },
    onOutcome: (task, outcome) => reportOutcome(task, outcome),
  });
  cleanups.forEach((c) => c());

  function reportOutcome(task: Task, outcome: Outcome): boolean {
    if (outcome.kind === 'done') {
      if (dryRun) {
        const changes = outcome.changes ?? [];
        plan.push({ ...taskRef(task), skipped: false, changes });
        emit({ type: 'task-planned', t: elapsed(), ...taskRef(task), changes });
        return true;
      }
      // Seen only once its line is written: a kill -9 right after `task-done` loses nothing.
      const ms = Math.round(outcome.ms);
      const done = taskDoneEvent(task, elapsed(), ms, outcome.attempts);
      const written = journal.record({ id: task.id, fingerprint: task.fingerprint, status: 'done', ms });
      if (written === undefined) emit(done);
      else events.emitWhen(written, done);
      return true;
    }
    if (outcome.kind === 'failed') {
      const ms = Math.round(outcome.ms);
      void journal.record({ id: task.id, fingerprint: task.fingerprint, status: 'failed', ms });
      const summary = { ...taskRef(task), error: outcome.info };
      failed.push(summary);
      emit({ type: 'task-failed', t: elapsed(), ...summary, ms, attempts: outcome.attempts });
      return false;
    }
    return true;
  }

  const doneCount = loop.done;
  const unfinished = tasks.length - skipped - doneCount - failed.length;
  // A stop that came after the last task started changed nothing: that run is not interrupted.
  const interrupted = (stop.signal.aborted || force.signal.aborted) && unfinished > 0;
  await journal.finish(failed.length > 0 || journal.broken !== undefined ? 'failed' : interrupted ? 'interrupted' : 'ok');
  if (journal.broken !== undefined) failed.push(journal.brokenSummary());
  const finalStatus: RunStatus = failed.length > 0 ? 'failed' : interrupted ? 'interrupted' : 'ok';
  const exitCode = finalStatus === 'ok' ? ExitCode.Ok : finalStatus === 'failed' ? ExitCode.Failed : ExitCode.Interrupted;
  const criticalPath = measuredCriticalPath(index, loop.ms);
  const totals: RunTotals = {
    tasks: tasks.length,
    done: dryRun ? 0 : doneCount,
    skipped,
    planned: dryRun ? doneCount : 0,
    failed: failed.filter((f) => numberOf.has(f.id)).length,
    notRun: unfinished - loop.abandoned.length,
    abandoned: loop.abandoned.length,
    retries: events.retries,
  };
  const total = elapsed();
  const redactedFailed = redactor.redactValue(failed);
  emit({ type: 'run-done', t: total, runId, status: finalStatus, exitCode, ms: total, totals, criticalPath, failed: redactedFailed });
  // Finishing order depends on I/O timing; a dependency order keeps `drover plan` stable.
  if (plan.length > 1) {
    const position = new Map(Array.from(index.order, (t, i) => [index.tasks[t]!.id, i]));
    plan.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  }
  return { ok: finalStatus === 'ok', status: finalStatus, exitCode, runId, failed: redactedFailed, totals, criticalPath, ms: total, plan: redactor.redactValue(plan) };
}

function hostCounts(tasks: readonly Task[]): { host: string; tasks: number }[] {
  const counts = new Map<string, { host: string; tasks: number }>();
  // A host's tasks usually come one after another: count those without a map lookup each.
  let last: { host: string; tasks: number } | undefined;
  for (let i = 0; i < tasks.length; i++) {
    const host = hostKey(tasks[i]!);
    if (last?.host === host) {
      last.tasks++;
      continue;
    }
    last = counts.get(host);
    if (last) last.tasks++;
    else counts.set(host, (last = { host, tasks: 1 }));
  }
  return [...counts.values()];
}

function graphIdentity(tasks: readonly Task[]): string {
  const h = createHash('sha256');
  for (const id of tasks.map((t) => t.id).sort()) h.update(id).update('\0');
  return `graph:${h.digest('hex').slice(0, 16)}`;
}

/**
 * Wires the caller's signals to the run: a graceful stop starts the grace timer, after which
 * (or on the caller's force signal) the run aborts at once. Returns the listeners' removers.
 */
function linkCancellation(
  options: ExecuteOptions,
  stop: AbortController,
  force: AbortController,
  clock: Clock,
  emit: (e: ExecutorEvent) => void,
  elapsed: () => number,
): (() => void)[] {
  const cleanups: (() => void)[] = [];
  const graceDone = new AbortController();
  cleanups.push(() => graceDone.abort());
  const onStop = (): void => {
    if (stop.signal.aborted) return;
    stop.abort(options.signal?.reason);
    emit({ type: 'log', t: elapsed(), level: 'warn', message: 'interrupted: starting no new tasks, letting running ones finish (interrupt again to abort at once)' });
    const graceMs = options.cancelGraceMs ?? 120_000;
    clock.sleep(graceMs, graceDone.signal).then(
      () => abortNow(`running tasks did not finish within ${graceMs >= 1000 ? `${graceMs / 1000} s` : `${graceMs} ms`} of the interrupt`),
      () => undefined,
    );
  };
  const abortNow = (why: string): void => {
    if (force.signal.aborted) return;
    if (!stop.signal.aborted) stop.abort(new Error(why));
    emit({ type: 'log', t: elapsed(), level: 'warn', message: `aborting at once (${why}): running tasks are abandoned and run again on --resume` });
    force.abort(new Error(why));
  };
  const onForce = (): void => abortNow('interrupted again');
  for (const [signal, handler] of [
    [options.signal, onStop],
    [options.forceSignal, onForce],
  ] as const) {
    if (!signal) continue;
    if (signal.aborted) handler();
    else {
      signal.addEventListener('abort', handler, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', handler));
    }
  }
  return cleanups;
}
