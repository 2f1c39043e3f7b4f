import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { Pki } from './reconcile.js';
import { adminKubeconfig, adminKubeconfigPath, componentKubeconfigs } from './kubeconfig.js';
import { CertName, certFileName, keyFileName, kubeletClientCertName } from './names.js';
import { basename } from 'node:path';

/** A file to write: a name relative to the target directory, its content and mode. */
export interface PkiFile {
  name: string;
  content: string;
  mode: number;
}

const certFiles = (name: string, certPem: string, keyPem: string | undefined): PkiFile[] => [
  { name: certFileName(name), content: certPem, mode: 0o644 },
  ...(keyPem ? [{ name: keyFileName(name), content: keyPem, mode: 0o600 }] : []),
];

function serviceAccountFiles(pki: Pki): PkiFile[] {
  return [
    { name: certFileName(CertName.serviceAccountToken), content: pki.serviceAccount.publicKeyPem, mode: 0o644 },
    { name: keyFileName(CertName.serviceAccountToken), content: pki.serviceAccount.privateKeyPem, mode: 0o600 },
  ];
}

/** Every PEM and kubeconfig of the cluster in one flat directory (`drover cert generate`). */
export function allPkiFiles(model: ClusterModel, pki: Pki): PkiFile[] {
  const files = Object.values(pki.certs).flatMap((c) => certFiles(c.name, c.certPem, c.keyPem));
  files.push(...serviceAccountFiles(pki));
  for (const [name, content] of Object.entries(componentKubeconfigs(model))) files.push({ name, content, mode: 0o644 });
  files.push({ name: basename(adminKubeconfigPath(model.configPath)), content: adminKubeconfig(model, pki), mode: 0o600 });
  return files;
}

/**
 * What one node gets in /etc/kubernetes/ssl: the CAs' certificates (never their keys), its own
 * node certificates, its kubelet client as kube-node.pem (what kubecfg-kube-node.yaml names), and
 * the control-plane material when it has that role.
 */
export function nodePkiFiles(model: ClusterModel, pki: Pki, node: ClusterNode): PkiFile[] {
  const files: PkiFile[] = [];
  const add = (name: string, as = name, withKey = true): void => {
    const cert = pki.certs[name];
    if (cert) files.push(...certFiles(as, cert.certPem, withKey ? cert.keyPem : undefined));
  };
  for (const ca of [CertName.kubeCa, CertName.etcdCa, CertName.frontProxyCa]) add(ca, ca, false);
  for (const cert of Object.values(pki.certs)) if (cert.node === node.address) add(cert.name);
  add(kubeletClientCertName(node.address), 'kube-node');
  add(CertName.proxy);
  const kubeconfigs = componentKubeconfigs(model);
  const wantKubeconfig = (n: string): void => {
    const content = kubeconfigs[`kubecfg-${n}.yaml`];
    if (content) files.push({ name: `kubecfg-${n}.yaml`, content, mode: 0o644 });
  };
  wantKubeconfig('kube-node');
  wantKubeconfig(CertName.proxy);
  if (node.roles.includes('controlplane')) {
    for (const name of [CertName.apiServer, CertName.apiServerKubeletClient, CertName.apiServerEtcdClient, CertName.frontProxyClient, CertName.controllerManager, CertName.scheduler]) add(name);
    files.push(...serviceAccountFiles(pki));
    wantKubeconfig(CertName.controllerManager);
    wantKubeconfig(CertName.scheduler);
  }
  return files;
}
