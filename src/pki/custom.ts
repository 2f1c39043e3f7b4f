import { createPublicKey, X509Certificate } from 'node:crypto';
import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { CertSpec } from './specs.js';
import type { IssuedCert } from './issue.js';
import type { Pki, PkiSeed } from './reconcile.js';
import { CertName, certFileName, keyFileName } from './names.js';
import { publicKeyPemOf } from './keys.js';

/**
 * User-provided certificates (`--cert-dir`, RKE's custom certs): a directory with RKE's file
 * names. A CA may come without its key, then every certificate it signs must be provided too
 * (reconcile refuses to sign with a keyless CA). Files are passed in as a map: no I/O here.
 */
export interface CustomImport {
  certs: Record<string, IssuedCert>;
  serviceAccount?: Pki['serviceAccount'] & { custom: true };
  /** File names in the directory that match no certificate of this cluster. */
  ignored: string[];
}

const invalid = (message: string, hint: string): DroverError => new DroverError(message, { exitCode: ExitCode.InvalidInput, hint });

function parseCert(dir: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw invalid(`${dir}/${file} is not a PEM certificate (${(err as Error).message})`, 'provide the certificate in PEM form');
  }
}

function checkKeyMatches(dir: string, name: string, cert: X509Certificate, keyPem: string): void {
  let publicPem: string;
  try {
    publicPem = publicKeyPemOf(keyPem);
  } catch (err) {
    throw invalid(`${dir}/${keyFileName(name)} is not a PEM private key (${(err as Error).message})`, 'provide an unencrypted PEM key');
  }
  if (publicPem !== cert.publicKey.export({ type: 'spki', format: 'pem' }).toString()) {
    throw invalid(`${dir}/${keyFileName(name)} does not belong to ${dir}/${certFileName(name)}`, 'the key and certificate must be a pair');
  }
}

export function importCustomCerts(dir: string, files: Record<string, string>, specs: CertSpec[]): CustomImport {
  const certs: Record<string, IssuedCert> = {};
  const used = new Set<string>();
  for (const spec of specs) {
    const certPem = files[certFileName(spec.name)];
    if (certPem === undefined) continue;
    used.add(certFileName(spec.name));
    const cert = parseCert(dir, certFileName(spec.name), certPem);
    const keyPem = files[keyFileName(spec.name)];
    if (keyPem !== undefined) {
      used.add(keyFileName(spec.name));
      checkKeyMatches(dir, spec.name, cert, keyPem);
    } else if (spec.usage !== 'ca') {
      throw invalid(`${dir}/${certFileName(spec.name)} has no key ${keyFileName(spec.name)}`, 'the components need the private key of their certificate');
    }
    if (spec.issuer) {
      const issuer = certs[spec.issuer];
      if (issuer && !cert.verify(new X509Certificate(issuer.certPem).publicKey)) {
        throw invalid(`${dir}/${certFileName(spec.name)} is not signed by ${dir}/${certFileName(spec.issuer)}`, `issue it from the ${spec.issuer} CA`);
      }
    }
    certs[spec.name] = {
      name: spec.name,
      certPem,
      ...(keyPem !== undefined ? { keyPem } : {}),
      specHash: '',
      custom: true,
      ...(spec.node ? { node: spec.node } : {}),
    };
  }
  const saKey = files[keyFileName(CertName.serviceAccountToken)];
  let serviceAccount: CustomImport['serviceAccount'];
  if (saKey !== undefined) {
    used.add(keyFileName(CertName.serviceAccountToken));
    used.add(certFileName(CertName.serviceAccountToken));
    serviceAccount = { privateKeyPem: saKey, publicKeyPem: publicKeyPemOf(saKey), custom: true };
  }
  const ignored = Object.keys(files).filter((f) => !used.has(f)).sort();
  return { certs, ...(serviceAccount ? { serviceAccount } : {}), ignored };
}

/** Imported certificates take the place of the previous ones; the rest is reconciled as usual. */
export function withCustomCerts(previous: PkiSeed | undefined, imported: CustomImport, keyType: Pki['keyType']): PkiSeed {
  const serviceAccount = imported.serviceAccount ?? previous?.serviceAccount;
  return {
    keyType: previous?.keyType ?? keyType,
    certs: { ...previous?.certs, ...imported.certs },
    ...(serviceAccount ? { serviceAccount } : {}),
  };
}
