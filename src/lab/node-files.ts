import { mkdir, writeFile, readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabNetwork, LabNodeSpec } from './layout.js';
import type { CgroupMount } from './cgroups.js';
import { PRIVATE_DIRS } from './scripts.js';
import { labRegistryEndpoint } from './registry-config.js';
import { run } from './run.js';

/** Everything a node's PID 1 reads from its node directory, written before it starts. */
export interface NodeFilesInput {
  nodeDir: string;
  node: LabNodeSpec;
  allNodes: LabNodeSpec[];
  network: LabNetwork;
  authorizedKeysFile: string;
  runcWrapper: string;
}

export const hostKeyPath = (nodeDir: string) => join(nodeDir, 'ssh_host_ed25519_key');

export async function writeNodeFiles(input: NodeFilesInput): Promise<void> {
  const { nodeDir, node, network } = input;
  await mkdir(join(nodeDir, 'root', 'etc', 'docker'), { recursive: true, mode: 0o700 });
  const write = (name: string, text: string, mode = 0o644) => writeFile(join(nodeDir, name), text, { mode });

  await write(
    'node.env',
    [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `PRIVATE_DIRS="${PRIVATE_DIRS.join(' ')}"`,
      `NODE_HOSTNAME=${node.hostname}`,
      `NODE_ADDRESS=${node.address}`,
      `NODE_PREFIX=${network.prefix}`,
      `NODE_DEAD_GATEWAY=${network.deadGateway}`,
      '',
    ].join('\n'),
  );
  await write(
    'hosts',
    ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...input.allNodes.map((n) => `${n.address}\t${n.hostname}`), ''].join('\n'),
  );
  // Nothing answers DNS on the bridge address: lookups fail fast instead of leaving the machine.
  await write('resolv.conf', `nameserver ${network.bridgeAddress}\n`);
  await write('sshd_config', sshdConfig(node, nodeDir, input.authorizedKeysFile));
  await writeFile(join(nodeDir, 'root', 'etc', 'docker', 'daemon.json'), JSON.stringify(daemonConfig(input.runcWrapper, labRegistryEndpoint({ network }).host), null, 2) + '\n');
  await ensureHostKey(nodeDir, node.hostname);
}

/** The cgroup hierarchies the node's PID 1 mounts (those of the process that launches it). */
export async function writeCgroupFiles(nodeDir: string, mounts: CgroupMount[], aliases: [string, string][]): Promise<void> {
  await writeFile(join(nodeDir, 'cgroup-mounts'), mounts.map((m) => `${m.dir}|${m.fsType}|${m.options}\n`).join(''));
  await writeFile(join(nodeDir, 'cgroup-aliases'), aliases.map(([a, t]) => `${a}|${t}\n`).join(''));
}

/** Kept across re-creation of a node, so known_hosts stays valid when a dead node is repaired. */
async function ensureHostKey(nodeDir: string, hostname: string): Promise<void> {
  const key = hostKeyPath(nodeDir);
  if (await access(key).then(() => true, () => false)) return;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${hostname}`, '-f', key]);
}

export async function hostPublicKey(nodeDir: string): Promise<string> {
  const [type, body] = (await readFile(hostKeyPath(nodeDir) + '.pub', 'utf8')).trim().split(/\s+/);
  return `${type} ${body}`;
}

function sshdConfig(node: LabNodeSpec, nodeDir: string, authorizedKeysFile: string): string {
  return [
    `ListenAddress ${node.address}:22`,
    `HostKey ${hostKeyPath(nodeDir)}`,
    'PidFile /run/sshd.pid',
    `AuthorizedKeysFile ${authorizedKeysFile}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The lab directory may live under a group-writable tree (a CI checkout).
    'StrictModes no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    // drover multiplexes many channels over one connection per node.
    'MaxSessions 100',
    'MaxStartups 100:30:200',
    'UseDNS no',
    'Subsystem sftp internal-sftp',
    'LogLevel INFO',
    '',
  ].join('\n');
}

function daemonConfig(runcWrapper: string, registryHost: string): Record<string, unknown> {
  return {
    // The lab registry speaks plain HTTP on the lab bridge (src/lab/registry.ts).
    'insecure-registries': [registryHost],
    'data-root': '/var/lib/docker',
    'exec-root': '/run/docker',
    pidfile: '/run/docker.pid',
    hosts: ['unix:///var/run/docker.sock'],
    'storage-driver': 'overlay2',
    iptables: true,
    'exec-opts': ['native.cgroupdriver=cgroupfs'],
    runtimes: { 'drover-runc': { path: runcWrapper } },
    'default-runtime': 'drover-runc',
    'log-driver': 'json-file',
    'log-opts': { 'max-size': '10m', 'max-file': '2' },
  };
}
