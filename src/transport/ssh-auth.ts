import { readFile } from 'node:fs/promises';
import type { ConnectConfig } from 'ssh2';
import type { SshEndpoint } from '../model/cluster.js';
import { SshConnectError } from './errors.js';

/** Environment variables drover reads for SSH; their values never reach logs or argv. */
export const SSH_KEY_PASSPHRASE_ENV = 'DROVER_SSH_KEY_PASSPHRASE';

/**
 * The credential part of an ssh2 connect config: an inline key wins over a key file (as in
 * RKE), the agent is added when ssh_agent_auth is set and SSH_AUTH_SOCK exists.
 */
export async function sshAuthConfig(
  endpoint: SshEndpoint,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Pick<ConnectConfig, 'username' | 'privateKey' | 'passphrase' | 'agent'>> {
  const auth: Pick<ConnectConfig, 'username' | 'privateKey' | 'passphrase' | 'agent'> = { username: endpoint.user };
  if (endpoint.sshKey) auth.privateKey = endpoint.sshKey;
  else if (endpoint.sshKeyPath) {
    try {
      auth.privateKey = await readFile(endpoint.sshKeyPath);
    } catch (err) {
      // Without a key the agent may still log us in; fail only when nothing is left.
      if (!(endpoint.sshAgentAuth && env['SSH_AUTH_SOCK'])) {
        throw new SshConnectError(endpoint.address, `cannot read SSH key ${endpoint.sshKeyPath}: ${(err as Error).message}`, {
          transient: false,
          hint: 'set ssh_key_path (or the node\'s ssh_key) to a readable private key, or use ssh_agent_auth',
        });
      }
    }
  }
  const passphrase = env[SSH_KEY_PASSPHRASE_ENV];
  if (auth.privateKey !== undefined && passphrase) auth.passphrase = passphrase;
  if (endpoint.sshAgentAuth) {
    const sock = env['SSH_AUTH_SOCK'];
    if (!sock) {
      if (auth.privateKey === undefined)
        throw new SshConnectError(endpoint.address, 'ssh_agent_auth is set but SSH_AUTH_SOCK is empty', {
          transient: false,
          hint: 'start an agent (eval $(ssh-agent); ssh-add) or give an ssh_key_path',
        });
    } else auth.agent = sock;
  }
  if (auth.privateKey === undefined && auth.agent === undefined) {
    throw new SshConnectError(endpoint.address, 'no SSH credentials: neither a key nor an agent', {
      transient: false,
      hint: 'set ssh_key_path, ssh_key, or ssh_agent_auth: true in cluster.yml',
    });
  }
  return auth;
}
