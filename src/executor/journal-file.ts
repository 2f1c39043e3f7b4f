import { closeSync, fdatasync, openSync, readFileSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Journal } from './journal.js';

/** Lines written together, made durable by one sync and settled by one promise. */
interface Batch {
  lines: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Syncs in flight at once: a line written while one is running need not wait for it to end. */
const MAX_SYNCS_IN_FLIGHT = 2;
/** statfs f_type of file systems that live in memory: fdatasync does nothing there. */
const MEMORY_FILE_SYSTEMS = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

export interface FileJournalOptions {
  /** Replaces fdatasync (tests hold syncs back to check when lines count as durable). */
  datasync?: (fd: number, done: (err: Error | null) => void) => void;
}

/**
 * A journal file (0600), appended with O_APPEND and fdatasync'd: every line is durable before
 * its promise resolves ("group commit" keeps that cheap for thousands of short tasks):
 * - lines are gathered until the end of the current turn of the event loop (setImmediate), so
 *   tasks finishing together share one write() and one sync (one write() per line was a
 *   fifth of the executor's CPU time on 3000 short tasks);
 * - a batch is written synchronously (a copy into the page cache; it survives a kill -9 from
 *   then on) right before its sync; only the sync goes to the thread pool;
 * - a second sync may start while the first runs: fdatasync covers everything written to the
 *   file before it started, so a line waits for one sync, not for the end of someone else's too;
 * - lines arriving while both are in flight are gathered into one batch: one write, one sync,
 *   one promise, when a slot frees;
 * - on tmpfs/ramfs the sync is skipped: there is no device, it would only cost a thread-pool
 *   round trip.
 */
export class FileJournal implements Journal {
  readonly location: string;
  private fd: number | undefined;
  private syncs = true;
  /** Lines waiting for a sync slot; undefined when none. */
  private next: Batch | undefined;
  private inFlight = 0;
  private flushQueued = false;
  /** The first write or sync error: later lines could land after a torn one, so all fail. */
  private failed: { error: unknown } | undefined;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private buffer = Buffer.allocUnsafe(16 * 1024);

  private readonly datasync: (fd: number, done: (err: Error | null) => void) => void;
  private readonly probeFileSystem: boolean;

  constructor(path: string, options: FileJournalOptions = {}) {
    this.location = path;
    this.datasync = options.datasync ?? fdatasync;
    this.probeFileSystem = options.datasync === undefined;
  }

  /** Whether appends are fdatasync'd (false on a file system in memory). */
  get syncsToDevice(): boolean {
    return !this.probeFileSystem || !MEMORY_FILE_SYSTEMS.has(Number(statfsSync(dirname(this.location)).type));
  }

  // read() and reset() run once, before the first task: synchronous calls spare the thread-pool
  // round trips (milliseconds each on a busy machine) that would delay every task.
  read(): Promise<string> {
    try {
      return Promise.resolve(readFileSync(this.location, 'utf8'));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return Promise.resolve('');
      return Promise.reject(err);
    }
  }

  /**
   * Truncates and writes `text` without waiting for a sync: the first task must not wait for
   * the disk. It becomes durable with the first record's sync (same file, written before it);
   * a crash before that leaves at worst records without a header, which resume ignores.
   * Errors that matter here (read-only, no permission, no space) come from open/write at once.
   */
  async reset(text = ''): Promise<void> {
    await this.drain();
    this.closeFd();
    this.failed = undefined;
    writeFileSync(this.location, text, { mode: 0o600 });
  }

  append(text: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed.error);
    let batch = this.next;
    if (batch) batch.lines.push(text);
    else {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = this.next = { lines: [text], done, resolve, reject };
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
    return batch.done;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closeFd();
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.location, 'a', 0o600);
      this.syncs = this.syncsToDevice;
    }
    return this.fd;
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** After this turn of the event loop: the lines of every task that finished in it, in one write. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    this.pump();
  };

  private drain(): Promise<void> {
    if (this.inFlight === 0 && !this.next) return Promise.resolve();
    if (!this.idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  private fail(batch: Batch, error: unknown): void {
    this.failed ??= { error };
    batch.reject(error);
    const waiting = this.next;
    this.next = undefined;
    waiting?.reject(error);
  }

  /**
   * One write() for a batch, encoded into a buffer kept across batches (the write is
   * synchronous, so it is free again at once): no joined string, no buffer per batch.
   */
  private writeLines(fd: number, lines: readonly string[]): void {
    let used = 0;
    for (const line of lines) {
      // UTF-8 needs at most 3 bytes per UTF-16 code unit.
      if (this.buffer.length - used < line.length * 3) {
        const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, used + line.length * 3));
        this.buffer.copy(bigger, 0, 0, used);
        this.buffer = bigger;
      }
      used += this.buffer.write(line, used);
    }
    for (let off = 0; off < used; ) off += writeSync(fd, this.buffer, off, used - off);
  }

  /** Writes and syncs waiting lines while a sync slot is free. */
  private pump(): void {
    while (this.next && this.inFlight < MAX_SYNCS_IN_FLIGHT) {
      const batch = this.next;
      this.next = undefined;
      let fd: number;
      try {
        fd = this.open();
        this.writeLines(fd, batch.lines);
      } catch (err) {
        this.fail(batch, err);
        continue;
      }
      if (!this.syncs) {
        batch.resolve();
        continue;
      }
      this.inFlight++;
      this.datasync(fd, (err) => {
        this.inFlight--;
        if (err) this.fail(batch, err);
        else batch.resolve();
        this.pump();
      });
    }
    if (this.inFlight === 0 && !this.next && this.idle) {
      this.idle.resolve();
      this.idle = undefined;
    }
  }
}
