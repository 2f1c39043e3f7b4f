import { readFileSync } from 'node:fs';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { UsageError } from '../errors.js';

export const EXAMPLE_CONFIG_URL = new URL('../../cluster.example.yml', import.meta.url);

/** `drover config --print`: a complete, commented cluster.yml that validates as it is. */
export async function configPrint(opts: { print?: boolean }, io: IoHost): Promise<ExitCode> {
  if (!opts.print) {
    throw new UsageError('say what to do with the config', 'drover config --print | validate | schema (see drover config --help)');
  }
  io.stdout.write(readFileSync(EXAMPLE_CONFIG_URL, 'utf8'));
  return ExitCode.Ok;
}
