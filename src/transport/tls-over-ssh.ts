import { request, Agent, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { SshEndpoint } from '../model/cluster.js';
import { ChannelOpenError } from './errors.js';
import type { SshPool } from './ssh-pool.js';
import { forwardRefusal, tlsConnectOptions, tlsFailure, TlsOverSshError, type TlsTargetFields } from './tls-target.js';

/**
 * TLS to a service on (or behind) a node, carried by the node's pooled SSH connection: a
 * direct-tcpip channel (`forwardOut`, needs AllowTcpForwarding) wrapped in TLS on this side.
 * The service's port never has to be reachable from this machine, and the certificates are the
 * ones drover already holds — nothing is run on the node.
 */
export interface TlsTarget extends TlsTargetFields {
  /** The whole operation (forward, handshake, and for requests the response) fails after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpsRequest extends TlsTarget {
  method?: string;
  /** Path and query, e.g. /health */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A raw byte stream to host:port as the node sees it, through the node's SSH connection. */
export async function openForwardedStream(pool: SshPool, node: SshEndpoint, host: string, port: number): Promise<Duplex> {
  // No session slot: a direct-tcpip channel does not count against sshd's MaxSessions.
  return pool.withSession(
    node,
    `forward to ${host}:${port}`,
    (client) =>
      new Promise<Duplex>((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
          if (!err) return resolve(channel);
          const refusal = forwardRefusal(node.address, host, port, err);
          reject(refusal ?? new ChannelOpenError(node.address, err));
        });
      }),
    { sessionSlot: false },
  );
}

function deadlineSignal(target: TlsTarget): AbortSignal {
  const timeout = AbortSignal.timeout(target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return target.signal ? AbortSignal.any([timeout, target.signal]) : timeout;
}

function aborted(node: SshEndpoint, target: TlsTarget, signal: AbortSignal, stage: string): TlsOverSshError {
  // AbortSignal.timeout aborts with a TimeoutError; a caller's abort (Ctrl-C) is not worth a retry.
  const timedOut = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
  const what = timedOut ? `timed out after ${target.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : 'aborted';
  return new TlsOverSshError(node.address, `${stage} ${target.host}:${target.port} over SSH ${what}`, { transient: timedOut, cause: signal.reason });
}

/** Resolves with the socket once the handshake is done and the server certificate verified. */
function handshake(node: SshEndpoint, target: TlsTarget, stream: Duplex, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    let socket: TLSSocket;
    try {
      socket = tlsConnect({ ...tlsConnectOptions(target), socket: stream });
    } catch (err) {
      // A key that does not match its certificate, or a PEM that is not one, fails right here.
      stream.destroy();
      return reject(tlsFailure(node.address, target, err as Error));
    }
    const onAbort = () => {
      socket.destroy();
      reject(aborted(node, target, signal, 'TLS handshake with'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      stream.destroy();
      reject(tlsFailure(node.address, target, err));
    };
    socket.once('error', onError);
  });
}

/**
 * A verified TLS socket to the target through the node (the Kubernetes client's socket factory
 * uses this). The caller owns the socket: `destroy()` or `end()` it when done.
 */
export async function openTlsSocket(pool: SshPool, node: SshEndpoint, target: TlsTarget): Promise<TLSSocket> {
  return openTlsSocketUntil(pool, node, target, deadlineSignal(target));
}

async function openTlsSocketUntil(pool: SshPool, node: SshEndpoint, target: TlsTarget, signal: AbortSignal): Promise<TLSSocket> {
  if (signal.aborted) throw aborted(node, target, signal, 'forward to');
  const forwarding = openForwardedStream(pool, node, target.host, target.port);
  let onAbort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(aborted(node, target, signal, 'forward to'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let stream: Duplex;
  try {
    stream = await Promise.race([forwarding, stopped]);
  } catch (err) {
    forwarding.then((s) => s.destroy(), () => undefined); // a channel that opens too late is closed at once
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return handshake(node, target, stream, signal);
}

/** One HTTP/1.1 request over a fresh TLS-over-SSH socket; the body is read whole (small answers only). */
export async function httpsRequest(pool: SshPool, node: SshEndpoint, req: HttpsRequest): Promise<HttpsResponse> {
  const signal = deadlineSignal(req);
  const socket = await openTlsSocketUntil(pool, node, req, signal);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise<HttpsResponse>((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      reject(aborted(node, req, signal, 'request to'));
    };
    const r = request({
      createConnection: () => socket,
      method: req.method ?? 'GET',
      path: req.path,
      headers: {
        host: `${req.servername ?? req.host}:${req.port}`,
        connection: 'close',
        ...(body ? { 'content-length': String(body.length) } : {}),
        ...req.headers,
      },
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => r.destroy(err));
    });
    r.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (signal.aborted) return; // onAbort already answered
      reject(new TlsOverSshError(node.address, `${req.method ?? 'GET'} ${req.path} on ${req.host}:${req.port} over SSH failed: ${err.message}`, { transient: true, cause: err }));
    });
    r.end(body);
  });
}

/** GET path on host:port as the node sees it, over TLS through the node's SSH connection. */
export function httpsGet(pool: SshPool, node: SshEndpoint, req: Omit<HttpsRequest, 'method' | 'body'>): Promise<HttpsResponse> {
  return httpsRequest(pool, node, req);
}

/**
 * An http.Agent (use it with node:http, not node:https: TLS is already done) whose sockets are
 * TLS-over-SSH connections to the target, kept alive between requests. For clients that make
 * many calls to one endpoint (the Kubernetes API).
 */
export function tlsOverSshAgent(pool: SshPool, node: SshEndpoint, target: Omit<TlsTarget, 'signal'>, maxSockets = 4): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, done: (err: Error | null, s?: Duplex) => void) => {
    openTlsSocket(pool, node, target).then(
      (s) => done(null, s),
      (err: Error) => done(err),
    );
    return undefined;
  };
  return agent;
}
