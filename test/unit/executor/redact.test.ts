import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../../src/executor/index.js';

describe('Redactor', () => {
  it('replaces every occurrence, the longest secret first', () => {
    const r = new Redactor(['pass', 'password123']);
    expect(r.redact('password123 and pass and password123')).toBe(`${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it('ignores secrets shorter than 4 characters (they would shred every message)', () => {
    expect(new Redactor(['ab']).redact('abc ab')).toBe('abc ab');
  });

  it('redacts nested strings and returns clean values untouched (no copy)', () => {
    const r = new Redactor(['s3cr3t"\\x']);
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    expect(r.redactValue(clean)).toBe(clean);
    const dirty = { a: ['x', { b: 'token s3cr3t"\\x!' }], n: 1, u: undefined };
    expect(r.redactValue(dirty)).toEqual({ a: ['x', { b: `token ${REDACTED}!` }], n: 1, u: undefined });
    expect(dirty.a[1]).toEqual({ b: 'token s3cr3t"\\x!' }); // the original is not modified
  });

  it('does nothing without secrets', () => {
    const v = { m: 'anything' };
    expect(new Redactor().redactValue(v)).toBe(v);
  });
});
