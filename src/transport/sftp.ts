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
