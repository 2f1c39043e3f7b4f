import http from 'node:http';
import type { Duplex } from 'node:stream';
import { KubeApiError, KubeConnectError, statusOf } from './errors.js';

/**
 * HTTP/1.1 to the Kubernetes API over sockets the caller opens (in `drover up`: TLS through an
 * SSH-forwarded stream; in tests: TLS to a local apiserver). node's http Agent keeps a few of
 * them alive and reuses them, so a run of applies does not pay a handshake per request.
 */
export interface KubeClientOptions {
  /** Opens a connected, already-authenticated (TLS) stream to the apiserver. */
  openSocket: () => Promise<Duplex>;
  /** Sockets kept open at most (default 4). */
  maxSockets?: number;
  /** Per-request limit (default 30 s). */
  requestTimeoutMs?: number;
  /** Host header; the apiserver ignores it, proxies may not. */
  host?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialised unless a string. */
  body?: unknown;
  contentType?: string;
  /** Return the body as text (pods/log). */
  text?: boolean;
  /** What is being done, for error messages: "apply Deployment kube-system/coredns". */
  what?: string;
  signal?: AbortSignal;
}

export interface KubeClient {
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  /** GET that answers undefined on 404. */
  getOptional<T = unknown>(path: string, opts?: RequestOptions): Promise<T | undefined>;
  close(): void;
}

class SocketAgent extends http.Agent {
  constructor(
    private readonly open: () => Promise<Duplex>,
    opts: http.AgentOptions,
  ) {
    super(opts);
  }
  // node's Agent accepts a socket through the callback when createConnection returns nothing.
  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.open().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

export function createKubeClient(opts: KubeClientOptions): KubeClient {
  const agent = new SocketAgent(opts.openSocket, { keepAlive: true, maxSockets: opts.maxSockets ?? 4, maxFreeSockets: opts.maxSockets ?? 4 });
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const host = opts.host ?? 'kubernetes';

  const request = <T>(method: string, path: string, ro: RequestOptions = {}): Promise<T> => {
    const what = ro.what ?? `${method} ${path}`;
    const url = path + queryString(ro.query);
    const payload = ro.body === undefined ? undefined : typeof ro.body === 'string' ? ro.body : JSON.stringify(ro.body);
    const headers: Record<string, string> = { Host: host, Accept: ro.text ? '*/*' : 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = ro.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, ...(ro.signal ? [ro.signal] : [])];
    return new Promise<T>((resolve, reject) => {
      const req = http.request({ agent, method, path: url, headers, signal: AbortSignal.any(signals) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new KubeConnectError(what, err)));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const s = statusOf(status, body);
            reject(new KubeApiError(what, status, s.reason, s.message, hintFor(status)));
            return;
          }
          if (ro.text) return resolve(body as T);
          try {
            resolve((body === '' ? undefined : JSON.parse(body)) as T);
          } catch (err) {
            reject(new KubeConnectError(what, new Error(`answer is not JSON: ${(err as Error).message}`)));
          }
        });
      });
      req.on('error', (err) => {
        if (ro.signal?.aborted) return reject(ro.signal.reason);
        reject(new KubeConnectError(what, timeout.aborted ? new Error(`no answer within ${timeoutMs} ms`) : err));
      });
      req.end(payload);
    });
  };

  return {
    request,
    async getOptional<T>(path: string, ro?: RequestOptions): Promise<T | undefined> {
      try {
        return await request<T>('GET', path, ro);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    close: () => agent.destroy(),
  };
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function hintFor(status: number): string | undefined {
  if (status === 401) return 'the admin certificate was not accepted: does the state match this cluster?';
  if (status === 403) return 'the admin identity lacks permission (RBAC): is kube-admin in system:masters?';
  return undefined;
}
