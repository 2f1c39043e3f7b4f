/**
 * All user-facing I/O of an action goes through one IoHost, so tests can capture it and
 * actions never touch process.* directly.
 */
export type OutputMode = 'tty' | 'plain' | 'json';

export interface TextSink {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Height of the terminal, when it is one (read when needed: terminals are resized). */
  readonly rows?: number | undefined;
}

export interface IoHost {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly output: OutputMode;
  readonly quiet: boolean;
  readonly debug: boolean;
}

/** tty when stdout is a terminal and CI is unset; plain otherwise (DESIGN.md). */
export function resolveOutputMode(requested: string | undefined, stdoutIsTTY: boolean, env: IoHost['env']): OutputMode {
  if (requested === 'tty' || requested === 'plain' || requested === 'json') return requested;
  return stdoutIsTTY && !env['CI'] ? 'tty' : 'plain';
}

export function processIo(opts: { output?: string; quiet?: boolean; debug?: boolean }): IoHost {
  const env = process.env;
  return {
    stdout: {
      write: (t) => void process.stdout.write(t),
      isTTY: Boolean(process.stdout.isTTY),
      get rows() {
        return process.stdout.rows;
      },
    },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) },
    env,
    cwd: process.cwd(),
    output: resolveOutputMode(opts.output, Boolean(process.stdout.isTTY), env),
    quiet: Boolean(opts.quiet),
    debug: Boolean(opts.debug),
  };
}
