import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { CertSpec } from './specs.js';
import { generatePrivateKey, keyTypeOf, privateKeyOf, type KeyPair, type KeyType } from './keys.js';
import { encodeCertificate, issuerPartsOf, type ExtendedKeyUsage, type KeyUsage } from './x509-encode.js';

/** One certificate as kept in the state: PEMs plus the hash of the spec it was issued for. */
export interface IssuedCert {
  name: string;
  certPem: string;
  /** Absent only for a user-provided CA whose key stays with the user. */
  keyPem?: string;
  /** sha256 of the spec and the issuer certificate: a different hash means re-issue. */
  specHash: string;
  /** Imported from --cert-dir: never re-issued by drover. */
  custom?: boolean;
  node?: string;
}

/** The clock, the serial source and key generation are injected so tests are deterministic. */
export interface IssueOptions {
  keyType: KeyType;
  now: () => Date;
  /** At least 16 random bytes; normalized to a positive, minimally encoded serial. */
  randomSerial: () => Buffer;
  generateKey?: (type: KeyType) => KeyPair;
}

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** Backdating covers clock skew between the machine that signs and the nodes that verify. */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export function specHash(spec: CertSpec, issuerCertPem: string | undefined): string {
  const { name, issuer, commonName, organizations, dnsNames, ipAddresses, usage } = spec;
  const canonical = JSON.stringify({ name, issuer, commonName, organizations, dnsNames, ipAddresses, usage });
  return createHash('sha256').update(canonical).update(issuerCertPem ?? '').digest('hex');
}

/** A parsed issuer, cached by the caller for the length of one reconcile. */
export interface Signer {
  entry: IssuedCert;
  key: KeyObject;
  cert: X509Certificate;
  subjectDer: Buffer;
  subjectKeyId: Buffer;
}

export function signerOf(entry: IssuedCert): Signer {
  if (!entry.keyPem) throw new Error(`CA ${entry.name} has no private key`);
  const cert = new X509Certificate(entry.certPem);
  return { entry, key: privateKeyOf(entry.keyPem), cert, ...issuerPartsOf(cert.raw) };
}

function serialFrom(bytes: Buffer): Buffer {
  const serial = Buffer.from(bytes.subarray(0, 16));
  if (serial.length < 8) throw new Error('the serial source must give at least 8 random bytes');
  // Positive (top bit clear) and minimal (first byte non-zero) as DER and RFC 5280 require.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

const EXTENDED: Record<CertSpec['usage'], ExtendedKeyUsage[]> = {
  ca: [],
  server: ['serverAuth'],
  client: ['clientAuth'],
  peer: ['serverAuth', 'clientAuth'],
};

function keyUsagesFor(spec: CertSpec, key: KeyObject): KeyUsage[] {
  if (spec.usage === 'ca') return ['digitalSignature', 'keyCertSign', 'cRLSign'];
  // keyEncipherment only means something for RSA key transport.
  return keyTypeOf(key) === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

/**
 * Issue one certificate. `signer` is undefined for a self-signed CA. `keyPem` reuses an existing
 * key (a re-issue after a SAN change keeps the key); otherwise a new one is generated.
 */
export function issueCertificate(spec: CertSpec, signer: Signer | undefined, keyPem: string | undefined, opts: IssueOptions): IssuedCert {
  const ownKey = keyPem
    ? privateKeyOf(keyPem)
    : opts.generateKey
      ? privateKeyOf(opts.generateKey(opts.keyType).privateKeyPem)
      : generatePrivateKey(opts.keyType);
  const ownKeyPem = keyPem ?? ownKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const now = opts.now().getTime();
  const days = spec.usage === 'ca' ? CA_VALIDITY_DAYS : LEAF_VALIDITY_DAYS;
  let notAfter = new Date(now + days * DAY_MS);
  // A leaf must not outlive its CA.
  if (signer) notAfter = new Date(Math.min(notAfter.getTime(), new Date(signer.cert.validTo).getTime()));
  const certPem = encodeCertificate(
    {
      serial: serialFrom(opts.randomSerial()),
      ...(signer ? { issuerNameDer: signer.subjectDer, authorityKeyId: signer.subjectKeyId } : {}),
      subject: { commonName: spec.commonName, organizations: spec.organizations },
      notBefore: new Date(now - BACKDATE_MS),
      notAfter,
      publicKeyDer: createPublicKey(ownKey).export({ type: 'spki', format: 'der' }),
      isCa: spec.usage === 'ca',
      keyUsages: keyUsagesFor(spec, ownKey),
      extendedKeyUsages: EXTENDED[spec.usage],
      dnsNames: spec.dnsNames,
      ipAddresses: spec.ipAddresses,
    },
    signer ? signer.key : ownKey,
  );
  return {
    name: spec.name,
    certPem,
    keyPem: ownKeyPem,
    specHash: specHash(spec, signer?.entry.certPem),
    ...(spec.node ? { node: spec.node } : {}),
  };
}
