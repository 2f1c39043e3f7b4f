import type { ContainerSpec } from '../components/container-spec.js';
import { apiServerSpec } from '../components/kube-apiserver.js';
import { KubeContainer, runsControlPlane } from '../components/kube-common.js';
import { controllerManagerSpec } from '../components/kube-controller-manager.js';
import { kubeProxySpec } from '../components/kube-proxy.js';
import { schedulerSpec } from '../components/kube-scheduler.js';
import { criDockerdSpec, kubeletSpec } from '../components/kubelet.js';
import { nginxProxySpec } from '../components/nginx-proxy.js';
import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { ControlPlaneComponent, KubePlaneOps } from './kube-plane-ops.js';
import { nodeMeta } from './kube-node-meta.js';
import type { ClusterOps, RemoteFile } from './ops.js';
import { withFileInputs } from './file-inputs.js';
import { DROVER_PATHS } from './remove.js';
import { fingerprint } from './fingerprint.js';

/**
 * The Kubernetes plane of `drover up`, as tasks: control plane on controlplane nodes (apiserver →
 * controller-manager and scheduler, each waited on through its health endpoint), nginx-proxy on
 * the others, kubelet and kube-proxy everywhere, then each Node Ready with its labels and taints.
 * Nodes dropped from cluster.yml are drained, deleted and cleaned. Pure: tasks act through ops.
 */
export interface KubeImages {
  kubernetes: string;
  pause: string;
  nginxProxy: string;
  criDockerd?: string;
}

export interface KubePlanInput {
  model: ClusterModel;
  /** Nodes of the last successful run; undefined for a new cluster. */
  previousNodes: ClusterNode[] | undefined;
  images: KubeImages;
  /** Whether kubelet talks to cri-dockerd (v1.24+ or enable_cri_dockerd). */
  criDockerd: boolean;
  /** The controller-manager allocates node pod CIDRs unless drover does (vxlan). */
  allocateNodeCidrs: boolean;
  podCidrs?: Record<string, string>;
  filesTaskId: (node: ClusterNode) => string;
  /** The files that task writes: a container is replaced when a file it reads changes. */
  filesOf?: (node: ClusterNode) => readonly RemoteFile[];
  etcdHealthyTaskId: string;
  /** Tasks that must be done before a node can be Ready (its network). */
  networkTaskIds: (node: ClusterNode) => string[];
  /** Tasks after which a removed node's etcd member is gone (so the node may be wiped). */
  etcdCleanTaskId: (node: ClusterNode) => string | undefined;
  /** More tasks a removed node's wipe waits for (e.g. its overlay's removal). */
  wipeAfter?: (node: ClusterNode) => string[];
  ops: ClusterOps;
  kube: KubePlaneOps;
  timeoutMs?: { component?: number; nodeReady?: number; drain?: number };
}

export interface KubePlan {
  tasks: Task[];
  /** Done once every apiserver answers. */
  apiHealthyTaskId: string;
  /** Done once every node is Ready and the controllers run. */
  readyTaskId: string;
}

const at = (prefix: string, node: ClusterNode) => `${prefix}@${node.address}`;

/** The containers drover runs on a node for the Kubernetes plane, by role. */
export function kubeContainersFor(node: ClusterNode, criDockerd: boolean): string[] {
  const names: string[] = runsControlPlane(node)
    ? [KubeContainer.apiServer, KubeContainer.controllerManager, KubeContainer.scheduler]
    : [KubeContainer.nginxProxy];
  if (criDockerd) names.push(KubeContainer.criDockerd);
  names.push(KubeContainer.kubelet, KubeContainer.proxy);
  return names;
}

export function planKubernetes(input: KubePlanInput): KubePlan {
  const { model, ops, kube, images } = input;
  const componentTimeout = input.timeoutMs?.component ?? 180_000;
  const readyTimeout = input.timeoutMs?.nodeReady ?? 180_000;
  const previous = new Map((input.previousNodes ?? []).map((n) => [n.address, n]));
  const tasks: Task[] = [];
  const cps = model.nodes.filter(runsControlPlane);
  const apiHealthyTaskId = 'kube/api-healthy';
  const readyTaskId = 'kube/ready';
  const verifyKubelets = model.kubelet.generateServingCertificate;

  const start = (node: ClusterNode, wanted: ContainerSpec, deps: string[]): Task => {
    const spec = withFileInputs(wanted, input.filesOf?.(node) ?? []);
    return {
      id: at(`${spec.name}/start`, node),
      host: node.address,
      deps,
      title: `run ${spec.name} on ${node.address}`,
      fingerprint: fingerprint(spec),
      estimate: 3,
      run: async () => void (await ops.ensureContainer(node, spec)),
      describe: () => ops.containerDiff(node, spec),
    };
  };
  const healthy = (node: ClusterNode, component: ControlPlaneComponent, startTask: Task): Task => ({
    id: at(`${component}/healthy`, node),
    host: node.address,
    deps: [startTask.id],
    title: `wait until ${component} on ${node.address} is healthy`,
    fingerprint: startTask.fingerprint,
    estimate: component === 'kube-apiserver' ? 8 : 3,
    run: (ctx) => kube.waitComponentHealthy(node, component, { timeoutMs: componentTimeout, signal: ctx.signal }),
    describe: async () => [],
  });

  // Images first, in parallel with certificates: pulls are the slow part of a fresh node.
  for (const node of model.nodes) {
    const wanted = [images.kubernetes, images.pause, ...(runsControlPlane(node) ? [] : [images.nginxProxy]), ...(input.criDockerd && images.criDockerd ? [images.criDockerd] : [])];
    const unique = [...new Set(wanted)];
    tasks.push({
      id: at('kube/images', node),
      host: node.address,
      deps: [],
      title: `pull Kubernetes images on ${node.address}`,
      fingerprint: fingerprint(unique),
      estimate: 8,
      run: async () => {
        for (const image of unique) await ops.ensureImage(node, image);
      },
      describe: async () => (await Promise.all(unique.map((i) => ops.imageDiff(node, i)))).flat(),
    });
  }
  const prepared = (node: ClusterNode) => [input.filesTaskId(node), at('kube/images', node)];

  // Control plane. Nodes that already ran it are changed one at a time, each healthy before the
  // next, so the API stays up; new ones start at once.
  let rollingAfter: string | undefined;
  const cpDone: string[] = [];
  for (const node of cps) {
    const existing = previous.get(node.address)?.roles.includes('controlplane') ?? false;
    const api = start(node, apiServerSpec({ model, node, image: images.kubernetes, verifyKubelets }), [
      ...prepared(node),
      input.etcdHealthyTaskId,
      ...(existing && rollingAfter ? [rollingAfter] : []),
    ]);
    const apiHealthy = healthy(node, 'kube-apiserver', api);
    if (existing) rollingAfter = apiHealthy.id;
    const cm = start(node, controllerManagerSpec({ model, image: images.kubernetes, allocateNodeCidrs: input.allocateNodeCidrs }), [apiHealthy.id]);
    const sched = start(node, schedulerSpec(model, images.kubernetes), [apiHealthy.id]);
    const cmHealthy = healthy(node, 'kube-controller-manager', cm);
    const schedHealthy = healthy(node, 'kube-scheduler', sched);
    tasks.push(api, apiHealthy, cm, sched, cmHealthy, schedHealthy);
    cpDone.push(cmHealthy.id, schedHealthy.id);
  }
  tasks.push({
    id: apiHealthyTaskId,
    deps: cps.map((n) => at('kube-apiserver/healthy', n)),
    title: `every apiserver answers (${cps.length})`,
    fingerprint: fingerprint(cps.map((n) => n.address)),
    run: async () => {},
    describe: async () => [],
  });

  // Every node: its way to the API, then kubelet and kube-proxy, then Ready.
  const readyIds: string[] = [];
  for (const node of model.nodes) {
    const toApi: string[] = runsControlPlane(node) ? [at('kube-apiserver/healthy', node)] : [];
    if (!runsControlPlane(node)) {
      const proxy = start(node, nginxProxySpec(model, images.nginxProxy), prepared(node));
      tasks.push(proxy);
      toApi.push(proxy.id, apiHealthyTaskId);
    }
    const runtime: string[] = [];
    if (input.criDockerd) {
      const cri = start(node, criDockerdSpec({ model, node, image: images.criDockerd ?? images.kubernetes, pauseImage: images.pause }), prepared(node));
      tasks.push(cri);
      runtime.push(cri.id);
    }
    const kubelet = start(node, kubeletSpec({ model, node, image: images.kubernetes, pauseImage: images.pause, criDockerd: input.criDockerd }), [...prepared(node), ...toApi, ...runtime]);
    const proxy = start(node, kubeProxySpec(model, node, images.kubernetes), [...prepared(node), ...toApi]);
    const meta = nodeMeta(node, previous.get(node.address), input.podCidrs?.[node.address]);
    const ready: Task = {
      id: at('kube/node-ready', node),
      host: node.address,
      deps: [kubelet.id, proxy.id, apiHealthyTaskId, ...input.networkTaskIds(node)],
      title: model.network.plugin === 'none' ? `wait until node ${node.hostname} registers` : `wait until node ${node.hostname} is Ready`,
      fingerprint: fingerprint(kubelet.fingerprint, meta),
      estimate: 5,
      // With network plugin `none` the user installs the CNI: registered is as far as drover can see.
      run: (ctx) => kube.waitNodeReady(node, meta, { timeoutMs: readyTimeout, signal: ctx.signal, registeredOnly: model.network.plugin === 'none' }),
      describe: () => kube.nodeMetaDiff(node, meta),
    };
    tasks.push(kubelet, proxy, ready);
    readyIds.push(ready.id);
    tasks.push(...retireTasks(node, previous.get(node.address), input.criDockerd, ops));
  }
  tasks.push({
    id: readyTaskId,
    deps: [...readyIds, ...cpDone],
    title: `every node is Ready (${model.nodes.length})`,
    fingerprint: fingerprint(model.nodes.map((n) => n.address)),
    run: async () => {},
    describe: async () => [],
  });

  for (const gone of input.previousNodes ?? []) {
    if (model.nodes.some((n) => n.address === gone.address)) continue;
    tasks.push(...removedNodeTasks(gone, input, apiHealthyTaskId));
  }
  return { tasks, apiHealthyTaskId, readyTaskId };
}

/** A node that keeps running but lost a role: the containers of that role go. */
function retireTasks(node: ClusterNode, before: ClusterNode | undefined, criDockerd: boolean, ops: ClusterOps): Task[] {
  if (!before) return [];
  const keep = new Set(kubeContainersFor(node, criDockerd));
  const retired = kubeContainersFor(before, criDockerd).filter((c) => !keep.has(c));
  if (retired.length === 0) return [];
  return [
    {
      id: at('kube/retire', node),
      host: node.address,
      deps: [at('kube/node-ready', node)],
      title: `remove ${retired.join(', ')} from ${node.address} (role removed)`,
      fingerprint: fingerprint(retired),
      run: async () => {
        for (const name of retired) await ops.removeContainer(node, name);
      },
      describe: async () => retired.map((name) => ({ action: 'delete' as const, subject: `container ${name}` })),
    },
  ];
}

/** A node dropped from cluster.yml: drained and deleted through the API, then wiped as `drover remove` would. */
function removedNodeTasks(node: ClusterNode, input: KubePlanInput, apiHealthyTaskId: string): Task[] {
  const { ops, kube } = input;
  const drain: Task = {
    id: at('kube/drain', node),
    deps: [apiHealthyTaskId],
    title: `drain and delete node ${node.hostname}`,
    fingerprint: fingerprint(node.address, node.hostname),
    run: (ctx) => kube.drainAndDeleteNode(node, { timeoutMs: input.timeoutMs?.drain ?? 120_000, signal: ctx.signal }),
    describe: async () => [{ action: 'delete', subject: `node ${node.hostname} (cordon, drain, delete)` }],
  };
  const etcdClean = input.etcdCleanTaskId(node);
  const wipe: Task = {
    id: at('kube/wipe', node),
    host: node.address,
    deps: [drain.id, ...(etcdClean ? [etcdClean] : []), ...(input.wipeAfter?.(node) ?? [])],
    title: `remove drover's containers and files on ${node.address}`,
    fingerprint: fingerprint(node.address),
    run: async () => {
      for (const name of await ops.managedContainers(node)) await ops.removeContainer(node, name);
      await kube.cleanKubeletLeftovers(node);
      await ops.removePaths(node, [...DROVER_PATHS]);
    },
    describe: async () => [
      ...(await ops.managedContainers(node)).map((name) => ({ action: 'delete' as const, subject: `container ${name}` })),
      ...(await ops.existingPaths(node, [...DROVER_PATHS])).map((path) => ({ action: 'delete' as const, subject: path })),
    ],
  };
  return [drain, wipe];
}
