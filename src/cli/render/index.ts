import type { IoHost } from '../io.js';
import { jsonRenderer } from './json.js';
import { plainRenderer } from './plain.js';
import type { Renderer } from './renderer.js';

export type { Renderer } from './renderer.js';
export { planLines, summaryLines } from './format.js';
export { jsonRenderer, plainRenderer };

/**
 * The renderer for `--output` (io.output): tty (listr2, live), plain (CI logs) or json (NDJSON).
 * listr2 is loaded only for a terminal: CI and scripts do not pay for it at start-up.
 */
export async function createRenderer(io: IoHost): Promise<Renderer> {
  switch (io.output) {
    case 'json':
      return jsonRenderer(io);
    case 'plain':
      return plainRenderer(io);
    case 'tty':
      return (await import('./tty.js')).ttyRenderer(io);
  }
}
