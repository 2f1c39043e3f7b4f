import type { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { NotImplementedError } from '../errors.js';

export async function configPrint(_opts: unknown, _io: IoHost): Promise<ExitCode> {
  throw new NotImplementedError('config');
}
