import { DEFAULTS } from './defaults.js';
import type { PathProblem } from './problems.js';
import type { ClusterConfig } from './schema.js';
import { cidrContains, cidrsOverlap, hasHostBits, isIpAddress, parseCidr, type Cidr } from '../util/ip.js';
import { isDeployable, parseKubernetesVersion, SUPPORTED_KUBERNETES_VERSIONS } from '../model/versions.js';
import { labelKeyProblem, labelValueProblem, dns1123SubdomainProblem } from './k8s-names.js';

/**
 * Cross-field rules: what the schema alone cannot say. Each rule is a small pure function
 * returning problems with paths; the loader gives them their place in the file.
 */
export interface RuleContext {
  config: ClusterConfig;
  purpose: 'validate' | 'deploy';
  /** Injected so the rules stay pure: can this (already resolved) key file be read? */
  keyFileReadable(path: string): boolean;
}

type Rule = (ctx: RuleContext) => PathProblem[];
const error = (path: PathProblem['path'], message: string, hint?: string): PathProblem => ({ severity: 'error', path, message, ...(hint ? { hint } : {}) });
const keyError = (path: PathProblem['path'], message: string): PathProblem => ({ ...error(path, message), atKey: true });
const warning = (path: PathProblem['path'], message: string, hint?: string): PathProblem => ({ severity: 'warning', path, message, ...(hint ? { hint } : {}) });

const rolesPresent: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  for (const role of ['etcd', 'controlplane', 'worker'] as const) {
    if (!config.nodes.some((n) => n.role.includes(role))) {
      problems.push(error(['nodes'], `no node has the ${role} role`, `a cluster needs at least one etcd, one controlplane and one worker node; add "${role}" to a node's role list`));
    }
  }
  config.nodes.forEach((n, i) => {
    if (n.role.length === 0) problems.push(error(['nodes', i, 'role'], 'a node needs at least one role', 'e.g. role: [worker]'));
    const seen = new Set<string>();
    n.role.forEach((r, j) => {
      if (seen.has(r)) problems.push(error(['nodes', i, 'role', j], `role "${r}" is listed twice`));
      seen.add(r);
    });
  });
  return problems;
};

const etcdQuorum: Rule = ({ config }) => {
  const count = config.nodes.filter((n) => n.role.includes('etcd')).length;
  return count > 0 && count % 2 === 0
    ? [warning(['nodes'], `${count} etcd nodes: an even count tolerates no more failures than ${count - 1}`, `use an odd number of etcd nodes (${count - 1} or ${count + 1})`)]
    : [];
};

const uniqueNodes: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  const firstBy = new Map<string, number>();
  /** Records the value; reports and returns true when an earlier node already has it. */
  const check = (kind: string, value: string, i: number, path: PathProblem['path']): boolean => {
    const key = `${kind}\u0000${value}`;
    const first = firstBy.get(key);
    if (first === undefined) firstBy.set(key, i);
    else problems.push(error(path, `${kind} "${value}" is already used by nodes[${first}]`, 'every node needs its own address and Kubernetes node name'));
    return first !== undefined;
  };
  config.nodes.forEach((n, i) => {
    const port = n.port ?? DEFAULTS.sshPort;
    const sameAddress = check('address', port === DEFAULTS.sshPort ? n.address : `${n.address} port ${port}`, i, ['nodes', i, 'address']);
    if (n.internal_address) check('internal_address', n.internal_address, i, ['nodes', i, 'internal_address']);
    // A name derived from an address already reported needs no second message.
    if (n.hostname_override || !sameAddress) {
      check('node name', (n.hostname_override || n.address).toLowerCase(), i, ['nodes', i, n.hostname_override ? 'hostname_override' : 'address']);
    }
  });
  return problems;
};

const nodeFields: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  config.nodes.forEach((n, i) => {
    if (!n.address.trim()) problems.push(error(['nodes', i, 'address'], 'address is empty'));
    if (!n.user.trim()) problems.push(error(['nodes', i, 'user'], 'user is empty', 'the SSH user drover logs in as, e.g. user: ubuntu'));
    if (n.port !== undefined) problems.push(...portProblem(n.port, ['nodes', i, 'port']));
    if (n.hostname_override) {
      const p = dns1123SubdomainProblem(n.hostname_override);
      if (p) problems.push(error(['nodes', i, 'hostname_override'], `"${n.hostname_override}" is not a valid Kubernetes node name: ${p}`));
    }
    for (const [key, value] of Object.entries(n.labels ?? {})) {
      const kp = labelKeyProblem(key);
      if (kp) problems.push(keyError(['nodes', i, 'labels', key], `label key "${key}" ${kp}`));
      const vp = labelValueProblem(value);
      if (vp) problems.push(error(['nodes', i, 'labels', key], `label value "${value}" ${vp}`));
    }
    (n.taints ?? []).forEach((t, j) => {
      const kp = labelKeyProblem(t.key);
      if (kp) problems.push(error(['nodes', i, 'taints', j, 'key'], `taint key "${t.key}" ${kp}`));
      const vp = t.value === undefined ? undefined : labelValueProblem(t.value);
      if (vp) problems.push(error(['nodes', i, 'taints', j, 'value'], `taint value "${t.value}" ${vp}`));
    });
  });
  return problems;
};

function portProblem(port: string, path: PathProblem['path']): PathProblem[] {
  const n = Number(port);
  if (!/^\d+$/.test(port)) return [error(path, `port "${port}" is not a number`, 'an SSH port is a number from 1 to 65535')];
  return n >= 1 && n <= 65535 ? [] : [error(path, `port ${port} is out of range`, 'an SSH port is a number from 1 to 65535')];
}

const sshKeys: Rule = ({ config, keyFileReadable }) => {
  const problems: PathProblem[] = [];
  const clusterKey = config.ssh_key_path;
  if (clusterKey && !keyFileReadable(clusterKey)) {
    problems.push(error(['ssh_key_path'], `cannot read SSH key file ${clusterKey}`, 'check the path and its permissions, or use ssh_agent_auth: true'));
  }
  config.nodes.forEach((n, i) => {
    if (n.ssh_key_path && !keyFileReadable(n.ssh_key_path)) {
      problems.push(error(['nodes', i, 'ssh_key_path'], `cannot read SSH key file ${n.ssh_key_path}`, 'check the path and its permissions, or use ssh_agent_auth: true'));
    }
  });
  const bastion = config.bastion_host;
  if (bastion?.ssh_key_path && !keyFileReadable(bastion.ssh_key_path)) {
    problems.push(error(['bastion_host', 'ssh_key_path'], `cannot read SSH key file ${bastion.ssh_key_path}`));
  }
  return problems;
};

const bastionHost: Rule = ({ config }) => {
  const b = config.bastion_host;
  // rke config writes a bastion_host whose every field is "": that means "no bastion".
  if (!b || Object.values(b).every((v) => v === '' || v === false)) return [];
  const problems: PathProblem[] = [];
  if (!b.address) problems.push(error(['bastion_host'], 'bastion_host has settings but no address', 'set bastion_host.address, or remove the bastion_host section'));
  if (b.address && !b.user) problems.push(error(['bastion_host'], 'bastion_host has no user', 'the SSH user drover logs in to the bastion as, e.g. user: ubuntu'));
  if (b.port) problems.push(...portProblem(b.port, ['bastion_host', 'port']));
  return problems;
};

function cidrAt(value: string | undefined, fallback: string, path: PathProblem['path'], problems: PathProblem[]): Cidr | undefined {
  const text = value || fallback;
  const cidr = parseCidr(text);
  if (!cidr) problems.push(error(path, `"${text}" is not a CIDR`, 'write a network range such as 10.43.0.0/16'));
  else if (hasHostBits(cidr)) problems.push(error(path, `"${text}" has host bits set`, `did you mean the network address of that range?`));
  return cidr;
}

const networkRanges: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  const api = config.services?.['kube-api'];
  const controller = config.services?.['kube-controller'];
  const kubelet = config.services?.kubelet;
  const servicePath = api?.service_cluster_ip_range ? ['services', 'kube-api', 'service_cluster_ip_range'] : ['services', 'kube-controller', 'service_cluster_ip_range'];
  const services = cidrAt(api?.service_cluster_ip_range || controller?.service_cluster_ip_range, DEFAULTS.serviceClusterIpRange, servicePath, problems);
  if (api?.service_cluster_ip_range && controller?.service_cluster_ip_range && api.service_cluster_ip_range !== controller.service_cluster_ip_range) {
    problems.push(error(['services', 'kube-controller', 'service_cluster_ip_range'], `differs from services.kube-api.service_cluster_ip_range (${api.service_cluster_ip_range})`, 'the two must be the same range; set it once in services.kube-api'));
  }
  const pods = cidrAt(controller?.cluster_cidr, DEFAULTS.clusterCidr, ['services', 'kube-controller', 'cluster_cidr'], problems);
  if (services && pods && cidrsOverlap(services, pods)) {
    problems.push(error(['services', 'kube-controller', 'cluster_cidr'], `pod range ${pods.text} overlaps the service range ${services.text}`, 'pods and services need separate ranges, e.g. 10.42.0.0/16 and 10.43.0.0/16'));
  }
  const dns = kubelet?.cluster_dns_server || DEFAULTS.clusterDnsServer;
  const dnsPath = ['services', 'kubelet', 'cluster_dns_server'];
  if (!isIpAddress(dns)) problems.push(error(dnsPath, `"${dns}" is not an IP address`));
  else if (services && !cidrContains(services, dns)) {
    problems.push(error(kubelet?.cluster_dns_server ? dnsPath : ['services'], `cluster DNS server ${dns} is outside the service range ${services.text}`, 'cluster_dns_server must be an address inside service_cluster_ip_range'));
  }
  config.nodes.forEach((n, i) => {
    for (const field of ['address', 'internal_address'] as const) {
      const ip = n[field];
      if (!ip || !isIpAddress(ip)) continue;
      for (const [range, name] of [[services, 'service'], [pods, 'pod']] as const) {
        if (range && cidrContains(range, ip)) problems.push(error(['nodes', i, field], `${ip} is inside the ${name} range ${range.text}`, 'node addresses must not overlap the cluster\'s pod or service ranges'));
      }
    }
  });
  const nodePorts = api?.service_node_port_range;
  if (nodePorts) {
    const m = /^(\d+)-(\d+)$/.exec(nodePorts);
    const [lo, hi] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || lo < 1 || hi > 65535 || lo > hi) {
      problems.push(error(['services', 'kube-api', 'service_node_port_range'], `"${nodePorts}" is not a port range`, 'write FIRST-LAST with ports from 1 to 65535, e.g. 30000-32767'));
    }
  }
  return problems;
};

const clusterDomain: Rule = ({ config }) => {
  const domain = config.services?.kubelet?.cluster_domain;
  const p = domain ? dns1123SubdomainProblem(domain) : undefined;
  return p ? [error(['services', 'kubelet', 'cluster_domain'], `"${domain}" is not a valid domain: ${p}`)] : [];
};

const kubernetesVersion: Rule = ({ config, purpose }) => {
  const text = config.kubernetes_version;
  if (!text) return [];
  const path = ['kubernetes_version'];
  const supported = `drover deploys ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`;
  const v = parseKubernetesVersion(text);
  if (!v) return [error(path, `"${text}" is not a Kubernetes version`, `write it as RKE does: vX.Y.Z or vX.Y.Z-rancherN-M; ${supported}`)];
  if (v.major !== 1 || v.minor < 15) return [error(path, `Kubernetes ${v.upstream} is too old`, `RKE-format versions from v1.15 on are accepted; ${supported}`)];
  if (isDeployable(v)) return [];
  const msg = `drover cannot deploy Kubernetes ${v.upstream} yet`;
  return [purpose === 'deploy' ? error(path, msg, supported) : warning(path, msg, supported)];
};

const privateRegistries: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  const regs = config.private_registries ?? [];
  regs.forEach((r, i) => {
    if (!r.url.trim()) problems.push(error(['private_registries', i, 'url'], 'url is empty'));
    if (Boolean(r.user) !== Boolean(r.password)) {
      problems.push(error(['private_registries', i, r.user ? 'password' : 'user'], `${r.user ? 'password' : 'user'} is missing`, 'give both user and password, or neither; a password can come from ${env:NAME}'));
    }
  });
  const defaults = regs.flatMap((r, i) => (r.is_default ? [i] : []));
  for (const i of defaults.slice(1)) {
    problems.push(error(['private_registries', i, 'is_default'], `only one registry can be the default (private_registries[${defaults[0]}] is already)`));
  }
  return problems;
};

const upgradeStrategy: Rule = ({ config }) => {
  const problems: PathProblem[] = [];
  for (const key of ['max_unavailable_worker', 'max_unavailable_controlplane'] as const) {
    const v = config.upgrade_strategy?.[key];
    if (v && !/^(\d+%?)$/.test(v)) problems.push(error(['upgrade_strategy', key], `"${v}" is neither a number nor a percentage`, 'e.g. 1 or 10%'));
  }
  return problems;
};

export const RULES: readonly Rule[] = [rolesPresent, etcdQuorum, uniqueNodes, nodeFields, sshKeys, bastionHost, networkRanges, clusterDomain, kubernetesVersion, privateRegistries, upgradeStrategy];

export function checkRules(ctx: RuleContext): PathProblem[] {
  return RULES.flatMap((rule) => rule(ctx));
}
