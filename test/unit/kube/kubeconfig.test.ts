import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { reconcilePki } from '../../../src/pki/index.js';
import { adminKubeconfig, adminServer } from '../../../src/pki/kubeconfig.js';
import { addonModel } from '../addons/model.js';

interface Doc {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
  users: { name: string }[];
}

describe('admin kubeconfig', () => {
  const model = addonModel({
    cluster_name: 'prod',
    nodes: [
      { address: '10.0.0.1', user: 'root', role: ['controlplane', 'etcd'], hostname_override: 'cp-a' },
      { address: 'fd00::2', user: 'root', role: ['controlplane'], hostname_override: 'cp-b' },
      { address: '10.0.0.3', user: 'root', role: ['worker'] },
    ],
  });
  const pki = reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) }).pki;

  it('aims the default context at the first control-plane node, with a context per control-plane node', () => {
    const doc = yaml.load(adminKubeconfig(model, pki)) as Doc;
    expect(doc['current-context']).toBe('prod');
    expect(doc.clusters.map((c) => [c.name, c.cluster.server])).toEqual([
      ['prod', 'https://10.0.0.1:6443'],
      ['prod-cp-a', 'https://10.0.0.1:6443'],
      ['prod-cp-b', 'https://[fd00::2]:6443'],
    ]);
    expect(doc.contexts.map((c) => c.context)).toEqual(doc.clusters.map((c) => ({ cluster: c.name, user: 'kube-admin-prod' })));
    expect(doc.users.map((u) => u.name)).toEqual(['kube-admin-prod']);
  });

  it('uses the load balancer (first authentication.sans entry) as the default server when set', () => {
    const withLb = { ...model, sans: ['k8s.example.com', '192.0.2.10'] };
    expect(adminServer(withLb)).toBe('https://k8s.example.com:6443');
    const doc = yaml.load(adminKubeconfig(withLb, pki)) as Doc;
    expect(doc.clusters[0]!.cluster.server).toBe('https://k8s.example.com:6443');
    expect(doc.clusters).toHaveLength(3);
  });

  it('is the same text for the same inputs', () => {
    expect(adminKubeconfig(model, pki)).toBe(adminKubeconfig(model, pki));
  });
});
