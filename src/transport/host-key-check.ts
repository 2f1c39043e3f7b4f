import { HostKeyMismatchError, HostKeyUnknownError, type SeenHostKey } from './errors.js';
import { fingerprintOfBlob, judgeHostKey, keyTypeOfBlob, knownHostName, knownKeyTypes, type KnownHostEntry } from './known-hosts.js';

const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/**
 * Host-key algorithms to offer, with the types known_hosts already has for this host first
 * (what OpenSSH does), so a host with an RSA entry is not asked for an unknown ed25519 key.
 */
export function hostKeyAlgorithmsFor(entries: KnownHostEntry[], name: string): string[] {
  const preferred = knownKeyTypes(entries, name).flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? []);
  return [...new Set([...preferred, ...DEFAULT_ORDER])];
}

export interface HostKeyCheck {
  /** For ssh2's hostVerifier (raw key blob): true only for a known, unrevoked key. */
  verify(blob: Buffer): boolean;
  /** The refusal, when verify said no; undefined before the handshake or when the key was known. */
  readonly refusal: HostKeyUnknownError | HostKeyMismatchError | undefined;
  readonly seen: SeenHostKey | undefined;
  readonly hostName: string;
}

export function makeHostKeyCheck(
  entries: KnownHostEntry[],
  target: { address: string; port: number },
  knownHostsPath: string,
  trustCommand: string,
): HostKeyCheck {
  const hostName = knownHostName(target.address, target.port);
  const state: { refusal?: HostKeyUnknownError | HostKeyMismatchError; seen?: SeenHostKey } = {};
  return {
    hostName,
    get refusal() {
      return state.refusal;
    },
    get seen() {
      return state.seen;
    },
    verify(blob: Buffer): boolean {
      const seen: SeenHostKey = { hostName, keyType: keyTypeOfBlob(blob), fingerprint: fingerprintOfBlob(blob) };
      state.seen = seen;
      const verdict = judgeHostKey(entries, hostName, seen.keyType, blob.toString('base64'));
      if (verdict.kind === 'known') return true;
      if (verdict.kind === 'unknown') {
        const note = verdict.otherKeyTypes.length > 0 ? `; known_hosts has only ${verdict.otherKeyTypes.join(', ')} keys for it` : '';
        state.refusal = new HostKeyUnknownError(seen, knownHostsPath, trustCommand, note);
      } else {
        state.refusal = new HostKeyMismatchError(seen, knownHostsPath, verdict.kind);
      }
      return false;
    },
  };
}
