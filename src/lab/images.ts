import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile, copyFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { DroverError } from '../errors.js';
import { run, tryRun } from './run.js';

/**
 * Images for lab nodes without any registry: a rootfs tarball with Debian's static busybox,
 * imported with `docker import`. The tarball is cached per machine, outside the work tree.
 */

export const LAB_BUSYBOX_IMAGE = 'drover-lab/busybox:latest';
const BUSYBOX = '/bin/busybox';

/**
 * Machine-wide (labs need root anyway), and outside /root, which is private in every node: nodes
 * can read what is built here (an image tarball to `docker import`).
 */
export function labCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return env['DROVER_LAB_CACHE'] || '/var/cache/drover-lab';
}

/** Path of the busybox rootfs tarball, built on first use (keyed by the busybox binary's hash). */
export async function busyboxRootfsTarball(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const binary = await readFile(BUSYBOX).catch(() => {
    throw new DroverError(`${BUSYBOX} not found`, { hint: 'install Debian busybox-static (scripts/lab-setup.sh)' });
  });
  // A dynamic busybox would need its libraries in the image; only the static one works alone.
  if (await tryRun('ldd', [BUSYBOX])) {
    throw new DroverError(`${BUSYBOX} is dynamically linked`, { hint: 'install Debian busybox-static (scripts/lab-setup.sh)' });
  }
  const cacheDir = labCacheDir(env);
  const tarball = join(cacheDir, `busybox-rootfs-${createHash('sha256').update(binary).digest('hex').slice(0, 16)}.tar`);
  if (await access(tarball).then(() => true, () => false)) return tarball;

  await mkdir(cacheDir, { recursive: true });
  const root = await mkdtemp(join(cacheDir, 'rootfs-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/run']) await mkdir(join(root, dir), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    const applets = (await run(BUSYBOX, ['--list'])).split('\n').filter((a) => a && a !== 'busybox' && !a.includes('/'));
    for (const applet of applets) await symlink('busybox', join(root, 'bin', applet));
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const partial = `${tarball}.${process.pid}.tmp`;
    await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', partial, '.']);
    await rename(partial, tarball);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return tarball;
}

/** Shell command run on a node that imports the tarball unless the image is already there. */
export function importImageCommand(tarball: string, image = LAB_BUSYBOX_IMAGE): string {
  return `docker image inspect ${image} >/dev/null 2>&1 || docker import -c 'CMD ["/bin/sh"]' ${tarball} ${image} >/dev/null`;
}
