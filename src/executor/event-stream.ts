import type { EventListener, ExecutorEvent } from './events.js';
import type { Redactor } from './redact.js';

/** A write that held events wait for; the task-done events of one journal batch share one. */
interface Gate {
  written: Promise<unknown>;
  open: boolean;
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
  /** Events not delivered yet, in order, and what each waits for (undefined: only those before it). */
  private readonly events: (ExecutorEvent | undefined)[] = [];
  private readonly gates: (Gate | undefined)[] = [];
  /** Held events are events[head .. tail). */
  private head = 0;
  private tail = 0;
  private lastGate: Gate | undefined;
  retries = 0;

  constructor(
    private readonly listeners: readonly EventListener[],
    private readonly redactor: Redactor,
  ) {}

  emit(event: ExecutorEvent): void {
    if (event.type === 'task-retry') this.retries++;
    if (this.head === this.tail) this.deliver(event);
    else this.hold(event, undefined);
  }

  /** `event` takes its place in the stream now, and is delivered once `written` settles. */
  emitWhen(written: Promise<unknown>, event: ExecutorEvent): void {
    let gate = this.lastGate;
    // Lines written together share one promise: one callback per write, not per task.
    if (gate === undefined || gate.open || gate.written !== written) {
      const fresh: Gate = { written, open: false };
      const open = (): void => {
        fresh.open = true;
        this.drain();
      };
      written.then(open, open);
      gate = this.lastGate = fresh;
    }
    this.hold(event, gate);
  }

  // The arrays keep their size between bursts (slots are overwritten, not pushed): growing
  // them again after every drain was a visible share of the run's garbage.
  private hold(event: ExecutorEvent, gate: Gate | undefined): void {
    if (this.tail === this.events.length) {
      this.events.push(event);
      this.gates.push(gate);
    } else {
      this.events[this.tail] = event;
      this.gates[this.tail] = gate;
    }
    this.tail++;
  }

  private drain(): void {
    const { events, gates } = this;
    while (this.head < this.tail && (gates[this.head]?.open ?? true)) {
      const event = events[this.head]!;
      events[this.head] = undefined;
      gates[this.head++] = undefined;
      this.deliver(event);
    }
    if (this.head === this.tail) this.head = this.tail = 0;
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
