import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { etcdCertPaths, ETCD_CONTAINER } from '../../src/components/etcd.js';
import { loadClusterModel } from '../../src/config/index.js';
import type { ClusterModel } from '../../src/model/cluster.js';
import { memberHealthy, type EtcdClientTls } from '../../src/ops/etcdctl.js';
import { issueCertificate } from '../../src/pki/index.js';
import { openTransport, type NodeTransport } from '../../src/transport/session.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * etcd's health read as `GET /health` over TLS through the node's SSH connection (what `drover
 * up` waits on), against a real etcd member made by `drover up --until etcd` on one lab node.
 */
const bin = join(import.meta.dirname, '../../bin/drover');

describeLab('etcd health over TLS through SSH', { timeout: 300_000 }, () => {
  let lab: LabHandle;
  let env: NodeJS.ProcessEnv;
  let model: ClusterModel;
  let t: NodeTransport;
  let tls: EtcdClientTls;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-noop-health', nodes: 1 });
    const pw = join(lab.dir, 'registry-password');
    env = { ...process.env, CI: 'true', ...(existsSync(pw) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(pw, 'utf8').trim() } : {}) };
    const up = await execa(process.execPath, [bin, 'up', '--until', 'etcd', '--config', lab.clusterYmlPath, '--output', 'plain'], { env, reject: false });
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    ({ model } = await loadClusterModel(lab.clusterYmlPath, env));
    t = await openTransport(model, env);
    // The member's own certificate is a client of its CA too (peer usage): read it from the node.
    const paths = etcdCertPaths(model.nodes[0]!);
    const host = t.host(model.nodes[0]!);
    const [ca, cert, key] = await Promise.all([paths.ca, paths.cert, paths.key].map(async (p) => (await host.getFile(p)).toString()));
    tls = { ca: ca!, cert: cert!, key: key! };
  });
  afterAll(async () => {
    await t?.close();
    if (lab) await execa(process.execPath, [bin, 'remove', '--force', '--config', lab.clusterYmlPath], { env, reject: false });
    await lab?.stop();
  });

  const node = () => model.nodes[0]!;
  const route = (over: Partial<EtcdClientTls> = {}) => ({ pool: t.pool, node: node(), tls: { ...tls, ...over } });

  it('a running member is healthy over TLS, agreeing with etcdctl in the container', async () => {
    const docker = t.docker(node());
    expect(await memberHealthy(docker, route())).toEqual({ healthy: true, detail: 'healthy' });
    expect((await memberHealthy(docker)).healthy).toBe(true);
  });

  it('a client certificate from another CA is refused, and the detail says TLS failed', async () => {
    const stranger = issueCertificate(
      { name: 'stranger', commonName: 'stranger', organizations: [], dnsNames: [], ipAddresses: [], usage: 'ca' },
      undefined,
      undefined,
      { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) },
    );
    const r = await memberHealthy(t.docker(node()), route({ cert: stranger.certPem, key: stranger.keyPem! }));
    expect(r.healthy).toBe(false);
    expect(r.detail).toMatch(/TLS|socket|certificate|handshake/i);
  });

  it('a stopped member is unhealthy and the detail names the container state, then healthy again once started', async () => {
    const docker = t.docker(node());
    await docker.stopContainer(ETCD_CONTAINER, { timeoutSeconds: 5 });
    try {
      const r = await memberHealthy(docker, route());
      expect(r).toEqual({ healthy: false, detail: expect.stringMatching(/^container exited/) as unknown as string });
    } finally {
      await docker.startContainer(ETCD_CONTAINER);
    }
    let healthy = false;
    for (let i = 0; i < 60 && !healthy; i++) {
      healthy = (await memberHealthy(docker, route())).healthy;
      if (!healthy) await new Promise((r) => setTimeout(r, 500));
    }
    expect(healthy).toBe(true);
  });
});
