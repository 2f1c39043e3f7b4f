import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostKeyAlgorithmsFor } from '../../../src/transport/host-key-check.js';
import {
  fingerprintOfBlob,
  formatKnownHostLine,
  hostFieldMatches,
  judgeHostKey,
  keyTypeOfBlob,
  knownHostName,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';

/** An SSH wire-format ed25519 public key blob: string "ssh-ed25519", string key. */
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const keyA = ed25519Blob();
const keyB = ed25519Blob();
const line = (host: string, blob: Buffer) => `${host} ssh-ed25519 ${blob.toString('base64')}`;

describe('known_hosts parsing and matching', () => {
  it('names hosts as OpenSSH does: bare for port 22, [host]:port otherwise', () => {
    expect(knownHostName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('skips comments, blank lines, short lines and unknown markers', () => {
    const entries = parseKnownHosts(['# comment', '', 'onlyhost', '@bogus h ssh-ed25519 AAAA', line('h', keyA)].join('\n'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ hosts: 'h', keyType: 'ssh-ed25519', marker: undefined, line: 5 });
  });

  it('matches comma lists, wildcards and negations', () => {
    expect(hostFieldMatches('a,b,10.0.0.*', '10.0.0.7')).toBe(true);
    expect(hostFieldMatches('node?', 'node1')).toBe(true);
    expect(hostFieldMatches('node?', 'node10')).toBe(false);
    expect(hostFieldMatches('10.0.0.*,!10.0.0.5', '10.0.0.5')).toBe(false);
    expect(hostFieldMatches('[10.0.0.1]:2222', '10.0.0.1')).toBe(false);
    expect(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222')).toBe(true);
  });

  it('matches hashed names (HMAC-SHA1 of the name with the salt) and only them', () => {
    const salt = Buffer.from('0123456789abcdefghij');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.1]:2222').digest('base64')}`;
    expect(hostFieldMatches(hashed, '[10.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches(hashed, '10.0.0.1')).toBe(false);
  });

  it('judges known, unknown, mismatch and revoked like StrictHostKeyChecking=yes', () => {
    const b64A = keyA.toString('base64');
    const entries = parseKnownHosts([line('10.0.0.1', keyA), `@revoked * ssh-ed25519 ${keyB.toString('base64')}`, `@cert-authority * ssh-ed25519 ${b64A}`].join('\n'));
    expect(judgeHostKey(entries, '10.0.0.1', 'ssh-ed25519', b64A)).toEqual({ kind: 'known' });
    expect(judgeHostKey(entries, '10.0.0.2', 'ssh-ed25519', b64A)).toEqual({ kind: 'unknown', otherKeyTypes: [] });
    expect(judgeHostKey(parseKnownHosts(line('10.0.0.1', keyA)), '10.0.0.1', 'ssh-ed25519', keyB.toString('base64'))).toEqual({ kind: 'mismatch' });
    expect(judgeHostKey(entries, '10.0.0.1', 'ssh-ed25519', keyB.toString('base64'))).toEqual({ kind: 'revoked' });
  });

  it('treats a key of a type not on file as unknown and says which types are known', () => {
    const entries = parseKnownHosts(`10.0.0.1 ssh-rsa AAAAB3NzaC1yc2E=`);
    expect(judgeHostKey(entries, '10.0.0.1', 'ssh-ed25519', keyA.toString('base64'))).toEqual({ kind: 'unknown', otherKeyTypes: ['ssh-rsa'] });
    expect(hostKeyAlgorithmsFor(entries, '10.0.0.1').slice(0, 2)).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(hostKeyAlgorithmsFor([], 'x')[0]).toBe('ssh-ed25519');
  });

  it('reads the key type from the blob and prints the SHA256 fingerprint as ssh-keygen does', () => {
    expect(keyTypeOfBlob(keyA)).toBe('ssh-ed25519');
    const expected = 'SHA256:' + createHash('sha256').update(keyA).digest('base64').replace(/=+$/, '');
    expect(fingerprintOfBlob(keyA)).toBe(expected);
    expect(fingerprintOfBlob(keyA)).not.toMatch(/=$/);
  });

  it('formats lines that parse back to the same verdict, plain or hashed (property)', () => {
    fc.assert(
      fc.property(
        fc.ipV4(),
        fc.integer({ min: 1, max: 65535 }),
        fc.boolean(),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (addr, port, hashed, salt) => {
          const name = knownHostName(addr, port);
          const entries = parseKnownHosts(formatKnownHostLine(name, keyA, { hashed, salt: Buffer.from(salt) }));
          expect(judgeHostKey(entries, name, 'ssh-ed25519', keyA.toString('base64'))).toEqual({ kind: 'known' });
          expect(judgeHostKey(entries, name, 'ssh-ed25519', keyB.toString('base64'))).toEqual({ kind: 'mismatch' });
          const other = knownHostName(addr, port === 22 ? 23 : 22);
          expect(judgeHostKey(entries, other, 'ssh-ed25519', keyA.toString('base64')).kind).toBe('unknown');
        },
      ),
      { numRuns: 200 },
    );
  });
});
