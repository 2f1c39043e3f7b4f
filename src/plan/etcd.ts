import { etcdMemberName, etcdPeerUrl, etcdSpec, ETCD_CONTAINER, ETCD_DATA_DIR } from '../components/etcd.js';
import type { ContainerSpec } from '../components/container-spec.js';
import type { Task, TaskChange } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { EtcdMemberRecord, EtcdPlaneState } from '../model/etcd-plane.js';

export type { EtcdMemberRecord, EtcdPlaneState } from '../model/etcd-plane.js';
import type { ClusterOps, RemoteFile } from './ops.js';
import { withFileInputs } from './file-inputs.js';
import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import { fingerprint } from './fingerprint.js';

/**
 * The etcd plane of `drover up`, as tasks. Converges instead of recreating:
 * - a new cluster starts every member at once with the same initial cluster;
 * - a member whose spec changed is replaced one at a time, each healthy before the next;
 * - an added node joins (`member add` through a healthy member, then starts as "existing");
 * - a removed node leaves first (`member remove`), then its container and data go.
 * How each member was started (its initial cluster) is kept in the state, so a membership
 * change does not restart the members that did not change.
 */
export interface EtcdPlanInput {
  model: ClusterModel;
  /** From the state of the last successful run; undefined for a new cluster. */
  previous: { plane: EtcdPlaneState; nodes: ClusterNode[] } | undefined;
  image: string;
  ops: ClusterOps;
  healthTimeoutMs?: number;
  /** The task that writes each node's files, certificates included (`drover up` writes all of a node's files at once). */
  filesTaskId: (node: ClusterNode) => string;
  /** The files that task writes: a member is replaced when a file it reads changes. */
  filesOf?: (node: ClusterNode) => readonly RemoteFile[];
}

export interface EtcdPlan {
  tasks: Task[];
  /** What the state records once the run succeeds. */
  plane: EtcdPlaneState;
  /** Id of the task after which the whole etcd plane is healthy. */
  healthyTaskId: string;
}

const isEtcd = (n: ClusterNode) => n.roles.includes('etcd');

export function planEtcd(input: EtcdPlanInput): EtcdPlan {
  const { model, ops } = input;
  const desired = model.nodes.filter(isEtcd);
  const prevNodes = input.previous?.nodes.filter(isEtcd) ?? [];
  const prevAddresses = new Set(prevNodes.map((n) => n.address));
  const desiredAddresses = new Set(desired.map((n) => n.address));
  const bootstrap = prevNodes.length === 0;
  const clusterToken = input.previous?.plane.clusterToken ?? `drover-${fingerprint(model.name, model.configPath, desired.map((n) => n.address))}`;
  const kept = desired.filter((n) => prevAddresses.has(n.address));
  const added = bootstrap ? [] : desired.filter((n) => !prevAddresses.has(n.address));
  const removed = prevNodes.filter((n) => !desiredAddresses.has(n.address));
  const timeoutMs = input.healthTimeoutMs ?? 120_000;
  if (!bootstrap && kept.length === 0) {
    throw new DroverError('cannot replace every etcd node in one run: no member would stay to carry the data', {
      exitCode: ExitCode.InvalidInput,
      hint: 'add the new etcd nodes first and run `drover up`, then remove the old ones and run it again',
    });
  }

  const members: Record<string, EtcdMemberRecord> = {};
  for (const node of bootstrap ? desired : kept) {
    members[node.address] = input.previous?.plane.members[node.address] ?? { initialMembers: desired.map((n) => n.address), initialState: 'new' };
  }
  // Each added node joins the members that exist when it joins: the kept ones and those added before it.
  added.forEach((node, i) => {
    members[node.address] = { initialMembers: [...kept, ...added.slice(0, i + 1)].map((n) => n.address), initialState: 'existing' };
  });

  const byAddress = new Map([...prevNodes, ...desired].map((n) => [n.address, n]));
  const specFor = (node: ClusterNode): ContainerSpec => {
    const record = members[node.address]!;
    const spec = etcdSpec({
      node,
      initialMembers: record.initialMembers.map((a) => byAddress.get(a)).filter((n): n is ClusterNode => n !== undefined),
      initialState: record.initialState,
      clusterToken,
      image: input.image,
      service: model.services.etcd,
    });
    return withFileInputs(spec, input.filesOf?.(node) ?? []);
  };

  // What each start task found, so a member that was left alone is not waited on twice.
  const outcomes = new Map<string, string>();
  const waitIfChanged = (node: ClusterNode, signal: AbortSignal) =>
    outcomes.get(node.address) === 'unchanged' ? Promise.resolve() : ops.etcdWaitHealthy([node], { timeoutMs, signal });
  const tasks: Task[] = [];
  const prepared = (node: ClusterNode) => [input.filesTaskId(node), `etcd/image@${node.address}`];
  for (const node of desired) tasks.push(imageTask(node, specFor(node).image, ops));

  const healthyTaskId = 'etcd/healthy';
  const startId = (node: ClusterNode) => `etcd/start@${node.address}`;
  if (bootstrap) {
    for (const node of desired) tasks.push(startTask(node, specFor(node), prepared(node), ops, outcomes));
  } else {
    // Rolling: each kept member is (re)started only after the previous one is healthy again.
    let previousHealthy: string | undefined;
    for (const node of kept) {
      const spec = specFor(node);
      const start = startTask(node, spec, [...prepared(node), ...(previousHealthy ? [previousHealthy] : [])], ops, outcomes);
      const healthy: Task = {
        id: `etcd/healthy@${node.address}`,
        host: node.address,
        deps: [start.id],
        title: `wait until etcd on ${node.address} is healthy`,
        fingerprint: start.fingerprint,
        run: (ctx) => waitIfChanged(node, ctx.signal),
        describe: async () => [],
      };
      tasks.push(start, healthy);
      previousHealthy = healthy.id;
    }
    const via = kept[0];
    let joinAfter = previousHealthy;
    for (const node of added) {
      if (!via) throw new Error('planEtcd: adding members needs a member that stays');
      const add: Task = {
        id: `etcd/member-add@${node.address}`,
        deps: [...prepared(node), ...(joinAfter ? [joinAfter] : [])],
        title: `add etcd member ${etcdMemberName(node)} through ${via.address}`,
        fingerprint: fingerprint(clusterToken, node.address, etcdPeerUrl(node)),
        run: async () => {
          const list = await ops.etcdMemberList(via);
          if (!list.some((m) => m.peerUrls.includes(etcdPeerUrl(node)))) await ops.etcdMemberAdd(via, etcdMemberName(node), etcdPeerUrl(node));
        },
        describe: async () => [{ action: 'create', subject: `etcd member ${etcdMemberName(node)} (${etcdPeerUrl(node)})` }],
      };
      const start = startTask(node, specFor(node), [add.id], ops, outcomes);
      const healthy: Task = {
        id: `etcd/healthy@${node.address}`,
        host: node.address,
        deps: [start.id],
        title: `wait until the new etcd member on ${node.address} is healthy`,
        fingerprint: start.fingerprint,
        run: (ctx) => ops.etcdWaitHealthy([node], { timeoutMs, signal: ctx.signal }),
        describe: async () => [],
      };
      tasks.push(add, start, healthy);
      joinAfter = healthy.id;
    }
    for (const node of removed) tasks.push(...removalTasks(node, via, joinAfter, ops, timeoutMs, desired));
  }

  const removalIds = removed.map((n) => `etcd/clean@${n.address}`);
  tasks.push({
    id: healthyTaskId,
    deps: [...desired.map((n) => (bootstrap ? startId(n) : `etcd/healthy@${n.address}`)), ...removalIds],
    title: `wait until all ${desired.length} etcd members are healthy`,
    fingerprint: fingerprint(clusterToken, desired.map((n) => specFor(n).labels)),
    run: (ctx) => ops.etcdWaitHealthy(desired, { timeoutMs, signal: ctx.signal }),
    describe: async () => [],
  });
  return { tasks, plane: { clusterToken, members }, healthyTaskId };
}

function imageTask(node: ClusterNode, image: string, ops: ClusterOps): Task {
  return {
    id: `etcd/image@${node.address}`,
    host: node.address,
    deps: [],
    title: `pull ${image} on ${node.address}`,
    fingerprint: fingerprint(image),
    estimate: 5,
    run: () => ops.ensureImage(node, image),
    describe: () => ops.imageDiff(node, image),
  };
}

function startTask(node: ClusterNode, spec: ContainerSpec, deps: string[], ops: ClusterOps, outcomes: Map<string, string>): Task {
  return {
    id: `etcd/start@${node.address}`,
    host: node.address,
    deps,
    title: `run etcd on ${node.address}`,
    fingerprint: fingerprint(spec),
    estimate: 3,
    run: async () => void outcomes.set(node.address, await ops.ensureContainer(node, spec)),
    describe: () => ops.containerDiff(node, spec),
  };
}

function removalTasks(node: ClusterNode, via: ClusterNode | undefined, after: string | undefined, ops: ClusterOps, timeoutMs: number, remaining: ClusterNode[]): Task[] {
  const leave: Task = {
    id: `etcd/member-remove@${node.address}`,
    deps: after ? [after] : [],
    title: `remove etcd member ${etcdMemberName(node)}`,
    fingerprint: fingerprint(node.address),
    run: async (ctx) => {
      if (!via) throw new Error('planEtcd: removing members needs a member that stays');
      // Refuse to shrink a cluster that is not healthy: removing a member could lose quorum.
      await ops.etcdWaitHealthy(remaining, { timeoutMs: Math.min(timeoutMs, 30_000), signal: ctx.signal });
      const member = (await ops.etcdMemberList(via)).find((m) => m.peerUrls.includes(etcdPeerUrl(node)));
      if (member) await ops.etcdMemberRemove(via, member.id);
    },
    describe: async (): Promise<TaskChange[]> => [{ action: 'delete', subject: `etcd member ${etcdMemberName(node)}` }],
  };
  const clean: Task = {
    id: `etcd/clean@${node.address}`,
    host: node.address,
    deps: [leave.id],
    title: `remove the etcd container and data on ${node.address}`,
    fingerprint: fingerprint(node.address),
    run: async () => {
      await ops.removeContainer(node, ETCD_CONTAINER);
      await ops.removePaths(node, [ETCD_DATA_DIR]);
    },
    describe: async () => [
      { action: 'delete', subject: `container ${ETCD_CONTAINER}` },
      { action: 'delete', subject: ETCD_DATA_DIR },
    ],
  };
  return [leave, clean];
}
