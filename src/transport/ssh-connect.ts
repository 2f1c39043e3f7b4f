import { Client, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { SshEndpoint } from '../model/cluster.js';
import { SshConnectError } from './errors.js';
import { hostKeyAlgorithmsFor, makeHostKeyCheck } from './host-key-check.js';
import type { KnownHostEntry } from './known-hosts.js';
import { SSH_KEY_PASSPHRASE_ENV, sshAuthConfig } from './ssh-auth.js';

export interface ConnectSettings {
  knownHosts: KnownHostEntry[];
  knownHostsPath: string;
  /** Shown in the unknown-host error: the exact command that trusts the host. */
  trustCommand: string;
  env: Readonly<Record<string, string | undefined>>;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  readyTimeoutMs: number;
}

const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * Open one authenticated SSH connection, verifying the host key before anything is sent.
 * `sock` is a tunnel through a bastion when there is one.
 */
export async function connectSsh(endpoint: SshEndpoint, settings: ConnectSettings, sock?: Duplex): Promise<Client> {
  const auth = await sshAuthConfig(endpoint, settings.env);
  const keyCheck = makeHostKeyCheck(settings.knownHosts, endpoint, settings.knownHostsPath, settings.trustCommand);
  const config: ConnectConfig = {
    host: endpoint.address,
    port: endpoint.port,
    ...auth,
    ...(sock ? { sock } : {}),
    hostVerifier: (key: Buffer) => keyCheck.verify(key),
    algorithms: { serverHostKey: hostKeyAlgorithmsFor(settings.knownHosts, keyCheck.hostName) as never },
    keepaliveInterval: settings.keepaliveIntervalMs,
    keepaliveCountMax: settings.keepaliveCountMax,
    readyTimeout: settings.readyTimeoutMs,
  };
  const client = new Client();
  return await new Promise<Client>((resolve, reject) => {
    const onError = (err: Error & { level?: string; code?: string }) => {
      client.removeListener('ready', onReady);
      client.end();
      reject(keyCheck.refusal ?? classifyConnectError(endpoint, err));
    };
    const onReady = () => {
      client.removeListener('error', onError);
      resolve(client);
    };
    client.once('ready', onReady).once('error', onError);
    try {
      client.connect(config);
    } catch (err) {
      onError(err as Error);
    }
  });
}

function classifyConnectError(endpoint: SshEndpoint, err: Error & { level?: string; code?: string }): SshConnectError {
  const where = `${endpoint.user}@${endpoint.address}:${endpoint.port}`;
  if (err.level === 'client-authentication') {
    return new SshConnectError(endpoint.address, `SSH authentication failed for ${where}`, {
      transient: false,
      cause: err,
      hint: 'check the node\'s user and that its key (or the agent) is in that user\'s authorized_keys',
    });
  }
  if (/passphrase|Encrypted private/i.test(err.message)) {
    return new SshConnectError(endpoint.address, `cannot use the SSH key: ${err.message}`, {
      transient: false,
      cause: err,
      hint: `set ${SSH_KEY_PASSPHRASE_ENV} to the key's passphrase`,
    });
  }
  if (/Cannot parse privateKey/i.test(err.message)) {
    return new SshConnectError(endpoint.address, err.message, { transient: false, cause: err });
  }
  const transient = err.level === 'client-timeout' || err.level === 'client-socket' || TRANSIENT_SOCKET_CODES.has(err.code ?? '');
  return new SshConnectError(endpoint.address, `cannot connect to ${where}: ${err.message}`, {
    transient,
    cause: err,
    hint: 'is sshd running on the node and reachable from here (address, port, firewall)?',
  });
}
