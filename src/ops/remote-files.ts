import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { TaskChange } from '../executor/task.js';
import type { RemoteFile } from '../plan/ops.js';
import type { Host } from '../transport/host.js';
import { shellQuote } from '../transport/shell.js';

/** Files on a node, compared by content hash and mode, so unchanged files are never rewritten. */
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function remoteHashes(host: Host, paths: string[]): Promise<Map<string, { hash: string; mode: number }>> {
  if (paths.length === 0) return new Map();
  const script = `for f in ${paths.map(shellQuote).join(' ')}; do [ -f "$f" ] && printf '%s %s %s\\n' "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %a "$f")" "$f"; done; true`;
  const r = await host.exec(script, { sudo: true });
  const out = new Map<string, { hash: string; mode: number }>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]{64}) ([0-7]+) (.+)$/.exec(line);
    if (m) out.set(m[3]!, { hash: m[1]!, mode: parseInt(m[2]!, 8) });
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
  for (const { file } of changed) await host.putFile(file.path, file.content, { mode: file.mode });
}
