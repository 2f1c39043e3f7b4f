import { MemoryJournal } from '../../src/executor/journal.js';
import type { FakeWorld } from './fake-tasks.js';

/**
 * Models a process killed at a journal write. Lines are counted from 0 (the header).
 * - default: the process dies right after line `line` became durable;
 * - `beforeWrite`: it dies while writing line `line` (which is lost), i.e. after the effect of
 *   the task it records had landed — the case idempotent tasks exist for.
 * From then on the world is "dead" (no effect lands) and every write fails. `tornTail` leaves
 * half of the next line behind, as a write cut short by the crash would. What survives is
 * `text`, exactly what a resumed run would read.
 */
export class CrashingJournal extends MemoryJournal {
  constructor(
    private readonly world: FakeWorld,
    private readonly line: number,
    private readonly opts: { tornTail?: boolean; beforeWrite?: boolean } = {},
  ) {
    super();
  }

  private torn = false;

  /** A fresh run writes its header through reset(): it counts as a line like any append. */
  override reset(text = ''): Promise<void> {
    this.text = '';
    return text ? this.append(text) : Promise.resolve();
  }

  override append(text: string): Promise<void> {
    if (this.world.crashed) {
      if (this.opts.tornTail && !this.torn) this.text += text.slice(0, Math.ceil(text.length / 2));
      this.torn = true;
      return Promise.reject(new Error('process is dead'));
    }
    if (this.appends === this.line) {
      this.world.crashed = true;
      if (this.opts.beforeWrite) {
        this.appends++;
        if (this.opts.tornTail) this.text += text.slice(0, Math.ceil(text.length / 2));
        this.torn = true;
        return Promise.reject(new Error('process is dead'));
      }
    }
    return super.append(text);
  }
}
