import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { CertName } from '../pki/names.js';
import type { ContainerSpec } from './container-spec.js';
import { kubeconfigPath, kubeSpec, KubeContainer, KubePort } from './kube-common.js';

/** kube-proxy in iptables mode (IPVS needs kernel modules a node may lack). */
export function kubeProxySpec(model: ClusterModel, node: ClusterNode, image: string): ContainerSpec {
  return kubeSpec({
    name: KubeContainer.proxy,
    image,
    binary: 'kube-proxy',
    flags: {
      'cluster-cidr': model.network.clusterCidr,
      'healthz-bind-address': `127.0.0.1:${KubePort.proxyHealth}`,
      'hostname-override': node.hostname,
      kubeconfig: kubeconfigPath(CertName.proxy),
      'proxy-mode': 'iptables',
    },
    binds: ['/etc/kubernetes:/etc/kubernetes:z', '/run:/run:rprivate', '/lib/modules:/lib/modules:ro'],
    service: model.services.kubeproxy,
    privileged: true,
  });
}
