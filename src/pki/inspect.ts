import { X509Certificate } from 'node:crypto';
import type { Pki } from './reconcile.js';

/** What `cert status` shows about one certificate. */
export interface CertInfo {
  name: string;
  commonName: string;
  organizations: string[];
  issuer: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  sans: string[];
  custom: boolean;
  node?: string;
}

function field(dn: string, key: string): string[] {
  return dn
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

export function certInfo(name: string, certPem: string, now: Date, extra: { custom?: boolean; node?: string } = {}): CertInfo {
  const cert = new X509Certificate(certPem);
  const notAfter = new Date(cert.validTo);
  return {
    name,
    commonName: field(cert.subject, 'CN')[0] ?? '',
    organizations: field(cert.subject, 'O'),
    issuer: field(cert.issuer, 'CN')[0] ?? cert.issuer,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    sans: (cert.subjectAltName ?? '').split(', ').filter((s) => s !== ''),
    custom: Boolean(extra.custom),
    ...(extra.node ? { node: extra.node } : {}),
  };
}

/** Every certificate of the PKI, soonest expiry first. */
export function pkiStatus(pki: Pki, now: Date): CertInfo[] {
  return Object.values(pki.certs)
    .map((c) => certInfo(c.name, c.certPem, now, { ...(c.custom ? { custom: true } : {}), ...(c.node ? { node: c.node } : {}) }))
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.name.localeCompare(b.name));
}
