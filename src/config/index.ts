import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ClusterModel } from '../model/cluster.js';
import { buildModel } from '../model/build.js';
import { ConfigError, type ConfigProblem } from './problems.js';
import { resolveConfigPath } from './paths.js';
import type { ClusterConfig } from './schema.js';
import { validateConfigText } from './validate.js';

export type { ConfigProblem } from './problems.js';
export { ConfigError, formatProblem } from './problems.js';

export interface LoadedCluster {
  model: ClusterModel;
  config: ClusterConfig;
  warnings: ConfigProblem[];
  /** Values that came from ${env:...}: register them with the redactor. */
  secrets: string[];
}

export interface ValidatedFile {
  config?: ClusterConfig;
  problems: ConfigProblem[];
  secrets: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** `~` in cluster.yml follows $HOME, as a shell would. */
const homeOf = (env: Env): string => env['HOME'] || homedir();

/** Read and check cluster.yml; returns every problem (does not throw for invalid content). */
export function validateConfigFile(
  configPath: string,
  env: Env,
  purpose: 'validate' | 'deploy' = 'validate',
  displayName: string = configPath,
): ValidatedFile {
  const absolute = resolve(configPath);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${code ?? String(err)}`;
    const hint = code === 'ENOENT' ? 'pass --config FILE, or write one with `drover config --print > cluster.yml`' : undefined;
    return { problems: [{ severity: 'error', file: displayName, line: 1, col: 1, path: '(top level)', message, ...(hint ? { hint } : {}) }], secrets: [] };
  }
  const dir = dirname(absolute);
  const keyFileReadable = (p: string): boolean => {
    try {
      const full = resolveConfigPath(p, dir, homeOf(env));
      accessSync(full, constants.R_OK);
      return statSync(full).isFile();
    } catch {
      return false;
    }
  };
  return validateConfigText({ text, file: displayName, env, purpose, keyFileReadable });
}

/**
 * Load cluster.yml, validate it (throws ConfigError, exit 2, listing every problem) and build
 * the model. `purpose: 'deploy'` also refuses Kubernetes versions drover cannot deploy.
 */
export async function loadClusterModel(configPath: string, env: Env, opts: { purpose: 'validate' | 'deploy' } = { purpose: 'deploy' }): Promise<LoadedCluster> {
  const result = validateConfigFile(configPath, env, opts.purpose);
  if (!result.config) throw new ConfigError(result.problems, configPath);
  return {
    model: buildModel(result.config, resolve(configPath), homeOf(env)),
    config: result.config,
    warnings: result.problems.filter((p) => p.severity === 'warning'),
    secrets: result.secrets,
  };
}
