import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StateStore, statePathFor } from '../../src/state/index.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * `drover etcd snapshot-save/-list/-restore` on three real lab nodes: 10,000 keys written, a
 * snapshot taken, 1,000 deleted, 1,000 changed and 500 added, the snapshot restored → exactly
 * the 10,000 original keys and values, a healthy cluster with a new token, and the state saved.
 * The state is encrypted, so the archive must carry it still encrypted.
 */
const DROVER = join(import.meta.dirname, '..', '..', 'bin', 'drover');
const STATE_KEY = `e2e-snapshot-${randomBytes(8).toString('hex')}`;
const ENV: Record<string, string> = { CI: '1', DROVER_STATE_KEY: STATE_KEY };
const LAB_ETCD_IMAGE = 'drover-lab/etcd:v3.4.23';
const KEYS = 10_000;

async function drover(args: string[]) {
  const started = Date.now();
  const r = await execa(DROVER, args, { reject: false, env: ENV });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started, lines: jsonLines(r.stdout) };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Until `drover lab up` writes system_images itself: an etcd image imported on every node. */
async function ensureEtcdImage(lab: LabHandle): Promise<void> {
  const doc = yaml.load(await readFile(lab.clusterYmlPath, 'utf8')) as Record<string, unknown>;
  if ((doc['system_images'] as Record<string, unknown> | undefined)?.['etcd']) return;
  const root = await mkdtemp(join(tmpdir(), 'drover-etcd-rootfs-'));
  const tar = join(lab.dir, 'etcd-rootfs.tar');
  try {
    const busybox = (await execa('sh', ['-c', 'ls /var/cache/drover-lab/busybox-rootfs-*.tar | head -1'])).stdout.trim();
    await execa('sh', [
      '-c',
      `set -e; tar -xf "$1" -C "$2"; cd "$2"; mkdir -p usr/local/bin lib/x86_64-linux-gnu lib64 tmp var/lib/rancher/etcd; chmod 1777 tmp
       cp /usr/bin/etcd /usr/bin/etcdctl usr/local/bin/; cp /lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/; cp /lib64/ld-linux-x86-64.so.2 lib64/
       tar -cf "$3" .`,
      'sh', busybox, root, tar,
    ]);
    const imported = await Promise.all(
      lab.nodes.map((_n, i) => lab.exec(i, `docker import -c 'ENTRYPOINT ["/usr/local/bin/etcd"]' -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' ${tar} ${LAB_ETCD_IMAGE}`)),
    );
    for (const r of imported) expect(r.code, r.stderr).toBe(0);
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(tar, { force: true });
  }
  doc['system_images'] = { etcd: LAB_ETCD_IMAGE };
  await writeFile(lab.clusterYmlPath, yaml.dump(doc));
}

/** etcd's gRPC gateway (JSON over HTTPS) with the node's own client certificate. */
interface EtcdClient {
  call(path: string, body: unknown): Promise<Record<string, unknown>>;
}

async function etcdClient(lab: LabHandle, nodeIndex: number): Promise<EtcdClient> {
  const env = (await lab.exec(nodeIndex, 'docker exec etcd env')).stdout;
  const setting = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(env)?.[1] ?? '';
  const read = async (path: string) => (await lab.exec(nodeIndex, `cat ${path}`)).stdout;
  const [ca, cert, key] = await Promise.all([read(setting('ETCDCTL_CACERT')), read(setting('ETCDCTL_CERT')), read(setting('ETCDCTL_KEY'))]);
  const address = lab.nodes[nodeIndex]!.address;
  return {
    call: (path, body) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = request({ host: address, port: 2379, path, method: 'POST', ca, cert, key, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as Record<string, unknown>) : reject(new Error(`${path}: HTTP ${res.statusCode} ${text}`))));
        });
        req.on('error', reject);
        req.end(payload);
      }),
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: unknown) => Buffer.from(String(s ?? ''), 'base64').toString();
const keyName = (i: number) => `k/${String(i).padStart(5, '0')}`;

/** Puts and deletes in transactions of 100 operations, 8 transactions in flight. */
async function writeBatches(client: EtcdClient, ops: ({ put: [string, string] } | { del: string })[]): Promise<void> {
  const batches: (typeof ops)[] = [];
  for (let i = 0; i < ops.length; i += 100) batches.push(ops.slice(i, i + 100));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const success = batch.map((op) => ('put' in op ? { request_put: { key: b64(op.put[0]), value: b64(op.put[1]) } } : { request_delete_range: { key: b64(op.del) } }));
      const r = await client.call('/v3/kv/txn', { success });
      if (r['succeeded'] !== true) throw new Error(`txn not applied: ${JSON.stringify(r).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Every key under k/ with its value. */
async function readAll(client: EtcdClient): Promise<Map<string, string>> {
  const r = await client.call('/v3/kv/range', { key: b64('k/'), range_end: b64('k0') });
  const kvs = (r['kvs'] as { key: string; value?: string }[] | undefined) ?? [];
  return new Map(kvs.map((kv) => [unb64(kv.key), unb64(kv.value)]));
}

describeLab('drover etcd snapshot-save / -list / -restore on 3 lab nodes', { timeout: 600_000 }, () => {
  let lab: LabHandle;
  let config: string;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-snapshot', nodes: 3 });
    config = lab.clusterYmlPath;
    // When the lab serves its images from its registry, cluster.yml reads the password from the environment.
    const password = await readFile(join(lab.dir, 'registry-password'), 'utf8').catch(() => undefined);
    if (password !== undefined) ENV['DROVER_LAB_REGISTRY_PASSWORD'] = password.trim();
    await ensureEtcdImage(lab);
    const up = await drover(['up', '--until', 'etcd', '--config', config, '--output', 'json']);
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    if (Object.keys(figures).length) console.log(`etcd snapshot figures (3 nodes): ${JSON.stringify(figures)}`);
    await lab?.stop();
    // lab down removes only its own files from DIR; the state drover wrote beside cluster.yml is ours.
    if (config) for (const suffix of ['', '.bak', '.journal', '.lock']) await rm(statePathFor(config) + suffix, { force: true, recursive: true });
  });

  it('restores exactly the 10,000 keys the snapshot held', async () => {
    const client = await etcdClient(lab, 0);
    const original = new Map(Array.from({ length: KEYS }, (_v, i) => [keyName(i), `v${i}-${randomBytes(6).toString('hex')}`] as const));
    await writeBatches(client, [...original].map(([k, v]) => ({ put: [k, v] })));
    expect(await readAll(client)).toEqual(original);

    // The snapshot directory exists on the node (bind made before etcd started).
    expect((await lab.exec(1, 'test -d /opt/drover/etcd-snapshots && echo yes')).stdout).toBe('yes');

    const save = await drover(['etcd', 'snapshot-save', '--config', config, '--name', 'ten-thousand', '--output', 'json']);
    expect(save.code, save.stderr).toBe(0);
    figures['saveMs'] = save.ms;
    expect(save.lines.filter((e) => e['type'] === 'task-done').map((e) => e['id'])).toHaveLength(3);

    // The archive holds the snapshot and the state as stored: encrypted, byte for byte.
    const statePath = statePathFor(config);
    const storedState = await readFile(statePath, 'utf8');
    expect(storedState).not.toContain('"pki"');
    const inArchive = await lab.exec(2, 'tar -xzOf /opt/drover/etcd-snapshots/ten-thousand.tar.gz ./cluster.droverstate');
    expect(inArchive.stdout).toBe(storedState.trim());
    const check = await lab.exec(2, 'cd /opt/drover/etcd-snapshots && sha256sum -c ten-thousand.tar.gz.sha256');
    expect(check.code, check.stderr).toBe(0);

    // A second save under the same name is refused; a default name is a timestamp.
    const again = await drover(['etcd', 'snapshot-save', '--config', config, '--name', 'ten-thousand']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');

    const list = await drover(['etcd', 'snapshot-list', '--config', config, '--output', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const row = list.lines.find((e) => e['name'] === 'ten-thousand');
    expect(row?.['nodes']).toEqual(lab.nodes.map((n) => n.address));
    expect(Number(row?.['sizeBytes'])).toBeGreaterThan(100_000);

    // Node 3 loses its copy: restore must copy the snapshot there.
    await lab.exec(2, 'rm /opt/drover/etcd-snapshots/ten-thousand.tar.gz /opt/drover/etcd-snapshots/ten-thousand.tar.gz.sha256');

    // Delete 1,000, change 1,000, add 500 — and see that it took.
    const changes: ({ put: [string, string] } | { del: string })[] = [];
    for (let i = 0; i < 1000; i++) changes.push({ del: keyName(i) });
    for (let i = 1000; i < 2000; i++) changes.push({ put: [keyName(i), `changed-${i}`] });
    for (let i = KEYS; i < KEYS + 500; i++) changes.push({ put: [keyName(i), `added-${i}`] });
    await writeBatches(client, changes);
    const changed = await readAll(client);
    expect(changed.size).toBe(KEYS - 1000 + 500);
    expect(changed.get(keyName(1500))).toBe('changed-1500');

    const tokenBefore = (await new StateStore(statePath, { source: 'DROVER_STATE_KEY', secret: STATE_KEY }).load())?.etcd?.clusterToken;
    const missing = await drover(['etcd', 'snapshot-restore', '--config', config, '--name', 'no-such-snapshot']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no etcd node holds a snapshot named no-such-snapshot');

    // A damaged archive (one byte more than its checksum says) is caught before etcd is touched.
    await lab.exec(0, 'cd /opt/drover/etcd-snapshots && cp ten-thousand.tar.gz damaged.tar.gz && cp ten-thousand.tar.gz.sha256 damaged.tar.gz.sha256 && echo x >> damaged.tar.gz');
    const damaged = await drover(['etcd', 'snapshot-restore', '--config', config, '--name', 'damaged', '--output', 'plain']);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr + damaged.stdout).toContain('does not match its recorded checksum');
    expect(damaged.stderr).toContain('before any data was swapped');
    expect(await readAll(client)).toEqual(changed);
    await lab.exec(0, 'rm /opt/drover/etcd-snapshots/damaged.tar.gz /opt/drover/etcd-snapshots/damaged.tar.gz.sha256');

    const restore = await drover(['etcd', 'snapshot-restore', '--config', config, '--name', 'ten-thousand', '--output', 'json']);
    expect(restore.code, restore.stderr + restore.stdout.slice(-2000)).toBe(0);
    figures['restoreToHealthyMs'] = restore.ms;
    const done = restore.lines.filter((e) => e['type'] === 'task-done').map((e) => String(e['id']));
    expect(done).toContain(`etcd-restore/copy@${lab.nodes[2]!.address}`);
    expect(done).toContain('etcd-restore/healthy');

    // Every member serves exactly the original keys and values.
    for (let i = 0; i < lab.nodes.length; i++) {
      const restored = await readAll(await etcdClient(lab, i));
      expect(restored.size).toBe(KEYS);
      expect(restored).toEqual(original);
    }
    const health = await lab.exec(1, 'docker exec etcd etcdctl endpoint health --cluster');
    expect(health.code, health.stderr).toBe(0);
    // etcdctl 3.4 prints health to stderr.
    expect(`${health.stdout}\n${health.stderr}`.split('\n').filter((l) => l.includes('is healthy'))).toHaveLength(3);

    // The state records the new cluster; the old data and staged copies are gone; node 3 has the snapshot again.
    const state = await new StateStore(statePath, { source: 'DROVER_STATE_KEY', secret: STATE_KEY }).load();
    expect(state?.etcd?.clusterToken).toBeDefined();
    expect(state?.etcd?.clusterToken).not.toBe(tokenBefore);
    for (const n of lab.nodes) expect(state?.etcd?.members[n.address]).toEqual({ initialMembers: lab.nodes.map((m) => m.address), initialState: 'new' });
    for (let i = 0; i < lab.nodes.length; i++) {
      expect((await lab.exec(i, 'ls -A /var/lib/etcd')).stdout).toBe('member');
      expect((await lab.exec(i, 'ls -A /opt/drover/etcd-snapshots')).stdout.split('\n').sort()).toEqual(['ten-thousand.tar.gz', 'ten-thousand.tar.gz.sha256']);
    }

    // `drover up` agrees with what restore left: nothing to replace.
    const ids = async () => Promise.all(lab.nodes.map((_n, i) => lab.exec(i, 'docker inspect -f {{.Id}} etcd').then((r) => r.stdout)));
    const before = await ids();
    const up = await drover(['up', '--until', 'etcd', '--config', config, '--output', 'json']);
    expect(up.code, up.stderr).toBe(0);
    expect(await ids()).toEqual(before);
  });
});
