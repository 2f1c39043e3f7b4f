/**
 * Certificate names follow RKE's (pki/constants.go), because they are the file names a user
 * finds under /etc/kubernetes/ssl: <name>.pem and <name>-key.pem.
 */
export const CERT_DIR = '/etc/kubernetes/ssl';

export const CertName = {
  kubeCa: 'kube-ca',
  /** etcd gets its own CA (RKE signs etcd with kube-ca; kubeadm separates them, and so do we). */
  etcdCa: 'kube-etcd-ca',
  /** The front-proxy (aggregation layer) CA, RKE's requestheader CA. */
  frontProxyCa: 'kube-apiserver-requestheader-ca',
  apiServer: 'kube-apiserver',
  apiServerKubeletClient: 'kube-apiserver-kubelet-client',
  apiServerEtcdClient: 'kube-apiserver-etcd-client',
  frontProxyClient: 'kube-apiserver-proxy-client',
  controllerManager: 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  proxy: 'kube-proxy',
  admin: 'kube-admin',
  serviceAccountToken: 'kube-service-account-token',
} as const;

/** RKE writes node addresses into file names with dots (and colons) turned into dashes. */
export const addressSlug = (address: string): string => address.replace(/[.:]/g, '-');

export const etcdServerCertName = (address: string): string => `kube-etcd-${addressSlug(address)}`;
export const etcdPeerCertName = (address: string): string => `kube-etcd-peer-${addressSlug(address)}`;
/** Per-node kubelet client identity (system:node:<hostname>); deployed on its node as kube-node.pem. */
export const kubeletClientCertName = (address: string): string => `kube-node-${addressSlug(address)}`;
/** Per-node kubelet serving certificate (RKE's generate_serving_certificate name). */
export const kubeletServingCertName = (address: string): string => `kube-kubelet-${addressSlug(address)}`;

export const certFileName = (name: string): string => `${name}.pem`;
export const keyFileName = (name: string): string => `${name}-key.pem`;
export const kubeconfigFileName = (name: string): string => `kubecfg-${name}.yaml`;
