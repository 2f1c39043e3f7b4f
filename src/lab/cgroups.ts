import { readFile, mkdir, readdir, rmdir, writeFile, readlink, lstat } from 'node:fs/promises';
import { join, basename } from 'node:path';

/**
 * Per-node cgroup directories: the node launcher joins one directory per hierarchy (under the
 * launcher's own cgroup) before it unshares the cgroup namespace, so inside the node its cgroup
 * root looks like `/` and dockerd/kubelet build their trees there (LAB.md).
 */

export interface CgroupMount {
  /** Directory name under /sys/fs/cgroup (e.g. "memory", "systemd", "unified"). */
  dir: string;
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  /** Mount options naming the hierarchy ("memory", "none,name=systemd"; empty for cgroup2). */
  options: string;
  /** This process's path in that hierarchy (from /proc/self/cgroup). */
  ownPath: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

export async function cgroupMounts(): Promise<CgroupMount[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const membership = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n');
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4] ?? '';
    const [fsType, , superOpts = ''] = right.split(' ');
    if ((fsType !== 'cgroup' && fsType !== 'cgroup2') || !mountPoint.startsWith(CGROUP_ROOT + '/')) continue;
    const hierarchy = superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('clone_children') && o !== 'nsdelegate' && o !== 'memory_recursiveprot');
    const wanted = fsType === 'cgroup2' ? '' : hierarchy.filter((o) => !o.startsWith('name=')).concat(hierarchy.filter((o) => o.startsWith('name='))).join(',');
    const own = membership.find((m) => {
      const [, controllers = ''] = m.split(':');
      return fsType === 'cgroup2' ? controllers === '' : sameSet(controllers, wanted);
    });
    if (own === undefined) continue;
    const ownPath = own.split(':').slice(2).join(':');
    const options = fsType === 'cgroup2' ? '' : hierarchy.every((o) => o.startsWith('name=')) ? `none,${wanted}` : wanted;
    mounts.push({ dir: basename(mountPoint), mountPoint, fsType, options, ownPath });
  }
  return mounts;
}

const sameSet = (a: string, b: string) => a.split(',').sort().join(',') === b.split(',').sort().join(',');

/** Symlinks such as cpu -> cpu,cpuacct that the node should see too. */
export async function cgroupAliases(): Promise<[string, string][]> {
  const aliases: [string, string][] = [];
  for (const entry of await readdir(CGROUP_ROOT).catch(() => [] as string[])) {
    const path = join(CGROUP_ROOT, entry);
    if ((await lstat(path)).isSymbolicLink()) aliases.push([entry, await readlink(path)]);
  }
  return aliases;
}

/** Create the node's directory in every hierarchy; returns them (the launcher writes cgroup.procs). */
export async function createNodeCgroups(mounts: CgroupMount[], leaf: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const m of mounts) {
    const parent = join(m.mountPoint, m.ownPath);
    const dir = join(parent, leaf);
    await mkdir(dir, { recursive: true });
    if (m.options.split(',').includes('cpuset')) {
      // A new cpuset is empty and refuses tasks until it has CPUs and memory nodes.
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        await writeFile(join(dir, file), (await readFile(join(parent, file), 'utf8')).trim() || '0');
      }
    }
    dirs.push(dir);
  }
  return dirs;
}

/** rmdir a cgroup and everything dockerd/kubelet made below it, deepest first. */
export async function removeCgroupTree(dir: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(dir, e.name));
  // Right after its last task exits a cgroup can still be busy for a moment.
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
