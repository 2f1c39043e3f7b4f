import { DroverError } from '../errors.js';
import type { KubeClient } from './client.js';
import { KubeApiError } from './errors.js';
import { podName, selectPodsForDrain } from './drain-select.js';
import type { List, Pod } from './types.js';

export interface DrainOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Also evict pods no controller owns (they are gone for good). RKE's node_drain_input.force. */
  force?: boolean;
  /** Overrides each pod's own grace period (RKE's grace_period; -1 or undefined = the pod's). */
  gracePeriodSeconds?: number;
  pollMs?: number;
}

const nodePath = (node: string) => `/api/v1/nodes/${encodeURIComponent(node)}`;
const podPath = (p: Pod) => `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}`;

export async function cordon(client: KubeClient, node: string, unschedulable = true): Promise<void> {
  await client.request('PATCH', nodePath(node), {
    what: `${unschedulable ? 'cordon' : 'uncordon'} node ${node}`,
    body: { spec: { unschedulable } },
    contentType: 'application/merge-patch+json',
  });
}

/**
 * Like `kubectl drain --ignore-daemonsets --delete-emptydir-data`: cordon, evict (so
 * PodDisruptionBudgets are honoured: a refused eviction is retried until the timeout), then wait
 * until the evicted pods are gone. A node that does not exist is already drained.
 */
export async function cordonAndDrain(client: KubeClient, node: string, opts: DrainOptions): Promise<{ evicted: string[]; skipped: string[] }> {
  if (!(await client.getOptional(nodePath(node), { what: `read node ${node}` }))) return { evicted: [], skipped: [] };
  await cordon(client, node);
  const pods = (await client.request<List<Pod>>('GET', '/api/v1/pods', { what: `list pods on node ${node}`, query: { fieldSelector: `spec.nodeName=${node}` } })).items;
  const selection = selectPodsForDrain(pods, { force: opts.force ?? false });
  if (selection.unmanaged.length > 0) {
    throw new DroverError(`cannot drain node ${node}: ${selection.unmanaged.map(podName).join(', ')} ${selection.unmanaged.length === 1 ? 'is' : 'are'} not managed by a controller and would be lost`, {
      hint: 'delete them, or set upgrade_strategy.node_drain_input.force: true',
    });
  }
  const deadline = Date.now() + opts.timeoutMs;
  const pending = [...selection.evict];
  while (pending.length > 0) {
    const pod = pending[0]!;
    opts.signal?.throwIfAborted();
    const outcome = await evict(client, pod, opts.gracePeriodSeconds);
    if (outcome === 'refused') {
      if (Date.now() >= deadline) throw new DroverError(`draining node ${node}: eviction of ${podName(pod)} is still refused by a PodDisruptionBudget`, { hint: 'scale up the workload or relax its PodDisruptionBudget' });
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
      continue;
    }
    pending.shift();
  }
  await waitGone(client, node, selection.evict, deadline, opts);
  return { evicted: selection.evict.map(podName), skipped: selection.skipped.map((s) => podName(s.pod)) };
}

async function evict(client: KubeClient, pod: Pod, gracePeriodSeconds: number | undefined): Promise<'evicted' | 'refused'> {
  const deleteOptions = gracePeriodSeconds !== undefined && gracePeriodSeconds >= 0 ? { gracePeriodSeconds } : undefined;
  try {
    await client.request('POST', `${podPath(pod)}/eviction`, {
      what: `evict pod ${podName(pod)}`,
      body: { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, ...(deleteOptions ? { deleteOptions } : {}) },
    });
    return 'evicted';
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return 'evicted';
    if (err instanceof KubeApiError && err.status === 429) return 'refused';
    throw err;
  }
}

async function waitGone(client: KubeClient, node: string, pods: Pod[], deadline: number, opts: DrainOptions): Promise<void> {
  let left = pods;
  for (;;) {
    const still: Pod[] = [];
    for (const pod of left) {
      const now = await client.getOptional<Pod>(podPath(pod));
      // A pod recreated under the same name (StatefulSet) is another pod: the old one is gone.
      if (now && now.metadata.uid === pod.metadata.uid) still.push(pod);
    }
    left = still;
    if (left.length === 0) return;
    if (Date.now() >= deadline) {
      throw new DroverError(`draining node ${node}: ${left.map(podName).join(', ')} still terminating`, { hint: 'is the kubelet on that node running? a larger node_drain_input.timeout may help' });
    }
    opts.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** Removes the Node object; absent is fine. */
export async function deleteNode(client: KubeClient, node: string): Promise<void> {
  await client.request('DELETE', nodePath(node), { what: `delete node ${node}` }).catch((err: unknown) => {
    if (err instanceof KubeApiError && err.status === 404) return;
    throw err;
  });
}
