import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_SCRIPT, buildRevision, ensureKubernetesBinaries, KUBERNETES_BINARIES, kubernetesBinDir, kubernetesCacheComplete } from '../../../src/lab/kubernetes-build.js';

/** The build script is replaced by a stand-in that writes the cache layout build-k8s.sh writes. */
describe('Kubernetes binaries for lab images', () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-labimg-k8s-'));
    env = { PATH: process.env['PATH'], DROVER_LAB_CACHE: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const script = (body: string) => {
    const path = join(dir, 'fake-build.sh');
    writeFileSync(path, `set -e\n${body}\n`);
    return path;
  };
  const fill = (bin: string) =>
    `mkdir -p ${bin}; for b in ${KUBERNETES_BINARIES.join(' ')} pause; do printf '#!/bin/sh\\n' >${bin}/$b; chmod 755 ${bin}/$b; done; touch ${bin}/.complete`;

  it('lives under the lab cache, keyed by version, unless DROVER_K8S_CACHE moves it', () => {
    expect(kubernetesBinDir({})).toBe('/var/cache/drover-lab/kubernetes-v1.20.2/bin');
    expect(kubernetesBinDir({ DROVER_LAB_CACHE: '/c' })).toBe('/c/kubernetes-v1.20.2/bin');
    expect(kubernetesBinDir({ DROVER_LAB_CACHE: '/c', DROVER_K8S_CACHE: '/k' })).toBe('/k/bin');
  });

  it('runs the build when the cache is incomplete, passing its stderr lines on as progress', async () => {
    const bin = kubernetesBinDir(env);
    const lines: string[] = [];
    const out = await ensureKubernetesBinaries(env, (l) => lines.push(l), script(`echo 'build-k8s: go build kubelet' >&2\n${fill(bin)}\necho ${bin}`));
    expect(out).toBe(bin);
    expect(lines[0]).toMatch(/about 6 minutes/);
    expect(lines).toContain('build-k8s: go build kubelet');
    expect(await kubernetesCacheComplete(bin)).toBe(true);
    // Complete: the script is not run again (this one would fail).
    expect(await ensureKubernetesBinaries(env, (l) => lines.push(`again: ${l}`), script('exit 3'))).toBe(bin);
    expect(lines.filter((l) => l.startsWith('again'))).toEqual([]);
  });

  it('a cache from an older build revision is built again', async () => {
    const bin = kubernetesBinDir(env);
    const lines: string[] = [];
    // A cache from revision 1; the script now says 2 and writes it.
    await ensureKubernetesBinaries(env, undefined, script(`${fill(bin)}; echo 1 >${bin}/.complete`));
    const rebuild = script(`BUILD_REVISION=2\necho 'build-k8s: rebuilding' >&2\n${fill(bin)}; echo 2 >${bin}/.complete`);
    expect(await ensureKubernetesBinaries(env, (l) => lines.push(l), rebuild)).toBe(bin);
    expect(lines).toContain('build-k8s: rebuilding');
    expect(await kubernetesCacheComplete(bin, '2')).toBe(true);
    expect(await kubernetesCacheComplete(bin, '3')).toBe(false);
    // The real script names its revision.
    expect(await buildRevision(BUILD_SCRIPT)).toMatch(/^\d+$/);
  });

  it('a failed or incomplete build is an error carrying its last lines', async () => {
    await expect(ensureKubernetesBinaries(env, undefined, script("echo 'go: no space left' >&2; exit 2"))).rejects.toThrow(/exit 2\)[\s\S]*no space left/);
    // Exit 0 without .complete is still a failure, never a half-filled image.
    await expect(ensureKubernetesBinaries(env, undefined, script(`mkdir -p ${kubernetesBinDir(env)}`))).rejects.toThrow(/building Kubernetes v1\.20\.2 failed/);
    await expect(ensureKubernetesBinaries(env, undefined, join(dir, 'missing.sh'))).rejects.toThrow(/missing/);
  });
});
