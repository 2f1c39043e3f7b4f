import yaml from 'js-yaml';
import { AUDIT_POLICY_PATH, ENCRYPTION_CONFIG_PATH } from '../components/kube-apiserver.js';
import { runsControlPlane } from '../components/kube-common.js';
import { NGINX_PROXY_CONF, nginxProxyConfig } from '../components/nginx-proxy.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { RemoteFile } from './ops.js';

/** Secrets of the Kubernetes plane that live in the state (never in cluster.yml). */
export interface KubeSecrets {
  /** AES-CBC key (base64, 32 bytes) for secrets at rest, when secrets_encryption_config is on. */
  encryptionKey?: string;
}

/** Where kubelet (dockershim) looks for registry credentials: pods pull from private registries. */
export const KUBELET_REGISTRY_CONFIG = '/var/lib/kubelet/config.json';

export function encryptionConfig(model: ClusterModel, secrets: KubeSecrets): string {
  const custom = model.kubeApi.secretsEncryption.customConfig;
  if (custom) return yaml.dump(custom, { lineWidth: -1, noRefs: true });
  if (!secrets.encryptionKey) throw new Error('secrets encryption is on but the state has no key');
  const doc = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'drover-key-1', secret: secrets.encryptionKey }] } }, { identity: {} }] }],
  };
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/** RKE's default audit policy records metadata of every request. */
export function auditPolicy(model: ClusterModel): string {
  const policy = model.kubeApi.auditLog.policy ?? { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] };
  return yaml.dump(policy, { lineWidth: -1, noRefs: true });
}

/** Docker's config.json format, with an entry per private registry that has credentials. */
export function kubeletRegistryConfig(model: ClusterModel): string | undefined {
  const auths = Object.fromEntries(
    model.privateRegistries
      .filter((r) => r.user && r.password)
      .map((r) => [r.url, { auth: Buffer.from(`${r.user}:${r.password}`).toString('base64') }]),
  );
  return Object.keys(auths).length > 0 ? JSON.stringify({ auths }, null, 2) + '\n' : undefined;
}

/** Files of the Kubernetes plane on one node, besides its certificates. */
export function kubeNodeFiles(model: ClusterModel, node: ClusterNode, secrets: KubeSecrets): RemoteFile[] {
  const files: RemoteFile[] = [];
  if (runsControlPlane(node)) {
    if (model.kubeApi.secretsEncryption.enabled) files.push({ path: ENCRYPTION_CONFIG_PATH, content: encryptionConfig(model, secrets), mode: 0o600 });
    if (model.kubeApi.auditLog.enabled) files.push({ path: AUDIT_POLICY_PATH, content: auditPolicy(model), mode: 0o644 });
  } else {
    files.push({ path: NGINX_PROXY_CONF, content: nginxProxyConfig(model), mode: 0o644 });
  }
  const registry = kubeletRegistryConfig(model);
  if (registry) files.push({ path: KUBELET_REGISTRY_CONFIG, content: registry, mode: 0o600 });
  return files;
}
