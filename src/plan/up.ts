import { CERT_DIR, nodePkiFiles, type Pki } from '../pki/index.js';
import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { EtcdPlaneState } from '../model/etcd-plane.js';
import { systemImage } from '../model/versions.js';
import { planEtcd } from './etcd.js';
import type { ClusterOps, RemoteFile } from './ops.js';

/**
 * `drover up` as one task graph: today the etcd plane (certificates, images, members, health).
 * Pure: what to do is decided from the model, the last applied state and the PKI; the tasks
 * act through `ops` when the executor runs them.
 */
export interface UpPlanInput {
  model: ClusterModel;
  pki: Pki;
  previous: { nodes: ClusterNode[]; etcd: EtcdPlaneState } | undefined;
  ops: ClusterOps;
}

export interface UpPlan {
  tasks: Task[];
  etcd: EtcdPlaneState;
}

export function nodeFiles(model: ClusterModel, pki: Pki, node: ClusterNode): RemoteFile[] {
  return nodePkiFiles(model, pki, node).map((f) => ({ path: `${CERT_DIR}/${f.name}`, content: f.content, mode: f.mode }));
}

export function planUp(input: UpPlanInput): UpPlan {
  const { model, pki } = input;
  const files = new Map(model.nodes.map((n) => [n.address, nodeFiles(model, pki, n)]));
  const etcd = planEtcd({
    model,
    previous: input.previous ? { plane: input.previous.etcd, nodes: input.previous.nodes } : undefined,
    image: systemImage(model.kubernetesVersion, model.systemImages, 'etcd'),
    files,
    ops: input.ops,
  });
  return { tasks: etcd.tasks, etcd: etcd.plane };
}
