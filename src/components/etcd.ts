import type { ClusterNode, ServiceOptions } from '../model/cluster.js';
import { CERT_DIR, CertName, certFileName, etcdPeerCertName, etcdServerCertName, keyFileName } from '../pki/names.js';
import { finalizeSpec, flagArgs, type ContainerSpec } from './container-spec.js';

/**
 * The etcd container, laid out as RKE does so its users' habits keep working: container `etcd`,
 * data in /var/lib/etcd on the node, certificates under /etc/kubernetes/ssl, and the ETCDCTL_*
 * settings in the environment (paths only, no key material) so that
 * `docker exec etcd etcdctl endpoint health --cluster` works on a node.
 */
export const ETCD_CONTAINER = 'etcd';
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
const DATA_IN_CONTAINER = '/var/lib/rancher/etcd/';
/**
 * Named snapshots (`drover etcd snapshot-*`), at the same path on the node and in the container so
 * `etcdctl snapshot save` writes straight to the node. Docker creates the directory for the bind
 * when it is missing, so it exists before etcd starts.
 */
export const ETCD_SNAPSHOT_DIR = '/opt/drover/etcd-snapshots';

export const etcdMemberName = (node: ClusterNode): string => `etcd-${node.hostname}`;
export const etcdPeerUrl = (node: ClusterNode): string => `https://${node.internalAddress}:${ETCD_PEER_PORT}`;
export const etcdClientUrl = (node: ClusterNode): string => `https://${node.internalAddress}:${ETCD_CLIENT_PORT}`;

export interface EtcdSpecInput {
  node: ClusterNode;
  /** The members this one starts with (itself included), for --initial-cluster. */
  initialMembers: ClusterNode[];
  /** new: bootstrap a cluster; existing: join one (after `member add`). */
  initialState: 'new' | 'existing';
  /** Changes only when a cluster is bootstrapped again (restore): members of another cluster never mix. */
  clusterToken: string;
  image: string;
  service: ServiceOptions;
}

/** Where a node's etcd certificates live, inside and outside the container (same path). */
export function etcdCertPaths(node: ClusterNode) {
  const server = etcdServerCertName(node.address);
  const peer = etcdPeerCertName(node.address);
  return {
    ca: `${CERT_DIR}/${certFileName(CertName.etcdCa)}`,
    cert: `${CERT_DIR}/${certFileName(server)}`,
    key: `${CERT_DIR}/${keyFileName(server)}`,
    peerCert: `${CERT_DIR}/${certFileName(peer)}`,
    peerKey: `${CERT_DIR}/${keyFileName(peer)}`,
  };
}

export function etcdSpec(input: EtcdSpecInput): ContainerSpec {
  const { node } = input;
  const certs = etcdCertPaths(node);
  const flags: Record<string, string> = {
    name: etcdMemberName(node),
    'data-dir': DATA_IN_CONTAINER,
    'advertise-client-urls': etcdClientUrl(node),
    'listen-client-urls': `https://0.0.0.0:${ETCD_CLIENT_PORT}`,
    'initial-advertise-peer-urls': etcdPeerUrl(node),
    'listen-peer-urls': `https://0.0.0.0:${ETCD_PEER_PORT}`,
    'initial-cluster': input.initialMembers.map((m) => `${etcdMemberName(m)}=${etcdPeerUrl(m)}`).join(','),
    'initial-cluster-state': input.initialState,
    'initial-cluster-token': input.clusterToken,
    'client-cert-auth': 'true',
    'peer-client-cert-auth': 'true',
    'trusted-ca-file': certs.ca,
    'peer-trusted-ca-file': certs.ca,
    'cert-file': certs.cert,
    'key-file': certs.key,
    'peer-cert-file': certs.peerCert,
    'peer-key-file': certs.peerKey,
    'election-timeout': '5000',
    'heartbeat-interval': '500',
    ...input.service.extraArgs,
  };
  return finalizeSpec({
    name: ETCD_CONTAINER,
    image: input.service.image ?? input.image,
    entrypoint: ['/usr/local/bin/etcd'],
    args: flagArgs(flags),
    binds: [
      `${ETCD_DATA_DIR}:${DATA_IN_CONTAINER}:z`,
      '/etc/kubernetes:/etc/kubernetes:z',
      `${ETCD_SNAPSHOT_DIR}:${ETCD_SNAPSHOT_DIR}:z`,
      ...input.service.extraBinds,
    ],
    env: [
      'ETCDCTL_API=3',
      `ETCDCTL_CACERT=${certs.ca}`,
      `ETCDCTL_CERT=${certs.cert}`,
      `ETCDCTL_KEY=${certs.key}`,
      `ETCDCTL_ENDPOINTS=https://127.0.0.1:${ETCD_CLIENT_PORT}`,
      ...input.service.extraEnv,
    ],
    networkMode: 'host',
    privileged: false,
    restart: 'always',
    labels: { 'io.drover.component': 'etcd' },
  });
}
