import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** Test-side reading of what node:crypto does not expose: the key usage bits and basic constraints. */
const NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'];

function extensions(pem: string): Map<string, { critical: boolean; value: string }> {
  const cert = forge.asn1.fromDer(new X509Certificate(pem).raw.toString('binary'));
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const wrapper = tbs.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3)!;
  const out = new Map<string, { critical: boolean; value: string }>();
  for (const ext of (wrapper.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const parts = ext.value as forge.asn1.Asn1[];
    const id = forge.asn1.derToOid(parts[0]!.value as string);
    const critical = parts.length === 3 && (parts[1]!.value as string) === '\xff';
    out.set(id, { critical, value: parts[parts.length - 1]!.value as string });
  }
  return out;
}

export function keyUsages(pem: string): { critical: boolean; usages: string[] } {
  const ext = extensions(pem).get('2.5.29.15');
  if (!ext) return { critical: false, usages: [] };
  const bits = forge.asn1.fromDer(ext.value, { decodeBitStrings: false } as unknown as boolean).value as string;
  const bytes = Buffer.from(bits.slice(1), 'binary');
  return { critical: ext.critical, usages: NAMES.filter((_n, i) => ((bytes[i >> 3] ?? 0) & (0x80 >> i % 8)) !== 0) };
}

export function basicConstraintsCritical(pem: string): boolean {
  return extensions(pem).get('2.5.29.19')?.critical ?? false;
}

export const subjectOf = (pem: string): string => new X509Certificate(pem).subject;
export const sansOf = (pem: string): string[] => (new X509Certificate(pem).subjectAltName ?? '').split(', ').filter(Boolean).sort();
export const ekuOf = (pem: string): string[] => [...(new X509Certificate(pem).keyUsage ?? [])].sort();
