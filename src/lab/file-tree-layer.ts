import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DroverError } from '../errors.js';
import { imageCacheDir, type Env } from './busybox-image.js';
import { memoByFileStats } from './input-memo.js';
import { sharedLibraries } from './ldd.js';
import { cachedLayer, layerFromDirectory, sweepStaleWork, type CachedLayer } from './oci-layer.js';

/**
 * A layer assembled from files of this machine (binaries at chosen paths, the shared libraries
 * `ldd` names for them at the paths it prints, symlinks, small generated files), cached per
 * machine under a key derived from every input's content. A warm call stats the inputs and reads
 * two small files; it neither hashes nor re-compresses.
 */

export interface FileTreeSpec {
  /** Names the memo and the cache key, e.g. `node-tools`. */
  name: string;
  /** Host files copied into the layer (`from` is followed if it is a symlink). */
  files: readonly { from: string; to: string; mode?: number }[];
  /** Host files whose `ldd` libraries go into the layer too (dlopen'd plugins included). */
  librariesOf?: readonly string[];
  symlinks?: readonly { path: string; target: string }[];
  dirs?: readonly { path: string; mode?: number }[];
  texts?: readonly { path: string; content: string; mode?: number }[];
  /** What is missing is installed by this (a DroverError hint). */
  missingHint: string;
}

/** Bumped when buildLayer lays files out differently, so cached layers are not reused. */
const LAYOUT_VERSION = 'v3';

interface FileTreeRecipe {
  key: string;
  libraries: string[];
}

/** Told when a layer is built rather than found (slow: copy, tar, gzip). */
export type Progress = (line: string) => void;

/** The layer for `spec`: from the cache when its inputs are unchanged, else built once. */
export async function fileTreeLayer(env: Env, spec: FileTreeSpec, progress?: Progress): Promise<CachedLayer> {
  const cacheDir = imageCacheDir(env);
  await mkdir(cacheDir, { recursive: true });
  // The memo name carries the spec itself: another file list or script text is another memo.
  const memoFile = join(cacheDir, `recipe-${spec.name}-${specDigest(spec).slice(0, 16)}.json`);
  const recipe = await memoByFileStats<FileTreeRecipe>(memoFile, async () => {
    const sources = [...new Set([...spec.files.map((f) => f.from), ...(spec.librariesOf ?? [])])];
    const libraries = [...new Set((await Promise.all((spec.librariesOf ?? []).map((b) => librariesOrFail(b, spec.missingHint)))).flat())].sort();
    const inputs = [...sources, ...libraries.filter((l) => !sources.includes(l))];
    const hashes = await Promise.all(inputs.map((f) => fileSha256(f, spec.missingHint)));
    const key = `${spec.name}-${createHash('sha256').update(specDigest(spec)).update(libraries.join('\n')).update(hashes.join('\n')).digest('hex').slice(0, 16)}`;
    return { value: { key, libraries }, inputs };
  });
  const cached = await cachedLayer(cacheDir, recipe.key);
  if (cached) return cached;
  progress?.(`building image layer ${recipe.key} (once per machine for these inputs)`);
  return buildLayer(cacheDir, spec, recipe);
}

async function buildLayer(cacheDir: string, spec: FileTreeSpec, recipe: FileTreeRecipe): Promise<CachedLayer> {
  await sweepStaleWork(cacheDir, ['layer-', 'tree-']);
  const root = await mkdtemp(join(cacheDir, 'tree-'));
  try {
    // The tar's `./` entry becomes the image's `/`: mkdtemp's 0700 would lock out non-root workers.
    await chmod(root, 0o755);
    for (const d of spec.dirs ?? []) {
      await mkdir(join(root, d.path), { recursive: true });
      if (d.mode !== undefined) await chmod(join(root, d.path), d.mode);
    }
    // Libraries at the paths ldd printed (the loader path is compiled into each binary).
    // Their own permission bits (the loader must stay executable), never setuid/setgid.
    const libraries = await Promise.all(recipe.libraries.map(async (l) => ({ from: l, to: l, mode: (await stat(l)).mode & 0o777 })));
    for (const f of [...libraries, ...spec.files]) {
      const target = join(root, f.to);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(f.from, target);
      await chmod(target, f.mode ?? 0o755);
    }
    for (const s of spec.symlinks ?? []) {
      await mkdir(dirname(join(root, s.path)), { recursive: true });
      await rm(join(root, s.path), { force: true });
      await symlink(s.target, join(root, s.path));
    }
    for (const t of spec.texts ?? []) {
      await mkdir(dirname(join(root, t.path)), { recursive: true });
      await writeFile(join(root, t.path), t.content, { mode: t.mode ?? 0o644 });
      await chmod(join(root, t.path), t.mode ?? 0o644);
    }
    return await layerFromDirectory(cacheDir, recipe.key, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Digest of everything in the spec except host file contents (those are hashed separately). */
export function specDigest(spec: FileTreeSpec): string {
  const { missingHint: _hint, ...rest } = spec;
  return createHash('sha256').update(LAYOUT_VERSION).update(JSON.stringify(rest)).digest('hex');
}

async function librariesOrFail(binary: string, hint: string): Promise<string[]> {
  try {
    return await sharedLibraries(binary);
  } catch (err) {
    throw new DroverError(`${binary}: ${(err as Error).message}`, { hint });
  }
}

export async function fileSha256(path: string, hint: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    throw new DroverError(`${path} not found`, { hint });
  }
  return hash.digest('hex');
}
