import type { ExecutorEvent } from '../../executor/events.js';

/** Displays an executor's event stream; never decides anything. */
export interface Renderer {
  /** Pass as ExecuteOptions.onEvent (already bound). */
  readonly onEvent: (event: ExecutorEvent) => void;
  /** Resolves when everything is written (the tty renderer draws its last frame). */
  close(): Promise<void>;
}
