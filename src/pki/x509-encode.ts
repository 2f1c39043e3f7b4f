import { createHash, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { ipToBytes } from '../util/ip.js';
import { keyTypeOf } from './keys.js';

/**
 * X.509 v3 encoding with node-forge's ASN.1/DER layer, signed with node:crypto.
 * forge's own certificate API only handles RSA keys, and its pure-JS RSA signing is slow;
 * building the TBSCertificate ourselves lets one path sign ECDSA and RSA natively.
 */
const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const CTX = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';
/** Bit positions from RFC 5280 §4.2.1.3. */
const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

export interface TbsInput {
  serial: Buffer;
  /** DER of the issuer's subject Name, copied byte for byte (self-signed: undefined). */
  issuerNameDer?: Buffer;
  /** Authority key identifier (the issuer's subject key identifier). */
  authorityKeyId?: Buffer;
  subject: { commonName: string; organizations: string[] };
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key as SubjectPublicKeyInfo DER. */
  publicKeyDer: Buffer;
  isCa: boolean;
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
  dnsNames: string[];
  ipAddresses: string[];
}

const bin = (b: Buffer): string => b.toString('binary');
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (b: Buffer) => asn1.create(U, T.OCTETSTRING, false, bin(b));
const seq = (items: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, items);
const der = (node: forge.asn1.Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
// The typings predate fromDer's options object; without decodeBitStrings:false forge would
// try to parse a key's bit string as ASN.1.
const fromDer = (b: Buffer): forge.asn1.Asn1 =>
  (asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1)(bin(b), { decodeBitStrings: false });

function encodeName(subject: TbsInput['subject']) {
  const rdn = (type: string, value: string) =>
    asn1.create(U, T.SET, true, [seq([oid(type), asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(value))])]);
  return seq([...subject.organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, subject.commonName)]);
}

/** RFC 5280 requires UTCTime through 2049 and GeneralizedTime after. */
function encodeTime(date: Date) {
  return date.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function encodeKeyUsage(usages: KeyUsage[]) {
  const bits = usages.map((u) => KEY_USAGE_BITS[u]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> bit % 8);
  const unused = 7 - (highest % 8); // DER: trailing zero bits of a named bit list are dropped
  return asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused) + bin(bytes));
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1) {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(U, T.BOOLEAN, false, String.fromCharCode(0xff)));
  parts.push(octets(der(value)));
  return seq(parts);
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1). */
export function subjectKeyIdOf(spkiDer: Buffer): Buffer {
  const spki = fromDer(spkiDer);
  const bitString = (spki.value as forge.asn1.Asn1[])[1]?.value as string;
  return createHash('sha1').update(Buffer.from(bitString.slice(1), 'binary')).digest();
}

function encodeExtensions(input: TbsInput, subjectKeyId: Buffer) {
  const exts = [
    extension(OID.basicConstraints, true, seq(input.isCa ? [asn1.create(U, T.BOOLEAN, false, String.fromCharCode(0xff))] : [])),
    extension(OID.keyUsage, true, encodeKeyUsage(input.keyUsages)),
  ];
  if (input.extendedKeyUsages.length > 0) exts.push(extension(OID.extKeyUsage, false, seq(input.extendedKeyUsages.map((u) => oid(OID[u])))));
  exts.push(extension(OID.subjectKeyIdentifier, false, octets(subjectKeyId)));
  if (input.authorityKeyId) {
    exts.push(extension(OID.authorityKeyIdentifier, false, seq([asn1.create(CTX, 0, false, bin(input.authorityKeyId))])));
  }
  const names = [
    ...input.dnsNames.map((d) => asn1.create(CTX, 2, false, d)),
    ...input.ipAddresses.map((ip) => asn1.create(CTX, 7, false, bin(ipToBytes(ip)))),
  ];
  if (names.length > 0) exts.push(extension(OID.subjectAltName, false, seq(names)));
  return asn1.create(CTX, 3, true, [seq(exts)]);
}

function signatureAlgorithm(key: KeyObject) {
  return keyTypeOf(key) === 'ecdsa'
    ? seq([oid(OID.ecdsaWithSha256)])
    : seq([oid(OID.sha256WithRsa), asn1.create(U, T.NULL, false, '')]);
}

/** Encode and sign one certificate; returns PEM. `signer` is the issuer's key (or the own key for a CA). */
export function encodeCertificate(input: TbsInput, signer: KeyObject): string {
  const subjectName = encodeName(input.subject);
  const algorithm = signatureAlgorithm(signer);
  const tbs = seq([
    asn1.create(CTX, 0, true, [asn1.create(U, T.INTEGER, false, String.fromCharCode(2))]),
    asn1.create(U, T.INTEGER, false, bin(input.serial)),
    algorithm,
    input.issuerNameDer ? fromDer(input.issuerNameDer) : subjectName,
    seq([encodeTime(input.notBefore), encodeTime(input.notAfter)]),
    subjectName,
    fromDer(input.publicKeyDer),
    encodeExtensions(input, subjectKeyIdOf(input.publicKeyDer)),
  ]);
  const tbsDer = der(tbs);
  const signature = sign('sha256', tbsDer, signer);
  const cert = seq([tbs, signatureAlgorithm(signer), asn1.create(U, T.BITSTRING, false, '\0' + bin(signature))]);
  const body = der(cert).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** The parts of an issuer certificate a child needs: its subject Name DER and key identifier. */
export function issuerPartsOf(certDer: Buffer): { subjectDer: Buffer; subjectKeyId: Buffer } {
  const cert = fromDer(certDer);
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const offset = tbs[0]?.tagClass === CTX ? 1 : 0; // v1 certificates have no [0] version
  const subjectDer = der(tbs[offset + 4]!);
  const spkiDer = der(tbs[offset + 5]!);
  let subjectKeyId = subjectKeyIdOf(spkiDer);
  const extWrapper = tbs.find((n) => n.tagClass === CTX && n.type === 3);
  for (const ext of ((extWrapper?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value as forge.asn1.Asn1[] | undefined) ?? []) {
    const parts = ext.value as forge.asn1.Asn1[];
    if (asn1.derToOid(parts[0]!.value as string) !== OID.subjectKeyIdentifier) continue;
    const inner = asn1.fromDer(parts[parts.length - 1]!.value as string);
    subjectKeyId = Buffer.from(inner.value as string, 'binary'); // a custom CA's own identifier wins
  }
  return { subjectDer, subjectKeyId };
}
