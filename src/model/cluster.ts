/**
 * The cluster model: cluster.yml after validation, defaults and derivation. Everything below
 * the config layer (plan, pki, transport, lab) works on this, never on raw YAML.
 */
export type Role = 'etcd' | 'controlplane' | 'worker';

export interface Taint {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** How to reach one machine over SSH (a node or the bastion). */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  /** Path of a private key file (already resolved against the config's directory, ~ expanded). */
  sshKeyPath?: string;
  /** Inline private key (PEM/OpenSSH) from cluster.yml's ssh_key. */
  sshKey?: string;
  /** Use the agent at SSH_AUTH_SOCK. */
  sshAgentAuth: boolean;
}

export interface ClusterNode extends SshEndpoint {
  /** Address other nodes use (internal_address, else address). */
  internalAddress: string;
  /** Kubernetes node name: hostname_override, else address. */
  hostname: string;
  roles: Role[];
  dockerSocket: string;
  labels: Record<string, string>;
  taints: Taint[];
}

export interface ServiceOptions {
  image?: string;
  extraArgs: Record<string, string>;
  extraBinds: string[];
  extraEnv: string[];
}

export interface ClusterModel {
  /** cluster_name, else "local" as RKE does. */
  name: string;
  /** Absolute path of cluster.yml; state, kubeconfig and journal live beside it. */
  configPath: string;
  kubernetesVersion: string;
  /** Run kubelet against cri-dockerd (enable_cri_dockerd; always from v1.24, which has no dockershim). */
  enableCriDockerd: boolean;
  nodes: ClusterNode[];
  bastion?: SshEndpoint;
  /** known_hosts file used to verify every host key (ssh_known_hosts, default ~/.ssh/known_hosts). */
  knownHostsPath: string;
  network: {
    plugin: string;
    options: Record<string, string>;
    mtu?: number;
    serviceClusterIpRange: string;
    serviceNodePortRange: string;
    clusterCidr: string;
    clusterDomain: string;
    clusterDnsServer: string;
  };
  /** Extra SANs for the apiserver certificate (authentication.sans). */
  sans: string[];
  services: Record<'etcd' | 'kube-api' | 'kube-controller' | 'scheduler' | 'kubelet' | 'kubeproxy', ServiceOptions>;
  privateRegistries: { url: string; user?: string; password?: string; isDefault: boolean }[];
  systemImages: Record<string, string>;
  /** kube-apiserver features beyond its flags (services.kube-api). */
  kubeApi: {
    secretsEncryption: { enabled: boolean; customConfig?: Record<string, unknown> };
    auditLog: { enabled: boolean; path: string; maxAge: number; maxBackup: number; maxSize: number; format: string; policy?: Record<string, unknown> };
    alwaysPullImages: boolean;
    podSecurityPolicy: boolean;
  };
  kubelet: { failSwapOn: boolean; generateServingCertificate: boolean; infraContainerImage?: string };
  /** authorization.mode: rbac (RKE's default) or none. */
  authorizationMode: string;
  /** What drover applies once the API answers (RKE's add-on keys). */
  addons: AddonsModel;
}

/** RKE's add-on sections; `provider: none` turns one off. */
export interface AddonsModel {
  dns: { provider: string; upstreamNameservers: string[]; nodeSelector: Record<string, string> };
  ingress: { provider: string; nodeSelector: Record<string, string>; extraArgs: Record<string, string>; httpPort: number; httpsPort: number; networkMode: string };
  monitoring: { provider: string; nodeSelector: Record<string, string>; replicas: number };
  /** Inline YAML documents (`addons`). */
  inline: string;
  /** Files or URLs (`addons_include`), resolved against the config's folder. */
  include: string[];
}

export const hasRole = (node: ClusterNode, role: Role): boolean => node.roles.includes(role);
export const nodesWithRole = (model: ClusterModel, role: Role): ClusterNode[] => model.nodes.filter((n) => hasRole(n, role));
