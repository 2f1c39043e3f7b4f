import { createHash } from 'node:crypto';
import { CERT_DIR, nodePkiFiles, type Pki } from '../pki/index.js';
import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { EtcdPlaneState } from '../model/etcd-plane.js';
import { releaseTraits, systemImage } from '../model/versions.js';
import { assignPodSubnets, nodeCidrMask } from '../network/pod-subnets.js';
import { planEtcd } from './etcd.js';
import { kubeNodeFiles, type KubeSecrets } from './kube-files.js';
import type { KubePlaneOps } from './kube-plane-ops.js';
import { planKubernetes } from './kubernetes.js';
import type { NetworkOps } from './network-ops.js';
import { cniConfigTaskId, planVxlan, planVxlanRemoval, vxlanCleanTaskId } from './network-vxlan.js';
import type { ClusterOps, RemoteFile } from './ops.js';
import { fingerprint } from './fingerprint.js';

/**
 * `drover up` as one task graph: files and images on every node, the etcd plane, the control
 * plane, the overlay network, kubelets and kube-proxies, each node Ready, then the add-ons.
 * Pure: what to do is decided from the model, the last applied state and the PKI; the tasks act
 * through the ops interfaces when the executor runs them.
 */
export interface UpPlanInput {
  model: ClusterModel;
  pki: Pki;
  previous: { nodes: ClusterNode[]; etcd: EtcdPlaneState; podSubnets?: Record<string, string> } | undefined;
  /** Nodes that ran the Kubernetes plane last time; undefined when it is new (or only etcd ran). */
  previousKubeNodes?: ClusterNode[] | undefined;
  secrets: KubeSecrets;
  ops: ClusterOps;
  kube: KubePlaneOps;
  network: NetworkOps;
  /** Add-on tasks, given the ids after which the API answers and every node is Ready (the add-on layer plans them). */
  addons?: (ids: { apiHealthy: string; ready: string }) => Task[];
  /** Only the etcd plane (the tests of the etcd issue, and clusters that never had more). */
  etcdOnly?: boolean;
}

export interface UpPlan {
  tasks: Task[];
  etcd: EtcdPlaneState;
  /** Pod subnet per node when drover runs the network (vxlan); kept in the state. */
  podSubnets?: Record<string, string>;
}

export const filesTaskId = (node: { address: string }): string => `files@${node.address}`;

export function nodeFiles(model: ClusterModel, pki: Pki, node: ClusterNode, secrets: KubeSecrets = {}): RemoteFile[] {
  const certs = nodePkiFiles(model, pki, node).map((f) => ({ path: `${CERT_DIR}/${f.name}`, content: f.content, mode: f.mode }));
  return [...certs, ...kubeNodeFiles(model, node, secrets)];
}

function filesTask(node: ClusterNode, files: RemoteFile[], ops: ClusterOps): Task {
  return {
    id: filesTaskId(node),
    host: node.address,
    deps: [],
    title: `write certificates and config files on ${node.address}`,
    fingerprint: fingerprint(files.map((f) => [f.path, f.mode, createHash('sha256').update(f.content).digest('hex')])),
    run: () => ops.writeFiles(node, files),
    describe: () => ops.filesDiff(node, files),
  };
}

export function planUp(input: UpPlanInput): UpPlan {
  const { model, pki } = input;
  const files = new Map(model.nodes.map((n) => [n.address, nodeFiles(model, pki, n, input.secrets)]));
  const tasks: Task[] = model.nodes.map((n) => filesTask(n, files.get(n.address)!, input.ops));
  const etcd = planEtcd({
    model,
    previous: input.previous ? { plane: input.previous.etcd, nodes: input.previous.nodes } : undefined,
    image: systemImage(model.kubernetesVersion, model.systemImages, 'etcd'),
    ops: input.ops,
    filesTaskId,
    filesOf: (node) => files.get(node.address) ?? [],
  });
  tasks.push(...etcd.tasks);
  if (input.etcdOnly) return { tasks, etcd: etcd.plane };

  const vxlan = model.network.plugin === 'vxlan';
  const previousNodes = input.previousKubeNodes;
  const removed = (previousNodes ?? []).filter((p) => !model.nodes.some((n) => n.address === p.address));
  const podSubnets = vxlan
    ? assignPodSubnets(model.network.clusterCidr, model.nodes, input.previous?.podSubnets, { mask: nodeCidrMask(model.network.options) })
    : undefined;
  if (podSubnets) {
    tasks.push(...planVxlan({ model, subnets: podSubnets, ...(previousNodes ? { previousNodes } : {}), ops: input.network }));
  }
  const image = (name: string) => systemImage(model.kubernetesVersion, model.systemImages, name);
  const criDockerd = model.enableCriDockerd || !releaseTraits(model.kubernetesVersion).dockershim;
  const kube = planKubernetes({
    model,
    previousNodes,
    images: {
      kubernetes: image('kubernetes'),
      pause: image('pod_infra_container'),
      nginxProxy: image('nginx_proxy'),
      ...(criDockerd ? { criDockerd: image('cri_dockerd') } : {}),
    },
    criDockerd,
    allocateNodeCidrs: !vxlan,
    ...(podSubnets ? { podCidrs: podSubnets } : {}),
    filesTaskId,
    filesOf: (node) => files.get(node.address) ?? [],
    etcdHealthyTaskId: etcd.healthyTaskId,
    networkTaskIds: (node) => (vxlan ? [cniConfigTaskId(node)] : []),
    etcdCleanTaskId: (node) => (node.roles.includes('etcd') ? `etcd/clean@${node.address}` : undefined),
    wipeAfter: (node) => (vxlan ? [vxlanCleanTaskId(node)] : []),
    ops: input.ops,
    kube: input.kube,
  });
  tasks.push(...kube.tasks);
  // A dropped node loses its overlay after it is drained; the kept nodes drop it as a peer.
  if (vxlan && removed.length > 0) {
    tasks.push(...planVxlanRemoval(removed, input.network, (node) => [`kube/drain@${node.address}`]));
  }
  if (input.addons) tasks.push(...input.addons({ apiHealthy: kube.apiHealthyTaskId, ready: kube.readyTaskId }));
  return { tasks, etcd: etcd.plane, ...(podSubnets ? { podSubnets } : {}) };
}
