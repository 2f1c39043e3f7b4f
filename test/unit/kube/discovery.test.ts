import { describe, expect, it } from 'vitest';
import { findResource, groupVersionPath, resourcePath, Discovery, type ApiResourceList } from '../../../src/kube/discovery.js';
import type { KubeClient } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/kube/errors.js';

const apps: ApiResourceList = {
  groupVersion: 'apps/v1',
  resources: [
    { name: 'deployments/status', kind: 'Deployment', namespaced: true },
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  ],
};

describe('discovery mapping', () => {
  it('maps a kind to its top-level resource, not a subresource', () => {
    expect(findResource(apps, 'Deployment')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true });
    expect(findResource(apps, 'StatefulSet')).toBeUndefined();
  });

  it('builds core, group, namespaced and cluster-scoped paths', () => {
    expect(groupVersionPath('v1')).toBe('/api/v1');
    expect(groupVersionPath('rbac.authorization.k8s.io/v1')).toBe('/apis/rbac.authorization.k8s.io/v1');
    expect(resourcePath({ apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true }, 'kube-system', 'coredns')).toBe('/apis/apps/v1/namespaces/kube-system/deployments/coredns');
    expect(resourcePath({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }, 'ignored', 'system:coredns')).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Acoredns');
    expect(resourcePath({ apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true }, 'default')).toBe('/api/v1/namespaces/default/pods');
  });

  it('asks once per group version, and again on a miss (a CRD applied meanwhile)', async () => {
    const asked: string[] = [];
    let crdApplied = false;
    const client = {
      async request(_method: string, path: string) {
        asked.push(path);
        if (path === '/apis/apps/v1') return apps;
        if (path === '/apis/example.dev/v1' && crdApplied) return { groupVersion: 'example.dev/v1', resources: [{ name: 'widgets', kind: 'Widget', namespaced: false }] };
        throw new KubeApiError('discover', 404, 'NotFound', 'the server could not find the requested resource');
      },
    } as unknown as KubeClient;
    const d = new Discovery(client);
    await d.resourceFor('apps/v1', 'Deployment');
    await d.resourceFor('apps/v1', 'DaemonSet');
    expect(asked).toEqual(['/apis/apps/v1']);
    await expect(d.resourceFor('example.dev/v1', 'Widget')).rejects.toThrow('the API does not serve example.dev/v1 (wanted for kind Widget)');
    crdApplied = true;
    expect((await d.resourceFor('example.dev/v1', 'Widget')).plural).toBe('widgets');
    await expect(d.resourceFor('apps/v1', 'Nope')).rejects.toThrow('the API has no kind Nope in apps/v1');
  });
});
