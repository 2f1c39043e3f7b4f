import { shellQuote } from './shell.js';
import { SudoError } from './errors.js';

export const SUDO_PASSWORD_ENV = 'DROVER_SUDO_PASSWORD';

/** How this host's user becomes root: not at all (root), passwordless, or with a password on stdin. */
export type SudoMode = { kind: 'root' } | { kind: 'nopasswd' } | { kind: 'password'; password: string };

/**
 * Wrap a command for sudo. The password goes first on stdin (`-S`) and `-k` makes sudo always
 * read it, so a cached timestamp cannot leave it to be read by the command instead.
 */
export function sudoWrap(mode: SudoMode, command: string, stdin?: string | Buffer): { command: string; stdin?: string | Buffer } {
  if (mode.kind === 'root') return { command, ...(stdin === undefined ? {} : { stdin }) };
  if (mode.kind === 'nopasswd') return { command: `sudo -n -- sh -c ${shellQuote(command)}`, ...(stdin === undefined ? {} : { stdin }) };
  const rest = stdin === undefined ? Buffer.alloc(0) : Buffer.from(stdin);
  return {
    command: `sudo -S -k -p '' -- sh -c ${shellQuote(command)}`,
    stdin: Buffer.concat([Buffer.from(mode.password + '\n'), rest]),
  };
}

/** Decide the sudo mode from a `sudo -n true` probe. */
export function sudoModeFromProbe(
  host: string,
  user: string,
  probe: { code: number; stderr: string },
  env: Readonly<Record<string, string | undefined>>,
): SudoMode {
  if (user === 'root') return { kind: 'root' };
  if (probe.code === 0) return { kind: 'nopasswd' };
  const password = env[SUDO_PASSWORD_ENV];
  if (password) return { kind: 'password', password };
  throw new SudoError(host, probe.stderr);
}
