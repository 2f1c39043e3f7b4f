import type { TaskChange } from '../executor/task.js';
import type { Taint } from '../model/cluster.js';
import type { NodeMeta } from '../plan/kube-plane-ops.js';
import type { KubeNode } from '../plan/kube-ops.js';

/** "Ready", or what keeps the node from it (the Ready condition's reason and message). */
export function nodeReadiness(node: KubeNode): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return 'no Ready condition yet';
  if (ready.status === 'True') return 'Ready';
  return `NotReady (${[ready.reason, ready.message].filter(Boolean).join(': ') || ready.status})`;
}

const sameTaint = (a: { key: string; effect: string }, b: { key: string; effect: string }) => a.key === b.key && a.effect === b.effect;

/** The taints the node should carry: others' (kubelet's, controllers') kept, ours as wanted. */
function wantedTaints(node: KubeNode, meta: NodeMeta): { key: string; value?: string; effect: string }[] {
  const ours = (t: { key: string }) => meta.taints.some((m) => m.key === t.key) || meta.dropTaints.includes(t.key);
  const others = (node.spec?.taints ?? []).filter((t) => !ours(t));
  return [...others, ...meta.taints.map((t: Taint) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }))];
}

/** A JSON merge patch making labels, taints and podCIDR as wanted; undefined when they already are. */
export function metaPatch(node: KubeNode, meta: NodeMeta): Record<string, unknown> | undefined {
  const have = node.metadata.labels ?? {};
  const labels: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(meta.labels)) if (have[k] !== v) labels[k] = v;
  for (const k of meta.dropLabels) if (k in have && !(k in meta.labels)) labels[k] = null;
  const taints = wantedTaints(node, meta);
  const current = node.spec?.taints ?? [];
  const taintsDiffer =
    taints.length !== current.length || taints.some((t) => !current.some((c) => sameTaint(c, t) && (c.value ?? '') === (t.value ?? '')));
  const spec: Record<string, unknown> = {};
  if (taintsDiffer) spec['taints'] = taints;
  if (meta.podCidr && !node.spec?.podCIDR) Object.assign(spec, { podCIDR: meta.podCidr, podCIDRs: [meta.podCidr] });
  const patch: Record<string, unknown> = {};
  if (Object.keys(labels).length > 0) patch['metadata'] = { labels };
  if (Object.keys(spec).length > 0) patch['spec'] = spec;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

export function metaChanges(node: KubeNode, meta: NodeMeta, hostname: string): TaskChange[] {
  const patch = metaPatch(node, meta) as { metadata?: { labels: Record<string, string | null> }; spec?: { taints?: unknown[]; podCIDR?: string } } | undefined;
  if (!patch) return [];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(patch.metadata?.labels ?? {})) lines.push(v === null ? `- label ${k}` : `+ label ${k}=${v}`);
  if (patch.spec?.taints) lines.push(`+ taints ${JSON.stringify(patch.spec.taints)}`);
  if (patch.spec?.podCIDR) lines.push(`+ podCIDR ${patch.spec.podCIDR}`);
  return [{ action: 'update', subject: `node ${hostname}`, diff: lines.join('\n') }];
}
