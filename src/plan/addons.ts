import type { Addon } from '../addons/addon.js';
import { addonsFor, removableAddons } from '../addons/index.js';
import { describeRef, refOf, type ApplyResult } from '../addons/kube-object.js';
import type { Task, TaskChange, TaskContext } from '../executor/task.js';
import type { ClusterModel } from '../model/cluster.js';
import type { KubeOps } from './kube-ops.js';
import { fingerprint } from './fingerprint.js';

export interface AddonsPlanInput {
  model: ClusterModel;
  kube: KubeOps;
  /** Task ids after which the API answers (and, for vxlan clusters, every node is Ready). */
  after: string[];
  /**
   * Deps of the network add-on when it differs: a manifest-based plugin (flannel, canal, calico)
   * is what makes nodes Ready, so it must not wait for them. Default: `after`.
   */
  networkAfter?: string[];
  /** Text of each addons_include file, by resolved path (src/kube/addon-files.ts reads them). */
  includes?: Readonly<Record<string, string>>;
  /** The model of the last successful run: built-in add-ons it had and this one turns off are removed. */
  previous?: ClusterModel | undefined;
  /** Per workload (default 5 min: images may have to be pulled). */
  rolloutTimeoutMs?: number;
}

export const ADDON_TASK_PREFIX = 'addons/';
const DEFAULT_ROLLOUT_TIMEOUT_MS = 300_000;

/**
 * One task per add-on (addons/rbac, addons/network, addons/coredns, addons/metrics-server,
 * addons/ingress, addons/user): server-side apply, then wait for its workloads to roll out.
 * DNS, metrics and ingress come after the network and RBAC; the user's add-ons come last.
 * `describe` is the API's own dry run: which objects would be created or changed.
 */
export function planAddons(input: AddonsPlanInput): Task[] {
  const addons = addonsFor(input.model, input.includes ?? {});
  const id = (a: Addon) => `${ADDON_TASK_PREFIX}${a.name}`;
  const base = addons.filter((a) => a.name === 'rbac' || a.name === 'network').map(id);
  const system = addons.filter((a) => a.name !== 'user').map(id);
  const depsOf = (a: Addon): string[] => {
    if (a.name === 'network') return input.networkAfter ?? input.after;
    if (a.name === 'rbac') return input.after;
    if (a.name === 'user') return [...input.after, ...system];
    return [...input.after, ...base];
  };
  const wanted = new Set(addons.map((a) => a.name));
  const removed = input.previous ? removableAddons(input.previous).filter((a) => !wanted.has(a.name)) : [];
  return [...addons.map((addon) => addonTask(addon, depsOf(addon), input)), ...removed.map((addon) => removeTask(addon, input))];
}

/** addons/<name>-remove: deletes what an earlier run applied for an add-on now turned off. */
function removeTask(addon: Addon, input: AddonsPlanInput): Task {
  return {
    id: `${ADDON_TASK_PREFIX}${addon.name}-remove`,
    deps: input.after,
    title: `remove ${addon.title} (turned off)`,
    fingerprint: fingerprint('remove', addon.objects.map((o) => [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name])),
    estimate: 2,
    async run(ctx: TaskContext) {
      const results = await input.kube.delete(addon.objects, { dryRun: false, signal: ctx.signal });
      ctx.log(`${results.filter((r) => r.action === 'deleted').length} objects deleted`);
    },
    async describe(ctx: TaskContext): Promise<TaskChange[]> {
      const results = await input.kube.delete(addon.objects, { dryRun: true, signal: ctx.signal });
      return results.filter((r) => r.action === 'deleted').map((r) => ({ action: 'delete' as const, subject: describeRef(r.ref) }));
    },
  };
}

function addonTask(addon: Addon, deps: string[], input: AddonsPlanInput): Task {
  const timeoutMs = input.rolloutTimeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  return {
    id: `${ADDON_TASK_PREFIX}${addon.name}`,
    deps,
    title: `apply ${addon.title}`,
    fingerprint: fingerprint(addon.objects, addon.waitFor),
    estimate: addon.waitFor.length > 0 ? 20 : 2,
    async run(ctx: TaskContext) {
      const results = await input.kube.apply(addon.objects, { dryRun: false, signal: ctx.signal });
      ctx.log(summarize(results));
      await Promise.all(addon.waitFor.map((w) => input.kube.waitRollout(w.kind, w.namespace, w.name, { timeoutMs, signal: ctx.signal })));
    },
    async describe(ctx: TaskContext): Promise<TaskChange[]> {
      try {
        return changesOf(await input.kube.apply(addon.objects, { dryRun: true, signal: ctx.signal }));
      } catch (err) {
        // No API yet (a new cluster, or its control plane is down): everything is new as far as
        // anyone can tell. A refusal by the API (invalid object) is not hidden.
        if ((err as { transient?: unknown }).transient !== true) throw err;
        return addon.objects.map((o, i) => ({
          action: 'create' as const,
          subject: describeRef(refOf(o)),
          ...(i === 0 ? { diff: `the Kubernetes API does not answer yet (${(err as Error).message}); shown from the manifests` } : {}),
        }));
      }
    },
  };
}

export function changesOf(results: readonly ApplyResult[]): TaskChange[] {
  return results
    .filter((r) => r.action !== 'unchanged')
    .map((r) =>
      r.action === 'created'
        ? { action: 'create' as const, subject: describeRef(r.ref) }
        : { action: 'update' as const, subject: describeRef(r.ref), ...(r.changedFields?.length ? { diff: `changed: ${r.changedFields.join(', ')}` } : {}) },
    );
}

function summarize(results: readonly ApplyResult[]): string {
  const count = (action: ApplyResult['action']) => results.filter((r) => r.action === action).length;
  return `${results.length} objects: ${count('created')} created, ${count('configured')} changed, ${count('unchanged')} unchanged`;
}
