import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';

const NO_SUCH_FILE = 2;

const cb = <T>(fn: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));

export async function sftpStat(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await cb<Stats>((done) => sftp.lstat(path, done));
  } catch (err) {
    if ((err as { code?: number }).code === NO_SUCH_FILE) return undefined;
    throw err;
  }
}

export function sftpReadFile(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return cb<Buffer>((done) => sftp.readFile(path, done));
}

/**
 * Write to a temporary name in the same directory (created 0600, so a secret is never readable
 * by others mid-upload), set the final mode, then rename over the target with OpenSSH's POSIX
 * rename, which replaces atomically (plain SFTP rename refuses to overwrite).
 */
export async function sftpAtomicWrite(sftp: SFTPWrapper, path: string, data: Buffer, mode: number): Promise<void> {
  const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.drover-${randomBytes(4).toString('hex')}`);
  try {
    await cb<void>((done) => sftp.writeFile(tmp, data, { mode: 0o600 }, done));
    await cb<void>((done) => sftp.chmod(tmp, mode, done));
    await cb<void>((done) => sftp.ext_openssh_rename(tmp, path, done));
  } catch (err) {
    await cb<void>((done) => sftp.unlink(tmp, done)).catch(() => undefined);
    throw err;
  }
}

/** stat that follows symlinks (as `mkdir -p` does): undefined when nothing is there. */
async function sftpStatFollow(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await cb<Stats>((done) => sftp.stat(path, done));
  } catch (err) {
    if ((err as { code?: number }).code === NO_SUCH_FILE) return undefined;
    throw err;
  }
}

/**
 * `mkdir -p -m mode` over SFTP: no process is started on the node (an exec forks a shell, which
 * costs more than the few SFTP round trips). As with mkdir -p, `mode` applies to the last
 * directory only and only when it is created; missing parents get the server's default.
 */
export async function sftpMkdirP(sftp: SFTPWrapper, path: string, mode: number): Promise<void> {
  const made = await makeDir(sftp, posix.normalize(path));
  if (made) await cb<void>((done) => sftp.chmod(path, mode, done)); // the server's umask applied on create
}

/** true when this call created the directory. */
async function makeDir(sftp: SFTPWrapper, path: string): Promise<boolean> {
  const existing = await sftpStatFollow(sftp, path);
  if (existing) {
    if (existing.isDirectory()) return false;
    throw new Error(`cannot create directory ${path}: it exists and is not a directory`);
  }
  const parent = posix.dirname(path);
  if (parent !== path) await makeDir(sftp, parent);
  try {
    await cb<void>((done) => sftp.mkdir(path, done));
    return true;
  } catch (err) {
    // Another writer may have made it meanwhile: that is what -p accepts.
    if ((await sftpStatFollow(sftp, path))?.isDirectory()) return false;
    throw new Error(`cannot create directory ${path}: ${(err as Error).message}`);
  }
}

/** What sftpRemoveShallow leaves to `rm -rf`: trees with subdirectories or many entries. */
export const SHALLOW_REMOVE_LIMIT = 64;

/**
 * `rm -f` / `rm -rf` over SFTP for the common small case (a file, or a directory of a few plain
 * files, like the lock directory). Returns false, touching nothing, when the tree is bigger than
 * that: the caller removes it with one command instead of many round trips.
 */
export async function sftpRemoveShallow(sftp: SFTPWrapper, path: string, recursive: boolean): Promise<boolean> {
  const st = await sftpStat(sftp, path);
  if (!st) return true;
  if (!st.isDirectory()) {
    await cb<void>((done) => sftp.unlink(path, done));
    return true;
  }
  if (!recursive) throw new Error(`cannot remove ${path}: it is a directory`);
  const entries = await cb<{ filename: string; attrs: Stats }[]>((done) => sftp.readdir(path, done));
  if (entries.length > SHALLOW_REMOVE_LIMIT || entries.some((e) => e.attrs.isDirectory())) return false;
  for (const e of entries) await cb<void>((done) => sftp.unlink(posix.join(path, e.filename), done));
  await cb<void>((done) => sftp.rmdir(path, done));
  return true;
}
