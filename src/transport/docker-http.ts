import { request, type Agent, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The few Docker Engine API calls drover makes, as plain HTTP/1.1 over an http.Agent whose
 * sockets are SSH channels to the daemon's socket. Paths are unversioned: the daemon answers in
 * its own API version, which is what the docker CLI on the node does too.
 */
export type Query = Record<string, string | number | boolean | undefined>;

export interface DockerHttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  query?: Query;
  /** JSON body, or a byte stream (image tarball) sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The daemon answered with an error status. `json.message` is Docker's own wording. */
export class DockerHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
    text: string,
  ) {
    super(json?.message || text.trim() || `HTTP ${statusCode}`);
    this.name = 'DockerHttpError';
  }
}

export function dockerPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    params.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** X-Registry-Auth: base64url of the JSON credentials, padded (what dockerd's decoder expects). */
export function registryAuthHeader(auth: { username: string; password: string; serveraddress: string }): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** "repo[:tag]" or "repo@digest" → what POST /images/create wants (a tag of its own, latest by default). */
export function splitImageRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  // A colon before the last slash belongs to a registry's port (host:5000/repo), not a tag.
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

const isStream = (b: unknown): b is NodeJS.ReadableStream => typeof b === 'object' && b !== null && typeof (b as NodeJS.ReadableStream).pipe === 'function';

async function readAll(res: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

async function failure(res: IncomingMessage): Promise<DockerHttpError> {
  const text = (await readAll(res)).toString('utf8');
  let json: { message?: string } | undefined;
  try {
    json = JSON.parse(text) as { message?: string };
  } catch {
    json = undefined;
  }
  return new DockerHttpError(res.statusCode ?? 0, json, text);
}

export class DockerHttp {
  constructor(private readonly agent: Agent) {}

  /** The response stream of a successful call (pull and load progress); error statuses throw. */
  async stream(req: DockerHttpRequest): Promise<IncomingMessage> {
    const res = await this.send(req);
    if ((res.statusCode ?? 0) >= 400) throw await failure(res);
    return res;
  }

  /** The whole body of a successful call; error statuses throw. */
  async call(req: DockerHttpRequest): Promise<{ status: number; body: Buffer }> {
    const res = await this.stream(req);
    return { status: res.statusCode ?? 0, body: await readAll(res) };
  }

  async json<T>(req: DockerHttpRequest): Promise<T> {
    const { body } = await this.call(req);
    return JSON.parse(body.toString('utf8')) as T;
  }

  /**
   * A call the daemon upgrades to a raw two-way stream (exec start with stdin): resolves with
   * the connection once it answers 101; any other answer is an error.
   */
  hijack(req: DockerHttpRequest): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      const { r, payload } = this.open({ ...req, headers: { ...req.headers, connection: 'Upgrade', upgrade: 'tcp' } }, reject);
      r.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      r.on('response', (res: IncomingMessage) => {
        failure(res).then(reject, reject);
      });
      r.end(payload);
    });
  }

  private send(req: DockerHttpRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const { r, payload } = this.open(req, reject);
      r.on('response', resolve);
      if (isStream(req.body)) req.body.pipe(r);
      else r.end(payload);
    });
  }

  private open(req: DockerHttpRequest, reject: (err: Error) => void) {
    const stream = isStream(req.body);
    const payload = req.body !== undefined && !stream ? Buffer.from(JSON.stringify(req.body)) : undefined;
    const r = request({
      agent: this.agent,
      // Never resolved: the agent hands http an already-open channel to the daemon.
      host: 'docker.invalid',
      method: req.method,
      path: dockerPath(req.path, req.query),
      headers: {
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        ...(stream ? { 'content-type': 'application/x-tar' } : {}),
        ...req.headers,
      },
    });
    r.on('error', reject);
    return { r, payload };
  }
}
