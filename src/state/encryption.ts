import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';

/**
 * Optional encryption of the state so it can sit in git beside cluster.yml: AES-256-GCM with a
 * key derived by scrypt from a secret given in DROVER_STATE_KEY or in a file named by
 * DROVER_STATE_KEY_FILE. A fresh salt and IV on every save.
 */
export interface StateKey {
  /** Where the secret came from, for messages (never the secret itself). */
  source: string;
  secret: string;
}

export interface EncryptedPayload {
  cipher: 'aes-256-gcm';
  kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  iv: string;
  tag: string;
  data: string;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1 };
const AAD = Buffer.from('drover cluster state v1');

export async function resolveStateKey(env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<StateKey | undefined> {
  const direct = env['DROVER_STATE_KEY'];
  if (direct !== undefined && direct !== '') return { source: 'DROVER_STATE_KEY', secret: direct };
  const file = env['DROVER_STATE_KEY_FILE'];
  if (file === undefined || file === '') return undefined;
  const path = resolve(cwd, file);
  let secret: string;
  try {
    secret = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new DroverError(`cannot read the state key file ${path} (DROVER_STATE_KEY_FILE): ${(err as Error).message}`, {
      exitCode: ExitCode.InvalidInput,
      hint: 'point DROVER_STATE_KEY_FILE at a readable file holding the key',
    });
  }
  if (secret === '') {
    throw new DroverError(`the state key file ${path} is empty`, { exitCode: ExitCode.InvalidInput, hint: 'put the key in the file' });
  }
  return { source: `DROVER_STATE_KEY_FILE (${path})`, secret };
}

function deriveKey(secret: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((ok, fail) =>
    scrypt(secret, salt, 32, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => (err ? fail(err) : ok(key))),
  );
}

export async function encryptState(plain: string, key: StateKey): Promise<EncryptedPayload> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(key.secret, salt, SCRYPT), iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return {
    cipher: 'aes-256-gcm',
    kdf: { name: 'scrypt', salt: salt.toString('base64'), ...SCRYPT },
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Returns undefined when the key is wrong (or the data was altered): GCM cannot tell those apart. */
export async function decryptState(payload: EncryptedPayload, key: StateKey): Promise<string | undefined> {
  const derived = await deriveKey(key.secret, Buffer.from(payload.kdf.salt, 'base64'), payload.kdf);
  const decipher = createDecipheriv('aes-256-gcm', derived, Buffer.from(payload.iv, 'base64'));
  decipher.setAAD(AAD);
  decipher.setAuthTag(Buffer.from(payload.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(payload.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
