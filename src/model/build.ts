import { dirname } from 'node:path';
import type { ClusterConfig } from '../config/schema.js';
import { DEFAULTS } from '../config/defaults.js';
import { resolveConfigPath } from '../config/paths.js';
import type { AddonsModel, ClusterModel, ClusterNode, ServiceOptions, SshEndpoint, Taint } from './cluster.js';
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
    enableCriDockerd: config.enable_cri_dockerd ?? false,
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
    kubeApi: kubeApiFeatures(api),
    kubelet: {
      failSwapOn: kubelet?.fail_swap_on ?? false,
      generateServingCertificate: kubelet?.generate_serving_certificate ?? true,
      ...(kubelet?.infra_container_image ? { infraContainerImage: kubelet.infra_container_image } : {}),
    },
    authorizationMode: (config.authorization?.mode || DEFAULTS.authorizationMode).toLowerCase(),
    addons: addonsModel(config, path),
  };
}

type KubeApiConfig = NonNullable<NonNullable<ClusterConfig['services']>['kube-api']>;

function kubeApiFeatures(api: KubeApiConfig | undefined): ClusterModel['kubeApi'] {
  const audit = api?.audit_log?.configuration;
  const custom = api?.secrets_encryption_config?.custom_config;
  return {
    secretsEncryption: { enabled: api?.secrets_encryption_config?.enabled ?? false, ...(custom ? { customConfig: custom } : {}) },
    auditLog: {
      enabled: api?.audit_log?.enabled ?? false,
      path: audit?.path || '/var/log/kube-audit/audit-log.json',
      maxAge: audit?.max_age || 30,
      maxBackup: audit?.max_backup || 10,
      maxSize: audit?.max_size || 100,
      format: audit?.format || 'json',
      ...(audit?.policy ? { policy: audit.policy } : {}),
    },
    alwaysPullImages: api?.always_pull_images ?? false,
    podSecurityPolicy: api?.pod_security_policy ?? false,
  };
}

function addonsModel(config: ClusterConfig, path: (p: string) => string): AddonsModel {
  const isUrl = (p: string) => /^https?:\/\//.test(p);
  return {
    dns: {
      provider: (config.dns?.provider || 'coredns').toLowerCase(),
      upstreamNameservers: [...(config.dns?.upstreamnameservers ?? [])],
      nodeSelector: { ...(config.dns?.node_selector ?? {}) },
    },
    ingress: {
      provider: (config.ingress?.provider || 'nginx').toLowerCase(),
      nodeSelector: { ...(config.ingress?.node_selector ?? {}) },
      extraArgs: { ...(config.ingress?.extra_args ?? {}) },
      httpPort: config.ingress?.http_port || 80,
      httpsPort: config.ingress?.https_port || 443,
      networkMode: config.ingress?.network_mode || 'hostNetwork',
    },
    monitoring: {
      provider: (config.monitoring?.provider || 'metrics-server').toLowerCase(),
      nodeSelector: { ...(config.monitoring?.node_selector ?? {}) },
      replicas: config.monitoring?.replicas || 1,
    },
    inline: config.addons ?? '',
    include: (config.addons_include ?? []).map((p) => (isUrl(p) ? p : path(p))),
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

/** What a cluster.yml without kube-api, kubelet, authorization or add-on keys means (tests build models by hand). */
export function defaultClusterFeatures(): Pick<ClusterModel, 'kubeApi' | 'kubelet' | 'authorizationMode' | 'addons' | 'enableCriDockerd'> {
  const model = buildModel({ nodes: [] } as unknown as ClusterConfig, '/cluster.yml', '/');
  return { enableCriDockerd: false, kubeApi: model.kubeApi, kubelet: model.kubelet, authorizationMode: model.authorizationMode, addons: model.addons };
}
