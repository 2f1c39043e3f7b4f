import { z } from 'zod';

/**
 * cluster.yml, as one zod schema: the source of the TypeScript types, of validation and of the
 * JSON Schema editors use. Field names follow RKE v1 so an RKE user's file loads unchanged; keys
 * drover adds (ssh_known_hosts) never overload RKE's. Objects are strict: an unknown key is an
 * error, because RKE's silent ignoring of typos lost users their snapshots.
 *
 * Null values were already removed by the loader (RKE reads `key: null` as "use the default").
 */

/** RKE reads these as Go strings, so `port: 22` and `port: "22"` both mean "22". */
const str = () =>
  z
    .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
    .transform((v) => String(v));
const strMap = () => z.record(z.string(), str());
const strList = () => z.array(str());
const bool = () => z.boolean({ error: 'expected true or false' });
const int = () => z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' });
/** Kubernetes objects RKE passes through (tolerations, policies): carried, not interpreted. */
const object = () => z.record(z.string(), z.unknown());
const objectList = () => z.array(object());

export const ROLES = ['etcd', 'controlplane', 'worker'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export const NETWORK_PLUGINS = ['canal', 'flannel', 'calico', 'weave', 'aci', 'vxlan', 'none'] as const;

const taint = z.strictObject({
  key: str(),
  value: str().optional(),
  effect: z.enum(TAINT_EFFECTS, { error: `effect must be one of ${TAINT_EFFECTS.join(', ')}` }),
  timeAdded: str().optional(),
});

const node = z.strictObject({
  address: str().describe('IP or DNS name drover connects to over SSH'),
  port: str().optional().describe('SSH port (default 22)'),
  internal_address: str().optional().describe('address the cluster components use (default: address)'),
  role: z
    .array(z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` }), {
      error: 'role must be a list, e.g. [controlplane, etcd, worker]',
    })
    .describe('etcd, controlplane and/or worker'),
  hostname_override: str().optional().describe('Kubernetes node name (default: address)'),
  user: str().describe('SSH user drover logs in as (root, or a user with sudo)'),
  docker_socket: str().optional().describe('default /var/run/docker.sock'),
  ssh_agent_auth: bool().optional(),
  ssh_key: str().optional().describe('private key text; prefer ssh_key_path or ${env:NAME}'),
  ssh_key_path: str().optional(),
  ssh_cert: str().optional(),
  ssh_cert_path: str().optional(),
  labels: strMap().optional(),
  taints: z.array(taint).optional(),
  nodeName: str().optional().describe('Rancher-provisioned node name (carried, unused)'),
});

const baseService = {
  image: str().optional(),
  extra_args: strMap().optional(),
  extra_args_array: z.record(z.string(), strList()).optional(),
  extra_binds: strList().optional(),
  extra_env: strList().optional(),
  win_extra_args: strMap().optional(),
  win_extra_args_array: z.record(z.string(), strList()).optional(),
  win_extra_binds: strList().optional(),
  win_extra_env: strList().optional(),
};

const s3BackupConfig = z.strictObject({
  access_key: str().optional(),
  secret_key: str().optional(),
  bucket_name: str().optional(),
  folder: str().optional(),
  endpoint: str().optional(),
  region: str().optional(),
  custom_ca: str().optional(),
});

const backupConfig = z.strictObject({
  enabled: bool().optional(),
  interval_hours: int().positive({ error: 'interval_hours must be at least 1' }).optional(),
  retention: int().positive({ error: 'retention must be at least 1' }).optional(),
  timeout: int().positive().optional(),
  safe_timestamp: bool().optional(),
  s3backupconfig: s3BackupConfig.optional(),
});

const etcdService = z.strictObject({
  ...baseService,
  external_urls: strList().optional(),
  ca_cert: str().optional(),
  cert: str().optional(),
  key: str().optional(),
  path: str().optional(),
  uid: int().optional(),
  gid: int().optional(),
  snapshot: bool().optional(),
  retention: str().optional(),
  creation: str().optional(),
  backup_config: backupConfig.optional(),
});

const kubeApiService = z.strictObject({
  ...baseService,
  service_cluster_ip_range: str().optional(),
  service_node_port_range: str().optional(),
  pod_security_policy: bool().optional(),
  pod_security_configuration: str().optional(),
  always_pull_images: bool().optional(),
  secrets_encryption_config: z.strictObject({ enabled: bool().optional(), custom_config: object().optional() }).optional(),
  audit_log: z
    .strictObject({
      enabled: bool().optional(),
      configuration: z
        .strictObject({
          max_age: int().optional(),
          max_backup: int().optional(),
          max_size: int().optional(),
          path: str().optional(),
          format: str().optional(),
          policy: object().optional(),
        })
        .optional(),
    })
    .optional(),
  admission_configuration: object().optional(),
  event_rate_limit: z.strictObject({ enabled: bool().optional(), configuration: object().optional() }).optional(),
});

const services = z.strictObject({
  etcd: etcdService.optional(),
  'kube-api': kubeApiService.optional(),
  'kube-controller': z
    .strictObject({ ...baseService, cluster_cidr: str().optional(), service_cluster_ip_range: str().optional() })
    .optional(),
  scheduler: z.strictObject(baseService).optional(),
  kubelet: z
    .strictObject({
      ...baseService,
      cluster_domain: str().optional(),
      infra_container_image: str().optional(),
      cluster_dns_server: str().optional(),
      fail_swap_on: bool().optional(),
      generate_serving_certificate: bool().optional(),
    })
    .optional(),
  kubeproxy: z.strictObject(baseService).optional(),
});

const network = z.strictObject({
  plugin: z
    .enum(NETWORK_PLUGINS, { error: `plugin must be one of ${NETWORK_PLUGINS.join(', ')}` })
    .optional()
    .describe('default canal, as RKE; vxlan is drover\'s built-in overlay'),
  options: strMap().optional(),
  mtu: int().nonnegative().optional(),
  calico_network_provider: object().optional(),
  canal_network_provider: object().optional(),
  flannel_network_provider: object().optional(),
  weave_network_provider: object().optional(),
  aci_network_provider: object().optional(),
  node_selector: strMap().optional(),
  update_strategy: object().optional(),
  tolerations: objectList().optional(),
  enable_br_netfilter: bool().optional(),
});

const authentication = z.strictObject({
  strategy: str().optional(),
  sans: strList().optional().describe('extra names and IPs in the kube-apiserver certificate'),
  webhook: z.strictObject({ config_file: str().optional(), cache_timeout: str().optional() }).optional(),
});

const authorization = z.strictObject({ mode: str().optional(), options: strMap().optional() });

const ingress = z.strictObject({
  provider: str().optional(),
  options: strMap().optional(),
  node_selector: strMap().optional(),
  extra_args: strMap().optional(),
  dns_policy: str().optional(),
  extra_envs: objectList().optional(),
  extra_volumes: objectList().optional(),
  extra_volume_mounts: objectList().optional(),
  update_strategy: object().optional(),
  http_port: int().min(0).max(65535).optional(),
  https_port: int().min(0).max(65535).optional(),
  network_mode: str().optional(),
  tolerations: objectList().optional(),
  default_backend: bool().optional(),
  default_ingress_class: bool().optional(),
  default_http_backend_priority_class_name: str().optional(),
  nginx_ingress_controller_priority_class_name: str().optional(),
});

const monitoring = z.strictObject({
  provider: str().optional(),
  options: strMap().optional(),
  node_selector: strMap().optional(),
  update_strategy: object().optional(),
  replicas: int().nonnegative().optional(),
  tolerations: objectList().optional(),
  metrics_server_priority_class_name: str().optional(),
});

const dns = z.strictObject({
  provider: str().optional(),
  options: strMap().optional(),
  upstreamnameservers: strList().optional(),
  reversecidrs: strList().optional(),
  stubdomains: z.record(z.string(), strList()).optional(),
  node_selector: strMap().optional(),
  nodelocal: z
    .strictObject({
      ip_address: str().optional(),
      update_strategy: object().optional(),
      node_selector: strMap().optional(),
      node_local_dns_priority_class_name: str().optional(),
    })
    .optional(),
  update_strategy: object().optional(),
  linear_autoscaler_params: object().optional(),
  tolerations: objectList().optional(),
});

const bastionHost = z.strictObject({
  address: str().optional(),
  port: str().optional(),
  user: str().optional(),
  ssh_agent_auth: bool().optional(),
  ssh_key: str().optional(),
  ssh_key_path: str().optional(),
  ssh_cert: str().optional(),
  ssh_cert_path: str().optional(),
  ignore_proxy_env_vars: bool().optional(),
});

const upgradeStrategy = z.strictObject({
  max_unavailable_worker: str().optional().describe('a number of nodes or a percentage (default 10%)'),
  max_unavailable_controlplane: str().optional().describe('a number of nodes or a percentage (default 1)'),
  drain: bool().optional(),
  node_drain_input: z
    .strictObject({
      delete_local_data: bool().optional(),
      force: bool().optional(),
      grace_period: int().optional(),
      ignore_daemonsets: bool().optional(),
      timeout: int().optional(),
    })
    .optional(),
});

const privateRegistry = z.strictObject({
  url: str(),
  user: str().optional(),
  password: str().optional(),
  is_default: bool().optional(),
  ecr_credential_plugin: z
    .strictObject({
      aws_access_key_id: str().optional(),
      aws_secret_access_key: str().optional(),
      aws_session_token: str().optional(),
    })
    .optional(),
});

/** RKE carries each provider's block as-is; drover does the same (passed to the cloud provider). */
const cloudProvider = z.looseObject({ name: str().optional() });

export const clusterConfigSchema = z
  .strictObject({
    nodes: z.array(node).describe('the machines of the cluster'),
    services: services.optional(),
    network: network.optional(),
    authentication: authentication.optional(),
    authorization: authorization.optional(),
    ingress: ingress.optional(),
    dns: dns.optional(),
    monitoring: monitoring.optional(),
    restore: z.strictObject({ restore: bool().optional(), snapshot_name: str().optional() }).optional(),
    rotate_certificates: object().optional(),
    bastion_host: bastionHost.optional(),
    cloud_provider: cloudProvider.optional(),
    private_registries: z.array(privateRegistry).optional(),
    system_images: strMap().optional().describe('image overrides by RKE name: etcd, kubernetes, nginx_proxy, ...'),
    upgrade_strategy: upgradeStrategy.optional(),
    addons: str().optional().describe('inline YAML manifests applied after the cluster is up'),
    addons_include: strList().optional(),
    addon_job_timeout: int().nonnegative().optional(),
    cluster_name: str().optional(),
    kubernetes_version: str().optional(),
    ssh_key_path: str().optional(),
    ssh_cert_path: str().optional(),
    ssh_agent_auth: bool().optional(),
    ignore_docker_version: bool().optional(),
    enable_cri_dockerd: bool().optional(),
    prefix_path: str().optional(),
    win_prefix_path: str().optional(),
    rotate_encryption_key: bool().optional(),
    cri_dockerd_stream_server_address: str().optional(),
    cri_dockerd_stream_server_port: str().optional(),
    // drover's own keys
    ssh_known_hosts: str()
      .optional()
      .describe("drover: known_hosts file used to verify every node's SSH host key (default ~/.ssh/known_hosts)"),
  })
  .describe('drover cluster.yml (RKE v1 compatible)');

export type ClusterConfig = z.output<typeof clusterConfigSchema>;
export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;
export type NodeConfig = ClusterConfig['nodes'][number];
