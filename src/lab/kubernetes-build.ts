import { access, constants, readFile } from 'node:fs/promises';
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

/**
 * Every binary is there and `.complete` carries the build revision the script expects (the script
 * bumps BUILD_REVISION when its build changes, e.g. a vendored fix): an older cache is rebuilt.
 */
export async function kubernetesCacheComplete(binDir: string, revision?: string): Promise<boolean> {
  const checks = await Promise.all([
    readFile(join(binDir, '.complete'), 'utf8').then((text) => revision === undefined || text.trim() === revision, () => false),
    ...[...KUBERNETES_BINARIES, PAUSE_BINARY].map((b) => isFile(join(binDir, b), constants.X_OK)),
  ]);
  return checks.every(Boolean);
}

/** BUILD_REVISION from the build script, or undefined when it names none. */
export async function buildRevision(script: string): Promise<string | undefined> {
  const text = await readFile(script, 'utf8').catch(() => '');
  return /^BUILD_REVISION=(\S+)$/m.exec(text)?.[1];
}

/**
 * The bin dir with every binary, building it first when the cache is incomplete. `progress`
 * receives the build's own lines (it takes minutes cold; the caller says so first).
 */
export async function ensureKubernetesBinaries(env: Env, progress?: (line: string) => void, script = BUILD_SCRIPT): Promise<string> {
  const binDir = kubernetesBinDir(env);
  const revision = await buildRevision(script);
  if (await kubernetesCacheComplete(binDir, revision)) return binDir;
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
  if (result.exitCode !== 0 || !(await kubernetesCacheComplete(binDir, revision))) {
    const detail = [...tail, partial].filter(Boolean).slice(-8).join('\n');
    throw new DroverError(`building Kubernetes ${LAB_KUBERNETES_VERSION} failed (scripts/build-k8s.sh exit ${result.exitCode ?? 'signal'})${detail ? `:\n${detail}` : ''}`, {
      hint: 'run `bash scripts/build-k8s.sh` as root to see the whole output (it needs Debian golang-go, gcc and deb-src)',
    });
  }
  return binDir;
}
