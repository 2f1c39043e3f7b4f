import { readFileSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

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

/**
 * A journal file (0600), appended with O_APPEND and fdatasync'd. Appends arriving while a sync
 * is in flight are written together and share the next sync ("group commit"): every line is
 * still durable before its promise resolves, but thousands of short tasks do not wait in a
 * queue of single-line syncs.
 */
export class FileJournal implements Journal {
  readonly location: string;
  private handle: FileHandle | undefined;
  private pending: { text: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
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
    await this.handle?.close();
    this.handle = undefined;
    writeFileSync(this.location, text, { mode: 0o600 });
  }

  append(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          this.handle ??= await open(this.location, 'a', 0o600);
          await this.handle.write(batch.map((b) => b.text).join(''));
          await this.handle.datasync();
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
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
