import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { busyboxRootfsTarball, importImageCommand, LAB_BUSYBOX_IMAGE } from '../../src/lab/images.js';
import type { ClusterModel } from '../../src/model/cluster.js';
import type { SshDocker } from '../../src/transport/docker-over-ssh.js';
import { isTransient } from '../../src/transport/errors.js';
import { openTransport, type NodeTransport } from '../../src/transport/session.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

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
