import { closeSync, fdatasync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';

/**
 * Where the journal lives. The executor writes whole lines; an implementation must make an
 * appended text durable before the returned promise resolves.
 */
export interface Journal {
  /** For messages, e.g. the file path. */
  readonly location: string;
  /** The whole journal, '' when there is none yet. */
  read(): Promise<string>;
  /** Start over with `text` as the whole content (a fresh run); durable no later than the next append. */
  reset(text?: string): Promise<void>;
  append(text: string): Promise<void>;
  close(): Promise<void>;
}

interface Batch {
  lines: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A journal file (0600), appended with O_APPEND and fdatasync'd. Appends arriving while a sync
 * is in flight are written together and share the next sync ("group commit"), and one promise:
 * every line is still durable before its promise resolves, but thousands of short tasks do not
 * wait in a queue of single-line syncs. Lines are written synchronously (a copy into the page
 * cache, microseconds; it survives a kill -9 at once) and only the sync goes to the thread
 * pool: one round trip per batch instead of two, which a loaded machine makes slow.
 */
export class FileJournal implements Journal {
  readonly location: string;
  private fd: number | undefined;
  /** Lines waiting for the next write; undefined when none. */
  private next: Batch | undefined;
  private writing: Promise<void> | undefined;

  constructor(path: string) {
    this.location = path;
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
    writeFileSync(this.location, text, { mode: 0o600 });
  }

  append(text: string): Promise<void> {
    let batch = this.next;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = this.next = { lines: [], done, resolve, reject };
    }
    batch.lines.push(text);
    this.writing ??= this.writeLoop();
    return batch.done;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeLoop(): Promise<void> {
    try {
      for (let batch = this.next; batch; batch = this.next) {
        this.next = undefined;
        try {
          this.fd ??= openSync(this.location, 'a', 0o600);
          writeAll(this.fd, batch.lines.join(''));
          await datasync(this.fd);
          batch.resolve();
        } catch (err) {
          batch.reject(err);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** In-memory journal for tests and dry runs; `text` is what a file would hold. */
export class MemoryJournal implements Journal {
  readonly location: string;
  text: string;
  appends = 0;

  constructor(initial = '', location = '(memory)') {
    this.text = initial;
    this.location = location;
  }

  read(): Promise<string> {
    return Promise.resolve(this.text);
  }
  reset(text = ''): Promise<void> {
    this.text = text;
    return Promise.resolve();
  }
  append(text: string): Promise<void> {
    this.appends++;
    this.text += text;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
