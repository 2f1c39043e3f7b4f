import type { ExecutorEvent } from '../../executor/events.js';
import type { IoHost } from '../io.js';
import type { Renderer } from './renderer.js';

/** `--output json`: every event as one JSON object per line on stdout (schema: docs/events.md). */
export function jsonRenderer(io: IoHost): Renderer {
  return {
    onEvent: (e: ExecutorEvent) => io.stdout.write(`${JSON.stringify(e)}\n`),
    close: () => Promise.resolve(),
  };
}
