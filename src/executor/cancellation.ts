/**
 * Two-step cancellation, as users expect from Ctrl-C: the first request stops starting tasks
 * and lets running ones finish (journal consistent); the second aborts at once.
 */
export class Cancellation {
  private readonly graceful = new AbortController();
  private readonly force = new AbortController();

  /** Pass as ExecuteOptions.signal. */
  get signal(): AbortSignal {
    return this.graceful.signal;
  }
  /** Pass as ExecuteOptions.forceSignal. */
  get forceSignal(): AbortSignal {
    return this.force.signal;
  }

  /** First call: graceful; second: force; later calls change nothing ('repeated'). */
  request(reason: string = 'interrupted'): 'graceful' | 'force' | 'repeated' {
    if (!this.graceful.signal.aborted) {
      this.graceful.abort(new Error(reason));
      return 'graceful';
    }
    if (this.force.signal.aborted) return 'repeated';
    this.force.abort(new Error(reason));
    return 'force';
  }
}

/** The part of `process` the handlers need (tests pass an EventEmitter). */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * Maps SIGINT/SIGTERM to the cancellation for the duration of a run. Installing a listener
 * also stops Node's default "exit at once" on these signals, which is the point. Returns a
 * function that removes the handlers (call it when the run ends).
 */
export function installSignalHandlers(
  cancellation: Cancellation,
  source: SignalSource = process,
  opts: {
    signals?: readonly ('SIGINT' | 'SIGTERM')[];
    /** A third signal: something is stuck even after aborting (e.g. a hung socket); exit now. */
    onRepeated?: () => void;
  } = {},
): () => void {
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  const onRepeated = opts.onRepeated ?? ((): never => process.exit(130));
  const handler = (): void => {
    if (cancellation.request('interrupted by signal') === 'repeated') onRepeated();
  };
  for (const s of signals) source.on(s, handler);
  return () => {
    for (const s of signals) source.off(s, handler);
  };
}
