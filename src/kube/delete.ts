import type { KubeObject } from '../addons/kube-object.js';
import { describeRef, refOf, type ObjectRef } from '../addons/kube-object.js';
import { applyOrder } from '../addons/manifest.js';
import type { KubeClient } from './client.js';
import type { Discovery } from './discovery.js';
import { resourcePath } from './discovery.js';
import { KubeApiError } from './errors.js';

export interface DeleteResult {
  ref: ObjectRef;
  action: 'deleted' | 'absent';
}

/**
 * Deletes objects in the reverse of apply order (workloads before their Namespaces and CRDs), in
 * the background (dependents are collected by the garbage collector). Absent objects, and kinds
 * the API no longer serves, count as done. `dryRun` reports without deleting.
 */
export async function deleteObjects(client: KubeClient, discovery: Discovery, objects: readonly KubeObject[], opts: { dryRun: boolean; signal?: AbortSignal }): Promise<DeleteResult[]> {
  const results: DeleteResult[] = [];
  for (const object of applyOrder(objects).reverse()) {
    const ref = refOf(object);
    const info = await discovery.resourceFor(object.apiVersion, object.kind).catch(() => undefined);
    if (!info) {
      results.push({ ref, action: 'absent' });
      continue;
    }
    const path = resourcePath(info, info.namespaced ? (object.metadata.namespace ?? 'default') : undefined, object.metadata.name);
    try {
      await client.request('DELETE', path, {
        what: `delete ${describeRef(ref)}`,
        query: { propagationPolicy: 'Background', dryRun: opts.dryRun ? 'All' : undefined },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      results.push({ ref, action: 'deleted' });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      results.push({ ref, action: 'absent' });
    }
  }
  return results;
}
