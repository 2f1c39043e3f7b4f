import yaml from 'js-yaml';
import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { KubeObject } from './kube-object.js';

/**
 * Multi-document YAML → objects. Empty documents are skipped and `*List` kinds flattened, as
 * kubectl does; anything that is not an object with apiVersion, kind and metadata.name is an
 * error naming the source and the document number.
 */
export function parseManifests(text: string, source: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (err) {
    throw new DroverError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { exitCode: ExitCode.InvalidInput, hint: 'fix the add-on manifest' });
  }
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    for (const o of flatten(doc)) out.push(checkObject(o, `${source} (document ${i + 1})`));
  });
  return out;
}

function flatten(doc: unknown): unknown[] {
  if (isRecord(doc) && typeof doc['kind'] === 'string' && doc['kind'].endsWith('List') && Array.isArray(doc['items'])) {
    return (doc['items'] as unknown[]).flatMap(flatten);
  }
  return [doc];
}

function checkObject(o: unknown, where: string): KubeObject {
  const fail = (what: string): never => {
    throw new DroverError(`${where}: ${what}`, { exitCode: ExitCode.InvalidInput, hint: 'every document needs apiVersion, kind and metadata.name' });
  };
  if (!isRecord(o)) return fail('is not a Kubernetes object');
  if (typeof o['apiVersion'] !== 'string' || o['apiVersion'] === '') fail('has no apiVersion');
  if (typeof o['kind'] !== 'string' || o['kind'] === '') fail('has no kind');
  const meta = o['metadata'];
  if (!isRecord(meta) || typeof meta['name'] !== 'string' || meta['name'] === '') fail(`${String(o['kind'])} has no metadata.name`);
  return o as unknown as KubeObject;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Namespaces and CRDs go first so what lives in them or uses them can be applied in the same run. */
export function applyOrder(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((o, i) => ({ o, i })).sort((a, b) => applyRank(a.o) - applyRank(b.o) || a.i - b.i).map((x) => x.o);
}

/** 0 Namespace, 1 CustomResourceDefinition, 2 everything else: objects of one rank are independent. */
export const applyRank = (o: KubeObject): number => (o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);

/** Manifests as YAML (for `drover plan --output` and debugging): stable key order as built. */
export function renderManifests(objects: readonly KubeObject[]): string {
  return objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true })).join('---\n');
}
