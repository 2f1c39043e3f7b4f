import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { validateConfigFile } from '../config/index.js';
import { formatProblem, sortProblems, type ConfigProblem } from '../config/problems.js';

export interface ConfigValidateOptions {
  config: string;
}

/** `drover config validate`: every problem of the file at once; 0 valid, 2 invalid. */
export async function configValidate(opts: ConfigValidateOptions, io: IoHost): Promise<ExitCode> {
  const result = validateConfigFile(opts.config, io.env, 'validate');
  const problems = sortProblems(result.problems).map((p) => redact(p, result.secrets));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const valid = errors === 0;
  if (io.output === 'json') {
    io.stdout.write(JSON.stringify({ type: 'config-validate', file: opts.config, valid, errors, warnings, problems }) + '\n');
  } else {
    for (const p of problems) (p.severity === 'error' ? io.stderr : io.stdout).write(formatProblem(p) + '\n');
    const counts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`].join(', ');
    if (valid) io.stdout.write(`${opts.config}: valid${warnings ? ` (${counts})` : ''}\n`);
    else io.stderr.write(`${opts.config}: invalid (${counts})\n`);
  }
  return valid ? ExitCode.Ok : ExitCode.InvalidInput;
}

function redact(p: ConfigProblem, secrets: string[]): ConfigProblem {
  let message = p.message;
  for (const s of secrets) if (s.length >= 4) message = message.split(s).join('***');
  return { ...p, message };
}
