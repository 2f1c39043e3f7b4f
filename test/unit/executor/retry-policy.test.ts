import { describe, expect, it } from 'vitest';
import { TransientError, backoffDelayMs, isTransient } from '../../../src/executor/index.js';
import { shouldRetry } from '../../../src/executor/retry-policy.js';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });
const httpError = (statusCode: number): Error => Object.assign(new Error(`HTTP ${statusCode}`), { statusCode });

describe('retry classification', () => {
  it.each([
    ['TransientError', new TransientError('flaky'), true],
    ['transient: true marker', Object.assign(new Error('x'), { transient: true }), true],
    ['ECONNRESET', withCode('ECONNRESET'), true],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), true],
    ['EPIPE', withCode('EPIPE'), true],
    ['Docker 500', httpError(500), true],
    ['Docker 503', httpError(503), true],
    ['wrapped ECONNRESET', new Error('exec failed', { cause: withCode('ECONNRESET') }), true],
    ['Docker 501', httpError(501), false],
    ['Docker 404', httpError(404), false],
    ['Docker 409', httpError(409), false],
    ['ENOENT', withCode('ENOENT'), false],
    ['plain Error', new Error('bad config'), false],
    ['transient: false wins over a transient cause', Object.assign(new Error('x', { cause: withCode('EPIPE') }), { transient: false }), false],
    ['a string', 'ECONNRESET', false],
    ['undefined', undefined, false],
  ])('%s → %s', (_name, err, expected) => {
    expect(isTransient(err)).toBe(expected);
  });

  it('stops retrying after maxAttempts', () => {
    const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(shouldRetry(policy, new TransientError('x'), 1)).toBe(true);
    expect(shouldRetry(policy, new TransientError('x'), 2)).toBe(true);
    expect(shouldRetry(policy, new TransientError('x'), 3)).toBe(false);
    expect(shouldRetry(policy, new Error('permanent'), 1)).toBe(false);
  });

  it('backs off exponentially with jitter between half and the full step, capped', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(policy, a, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(policy, a, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
});
