import { DroverError, HostVerificationError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';

/**
 * Transport failures. `transient` tells a retrying caller (the executor) whether trying again
 * can help: a dropped connection or a Docker 5xx can; a refused host key or bad credentials cannot.
 * The executor's own TransientError is reconciled with this flag by duck typing (`err.transient`).
 */
export class TransportError extends DroverError {
  readonly transient: boolean;
  readonly host: string;
  constructor(host: string, message: string, opts: { transient: boolean; hint?: string; cause?: unknown }) {
    super(`${host}: ${message}`, {
      exitCode: ExitCode.Failed,
      ...(opts.hint ? { hint: opts.hint } : {}),
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.transient = opts.transient;
    this.host = host;
  }
}

/** Could not reach or log in to a node. Network trouble is transient; authentication is not. */
export class SshConnectError extends TransportError {}

/** The connection dropped while a command or transfer was in flight (it may have run). */
export class ConnectionLostError extends TransportError {
  constructor(host: string, what: string, cause?: unknown) {
    super(host, `connection lost during ${what}`, { transient: true, cause, hint: 'drover reconnects on the next attempt' });
  }
}

/** sshd refused a new channel (e.g. MaxSessions reached for a moment): nothing ran, try again. */
export class ChannelOpenError extends TransportError {
  constructor(host: string, cause: Error) {
    super(host, `cannot open an SSH channel: ${cause.message}`, { transient: true, cause });
  }
}

/** A remote command ran longer than allowed and was stopped. */
export class CommandTimeoutError extends TransportError {
  constructor(host: string, command: string, timeoutMs: number) {
    super(host, `command timed out after ${timeoutMs} ms: ${command}`, { transient: true });
  }
}

/** A file operation (SFTP, sudo install) failed for a reason retrying will not fix. */
export class RemoteFileError extends TransportError {
  constructor(host: string, message: string, cause?: unknown) {
    super(host, message, { transient: false, cause });
  }
}

/** sudo refused to run without a password and none was given. */
export class SudoError extends TransportError {
  constructor(host: string, stderr: string) {
    super(host, `sudo failed: ${stderr.trim() || 'a password is required'}`, {
      transient: false,
      hint: 'allow passwordless sudo for the SSH user, or set DROVER_SUDO_PASSWORD',
    });
  }
}

/** The Docker daemon answered with an error, or could not be reached. 5xx and I/O errors are transient. */
export class DockerError extends TransportError {
  readonly statusCode: number | undefined;
  constructor(host: string, message: string, opts: { statusCode?: number; transient: boolean; cause?: unknown; hint?: string }) {
    super(host, message, opts);
    this.statusCode = opts.statusCode;
  }
}

export interface SeenHostKey {
  /** e.g. [10.0.0.1]:2222 or 10.0.0.1 — the known_hosts name. */
  hostName: string;
  keyType: string;
  /** SHA256:base64 without padding, as OpenSSH prints it. */
  fingerprint: string;
}

/** The host key is not in known_hosts: nothing was sent to the host. */
export class HostKeyUnknownError extends HostVerificationError {
  readonly transient = false;
  readonly seen: SeenHostKey;
  constructor(seen: SeenHostKey, knownHostsPath: string, trustCommand: string, note = '') {
    super(
      `host key of ${seen.hostName} is not known (${seen.keyType} ${seen.fingerprint}; not in ${knownHostsPath})${note}`,
      `check the fingerprint out of band, then trust it: ${trustCommand}`,
    );
    this.seen = seen;
  }
}

/** The host key differs from the one in known_hosts (or is revoked): always refused. */
export class HostKeyMismatchError extends HostVerificationError {
  readonly transient = false;
  readonly seen: SeenHostKey;
  constructor(seen: SeenHostKey, knownHostsPath: string, why: 'mismatch' | 'revoked') {
    super(
      why === 'revoked'
        ? `host key of ${seen.hostName} is marked @revoked in ${knownHostsPath} (${seen.keyType} ${seen.fingerprint}); refusing to connect`
        : `HOST KEY MISMATCH for ${seen.hostName}: it presented ${seen.keyType} ${seen.fingerprint}, which differs from ${knownHostsPath}; refusing to connect (possible man-in-the-middle, or the machine was reinstalled)`,
      `if the host was reinstalled, remove its old line from ${knownHostsPath} (ssh-keygen -R '${seen.hostName}' -f ${knownHostsPath}) and run drover hosts trust`,
    );
    this.seen = seen;
  }
}

/** Duck-typed check so callers need not know every class. */
export function isTransient(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}
