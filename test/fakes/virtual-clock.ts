import type { Clock } from '../../src/executor/clock.js';

/**
 * Models time for executor tests: `sleep` timers fire in order of their due time (then
 * creation order), and virtual time jumps to the next timer only when the process is
 * otherwise idle (all promise callbacks drained). Runs are therefore deterministic and take
 * no real time, so tests can snapshot `t`/`ms` fields and use minutes-long backoffs.
 * Real I/O (a journal file) is waited for when no timer is due, but time may advance while
 * it is in flight, so only memory journals give exact timings.
 */
interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export class VirtualClock implements Clock {
  time = 0;
  private timers: Timer[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Drive `work` to completion, advancing virtual time whenever nothing else can happen. */
  async run<T>(work: Promise<T>, opts: { onIdle?: (clock: VirtualClock) => void } = {}): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let idleWaits = 0; ; ) {
      await new Promise<void>((r) => setImmediate(r));
      if (settled) return work;
      opts.onIdle?.(this);
      await new Promise<void>((r) => setImmediate(r));
      if (settled) return work;
      const next = this.timers.reduce<Timer | undefined>((a, t) => (!a || t.at < a.at || (t.at === a.at && t.seq < a.seq) ? t : a), undefined);
      if (!next) {
        // Real I/O (a journal file) may still be in flight: give it real time before giving up.
        if (++idleWaits > 500) throw new Error('VirtualClock: the work is stuck (nothing scheduled and not settled)');
        await new Promise<void>((r) => setTimeout(r, 2));
        continue;
      }
      idleWaits = 0;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fire();
    }
  }
}
