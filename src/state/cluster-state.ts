import type { ClusterModel } from '../model/cluster.js';
import type { Pki } from '../pki/reconcile.js';
import type { EtcdPlaneState } from '../model/etcd-plane.js';

export const CURRENT_SCHEMA_VERSION = 1;
export const PLAIN_MARKER = 'drover-cluster-state';
export const ENCRYPTED_MARKER = 'drover-encrypted-cluster-state';

/** What drover knows about a cluster it manages. Kept 0600 (it holds every private key). */
export interface ClusterState {
  schemaVersion: number;
  /** One more on every save; of several copies (local, on nodes) the highest is the newest. */
  generation: number;
  savedAt: string;
  droverVersion: string;
  /** The model of the last successful run (what is deployed), absent before the first `up`. */
  appliedConfig?: ClusterModel;
  pki?: Pki;
  /** The etcd plane as last deployed: cluster token and how each member was started. */
  etcd?: EtcdPlaneState;
  /** Planes brought up by the last successful run (`up --until etcd` stops after the first). */
  planes?: ('etcd' | 'kubernetes')[];
  /** Pod subnet per node address when drover runs the network (vxlan): a node keeps its subnet. */
  podSubnets?: Record<string, string>;
  /** Secrets of the Kubernetes plane kept only here, e.g. the key for secrets at rest. */
  kubeSecrets?: { encryptionKey?: string };
  /** Versions deployed, by component (kubernetes, etcd, ...). */
  versions: Record<string, string>;
}

/** What a caller saves; the store adds the bookkeeping. */
export type StateContent = Omit<ClusterState, 'schemaVersion' | 'generation' | 'savedAt'>;

/** Readable without the key, so replicas can be compared and errors can say what a file is. */
export interface StateHeader {
  encrypted: boolean;
  generation: number;
  savedAt: string;
}
