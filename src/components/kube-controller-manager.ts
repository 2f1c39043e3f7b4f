import type { ClusterModel } from '../model/cluster.js';
import { CertName } from '../pki/names.js';
import type { ContainerSpec } from './container-spec.js';
import { certPath, keyPath, kubeconfigPath, kubeSpec, KubeContainer, KubePort } from './kube-common.js';

export interface ControllerManagerInput {
  model: ClusterModel;
  image: string;
  /** Node pod CIDRs come from the controller-manager (flannel, canal, calico) or from drover (vxlan). */
  allocateNodeCidrs: boolean;
}

export function controllerManagerSpec({ model, image, allocateNodeCidrs }: ControllerManagerInput): ContainerSpec {
  const kubeconfig = kubeconfigPath(CertName.controllerManager);
  const flags: Record<string, string> = {
    'allocate-node-cidrs': String(allocateNodeCidrs),
    'authentication-kubeconfig': kubeconfig,
    'authorization-kubeconfig': kubeconfig,
    'bind-address': '127.0.0.1',
    'cluster-cidr': model.network.clusterCidr,
    'configure-cloud-routes': 'false',
    kubeconfig,
    'leader-elect': 'true',
    'node-monitor-grace-period': '40s',
    // The insecure HTTP port is off; health is read over TLS on the secure port.
    port: '0',
    profiling: 'false',
    'root-ca-file': certPath(CertName.kubeCa),
    'secure-port': String(KubePort.controllerManager),
    'service-account-private-key-file': keyPath(CertName.serviceAccountToken),
    'service-cluster-ip-range': model.network.serviceClusterIpRange,
    'terminated-pod-gc-threshold': '1000',
    'use-service-account-credentials': 'true',
  };
  return kubeSpec({
    name: KubeContainer.controllerManager,
    image,
    binary: 'kube-controller-manager',
    flags,
    binds: ['/etc/kubernetes:/etc/kubernetes:z'],
    service: model.services['kube-controller'],
  });
}
