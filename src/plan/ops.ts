import type { ContainerSpec } from '../components/container-spec.js';
import type { TaskChange } from '../executor/task.js';
import type { ClusterNode } from '../model/cluster.js';

/**
 * What tasks may do to a cluster, as an interface: plans stay pure (they only close over this),
 * the real implementation talks SSH and Docker, and tests pass a fake. Every `*Diff` is
 * read-only and is what `--dry-run` and `drover plan` show.
 */
export interface RemoteFile {
  path: string;
  content: string;
  mode: number;
}

export interface EtcdMember {
  id: string;
  name: string;
  peerUrls: string[];
}

export interface ClusterOps {
  filesDiff(node: ClusterNode, files: RemoteFile[]): Promise<TaskChange[]>;
  /** Writes the files whose content or mode differ (atomically, over SFTP). */
  writeFiles(node: ClusterNode, files: RemoteFile[]): Promise<void>;
  imageDiff(node: ClusterNode, image: string): Promise<TaskChange[]>;
  /** Pulls the image unless present, with the matching private registry's credentials. */
  ensureImage(node: ClusterNode, image: string): Promise<void>;
  containerDiff(node: ClusterNode, spec: ContainerSpec): Promise<TaskChange[]>;
  /** Same spec hash → nothing; different → replace; absent → create. Then make sure it runs. */
  ensureContainer(node: ClusterNode, spec: ContainerSpec): Promise<'unchanged' | 'created' | 'replaced' | 'started'>;
  /** Names of the containers drover made on the node (by its managed label), running or not. */
  managedContainers(node: ClusterNode): Promise<string[]>;
  /** Which of these paths exist on the node. */
  existingPaths(node: ClusterNode, paths: string[]): Promise<string[]>;
  /** Stops and removes a container; absent is fine. */
  removeContainer(node: ClusterNode, name: string): Promise<void>;
  /** rm -rf of paths drover made. */
  removePaths(node: ClusterNode, paths: string[]): Promise<void>;
  /** Waits until every given member answers healthy; the error carries the last log lines. */
  etcdWaitHealthy(members: ClusterNode[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  etcdMemberList(via: ClusterNode): Promise<EtcdMember[]>;
  etcdMemberAdd(via: ClusterNode, name: string, peerUrl: string): Promise<void>;
  etcdMemberRemove(via: ClusterNode, memberId: string): Promise<void>;
}
