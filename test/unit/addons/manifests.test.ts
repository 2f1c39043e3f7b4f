import { describe, expect, it } from 'vitest';
import { addonsFor, networkAddon } from '../../../src/addons/index.js';
import { applyOrder, parseManifests } from '../../../src/addons/manifest.js';
import { withPortProtocols } from '../../../src/addons/port-protocols.js';
import type { KubeObject } from '../../../src/addons/kube-object.js';
import { addonModel } from './model.js';

const images = (objects: KubeObject[]): string[] => JSON.stringify(objects).match(/"image":"[^"]+"/g)?.map((m) => m.slice(9, -1)) ?? [];
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('built-in add-ons', () => {
  it('are RKE defaults for a plain cluster.yml: RBAC, canal, CoreDNS, metrics-server, ingress-nginx', () => {
    expect(addonsFor(addonModel()).map((a) => a.name)).toEqual(['rbac', 'network', 'coredns', 'metrics-server', 'ingress']);
  });

  it('are valid objects, unique, and the same every time (no timestamps, no random names)', () => {
    for (const plugin of ['canal', 'flannel', 'calico']) {
      const model = addonModel({ network: { plugin } });
      const first = addonsFor(model);
      expect(JSON.stringify(addonsFor(model))).toBe(JSON.stringify(first));
      const objects = first.flatMap((a) => a.objects);
      for (const o of objects) {
        expect(o.apiVersion, JSON.stringify(o.metadata)).toMatch(/^[a-z0-9.]+(\/v\d\w*)?$|^v1$/);
        expect(o.metadata.name).toMatch(/^[a-z0-9:.-]+$/);
      }
      const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(new Set(keys).size, plugin).toBe(keys.length);
    }
  });

  it('uses the release images under RKE names, system_images overrides and the default private registry', () => {
    expect(images(networkAddon(addonModel({ network: { plugin: 'calico' } }))!.objects)).toEqual([
      'rancher/calico-cni:v3.17.2', 'rancher/calico-pod2daemon-flexvol:v3.17.2', 'rancher/calico-node:v3.17.2', 'rancher/calico-kube-controllers:v3.17.2',
    ]);
    const model = addonModel({
      system_images: { coredns: 'mirror.example:5000/dns/coredns:1.8.0' },
      private_registries: [{ url: 'registry.example:5000', is_default: true }],
    });
    const all = addonsFor(model);
    expect(images(all.find((a) => a.name === 'coredns')!.objects)).toEqual(['mirror.example:5000/dns/coredns:1.8.0']);
    expect(images(all.find((a) => a.name === 'metrics-server')!.objects)).toEqual(['registry.example:5000/rancher/metrics-server:v0.4.1']);
  });

  it('puts CoreDNS at cluster_dns_server for cluster_domain, forwarding to the upstream nameservers', () => {
    const model = addonModel({ services: { kubelet: { cluster_dns_server: '10.43.0.53', cluster_domain: 'corp.internal' } }, dns: { provider: 'coredns', upstreamnameservers: ['192.0.2.1', '192.0.2.2'], node_selector: { dns: 'yes' } } });
    const objects = addonsFor(model).find((a) => a.name === 'coredns')!.objects;
    expect((find(objects, 'Service', 'kube-dns')!['spec'] as { clusterIP: string }).clusterIP).toBe('10.43.0.53');
    const corefile = (find(objects, 'ConfigMap', 'coredns')!['data'] as { Corefile: string }).Corefile;
    expect(corefile).toContain('kubernetes corp.internal in-addr.arpa ip6.arpa');
    expect(corefile).toContain('forward . 192.0.2.1 192.0.2.2');
    const pod = (find(objects, 'Deployment', 'coredns')!['spec'] as { template: { spec: { nodeSelector: Record<string, string> } } }).template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', dns: 'yes' });
  });

  it('gives flannel and canal the cluster_cidr and backend', () => {
    const model = addonModel({ services: { 'kube-controller': { cluster_cidr: '10.99.0.0/16' } }, network: { plugin: 'flannel', options: { flannel_backend_type: 'host-gw' } } });
    const cfg = find(networkAddon(model)!.objects, 'ConfigMap', 'kube-flannel-cfg')!['data'] as Record<string, string>;
    expect(JSON.parse(cfg['net-conf.json']!)).toEqual({ Network: '10.99.0.0/16', Backend: { Type: 'host-gw' } });
    const canal = find(networkAddon(addonModel({ services: { 'kube-controller': { cluster_cidr: '10.98.0.0/16' } } }))!.objects, 'ConfigMap', 'canal-config')!['data'] as Record<string, string>;
    expect(JSON.parse(canal['net-conf.json']!).Network).toBe('10.98.0.0/16');
  });

  it('leaves out what is turned off and the network drover runs itself', () => {
    const model = addonModel({ network: { plugin: 'vxlan' }, dns: { provider: 'none' }, monitoring: { provider: 'none' }, ingress: { provider: 'none' } });
    expect(addonsFor(model).map((a) => a.name)).toEqual(['rbac']);
  });

  it('refuses a plugin or provider it cannot deploy, saying which ones it can', () => {
    expect(() => addonsFor(addonModel({ network: { plugin: 'weave' } }))).toThrow('network.plugin weave is not supported by drover');
  });

  it('binds the apiserver kubelet-client identity to the kubelet API', () => {
    const rbac = addonsFor(addonModel()).find((a) => a.name === 'rbac')!;
    expect(find(rbac.objects, 'ClusterRoleBinding', 'system:kube-apiserver')!['subjects']).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client' },
    ]);
  });

  it('waits for every workload it applies', () => {
    const waits = addonsFor(addonModel()).flatMap((a) => a.waitFor.map((w) => `${a.name}:${w.kind}/${w.namespace}/${w.name}`));
    expect(waits).toEqual([
      'network:DaemonSet/kube-system/canal',
      'coredns:Deployment/kube-system/coredns',
      'metrics-server:Deployment/kube-system/metrics-server',
      'ingress:DaemonSet/ingress-nginx/nginx-ingress-controller',
      'ingress:Deployment/ingress-nginx/default-http-backend',
    ]);
  });
});

describe('user add-ons', () => {
  it('come last: inline addons, then each addons_include file in order', () => {
    const model = addonModel({ addons: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inline}\n', addons_include: ['extra.yaml'] });
    const addons = addonsFor(model, { '/work/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-file}\n' });
    expect(addons.at(-1)!.objects.map((o) => o.metadata.name)).toEqual(['inline', 'from-file']);
  });
});

describe('manifest parsing', () => {
  it('skips empty documents and flattens Lists', () => {
    const objects = parseManifests('---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n---\n', 'x');
    expect(objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('names the source and document of a bad object', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\nmetadata: {name: b}\n', 'addons.yaml')).toThrow('addons.yaml (document 2): has no apiVersion');
    expect(() => parseManifests('a: [', 'bad.yaml')).toThrow(/^bad.yaml: not valid YAML/);
  });

  it('orders Namespaces, then CRDs, then the rest as given', () => {
    const o = (kind: string, name: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name } });
    const ordered = applyOrder([o('ConfigMap', 'a'), o('CustomResourceDefinition', 'b'), o('Namespace', 'c'), o('Secret', 'd')]);
    expect(ordered.map((x) => x.metadata.name)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('fills in the TCP protocol server-side apply needs on ports, leaving given ones', () => {
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 53, protocol: 'UDP' }, { port: 80 }] } };
    expect((withPortProtocols(svc)['spec'] as { ports: unknown[] }).ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }]);
    expect((svc['spec'] as { ports: unknown[] }).ports[1]).toEqual({ port: 80 });
  });
});
