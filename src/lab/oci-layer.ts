import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import writeFileAtomic from 'write-file-atomic';
import type { Digest, LayerDescriptor } from './oci-image.js';
import { run } from './run.js';

/**
 * Layers as gzip blobs cached per machine: `<cache>/layers/<key>.json` holds the descriptor of the
 * blob `<cache>/blobs/<hex>`. The key names the layer's inputs (e.g. the hashes of the binaries
 * in it), so a warm lookup reads one small file and never re-compresses.
 */

export interface CachedLayer extends LayerDescriptor {
  /** Path of the gzip blob on this machine. */
  path: string;
}

const hexOf = (digest: Digest) => digest.slice('sha256:'.length);

/** A descriptor cached under `key`, if it and its blob (with the right size) are still there. */
export async function cachedLayer(cacheDir: string, key: string): Promise<CachedLayer | undefined> {
  try {
    const desc = JSON.parse(await readFile(join(cacheDir, 'layers', `${key}.json`), 'utf8')) as LayerDescriptor;
    const path = join(cacheDir, 'blobs', hexOf(desc.digest));
    if ((await stat(path)).size !== desc.size) return undefined;
    return { ...desc, path };
  } catch {
    return undefined;
  }
}

/** Compress an uncompressed layer tar into the cache, computing both digests in one pass. */
export async function layerFromTarball(cacheDir: string, key: string, tarball: string): Promise<CachedLayer> {
  const cached = await cachedLayer(cacheDir, key);
  if (cached) return cached;
  await mkdir(join(cacheDir, 'blobs'), { recursive: true });
  await mkdir(join(cacheDir, 'layers'), { recursive: true });
  // Unique per call: two builders (processes or promises) may compress the same layer at once.
  const partial = join(cacheDir, 'blobs', `.partial-${key}-${randomUUID()}`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      createReadStream(tarball),
      tap((chunk) => diffHash.update(chunk)),
      // Fast level: the blob only travels inside this machine; mtime 0 keeps the bytes reproducible.
      createGzip({ level: zlibConstants.Z_BEST_SPEED }),
      tap((chunk) => {
        blobHash.update(chunk);
        size += chunk.length;
      }),
      createWriteStream(partial),
    );
    const desc: LayerDescriptor = {
      digest: `sha256:${blobHash.digest('hex')}`,
      size,
      diffId: `sha256:${diffHash.digest('hex')}`,
    };
    const path = join(cacheDir, 'blobs', hexOf(desc.digest));
    await rename(partial, path);
    const descFile = join(cacheDir, 'layers', `${key}.json`);
    await writeFileAtomic(descFile, JSON.stringify(desc) + '\n');
    return { ...desc, path };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Tar a directory reproducibly (sorted names, fixed mtime, root owner) and cache it as a layer. */
export async function layerFromDirectory(cacheDir: string, key: string, dir: string): Promise<CachedLayer> {
  const cached = await cachedLayer(cacheDir, key);
  if (cached) return cached;
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'layer-'));
  try {
    const tarball = join(work, 'layer.tar');
    await run('tar', ['--sort=name', '--mtime=@0', '--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tarball, '.']);
    return await layerFromTarball(cacheDir, key, tarball);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const STALE_MS = 60 * 60 * 1000;

/**
 * Remove work files of builds that were killed (SIGKILL leaves no `finally`): temp dirs named
 * `<prefix>-*` in the cache and `.partial-*` blobs, once they are an hour old.
 */
export async function sweepStaleWork(cacheDir: string, prefixes: readonly string[] = ['layer-']): Promise<void> {
  const candidates = [
    ...(await readdir(cacheDir).catch(() => [] as string[])).filter((n) => prefixes.some((p) => n.startsWith(p))).map((n) => join(cacheDir, n)),
    ...(await readdir(join(cacheDir, 'blobs')).catch(() => [] as string[])).filter((n) => n.startsWith('.partial-')).map((n) => join(cacheDir, 'blobs', n)),
  ];
  const now = Date.now();
  for (const path of candidates) {
    const s = await stat(path).catch(() => undefined);
    if (s && now - s.mtimeMs > STALE_MS) await rm(path, { recursive: true, force: true });
  }
}

function tap(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk(chunk);
      done(null, chunk);
    },
  });
}
