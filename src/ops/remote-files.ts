import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { TaskChange } from '../executor/task.js';
import type { RemoteFile } from '../plan/ops.js';
import type { Host } from '../transport/host.js';
import { shellQuote } from '../transport/shell.js';

/** Files on a node, compared by content hash and mode, so unchanged files are never rewritten. */
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Two processes on the node however many files: one sha256sum, one stat. */
async function remoteHashes(host: Host, paths: string[]): Promise<Map<string, { hash: string; mode: number }>> {
  if (paths.length === 0) return new Map();
  const quoted = paths.map(shellQuote).join(' ');
  const r = await host.exec(`sha256sum -- ${quoted} 2>/dev/null; echo ---; stat -c '%a %n' -- ${quoted} 2>/dev/null; true`, { sudo: true });
  const [sums = '', modes = ''] = r.stdout.split('\n---\n');
  const hashes = new Map<string, string>();
  for (const m of sums.matchAll(/^([0-9a-f]{64}) [ *](.+)$/gm)) hashes.set(m[2]!, m[1]!);
  const out = new Map<string, { hash: string; mode: number }>();
  for (const m of modes.matchAll(/^([0-7]+) (.+)$/gm)) {
    const hash = hashes.get(m[2]!);
    if (hash) out.set(m[2]!, { hash, mode: parseInt(m[1]!, 8) });
  }
  return out;
}

function changedFiles(files: RemoteFile[], remote: Map<string, { hash: string; mode: number }>): { file: RemoteFile; action: 'create' | 'update' }[] {
  return files.flatMap((file): { file: RemoteFile; action: 'create' | 'update' }[] => {
    const have = remote.get(file.path);
    if (!have) return [{ file, action: 'create' }];
    return have.hash !== sha256(file.content) || have.mode !== file.mode ? [{ file, action: 'update' }] : [];
  });
}

export async function filesDiff(host: Host, files: RemoteFile[]): Promise<TaskChange[]> {
  const remote = await remoteHashes(host, files.map((f) => f.path));
  // Contents are never shown: these files hold keys.
  return changedFiles(files, remote).map(({ file, action }) => ({ action, subject: `${file.path} (${file.mode.toString(8)})` }));
}

export async function writeFiles(host: Host, files: RemoteFile[]): Promise<void> {
  const remote = await remoteHashes(host, files.map((f) => f.path));
  const changed = changedFiles(files, remote);
  for (const dir of new Set(changed.map(({ file }) => dirname(file.path)))) await host.mkdir(dir, { mode: 0o755 });
  // Many SFTP requests in flight on the one connection; each file still lands by atomic rename.
  await mapLimit(changed, 8, ({ file }) => host.putFile(file.path, file.content, { mode: file.mode }));
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
