import type { ClusterModel } from '../model/cluster.js';
import { CertName } from '../pki/names.js';
import type { ContainerSpec } from './container-spec.js';
import { kubeconfigPath, kubeSpec, KubeContainer, KubePort } from './kube-common.js';

export function schedulerSpec(model: ClusterModel, image: string): ContainerSpec {
  const kubeconfig = kubeconfigPath(CertName.scheduler);
  return kubeSpec({
    name: KubeContainer.scheduler,
    image,
    binary: 'kube-scheduler',
    flags: {
      'authentication-kubeconfig': kubeconfig,
      'authorization-kubeconfig': kubeconfig,
      'bind-address': '127.0.0.1',
      kubeconfig,
      'leader-elect': 'true',
      port: '0',
      profiling: 'false',
      'secure-port': String(KubePort.scheduler),
    },
    binds: ['/etc/kubernetes:/etc/kubernetes:z'],
    service: model.services.scheduler,
  });
}
