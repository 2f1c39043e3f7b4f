import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * OpenSSH known_hosts, parsed and matched without I/O: plain and hashed (`|1|salt|hash`) host
 * names, `[host]:port` for ports other than 22, comma lists, `*`/`?` wildcards, `!` negation,
 * several key types per host, `@revoked` (refused) and `@cert-authority` (ignored: drover does
 * not verify host certificates, so a CA line never vouches for a key).
 */
export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Raw host field: comma-separated patterns or one hashed name. */
  hosts: string;
  keyType: string;
  /** base64 of the SSH wire-format public key. */
  keyBase64: string;
  line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    entries.push({ marker, hosts, keyType, keyBase64, line: i + 1 });
  });
  return entries;
}

/** The name OpenSSH stores for a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** Does this entry's host field name `name` (already in known_hosts form)? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (wildcardToRegExp(p).test(name)) {
      if (negated) return false; // a matching negation vetoes the whole line
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown'; otherKeyTypes: string[] }
  | { kind: 'mismatch' }
  | { kind: 'revoked' };

/** Judge one presented key against the entries, as OpenSSH's StrictHostKeyChecking=yes would. */
export function judgeHostKey(entries: KnownHostEntry[], name: string, keyType: string, keyBase64: string): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  // @revoked applies to the key wherever it appears, so check it before the host match.
  if (entries.some((e) => e.marker === 'revoked' && e.keyBase64 === keyBase64)) return { kind: 'revoked' };
  const sameType = forHost.filter((e) => e.marker === undefined && e.keyType === keyType);
  if (sameType.some((e) => e.keyBase64 === keyBase64)) return { kind: 'known' };
  if (sameType.length > 0) return { kind: 'mismatch' };
  const otherKeyTypes = [...new Set(forHost.filter((e) => e.marker === undefined).map((e) => e.keyType))];
  return { kind: 'unknown', otherKeyTypes };
}

/** Key types known for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** The key type written at the start of an SSH wire-format public key blob. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** SHA256 fingerprint exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** One known_hosts line; hashed like OpenSSH's HashKnownHosts when asked. */
export function formatKnownHostLine(name: string, blob: Buffer, opts: { hashed?: boolean; salt?: Buffer } = {}): string {
  let hostField = name;
  if (opts.hashed) {
    const salt = opts.salt ?? randomBytes(20);
    const hash = createHmac('sha1', salt).update(name).digest('base64');
    hostField = `|1|${salt.toString('base64')}|${hash}`;
  }
  return `${hostField} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}
