import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DroverError } from '../errors.js';
import type { Env } from './busybox-image.js';
import { labCacheDir } from './images.js';

/**
 * Kubernetes binaries for lab images, compiled from Debian's `kubernetes` source package by
 * scripts/build-k8s.sh and cached per machine (see shared K8S-BUILD.md). A complete cache is
 * found with a few stats; otherwise the script builds it (minutes, once per machine).
 */

export const LAB_KUBERNETES_VERSION = 'v1.20.2';
export const KUBERNETES_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'] as const;
export const PAUSE_BINARY = 'pause';

/** `<cache>/kubernetes-v1.20.2/bin` (build-k8s.sh's layout; `DROVER_K8S_CACHE` moves the version dir). */
export function kubernetesBinDir(env: Env): string {
  return join(env['DROVER_K8S_CACHE'] || join(labCacheDir(env), `kubernetes-${LAB_KUBERNETES_VERSION}`), 'bin');
}

/** The build script, beside dist/ and src/ in a checkout or package (both are two levels down). */
export const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-k8s.sh', import.meta.url));

const isFile = (path: string, mode = constants.R_OK) => access(path, mode).then(() => true, () => false);

export async function kubernetesCacheComplete(binDir: string): Promise<boolean> {
  const checks = await Promise.all([
    isFile(join(binDir, '.complete')),
    ...[...KUBERNETES_BINARIES, PAUSE_BINARY].map((b) => isFile(join(binDir, b), constants.X_OK)),
  ]);
  return checks.every(Boolean);
}

/**
 * The bin dir with every binary, building it first when the cache is incomplete. `progress`
 * receives the build's own lines (it takes minutes cold; the caller says so first).
 */
export async function ensureKubernetesBinaries(env: Env, progress?: (line: string) => void, script = BUILD_SCRIPT): Promise<string> {
  const binDir = kubernetesBinDir(env);
  if (await kubernetesCacheComplete(binDir)) return binDir;
  if (!(await isFile(script))) {
    throw new DroverError(`Kubernetes ${LAB_KUBERNETES_VERSION} binaries are not in ${binDir} and ${script} is missing`, {
      hint: 'run scripts/build-k8s.sh from a drover source checkout (as root) to build them',
    });
  }
  progress?.(`building Kubernetes ${LAB_KUBERNETES_VERSION} from Debian's source package into ${binDir} (once per machine; about 6 minutes cold on 2 cores)`);
  const child = execa('bash', [script], { env: { ...env }, extendEnv: false, reject: false, stdin: 'ignore', all: false });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8');
  let partial = '';
  child.stderr?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 10) tail.shift();
      progress?.(line);
    }
  });
  const result = await child;
  if (result.exitCode !== 0 || !(await kubernetesCacheComplete(binDir))) {
    const detail = [...tail, partial].filter(Boolean).slice(-8).join('\n');
    throw new DroverError(`building Kubernetes ${LAB_KUBERNETES_VERSION} failed (scripts/build-k8s.sh exit ${result.exitCode ?? 'signal'})${detail ? `:\n${detail}` : ''}`, {
      hint: 'run `bash scripts/build-k8s.sh` as root to see the whole output (it needs Debian golang-go, gcc and deb-src)',
    });
  }
  return binDir;
}
