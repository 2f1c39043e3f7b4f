import { z } from 'zod';
import { closest } from '../util/suggest.js';
import type { PathProblem } from './problems.js';
import type { Path, PathSegment } from './yaml-source.js';

/**
 * Turn zod's issues into problems a person can act on: the key that is wrong, what was
 * expected, and — for unknown keys — the key they probably meant, or where that key belongs.
 */

/** Known mistakes, with what to write instead. */
const KNOWN_MISTAKES: Record<string, string> = {
  'etcd-snapshot':
    'RKE silently ignored this key; recurring snapshots are set in services.etcd: `snapshot: true` and `backup_config: {interval_hours: 12, retention: 6}`',
  'kube_api': 'the service is spelled `kube-api`',
  'kube-controller-manager': 'RKE calls this service `kube-controller`',
  'kube-scheduler': 'RKE calls this service `scheduler`',
  'kube-proxy': 'RKE calls this service `kubeproxy`',
  roles: 'the key is `role` (a list)',
  hostname: 'the key is `hostname_override`',
};

type AnySchema = z.ZodType;

/** Unwrap optional/pipe/transform wrappers to the schema that holds the shape. */
function unwrap(schema: AnySchema): AnySchema {
  let s: AnySchema = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as AnySchema;
    else if (s instanceof z.ZodPipe) s = s.in as AnySchema;
    else break;
  }
  return s;
}

function schemaAt(root: AnySchema, path: Path): AnySchema | undefined {
  let s: AnySchema | undefined = unwrap(root);
  for (const seg of path) {
    if (!s) return undefined;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, AnySchema>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element as AnySchema;
    else if (s instanceof z.ZodRecord) s = s.valueType as AnySchema;
    else return undefined;
    if (s) s = unwrap(s);
  }
  return s;
}

function keysAt(root: AnySchema, path: Path): string[] {
  const s = schemaAt(root, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : [];
}

/** Every object key path in the schema, so a key written at the wrong level can be placed. */
function allKeyPaths(root: AnySchema): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  const visit = (s: AnySchema, path: string[], depth: number): void => {
    const u = unwrap(s);
    if (depth > 8) return;
    if (u instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(u.shape as Record<string, AnySchema>)) {
        const where = [...path, key];
        byKey.set(key, [...(byKey.get(key) ?? []), where.join('.')]);
        visit(child, where, depth + 1);
      }
    } else if (u instanceof z.ZodArray) visit(u.element as AnySchema, [...path.slice(0, -1), `${path.at(-1) ?? ''}[]`], depth + 1);
  };
  visit(root, [], 0);
  return byKey;
}

function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (input !== null && typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `"${input}"`;
  return `${typeof input} ${String(input)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
};

function unknownKeyHint(root: AnySchema, keyIndex: Map<string, string[]>, parent: Path, key: string): string | undefined {
  const known = KNOWN_MISTAKES[key];
  if (known) return known;
  // The exact key elsewhere is stronger evidence than a similar key here.
  const elsewhere = keyIndex.get(key);
  if (elsewhere?.length) return `\`${key}\` belongs at ${elsewhere.slice(0, 3).map((p) => `\`${p}\``).join(' or ')}`;
  const suggestion = closest(key, keysAt(root, parent));
  if (suggestion) return `did you mean \`${suggestion}\`?`;
  const valid = keysAt(root, parent);
  return valid.length ? `valid keys here: ${valid.join(', ')}` : undefined;
}

export function schemaProblems(root: AnySchema, issues: readonly z.core.$ZodIssue[], data: unknown): PathProblem[] {
  const keyIndex = allKeyPaths(root);
  const problems: PathProblem[] = [];
  const inputAt = (path: Path): unknown =>
    path.reduce<unknown>((v, seg) => (v !== null && typeof v === 'object' ? (v as Record<PathSegment, unknown>)[seg] : undefined), data);

  for (const issue of issues) {
    const path = issue.path as PathSegment[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = unknownKeyHint(root, keyIndex, path, key);
        problems.push({ severity: 'error', path: [...path, key], atKey: true, message: `unknown key \`${key}\``, ...(hint ? { hint } : {}) });
      }
      continue;
    }
    const input = inputAt(path);
    if (input === undefined && issue.code !== 'custom') {
      const key = path.at(-1);
      problems.push({ severity: 'error', path, message: `missing required key \`${String(key)}\`` });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
      message = `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    } else if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
      message = `${message}, got ${describeValue(input)}`;
    }
    let hint: string | undefined;
    if (issue.code === 'invalid_value' && typeof input === 'string') {
      const suggestion = closest(input, issue.values.map(String));
      if (suggestion) hint = `did you mean "${suggestion}"?`;
      message = `${message} (got "${input}")`;
    }
    problems.push({ severity: 'error', path, message, ...(hint ? { hint } : {}) });
  }
  return problems;
}

