import { X509Certificate, randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { adminKubeconfig, adminKubeconfigPath, allPkiFiles, componentKubeconfig, nodePkiFiles, reconcilePki } from '../../../src/pki/index.js';
import { threeNodeModel } from './model.js';

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

const model = threeNodeModel();
const pki = reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) }).pki;

describe('kubeconfigs', () => {
  it('names the admin kubeconfig as RKE does, beside cluster.yml', () => {
    expect(adminKubeconfigPath('/home/me/prod/cluster.yml')).toBe('/home/me/prod/kube_config_cluster.yml');
    expect(adminKubeconfigPath('/x/edge.yaml')).toBe('/x/kube_config_edge.yaml');
  });

  it('embeds the CA and the admin identity and aims at the first control-plane node', () => {
    const doc = yaml.load(adminKubeconfig(model, pki)) as Kubeconfig;
    expect(doc['current-context']).toBe('local');
    expect(doc.contexts[0]).toEqual({ name: 'local', context: { cluster: 'local', user: 'kube-admin-local' } });
    const cluster = doc.clusters[0]!.cluster;
    expect(cluster['server']).toBe('https://10.250.0.11:6443');
    expect(Buffer.from(cluster['certificate-authority-data']!, 'base64').toString()).toBe(pki.certs['kube-ca']!.certPem);
    const user = doc.users[0]!.user;
    const clientCert = new X509Certificate(Buffer.from(user['client-certificate-data']!, 'base64'));
    expect(clientCert.subject).toBe('O=system:masters\nCN=kube-admin');
    expect(Buffer.from(user['client-key-data']!, 'base64').toString()).toBe(pki.certs['kube-admin']!.keyPem);
  });

  it('points component kubeconfigs at files in /etc/kubernetes/ssl through the local apiserver', () => {
    const doc = yaml.load(componentKubeconfig(model, 'kube-scheduler')) as Kubeconfig;
    expect(doc.clusters[0]!.cluster).toEqual({ server: 'https://127.0.0.1:6443', 'certificate-authority': '/etc/kubernetes/ssl/kube-ca.pem' });
    expect(doc.users[0]!.user).toEqual({
      'client-certificate': '/etc/kubernetes/ssl/kube-scheduler.pem',
      'client-key': '/etc/kubernetes/ssl/kube-scheduler-key.pem',
    });
  });
});

describe('PKI files', () => {
  it('writes every certificate, key and kubeconfig with keys 0600', () => {
    const files = allPkiFiles(model, pki);
    const names = files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'kube-ca.pem', 'kube-ca-key.pem', 'kube-apiserver.pem', 'kube-apiserver-key.pem', 'kube-etcd-10-250-0-11.pem',
        'kube-service-account-token.pem', 'kube-service-account-token-key.pem', 'kubecfg-kube-node.yaml',
        'kubecfg-kube-proxy.yaml', 'kubecfg-kube-controller-manager.yaml', 'kubecfg-kube-scheduler.yaml', 'kube_config_cluster.yml',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const f of files) {
      const secret = f.name.endsWith('-key.pem') || f.name.startsWith('kube_config_');
      expect(f.mode, f.name).toBe(secret ? 0o600 : 0o644);
    }
  });

  it('gives a worker its own identity as kube-node.pem and no CA key or control-plane secret', () => {
    const worker = model.nodes[2]!;
    const files = nodePkiFiles(model, pki, worker);
    const names = files.map((f) => f.name).sort();
    expect(names).toContain('kube-node.pem');
    expect(files.find((f) => f.name === 'kube-node.pem')!.content).toBe(pki.certs['kube-node-10-250-0-13']!.certPem);
    expect(names).not.toContain('kube-ca-key.pem');
    expect(names).not.toContain('kube-apiserver-key.pem');
    expect(names).not.toContain('kube-service-account-token-key.pem');
    expect(names.some((n) => n.includes('10-250-0-11'))).toBe(false);
  });

  it('gives a control-plane and etcd node what its components mount', () => {
    const names = nodePkiFiles(model, pki, model.nodes[1]!).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'kube-apiserver-key.pem', 'kube-apiserver-etcd-client.pem', 'kube-etcd-10-250-0-12-key.pem', 'kube-etcd-peer-10-250-0-12.pem',
        'kube-service-account-token-key.pem', 'kubecfg-kube-scheduler.yaml', 'kube-etcd-ca.pem',
      ]),
    );
    expect(names).not.toContain('kube-etcd-ca-key.pem');
  });
});
