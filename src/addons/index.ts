import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { ClusterModel } from '../model/cluster.js';
import type { Addon } from './addon.js';
import { calicoAddon } from './calico.js';
import { canalAddon } from './canal.js';
import { corednsAddon } from './coredns.js';
import { flannelAddon } from './flannel.js';
import { ingressNginxAddon } from './ingress-nginx.js';
import { metricsServerAddon } from './metrics-server.js';
import { rbacAddon } from './rbac.js';
import { userAddon } from './user.js';

export type { Addon } from './addon.js';
export * from './kube-object.js';
export { parseManifests, applyOrder, renderManifests } from './manifest.js';

/** Plugins drover runs itself (no manifest) or not at all. */
const NO_MANIFEST_PLUGINS = ['vxlan', 'none'];

function unsupported(section: string, value: string, choices: string): never {
  throw new DroverError(`${section} ${value} is not supported by drover`, { exitCode: ExitCode.InvalidInput, hint: `use one of: ${choices}` });
}

/** The network add-on for network.plugin, or undefined when drover handles the network itself. */
export function networkAddon(model: ClusterModel): Addon | undefined {
  const plugin = model.network.plugin.toLowerCase();
  if (NO_MANIFEST_PLUGINS.includes(plugin)) return undefined;
  if (plugin === 'flannel') return flannelAddon(model);
  if (plugin === 'canal') return canalAddon(model);
  if (plugin === 'calico') return calicoAddon(model);
  return unsupported('network.plugin', plugin, 'canal, flannel, calico, vxlan, none');
}

/**
 * The built-in add-ons that `provider: none` removes again when an earlier run deployed them
 * (DNS, metrics, ingress — as RKE does). The network and cluster RBAC are never removed.
 */
export function removableAddons(model: ClusterModel): Addon[] {
  const { dns, monitoring, ingress } = model.addons;
  return [
    ...(dns.provider === 'coredns' ? [corednsAddon(model)] : []),
    ...(monitoring.provider === 'metrics-server' ? [metricsServerAddon(model)] : []),
    ...(ingress.provider === 'nginx' ? [ingressNginxAddon(model)] : []),
  ];
}

/**
 * Every add-on the model asks for, in the order RKE applies them: cluster RBAC, network, DNS,
 * metrics, ingress, then the user's. `provider: none` leaves one out. Pure and deterministic.
 */
export function addonsFor(model: ClusterModel, includes: Readonly<Record<string, string>> = {}): Addon[] {
  const { dns, monitoring, ingress } = model.addons;
  const out: (Addon | undefined)[] = [rbacAddon(), networkAddon(model)];
  if (dns.provider === 'coredns') out.push(corednsAddon(model));
  else if (dns.provider !== 'none') unsupported('dns.provider', dns.provider, 'coredns, none');
  if (monitoring.provider === 'metrics-server') out.push(metricsServerAddon(model));
  else if (monitoring.provider !== 'none') unsupported('monitoring.provider', monitoring.provider, 'metrics-server, none');
  if (ingress.provider === 'nginx') out.push(ingressNginxAddon(model));
  else if (ingress.provider !== 'none') unsupported('ingress.provider', ingress.provider, 'nginx, none');
  out.push(userAddon(model, includes));
  return out.filter((a): a is Addon => a !== undefined);
}
