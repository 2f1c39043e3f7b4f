import { DroverError } from '../errors.js';
import { ExitCode } from '../cli/exit-codes.js';
import { ENCRYPTED_MARKER, PLAIN_MARKER, type ClusterState, type StateHeader } from './cluster-state.js';
import { decryptState, encryptState, type EncryptedPayload, type StateKey } from './encryption.js';
import { migrateState, NewerSchemaError } from './migrations.js';

/**
 * State file text ⇄ ClusterState. Both forms are JSON with a marker, the generation and the
 * save time in the clear; the encrypted form carries the rest as AES-GCM ciphertext.
 */
export interface StateSource {
  /** The file (or node:path) the text came from, for messages. */
  file: string;
  /** The backup a user can fall back to, if there is one. */
  backup?: string;
}

export async function encodeState(state: ClusterState, key: StateKey | undefined): Promise<string> {
  const plain = JSON.stringify({ drover: PLAIN_MARKER, ...state }, null, 2) + '\n';
  if (!key) return plain;
  const payload = await encryptState(plain, key);
  const envelope = { drover: ENCRYPTED_MARKER, generation: state.generation, savedAt: state.savedAt, ...payload };
  return JSON.stringify(envelope, null, 2) + '\n';
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The clear-text header, or undefined when the text is not a drover state at all. */
export function readStateHeader(text: string): StateHeader | undefined {
  const doc = parseObject(text);
  if (!doc || (doc['drover'] !== PLAIN_MARKER && doc['drover'] !== ENCRYPTED_MARKER)) return undefined;
  if (typeof doc['generation'] !== 'number' || typeof doc['savedAt'] !== 'string') return undefined;
  return { encrypted: doc['drover'] === ENCRYPTED_MARKER, generation: doc['generation'], savedAt: doc['savedAt'] };
}

function corrupt(source: StateSource, why: string): DroverError {
  return new DroverError(`the state file ${source.file} is corrupt: ${why}`, {
    exitCode: ExitCode.InvalidInput,
    hint: source.backup
      ? `the previous state is kept in ${source.backup}: inspect it and copy it over ${source.file}, or rebuild the state with \`drover util get-state\``
      : `no backup exists; rebuild the state from the cluster with \`drover util get-state\``,
  });
}

export async function decodeState(text: string, source: StateSource, key: StateKey | undefined): Promise<ClusterState> {
  const header = readStateHeader(text);
  if (!header) throw corrupt(source, 'it is not JSON with drover state markers');
  let doc = parseObject(text)!;
  if (header.encrypted) {
    if (!key) {
      throw new DroverError(`the state file ${source.file} is encrypted and no key was given`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'set DROVER_STATE_KEY, or DROVER_STATE_KEY_FILE to a file holding the key',
      });
    }
    const plain = await decryptState(doc as unknown as EncryptedPayload, key).catch(() => undefined);
    if (plain === undefined) {
      throw new DroverError(`cannot decrypt the state file ${source.file} with the key from ${key.source}`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'the key is wrong or the file was altered; use the key the state was saved with',
      });
    }
    const inner = parseObject(plain);
    if (!inner || inner['drover'] !== PLAIN_MARKER) throw corrupt(source, 'the decrypted content is not a drover state');
    doc = inner;
  }
  try {
    doc = migrateState(doc);
  } catch (err) {
    if (err instanceof NewerSchemaError) {
      throw new DroverError(`the state file ${source.file} was written by a newer drover (${err.message})`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'upgrade drover to the version that wrote it',
      });
    }
    throw corrupt(source, (err as Error).message);
  }
  const problem = shapeProblem(doc);
  if (problem) throw corrupt(source, problem);
  const { drover: _marker, ...state } = doc;
  return state as unknown as ClusterState;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A light check of what later code relies on, so a hand-edited state fails here, by name. */
function shapeProblem(doc: Record<string, unknown>): string | undefined {
  if (!isObject(doc['versions'])) return 'it has no versions';
  if (typeof doc['generation'] !== 'number') return 'it has no generation';
  const pki = doc['pki'];
  if (pki === undefined) return undefined;
  if (!isObject(pki) || !isObject(pki['certs'])) return 'pki.certs is missing';
  for (const [name, cert] of Object.entries(pki['certs'])) {
    if (!isObject(cert) || typeof cert['certPem'] !== 'string' || cert['name'] !== name) return `pki.certs.${name} is malformed`;
  }
  const sa = pki['serviceAccount'];
  if (!isObject(sa) || typeof sa['privateKeyPem'] !== 'string') return 'pki.serviceAccount is missing';
  return undefined;
}
