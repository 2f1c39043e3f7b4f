import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KubeObject } from '../../src/addons/kube-object.js';
import type { KubeClient } from '../../src/kube/client.js';
import { createKubeOps } from '../../src/kube/ops.js';
import { waitRollout } from '../../src/kube/wait.js';
import type { KubeOps } from '../../src/plan/kube-ops.js';
import { describeApiServer, startApiServer, type ApiServerFixture } from './apiserver-fixture.js';

/**
 * Waits and drain against a real kube-apiserver with no scheduler, controllers or kubelet: the
 * states a kubelet would report are written through the status subresources.
 */
describeApiServer('kube: rollout and node waits, drain', () => {
  let api: ApiServerFixture;
  let client: KubeClient;
  let kube: KubeOps;
  const ns = 'drover-wait';
  beforeAll(async () => {
    api = await startApiServer('wait');
    client = api.client();
    kube = createKubeOps(client);
    await kube.apply(
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        // No controller-manager: the ServiceAccount admission needs the account to exist.
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } },
      ],
      { dryRun: false },
    );
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await api?.stop();
  });

  const deployment = (name: string, app: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: 'registry.invalid/app:1' }] } },
    },
  });

  const pod = (name: string, extra: { labels?: Record<string, string>; node?: string; owner?: { kind: string; name: string }; annotations?: Record<string, string>; emptyDir?: boolean } = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: extra.owner.kind, name: extra.owner.name, uid: '00000000-0000-0000-0000-000000000001', controller: true }] } : {}),
    },
    spec: {
      automountServiceAccountToken: false,
      ...(extra.node ? { nodeName: extra.node } : {}),
      containers: [{ name: 'main', image: 'registry.invalid/app:1', ...(extra.emptyDir ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}) }],
      ...(extra.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
  });

  const setPodStatus = (name: string, status: unknown) =>
    client.request('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { body: { status }, contentType: 'application/merge-patch+json' });

  it('names a Deployment for which no pod was ever created', async () => {
    await kube.apply([deployment('lonely', 'lonely')], { dryRun: false });
    const err = await kube.waitRollout('Deployment', ns, 'lonely', { timeoutMs: 1500 }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toBe(`Deployment ${ns}/lonely did not roll out within 2s: 0 of 1 replicas available (its controller has not seen the latest spec); no pods were created for it (is kube-controller-manager running?)`);
  });

  it('reports the image a pod cannot pull', async () => {
    await kube.apply([deployment('puller', 'puller'), pod('puller-abc', { labels: { app: 'puller' } })], { dryRun: false });
    await setPodStatus('puller-abc', {
      phase: 'Pending',
      containerStatuses: [{ name: 'main', image: 'registry.invalid/app:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/app:1"' } } }],
    });
    const err = await kube.waitRollout('Deployment', ns, 'puller', { timeoutMs: 500 }).catch((e: unknown) => e as Error);
    expect(err!.message).toContain(`Deployment ${ns}/puller did not roll out within 1s`);
    expect(err!.message).toContain('pod puller-abc: ImagePullBackOff for image "registry.invalid/app:1": Back-off pulling image');
    // Without waiting for the whole timeout once every pod has failed its pulls for the grace time.
    const early = await client.request('GET', '/version').then(() => waitRollout(client, { kind: 'Deployment', namespace: ns, name: 'puller' }, { timeoutMs: 600_000, pullFailureGraceMs: 0, pollMs: 100 })).catch((e: unknown) => e as Error);
    expect(early!.message).toContain(`Deployment ${ns}/puller did not roll out: 0 of 1 replicas available (its controller has not seen the latest spec); its images could not be pulled for 0s; pod puller-abc: ImagePullBackOff`);
    expect(err!.message).toContain('pod puller-abc: ImagePullBackOff for image "registry.invalid/app:1": Back-off pulling image');
  });

  it('reports a crashing container with its exit code', async () => {
    await kube.apply([deployment('crasher', 'crasher'), pod('crasher-abc', { labels: { app: 'crasher' } })], { dryRun: false });
    await setPodStatus('crasher-abc', {
      phase: 'Running',
      containerStatuses: [{
        name: 'main', image: 'registry.invalid/app:1', imageID: '', ready: false, restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
        lastState: { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' } },
      }],
    });
    const err = await kube.waitRollout('Deployment', ns, 'crasher', { timeoutMs: 500 }).catch((e: unknown) => e as Error);
    expect(err!.message).toContain('pod crasher-abc: container main CrashLoopBackOff (restarts 4, last exit code 2)');
  });

  it('names each node that is not Ready, and why', async () => {
    await kube.apply([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake-1' } }], { dryRun: false });
    await client.request('PATCH', '/api/v1/nodes/fake-1/status', {
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'runtime network not ready: cni config uninitialized', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
    });
    const err = await kube.waitNodesReady(['fake-1', 'missing-2'], { timeoutMs: 300 }).catch((e: unknown) => e as Error);
    expect(err!.message).toBe('nodes not Ready within 0s: fake-1: NotReady (KubeletNotReady): runtime network not ready: cni config uninitialized; missing-2: not registered (the kubelet has not joined)');
    await client.request('PATCH', '/api/v1/nodes/fake-1/status', {
      contentType: 'application/strategic-merge-patch+json',
      body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
    });
    await kube.waitNodesReady(['fake-1'], { timeoutMs: 2000 });
    await kube.patchNode('fake-1', { metadata: { labels: { 'node-role.kubernetes.io/worker': 'true' } }, spec: { podCIDR: '10.42.3.0/24', taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } });
    const node = await kube.getNode('fake-1');
    expect(node?.metadata.labels?.['node-role.kubernetes.io/worker']).toBe('true');
    expect(node?.spec).toMatchObject({ podCIDR: '10.42.3.0/24', taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
    expect(await kube.getNode('missing-2')).toBeUndefined();
  });

  it('drains a node: evicts managed pods, leaves DaemonSet and mirror pods, refuses unmanaged ones unless forced', async () => {
    const node = 'drain-me';
    await kube.apply(
      [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: node } },
        pod('web-1', { node, owner: { kind: 'ReplicaSet', name: 'web' }, emptyDir: true }),
        pod('agent-1', { node, owner: { kind: 'DaemonSet', name: 'agent' } }),
        pod('static-1', { node, annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
        pod('loner', { node }),
        pod('elsewhere', { node: 'other-node', owner: { kind: 'ReplicaSet', name: 'web' } }),
      ],
      { dryRun: false },
    );
    await expect(kube.cordonAndDrain(node, { timeoutMs: 5000, gracePeriodSeconds: 0 })).rejects.toThrow(`cannot drain node ${node}: ${ns}/loner is not managed by a controller and would be lost`);
    await kube.cordonAndDrain(node, { timeoutMs: 10_000, gracePeriodSeconds: 0, force: true });
    const left = (await client.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/${ns}/pods`)).items.map((p) => p.metadata.name);
    expect(left).toEqual(expect.arrayContaining(['agent-1', 'static-1', 'elsewhere']));
    expect(left).not.toContain('web-1');
    expect(left).not.toContain('loner');
    const cordoned = await client.request<{ spec: { unschedulable?: boolean } }>('GET', `/api/v1/nodes/${node}`);
    expect(cordoned.spec.unschedulable).toBe(true);
    await kube.deleteNode(node);
    expect(await client.getOptional(`/api/v1/nodes/${node}`)).toBeUndefined();
    await kube.deleteNode(node);
    await kube.cordonAndDrain(node, { timeoutMs: 1000 });
  });
});
