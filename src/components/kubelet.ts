import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { CertName, kubeletServingCertName } from '../pki/names.js';
import type { ContainerSpec } from './container-spec.js';
import { certPath, keyPath, kubeconfigPath, kubeSpec, KubeContainer } from './kube-common.js';

export const CNI_CONF_DIR = '/etc/cni/net.d';
export const CNI_BIN_DIR = '/opt/cni/bin';
export const CRI_DOCKERD_SOCKET = '/var/run/cri-dockerd.sock';

export interface KubeletInput {
  model: ClusterModel;
  node: ClusterNode;
  image: string;
  pauseImage: string;
  /** v1.24+ has no dockershim: kubelet talks CRI to cri-dockerd, which then owns the CNI flags. */
  criDockerd: boolean;
}

/** The CNI settings, which live on kubelet (dockershim) or on cri-dockerd. */
function cniFlags(pauseImage: string): Record<string, string> {
  return { 'network-plugin': 'cni', 'cni-bin-dir': CNI_BIN_DIR, 'cni-conf-dir': CNI_CONF_DIR, 'pod-infra-container-image': pauseImage };
}

/**
 * kubelet as RKE runs it: a privileged container sharing the node's network and PID namespace,
 * with the node's Docker, kubelet and CNI directories bound in (kubelet's own dir with shared
 * propagation, so volume mounts it makes are seen by the containers Docker starts).
 */
export function kubeletSpec({ model, node, image, pauseImage, criDockerd }: KubeletInput): ContainerSpec {
  const serving = kubeletServingCertName(node.address);
  const flags: Record<string, string> = {
    address: '0.0.0.0',
    'anonymous-auth': 'false',
    'authentication-token-webhook': 'true',
    'authorization-mode': 'Webhook',
    'cgroups-per-qos': 'true',
    'client-ca-file': certPath(CertName.kubeCa),
    'cluster-dns': model.network.clusterDnsServer,
    'cluster-domain': model.network.clusterDomain,
    'fail-swap-on': String(model.kubelet.failSwapOn),
    'hostname-override': node.hostname,
    kubeconfig: kubeconfigPath('kube-node'),
    'make-iptables-util-chains': 'true',
    'node-ip': node.internalAddress,
    'read-only-port': '0',
    'resolv-conf': '/etc/resolv.conf',
    'root-dir': '/var/lib/kubelet',
    'streaming-connection-idle-timeout': '30m',
    'volume-plugin-dir': '/var/lib/kubelet/volumeplugins',
    ...(criDockerd
      ? { 'container-runtime': 'remote', 'container-runtime-endpoint': `unix://${CRI_DOCKERD_SOCKET}` }
      : { ...cniFlags(model.kubelet.infraContainerImage ?? pauseImage), 'docker-endpoint': `unix://${node.dockerSocket}` }),
  };
  if (model.kubelet.generateServingCertificate) {
    flags['tls-cert-file'] = certPath(serving);
    flags['tls-private-key-file'] = keyPath(serving);
  }
  return kubeSpec({
    name: KubeContainer.kubelet,
    image,
    binary: 'kubelet',
    flags,
    binds: [
      '/etc/kubernetes:/etc/kubernetes:z',
      '/etc/cni:/etc/cni:rw,z',
      '/opt/cni:/opt/cni:rw,z',
      '/var/lib/cni:/var/lib/cni:z',
      '/etc/resolv.conf:/etc/resolv.conf',
      '/sys:/sys:rprivate',
      '/var/lib/docker:/var/lib/docker:rw,rslave,z',
      '/var/lib/kubelet:/var/lib/kubelet:shared,z',
      '/run:/run:rprivate',
      // The Docker socket's usual path; images need not have /var/run → /run.
      '/var/run:/var/run:rprivate',
      '/var/log/containers:/var/log/containers:z',
      '/var/log/pods:/var/log/pods:z',
      '/dev:/host/dev:rprivate',
    ],
    service: model.services.kubelet,
    privileged: true,
    pidHost: true,
  });
}

/** cri-dockerd (v1.24+, or `enable_cri_dockerd`): the CRI shim between kubelet and Docker. */
export function criDockerdSpec({ model, node, image, pauseImage }: Omit<KubeletInput, 'criDockerd'>): ContainerSpec {
  return kubeSpec({
    name: KubeContainer.criDockerd,
    image,
    binary: 'cri-dockerd',
    flags: {
      ...cniFlags(model.kubelet.infraContainerImage ?? pauseImage),
      'container-runtime-endpoint': `unix://${CRI_DOCKERD_SOCKET}`,
      'docker-endpoint': `unix://${node.dockerSocket}`,
    },
    binds: ['/etc/cni:/etc/cni:rw,z', '/opt/cni:/opt/cni:rw,z', '/var/lib/cni:/var/lib/cni:z', '/var/lib/docker:/var/lib/docker:rw,rslave,z', '/var/lib/kubelet:/var/lib/kubelet:shared,z', '/run:/run:rprivate'],
    service: { extraArgs: {}, extraBinds: [], extraEnv: [] },
    privileged: true,
    pidHost: true,
  });
}
