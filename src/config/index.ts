import type { ClusterModel } from '../model/cluster.js';
import { NotImplementedError } from '../errors.js';

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

export interface LoadedCluster {
  model: ClusterModel;
  warnings: ConfigProblem[];
}

/**
 * Load cluster.yml, validate it (throws ConfigError, exit 2, listing every problem) and build
 * the model. `purpose: 'deploy'` also refuses Kubernetes versions drover cannot deploy.
 */
export async function loadClusterModel(
  _configPath: string,
  _env: Readonly<Record<string, string | undefined>>,
  _opts: { purpose: 'validate' | 'deploy' } = { purpose: 'deploy' },
): Promise<LoadedCluster> {
  throw new NotImplementedError('config loading (in progress)');
}
