import { clusterConfigSchema, type ClusterConfig } from './schema.js';
import { prepareRawConfig } from './prepare.js';
import { checkRules } from './rules.js';
import { schemaProblems } from './schema-issues.js';
import { formatPath, type ConfigProblem, type PathProblem } from './problems.js';
import { parseYamlSource, placeOf, YamlSyntaxError, type NodePlace, type Path, type PathSegment } from './yaml-source.js';
import type { z } from 'zod';

/**
 * The pure heart of config loading: text in, typed config and every problem out, each with
 * its place in the file. No file system, no network: key-file checks are injected.
 */
export interface ValidateInput {
  text: string;
  /** As shown in messages (the path the user gave). */
  file: string;
  env: Readonly<Record<string, string | undefined>>;
  purpose: 'validate' | 'deploy';
  keyFileReadable(path: string): boolean;
}

export interface ValidateResult {
  /** Present when there is no error (warnings may remain). */
  config?: ClusterConfig;
  problems: ConfigProblem[];
  /** Values that came from ${env:...}: never to be printed. */
  secrets: string[];
}

export function validateConfigText(input: ValidateInput): ValidateResult {
  const { file } = input;
  let source;
  try {
    source = parseYamlSource(input.text, file);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    return { problems: [{ severity: 'error', file, ...err.position, path: '(top level)', message: `YAML syntax: ${err.message}`, hint: 'fix the YAML first; nothing else was checked' }], secrets: [] };
  }
  const place = (p: PathProblem): ConfigProblem => {
    const { place: at, exact } = placeOf(source.places, p.path);
    const pos = pickPosition(at, p.atKey === true || !exact);
    return { severity: p.severity, file, line: pos.line, col: pos.col, path: formatPath(p.path), message: p.message, ...(p.hint ? { hint: p.hint } : {}) };
  };

  const problems: ConfigProblem[] = source.duplicates.map((d) => ({
    severity: 'error',
    file,
    ...d.again,
    path: formatPath(d.path),
    message: `\`${String(d.path.at(-1))}\` appears twice in the same mapping (first at line ${d.first.line})`,
    hint: `merge the two \`${String(d.path.at(-1))}:\` blocks into one; YAML keeps only the last, and RKE's merging hid mistakes`,
  }));

  if (source.value === undefined || source.value === null) {
    problems.push({ severity: 'error', file, line: 1, col: 1, path: '(top level)', message: 'the file is empty', hint: 'run `drover config --print` for a complete example' });
    return { problems, secrets: [] };
  }
  if (typeof source.value !== 'object' || Array.isArray(source.value)) {
    problems.push({ severity: 'error', file, line: 1, col: 1, path: '(top level)', message: 'cluster.yml must be a mapping of keys (nodes:, services:, ...)' });
    return { problems, secrets: [] };
  }

  const prepared = prepareRawConfig(source.value, input.env);
  problems.push(...prepared.problems.map(place));
  const parsed = clusterConfigSchema.safeParse(prepared.value);
  if (!parsed.success) {
    problems.push(...schemaProblems(clusterConfigSchema, parsed.error.issues, prepared.value).map(place));
    // Report the cross-field problems too, where the rest of the file allows it.
    const partial = pruneInvalid(prepared.value, parsed.error.issues);
    if (partial) {
      const ruleProblems = checkRules({ config: partial.config, purpose: input.purpose, keyFileReadable: input.keyFileReadable });
      // A rule about something that was pruned (or that contains it) could be an echo of the first problem.
      const unrelated = (p: PathProblem) => !partial.pruned.some((q) => isWithin(p.path, q) || isWithin(q, p.path));
      problems.push(...ruleProblems.filter(unrelated).map(place));
    }
    return { problems: dedupe(problems), secrets: prepared.secrets };
  }
  problems.push(...checkRules({ config: parsed.data, purpose: input.purpose, keyFileReadable: input.keyFileReadable }).map(place));
  const ok = !problems.some((p) => p.severity === 'error');
  return { ...(ok ? { config: parsed.data } : {}), problems: dedupe(problems), secrets: prepared.secrets };
}

/**
 * Drop what zod complained about (unknown keys, wrong values, wrong scalars in lists) and parse
 * again, so the rules can still look at the rest. Gives up when a required key is missing or a
 * whole list item (a node) is wrong: the rules would see a different cluster.
 */
function pruneInvalid(value: unknown, firstIssues: readonly z.core.$ZodIssue[]): { config: ClusterConfig; pruned: Path[] } | undefined {
  const copy = structuredClone(value) as Record<string, unknown>;
  const pruned: Path[] = [];
  let issues = firstIssues;
  for (let round = 0; round < 3; round++) {
    const listRemovals = new Map<unknown[], Set<number>>();
    for (const issue of issues) {
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      for (const path of paths as PathSegment[][]) {
        const key = path.at(-1);
        const parent = path.slice(0, -1).reduce<unknown>((v, seg) => (v as Record<PathSegment, unknown> | undefined)?.[seg], copy);
        if (Array.isArray(parent) && typeof key === 'number') {
          if (typeof parent[key] === 'object') return undefined;
          listRemovals.set(parent, (listRemovals.get(parent) ?? new Set()).add(key));
          pruned.push(path.slice(0, -1));
          continue;
        }
        if (typeof key !== 'string' || parent === null || typeof parent !== 'object' || !(key in parent)) return undefined;
        delete (parent as Record<string, unknown>)[key];
        pruned.push(path);
      }
    }
    for (const [list, indexes] of listRemovals) {
      const kept = list.filter((_, i) => !indexes.has(i));
      list.splice(0, list.length, ...kept);
    }
    const again = clusterConfigSchema.safeParse(copy);
    if (again.success) return { config: again.data, pruned };
    issues = again.error.issues;
  }
  return undefined;
}

const isWithin = (path: Path, prefix: Path): boolean => prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);

function pickPosition(at: NodePlace, preferKey: boolean) {
  return preferKey && at.key ? at.key : at.value;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
