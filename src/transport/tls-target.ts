import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { TransportError } from './errors.js';

/**
 * The pure half of TLS over SSH: which tls.connect options a target means, and what a failure
 * means for the caller (retry, or tell the user what to fix).
 */
export interface TlsTargetFields {
  /** Host and port as seen from the node: 127.0.0.1 for a service listening on the node itself. */
  host: string;
  port: number;
  /** PEM: the CA(s) the server certificate must chain to (unless `selfSignedServer`). */
  ca?: string | string[];
  /** PEM client certificate and key (mutual TLS). */
  cert?: string;
  key?: string;
  /** The name (DNS or IP) the server certificate must carry; default `host`. */
  servername?: string;
  /**
   * The server makes its own certificate (kube-controller-manager, kube-scheduler): nothing can
   * verify it, so only the channel is authenticated — the node's verified SSH connection.
   */
  selfSignedServer?: boolean;
}

/** A forward, handshake or request to a service through a node failed. */
export class TlsOverSshError extends TransportError {}

/**
 * tls.connect options for a target reached over an already-open stream. The certificate is
 * checked against `servername ?? host`; SNI is sent only for DNS names (Node refuses an IP
 * there, and servers pick certificates by DNS name anyway).
 */
export function tlsConnectOptions(target: TlsTargetFields): ConnectionOptions {
  const name = target.servername ?? target.host;
  return {
    host: name,
    ...(isIP(name) ? {} : { servername: name }),
    ...(target.ca ? { ca: target.ca } : {}),
    ...(target.cert ? { cert: target.cert } : {}),
    ...(target.key ? { key: target.key } : {}),
    rejectUnauthorized: !target.selfSignedServer,
    ALPNProtocols: ['http/1.1'],
  };
}

/** SSH_OPEN_* reason codes (RFC 4254 §5.1). */
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

/**
 * What a refused direct-tcpip channel means. undefined when the refusal is only momentary
 * (resource shortage): the pool retries those as it does any channel that would not open.
 */
export function forwardRefusal(node: string, host: string, port: number, err: Error & { reason?: number }): TlsOverSshError | undefined {
  if (err.reason === ADMINISTRATIVELY_PROHIBITED || /prohibited/i.test(err.message)) {
    return new TlsOverSshError(node, `sshd refused to forward to ${host}:${port}: ${err.message}`, {
      transient: false,
      cause: err,
      hint: 'allow TCP forwarding for the SSH user in the node\'s sshd_config (AllowTcpForwarding yes)',
    });
  }
  if (err.reason === CONNECT_FAILED || /connect failed|refused/i.test(err.message)) {
    // Nothing listens there (yet): a service that is starting answers a moment later.
    return new TlsOverSshError(node, `nothing answers at ${host}:${port} on the node: ${err.message}`, { transient: true, cause: err });
  }
  return undefined;
}

/** Certificate problems do not heal by retrying; a reset during the handshake (server restarting) may. */
const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE|HANDSHAKE_FAILURE|ACCESS_DENIED)|KEY_VALUES_MISMATCH|NO_START_LINE/;

export function tlsFailure(node: string, target: TlsTargetFields, err: Error & { code?: string }): TlsOverSshError {
  const where = `${target.host}:${target.port}`;
  if (err.code && CERTIFICATE_CODES.test(err.code)) {
    return new TlsOverSshError(node, `TLS with ${where} (through the node) failed: ${err.message} (${err.code})`, {
      transient: false,
      cause: err,
      hint: `the server's certificate must chain to the given CA and name ${target.servername ?? target.host}, and it must accept the client certificate; \`drover cert status\` shows what drover holds`,
    });
  }
  return new TlsOverSshError(node, `TLS with ${where} (through the node) failed: ${err.message}`, { transient: true, cause: err });
}
