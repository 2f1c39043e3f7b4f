import { createReadStream } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { DroverError } from '../errors.js';
import { MANIFEST_MEDIA_TYPE, type BuiltImage, type Digest } from './oci-image.js';
import {
  basicAuthorization, blobPath, manifestPath, parseAuthChallenge, uploadCompleteUrl, uploadStartPath,
  type RegistryCredentials,
} from './registry-protocol.js';

/**
 * Push an image straight to a Docker Registry v2 over plain HTTP (lab registries only), with no
 * Docker daemon: HEAD each blob, upload the missing ones (POST then PUT ?digest=), PUT the
 * manifest. Credentials are sent only after the registry asks for Basic auth (401).
 */

export interface PushTarget {
  /** `http://host:port` */
  baseUrl: string;
  repository: string;
  tag: string;
  credentials: RegistryCredentials;
  /** A repository on the same registry that may already hold some blobs (cross-repository mount). */
  mountFrom?: string;
}

export interface PushLayerSource {
  digest: Digest;
  size: number;
  /** Gzip blob on this machine. */
  path: string;
}

export interface PushResult {
  manifestDigest: Digest;
  /** False when the tag already pointed at this exact manifest: nothing was uploaded. */
  changed: boolean;
  uploadedBlobs: number;
  /** Linked from `mountFrom` without sending bytes. */
  mountedBlobs: number;
  /** Already in the repository (HEAD answered 200). */
  skippedBlobs: number;
}

interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

type Body = Buffer | (() => Readable) | undefined;

/** One registry conversation: a keep-alive agent and the Authorization learnt from the first 401. */
export class RegistrySession {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private authorization: string | undefined;
  readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly credentials: RegistryCredentials,
  ) {
    this.base = new URL(baseUrl);
    if (this.base.protocol !== 'http:') throw new Error(`lab registries speak plain HTTP, got ${baseUrl}`);
  }

  close(): void {
    this.agent.destroy();
  }

  async send(method: string, target: string | URL, headers: Record<string, string | number> = {}, body?: Body): Promise<HttpResponse> {
    const url = typeof target === 'string' ? new URL(target, this.base) : target;
    let res = await this.once(method, url, headers, body);
    if (res.status === 401 && this.authorization === undefined) {
      const challenge = parseAuthChallenge(firstHeader(res.headers['www-authenticate']));
      if (challenge?.scheme !== 'basic') {
        throw new DroverError(`registry ${this.base.host} asks for "${challenge?.scheme ?? 'no'}" authentication`, {
          hint: 'lab registries use htpasswd (Basic) auth; check the registry configuration',
        });
      }
      this.authorization = basicAuthorization(this.credentials);
      res = await this.once(method, url, headers, body);
    }
    if (res.status === 401) {
      throw new DroverError(`registry ${this.base.host} refused the credentials of user "${this.credentials.username}" (401)`, {
        hint: 'check the lab registry password (DIR/registry-password, DROVER_LAB_REGISTRY_PASSWORD)',
      });
    }
    return res;
  }

  private once(method: string, url: URL, headers: Record<string, string | number>, body: Body): Promise<HttpResponse> {
    const all: Record<string, string | number> = { ...headers };
    if (this.authorization) all['Authorization'] = this.authorization;
    if (Buffer.isBuffer(body)) all['Content-Length'] = body.length;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: all, agent: this.agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', (err) =>
        reject(new DroverError(`registry ${url.host}: ${method} ${url.pathname} failed: ${err.message}`, { hint: 'is the lab registry running? (`drover lab up`)' })),
      );
      if (body === undefined || Buffer.isBuffer(body)) req.end(body);
      else {
        const stream = body();
        stream.on('error', (err) => req.destroy(err));
        stream.pipe(req);
      }
    });
  }
}

/** Digest the tag points at now, or undefined when the tag does not exist. */
export async function manifestDigestOf(session: RegistrySession, repository: string, tag: string): Promise<Digest | undefined> {
  const res = await session.send('HEAD', manifestPath(repository, tag), { Accept: MANIFEST_MEDIA_TYPE });
  if (res.status === 404) return undefined;
  expectStatus(res, [200], `HEAD manifest ${repository}:${tag}`);
  return firstHeader(res.headers['docker-content-digest']) as Digest | undefined;
}

export async function blobExists(session: RegistrySession, repository: string, digest: Digest): Promise<boolean> {
  const res = await session.send('HEAD', blobPath(repository, digest));
  if (res.status === 404) return false;
  expectStatus(res, [200], `HEAD blob ${digest}`);
  return true;
}

/** Upload one blob; with `mountFrom`, first ask the registry to link it from that repository (201). */
export async function uploadBlob(
  session: RegistrySession, repository: string, digest: Digest, size: number, body: Body, mountFrom?: string,
): Promise<'uploaded' | 'mounted'> {
  const query = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
  const start = await session.send('POST', uploadStartPath(repository) + query, { 'Content-Length': 0 });
  if (mountFrom && start.status === 201) return 'mounted';
  expectStatus(start, [202], `start upload of ${digest}`);
  const location = firstHeader(start.headers.location);
  if (!location) throw new DroverError(`registry ${session.base.host} started an upload without a Location header`);
  const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': size };
  const done = await session.send('PUT', uploadCompleteUrl(session.base, location, digest), headers, body);
  expectStatus(done, [201], `upload of ${digest}`);
  return 'uploaded';
}

/** Push layers, config and manifest; a no-op (one HEAD) when the tag already has this manifest. */
export async function pushImage(target: PushTarget, image: BuiltImage, layers: readonly PushLayerSource[]): Promise<PushResult> {
  const session = new RegistrySession(target.baseUrl, target.credentials);
  try {
    const current = await manifestDigestOf(session, target.repository, target.tag);
    if (current === image.manifestDigest) return { manifestDigest: current, changed: false, uploadedBlobs: 0, mountedBlobs: 0, skippedBlobs: 0 };
    const blobs = [
      ...layers.map((l) => ({ digest: l.digest, size: l.size, body: (() => createReadStream(l.path)) as Body })),
      { digest: image.configRef.digest, size: image.config.length, body: image.config as Body },
    ];
    const outcomes = await Promise.all(
      blobs.map(async (b) => {
        if (await blobExists(session, target.repository, b.digest)) return 'skipped';
        return uploadBlob(session, target.repository, b.digest, b.size, b.body, target.mountFrom);
      }),
    );
    const put = await session.send('PUT', manifestPath(target.repository, target.tag), { 'Content-Type': MANIFEST_MEDIA_TYPE }, image.manifest);
    expectStatus(put, [201], `PUT manifest ${target.repository}:${target.tag}`);
    const count = (o: string) => outcomes.filter((x) => x === o).length;
    return { manifestDigest: image.manifestDigest, changed: true, uploadedBlobs: count('uploaded'), mountedBlobs: count('mounted'), skippedBlobs: count('skipped') };
  } finally {
    session.close();
  }
}

function expectStatus(res: HttpResponse, ok: number[], what: string): void {
  if (ok.includes(res.status)) return;
  const detail = res.body.trim().slice(0, 300);
  throw new DroverError(`registry: ${what} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
