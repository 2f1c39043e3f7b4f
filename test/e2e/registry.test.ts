import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { ensureLabImages, labRegistryClusterFields, type LabImages } from '../../src/lab/lab-images.js';
import { labPaths } from '../../src/lab/paths.js';
import { isRunning } from '../../src/lab/proc.js';
import { labRegistryEndpoint, registryLink, registryPaths } from '../../src/lab/registry-config.js';
import { ensureLabRegistry, registryHealth, stopLabRegistry, type LabRef } from '../../src/lab/registry.js';
import { labNetwork } from '../../src/lab/layout.js';
import { manifestDigestOf, RegistrySession } from '../../src/lab/registry-push.js';
import { readLabState } from '../../src/lab/state.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * The lab's private registry for real: Debian docker-registry in its own network namespace on the
 * lab bridge with htpasswd auth, images pushed from Node without Docker, then pulled by a node's
 * own dockerd after `docker login` — the private-registry path drover's cluster.yml relies on.
 */

const NAME = 'e2e-registry';

describeLab('lab registry: push without Docker, pull from a node with auth', { timeout: 180_000 }, () => {
  let lab: LabHandle;
  let ref: LabRef;
  let images: LabImages;
  let dockerConfig = '';
  // A cache of its own: layers are built and every blob is pushed for real, not found from a past run.
  const cache = mkdtempSync(join(tmpdir(), 'drover-e2e-registry-'));
  const env = { ...process.env, DROVER_LAB_CACHE: cache };

  beforeAll(async () => {
    lab = await startLab({ name: NAME, nodes: 1 });
    const state = (await readLabState(labPaths(NAME).stateFile))!;
    ref = { name: state.name, dir: state.dir, network: state.network };
    // `lab up` started the registry on the machine's cache; this file wants one on its own empty cache.
    await stopLabRegistry(ref);
    images = await ensureLabImages(ref, env);
    dockerConfig = (await lab.exec(0, 'mktemp -d /tmp/drover-e2e-docker-XXXXXX')).stdout;
    await trustRegistryOnNode(lab, labRegistryEndpoint(ref).host);
  });

  afterAll(async () => {
    if (dockerConfig) await lab?.exec(0, `rm -rf ${dockerConfig}`);
    if (ref) await stopLabRegistry(ref);
    await lab?.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  it('runs in a namespace of its own at .2 of the lab subnet, with a 0600 password and bcrypt htpasswd', async () => {
    const endpoint = labRegistryEndpoint(ref);
    expect(images.registry.endpoint).toEqual(endpoint);
    expect(endpoint.address).toBe(`10.250.${ref.network.slot}.2`);
    const paths = registryPaths(ref.name, ref.dir);
    expect(statSync(paths.passwordFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(paths.passwordFile, 'utf8').trim()).toBe(images.registry.credentials.password);
    expect(readFileSync(paths.htpasswdFile, 'utf8')).toMatch(/^drover:\$2y\$\d\d\$/);
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8'));
    expect(await isRunning(state.process)).toBe(true);
    expect(readFileSync(`/proc/${state.process.pid}/comm`, 'utf8').trim()).toBe('docker-registry');
    expect(readlinkSync(`/proc/${state.process.pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect(readFileSync(`/sys/class/net/${registryLink(ref.network).hostVeth}/master/uevent`, 'utf8')).toContain(`INTERFACE=${ref.network.bridge}`);
  });

  it('asks for credentials and refuses a wrong password with 401', async () => {
    const base = images.registry.baseUrl;
    expect(await registryHealth(base, images.registry.credentials)).toBe('ok');
    expect(await registryHealth(base, { username: 'drover', password: 'wrong' })).toBe('rejected');
    const session = new RegistrySession(base, { username: 'drover', password: 'wrong' });
    try {
      await expect(manifestDigestOf(session, 'drover-lab/etcd', images.etcd.push.manifestDigest)).rejects.toThrow(/refused the credentials.*401/);
    } finally {
      session.close();
    }
    const login = await lab.exec(0, `DOCKER_CONFIG=${dockerConfig} docker login -u drover --password-stdin ${images.registry.endpoint.host}`, { input: 'wrong\n' });
    expect(login.code).not.toBe(0);
    expect(login.stderr).toMatch(/401|unauthorized/i);
  });

  it('pushed every blob once into the empty registry, mounting the shared busybox layer into etcd', () => {
    const counts = (p: LabImages['etcd']['push']) => [p.changed, p.uploadedBlobs, p.mountedBlobs, p.skippedBlobs];
    expect(counts(images.busybox.push)).toEqual([true, 2, 0, 0]);
    expect(counts(images.etcd.push)).toEqual([true, 2, 1, 0]);
  });

  it('holds the etcd and busybox images under the lab tags', async () => {
    const host = images.registry.endpoint.host;
    expect(images.etcd.reference).toBe(`${host}/drover-lab/etcd:v3.4.23`);
    expect(images.busybox.reference).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')}/drover-lab/busybox:\\d+\\.\\d+\\.\\d+$`));
    const session = new RegistrySession(images.registry.baseUrl, images.registry.credentials);
    try {
      expect(await manifestDigestOf(session, 'drover-lab/etcd', 'v3.4.23')).toBe(images.etcd.push.manifestDigest);
      expect(await manifestDigestOf(session, 'drover-lab/etcd', 'no-such-tag')).toBeUndefined();
    } finally {
      session.close();
    }
    expect(labRegistryClusterFields(images)).toEqual({
      private_registries: [{ url: host, user: 'drover', password: '${env:DROVER_LAB_REGISTRY_PASSWORD}', is_default: false }],
      system_images: { etcd: images.etcd.reference },
    });
  });

  it("gives cluster.yml keys drover loads, the password coming from the environment", async () => {
    const doc = { ...(yaml.load(readFileSync(lab.clusterYmlPath, 'utf8')) as object), ...labRegistryClusterFields(images) };
    const file = join(cache, 'cluster.yml');
    writeFileSync(file, yaml.dump(doc));
    const { model } = await loadClusterModel(file, { DROVER_LAB_REGISTRY_PASSWORD: images.registry.credentials.password }, { purpose: 'validate' });
    expect(model.privateRegistries).toEqual([
      { url: images.registry.endpoint.host, user: 'drover', password: images.registry.credentials.password, isDefault: false },
    ]);
    expect(model.systemImages['etcd']).toBe(images.etcd.reference);
    await expect(loadClusterModel(file, {}, { purpose: 'validate' })).rejects.toThrow(/DROVER_LAB_REGISTRY_PASSWORD/);
  });

  it('a node logs in (password on stdin), pulls etcd and runs etcd, etcdctl and a shell from it', async () => {
    const host = images.registry.endpoint.host;
    const docker = `DOCKER_CONFIG=${dockerConfig} docker`;
    const login = await lab.exec(0, `${docker} login -u drover --password-stdin ${host}`, { input: images.registry.credentials.password + '\n' });
    expect(login.stderr + login.stdout).toMatch(/Login Succeeded/);
    const pull = await lab.exec(0, `${docker} pull ${images.etcd.reference}`);
    expect(pull.code, pull.stderr).toBe(0);
    const digest = await lab.exec(0, `${docker} image inspect --format '{{index .RepoDigests 0}}' ${images.etcd.reference}`);
    expect(digest.stdout).toBe(`${host}/drover-lab/etcd@${images.etcd.push.manifestDigest}`);
    const version = await lab.exec(0, `${docker} run --rm ${images.etcd.reference} etcd --version`);
    expect(version.stdout).toMatch(/^etcd Version: 3\.4\.23$/m);
    const ctl = await lab.exec(0, `${docker} run --rm ${images.etcd.reference} etcdctl version`);
    expect(ctl.stdout).toMatch(/^etcdctl version: 3\.4\.23$/m);
    const shell = await lab.exec(0, `${docker} run --rm ${images.etcd.reference} sh -c 'ls -d /var/lib/rancher/etcd /tmp && echo "$ETCDCTL_API"'`);
    expect(shell.stdout.split('\n')).toEqual(['/tmp', '/var/lib/rancher/etcd', '3']);
    // A real member: serves on the node's loopback with its data under /var/lib/rancher/etcd.
    const run = await lab.exec(0, `${docker} run -d --name e2e-registry-etcd ${images.etcd.reference} etcd --data-dir /var/lib/rancher/etcd`);
    expect(run.code, run.stderr).toBe(0);
    try {
      let health = { code: 1, stdout: '', stderr: '' };
      for (let i = 0; i < 50 && health.code !== 0; i++) {
        health = await lab.exec(0, `${docker} exec e2e-registry-etcd etcdctl --dial-timeout=1s endpoint health`);
        if (health.code !== 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health.stdout + health.stderr).toMatch(/127\.0\.0\.1:2379 is healthy/);
      const put = await lab.exec(0, `${docker} exec e2e-registry-etcd sh -c 'etcdctl put k v >/dev/null && etcdctl get --print-value-only k'`);
      expect(put.stdout).toBe('v');
    } finally {
      await lab.exec(0, `${docker} rm -f e2e-registry-etcd`);
    }
    const busybox = await lab.exec(0, `${docker} pull ${images.busybox.reference} >/dev/null && ${docker} run --rm ${images.busybox.reference} echo pod-ok`);
    expect(busybox.stdout).toBe('pod-ok');
  });

  it('is idempotent, and pushed images outlive a registry restart (storage cached per machine)', async () => {
    const again = await ensureLabImages(ref, env);
    expect(again.registry.started).toBe(false);
    expect([again.etcd.push.changed, again.busybox.push.changed]).toEqual([false, false]);
    await stopLabRegistry(ref, { keepPassword: true });
    expect(existsSync(`/sys/class/net/${registryLink(ref.network).hostVeth}`)).toBe(false);
    expect(await registryHealth(images.registry.baseUrl, images.registry.credentials)).toBe('down');
    const restarted = await ensureLabImages(ref, env);
    expect(restarted.registry.started).toBe(true);
    expect(restarted.registry.credentials.password).toBe(images.registry.credentials.password);
    expect([restarted.etcd.push.changed, restarted.busybox.push.changed]).toEqual([false, false]);
    expect(restarted.etcd.push.manifestDigest).toBe(images.etcd.push.manifestDigest);
  });

  it('refuses to start without the lab bridge, leaving nothing running', async () => {
    const slot = [...Array(255).keys()].find((n) => !existsSync(`/sys/class/net/${labNetwork(n).bridge}`))!;
    const orphan: LabRef = { name: 'e2e-registry-nobridge', dir: join(cache, 'nobridge'), network: labNetwork(slot) };
    await expect(ensureLabRegistry(orphan, env)).rejects.toThrow(/bridge drlab\d+ is missing/);
    expect(existsSync(registryPaths(orphan.name, orphan.dir).stateFile)).toBe(false);
    await stopLabRegistry(orphan);
    expect(existsSync(registryPaths(orphan.name, orphan.dir).passwordFile)).toBe(false);
  });

  it('stops by PID and leaves no process, veth or runtime files', async () => {
    const paths = registryPaths(ref.name, ref.dir);
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8'));
    await stopLabRegistry(ref);
    expect(await isRunning(state.process)).toBe(false);
    expect(existsSync(`/sys/class/net/${registryLink(ref.network).hostVeth}`)).toBe(false);
    expect(existsSync(paths.runDir)).toBe(false);
    expect(existsSync(paths.passwordFile)).toBe(false);
  });
});

/**
 * Nodes reach the registry over plain HTTP, so their dockerd must list it in insecure-registries.
 * `drover lab up` owns daemon.json; until it writes the entry itself, add it here and reload.
 */
async function trustRegistryOnNode(lab: LabHandle, host: string): Promise<void> {
  const listed = await lab.exec(0, `jq -e --arg h ${host} '(."insecure-registries" // []) | index($h)' /etc/docker/daemon.json`);
  if (listed.code === 0) return;
  const patch = await lab.exec(
    0,
    `jq --arg h ${host} '."insecure-registries" = ((."insecure-registries" // []) + [$h])' /etc/docker/daemon.json >/etc/docker/daemon.json.new` +
      ` && mv /etc/docker/daemon.json.new /etc/docker/daemon.json && kill -HUP "$(cat /run/docker.pid)"`,
  );
  expect(patch.code, patch.stderr).toBe(0);
  for (let i = 0; i < 100; i++) {
    const info = await lab.exec(0, "docker info --format '{{json .RegistryConfig.IndexConfigs}}'");
    if (info.stdout.includes(host)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dockerd on ${lab.nodes[0]!.hostname} did not take ${host} as an insecure registry`);
}
