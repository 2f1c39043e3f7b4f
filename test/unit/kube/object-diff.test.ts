import { describe, expect, it } from 'vitest';
import { canonicalJson, changedFields, containsFields } from '../../../src/kube/object-diff.js';
import type { KubeObject } from '../../../src/addons/kube-object.js';

describe('object comparison', () => {
  const base: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '1', managedFields: [] }, data: { a: '1' } };

  it('ignores what the server maintains and key order', () => {
    const after = { ...base, metadata: { name: 'c', resourceVersion: '2', managedFields: [{ manager: 'drover' }] }, data: { a: '1' }, status: { x: 1 } } as KubeObject;
    expect(changedFields(base, after)).toEqual([]);
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('names the top-level fields that differ', () => {
    expect(changedFields(base, { ...base, data: { a: '2' }, metadata: { ...base.metadata, labels: { x: 'y' } } })).toEqual(['data', 'metadata']);
  });

  it('treats server defaults as no difference when checking what drover set', () => {
    expect(containsFields({ port: 443, name: 's', extra: true }, { name: 's' })).toBe(true);
    expect(containsFields({ list: [1, 2] }, { list: [1] })).toBe(false);
    expect(containsFields(undefined, { a: 1 })).toBe(false);
  });
});
