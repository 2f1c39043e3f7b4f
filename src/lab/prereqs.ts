import { access, constants } from 'node:fs/promises';
import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';

/** Binaries the lab runs, with the Debian package that ships each (scripts/lab-setup.sh installs them). */
export const LAB_BINARIES: readonly { bin: string; pkg: string }[] = [
  { bin: 'sshd', pkg: 'openssh-server' },
  { bin: 'ssh-keygen', pkg: 'openssh-client' },
  { bin: 'dockerd', pkg: 'docker.io' },
  { bin: 'containerd', pkg: 'containerd' },
  { bin: 'runc', pkg: 'runc' },
  { bin: 'ip', pkg: 'iproute2' },
  { bin: 'iptables', pkg: 'iptables' },
  { bin: 'unshare', pkg: 'util-linux' },
  { bin: 'nsenter', pkg: 'util-linux' },
  { bin: 'jq', pkg: 'jq' },
];

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export async function findBinary(bin: string): Promise<string | undefined> {
  for (const dir of SEARCH_PATH) {
    const path = `${dir}/${bin}`;
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}

/** Linux, root, and every package present; otherwise a DroverError that says what to do. */
export async function assertLabPrerequisites(platform = process.platform, uid = process.getuid?.()): Promise<void> {
  if (platform !== 'linux') {
    throw new DroverError(`drover lab needs Linux (network namespaces); this is ${platform}`, {
      hint: 'run the lab on a Linux machine or VM, or point drover at real nodes with a cluster.yml',
    });
  }
  if (uid !== 0) {
    throw new DroverError('drover lab needs root (it creates namespaces, a bridge and per-node daemons)', {
      hint: 'run it as root, e.g. `sudo drover lab up`',
    });
  }
  const missing = new Set<string>();
  for (const { bin, pkg } of LAB_BINARIES) if (!(await findBinary(bin))) missing.add(pkg);
  if (missing.size > 0) {
    const pkgs = [...missing].join(' ');
    throw new DroverError(`drover lab is missing Debian packages: ${pkgs}`, {
      exitCode: ExitCode.Failed,
      hint: `install them with \`scripts/lab-setup.sh\` from the drover source tree, or \`apt-get install ${pkgs}\``,
    });
  }
}
