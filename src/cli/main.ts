import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram, type ActionRunner } from './program.js';
import { ExitCode } from './exit-codes.js';
import { processIo, type IoHost } from './io.js';
import { reportError } from './report-error.js';

function droverVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Parse argv, run one action, and turn its outcome into an exit code. */
export async function main(argv: string[]): Promise<void> {
  let io: IoHost = processIo({ debug: argv.includes('--debug') });
  const run: ActionRunner = async (load, opts) => {
    io = processIo(opts as { output?: string; quiet?: boolean; debug?: boolean });
    const action = await load();
    process.exitCode = await action(opts, io);
  };
  const program = buildProgram(droverVersion(), run);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed help, the version or its own usage message.
      process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
      return;
    }
    process.exitCode = reportError(err, io);
  }
}
