import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlSource, pathKey, type PathSegment } from '../../../src/config/yaml-source.js';
import { cidrContains, cidrsOverlap, nthAddress, parseCidr } from '../../../src/util/ip.js';
import { closest } from '../../../src/util/suggest.js';
import { clusterConfigSchema } from '../../../src/config/schema.js';

/** Properties that hold for any input, where a handful of examples would prove little. */
const key = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
const scalar = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9.]{0,10}$/), fc.integer({ min: 0, max: 99999 }), fc.boolean());
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { minLength: 1, maxLength: 4 }),
  map: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 }),
})).map;

function leaves(value: unknown, path: PathSegment[] = []): [PathSegment[], unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [[path, value]];
}

describe('source positions', () => {
  it('every scalar is placed where its text starts, in block and flow style alike', () => {
    fc.assert(
      fc.property(tree, fc.boolean(), (value, flow) => {
        const text = yaml.dump(value, { flowLevel: flow ? 1 : -1 });
        const lines = text.split('\n');
        const source = parseYamlSource(text, 't.yml');
        expect(source.value).toEqual(value);
        for (const [path, leaf] of leaves(value)) {
          const place = source.places.get(pathKey(path));
          expect(place, `no place for ${JSON.stringify(path)}`).toBeDefined();
          const at = lines[place!.value.line - 1]!.slice(place!.value.col - 1);
          expect(at.replace(/^['"]/, '').startsWith(String(leaf))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('CIDR arithmetic', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((p) => p.join('.'));
  it('a range contains its own addresses and overlaps itself; overlap is symmetric', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, fc.integer({ min: 0, max: 32 }), (a, pa, b, pb) => {
        const ca = parseCidr(`${a}/${pa}`)!;
        const cb = parseCidr(`${b}/${pb}`)!;
        expect(cidrContains(ca, a)).toBe(true);
        expect(cidrContains(ca, nthAddress(ca, 0))).toBe(true);
        expect(cidrsOverlap(ca, ca)).toBe(true);
        expect(cidrsOverlap(ca, cb)).toBe(cidrsOverlap(cb, ca));
        if (cidrContains(ca, b) && pb >= pa) expect(cidrsOverlap(ca, cb)).toBe(true);
      }),
    );
  });
  it('knows the kubernetes Service address of the default range', () => {
    expect(nthAddress(parseCidr('10.43.0.0/16')!, 1)).toBe('10.43.0.1');
    expect(cidrsOverlap(parseCidr('10.42.0.0/16')!, parseCidr('10.43.0.0/16')!)).toBe(false);
    expect(cidrContains(parseCidr('fd00:10:43::/112')!, 'fd00:10:43::a')).toBe(true);
  });
});

describe('did-you-mean', () => {
  const keys = ['address', 'internal_address', 'hostname_override', 'ssh_key_path', 'docker_socket', 'labels', 'taints'];
  it('a key with one character dropped or doubled finds its way back', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.nat(), fc.boolean(), (word, at, drop) => {
        const i = at % word.length;
        const typo = drop ? word.slice(0, i) + word.slice(i + 1) : word.slice(0, i + 1) + word.slice(i);
        expect(closest(typo, keys)).toBe(word);
      }),
    );
  });
});

describe('RKE string fields', () => {
  it('accept numbers and booleans as their string form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.string()), (v) => {
        const parsed = clusterConfigSchema.parse({ nodes: [{ address: 'a', user: 'u', role: ['worker'], port: v, labels: { k: v } }] });
        expect(parsed.nodes[0]?.port).toBe(String(v));
        expect(parsed.nodes[0]?.labels?.['k']).toBe(String(v));
      }),
    );
  });
});
