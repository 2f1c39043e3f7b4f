import type { ApplyResult, KubeObject } from '../addons/kube-object.js';
import { describeRef, refOf } from '../addons/kube-object.js';
import { applyOrder, applyRank } from '../addons/manifest.js';
import { withPortProtocols } from '../addons/port-protocols.js';
import type { KubeClient } from './client.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import { resourcePath } from './discovery.js';
import { changedFields, containsFields } from './object-diff.js';

export const FIELD_MANAGER = 'drover';

export interface ApplyOptions {
  /** Server-side dry run (dryRun=All): validated and admitted by the apiserver, nothing stored. */
  dryRun: boolean;
  signal?: AbortSignal;
  /** How long to wait for an applied CRD to be Established before using its kind (default 30 s). */
  crdTimeoutMs?: number;
}

/**
 * Server-side apply of every object, Namespaces and CRDs first, as field manager "drover" with
 * force (drover owns what it applies). Each result says created, configured or unchanged.
 *
 * In a dry run nothing is stored, so objects in a Namespace the same batch would create, and
 * custom resources of a CRD it would create, cannot be sent; they are reported as created.
 */
export async function applyObjects(client: KubeClient, discovery: Discovery, objects: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  const pendingNamespaces = new Set<string>();
  const pendingKinds = new Set<string>();
  const ordered = applyOrder(objects);
  // Objects of one rank do not depend on each other: a few go at once (the client keeps 4 sockets).
  for (const rank of [0, 1, 2]) {
    const group = ordered.filter((o) => applyRank(o) === rank);
    const groupResults = await mapLimited(group, APPLY_CONCURRENCY, async (object) => {
      const ref = refOf(object);
      if (opts.dryRun && (pendingKinds.has(`${object.apiVersion.split('/')[0]}/${object.kind}`) || (ref.namespace && pendingNamespaces.has(ref.namespace)))) {
        return { ref, action: 'created' } satisfies ApplyResult;
      }
      return applyOne(client, await discovery.resourceFor(object.apiVersion, object.kind), object, opts);
    });
    results.push(...groupResults);
    group.forEach((object, i) => {
      if (!opts.dryRun || groupResults[i]!.action !== 'created') return;
      if (object.kind === 'Namespace') pendingNamespaces.add(object.metadata.name);
      if (object.kind === 'CustomResourceDefinition') pendingKinds.add(crdKey(object));
    });
    if (rank === 1 && !opts.dryRun) await Promise.all(group.map((crd) => waitEstablished(client, crd.metadata.name, opts)));
  }
  return results;
}

const APPLY_CONCURRENCY = 4;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function applyOne(client: KubeClient, info: ResourceInfo, object: KubeObject, opts: ApplyOptions): Promise<ApplyResult> {
  const namespace = info.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
  const body: KubeObject = withPortProtocols({ ...object, metadata: { ...object.metadata } });
  if (namespace) body.metadata.namespace = namespace;
  else delete body.metadata.namespace;
  const ref = refOf(body);
  const path = resourcePath(info, namespace, object.metadata.name);
  const what = `${opts.dryRun ? 'dry-run apply' : 'apply'} ${describeRef(ref)}`;
  const before = await client.getOptional<KubeObject>(path, { what, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (NO_SERVER_SIDE_APPLY.includes(`${object.apiVersion.split('/')[0]}/${object.kind}`)) {
    return createOrReplace(client, info, body, before, what, opts);
  }
  const after = await client.request<KubeObject>('PATCH', path, {
    what,
    body,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: FIELD_MANAGER, force: true, dryRun: opts.dryRun ? 'All' : undefined },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!before) return { ref, action: 'created' };
  const changed = changedFields(before, after);
  return changed.length === 0 ? { ref, action: 'unchanged' } : { ref, action: 'configured', changedFields: changed };
}

/**
 * Kinds whose server-side apply is broken in the Kubernetes releases drover deploys: kube-apiserver
 * 1.20 panics ("FieldManager must be installed to run apply") on APIService and drops the
 * connection. These are created, or replaced when they differ, the client-side way.
 */
const NO_SERVER_SIDE_APPLY = ['apiregistration.k8s.io/APIService'];

async function createOrReplace(client: KubeClient, info: ResourceInfo, body: KubeObject, before: KubeObject | undefined, what: string, opts: ApplyOptions): Promise<ApplyResult> {
  const ref = refOf(body);
  const query = { fieldManager: FIELD_MANAGER, dryRun: opts.dryRun ? 'All' : undefined };
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (!before) {
    await client.request('POST', resourcePath(info, body.metadata.namespace), { what, body, query, ...signal });
    return { ref, action: 'created' };
  }
  // Compare only what drover sets (the server adds defaults, which are no change).
  const changed = Object.keys(body).filter((k) => k !== 'apiVersion' && k !== 'kind' && !containsFields(before[k], body[k]));
  if (changed.length === 0) return { ref, action: 'unchanged' };
  const desired = { ...before, ...body, metadata: { ...before.metadata, ...body.metadata } } as KubeObject;
  await client.request('PUT', resourcePath(info, body.metadata.namespace, body.metadata.name), {
    what,
    body: { ...desired, metadata: { ...desired.metadata, resourceVersion: before.metadata['resourceVersion'] } },
    query,
    ...signal,
  });
  return { ref, action: 'configured', changedFields: changed };
}

/** "crd.projectcalico.org/IPPool": the group and kind a CRD defines. */
function crdKey(crd: KubeObject): string {
  const spec = crd['spec'] as { group?: string; names?: { kind?: string } } | undefined;
  return `${spec?.group ?? ''}/${spec?.names?.kind ?? ''}`;
}

async function waitEstablished(client: KubeClient, name: string, opts: ApplyOptions): Promise<void> {
  const deadline = Date.now() + (opts.crdTimeoutMs ?? 30_000);
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`;
  for (;;) {
    const crd = await client.getOptional<{ status?: { conditions?: { type: string; status: string; message?: string }[] } }>(path, { what: `wait for CustomResourceDefinition ${name}` });
    const established = crd?.status?.conditions?.find((c) => c.type === 'Established');
    if (established?.status === 'True') return;
    if (Date.now() > deadline) {
      throw new Error(`CustomResourceDefinition ${name} was not Established in time${established?.message ? `: ${established.message}` : ''}`);
    }
    opts.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, 200));
  }
}
