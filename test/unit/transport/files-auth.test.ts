import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshConnectError } from '../../../src/transport/errors.js';
import { appendKnownHostsLines, readKnownHostsFile } from '../../../src/transport/known-hosts-file.js';
import { sshAuthConfig } from '../../../src/transport/ssh-auth.js';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'drover-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('known_hosts file', () => {
  it('is empty when missing, and created 0600 in a 0700 directory on first append', async () => {
    const path = join(scratch(), 'new', 'known_hosts');
    expect(await readKnownHostsFile(path)).toEqual([]);
    await appendKnownHostsLines(path, ['10.0.0.1 ssh-ed25519 AAAA']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect((await readKnownHostsFile(path)).map((e) => e.hosts)).toEqual(['10.0.0.1']);
  });

  it('appends on a new line even when the file lacks a final newline, keeping its mode', async () => {
    const path = join(scratch(), 'known_hosts');
    writeFileSync(path, 'a ssh-ed25519 AAAA', { mode: 0o644 });
    await appendKnownHostsLines(path, ['b ssh-ed25519 BBBB']);
    expect(readFileSync(path, 'utf8')).toBe('a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });
});

describe('SSH credentials', () => {
  const endpoint = { address: 'n1', port: 22, user: 'ubuntu', sshAgentAuth: false };

  it('prefers an inline key, adds the passphrase from the environment', async () => {
    const a = await sshAuthConfig({ ...endpoint, sshKey: 'PEM', sshKeyPath: '/nonexistent' }, { DROVER_SSH_KEY_PASSPHRASE: 'pp' });
    expect(a).toEqual({ username: 'ubuntu', privateKey: 'PEM', passphrase: 'pp' });
  });

  it('reads a key file, and uses the agent only when ssh_agent_auth is set', async () => {
    const key = join(scratch(), 'id');
    writeFileSync(key, 'KEY');
    const a = await sshAuthConfig({ ...endpoint, sshKeyPath: key }, { SSH_AUTH_SOCK: '/run/agent' });
    expect(a).toEqual({ username: 'ubuntu', privateKey: Buffer.from('KEY') });
    const b = await sshAuthConfig({ ...endpoint, sshKeyPath: '/nonexistent', sshAgentAuth: true }, { SSH_AUTH_SOCK: '/run/agent' });
    expect(b).toEqual({ username: 'ubuntu', agent: '/run/agent' });
  });

  it('fails clearly, and not transiently, without any credential', async () => {
    const err = await sshAuthConfig({ ...endpoint, sshKeyPath: '/nonexistent' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshConnectError);
    expect((err as SshConnectError).transient).toBe(false);
    await expect(sshAuthConfig({ ...endpoint, sshAgentAuth: true }, {})).rejects.toThrow(/SSH_AUTH_SOCK/);
  });
});
