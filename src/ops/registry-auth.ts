import type { ClusterModel } from '../model/cluster.js';
import type { RegistryAuth } from '../transport/docker.js';

/** The registry host of an image reference: `reg:5000/a/b:t` → `reg:5000`; Docker Hub images have none. */
export function registryOf(image: string): string | undefined {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
}

const hostOf = (url: string): string => url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');

/** Credentials for pulling an image: the private registry it names, if it has user and password. */
export function registryAuthFor(model: Pick<ClusterModel, 'privateRegistries'>, image: string): RegistryAuth | undefined {
  const registry = registryOf(image);
  const match = model.privateRegistries.find((r) => (registry ? hostOf(r.url) === registry : r.isDefault));
  if (!match?.user || !match.password) return undefined;
  return { serveraddress: hostOf(match.url), username: match.user, password: match.password };
}
