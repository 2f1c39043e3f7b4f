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
}

export const hasRole = (node: ClusterNode, role: Role): boolean => node.roles.includes(role);
export const nodesWithRole = (model: ClusterModel, role: Role): ClusterNode[] => model.nodes.filter((n) => hasRole(n, role));
