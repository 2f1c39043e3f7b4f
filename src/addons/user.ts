import type { ClusterModel } from '../model/cluster.js';
import type { Addon } from './addon.js';
import type { KubeObject } from './kube-object.js';
import { workloadsOf } from './kube-object.js';
import { parseManifests } from './manifest.js';

/**
 * The user's add-ons: `addons` (inline YAML in cluster.yml) then each `addons_include` file, in
 * the order given. `includes` holds the files' text, read by the caller (this module does no I/O).
 * Applied last, like RKE; every workload in them is waited for.
 */
export function userAddon(model: ClusterModel, includes: Readonly<Record<string, string>>): Addon | undefined {
  const objects: KubeObject[] = [];
  if (model.addons.inline.trim()) objects.push(...parseManifests(model.addons.inline, `${model.configPath}: addons`));
  for (const path of model.addons.include) {
    const text = includes[path];
    if (text === undefined) throw new Error(`addons_include ${path} was not read`);
    objects.push(...parseManifests(text, path));
  }
  if (objects.length === 0) return undefined;
  return { name: 'user', title: 'user add-ons (addons, addons_include)', objects, waitFor: workloadsOf(objects) };
}
