import { basename, dirname, join } from 'node:path';
import yaml from 'js-yaml';
import type { ClusterModel } from '../model/cluster.js';
import { nodesWithRole } from '../model/cluster.js';
import type { Pki } from './reconcile.js';
import { CERT_DIR, CertName, certFileName, keyFileName, kubeconfigFileName } from './names.js';

/** On every node the components reach the apiserver through localhost (RKE's nginx-proxy on workers). */
export const LOCAL_API_SERVER = 'https://127.0.0.1:6443';

/**
 * Components whose kubeconfig lives in /etc/kubernetes/ssl and points at certificate files there
 * (RKE layout). The kubelet's entry uses the node's own certificate, deployed as kube-node.pem.
 */
export const COMPONENT_KUBECONFIGS = ['kube-node', CertName.proxy, CertName.controllerManager, CertName.scheduler] as const;

interface KubeconfigParts {
  clusterName: string;
  userName: string;
  server: string;
  ca: { file: string } | { data: string };
  client: { certFile: string; keyFile: string } | { certData: string; keyData: string };
}

function renderKubeconfig(p: KubeconfigParts): string {
  const cluster =
    'file' in p.ca ? { server: p.server, 'certificate-authority': p.ca.file } : { server: p.server, 'certificate-authority-data': p.ca.data };
  const user =
    'certFile' in p.client
      ? { 'client-certificate': p.client.certFile, 'client-key': p.client.keyFile }
      : { 'client-certificate-data': p.client.certData, 'client-key-data': p.client.keyData };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.clusterName, cluster }],
    contexts: [{ name: p.clusterName, context: { cluster: p.clusterName, user: p.userName } }],
    'current-context': p.clusterName,
    users: [{ name: p.userName, user }],
  };
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/** kubeconfig of one component (kubecfg-<name>.yaml), referring to files under /etc/kubernetes/ssl. */
export function componentKubeconfig(model: ClusterModel, certName: string): string {
  return renderKubeconfig({
    clusterName: model.name,
    userName: certName,
    server: LOCAL_API_SERVER,
    ca: { file: `${CERT_DIR}/${certFileName(CertName.kubeCa)}` },
    client: { certFile: `${CERT_DIR}/${certFileName(certName)}`, keyFile: `${CERT_DIR}/${keyFileName(certName)}` },
  });
}

export function componentKubeconfigs(model: ClusterModel): Record<string, string> {
  return Object.fromEntries(COMPONENT_KUBECONFIGS.map((name) => [kubeconfigFileName(name), componentKubeconfig(model, name)]));
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/**
 * The admin kubeconfig with everything embedded. The default context aims at `server` (the
 * first authentication.sans entry — a load balancer — when set, else the first control-plane
 * node); one more context per control-plane node (<cluster>-<node name>) reaches each apiserver
 * directly, for when the balancer or one node is down.
 */
export function adminKubeconfig(model: ClusterModel, pki: Pki, server = adminServer(model)): string {
  const ca = pki.certs[CertName.kubeCa];
  const admin = pki.certs[CertName.admin];
  if (!ca || !admin?.keyPem) throw new Error('the PKI has no kube-ca or kube-admin certificate');
  const userName = `kube-admin-${model.name}`;
  const caData = b64(ca.certPem);
  const targets = [
    { name: model.name, server },
    ...nodesWithRole(model, 'controlplane').map((n) => ({ name: `${model.name}-${n.hostname}`, server: `https://${urlHost(n.address)}:6443` })),
  ];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: targets.map((t) => ({ name: t.name, cluster: { server: t.server, 'certificate-authority-data': caData } })),
    contexts: targets.map((t) => ({ name: t.name, context: { cluster: t.name, user: userName } })),
    'current-context': model.name,
    users: [{ name: userName, user: { 'client-certificate-data': b64(admin.certPem), 'client-key-data': b64(admin.keyPem) } }],
  };
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/** The load balancer (first authentication.sans entry) when there is one, else the first control-plane node. */
export function adminServer(model: ClusterModel): string {
  const lb = model.sans[0];
  if (lb) return `https://${urlHost(lb)}:6443`;
  const first = nodesWithRole(model, 'controlplane')[0];
  return first ? `https://${urlHost(first.address)}:6443` : LOCAL_API_SERVER;
}

/** RKE's name: cluster.yml → kube_config_cluster.yml, beside the cluster file. */
export function adminKubeconfigPath(configPath: string): string {
  return join(dirname(configPath), `kube_config_${basename(configPath)}`);
}
