import type { WorkloadRef } from '../addons/kube-object.js';
import { describeRef } from '../addons/kube-object.js';
import { DroverError } from '../errors.js';
import type { KubeClient } from './client.js';
import { diagnosePod, PULL_FAILURE_WEIGHT, schedulerMessage } from './pod-diagnosis.js';
import { rolloutStatus } from './rollout-status.js';
import type { KubeEvent, List, NodeObject, Pod, Workload } from './types.js';

export interface WaitOptions {
  timeoutMs: number;
  /** waitRollout gives up early when every unready pod has failed to pull its image this long (default 2 min). */
  pullFailureGraceMs?: number;
  signal?: AbortSignal;
  /** Time between looks (default 1 s). */
  pollMs?: number;
}

const WORKLOAD_PATH: Record<WorkloadRef['kind'], string> = { Deployment: 'deployments', DaemonSet: 'daemonsets', StatefulSet: 'statefulsets' };

/** Polls `check` until it answers true, the time is up (→ undefined), or the signal aborts (→ throws). */
async function poll(opts: WaitOptions, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * Waits until a Deployment, DaemonSet or StatefulSet has rolled out. A failure names the object,
 * how far it got, and why its worst pod is not ready: the image that cannot be pulled, the last
 * log lines of a crashing container, or the scheduler's reason.
 */
export async function waitRollout(client: KubeClient, ref: WorkloadRef, opts: WaitOptions): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${WORKLOAD_PATH[ref.kind]}/${encodeURIComponent(ref.name)}`;
  const what = describeRef(ref);
  let last: Workload | undefined;
  let failure: string | undefined;
  const graceMs = opts.pullFailureGraceMs ?? PULL_FAILURE_GRACE_MS;
  let pullFailingSince: number | undefined;
  let lastPodLook = 0;
  const ok = await poll(opts, async () => {
    last = await client.getOptional<Workload>(path, { what: `wait for ${what}` });
    if (!last) return false;
    const status = rolloutStatus(ref.kind, last);
    failure = status.failure;
    if (status.done || failure !== undefined) return true;
    // Images that cannot be pulled rarely start working: give up before the whole timeout.
    if (Date.now() - lastPodLook >= POD_LOOK_INTERVAL_MS || graceMs === 0) {
      lastPodLook = Date.now();
      const failing = await allUnreadyPodsFailPulls(client, ref.namespace, last);
      pullFailingSince = failing ? (pullFailingSince ?? Date.now()) : undefined;
      if (pullFailingSince !== undefined && Date.now() - pullFailingSince >= graceMs) {
        failure = `its images could not be pulled for ${Math.round(graceMs / 1000)}s`;
        return true;
      }
    }
    return false;
  });
  if (ok && failure === undefined) return;
  if (!last) throw new DroverError(`${what} does not exist`, { hint: 'was it applied? (an add-on manifest may have been changed)' });
  const status = rolloutStatus(ref.kind, last);
  const why = await explainPods(client, ref.namespace, last, failure);
  const seconds = Math.round(opts.timeoutMs / 1000);
  throw new DroverError(`${what} did not roll out${failure ? '' : ` within ${seconds}s`}: ${status.progress}; ${why}`, {
    hint: `kubectl -n ${ref.namespace} describe ${ref.kind.toLowerCase()} ${ref.name}`,
  });
}

const PULL_FAILURE_GRACE_MS = 120_000;
const POD_LOOK_INTERVAL_MS = 5_000;

async function podsOf(client: KubeClient, namespace: string, workload: Workload): Promise<Pod[]> {
  const selector = Object.entries(workload.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  if (!selector) return [];
  return (await client.request<List<Pod>>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { query: { labelSelector: selector } })).items;
}

async function allUnreadyPodsFailPulls(client: KubeClient, namespace: string, workload: Workload): Promise<boolean> {
  const diagnoses = (await podsOf(client, namespace, workload)).map(diagnosePod).filter((d) => d.weight > 0);
  return diagnoses.length > 0 && diagnoses.every((d) => d.weight === PULL_FAILURE_WEIGHT);
}

async function explainPods(client: KubeClient, namespace: string, workload: Workload, failure: string | undefined): Promise<string> {
  const ns = encodeURIComponent(namespace);
  const pods = await podsOf(client, namespace, workload);
  if (pods.length === 0) {
    return failure ?? 'no pods were created for it (is kube-controller-manager running?)';
  }
  const worst = pods.map(diagnosePod).sort((a, b) => b.weight - a.weight || a.pod.localeCompare(b.pod))[0]!;
  let text = `${failure ? `${failure}; ` : ''}${worst.summary}`;
  if (worst.needs && 'logsOf' in worst.needs) {
    const logs = await lastLogLines(client, namespace, worst.pod, worst.needs.logsOf);
    text += logs ? `; last log lines:\n${logs}` : '';
  } else if (worst.needs) {
    const events = await client
      .request<List<KubeEvent>>('GET', `/api/v1/namespaces/${ns}/events`, { query: { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${worst.pod}` } })
      .catch(() => ({ items: [] }));
    const message = schedulerMessage(events.items);
    if (message && !text.includes(message)) text += ` (scheduler: ${message})`;
  }
  return text;
}

/** The crashed run's output (previous), else the current one; empty when the kubelet cannot be asked. */
async function lastLogLines(client: KubeClient, namespace: string, pod: string, container: string): Promise<string> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  for (const previous of [true, false]) {
    try {
      const text = await client.request<string>('GET', path, { text: true, query: { container, tailLines: 20, previous } });
      if (text.trim()) return text.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
    } catch {
      // no previous run, or the kubelet is unreachable: try the next source
    }
  }
  return '';
}

/** Waits until every named Node reports Ready; the error names each one that does not, and why. */
export async function waitNodesReady(client: KubeClient, names: readonly string[], opts: WaitOptions): Promise<void> {
  let nodes: NodeObject[] = [];
  const notReady = () => names.filter((n) => readyCondition(nodes.find((x) => x.metadata.name === n))?.status !== 'True');
  const ok = await poll(opts, async () => {
    nodes = (await client.request<List<NodeObject>>('GET', '/api/v1/nodes', { what: 'wait for nodes' })).items;
    return notReady().length === 0;
  });
  if (ok) return;
  const lines = notReady().map((name) => `${name}: ${nodeProblem(nodes.find((x) => x.metadata.name === name))}`);
  throw new DroverError(`${lines.length === 1 ? 'node' : 'nodes'} not Ready within ${Math.round(opts.timeoutMs / 1000)}s: ${lines.join('; ')}`, {
    hint: 'look at the kubelet container log on those nodes (docker logs kubelet)',
  });
}

const readyCondition = (node: NodeObject | undefined) => node?.status?.conditions?.find((c) => c.type === 'Ready');

export function nodeProblem(node: NodeObject | undefined): string {
  if (!node) return 'not registered (the kubelet has not joined)';
  const ready = readyCondition(node);
  if (!ready) return 'no Ready condition yet';
  return `${ready.status === 'Unknown' ? 'status Unknown' : 'NotReady'}${ready.reason ? ` (${ready.reason})` : ''}${ready.message ? `: ${ready.message}` : ''}`;
}
