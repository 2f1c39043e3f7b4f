import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { busyboxVersion } from '../../src/lab/busybox-image.js';
import { etcdVersion } from '../../src/lab/etcd-image.js';
import { memoByFileStats } from '../../src/lab/input-memo.js';
import { parseLddOutput } from '../../src/lab/ldd.js';
import { cachedLayer, layerFromDirectory, layerFromTarball, sweepStaleWork } from '../../src/lab/oci-layer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('lab image inputs', () => {
  it('reads shared libraries from ldd output, loader included, without vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd1c1f0000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f93c3c0d000)',
      '\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f93c3c00000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f93c3e02000)',
    ].join('\n');
    expect(parseLddOutput(out)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libpthread.so.0', '/lib64/ld-linux-x86-64.so.2']);
    expect(() => parseLddOutput('\tlibfoo.so.1 => not found')).toThrow(/missing shared library/);
  });

  it('reads the versions the binaries print', () => {
    expect(etcdVersion('etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8\n')).toBe('3.4.23');
    expect(busyboxVersion('BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.')).toBe('1.35.0');
    expect(() => etcdVersion('etcdctl version: 3.4.23')).toThrow(/etcd version/);
  });
});

describe('lab image layers on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-oci-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compresses a tar once: blob digest over the gzip bytes, diff_id over the tar', async () => {
    const tar = join(dir, 'in.tar');
    await writeFile(tar, Buffer.alloc(300_000, 'drover'));
    const layer = await layerFromTarball(join(dir, 'cache'), 'k1', tar);
    const blob = await readFile(layer.path);
    expect(layer.digest).toBe(sha(blob));
    expect(layer.size).toBe(blob.length);
    expect(layer.diffId).toBe(sha(await readFile(tar)));
    expect(gunzipSync(blob).equals(await readFile(tar))).toBe(true);
    expect(await cachedLayer(join(dir, 'cache'), 'k1')).toEqual(layer);
    // A truncated blob is not a cache hit.
    await writeFile(layer.path, blob.subarray(0, 10));
    expect(await cachedLayer(join(dir, 'cache'), 'k1')).toBeUndefined();
  });

  it('tars a directory reproducibly (same bytes for the same tree) with root ownership', async () => {
    const tree = join(dir, 'tree');
    execFileSync('mkdir', ['-p', join(tree, 'usr/local/bin'), join(tree, 'tmp')]);
    await writeFile(join(tree, 'usr/local/bin/tool'), 'x'.repeat(1000), { mode: 0o755 });
    const a = await layerFromDirectory(join(dir, 'c1'), 'k', tree);
    await utimes(join(tree, 'usr/local/bin/tool'), new Date(), new Date(2000, 1, 1));
    const b = await layerFromDirectory(join(dir, 'c2'), 'k', tree);
    expect(b.digest).toBe(a.digest);
    const listing = execFileSync('tar', ['-tvzf', a.path], { encoding: 'utf8' });
    expect(listing).toMatch(/-rwxr-xr-x 0\/0\s+1000 1970-01-01 00:00 \.\/usr\/local\/bin\/tool/);
  });

  it('sweeps work files of killed builds once they are an hour old, and nothing else', async () => {
    const cache = join(dir, 'cache');
    await mkdir(join(cache, 'blobs'), { recursive: true });
    await mkdir(join(cache, 'etcd-rootfs-old'));
    await mkdir(join(cache, 'etcd-rootfs-new'));
    await writeFile(join(cache, 'blobs', '.partial-k-old'), 'x');
    await writeFile(join(cache, 'blobs', 'abc'), 'blob');
    await mkdir(join(cache, 'layers'));
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const p of ['etcd-rootfs-old', 'blobs/.partial-k-old', 'blobs/abc', 'layers']) await utimes(join(cache, p), old, old);
    await sweepStaleWork(cache, ['etcd-rootfs-']);
    expect((await readdir(cache)).sort()).toEqual(['blobs', 'etcd-rootfs-new', 'layers']);
    expect(await readdir(join(cache, 'blobs'))).toEqual(['abc']);
  });

  it('remembers a derived value while its input files are unchanged, recomputing after a change', async () => {
    const input = join(dir, 'bin');
    await writeFile(input, 'v1');
    let computed = 0;
    const compute = async () => ({ value: `${++computed}:${await readFile(input, 'utf8')}`, inputs: [input] });
    const memo = join(dir, 'memo.json');
    expect(await memoByFileStats(memo, compute)).toBe('1:v1');
    expect(await memoByFileStats(memo, compute)).toBe('1:v1');
    await writeFile(input, 'v2-longer');
    expect(await memoByFileStats(memo, compute)).toBe('2:v2-longer');
    await rm(input);
    await expect(memoByFileStats(memo, compute)).rejects.toThrow(/ENOENT/);
    expect((await stat(memo)).isFile()).toBe(true);
  });
});
