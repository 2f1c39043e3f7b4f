import { join } from 'node:path';

/**
 * Where a lab lives. Runtime state (node data roots, sshd configs, PIDs) is machine-wide under
 * /var/lib/drover-lab/<name>, because lab nodes are machine-wide (bridge, addresses). The files a
 * user points drover at (cluster.yml, id_ed25519, known_hosts) go to DIR, by default
 * ~/.drover-lab/<name>, so `drover lab up` works the same from any directory.
 */
export const LAB_STATE_ROOT = '/var/lib/drover-lab';

export interface LabPaths {
  stateDir: string;
  stateFile: string;
  lockFile: string;
  launchScript: string;
  nodeInitScript: string;
  runcWrapper: string;
  authorizedKeys: string;
}

export function labPaths(name: string, root = LAB_STATE_ROOT): LabPaths {
  const stateDir = join(root, name);
  return {
    stateDir,
    stateFile: join(stateDir, 'lab.json'),
    lockFile: join(root, `${name}.lock`),
    launchScript: join(stateDir, 'launch.sh'),
    nodeInitScript: join(stateDir, 'node-init.sh'),
    runcWrapper: join(stateDir, 'runc-wrapper'),
    authorizedKeys: join(stateDir, 'authorized_keys'),
  };
}

export const nodeDirOf = (stateDir: string, index: number) => join(stateDir, 'nodes', String(index));

export function defaultLabDir(name: string, env: Readonly<Record<string, string | undefined>>): string {
  return join(env['HOME'] || '/root', '.drover-lab', name);
}

/** The files `lab up` writes into DIR, and the only ones `lab down` removes from it. */
export function labDirFiles(dir: string) {
  return {
    clusterYml: join(dir, 'cluster.yml'),
    key: join(dir, 'id_ed25519'),
    publicKey: join(dir, 'id_ed25519.pub'),
    knownHosts: join(dir, 'known_hosts'),
    /** Registry, image references, kubectl path: for tests and users (lab-settings.ts `LabJson`). */
    labJson: join(dir, 'lab.json'),
  };
}
