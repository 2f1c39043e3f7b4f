import type { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { up, type UpOptions } from './up.js';

/** `drover plan`: exactly what `drover up` would do, per host, touching nothing. */
export async function plan(opts: UpOptions, io: IoHost): Promise<ExitCode> {
  return up({ ...opts, dryRun: true }, io);
}
