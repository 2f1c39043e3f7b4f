import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { utilGetKubeconfig } from '../../src/actions/util-get-kubeconfig.js';
import type { IoHost } from '../../src/cli/io.js';
import { writeAdminKubeconfig } from '../../src/kube/admin-kubeconfig.js';
import { adminKubeconfigPath } from '../../src/pki/index.js';
import { StateStore, statePathFor } from '../../src/state/index.js';
import { K8S_BIN, describeApiServer, startApiServer, type ApiServerFixture } from './apiserver-fixture.js';

/** The admin kubeconfig drover writes works with the real kubectl v1.20.2 against a real apiserver. */
describeApiServer('admin kubeconfig with kubectl', () => {
  let api: ApiServerFixture;
  const kubectl = join(K8S_BIN, 'kubectl');
  beforeAll(async () => {
    api = await startApiServer('kubeconfig');
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  const run = (file: string, args: string[]) => execa(kubectl, ['--kubeconfig', file, ...args], { reject: false, timeout: 30_000 });

  it('is written 0600 and lets kubectl in as cluster admin, through the LB address or each node', async () => {
    // The fixture's apiserver listens on 127.0.0.1:<port>; authentication.sans[0] plays the LB.
    const model = { ...api.model, sans: ['127.0.0.1'] };
    writeFileSync(model.configPath, '# placeholder\n');
    writeFileSync(adminKubeconfigPath(model.configPath), 'old', { mode: 0o644 });
    const path = await writeAdminKubeconfig(model, api.pki);
    expect(path).toBe(join(api.dir, 'kube_config_cluster.yml'));
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const contexts = await run(path, ['config', 'get-contexts', '-o', 'name']);
    expect(contexts.stdout.split('\n').sort()).toEqual(['local', 'local-10.250.255.1']);
    const doc = yaml.load(readFileSync(path, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
    expect(doc.clusters.map((c) => c.cluster.server)).toEqual(['https://127.0.0.1:6443', 'https://10.250.255.1:6443']);

    // kubectl to the fixture's port (the default 6443 is not ours to take): TLS verified against kube-ca.
    const server = `https://127.0.0.1:${api.port}`;
    const ns = await run(path, ['--server', server, 'get', 'namespaces', '-o', 'name']);
    expect(ns.stderr).toBe('');
    expect(ns.stdout).toContain('namespace/kube-system');
    const can = await run(path, ['--server', server, 'auth', 'can-i', '*', '*']);
    expect(can.stdout.trim()).toBe('yes');
  });

  it('drover util get-kubeconfig rebuilds it from the state, and says what is missing when there is none', async () => {
    const configPath = api.model.configPath;
    writeFileSync(configPath, yaml.dump({ nodes: [{ address: '10.250.255.1', user: 'root', role: ['controlplane', 'etcd', 'worker'] }] }));
    const out: string[] = [];
    const io: IoHost = {
      stdout: { write: (t) => void out.push(t), isTTY: false },
      stderr: { write: (t) => void out.push(t), isTTY: false },
      env: { HOME: api.dir },
      cwd: api.dir,
      output: 'plain',
      quiet: false,
      debug: false,
    };
    await expect(utilGetKubeconfig({ config: configPath }, io)).rejects.toThrow('holds no cluster certificates');
    await new StateStore(statePathFor(configPath), undefined).save({ droverVersion: 'test', pki: api.pki, appliedConfig: api.model, versions: {} });
    const kubeconfig = adminKubeconfigPath(configPath);
    writeFileSync(kubeconfig, 'lost');
    expect(await utilGetKubeconfig({ config: configPath }, io)).toBe(0);
    expect(out.join('')).toBe(`admin kubeconfig written to ${kubeconfig}\n`);
    const ns = await run(kubeconfig, ['--server', `https://127.0.0.1:${api.port}`, 'get', 'namespace', 'default', '-o', 'name']);
    expect(ns.stdout.trim()).toBe('namespace/default');
  });
});
