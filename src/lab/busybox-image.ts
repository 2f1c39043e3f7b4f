import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DroverError } from '../errors.js';
import { busyboxRootfsTarball, labCacheDir } from './images.js';
import { memoByFileStats } from './input-memo.js';
import { buildImage, type BuiltImage } from './oci-image.js';
import { cachedLayer, layerFromTarball, type CachedLayer } from './oci-layer.js';
import { run } from './run.js';

/**
 * The busybox base of every lab image (a shell, so `docker exec etcd sh` works), and the busybox
 * image itself for test pods. Its layer is the rootfs tarball images.ts builds, compressed once.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export const BUSYBOX_BINARY = '/bin/busybox';

export interface LabImage {
  /** Repository inside the registry, e.g. `drover-lab/etcd`. */
  repository: string;
  tag: string;
  image: BuiltImage;
  layers: CachedLayer[];
}

export const imageCacheDir = (env: Env) => join(labCacheDir(env), 'images');

/** `BusyBox v1.35.0 (Debian …)` → `1.35.0`. */
export function busyboxVersion(helpText: string): string {
  const m = /BusyBox v(\d+\.\d+\.\d+)/.exec(helpText);
  if (!m) throw new DroverError('cannot read the busybox version from `busybox --help`');
  return m[1]!;
}

interface BusyboxRecipe {
  /** Layer cache key: the tarball's name, which carries the busybox binary's hash. */
  key: string;
  version: string;
}

/** Busybox rootfs as one layer; warm runs only stat /bin/busybox and read two small files. */
export async function busyboxLayer(env: Env): Promise<{ layer: CachedLayer; version: string }> {
  const cacheDir = imageCacheDir(env);
  await mkdir(cacheDir, { recursive: true });
  const recipe = await memoByFileStats<BusyboxRecipe>(join(cacheDir, 'recipe-busybox.json'), async () => {
    const tarball = await busyboxRootfsTarball(env);
    // busybox --help exits 0 on Debian's build but some builds exit 1: read the text either way.
    const help = await run(BUSYBOX_BINARY, ['--help']).catch((e: unknown) => String((e as Error).message));
    return { value: { key: basename(tarball, '.tar'), version: busyboxVersion(help) }, inputs: [BUSYBOX_BINARY] };
  });
  const layer = (await cachedLayer(cacheDir, recipe.key)) ?? (await layerFromTarball(cacheDir, recipe.key, await busyboxRootfsTarball(env)));
  return { layer, version: recipe.version };
}

export async function busyboxImage(env: Env): Promise<LabImage> {
  const { layer, version } = await busyboxLayer(env);
  const image = buildImage([layer], { cmd: ['/bin/sh'] });
  return { repository: 'drover-lab/busybox', tag: version, image, layers: [layer] };
}
