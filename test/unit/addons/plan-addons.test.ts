import { describe, expect, it } from 'vitest';
import type { ApplyResult, KubeObject } from '../../../src/addons/kube-object.js';
import { refOf } from '../../../src/addons/kube-object.js';
import type { TaskContext } from '../../../src/executor/task.js';
import { changesOf, planAddons } from '../../../src/plan/addons.js';
import type { KubeOps } from '../../../src/plan/kube-ops.js';
import { addonModel } from './model.js';

/** A KubeOps that records calls; `existing` objects come back unchanged from apply. */
function fakeKube(existing: string[] = [], failRollout?: string) {
  const calls: string[] = [];
  const kube: KubeOps = {
    async apply(objects: readonly KubeObject[], opts): Promise<ApplyResult[]> {
      calls.push(`apply${opts.dryRun ? ' (dry run)' : ''} ${objects.length}`);
      return objects.map((o) => ({ ref: refOf(o), action: existing.includes(o.metadata.name) ? 'unchanged' : 'created' }));
    },
    async waitRollout(kind, namespace, name) {
      calls.push(`wait ${kind} ${namespace}/${name}`);
      if (name === failRollout) throw new Error(`${kind} ${namespace}/${name} did not roll out`);
    },
    async delete(objects, opts) {
      calls.push(`delete${opts.dryRun ? ' (dry run)' : ''} ${objects.length}`);
      return objects.map((o) => ({ ref: refOf(o), action: existing.includes(o.metadata.name) ? 'deleted' : 'absent' }));
    },
    waitNodesReady: async () => undefined,
    cordonAndDrain: async () => undefined,
    uncordon: async () => undefined,
    deleteNode: async () => undefined,
    getNode: async () => undefined,
    patchNode: async () => undefined,
  };
  return { kube, calls };
}

const ctx = (): TaskContext & { logs: string[] } => {
  const logs: string[] = [];
  return { id: 't', host: undefined, attempt: 1, signal: new AbortController().signal, log: (m) => void logs.push(m), secret: () => undefined, logs };
};

describe('planAddons', () => {
  it('describes every object as new while the API does not answer, but not an API refusal', async () => {
    const { kube } = fakeKube();
    const down = Object.assign(new Error('cannot reach the Kubernetes API: ECONNREFUSED'), { transient: true });
    const task = planAddons({ model: addonModel(), kube: { ...kube, apply: () => Promise.reject(down) }, after: [] }).find((t) => t.id === 'addons/rbac')!;
    expect(await task.describe!(ctx())).toEqual([
      { action: 'create', subject: 'ClusterRole system:kube-apiserver-to-kubelet', diff: 'the Kubernetes API does not answer yet (cannot reach the Kubernetes API: ECONNREFUSED); shown from the manifests' },
      { action: 'create', subject: 'ClusterRoleBinding system:kube-apiserver' },
    ]);
    const refused = planAddons({ model: addonModel(), kube: { ...kube, apply: () => Promise.reject(new Error('Invalid')) }, after: [] })[0]!;
    await expect(refused.describe!(ctx())).rejects.toThrow('Invalid');
  });

  it('makes one task per add-on; DNS, metrics and ingress after RBAC and the network, user add-ons last', () => {
    const { kube } = fakeKube();
    const model = addonModel({ addons: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n' });
    const tasks = planAddons({ model, kube, after: ['kube/ready'], networkAfter: ['kube/apiserver'] });
    expect(tasks.map((t) => [t.id, t.deps])).toEqual([
      ['addons/rbac', ['kube/ready']],
      ['addons/network', ['kube/apiserver']],
      ['addons/coredns', ['kube/ready', 'addons/rbac', 'addons/network']],
      ['addons/metrics-server', ['kube/ready', 'addons/rbac', 'addons/network']],
      ['addons/ingress', ['kube/ready', 'addons/rbac', 'addons/network']],
      ['addons/user', ['kube/ready', 'addons/rbac', 'addons/network', 'addons/coredns', 'addons/metrics-server', 'addons/ingress']],
    ]);
    expect(tasks.every((t) => t.host === undefined)).toBe(true);
  });

  it('fingerprints the manifests: a changed setting re-runs only its add-on on --resume', () => {
    const { kube } = fakeKube();
    const a = planAddons({ model: addonModel(), kube, after: [] });
    const b = planAddons({ model: addonModel({ dns: { provider: 'coredns', upstreamnameservers: ['192.0.2.9'] } }), kube, after: [] });
    const changed = a.filter((t, i) => t.fingerprint !== b[i]!.fingerprint).map((t) => t.id);
    expect(changed).toEqual(['addons/coredns']);
  });

  it('applies, then waits for each workload; a rollout failure fails the task', async () => {
    const { kube, calls } = fakeKube([], 'default-http-backend');
    const tasks = planAddons({ model: addonModel(), kube, after: [] });
    const c = ctx();
    await tasks.find((t) => t.id === 'addons/coredns')!.run(c);
    expect(calls).toEqual(['apply 6', 'wait Deployment kube-system/coredns']);
    expect(c.logs).toEqual(['6 objects: 6 created, 0 changed, 0 unchanged']);
    await expect(tasks.find((t) => t.id === 'addons/ingress')!.run(ctx())).rejects.toThrow('Deployment ingress-nginx/default-http-backend did not roll out');
  });

  it('describes what the API dry run says would change, and nothing for an unchanged add-on', async () => {
    const { kube, calls } = fakeKube(['coredns', 'system:coredns']);
    const task = planAddons({ model: addonModel(), kube, after: [] }).find((t) => t.id === 'addons/coredns')!;
    expect(await task.describe!(ctx())).toEqual([{ action: 'create', subject: 'Service kube-system/kube-dns' }]);
    expect(calls).toEqual(['apply (dry run) 6']);
    expect(changesOf([{ ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'ns' }, action: 'configured', changedFields: ['data'] }])).toEqual([
      { action: 'update', subject: 'ConfigMap ns/c', diff: 'changed: data' },
    ]);
  });

  it('removes DNS, metrics or ingress an earlier run deployed and this one turns off', async () => {
    const { kube, calls } = fakeKube(['metrics-server', 'v1beta1.metrics.k8s.io']);
    const model = addonModel({ monitoring: { provider: 'none' } });
    const tasks = planAddons({ model, kube, after: ['kube/ready'], previous: addonModel() });
    expect(tasks.map((t) => t.id)).toEqual(['addons/rbac', 'addons/network', 'addons/coredns', 'addons/ingress', 'addons/metrics-server-remove']);
    const remove = tasks.at(-1)!;
    expect(remove.deps).toEqual(['kube/ready']);
    expect(await remove.describe!(ctx())).toEqual([
      { action: 'delete', subject: 'ServiceAccount kube-system/metrics-server' },
      { action: 'delete', subject: 'Service kube-system/metrics-server' },
      { action: 'delete', subject: 'Deployment kube-system/metrics-server' },
      { action: 'delete', subject: 'APIService v1beta1.metrics.k8s.io' },
    ]);
    await remove.run(ctx());
    expect(calls).toEqual(['delete (dry run) 9', 'delete 9']);
    expect(planAddons({ model, kube, after: [], previous: model }).map((t) => t.id)).not.toContain('addons/metrics-server-remove');
  });
});
