import type { Role } from '../model/cluster.js';

/**
 * Ports a node must have free before drover starts its components, per role, as RKE documents
 * them (rancher.com "Port requirements") for the Kubernetes versions drover deploys. `owners`
 * are drover's container names that legitimately hold the port on an existing cluster.
 */
export interface PortRequirement {
  port: number;
  proto: 'tcp' | 'udp';
  component: string;
  owners: string[];
  /** Network links whose presence means drover itself holds the port (a kernel socket has no container). */
  ownerLinks?: string[];
}

const ETCD: PortRequirement[] = [
  { port: 2379, proto: 'tcp', component: 'etcd client', owners: ['etcd'] },
  { port: 2380, proto: 'tcp', component: 'etcd peer', owners: ['etcd'] },
];
const CONTROLPLANE: PortRequirement[] = [
  { port: 6443, proto: 'tcp', component: 'kube-apiserver', owners: ['kube-apiserver'] },
  { port: 10257, proto: 'tcp', component: 'kube-controller-manager', owners: ['kube-controller-manager'] },
  { port: 10252, proto: 'tcp', component: 'kube-controller-manager (healthz)', owners: ['kube-controller-manager'] },
  { port: 10259, proto: 'tcp', component: 'kube-scheduler', owners: ['kube-scheduler'] },
  { port: 10251, proto: 'tcp', component: 'kube-scheduler (healthz)', owners: ['kube-scheduler'] },
];
const WORKER: PortRequirement[] = [
  { port: 10250, proto: 'tcp', component: 'kubelet', owners: ['kubelet'] },
  { port: 10248, proto: 'tcp', component: 'kubelet (healthz)', owners: ['kubelet'] },
  { port: 10256, proto: 'tcp', component: 'kube-proxy (healthz)', owners: ['kube-proxy'] },
  { port: 10249, proto: 'tcp', component: 'kube-proxy (metrics)', owners: ['kube-proxy'] },
];
/** Nodes without a control plane reach the apiservers through RKE's nginx-proxy on 6443. */
const NGINX_PROXY: PortRequirement = { port: 6443, proto: 'tcp', component: 'nginx-proxy', owners: ['nginx-proxy'] };

const NETWORK: Record<string, PortRequirement[]> = {
  canal: [
    { port: 8472, proto: 'udp', component: 'canal VXLAN', owners: ['*canal*', '*flannel*'] },
    { port: 9099, proto: 'tcp', component: 'canal health', owners: ['*canal*', '*calico*'] },
  ],
  flannel: [{ port: 8472, proto: 'udp', component: 'flannel VXLAN', owners: ['*flannel*'] }],
  vxlan: [{ port: 8472, proto: 'udp', component: 'VXLAN overlay', owners: [], ownerLinks: ['drover.vxlan'] }],
  calico: [
    { port: 179, proto: 'tcp', component: 'calico BGP', owners: ['*calico*'] },
    { port: 9099, proto: 'tcp', component: 'calico health', owners: ['*calico*'] },
  ],
  weave: [
    { port: 6783, proto: 'tcp', component: 'weave', owners: ['*weave*'] },
    { port: 6783, proto: 'udp', component: 'weave', owners: ['*weave*'] },
    { port: 6784, proto: 'udp', component: 'weave', owners: ['*weave*'] },
  ],
};

export function requiredPorts(roles: readonly Role[], networkPlugin: string): PortRequirement[] {
  const list: PortRequirement[] = [];
  if (roles.includes('etcd')) list.push(...ETCD);
  if (roles.includes('controlplane')) list.push(...CONTROLPLANE);
  else list.push(NGINX_PROXY);
  if (roles.includes('worker') || roles.includes('controlplane')) list.push(...WORKER);
  list.push(...(NETWORK[networkPlugin] ?? []));
  // One requirement per port/proto: the first (most specific) component names it.
  const seen = new Set<string>();
  return list.filter((r) => {
    const key = `${r.port}/${r.proto}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface Listener {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
}

function hexToAddress(hex: string): string {
  if (hex.length === 8) {
    const n = Number.parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
  }
  // IPv6: four little-endian 32-bit words; shown compactly enough to read, not canonicalised.
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse());
  const groups = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(Number.parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * Listening sockets from /proc/net/{tcp,tcp6,udp,udp6}: TCP in state LISTEN (0A), UDP bound
 * and unconnected (07). The same parser reads all four files.
 */
export function parseProcNet(text: string, proto: 'tcp' | 'udp'): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const state = f[3];
    if (!local || !state) continue;
    if (proto === 'tcp' ? state !== '0A' : state !== '07') continue;
    const [addrHex, portHex] = local.split(':');
    if (!addrHex || !portHex) continue;
    listeners.push({ proto, address: hexToAddress(addrHex), port: Number.parseInt(portHex, 16) });
  }
  return listeners;
}
