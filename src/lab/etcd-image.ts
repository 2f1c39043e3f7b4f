import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DroverError } from '../errors.js';
import { busyboxLayer, imageCacheDir, type Env, type LabImage } from './busybox-image.js';
import { memoByFileStats } from './input-memo.js';
import { sharedLibraries } from './ldd.js';
import { buildImage, DEFAULT_PATH_ENV } from './oci-image.js';
import { cachedLayer, layerFromDirectory, sweepStaleWork, type CachedLayer } from './oci-layer.js';
import { run } from './run.js';

/**
 * The lab's etcd image, built without Docker from Debian's etcd-server and etcd-client: the busybox
 * base plus etcd and etcdctl in /usr/local/bin (where RKE's images have them) and the shared
 * libraries they load. The layer is cached per machine, keyed by the hashes of those files.
 */

export const ETCD_BINARY = '/usr/bin/etcd';
export const ETCDCTL_BINARY = '/usr/bin/etcdctl';
const MISSING_HINT = 'install Debian etcd-server and etcd-client (scripts/lab-setup.sh)';

/** `etcd Version: 3.4.23` → `3.4.23`. */
export function etcdVersion(versionText: string): string {
  const m = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(versionText);
  if (!m) throw new DroverError('cannot read the etcd version from `etcd --version`');
  return m[1]!;
}

interface EtcdRecipe {
  key: string;
  version: string;
  libraries: string[];
}

/** busybox + etcd/etcdctl (+ their shared libraries), tagged with the binary's own version. */
export async function etcdImage(env: Env): Promise<LabImage> {
  const [base, etcd] = await Promise.all([busyboxLayer(env), etcdLayer(env)]);
  const image = buildImage([base.layer, etcd.layer], { cmd: ['/usr/local/bin/etcd'], env: [DEFAULT_PATH_ENV, 'ETCDCTL_API=3'] });
  return { repository: 'drover-lab/etcd', tag: `v${etcd.version}`, image, layers: [base.layer, etcd.layer] };
}

async function etcdLayer(env: Env): Promise<{ layer: CachedLayer; version: string }> {
  const cacheDir = imageCacheDir(env);
  await mkdir(cacheDir, { recursive: true });
  const recipe = await memoByFileStats<EtcdRecipe>(join(cacheDir, 'recipe-etcd.json'), async () => {
    const binaries = [ETCD_BINARY, ETCDCTL_BINARY];
    const versionText = await run(ETCD_BINARY, ['--version']).catch(() => {
      throw new DroverError(`${ETCD_BINARY} is missing or does not run`, { hint: MISSING_HINT });
    });
    const libraries = [...new Set((await Promise.all(binaries.map((b) => sharedLibraries(b)))).flat())].sort();
    const inputs = [...binaries, ...libraries];
    const hashes = await Promise.all(inputs.map((f) => fileSha256(f)));
    const key = `etcd-${createHash('sha256').update(hashes.join('\n')).digest('hex').slice(0, 16)}`;
    return { value: { key, version: etcdVersion(versionText), libraries }, inputs };
  });
  const layer = (await cachedLayer(cacheDir, recipe.key)) ?? (await buildEtcdLayer(cacheDir, recipe));
  return { layer, version: recipe.version };
}

async function buildEtcdLayer(cacheDir: string, recipe: EtcdRecipe): Promise<CachedLayer> {
  await sweepStaleWork(cacheDir, ['layer-', 'etcd-rootfs-']);
  const root = await mkdtemp(join(cacheDir, 'etcd-rootfs-'));
  try {
    await mkdir(join(root, 'usr/local/bin'), { recursive: true });
    for (const dir of ['tmp', 'var/lib/rancher/etcd', 'var/lib/etcd']) await mkdir(join(root, dir), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    for (const binary of [ETCD_BINARY, ETCDCTL_BINARY]) {
      const target = join(root, 'usr/local/bin', basename(binary));
      await copyFile(binary, target);
      await chmod(target, 0o755);
    }
    // At the paths ldd printed (the loader path is compiled into the binary); the busybox base
    // has no /lib, so real directories here shadow nothing.
    for (const lib of recipe.libraries) {
      await mkdir(join(root, dirname(lib)), { recursive: true });
      await copyFile(lib, join(root, lib));
    }
    return await layerFromDirectory(cacheDir, recipe.key, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    throw new DroverError(`${path} not found`, { hint: MISSING_HINT });
  }
  return hash.digest('hex');
}
