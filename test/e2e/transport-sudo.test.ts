import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshEndpoint } from '../../src/model/cluster.js';
import { openTransport } from '../../src/transport/session.js';
import { SSHD, startLoopbackSshd, type LoopbackSshd } from './loopback-sshd.js';

const canRun = existsSync(SSHD) && process.getuid?.() === 0;
const endpointFor = (s: LoopbackSshd): SshEndpoint => ({ address: '127.0.0.1', port: s.port, user: 'root', sshKeyPath: s.clientKeyPath, sshAgentAuth: false });
const hasSudo = existsSync('/usr/bin/sudo') && existsSync('/usr/bin/openssl');

describe.skipIf(!canRun || !hasSudo)('non-root SSH users through sudo (users exist only in the sshd\'s mount namespace)', { timeout: 90_000 }, () => {
  let sshd: LoopbackSshd;
  let knownHosts: string;
  beforeAll(async () => {
    sshd = await startLoopbackSshd({
      users: [
        { name: 'drover-np', uid: 42401, sudo: 'nopasswd' },
        { name: 'drover-pw', uid: 42402, sudo: { password: 'pw with spaces' } },
      ],
    });
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  const as = (user: string): SshEndpoint => ({ ...endpointFor(sshd), user });

  it('runs as the user by default and as root with sudo: true (passwordless sudo)', async () => {
    await using t = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, {});
    const host = t.host(as('drover-np'));
    expect((await host.exec('id -u')).stdout.trim()).toBe('42401');
    expect((await host.exec('id -u', { sudo: true })).stdout.trim()).toBe('0');
    expect((await host.exec('cat', { sudo: true, stdin: 'to root' })).stdout).toBe('to root');
  });

  it('writes root-owned files with mode through a staging dir, reads, tests and removes them', async () => {
    await using t = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, {});
    const host = t.host(as('drover-np'));
    const dir = join(sshd.dir, 'root-only', 'ssl');
    await host.mkdir(dir, { mode: 0o700 });
    expect(execFileSync('stat', ['-c', '%U %a', dir], { encoding: 'utf8' }).trim()).toBe('root 700');
    const file = join(dir, 'kube-ca.pem');
    await host.putFile(file, 'secret material', { mode: 0o600 });
    expect(execFileSync('stat', ['-c', '%U %a', file], { encoding: 'utf8' }).trim()).toBe('root 600');
    expect(readFileSync(file, 'utf8')).toBe('secret material');
    expect((await host.getFile(file)).toString()).toBe('secret material');
    expect(await host.exists(file)).toBe(true);
    // Nothing is left in /tmp by the staging step, nothing beside the target.
    expect((await host.exec(`ls -A ${dir}`, { sudo: true })).stdout.trim()).toBe('kube-ca.pem');
    expect((await host.exec('ls -d /tmp/drover.* 2>/dev/null | wc -l')).stdout.trim()).toBe('0');
    await host.remove(join(sshd.dir, 'root-only'), { recursive: true });
    expect(await host.exists(file)).toBe(false);
  });

  it('uses DROVER_SUDO_PASSWORD on stdin when sudo needs a password, and refuses clearly without it', async () => {
    const without = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, {});
    const err = await without.host(as('drover-pw')).exec('id -u', { sudo: true }).catch((e: unknown) => e);
    await without.close();
    expect((err as Error).message).toMatch(/sudo failed/);
    expect((err as { hint?: string }).hint).toContain('DROVER_SUDO_PASSWORD');

    await using t = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, { DROVER_SUDO_PASSWORD: 'pw with spaces' });
    const host = t.host(as('drover-pw'));
    expect((await host.exec('id -u', { sudo: true })).stdout.trim()).toBe('0');
    // The command's own stdin arrives intact after sudo consumed the password line.
    expect((await host.exec('cat', { sudo: true, stdin: 'payload' })).stdout).toBe('payload');
    await host.putFile(join(sshd.dir, 'pw-file'), 'x', { mode: 0o640 });
    expect(execFileSync('stat', ['-c', '%U %a', join(sshd.dir, 'pw-file')], { encoding: 'utf8' }).trim()).toBe('root 640');
  });
});

