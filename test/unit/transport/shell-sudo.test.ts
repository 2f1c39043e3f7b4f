import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SudoError } from '../../../src/transport/errors.js';
import { shellJoin, shellQuote } from '../../../src/transport/shell.js';
import { sudoModeFromProbe, sudoWrap } from '../../../src/transport/sudo.js';

describe('shell quoting', () => {
  it('survives a real sh for any string (sampled property, one sh for all samples)', () => {
    const words = fc.sample(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')), 300);
    // NUL cannot be in argv; newline-free framing by NUL separators keeps every sample apart.
    const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellJoin(words)}`]).toString();
    expect(out.split('\0').slice(0, -1)).toEqual(words);
  });
  it('leaves plain words alone', () => {
    expect(shellQuote('/etc/kubernetes/ssl')).toBe('/etc/kubernetes/ssl');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('sudo', () => {
  it('is not used for root, -n when passwordless', () => {
    expect(sudoWrap({ kind: 'root' }, 'id -u')).toEqual({ command: 'id -u' });
    expect(sudoWrap({ kind: 'nopasswd' }, 'echo "a b"', 'in')).toEqual({ command: `sudo -n -- sh -c 'echo "a b"'`, stdin: 'in' });
  });
  it('puts the password on stdin before the command input, never in the command', () => {
    const w = sudoWrap({ kind: 'password', password: 'hunter2' }, 'cat', 'payload');
    expect(w.command).not.toContain('hunter2');
    expect(w.command).toContain('sudo -S -k');
    expect(Buffer.from(w.stdin!).toString()).toBe('hunter2\npayload');
  });
  it('chooses the mode from a `sudo -n true` probe and the environment', () => {
    expect(sudoModeFromProbe('h', 'root', { code: 1, stderr: '' }, {})).toEqual({ kind: 'root' });
    expect(sudoModeFromProbe('h', 'ubuntu', { code: 0, stderr: '' }, {})).toEqual({ kind: 'nopasswd' });
    expect(sudoModeFromProbe('h', 'ubuntu', { code: 1, stderr: 'a password is required' }, { DROVER_SUDO_PASSWORD: 'pw' })).toEqual({ kind: 'password', password: 'pw' });
    expect(() => sudoModeFromProbe('h', 'ubuntu', { code: 1, stderr: 'sudo: a password is required' }, {})).toThrow(SudoError);
  });
});
