import { DroverError } from '../errors.js';
import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';

/** One entry of an APIResourceList (GET /api/v1, /apis/<group>/<version>). */
export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

/** Where objects of one kind live in the API. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  /** Plural resource name: deployments, clusterroles, ... */
  plural: string;
  namespaced: boolean;
}

/** Core group v1 lives under /api, every other group under /apis. */
export const groupVersionPath = (apiVersion: string): string => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);

/** The top-level resource of a kind (subresources such as deployments/status are skipped). */
export function findResource(list: ApiResourceList, kind: string): ResourceInfo | undefined {
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
  return r ? { apiVersion: list.groupVersion, kind, plural: r.name, namespaced: r.namespaced } : undefined;
}

/** /apis/apps/v1/namespaces/kube-system/deployments/coredns (namespace and name optional). */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${groupVersionPath(info.apiVersion)}${ns}/${info.plural}${tail}`;
}

/**
 * kind → resource, fetched per group version and cached for the life of the client. A miss is
 * looked up once more, because a CRD applied earlier in the same run adds kinds.
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<ApiResourceList | undefined>>();
  constructor(private readonly client: KubeClient) {}

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = findResource((await this.list(apiVersion, false)) ?? { groupVersion: apiVersion, resources: [] }, kind);
    if (found) return found;
    const fresh = await this.list(apiVersion, true);
    const again = fresh && findResource(fresh, kind);
    if (again) return again;
    throw new DroverError(
      fresh ? `the API has no kind ${kind} in ${apiVersion}` : `the API does not serve ${apiVersion} (wanted for kind ${kind})`,
      { hint: 'is the apiVersion right for Kubernetes of this cluster, and is its CustomResourceDefinition applied first?' },
    );
  }

  /** Whether the kind is known without asking again (for dry runs of CRDs not created yet). */
  async knows(apiVersion: string, kind: string): Promise<boolean> {
    const list = await this.list(apiVersion, false);
    return Boolean(list && findResource(list, kind));
  }

  private list(apiVersion: string, refresh: boolean): Promise<ApiResourceList | undefined> {
    let entry = this.cache.get(apiVersion);
    if (!entry || refresh) {
      entry = this.client
        .request<ApiResourceList>('GET', groupVersionPath(apiVersion), { what: `discover ${apiVersion}` })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      // A failed lookup must not stick: the next call asks again.
      entry.catch(() => this.cache.delete(apiVersion));
      this.cache.set(apiVersion, entry);
    }
    return entry;
  }
}
