/**
 * Where the journal lives. The executor writes whole lines; an implementation must make an
 * appended text durable before the returned promise resolves, keep appends in order, and
 * refuse every append after one has failed (nothing may land after a lost line).
 * FileJournal (journal-file.ts) is the real one.
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
