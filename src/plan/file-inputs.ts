import { createHash } from 'node:crypto';
import { finalizeSpec, type ContainerSpec } from '../components/container-spec.js';
import type { RemoteFile } from './ops.js';

/** Label with a hash of the node files a container reads (certificates, kubeconfigs, configs). */
export const FILES_LABEL = 'io.drover.files';

/**
 * The spec with a hash of the files it reads, so that a changed certificate (rotation, a new
 * SAN) or config file (encryption, audit policy) replaces the container: the program only reads
 * them when it starts. A file counts when the command line names its path, or when a file that
 * counts names it (a kubeconfig names its certificates). Files nobody names change nothing.
 */
export function withFileInputs(spec: ContainerSpec, files: readonly RemoteFile[]): ContainerSpec {
  const read = filesNamedBy([...(spec.entrypoint ?? []), ...spec.args, ...spec.env], files);
  if (read.length === 0) return spec;
  const hash = createHash('sha256');
  for (const f of read) hash.update(f.path).update('\0').update(String(f.mode)).update('\0').update(f.content).update('\0');
  return finalizeSpec({ ...spec, labels: { ...spec.labels, [FILES_LABEL]: hash.digest('hex').slice(0, 16) } });
}

/** The files whose paths `texts` name, and the files those name in turn; by path. */
export function filesNamedBy(texts: readonly string[], files: readonly RemoteFile[]): RemoteFile[] {
  const found = new Map<string, RemoteFile>();
  let look = texts;
  while (look.length > 0) {
    const named = files.filter((f) => !found.has(f.path) && look.some((t) => t.includes(f.path)));
    for (const f of named) found.set(f.path, f);
    look = named.map((f) => f.content);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
