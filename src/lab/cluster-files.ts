import { access, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import type { LabState } from './state.js';
import type { LabJson } from './lab-settings.js';
import { labDirFiles } from './paths.js';
import { run } from './run.js';
import { backupPathFor, lockPathFor, statePathFor } from '../state/paths.js';
import { adminKubeconfigPath } from '../pki/kubeconfig.js';

/**
 * What `lab up` hands to the user in DIR: an RKE-style cluster.yml for the nodes (only RKE keys
 * plus drover's `ssh_known_hosts`), the client key every node authorizes, and a known_hosts
 * with every node's host key so drover connects with strict host-key checking.
 */

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Reuse DIR's key across re-ups so a user's ssh-agent or config keeps working. */
export async function ensureClientKey(dir: string, labName: string): Promise<string> {
  const files = labDirFiles(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await exists(files.key)) || !(await exists(files.publicKey))) {
    await rm(files.key, { force: true });
    await rm(files.publicKey, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `drover-lab-${labName}`, '-f', files.key]);
  }
  return (await readFile(files.publicKey, 'utf8')).trim();
}

export function clusterYml(state: LabState, extra: Record<string, unknown> = {}): string {
  const files = labDirFiles(state.dir);
  const doc = {
    cluster_name: state.name,
    kubernetes_version: 'v1.20.2',
    ssh_key_path: files.key,
    ssh_known_hosts: files.knownHosts,
    nodes: state.nodes.map((n) => ({
      address: n.address,
      hostname_override: n.hostname,
      user: 'root',
      role: n.roles,
      ssh_key_path: files.key,
    })),
    ...extra,
  };
  const header = [
    `# Lab "${state.name}" written by \`drover lab up\`: ${state.nodes.length} node(s) on ${state.network.subnet}.`,
    `# \`drover lab down --name ${state.name}\` stops the nodes and removes this file.`,
    ...('private_registries' in extra ? [`# The lab registry's password: export DROVER_LAB_REGISTRY_PASSWORD=$(cat ${state.dir}/registry-password)`] : []),
    '',
  ].join('\n');
  return header + yaml.dump(doc, { lineWidth: 120, flowLevel: 3 });
}

export function knownHosts(entries: { address: string; publicKey: string }[]): string {
  return entries.map((e) => `${e.address} ${e.publicKey}\n`).join('');
}

export async function writeClusterFiles(state: LabState, hostKeys: { address: string; publicKey: string }[], extra: Record<string, unknown> = {}): Promise<void> {
  const files = labDirFiles(state.dir);
  await writeFile(files.knownHosts, knownHosts(hostKeys), { mode: 0o644 });
  await writeFile(files.clusterYml, clusterYml(state, extra), { mode: 0o644 });
}

export async function writeLabJson(dir: string, doc: LabJson): Promise<void> {
  await writeFile(labDirFiles(dir).labJson, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644 });
}

/**
 * Remove only what `lab up` wrote, and what drover kept beside the lab's cluster.yml (state,
 * journal, lock, kubeconfig: they describe a cluster on nodes that no longer exist), then DIR
 * itself if that left it empty.
 */
export async function removeClusterFiles(dir: string): Promise<void> {
  const files = labDirFiles(dir);
  const state = statePathFor(files.clusterYml);
  const droverFiles = [state, backupPathFor(state), lockPathFor(state), `${state}.journal`, adminKubeconfigPath(files.clusterYml)];
  for (const file of [...Object.values(files), ...droverFiles]) await rm(file, { force: true });
  await rmdir(dir).catch(() => undefined);
}
