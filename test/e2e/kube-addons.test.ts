import { afterAll, beforeAll, expect, it } from 'vitest';
import { addonsFor } from '../../src/addons/index.js';
import { planAddons } from '../../src/plan/addons.js';
import type { ClusterModel } from '../../src/model/cluster.js';
import type { KubeClient } from '../../src/kube/client.js';
import { createKubeOps } from '../../src/kube/ops.js';
import type { KubeOps } from '../../src/plan/kube-ops.js';
import { describeApiServer, startApiServer, type ApiServerFixture } from './apiserver-fixture.js';

/**
 * Every built-in add-on manifest is accepted by a real kube-apiserver v1.20.2 (server-side
 * dry run: validation and admission, nothing stored); their images cannot be pulled here.
 */
describeApiServer('add-on manifests against kube-apiserver', () => {
  let api: ApiServerFixture;
  let client: KubeClient;
  let kube: KubeOps;
  beforeAll(async () => {
    api = await startApiServer('addons');
    client = api.client();
    kube = createKubeOps(client);
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await api?.stop();
  });

  const modelWith = (plugin: string, extra: Partial<ClusterModel['addons']> = {}): ClusterModel => ({
    ...api.model,
    network: { ...api.model.network, plugin, mtu: 1450, options: { flannel_backend_type: 'vxlan' } },
    addons: {
      ...api.model.addons,
      dns: { ...api.model.addons.dns, upstreamNameservers: ['192.0.2.53'] },
      ingress: { ...api.model.addons.ingress, networkMode: 'hostPort', extraArgs: { 'enable-ssl-passthrough': '' } },
      ...extra,
    },
  });

  for (const plugin of ['flannel', 'canal', 'calico']) {
    it(`accepts RBAC, ${plugin}, CoreDNS, metrics-server and ingress-nginx in a dry run`, async () => {
      const addons = addonsFor(modelWith(plugin));
      expect(addons.map((a) => a.name)).toEqual(['rbac', 'network', 'coredns', 'metrics-server', 'ingress']);
      // Objects in a namespace that does not exist yet cannot be dry-run; make the namespaces first.
      const namespaces = addons.flatMap((a) => a.objects).filter((o) => o.kind === 'Namespace');
      await kube.apply(namespaces, { dryRun: false });
      for (const addon of addons) {
        const results = await kube.apply(addon.objects, { dryRun: true });
        const counted = results.filter((r) => r.ref.kind !== 'Namespace');
        expect(counted.length, addon.name).toBe(addon.objects.filter((o) => o.kind !== 'Namespace').length);
        expect(counted.every((r) => r.action === 'created'), `${addon.name}: ${JSON.stringify(counted.filter((r) => r.action !== 'created'))}`).toBe(true);
      }
      // A dry run stores nothing.
      expect(await client.getOptional('/apis/apps/v1/namespaces/kube-system/deployments/coredns')).toBeUndefined();
    });
  }

  it('applies CoreDNS for real, re-applies it as a no-op, and names the Deployment that cannot roll out', async () => {
    const [coredns] = addonsFor(modelWith('none')).filter((a) => a.name === 'coredns');
    const first = await kube.apply(coredns!.objects, { dryRun: false });
    expect(first.map((r) => r.action)).toEqual(first.map(() => 'created'));
    const service = await client.request<{ spec: { clusterIP: string } }>('GET', '/api/v1/namespaces/kube-system/services/kube-dns');
    expect(service.spec.clusterIP).toBe(api.model.network.clusterDnsServer);
    const again = await kube.apply(coredns!.objects, { dryRun: false });
    expect(again.filter((r) => r.action !== 'unchanged')).toEqual([]);
    expect(coredns!.waitFor).toEqual([{ kind: 'Deployment', namespace: 'kube-system', name: 'coredns' }]);
    await expect(kube.waitRollout('Deployment', 'kube-system', 'coredns', { timeoutMs: 1000 })).rejects.toThrow(/^Deployment kube-system\/coredns did not roll out within 1s: 0 of 1 replicas available/);
  });

  it('applies metrics-server (its APIService without server-side apply, which 1.20 lacks there) and re-applies it as a no-op', async () => {
    const metrics = addonsFor(modelWith('none')).find((a) => a.name === 'metrics-server')!;
    expect((await kube.apply(metrics.objects, { dryRun: false })).every((r) => r.action === 'created')).toBe(true);
    expect((await kube.apply(metrics.objects, { dryRun: false })).filter((r) => r.action !== 'unchanged')).toEqual([]);
    const changed = metrics.objects.map((o) => (o.kind === 'APIService' ? { ...o, spec: { ...(o['spec'] as object), versionPriority: 50 } } : o));
    const dry = await kube.apply(changed, { dryRun: true });
    expect(dry.filter((r) => r.action !== 'unchanged').map((r) => [r.ref.kind, r.action, r.changedFields])).toEqual([['APIService', 'configured', ['spec']]]);
    await kube.apply(changed, { dryRun: false });
    const stored = await client.request<{ spec: { versionPriority: number } }>('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io');
    expect(stored.spec.versionPriority).toBe(50);
  });

  it('removes metrics-server when monitoring is turned off (workloads first, absent objects are fine)', async () => {
    const metrics = addonsFor(modelWith('none')).find((a) => a.name === 'metrics-server')!;
    await kube.apply(metrics.objects, { dryRun: false });
    const dry = await kube.delete(metrics.objects, { dryRun: true });
    expect(dry.every((r) => r.action === 'deleted')).toBe(true);
    expect(dry[0]!.ref.kind).toBe('APIService');
    expect(await client.getOptional('/apis/apps/v1/namespaces/kube-system/deployments/metrics-server')).toBeDefined();
    await kube.delete(metrics.objects, { dryRun: false });
    expect(await client.getOptional('/apis/apps/v1/namespaces/kube-system/deployments/metrics-server')).toBeUndefined();
    expect(await client.getOptional('/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).toBeUndefined();
    expect((await kube.delete(metrics.objects, { dryRun: false })).every((r) => r.action === 'absent')).toBe(true);
  });

  it('runs planAddons tasks against the API: describe lists the objects to create, run applies them, then nothing is left to do', async () => {
    const ctx = { id: 'addons/rbac', host: undefined, attempt: 1, signal: new AbortController().signal, log: () => undefined, secret: () => undefined };
    const rbac = planAddons({ model: modelWith('none'), kube, after: [] }).find((t) => t.id === 'addons/rbac')!;
    expect(await rbac.describe!(ctx)).toEqual([
      { action: 'create', subject: 'ClusterRole system:kube-apiserver-to-kubelet' },
      { action: 'create', subject: 'ClusterRoleBinding system:kube-apiserver' },
    ]);
    const kubeletProxyAllowed = async () =>
      (await client.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'kube-apiserver-kubelet-client', resourceAttributes: { resource: 'nodes', subresource: 'proxy', verb: 'get' } } },
      })).status.allowed;
    expect(await kubeletProxyAllowed()).toBe(false);
    await rbac.run(ctx);
    expect(await rbac.describe!(ctx)).toEqual([]);
    expect(await kubeletProxyAllowed()).toBe(true);
  });

  it('shows what a changed add-on would change', async () => {
    const changed = addonsFor(modelWith('none', { dns: { provider: 'coredns', upstreamNameservers: ['192.0.2.54'], nodeSelector: {} } })).find((a) => a.name === 'coredns')!;
    const results = await kube.apply(changed.objects, { dryRun: true });
    expect(results.filter((r) => r.action !== 'unchanged').map((r) => [r.ref.kind, r.action, r.changedFields])).toEqual([['ConfigMap', 'configured', ['data']]]);
  });

  it('accepts user add-ons without ports protocols, as RKE users write them', async () => {
    const model = modelWith('none', {
      dns: { ...api.model.addons.dns, provider: 'none' },
      monitoring: { ...api.model.addons.monitoring, provider: 'none' },
      ingress: { ...api.model.addons.ingress, provider: 'none' },
      inline: `apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: busybox, ports: [{containerPort: 80}]}]
`,
    });
    const addons = addonsFor(model);
    expect(addons.map((a) => a.name)).toEqual(['rbac', 'user']);
    const user = addons[1]!;
    expect(user.waitFor).toEqual([{ kind: 'Deployment', namespace: 'default', name: 'hello' }]);
    expect((await kube.apply(user.objects, { dryRun: false })).map((r) => r.action)).toEqual(['created', 'created']);
    expect((await kube.apply(user.objects, { dryRun: false })).map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  });
});
