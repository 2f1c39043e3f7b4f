import { dirname } from 'node:path';
import type { ClusterConfig } from '../config/schema.js';
import { DEFAULTS } from '../config/defaults.js';
import { resolveConfigPath } from '../config/paths.js';
import type { ClusterModel, ClusterNode, ServiceOptions, SshEndpoint, Taint } from './cluster.js';
import { DEFAULT_KUBERNETES_VERSION, parseKubernetesVersion } from './versions.js';

/**
 * cluster.yml (validated) → the cluster model: RKE's defaults applied, names and addresses
 * derived, paths resolved. Pure but for path resolution against the config's folder and home.
 */
export function buildModel(config: ClusterConfig, configPath: string, home?: string): ClusterModel {
  const dir = dirname(configPath);
  const path = (p: string) => resolveConfigPath(p, dir, home);
  const api = config.services?.['kube-api'];
  const controller = config.services?.['kube-controller'];
  const kubelet = config.services?.kubelet;
  const clusterKeyPath = config.ssh_key_path || DEFAULTS.sshKeyPath;

  const nodes: ClusterNode[] = config.nodes.map((n) => {
    const agent = n.ssh_agent_auth ?? config.ssh_agent_auth ?? false;
    const keyPath = n.ssh_key ? undefined : path(n.ssh_key_path || clusterKeyPath);
    return {
      address: n.address,
      port: Number(n.port || DEFAULTS.sshPort),
      user: n.user,
      ...(keyPath ? { sshKeyPath: keyPath } : {}),
      ...(n.ssh_key ? { sshKey: n.ssh_key } : {}),
      sshAgentAuth: agent,
      internalAddress: n.internal_address || n.address,
      hostname: (n.hostname_override || n.address).toLowerCase(),
      roles: [...n.role],
      dockerSocket: n.docker_socket || DEFAULTS.dockerSocket,
      labels: { ...(n.labels ?? {}) },
      taints: (n.taints ?? []).map((t): Taint => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
    };
  });

  const version = config.kubernetes_version ? parseKubernetesVersion(config.kubernetes_version) : undefined;
  return {
    name: config.cluster_name || DEFAULTS.clusterName,
    configPath,
    kubernetesVersion: version?.upstream ?? DEFAULT_KUBERNETES_VERSION,
    nodes,
    ...bastion(config, path, clusterKeyPath),
    knownHostsPath: path(config.ssh_known_hosts || DEFAULTS.knownHostsPath),
    network: {
      plugin: config.network?.plugin ?? DEFAULTS.networkPlugin,
      options: { ...(config.network?.options ?? {}) },
      ...(config.network?.mtu ? { mtu: config.network.mtu } : {}),
      serviceClusterIpRange: api?.service_cluster_ip_range || controller?.service_cluster_ip_range || DEFAULTS.serviceClusterIpRange,
      serviceNodePortRange: api?.service_node_port_range || DEFAULTS.serviceNodePortRange,
      clusterCidr: controller?.cluster_cidr || DEFAULTS.clusterCidr,
      clusterDomain: kubelet?.cluster_domain || DEFAULTS.clusterDomain,
      clusterDnsServer: kubelet?.cluster_dns_server || DEFAULTS.clusterDnsServer,
    },
    sans: [...(config.authentication?.sans ?? [])],
    services: {
      etcd: serviceOptions(config.services?.etcd),
      'kube-api': serviceOptions(api),
      'kube-controller': serviceOptions(controller),
      scheduler: serviceOptions(config.services?.scheduler),
      kubelet: serviceOptions(kubelet),
      kubeproxy: serviceOptions(config.services?.kubeproxy),
    },
    privateRegistries: (config.private_registries ?? []).map((r) => ({
      url: r.url,
      ...(r.user ? { user: r.user } : {}),
      ...(r.password ? { password: r.password } : {}),
      isDefault: r.is_default ?? false,
    })),
    systemImages: { ...(config.system_images ?? {}) },
  };
}

function serviceOptions(s: { image?: string; extra_args?: Record<string, string>; extra_binds?: string[]; extra_env?: string[] } | undefined): ServiceOptions {
  return {
    ...(s?.image ? { image: s.image } : {}),
    extraArgs: { ...(s?.extra_args ?? {}) },
    extraBinds: [...(s?.extra_binds ?? [])],
    extraEnv: [...(s?.extra_env ?? [])],
  };
}

function bastion(config: ClusterConfig, path: (p: string) => string, clusterKeyPath: string): { bastion?: SshEndpoint } {
  const b = config.bastion_host;
  if (!b?.address) return {};
  const keyPath = b.ssh_key ? undefined : path(b.ssh_key_path || clusterKeyPath);
  return {
    bastion: {
      address: b.address,
      port: Number(b.port || DEFAULTS.sshPort),
      user: b.user ?? '',
      ...(keyPath ? { sshKeyPath: keyPath } : {}),
      ...(b.ssh_key ? { sshKey: b.ssh_key } : {}),
      sshAgentAuth: b.ssh_agent_auth ?? config.ssh_agent_auth ?? false,
    },
  };
}
