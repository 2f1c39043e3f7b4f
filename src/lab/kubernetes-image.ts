import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DroverError } from '../errors.js';
import { busyboxLayer, imageCacheDir, type Env, type LabImage } from './busybox-image.js';
import { fileTreeLayer, type Progress } from './file-tree-layer.js';
import { memoByFileStats } from './input-memo.js';
import { ENTRYPOINT_PATH } from './kubernetes-entrypoint.js';
import { KUBERNETES_BINARIES, LAB_KUBERNETES_VERSION, PAUSE_BINARY } from './kubernetes-build.js';
import { nodeToolsLayer } from './node-tools.js';
import { buildImage, DEFAULT_PATH_ENV } from './oci-image.js';
import { run } from './run.js';

/**
 * The lab's `drover-lab/kubernetes:<version>` image (what RKE's `kubernetes` system image is: every
 * server binary and kubectl on PATH, plus what kubelet and kube-proxy need on a node) and its
 * `drover-lab/pause` image. Layers, bottom first: busybox (shared with every lab image, so a push
 * mounts it), node tools + entrypoint (small, changes with Debian updates), the Kubernetes
 * binaries (≈ 430 MB, changes only with a rebuild).
 */

export const PAUSE_TAG = '3.2';
const BUILD_HINT = 'run `bash scripts/build-k8s.sh` as root (Kubernetes binaries from Debian\'s source package)';

/** `Kubernetes v1.20.2` → `v1.20.2`. */
export function kubernetesVersionOf(versionText: string): string {
  const m = /^Kubernetes (v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\s*$/.exec(versionText.trim());
  if (!m) throw new DroverError(`cannot read a Kubernetes version from "${versionText.trim().slice(0, 80)}"`);
  return m[1]!;
}

/** Every binary must run here and say the lab's version; remembered while the binaries are unchanged. */
async function verifiedVersion(env: Env, binDir: string): Promise<string> {
  const binaries = KUBERNETES_BINARIES.map((b) => join(binDir, b));
  await mkdir(imageCacheDir(env), { recursive: true });
  return memoByFileStats<string>(join(imageCacheDir(env), 'recipe-kubernetes-version.json'), async () => {
    const versions = await Promise.all(
      binaries.map(async (b) => {
        const args = b.endsWith('kubectl') ? ['version', '--client', '--short'] : ['--version'];
        const out = await run(b, args).catch((e: unknown) => {
          throw new DroverError(`${b} does not run: ${(e as Error).message}`, { hint: BUILD_HINT });
        });
        return kubernetesVersionOf(out.replace(/^Client Version: /, 'Kubernetes '));
      }),
    );
    const wrong = versions.findIndex((v) => v !== LAB_KUBERNETES_VERSION);
    if (wrong >= 0) throw new DroverError(`${binaries[wrong]} is ${versions[wrong]}, not ${LAB_KUBERNETES_VERSION}`, { hint: BUILD_HINT });
    return { value: LAB_KUBERNETES_VERSION, inputs: binaries };
  });
}

export async function kubernetesImage(env: Env, binDir: string, progress?: Progress): Promise<LabImage> {
  const version = await verifiedVersion(env, binDir);
  // Sequential on purpose: each compresses, and the machine has two cores shared with nodes.
  const base = await busyboxLayer(env);
  const tools = await nodeToolsLayer(env, progress);
  const binaries = await fileTreeLayer(env, {
    name: `kubernetes-${version}`,
    files: KUBERNETES_BINARIES.map((b) => ({ from: join(binDir, b), to: `/usr/local/bin/${b}` })),
    missingHint: BUILD_HINT,
  }, progress);
  const layers = [base.layer, tools, binaries];
  const image = buildImage(layers, { entrypoint: [ENTRYPOINT_PATH], env: [DEFAULT_PATH_ENV] });
  return { repository: 'drover-lab/kubernetes', tag: version, image, layers };
}

/** The static pause from the same source tree, alone: `/pause` as the entrypoint. */
export async function pauseImage(env: Env, binDir: string, progress?: Progress): Promise<LabImage> {
  const layer = await fileTreeLayer(env, {
    name: 'pause',
    files: [{ from: join(binDir, PAUSE_BINARY), to: '/pause' }],
    missingHint: BUILD_HINT,
  }, progress);
  const image = buildImage([layer], { entrypoint: ['/pause'] });
  return { repository: 'drover-lab/pause', tag: PAUSE_TAG, image, layers: [layer] };
}
