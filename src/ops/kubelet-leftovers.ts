import { DroverError } from '../errors.js';
import type { ClusterNode } from '../model/cluster.js';
import type { NodeTransport } from '../transport/session.js';
import { lastLines } from './etcdctl.js';

/**
 * What kubelet leaves on a node when it stops: the containers of its pods (dockershim names them
 * k8s_* and labels them with the pod) and the volumes it mounted under /var/lib/kubelet (secrets
 * on tmpfs, projected tokens), which must be unmounted before the directory can go.
 */
export async function cleanKubeletLeftovers(transport: Pick<NodeTransport, 'docker' | 'host'>, node: ClusterNode): Promise<void> {
  const docker = transport.docker(node);
  for (const c of await docker.listContainers({ all: true })) {
    if (c.labels['io.kubernetes.pod.name'] !== undefined) await docker.removeContainer(c.name, { force: true });
  }
  const script = "awk '$2 ~ \"^/var/lib/kubelet/\" {print $2}' /proc/self/mounts | sort -r | while read -r m; do umount -l \"$m\" || true; done";
  const r = await transport.host(node).exec(script, { sudo: true });
  if (r.code !== 0) throw new DroverError(`cannot unmount kubelet volumes on ${node.address}: ${lastLines(r.stderr, 3)}`);
}
