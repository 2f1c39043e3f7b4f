import { appendFile, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.js';

/** Read a known_hosts file; a missing file is an empty one (every host is then unknown). */
export async function readKnownHostsFile(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Append lines, creating the file 0600 and its directory 0700 (as ssh does for ~/.ssh) when
 * they do not exist. Existing files keep their mode: the user chose it.
 */
export async function appendKnownHostsLines(path: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const dir = dirname(path);
  const dirExisted = await stat(dir).then(() => true, () => false);
  if (!dirExisted) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  let prefix = '';
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.length > 0 && !existing.endsWith('\n')) prefix = '\n';
  await appendFile(path, prefix + lines.join('\n') + '\n', { mode: 0o600 });
  if (existing === undefined) await chmod(path, 0o600);
}
