import type { ClusterNode } from '../model/cluster.js';
import type { ClusterOps } from './ops.js';

/**
 * What snapshot tasks do to etcd nodes, as an interface (like ClusterOps): the plans stay pure,
 * src/ops/etcd-snapshot-ops.ts does it over Docker and SFTP, unit tests pass a fake.
 */

/** One archive in the snapshot directory of one node. */
export interface SnapshotFile {
  name: string;
  sizeBytes: number;
  /** ISO time the archive was written. */
  createdAt: string;
  /** sha256 of the archive as recorded beside it when it was made; undefined if the record is missing. */
  sha256: string | undefined;
}

/** How one member is rebuilt from a snapshot (etcdctl snapshot restore flags). */
export interface RestoreMember {
  memberName: string;
  peerUrl: string;
  /** name=peerUrl,... for every member of the restored cluster. */
  initialCluster: string;
  clusterToken: string;
}

export interface EtcdSnapshotOps {
  /** etcdctl snapshot save in the running etcd container, then `<name>.tar.gz` with the state copy, and its checksum. */
  snapshotSave(node: ClusterNode, name: string, stateFile: string | undefined): Promise<SnapshotFile>;
  /** The archives in the node's snapshot directory (works with etcd stopped). */
  snapshotList(node: ClusterNode, image: string): Promise<SnapshotFile[]>;
  /** The archive's bytes, checked against its recorded checksum. */
  snapshotRead(node: ClusterNode, file: string): Promise<Buffer>;
  /** Writes an archive and its checksum record into the node's snapshot directory. */
  snapshotWrite(node: ClusterNode, file: string, archive: Buffer): Promise<void>;
  /** Restores the archive into a new directory beside the data (the live data is not touched). */
  snapshotRestore(node: ClusterNode, image: string, file: string, member: RestoreMember, tag: string): Promise<void>;
  /** Stops the etcd container (it stays, so its spec and logs remain). */
  etcdStop(node: ClusterNode): Promise<void>;
  /** Moves the live data aside (kept) and the restored data in; harmless to repeat. */
  dataSwap(node: ClusterNode, image: string, tag: string): Promise<void>;
  /** Deletes the data kept by dataSwap and staged copies of this restore. */
  restoreCleanup(node: ClusterNode, image: string, tag: string): Promise<void>;
}

export type SnapshotClusterOps = Pick<ClusterOps, 'ensureContainer' | 'etcdWaitHealthy' | 'ensureImage'> & EtcdSnapshotOps;
