import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { CertName } from '../pki/names.js';
import { etcdClientUrl } from './etcd.js';
import type { ContainerSpec } from './container-spec.js';
import { certPath, keyPath, kubeSpec, KubeContainer, KubePort } from './kube-common.js';

/** Files the apiserver reads besides certificates (written by drover, 0600 where they hold keys). */
export const ENCRYPTION_CONFIG_PATH = '/etc/kubernetes/ssl/encryption.yaml';
export const AUDIT_POLICY_PATH = '/etc/kubernetes/audit-policy.yaml';

const ADMISSION_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'NodeRestriction',
  'Priority',
  'TaintNodesByCondition',
  'PersistentVolumeClaimResize',
];

export interface ApiServerInput {
  model: ClusterModel;
  node: ClusterNode;
  image: string;
  /** Whether the kubelets' serving certificates are signed by kube-ca (then the apiserver verifies them). */
  verifyKubelets: boolean;
}

export function apiServerSpec({ model, node, image, verifyKubelets }: ApiServerInput): ContainerSpec {
  const etcd = model.nodes.filter((n) => n.roles.includes('etcd'));
  const api = model.kubeApi;
  const plugins = [...ADMISSION_PLUGINS, ...(api.alwaysPullImages ? ['AlwaysPullImages'] : []), ...(api.podSecurityPolicy ? ['PodSecurityPolicy'] : [])];
  const flags: Record<string, string> = {
    'advertise-address': node.internalAddress,
    'allow-privileged': 'true',
    'anonymous-auth': 'false',
    'api-audiences': 'unknown',
    'authorization-mode': model.authorizationMode === 'none' ? 'AlwaysAllow' : 'Node,RBAC',
    'bind-address': '0.0.0.0',
    'client-ca-file': certPath(CertName.kubeCa),
    'enable-admission-plugins': plugins.join(','),
    'etcd-cafile': certPath(CertName.etcdCa),
    'etcd-certfile': certPath(CertName.apiServerEtcdClient),
    'etcd-keyfile': keyPath(CertName.apiServerEtcdClient),
    'etcd-prefix': '/registry',
    'etcd-servers': etcd.map(etcdClientUrl).join(','),
    'kubelet-client-certificate': certPath(CertName.apiServerKubeletClient),
    'kubelet-client-key': keyPath(CertName.apiServerKubeletClient),
    'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
    profiling: 'false',
    'proxy-client-cert-file': certPath(CertName.frontProxyClient),
    'proxy-client-key-file': keyPath(CertName.frontProxyClient),
    'requestheader-allowed-names': CertName.frontProxyClient,
    'requestheader-client-ca-file': certPath(CertName.frontProxyCa),
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
    'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-username-headers': 'X-Remote-User',
    'secure-port': String(KubePort.apiServer),
    'service-account-issuer': 'rke',
    // The public key: the apiserver parses only public keys (and RSA private keys) here.
    'service-account-key-file': certPath(CertName.serviceAccountToken),
    'service-account-lookup': 'true',
    'service-account-signing-key-file': keyPath(CertName.serviceAccountToken),
    'service-cluster-ip-range': model.network.serviceClusterIpRange,
    'service-node-port-range': model.network.serviceNodePortRange,
    'storage-backend': 'etcd3',
    'tls-cert-file': certPath(CertName.apiServer),
    'tls-private-key-file': keyPath(CertName.apiServer),
    'tls-min-version': 'VersionTLS12',
  };
  if (verifyKubelets) flags['kubelet-certificate-authority'] = certPath(CertName.kubeCa);
  if (api.secretsEncryption.enabled) flags['encryption-provider-config'] = ENCRYPTION_CONFIG_PATH;
  const binds = ['/etc/kubernetes:/etc/kubernetes:z'];
  if (api.auditLog.enabled) {
    const dir = api.auditLog.path.replace(/\/[^/]*$/, '') || '/';
    Object.assign(flags, {
      'audit-log-path': api.auditLog.path,
      'audit-log-maxage': String(api.auditLog.maxAge),
      'audit-log-maxbackup': String(api.auditLog.maxBackup),
      'audit-log-maxsize': String(api.auditLog.maxSize),
      'audit-log-format': api.auditLog.format,
      'audit-policy-file': AUDIT_POLICY_PATH,
    });
    binds.push(`${dir}:${dir}:z`);
  }
  // On SIGTERM the apiserver waits up to 60 s for its watch connections, which never end by
  // themselves: a replaced apiserver would always use the whole grace period. In-flight requests
  // finish within a few seconds; the clients of long watches reconnect to the new one anyway.
  return kubeSpec({ name: KubeContainer.apiServer, image, binary: 'kube-apiserver', flags, binds, service: model.services['kube-api'], stopGraceSeconds: 5 });
}
