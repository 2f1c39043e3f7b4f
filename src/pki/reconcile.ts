import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { ClusterModel } from '../model/cluster.js';
import { certSpecsFor, type CertSpec } from './specs.js';
import { issueCertificate, signerOf, specHash, type IssueOptions, type IssuedCert, type Signer } from './issue.js';
import { generateKeyPair, type KeyPair, type KeyType } from './keys.js';

/** The whole PKI of a cluster, as kept in the state. */
export interface Pki {
  /** Key type used for newly generated keys (existing keys keep theirs). */
  keyType: KeyType;
  certs: Record<string, IssuedCert>;
  /** Signs and verifies service-account tokens (--service-account-key-file). */
  serviceAccount: KeyPair & { custom?: boolean };
}

/** The input side: a previous PKI, or the start of one (custom imports without a service-account key). */
export type PkiSeed = Omit<Pki, 'serviceAccount'> & { serviceAccount?: Pki['serviceAccount'] };

export interface ReconcileResult {
  pki: Pki;
  /** Names issued in this run (new, or re-issued because their spec or issuer changed). */
  issued: string[];
  /** Names dropped because nothing needs them any more (e.g. a removed node's certificates). */
  removed: string[];
}

/**
 * previous PKI + model → new PKI. Only what is missing or changed is issued: a new node gets
 * its certificates and every other certificate stays byte for byte the same. Imported (custom)
 * certificates are never re-issued.
 */
export function reconcilePki(previous: PkiSeed | undefined, model: ClusterModel, opts: ReconcileOptions): ReconcileResult {
  return reconcileSpecs(previous, certSpecsFor(model), opts);
}

export interface ReconcileOptions extends IssueOptions {
  /**
   * Re-issue an existing, unchanged certificate anyway (rotation, renewal before expiry).
   * Its key is kept; everything it signs is re-issued too, because their issuer changed.
   */
  reissue?: (existing: IssuedCert) => boolean;
}

export function reconcileSpecs(previous: PkiSeed | undefined, specs: CertSpec[], opts: ReconcileOptions): ReconcileResult {
  const certs: Record<string, IssuedCert> = {};
  const signers = new Map<string, Signer>();
  const issued: string[] = [];
  const signerFor = (name: string): Signer => {
    let signer = signers.get(name);
    if (!signer) {
      const entry = certs[name];
      if (!entry) throw new Error(`CA ${name} is not in the PKI`);
      if (!entry.keyPem) {
        throw new DroverError(`the CA ${name} has no private key, so drover cannot sign with it`, {
          exitCode: ExitCode.InvalidInput,
          hint: `put ${name}-key.pem in the --cert-dir, or provide every certificate ${name} signs`,
        });
      }
      signer = signerOf(entry);
      signers.set(name, signer);
    }
    return signer;
  };

  for (const spec of specs) {
    const before = previous?.certs[spec.name];
    const issuerPem = spec.issuer ? certs[spec.issuer]?.certPem : undefined;
    const keep = before !== undefined && (before.custom || (before.specHash === specHash(spec, issuerPem) && !opts.reissue?.(before)));
    if (before && keep) {
      certs[spec.name] = before;
      continue;
    }
    const signer = spec.issuer ? signerFor(spec.issuer) : undefined;
    certs[spec.name] = issueCertificate(spec, signer, before?.keyPem, opts);
    issued.push(spec.name);
  }
  const wanted = new Set(specs.map((s) => s.name));
  const removed = Object.keys(previous?.certs ?? {}).filter((name) => !wanted.has(name));
  const serviceAccount = previous?.serviceAccount ?? (opts.generateKey ?? generateKeyPair)(opts.keyType);
  if (!previous?.serviceAccount) issued.push('kube-service-account-token');
  return { pki: { keyType: opts.keyType, certs, serviceAccount }, issued, removed };
}
