import { createHash } from 'node:crypto';

/**
 * Pure pieces of a Docker image (schema 2): digests, the image config and the manifest. The bytes
 * these functions return are exactly the bytes pushed, so their digests are the image's identity.
 * See the Docker Image Manifest V2 Schema 2 and the OCI image spec (config `rootfs.diff_ids`).
 */

export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';
export const LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `sha256:<hex>`, the form registries and image configs use. */
export type Digest = `sha256:${string}`;

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function isDigest(value: string): value is Digest {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}

/** A layer as pushed: the gzip blob's digest and size, and the digest of the uncompressed tar. */
export interface LayerDescriptor {
  /** Digest of the gzip-compressed tar (the blob in the registry). */
  digest: Digest;
  size: number;
  /** Digest of the uncompressed tar (goes into the config's rootfs.diff_ids). */
  diffId: Digest;
}

export interface ImageSettings {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
  /** ISO time; fixed by default so the same layers always give the same image digest. */
  created?: string;
}

export interface BlobRef {
  mediaType: string;
  digest: Digest;
  size: number;
}

export interface BuiltImage {
  /** Exact config JSON bytes; their digest is the image ID. */
  config: Buffer;
  configRef: BlobRef;
  /** Exact manifest JSON bytes; their digest is the repo digest (`name@sha256:…`). */
  manifest: Buffer;
  manifestDigest: Digest;
  layers: LayerDescriptor[];
}

const EPOCH = '1970-01-01T00:00:00Z';

export function imageConfig(layers: readonly LayerDescriptor[], settings: ImageSettings = {}): Buffer {
  if (layers.length === 0) throw new Error('an image needs at least one layer');
  const config: Record<string, unknown> = { Env: settings.env ?? [DEFAULT_PATH_ENV] };
  if (settings.entrypoint) config['Entrypoint'] = settings.entrypoint;
  if (settings.cmd) config['Cmd'] = settings.cmd;
  if (settings.workingDir) config['WorkingDir'] = settings.workingDir;
  if (settings.labels && Object.keys(settings.labels).length > 0) config['Labels'] = sortedRecord(settings.labels);
  const created = settings.created ?? EPOCH;
  const doc = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created, created_by: 'drover lab image builder' })),
  };
  return Buffer.from(JSON.stringify(doc));
}

export function imageManifest(configRef: BlobRef, layers: readonly LayerDescriptor[]): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: configRef.mediaType, size: configRef.size, digest: configRef.digest },
    layers: layers.map((l) => ({ mediaType: LAYER_MEDIA_TYPE, size: l.size, digest: l.digest })),
  };
  return Buffer.from(JSON.stringify(doc, null, 3));
}

/** Config and manifest for the given layers, bottom layer first. */
export function buildImage(layers: readonly LayerDescriptor[], settings: ImageSettings = {}): BuiltImage {
  const config = imageConfig(layers, settings);
  const configRef: BlobRef = { mediaType: CONFIG_MEDIA_TYPE, digest: sha256Digest(config), size: config.length };
  const manifest = imageManifest(configRef, layers);
  return { config, configRef, manifest, manifestDigest: sha256Digest(manifest), layers: [...layers] };
}

export interface ImageReference {
  /** host:port of the registry. */
  registry: string;
  /** Repository path inside the registry, e.g. `drover-lab/etcd`. */
  repository: string;
  tag: string;
}

/** Parse `host:port/path/name:tag`; the registry part is required (lab images are never on a hub). */
export function parseImageReference(ref: string): ImageReference {
  const m = /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(ref);
  if (!m) throw new Error(`not a registry image reference (host:port/name:tag): "${ref}"`);
  return { registry: m[1]!, repository: m[2]!, tag: m[3]! };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}:${ref.tag}`;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
