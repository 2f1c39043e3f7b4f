import { ExitCode } from './exit-codes.js';
import type { IoHost } from './io.js';
import { DroverError } from '../errors.js';

/**
 * The one place errors reach the user. Known errors print their message and hint; anything
 * else is a drover bug. Stacks only with --debug. In json mode the error is an NDJSON event.
 */
export function reportError(err: unknown, io: IoHost): ExitCode {
  const known = err instanceof DroverError;
  const exitCode = known ? err.exitCode : ExitCode.Failed;
  const message = err instanceof Error ? err.message : String(err);
  const hint = known ? err.hint : 'this is a bug in drover; run again with --debug and report the stack trace';
  if (io.output === 'json') {
    io.stdout.write(JSON.stringify({ type: 'error', message, ...(hint ? { hint } : {}), exitCode }) + '\n');
  }
  const lines = [`error: ${known ? message : `internal error: ${message}`}`];
  if (hint) lines.push(`  hint: ${hint}`);
  if (io.debug && err instanceof Error && err.stack) lines.push(err.stack);
  io.stderr.write(lines.join('\n') + '\n');
  return exitCode;
}
