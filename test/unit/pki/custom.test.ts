import { X509Certificate, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DroverError } from '../../../src/errors.js';
import { certSpecsFor, importCustomCerts, reconcilePki, withCustomCerts, type Pki } from '../../../src/pki/index.js';
import { threeNodeModel } from './model.js';

const model = threeNodeModel();
const specs = certSpecsFor(model);
const opts = { keyType: 'ecdsa' as const, now: () => new Date(), randomSerial: () => randomBytes(16) };
/** The "user's own" PKI, issued elsewhere, laid out as RKE file names. */
const theirs = reconcilePki(undefined, model, opts).pki;

function dirOf(pki: Pki, omit: (file: string) => boolean = () => false): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of Object.values(pki.certs)) {
    files[`${c.name}.pem`] = c.certPem;
    if (c.keyPem) files[`${c.name}-key.pem`] = c.keyPem;
  }
  files['kube-service-account-token-key.pem'] = pki.serviceAccount.privateKeyPem;
  files['README.txt'] = 'not a certificate';
  for (const f of Object.keys(files)) if (omit(f)) delete files[f];
  return files;
}

const expectInvalid = (fn: () => unknown, message: RegExp): void => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a DroverError');
};

describe('custom certificates (--cert-dir)', () => {
  it('imports a complete set, keeps it as is, and issues nothing', () => {
    const imported = importCustomCerts('/certs', dirOf(theirs), specs);
    expect(imported.ignored).toEqual(['README.txt']);
    const result = reconcilePki(withCustomCerts(undefined, imported, 'ecdsa'), model, opts);
    expect(result.issued).toEqual([]);
    expect(result.pki.certs['kube-apiserver']!.certPem).toBe(theirs.certs['kube-apiserver']!.certPem);
    expect(result.pki.certs['kube-apiserver']!.custom).toBe(true);
    expect(result.pki.serviceAccount.privateKeyPem).toBe(theirs.serviceAccount.privateKeyPem);
  });

  it('signs missing leaves with a user CA that comes with its key', () => {
    const onlyCas = dirOf(theirs, (f) => !/^kube-(ca|etcd-ca|apiserver-requestheader-ca)(-key)?\.pem$/.test(f));
    const result = reconcilePki(withCustomCerts(undefined, importCustomCerts('/certs', onlyCas, specs), 'ecdsa'), model, opts);
    expect(result.issued).not.toContain('kube-ca');
    const leaf = new X509Certificate(result.pki.certs['kube-admin']!.certPem);
    expect(leaf.verify(new X509Certificate(theirs.certs['kube-ca']!.certPem).publicKey)).toBe(true);
  });

  it('refuses a keyless CA when a leaf under it is missing, naming what to provide', () => {
    const files = dirOf(theirs, (f) => f === 'kube-ca-key.pem' || f.startsWith('kube-scheduler'));
    const seed = withCustomCerts(undefined, importCustomCerts('/certs', files, specs), 'ecdsa');
    expectInvalid(() => reconcilePki(seed, model, opts), /kube-ca has no private key/);
  });

  it('rejects a key that does not belong to its certificate', () => {
    const files = dirOf(theirs);
    files['kube-proxy-key.pem'] = theirs.certs['kube-scheduler']!.keyPem!;
    expectInvalid(() => importCustomCerts('/certs', files, specs), /kube-proxy-key.pem does not belong/);
  });

  it('rejects a leaf signed by another CA', () => {
    const files = dirOf(theirs);
    const other = reconcilePki(undefined, model, opts).pki;
    files['kube-proxy.pem'] = other.certs['kube-proxy']!.certPem;
    files['kube-proxy-key.pem'] = other.certs['kube-proxy']!.keyPem!;
    expectInvalid(() => importCustomCerts('/certs', files, specs), /kube-proxy.pem is not signed by/);
  });

  it('rejects garbage and a leaf without its key', () => {
    expectInvalid(() => importCustomCerts('/certs', { ...dirOf(theirs), 'kube-admin.pem': 'nope' }, specs), /kube-admin.pem is not a PEM certificate/);
    expectInvalid(() => importCustomCerts('/certs', dirOf(theirs, (f) => f === 'kube-admin-key.pem'), specs), /has no key kube-admin-key.pem/);
  });
});
