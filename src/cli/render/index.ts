import type { IoHost } from '../io.js';
import { jsonRenderer } from './json.js';
import { plainRenderer } from './plain.js';
import type { Renderer } from './renderer.js';
import { ttyRenderer } from './tty.js';

export type { Renderer } from './renderer.js';
export { planLines, summaryLines } from './format.js';
export { jsonRenderer, plainRenderer, ttyRenderer };

/** The renderer for `--output` (io.output): tty (listr2, live), plain (CI logs) or json (NDJSON). */
export function createRenderer(io: IoHost): Renderer {
  switch (io.output) {
    case 'json':
      return jsonRenderer(io);
    case 'plain':
      return plainRenderer(io);
    case 'tty':
      return ttyRenderer(io);
  }
}
