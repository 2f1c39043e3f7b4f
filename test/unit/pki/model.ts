import type { ClusterModel, ClusterNode, Role } from '../../../src/model/cluster.js';
import { defaultClusterFeatures } from '../../../src/model/build.js';

/** A hand-built ClusterModel for PKI and state tests (the config loader is not involved). */
export function testNode(address: string, roles: Role[], extra: Partial<ClusterNode> = {}): ClusterNode {
  return {
    address,
    port: 22,
    user: 'root',
    sshAgentAuth: false,
    internalAddress: address,
    hostname: `node-${address.split('.').pop() ?? address}`,
    roles,
    dockerSocket: '/var/run/docker.sock',
    labels: {},
    taints: [],
    ...extra,
  };
}

const service = { extraArgs: {}, extraBinds: [], extraEnv: [] };

export function testModel(nodes: ClusterNode[], extra: Partial<ClusterModel> = {}): ClusterModel {
  return {
    name: 'local',
    configPath: '/tmp/drover-test/cluster.yml',
    kubernetesVersion: 'v1.31.4',
    nodes,
    knownHostsPath: '/tmp/drover-test/known_hosts',
    network: {
      plugin: 'canal',
      options: {},
      serviceClusterIpRange: '10.43.0.0/16',
      serviceNodePortRange: '30000-32767',
      clusterCidr: '10.42.0.0/16',
      clusterDomain: 'cluster.local',
      clusterDnsServer: '10.43.0.10',
    },
    sans: [],
    ...defaultClusterFeatures(),
    services: {
      etcd: service,
      'kube-api': service,
      'kube-controller': service,
      scheduler: service,
      kubelet: service,
      kubeproxy: service,
    },
    privateRegistries: [],
    systemImages: {},
    ...extra,
  };
}

export function threeNodeModel(): ClusterModel {
  return testModel([
    testNode('10.250.0.11', ['etcd', 'controlplane', 'worker'], { internalAddress: '192.168.1.11', hostname: 'cp-1' }),
    testNode('10.250.0.12', ['etcd', 'controlplane'], { hostname: 'cp-2' }),
    testNode('10.250.0.13', ['worker'], { hostname: 'worker-1' }),
  ]);
}
