import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';
import type { Path } from './yaml-source.js';

/** A validation problem with its place in the file. Warnings do not stop a run. */
export interface ConfigProblem {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  /** e.g. nodes[2].role[0] */
  path: string;
  message: string;
  hint?: string;
}

/** A problem found by a rule or the schema, before it is given its place in the file. */
export interface PathProblem {
  severity: 'error' | 'warning';
  path: Path;
  message: string;
  hint?: string;
  /** Point at the key rather than the value (unknown keys, duplicates). */
  atKey?: boolean;
}

/** nodes[2].role[0], services.kube-api.extra_args, labels["app.kubernetes.io/name"] */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path === '(top level)' ? '' : `${p.path}: `;
  const head = `${p.file}:${p.line}:${p.col}: ${p.severity}: ${where}${p.message}`;
  return p.hint ? `${head}\n  hint: ${p.hint}` : head;
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** cluster.yml is invalid: every problem of the file, at once. Exit 2; nothing was touched. */
export class ConfigError extends DroverError {
  constructor(
    readonly problems: ConfigProblem[],
    readonly file: string,
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    const count = `${errors.length} problem${errors.length === 1 ? '' : 's'}`;
    super(`${file} is not valid (${count}):\n${sortProblems(problems).map(formatProblem).join('\n')}`, {
      exitCode: ExitCode.InvalidInput,
      hint: 'fix the lines above and run `drover config validate`; nothing was connected to or changed',
    });
  }
}
