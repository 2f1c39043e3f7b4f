import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { busyboxRootfsTarball, importImageCommand, LAB_BUSYBOX_IMAGE } from '../../src/lab/images.js';
import type { ClusterModel, SshEndpoint } from '../../src/model/cluster.js';
import type { SshDocker } from '../../src/transport/docker-over-ssh.js';
import { CommandTimeoutError, ConnectionLostError, HostKeyMismatchError, HostKeyUnknownError, isTransient } from '../../src/transport/errors.js';
import { openTransport, type NodeTransport } from '../../src/transport/session.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';
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

describeLab('Docker over SSH on lab nodes', { timeout: 120_000 }, () => {
  let lab: LabHandle;
  let model: ClusterModel;
  let t: NodeTransport;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-transport', nodes: 2 });
    ({ model } = await loadClusterModel(lab.clusterYmlPath, {}));
    t = await openTransport(model, {});
    const tarball = await busyboxRootfsTarball(process.env);
    const imported = await lab.exec(0, importImageCommand(tarball));
    expect(imported.code).toBe(0);
  });
  afterAll(async () => {
    await t?.close();
    await lab?.stop();
  });

  const node = (i: number) => model.nodes[i]!;

  it('runs a container of a locally built image: create, start, wait, logs, inspect, remove', async () => {
    const docker = t.docker(node(0));
    expect(await (docker as SshDocker).route()).toBe('stream-local');
    expect(await docker.imageExists(LAB_BUSYBOX_IMAGE)).toBe(true);
    expect(await docker.imageExists('drover-e2e/absent:1')).toBe(false);
    const name = 'drover-e2e-run';
    await docker.removeContainer(name, { force: true });
    await docker.createContainer({ name, image: LAB_BUSYBOX_IMAGE, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], labels: { 'io.drover.test': 'yes' } });
    await docker.startContainer(name);
    expect(await docker.waitContainer(name)).toBe(7);
    expect(await docker.containerLogs(name)).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    const info = await docker.inspectContainer(name);
    expect(info).toMatchObject({ name, image: LAB_BUSYBOX_IMAGE, state: 'exited', running: false, exitCode: 7, labels: { 'io.drover.test': 'yes' } });
    await docker.removeContainer(name);
    expect(await docker.inspectContainer(name)).toBeUndefined();
    await docker.removeContainer(name); // already gone: fine
  });

  it('execs in a running container with stdin, then stops it', async () => {
    const docker = t.docker(node(0));
    const name = 'drover-e2e-exec';
    await docker.removeContainer(name, { force: true });
    await docker.createContainer({ name, image: LAB_BUSYBOX_IMAGE, cmd: ['sleep', '300'], networkMode: 'host' });
    await docker.startContainer(name);
    await docker.startContainer(name); // already running: fine
    expect(await docker.exec(name, ['cat'], { stdin: 'secret via stdin' })).toEqual({ code: 0, stdout: 'secret via stdin', stderr: '' });
    expect(await docker.exec(name, ['sh', '-c', 'echo e >&2; exit 3'])).toEqual({ code: 3, stdout: '', stderr: 'e\n' });
    expect((await docker.listContainers()).map((c) => c.name)).toContain(name);
    await docker.stopContainer(name, { timeoutSeconds: 1 });
    await docker.stopContainer(name, { timeoutSeconds: 1 });
    expect((await docker.inspectContainer(name))?.running).toBe(false);
    await docker.removeContainer(name, { force: true });
  });

  it('loads an image from a tar stream into another node', async () => {
    const tar = join(lab.dir, 'busybox-image.tar');
    expect((await lab.exec(0, `docker save ${LAB_BUSYBOX_IMAGE} > ${tar}`)).code).toBe(0);
    onTestFinished(() => rmSync(tar, { force: true }));
    const docker = t.docker(node(1));
    await lab.exec(1, `docker rmi -f ${LAB_BUSYBOX_IMAGE} >/dev/null 2>&1; true`);
    expect(await docker.imageExists(LAB_BUSYBOX_IMAGE)).toBe(false);
    await docker.loadImage(createReadStream(tar));
    expect(await docker.imageExists(LAB_BUSYBOX_IMAGE)).toBe(true);
  });

  it('recovers when dockerd restarts mid-run, on the same SSH connection', async () => {
    const docker = t.docker(node(1));
    expect((await docker.version()).apiVersion).toMatch(/^1\.\d+$/);
    const before = t.pool.connectionsOpened();
    expect((await lab.exec(1, 'kill $(cat /var/run/docker.pid)')).code).toBe(0);
    await expect.poll(async () => (await lab.exec(1, 'docker version --format "{{.Server.Version}}"')).code, { timeout: 10_000 }).not.toBe(0);
    const errors: unknown[] = [];
    let version: string | undefined;
    for (let i = 0; i < 60 && version === undefined; i++) {
      try {
        version = (await docker.version()).version;
      } catch (err) {
        errors.push(err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(version).toMatch(/^\d+\.\d+/);
    // Every failure while the daemon was away was marked transient, i.e. the executor retries it.
    expect(errors.every((e) => isTransient(e))).toBe(true);
    expect(t.pool.connectionsOpened()).toEqual(before);
  });

  it('falls back to docker system dial-stdio when sshd refuses stream-local forwarding', async () => {
    const address = node(0).address;
    const dir = join(lab.dir, 'sshd-noforward');
    rmSync(dir, { recursive: true, force: true }); // host keys from an earlier lab must not be reused
    mkdirSync(dir, { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(lab.keyPath + '.pub'));
    writeFileSync(
      join(dir, 'sshd_config'),
      [`ListenAddress ${address}:2222`, `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
        'StrictModes no', 'UsePAM no', 'PasswordAuthentication no', 'AllowStreamLocalForwarding no', 'LogLevel ERROR'].join('\n') + '\n',
    );
    expect((await lab.exec(0, `/usr/sbin/sshd -f ${dir}/sshd_config`)).code).toBe(0);
    try {
      const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      const knownHosts = join(dir, 'known_hosts');
      writeFileSync(knownHosts, `[${address}]:2222 ${hostKey}\n`);
      await using t2 = await openTransport({ ...model, knownHostsPath: knownHosts }, {});
      const docker = t2.docker({ ...node(0), port: 2222 }) as SshDocker;
      expect(await docker.route()).toBe('dial-stdio');
      expect((await docker.version()).version).toMatch(/^\d+\.\d+/);
      expect(await docker.imageExists(LAB_BUSYBOX_IMAGE)).toBe(true);
      const name = 'drover-e2e-dial';
      await docker.removeContainer(name, { force: true });
      await docker.createContainer({ name, image: LAB_BUSYBOX_IMAGE, cmd: ['echo', 'through dial-stdio'] });
      await docker.startContainer(name);
      expect(await docker.waitContainer(name)).toBe(0);
      expect((await docker.containerLogs(name)).stdout).toBe('through dial-stdio\n');
      await docker.removeContainer(name);
      expect(t2.pool.connectionsOpened()).toEqual({ [`${address}:2222`]: 1 });
    } finally {
      await lab.exec(0, `kill $(cat ${dir}/sshd.pid)`);
    }
  });
});

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

