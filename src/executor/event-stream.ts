import type { EventListener, ExecutorEvent } from './events.js';
import type { Redactor } from './redact.js';

/** An event whose delivery waits for something (a journal line), and what comes after it. */
interface Held {
  event: ExecutorEvent;
  ready: boolean;
}

/**
 * The run's one event stream: redacts every event, then hands it to the listeners, in the
 * order the events happened.
 *
 * A task's dependents start as soon as its outcome is known, while its journal line is still
 * being written (at the end of the event loop's turn, together with the other lines of that
 * turn). Its `task-done` must not be seen before the line is in the file: a listener that
 * sees `task-done` and then kills drover (the e2e crash tests do exactly that) must find the
 * task skipped on `--resume`. So `task-done` is held until its line is written, and every
 * event after it waits behind it: listeners still see "A done" before "B (after A) started".
 * Tasks do not wait for listeners; the stream lags them by at most one journal write.
 */
export class EventStream {
  private readonly held: Held[] = [];
  private head = 0;
  retries = 0;

  constructor(
    private readonly listeners: readonly EventListener[],
    private readonly redactor: Redactor,
  ) {}

  emit(event: ExecutorEvent): void {
    if (event.type === 'task-retry') this.retries++;
    if (this.head === this.held.length) this.deliver(event);
    else this.held.push({ event, ready: true });
  }

  /** `event` takes its place in the stream now, and is delivered once `written` settles. */
  emitWhen(written: Promise<unknown>, event: ExecutorEvent): void {
    const entry: Held = { event, ready: false };
    this.held.push(entry);
    const release = (): void => {
      entry.ready = true;
      this.drain();
    };
    written.then(release, release);
  }

  /** Nothing is held back any more (every awaited write has settled). */
  get idle(): boolean {
    return this.head === this.held.length;
  }

  private drain(): void {
    const held = this.held;
    while (this.head < held.length && held[this.head]!.ready) this.deliver(held[this.head++]!.event);
    if (this.head === held.length) {
      held.length = 0;
      this.head = 0;
    }
  }

  private deliver(event: ExecutorEvent): void {
    const clean = this.redactor.redactValue(event);
    for (const l of this.listeners) {
      try {
        l(clean);
      } catch {
        // A display problem must never change what happens on the cluster.
      }
    }
  }
}
