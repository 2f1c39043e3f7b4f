import { generateKeyPair as generateKeyPairAsync } from 'node:crypto';
import { promisify } from 'node:util';
import type { CertSpec } from './specs.js';
import { generateKeyPair, type KeyPair, type KeyType } from './keys.js';
import type { PkiSeed } from './reconcile.js';

const generate = promisify(generateKeyPairAsync);

/** Keys reconcile will need: one per certificate without a key yet, plus the service-account pair. */
export function keysNeeded(previous: PkiSeed | undefined, specs: CertSpec[]): number {
  const missing = specs.filter((s) => !previous?.certs[s.name]?.keyPem && !previous?.certs[s.name]?.custom).length;
  return missing + (previous?.serviceAccount ? 0 : 1);
}

/**
 * RSA key generation costs tens of milliseconds per key, so for RSA the keys are made up front
 * on libuv's thread pool, in parallel, and handed to reconcile through `generateKey`. ECDSA keys
 * are cheaper to make inline than to schedule, so this is only worth it for RSA.
 */
export async function prepareKeyPool(type: KeyType, count: number): Promise<(type: KeyType) => KeyPair> {
  const pairs = await Promise.all(
    Array.from({ length: count }, async (): Promise<KeyPair> => {
      const pair =
        type === 'rsa'
          ? await generate('rsa', { modulusLength: 2048 })
          : await generate('ec', { namedCurve: 'prime256v1' });
      return {
        privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      };
    }),
  );
  // Past the pool (or for another type) keys are made inline: slower, never wrong.
  return (wanted: KeyType): KeyPair => (wanted === type ? pairs.pop() : undefined) ?? generateKeyPair(wanted);
}
