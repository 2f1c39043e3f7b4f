import { execa } from 'execa';
import { DroverError } from '../errors.js';

/** Run a host command for the lab; failures become DroverErrors carrying the command and stderr. */
export async function run(file: string, args: readonly string[], opts: { input?: string } = {}): Promise<string> {
  const result = await execa(file, args, { reject: false, ...(opts.input === undefined ? {} : { input: opts.input }) });
  if (result.exitCode !== 0 || result.failed) {
    const detail = (result.stderr || result.stdout || result.shortMessage || '').trim().split('\n').slice(-5).join('\n');
    throw new DroverError(`lab: \`${[file, ...args].join(' ')}\` failed: ${detail}`);
  }
  return result.stdout;
}

/** Like run, but reports failure as false: for probes and best-effort cleanup. */
export async function tryRun(file: string, args: readonly string[]): Promise<boolean> {
  const result = await execa(file, args, { reject: false });
  return result.exitCode === 0;
}
