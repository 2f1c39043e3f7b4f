import { readFile, stat } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

/**
 * Remember a value derived from some files for as long as those files are unchanged (same size,
 * mtime, inode and device — as git's index does), so a warm run neither re-hashes 40 MB of
 * binaries nor runs them. Anything odd (no memo, unreadable, changed file) recomputes.
 */

interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

interface Memo<T> {
  inputs: FileStamp[];
  value: T;
}

async function stampOf(path: string): Promise<FileStamp> {
  const s = await stat(path);
  return { path, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev };
}

const sameStamp = (a: FileStamp, b: FileStamp) =>
  a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;

export async function memoByFileStats<T>(memoFile: string, compute: () => Promise<{ value: T; inputs: string[] }>): Promise<T> {
  try {
    const memo = JSON.parse(await readFile(memoFile, 'utf8')) as Memo<T>;
    const now = await Promise.all(memo.inputs.map((i) => stampOf(i.path)));
    if (memo.inputs.length > 0 && now.every((s, i) => sameStamp(s, memo.inputs[i]!))) return memo.value;
  } catch {
    /* no usable memo: compute */
  }
  const { value, inputs } = await compute();
  const memo: Memo<T> = { inputs: await Promise.all(inputs.map(stampOf)), value };
  await writeFileAtomic(memoFile, JSON.stringify(memo) + '\n');
  return value;
}
