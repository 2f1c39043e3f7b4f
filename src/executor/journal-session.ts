import { DroverError } from '../errors.js';
import type { FailedTaskSummary, RunStatus } from './events.js';
import type { Journal } from './journal.js';
import { endLine, headerLine, parseJournal, recordLine, type JournalRecord } from './journal-format.js';
import type { LogLevel, Task } from './task.js';

/** The journal as one run uses it: what to skip, and where finished tasks are recorded. */
export interface JournalWriter {
  /** Ids recorded done with the task's current fingerprint (only when resuming). */
  readonly done: ReadonlySet<string>;
  /** The first write error, if any: the run stops, since the journal can no longer be trusted. */
  readonly broken: unknown;
  brokenSummary(): FailedTaskSummary;
  /**
   * Resolves when the line is recorded as the journal defines it (or the journal is broken: see
   * `broken`); never rejects. Undefined when nothing is recorded (no journal, dry run, broken).
   */
  record(r: JournalRecord): Promise<void> | undefined;
  finish(status: RunStatus): Promise<void>;
}

export interface OpenJournalOptions {
  journal: Journal | undefined;
  identity: string;
  runId: string;
  resume: boolean;
  dryRun: boolean;
  /** The run's tasks by id (only read when resuming). */
  fingerprintOf: (id: string) => string | undefined;
  taskCount: number;
  log: (level: LogLevel, message: string) => void;
}

/** The journal cannot be read or started: nothing has run yet. */
export class JournalError extends DroverError {
  constructor(location: string, cause: unknown) {
    super(`cannot use the journal ${location}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      hint: 'check that the directory of the cluster file is writable and the disk is not full',
    });
  }
}

export async function openJournal(o: OpenJournalOptions): Promise<JournalWriter> {
  try {
    return await openJournalUnchecked(o);
  } catch (err) {
    throw new JournalError(o.journal?.location ?? '(none)', err);
  }
}

async function openJournalUnchecked(o: OpenJournalOptions): Promise<JournalWriter> {
  const done = new Set<string>();
  const journal = o.journal;
  if (!journal) return new Writer(undefined, done, o.dryRun);

  const text = await journal.read();
  const state = parseJournal(text);
  const ours = state.identity === o.identity;
  if (state.badLines > 0) {
    o.log('info', `journal ${journal.location}: ignored ${state.badLines} unreadable line(s) (a write cut short by a crash)`);
  }
  if (o.resume) {
    if (state.identity !== undefined && !ours) {
      o.log('warn', `journal ${journal.location} belongs to another configuration (${state.identity}); ignoring it and running every task`);
    } else if (ours) {
      for (const [id, fp] of state.done) if (o.fingerprintOf(id) === fp) done.add(id);
      o.log('info', `resuming: ${done.size} of ${o.taskCount} task(s) already done according to ${journal.location}`);
    } else {
      o.log('info', `nothing to resume: no journal at ${journal.location}; running every task`);
    }
  } else if (ours && state.lastRun !== 'ok' && state.lastRun !== 'none' && state.done.size > 0) {
    o.log(
      'warn',
      `the previous run stopped before the end (${state.lastRun}, ${state.done.size} task(s) done); ` +
        `--resume would continue it. Starting over${o.dryRun ? ' (dry run: journal kept)' : ''}.`,
    );
  }

  const writer = new Writer(o.dryRun ? undefined : journal, done, o.dryRun);
  if (!o.dryRun) {
    const appendToOld = o.resume && ours;
    const header = headerLine({ identity: o.identity, runId: o.runId, resume: appendToOld });
    if (!appendToOld) await journal.reset(header);
    // A torn last line must not swallow the header we append after it.
    else await journal.append((text.length > 0 && !text.endsWith('\n') ? '\n' : '') + header);
  }
  writer.runId = o.runId;
  return writer;
}

class Writer implements JournalWriter {
  broken: unknown = undefined;
  runId = '';
  private readonly pending: Promise<void>[] = [];
  /** A group-committing journal hands the lines of one batch the same promise: so do we. */
  private lastWrite: Promise<void> | undefined;
  private lastSettled: Promise<void> = Promise.resolve();

  constructor(
    private readonly journal: Journal | undefined,
    readonly done: ReadonlySet<string>,
    private readonly dryRun: boolean,
  ) {}

  record(r: JournalRecord): Promise<void> | undefined {
    if (!this.journal || this.dryRun || this.broken !== undefined) return undefined;
    const write = this.append(this.journal, recordLine(r));
    if (write === this.lastWrite) return this.lastSettled;
    this.lastWrite = write;
    this.lastSettled = this.track(write);
    return this.lastSettled;
  }

  /** The journal's append, with a synchronous throw turned into a rejection. */
  private append(journal: Journal, text: string): Promise<void> {
    try {
      return journal.append(text);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Waited for by `finish`; the first failure breaks the journal. Never rejects. */
  private track(write: Promise<void>): Promise<void> {
    const settled = write.catch((err: unknown) => {
      this.broken ??= err ?? new Error('journal write failed');
    });
    this.pending.push(settled);
    return settled;
  }

  brokenSummary(): FailedTaskSummary {
    const err = this.broken;
    const message = `cannot write the journal: ${err instanceof Error ? err.message : String(err)}`;
    const code = (err as { code?: unknown } | undefined)?.code;
    return { id: '(journal)', title: 'write the journal', error: typeof code === 'string' ? { message, code, transient: false } : { message, transient: false } };
  }

  async finish(status: RunStatus): Promise<void> {
    if (!this.journal) return;
    // Appended at once, behind the lines still being written: one write and one sync for both.
    // A journal refuses everything after a failed write, so the end line never follows a lost one.
    if (this.broken === undefined) this.track(this.append(this.journal, endLine({ end: status, runId: this.runId })));
    await Promise.all(this.pending);
    await this.journal.close().catch(() => undefined);
  }
}
