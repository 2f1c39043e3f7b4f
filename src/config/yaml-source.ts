import yaml from 'js-yaml';

/**
 * Parse YAML with js-yaml and keep where every node came from, so each problem can say
 * `file:line:col`. js-yaml reports each node it composes through its `listener` option; the
 * open/close events form a pre-order tree that mirrors the value tree.
 */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Position {
  line: number; // 1-based
  col: number; // 1-based
}

export interface NodePlace {
  /** Where the value starts. */
  value: Position;
  /** Where its key starts, for mapping entries. */
  key?: Position;
}

export interface DuplicateKey {
  path: Path;
  first: Position;
  again: Position;
}

export interface YamlSource {
  value: unknown;
  places: Map<string, NodePlace>;
  duplicates: DuplicateKey[];
}

export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(message);
  }
}

export const pathKey = (path: Path): string => JSON.stringify(path);

interface Frame {
  start: number;
  result?: unknown;
  isKey: boolean;
  children: Frame[];
}

/** Skip blanks, line breaks and comments: js-yaml opens a value node before seeking to it. */
function contentStart(input: string, pos: number): number {
  let p = pos;
  while (p < input.length) {
    const ch = input[p];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\ufeff') p++;
    else if (ch === '#') while (p < input.length && input[p] !== '\n') p++;
    else break;
  }
  return p;
}

/** A closed node is a mapping key when a ':' follows it on the same line. */
function followedByColon(input: string, pos: number): boolean {
  let p = pos;
  while (p < input.length && (input[p] === ' ' || input[p] === '\t')) p++;
  return input[p] === ':';
}

function lineIndex(input: string): number[] {
  const starts = [0];
  for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toPosition(starts: number[], offset: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
}

export function parseYamlSource(input: string, filename: string): YamlSource {
  const root: Frame = { start: 0, isKey: false, children: [] };
  const stack: Frame[] = [root];
  let value: unknown;
  try {
    value = yaml.load(input, {
      filename,
      // Duplicate keys are collected below and reported all at once with both places.
      json: true,
      listener(event, state) {
        if (event === 'open') {
          const frame: Frame = { start: contentStart(input, state.position), isKey: false, children: [] };
          stack[stack.length - 1]?.children.push(frame);
          stack.push(frame);
        } else {
          const frame = stack.pop();
          if (!frame) return;
          frame.result = state.result;
          frame.isKey = followedByColon(input, state.position);
        }
      },
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line?: number; column?: number } | undefined;
      throw new YamlSyntaxError(err.reason || 'invalid YAML', {
        line: (mark?.line ?? 0) + 1,
        col: (mark?.column ?? 0) + 1,
      });
    }
    throw err;
  }
  const starts = lineIndex(input);
  const places = new Map<string, NodePlace>();
  const duplicates: DuplicateKey[] = [];
  const top = root.children[0];
  if (top) walk(top, [], undefined);
  return { value, places, duplicates };

  function walk(frame: Frame, path: PathSegment[], key: Position | undefined): void {
    const place: NodePlace = { value: toPosition(starts, frame.start) };
    if (key) place.key = key;
    places.set(pathKey(path), place);
    const result = frame.result;
    if (Array.isArray(result)) {
      frame.children.forEach((child, i) => walk(child, [...path, i], undefined));
    } else if (result !== null && typeof result === 'object') {
      walkMapping(frame.children, path);
    }
  }

  function walkMapping(children: Frame[], path: PathSegment[]): void {
    const seen = new Map<string, Position>();
    for (let i = 0; i < children.length; i++) {
      const keyFrame = children[i];
      if (!keyFrame?.isKey) continue;
      const name = String(keyFrame.result);
      const keyPos = toPosition(starts, keyFrame.start);
      const next = children[i + 1];
      const childPath = [...path, name];
      const earlier = seen.get(name);
      if (earlier) duplicates.push({ path: childPath, first: earlier, again: keyPos });
      else seen.set(name, keyPos);
      // With duplicates the value is the last one (js-yaml's json mode), so the last places win.
      if (next && !next.isKey) {
        if (next.result === null) places.set(pathKey(childPath), { value: keyPos, key: keyPos });
        else walk(next, childPath, keyPos);
        i++;
      } else {
        // `key:` with nothing after it: a null value, placed at its key.
        places.set(pathKey(childPath), { value: keyPos, key: keyPos });
      }
    }
  }
}

/** The place of a path, or of its nearest ancestor that exists in the file. */
export function placeOf(places: Map<string, NodePlace>, path: Path): { place: NodePlace; exact: boolean } {
  for (let n = path.length; n >= 0; n--) {
    const place = places.get(pathKey(path.slice(0, n)));
    if (place) return { place, exact: n === path.length };
  }
  return { place: { value: { line: 1, col: 1 } }, exact: false };
}
