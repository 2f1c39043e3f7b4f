import type { ClusterNode, Taint } from '../model/cluster.js';
import type { NodeMeta } from './kube-plane-ops.js';

const ROLE_LABEL = (role: string) => `node-role.kubernetes.io/${role}`;

/** RKE's role labels, and the taints it puts on nodes that must not run workloads. */
export function roleLabels(node: ClusterNode): Record<string, string> {
  return Object.fromEntries(node.roles.map((r) => [ROLE_LABEL(r), 'true']));
}

export function roleTaints(node: ClusterNode): Taint[] {
  if (node.roles.includes('worker')) return [];
  const taints: Taint[] = [];
  if (node.roles.includes('controlplane')) taints.push({ key: ROLE_LABEL('controlplane'), value: 'true', effect: 'NoSchedule' });
  if (node.roles.includes('etcd')) taints.push({ key: ROLE_LABEL('etcd'), value: 'true', effect: 'NoExecute' });
  return taints;
}

/** Desired labels and taints for a node; what drover set last time and no longer wants is dropped. */
export function nodeMeta(node: ClusterNode, previous: ClusterNode | undefined, podCidr?: string): NodeMeta {
  const labels = { ...node.labels, ...roleLabels(node) };
  const taints = [...node.taints, ...roleTaints(node)];
  const before = previous ? { labels: { ...previous.labels, ...roleLabels(previous) }, taints: [...previous.taints, ...roleTaints(previous)] } : undefined;
  return {
    labels,
    taints,
    dropLabels: before ? Object.keys(before.labels).filter((k) => !(k in labels)) : [],
    dropTaints: before ? before.taints.map((t) => t.key).filter((k) => !taints.some((t) => t.key === k)) : [],
    ...(podCidr ? { podCidr } : {}),
  };
}
