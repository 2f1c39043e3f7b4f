import type { Digest } from './oci-image.js';

/**
 * Pure parts of the Docker Registry HTTP API v2 that the pusher needs: URL paths, the
 * `WWW-Authenticate` challenge and the Basic credentials that answer it.
 */

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface AuthChallenge {
  /** Lower-cased scheme: `basic` or `bearer` (the token flow, which lab registries do not use). */
  scheme: string;
  params: Record<string, string>;
}

/** Parse `Basic realm="x"` or `Bearer realm="…",service="…",scope="…"` (RFC 7235 auth-params). */
export function parseAuthChallenge(header: string | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  for (const p of m[2]!.matchAll(re)) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  return { scheme: m[1]!.toLowerCase(), params };
}

export function basicAuthorization(creds: RegistryCredentials): string {
  if (creds.username.includes(':')) throw new Error('a Basic auth user name cannot contain ":"');
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
}

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

function checkedRepository(repository: string): string {
  if (!REPOSITORY.test(repository)) throw new Error(`invalid repository name "${repository}"`);
  return repository;
}

export const blobPath = (repository: string, digest: Digest) => `/v2/${checkedRepository(repository)}/blobs/${digest}`;
export const uploadStartPath = (repository: string) => `/v2/${checkedRepository(repository)}/blobs/uploads/`;
export const manifestPath = (repository: string, reference: string) => `/v2/${checkedRepository(repository)}/manifests/${encodeURIComponent(reference)}`;

/**
 * Where to PUT the blob that finishes an upload: the registry's `Location` (absolute or relative,
 * usually with its own query such as `_state`) plus `digest=`.
 */
export function uploadCompleteUrl(base: URL, location: string, digest: Digest): URL {
  const url = new URL(location, base);
  // Never follow a registry to another host: lab traffic stays on addresses we created.
  if (url.origin !== base.origin) throw new Error(`registry sent an upload location on another host: ${url.origin}`);
  url.searchParams.set('digest', digest);
  return url;
}
