import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshEndpoint } from '../../src/model/cluster.js';
import { CommandTimeoutError, ConnectionLostError, HostKeyMismatchError, HostKeyUnknownError } from '../../src/transport/errors.js';
import { openTransport } from '../../src/transport/session.js';
import { sessionPids, startLoopbackSshd, SSHD, type LoopbackSshd } from './loopback-sshd.js';

const canRun = existsSync(SSHD) && process.getuid?.() === 0;

function endpointFor(s: LoopbackSshd): SshEndpoint {
  return { address: '127.0.0.1', port: s.port, user: 'root', sshKeyPath: s.clientKeyPath, sshAgentAuth: false };
}

function fingerprintOf(pubLine: string): string {
  const out = execFileSync('ssh-keygen', ['-lf', '-'], { input: pubLine + '\n', encoding: 'utf8' });
  return out.split(/\s+/)[1] ?? '';
}

describe.skipIf(!canRun)('SSH transport against a real sshd on 127.0.0.1', { timeout: 90_000 }, () => {
  let sshd: LoopbackSshd;
  let knownHosts: string;

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const open = (path = knownHosts) => openTransport({ knownHostsPath: path, configPath: '/etc/drover/cluster.yml' }, {});

  it('runs commands with exit code, stdout, stderr and stdin, on exactly one connection', async () => {
    await using t = await open();
    const host = t.host(endpointFor(sshd));
    expect(await host.exec('echo out; echo err >&2; exit 3')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect((await host.exec('cat', { stdin: 'secret-from-stdin' })).stdout).toBe('secret-from-stdin');
    // More parallel commands than sshd's MaxSessions (10): they queue on the one connection.
    const outs = await Promise.all(Array.from({ length: 25 }, (_, i) => host.exec(`echo ${i}`)));
    expect(outs.map((o) => o.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(t.pool.connectionsOpened()).toEqual({ [`127.0.0.1:${sshd.port}`]: 1 });
  });

  it('stops a command that outlives its timeout', async () => {
    await using t = await open();
    const host = t.host(endpointFor(sshd));
    await expect(host.exec('sleep 30', { timeoutMs: 300 })).rejects.toBeInstanceOf(CommandTimeoutError);
    expect((await host.exec('echo still-usable')).stdout).toBe('still-usable\n');
  });

  it('round-trips files over SFTP with mode and atomic replace', async () => {
    await using t = await open();
    const host = t.host(endpointFor(sshd));
    const dir = join(sshd.dir, 'files', 'nested');
    await host.mkdir(dir, { mode: 0o700 });
    expect((await host.exec(`stat -c %a ${dir}`)).stdout.trim()).toBe('700');
    // As mkdir -p: parents get the default mode, an existing directory is left as it is.
    expect((await host.exec(`stat -c %a ${join(sshd.dir, 'files')}`)).stdout.trim()).toBe('755');
    await host.mkdir(dir, { mode: 0o755 });
    expect((await host.exec(`stat -c %a ${dir}`)).stdout.trim()).toBe('700');
    await host.exec(`touch ${join(sshd.dir, 'files', 'plain')}`);
    await expect(host.mkdir(join(sshd.dir, 'files', 'plain'))).rejects.toThrow(/plain.*not a directory/);
    const file = join(dir, 'key.pem');
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    await host.putFile(file, bytes, { mode: 0o600 });
    expect((await host.getFile(file)).equals(bytes)).toBe(true);
    expect((await host.exec(`stat -c %a ${file}`)).stdout.trim()).toBe('600');
    const inodeBefore = (await host.exec(`stat -c %i ${file}`)).stdout;
    await host.putFile(file, 'replaced', { mode: 0o640 });
    expect((await host.getFile(file)).toString()).toBe('replaced');
    expect((await host.exec(`stat -c %a ${file}`)).stdout.trim()).toBe('640');
    // A new inode proves rename-over rather than rewrite in place; no temp file is left behind.
    expect((await host.exec(`stat -c %i ${file}`)).stdout).not.toBe(inodeBefore);
    expect((await host.exec(`ls -A ${dir}`)).stdout.trim()).toBe('key.pem');
    expect(await host.exists(file)).toBe(true);
    // A file, a flat directory (SFTP) and a deeper tree (one rm -rf) all go.
    await host.putFile(join(dir, 'other'), 'x');
    await host.remove(join(dir, 'other'));
    expect(await host.exists(join(dir, 'other'))).toBe(false);
    await expect(host.remove(dir)).rejects.toThrow(/is a directory/);
    await host.mkdir(join(sshd.dir, 'files', 'flat'));
    await host.putFile(join(sshd.dir, 'files', 'flat', 'owner.json'), '{}');
    await host.remove(join(sshd.dir, 'files', 'flat'), { recursive: true });
    expect(await host.exists(join(sshd.dir, 'files', 'flat'))).toBe(false);
    await host.remove(join(sshd.dir, 'files'), { recursive: true });
    expect(await host.exists(file)).toBe(false);
    await host.remove(join(sshd.dir, 'files'), { recursive: true }); // missing is fine
  });

  it('refuses an unknown host key with its fingerprint and the trust command, running nothing', async () => {
    await using t = await open(join(sshd.dir, 'empty_known_hosts'));
    const marker = join(sshd.dir, 'ran-unknown');
    const err = await t.host(endpointFor(sshd)).exec(`touch ${marker}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    const e = err as HostKeyUnknownError;
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain(fingerprintOf(sshd.hostPublicKey));
    expect(e.hint).toContain('drover hosts trust --config /etc/drover/cluster.yml');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a mismatched host key, running nothing', async () => {
    const other = join(sshd.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const wrong = join(sshd.dir, 'wrong_known_hosts');
    const otherPub = execFileSync('cat', [other + '.pub'], { encoding: 'utf8' }).split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(wrong, `[127.0.0.1]:${sshd.port} ${otherPub}\n`);
    await using t = await open(wrong);
    const marker = join(sshd.dir, 'ran-mismatch');
    const err = await t.host(endpointFor(sshd)).exec(`touch ${marker}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).exitCode).toBe(4);
    expect(existsSync(marker)).toBe(false);
  });

  it('accepts a hashed known_hosts entry (ssh-keygen -H)', async () => {
    const hashed = join(sshd.dir, 'hashed_known_hosts');
    writeFileSync(hashed, sshd.knownHostsLine + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed]);
    expect(execFileSync('cat', [hashed], { encoding: 'utf8' })).toMatch(/^\|1\|/);
    await using t = await open(hashed);
    expect((await t.host(endpointFor(sshd)).exec('echo ok')).stdout).toBe('ok\n');
  });

  it('logs in with a passphrase-protected key (passphrase from the environment) or through ssh-agent', async () => {
    const dir = mkdtempSync(join(sshd.dir, 'keys-'));
    const key = join(dir, 'id_pass');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', key]);
    writeFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(sshd.clientKeyPath + '.pub', 'utf8') + readFileSync(key + '.pub', 'utf8'));
    const withKey: SshEndpoint = { ...endpointFor(sshd), sshKeyPath: key };
    const noPass = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, {});
    const err = await noPass.host(withKey).exec('true').catch((e: unknown) => e);
    await noPass.close();
    expect((err as Error).message).toMatch(/passphrase|Encrypted/i);
    expect((err as { transient?: boolean }).transient).toBe(false);
    const withPass = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, { DROVER_SSH_KEY_PASSPHRASE: 'correct horse' });
    expect((await withPass.host(withKey).exec('echo pass')).stdout).toBe('pass\n');
    await withPass.close();

    const agentSock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    try {
      await expect.poll(() => existsSync(agentSock)).toBe(true);
      execFileSync('ssh-add', [sshd.clientKeyPath], { env: { SSH_AUTH_SOCK: agentSock }, stdio: 'ignore' });
      const viaAgent: SshEndpoint = { address: '127.0.0.1', port: sshd.port, user: 'root', sshAgentAuth: true };
      await using t = await openTransport({ knownHostsPath: knownHosts, configPath: 'c.yml' }, { SSH_AUTH_SOCK: agentSock });
      expect((await t.host(viaAgent).exec('echo agent')).stdout).toBe('agent\n');
    } finally {
      agent.kill();
    }
  });

  it('recovers when the connection is killed mid-run', async () => {
    await using t = await open();
    const host = t.host(endpointFor(sshd));
    expect((await host.exec('echo before')).stdout).toBe('before\n');
    // The shell's parent is the sshd process serving this connection: kill it, as a crash would.
    const sessionPid = Number((await host.exec('echo $PPID')).stdout.trim());
    expect(sessionPid).toBeGreaterThan(1);
    const running = host.exec('sleep 20');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(sessionPid, 'SIGKILL');
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect((err as ConnectionLostError).transient).toBe(true);
    expect((await host.exec('echo after')).stdout).toBe('after\n');
    expect(t.pool.connectionsOpened()).toEqual({ [`127.0.0.1:${sshd.port}`]: 2 });
  });

  it('reaches a node through a bastion, and reconnects both when the bastion drops', async () => {
    const bastion = await startLoopbackSshd({ clientKeyPath: sshd.clientKeyPath });
    try {
      const kh = join(sshd.dir, 'bastion_known_hosts');
      writeFileSync(kh, `${sshd.knownHostsLine}\n${bastion.knownHostsLine}\n`);
      await using t = await openTransport(
        { knownHostsPath: kh, configPath: 'cluster.yml', bastion: endpointFor(bastion) },
        {},
      );
      const host = t.host(endpointFor(sshd));
      expect((await host.exec('echo via-bastion')).stdout).toBe('via-bastion\n');
      expect(t.pool.connectionsOpened()).toEqual({ [`127.0.0.1:${bastion.port}`]: 1, [`127.0.0.1:${sshd.port}`]: 1 });
      // The node's connection rides inside the bastion's: killing the bastion session drops both.
      const pids = sessionPids(bastion.pid);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      expect((await host.exec('echo again')).stdout).toBe('again\n');
      expect(t.pool.connectionsOpened()).toEqual({ [`127.0.0.1:${bastion.port}`]: 2, [`127.0.0.1:${sshd.port}`]: 2 });
    } finally {
      await bastion.stop();
    }
  });
});
