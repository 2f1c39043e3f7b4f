import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** ECDSA P-256 is the default (fast, small); RSA 2048 for tools that still need RSA. */
export type KeyType = 'ecdsa' | 'rsa';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A new private key as a KeyObject (no PEM round trip: parsing PEM is most of the cost). */
export function generatePrivateKey(type: KeyType): KeyObject {
  return type === 'ecdsa'
    ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export function generateKeyPair(type: KeyType): KeyPair {
  const pair =
    type === 'ecdsa'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function keyTypeOf(key: KeyObject): KeyType {
  if (key.asymmetricKeyType === 'ec') return 'ecdsa';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (drover signs with ECDSA or RSA)`);
}

export const privateKeyOf = (pem: string): KeyObject => createPrivateKey(pem);
export const publicKeyPemOf = (privateKeyPem: string): string =>
  createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
