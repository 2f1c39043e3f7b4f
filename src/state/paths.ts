import { basename, dirname, extname, join } from 'node:path';

/**
 * Files that live beside cluster.yml, named after it as RKE names cluster.rkestate:
 * cluster.yml → cluster.droverstate (+ .bak, the previous save) and cluster.droverstate.lock.
 */
export function statePathFor(configPath: string): string {
  const base = basename(configPath, extname(configPath));
  return join(dirname(configPath), `${base}.droverstate`);
}

export const backupPathFor = (statePath: string): string => `${statePath}.bak`;
export const lockPathFor = (statePath: string): string => `${statePath}.lock`;

/** Where the copy of the state and the remote lock live on the control-plane nodes. */
export const REMOTE_STATE_DIR = '/var/lib/drover';
export const REMOTE_STATE_PATH = `${REMOTE_STATE_DIR}/cluster.droverstate`;
export const REMOTE_LOCK_DIR = `${REMOTE_STATE_DIR}/lock`;
