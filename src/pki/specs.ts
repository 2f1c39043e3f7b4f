import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { hasRole } from '../model/cluster.js';
import { firstServiceIp, isIpAddress } from '../util/ip.js';
import {
  CertName,
  etcdPeerCertName,
  etcdServerCertName,
  kubeletClientCertName,
  kubeletServingCertName,
} from './names.js';

/** server = serving only; client = client only; peer = both (etcd members talk both ways). */
export type CertUsage = 'ca' | 'server' | 'client' | 'peer';

/** What a certificate must say; the PKI is reconciled against a list of these. */
export interface CertSpec {
  name: string;
  /** Name of the signing CA's spec; undefined for a self-signed CA. */
  issuer?: string;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usage: CertUsage;
  /** Address of the node this certificate belongs to (node certificates only). */
  node?: string;
}

const unique = (values: string[]): string[] => [...new Set(values.filter((v) => v !== ''))];

/** Split names and addresses into the SAN kinds, deduplicated and sorted for a stable hash. */
function sans(values: string[]): Pick<CertSpec, 'dnsNames' | 'ipAddresses'> {
  const all = unique(values);
  return {
    dnsNames: all.filter((v) => !isIpAddress(v)).sort(),
    ipAddresses: all.filter(isIpAddress).sort(),
  };
}

const nodeNames = (node: ClusterNode): string[] => [node.address, node.internalAddress, node.hostname];

function ca(name: string): CertSpec {
  return { name, commonName: name, organizations: [], dnsNames: [], ipAddresses: [], usage: 'ca' };
}

function client(name: string, issuer: string, commonName: string, organizations: string[] = []): CertSpec {
  return { name, issuer, commonName, organizations, dnsNames: [], ipAddresses: [], usage: 'client' };
}

/** The apiserver answers on every control-plane address and on the in-cluster service names. */
export function apiServerSans(model: ClusterModel): string[] {
  const domain = model.network.clusterDomain;
  return [
    ...model.nodes.filter((n) => hasRole(n, 'controlplane')).flatMap(nodeNames),
    firstServiceIp(model.network.serviceClusterIpRange),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${domain}`,
    'localhost',
    '127.0.0.1',
    ...model.sans,
  ];
}

/** Every certificate the cluster needs, CAs first so issuers always precede what they sign. */
export function certSpecsFor(model: ClusterModel): CertSpec[] {
  const kubeCa = CertName.kubeCa;
  const specs: CertSpec[] = [ca(kubeCa), ca(CertName.etcdCa), ca(CertName.frontProxyCa)];
  specs.push({
    name: CertName.apiServer,
    issuer: kubeCa,
    commonName: CertName.apiServer,
    organizations: [],
    ...sans(apiServerSans(model)),
    usage: 'server',
  });
  specs.push(client(CertName.apiServerKubeletClient, kubeCa, CertName.apiServerKubeletClient, ['system:masters']));
  specs.push(client(CertName.apiServerEtcdClient, CertName.etcdCa, CertName.apiServerEtcdClient));
  specs.push(client(CertName.frontProxyClient, CertName.frontProxyCa, CertName.frontProxyClient));
  specs.push(client(CertName.controllerManager, kubeCa, 'system:kube-controller-manager'));
  specs.push(client(CertName.scheduler, kubeCa, 'system:kube-scheduler'));
  specs.push(client(CertName.proxy, kubeCa, 'system:kube-proxy'));
  specs.push(client(CertName.admin, kubeCa, CertName.admin, ['system:masters']));
  for (const node of model.nodes) specs.push(...nodeCertSpecs(node));
  return specs;
}

function nodeCertSpecs(node: ClusterNode): CertSpec[] {
  const identity = `system:node:${node.hostname}`;
  const specs: CertSpec[] = [
    { ...client(kubeletClientCertName(node.address), CertName.kubeCa, identity, ['system:nodes']), node: node.address },
    {
      name: kubeletServingCertName(node.address),
      issuer: CertName.kubeCa,
      commonName: identity,
      organizations: ['system:nodes'],
      ...sans(nodeNames(node)),
      usage: 'server',
      node: node.address,
    },
  ];
  if (hasRole(node, 'etcd')) {
    const etcdSans = sans([...nodeNames(node), 'localhost', '127.0.0.1']);
    for (const name of [etcdServerCertName(node.address), etcdPeerCertName(node.address)]) {
      specs.push({ name, issuer: CertName.etcdCa, commonName: node.hostname, organizations: [], ...etcdSans, usage: 'peer', node: node.address });
    }
  }
  return specs;
}
