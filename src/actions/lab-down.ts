import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { validateLabName } from '../lab/layout.js';

/** `drover lab down`: idempotent; a lab that does not exist is reported, not an error. */
export async function labDownAction(opts: { name: string }, io: IoHost): Promise<ExitCode> {
  const name = validateLabName(opts.name);
  const { labDown } = await import('../lab/lab.js');
  const state = await labDown(name);
  if (io.output === 'json') {
    io.stdout.write(JSON.stringify({ type: 'lab-down', name, found: Boolean(state), nodes: state?.nodes.length ?? 0 }) + '\n');
  } else if (!io.quiet) {
    io.stderr.write(state ? `lab "${name}": ${state.nodes.length} node(s) stopped and removed\n` : `lab "${name}" is not running\n`);
  }
  return ExitCode.Ok;
}
