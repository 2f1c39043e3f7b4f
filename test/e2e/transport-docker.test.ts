import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { busyboxRootfsTarball, importImageCommand, LAB_BUSYBOX_IMAGE } from '../../src/lab/images.js';
import type { ClusterModel } from '../../src/model/cluster.js';
import type { SshDocker } from '../../src/transport/docker-over-ssh.js';
import { isTransient } from '../../src/transport/errors.js';
import { openTransport, type NodeTransport } from '../../src/transport/session.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/** A lab cluster.yml may read its registry password from the environment. */
function labEnv(lab: LabHandle): Record<string, string | undefined> {
  const file = join(lab.dir, 'registry-password');
  return existsSync(file) ? { ...process.env, DROVER_LAB_REGISTRY_PASSWORD: readFileSync(file, 'utf8').trim() } : { ...process.env };
}

describeLab('Docker over SSH on lab nodes', { timeout: 120_000 }, () => {
  let lab: LabHandle;
  let model: ClusterModel;
  let t: NodeTransport;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-transport', nodes: 2 });
    ({ model } = await loadClusterModel(lab.clusterYmlPath, labEnv(lab)));
    t = await openTransport(model, {});
    await importBusybox(0);
  });

  // Files reach nodes through the transport itself, so the tests hold whatever the lab keeps
  // private (a node may not see the host's /root).
  const NODE_DIR = '/var/tmp/drover-e2e';
  async function importBusybox(i: number): Promise<void> {
    const host = t.host(node(i));
    await host.mkdir(NODE_DIR);
    await host.putFile(`${NODE_DIR}/rootfs.tar`, readFileSync(await busyboxRootfsTarball(process.env)));
    const imported = await host.exec(importImageCommand(`${NODE_DIR}/rootfs.tar`));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    await host.remove(`${NODE_DIR}/rootfs.tar`);
  }
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
    const tar = `${NODE_DIR}/busybox-image.tar`;
    const from = t.host(node(0));
    expect((await from.exec(`docker save ${LAB_BUSYBOX_IMAGE} > ${tar}`)).code).toBe(0);
    const saved = await from.getFile(tar);
    await from.remove(tar);
    const docker = t.docker(node(1));
    await lab.exec(1, `docker rmi -f ${LAB_BUSYBOX_IMAGE} >/dev/null 2>&1; true`);
    expect(await docker.imageExists(LAB_BUSYBOX_IMAGE)).toBe(false);
    await docker.loadImage(Readable.from([saved]));
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
    const host = t.host(node(0));
    const local = mkdtempSync(join(tmpdir(), 'drover-e2e-sshd-'));
    onTestFinished(() => rmSync(local, { recursive: true, force: true }));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(local, 'host_key')]);
    const dir = `${NODE_DIR}/sshd-noforward`;
    await host.mkdir(dir, { mode: 0o700 });
    await host.putFile(`${dir}/host_key`, readFileSync(join(local, 'host_key')), { mode: 0o600 });
    await host.putFile(`${dir}/authorized_keys`, readFileSync(lab.keyPath + '.pub'));
    const config = [`ListenAddress ${address}:2222`, `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
      'StrictModes no', 'UsePAM no', 'PasswordAuthentication no', 'AllowStreamLocalForwarding no', 'LogLevel ERROR'];
    await host.putFile(`${dir}/sshd_config`, config.join('\n') + '\n');
    const started = await host.exec(`/usr/sbin/sshd -f ${dir}/sshd_config`);
    expect(started.stderr).toBe('');
    try {
      const hostKey = readFileSync(join(local, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      const knownHosts = join(local, 'known_hosts');
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
      await host.exec(`kill $(cat ${dir}/sshd.pid); rm -rf ${dir}`);
    }
  });

  it('pulls from a private registry only with the right credentials (sent as a header, never argv)', async () => {
    const host = t.host(node(1));
    const dir = `${NODE_DIR}/registry`;
    await host.mkdir(`${dir}/data`);
    await host.putFile(`${dir}/htpasswd`, execFileSync('htpasswd', ['-Bbn', 'drover', 's3cret pass'], { encoding: 'utf8' }));
    await host.putFile(
      `${dir}/config.yml`,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:5000\nauth:\n  htpasswd:\n    realm: drover\n    path: ${dir}/htpasswd\n`,
    );
    // Registry inside node 1 on its loopback: dockerd treats 127.0.0.0/8 registries as insecure.
    const started = await host.exec(`setsid docker-registry serve ${dir}/config.yml </dev/null >${dir}/log 2>&1 & echo $!`);
    onTestFinished(async () => {
      await host.exec(`kill ${started.stdout.trim()}; rm -rf ${dir}`);
    });
    const ref = '127.0.0.1:5000/drover/busybox:e2e';
    await expect.poll(async () => (await lab.exec(1, "grep -q ':1388 00000000:0000 0A' /proc/net/tcp && echo up")).stdout, { timeout: 15_000 }).toBe('up');
    if (!(await t.docker(node(1)).imageExists(LAB_BUSYBOX_IMAGE))) await importBusybox(1);
    const push = await host.exec(
      `docker tag ${LAB_BUSYBOX_IMAGE} ${ref} && docker login -u drover --password-stdin 127.0.0.1:5000 >/dev/null && docker push ${ref} >/dev/null && docker logout 127.0.0.1:5000 >/dev/null && docker rmi ${ref} >/dev/null`,
      { stdin: 's3cret pass\n' },
    );
    expect(push.stderr).not.toMatch(/error|denied/i);
    expect(push.code).toBe(0);
    const docker = t.docker(node(1));
    expect(await docker.imageExists(ref)).toBe(false);
    const anonymous = await docker.pullImage(ref).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(Error);
    expect(isTransient(anonymous)).toBe(false);
    const wrong = await docker.pullImage(ref, { serveraddress: '127.0.0.1:5000', username: 'drover', password: 'nope' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Error);
    await docker.pullImage(ref, { serveraddress: '127.0.0.1:5000', username: 'drover', password: 's3cret pass' });
    expect(await docker.imageExists(ref)).toBe(true);
  });
});
