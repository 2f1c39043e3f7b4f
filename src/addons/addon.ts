import type { ClusterModel } from '../model/cluster.js';
import { systemImage } from '../model/versions.js';
import type { KubeObject, WorkloadRef } from './kube-object.js';
import { workloadsOf } from './kube-object.js';
import { parseManifests } from './manifest.js';

/** One add-on: what is applied as a unit and which workloads must roll out afterwards. */
export interface Addon {
  /** Task name: addons/<name>. */
  name: string;
  title: string;
  objects: KubeObject[];
  waitFor: WorkloadRef[];
}

/** A built-in add-on from a YAML template; rollouts are every Deployment/DaemonSet/StatefulSet in it. */
export function addonFromYaml(name: string, title: string, yamlText: string): Addon {
  const objects = parseManifests(yamlText, `add-on ${name}`);
  return { name, title, objects, waitFor: workloadsOf(objects) };
}

/** Values are interpolated as JSON, which is YAML too: no value can break a template's structure. */
export const j = (value: unknown): string => JSON.stringify(value);

/**
 * An add-on image: cluster.yml's system_images, else the release default, behind the default
 * private registry when one is set (as RKE does for every system image).
 */
export function addonImage(model: ClusterModel, name: string): string {
  const image = systemImage(model.kubernetesVersion, model.systemImages, name);
  const registry = model.privateRegistries.find((r) => r.isDefault);
  if (!registry) return image;
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? image : `${registry.url.replace(/^https?:\/\//, '').replace(/\/+$/, '')}/${image}`;
}

/** nodeSelector with the OS label every add-on needs (Linux images only). */
export const linuxSelector = (extra: Record<string, string>): Record<string, string> => ({ 'kubernetes.io/os': 'linux', ...extra });

/** A ClusterRoleBinding of ClusterRole `role` to a service account, as YAML (one manifest). */
export function clusterRoleBindingYaml(name: string, role: string, account: string, namespace = 'kube-system'): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${j(name)}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${j(role)}}
subjects:
- {kind: ServiceAccount, name: ${j(account)}, namespace: ${j(namespace)}}
`;
}

/** A ServiceAccount, as YAML (one manifest). */
export function serviceAccountYaml(name: string, namespace = 'kube-system'): string {
  return `apiVersion: v1
kind: ServiceAccount
metadata: {name: ${j(name)}, namespace: ${j(namespace)}}
`;
}
