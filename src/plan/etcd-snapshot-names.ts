import { ETCD_DATA_DIR, ETCD_SNAPSHOT_DIR } from '../components/etcd.js';
import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';

/** Names and paths of snapshot archives: pure, shared by the plans, the ops and the actions. */
export const ARCHIVE_SUFFIX = '.tar.gz';
export const CHECKSUM_SUFFIX = '.sha256';
/** Inside the archive. */
export const ARCHIVE_DB = 'snapshot.db';
export const ARCHIVE_STATE = 'cluster.droverstate';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkSnapshotName(name: string): string {
  if (!NAME.test(name) || name.endsWith(ARCHIVE_SUFFIX) || name.includes('..')) {
    throw new DroverError(`invalid snapshot name "${name}"`, {
      exitCode: ExitCode.InvalidInput,
      hint: 'use letters, digits, ".", "_" and "-" (up to 128, starting with a letter or digit), without the .tar.gz suffix',
    });
  }
  return name;
}

/** `<cluster>-<UTC timestamp>`, e.g. lab-20261124T013000Z. */
export function defaultSnapshotName(cluster: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const prefix = cluster.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'etcd';
  return `${prefix}-${stamp}`;
}

export const archiveFile = (name: string): string => `${name}${ARCHIVE_SUFFIX}`;
export const archivePath = (file: string): string => `${ETCD_SNAPSHOT_DIR}/${file}`;
/** A restore's own copy, on nodes whose archive of that name differs from the one restored. */
export const stagedArchiveFile = (tag: string): string => `.restore-${tag}${ARCHIVE_SUFFIX}`;
/** Inside the data dir, so moving the data in and out is a rename on one filesystem. */
export const restoringDir = (tag: string): string => `${ETCD_DATA_DIR}/.restoring-${tag}`;
export const keptDataDir = (tag: string): string => `${ETCD_DATA_DIR}/.before-restore-${tag}`;

/** How to go back by hand when a restore fails after the data was swapped. */
export function recoveryHint(tag: string, nodes: string[]): string {
  return [
    `the data etcd had before the restore is kept on ${nodes.join(', ')} in ${keptDataDir(tag)}/member.`,
    `To go back, on each of those nodes: docker stop etcd; cd ${ETCD_DATA_DIR} && mv member .failed-${tag} && mv .before-restore-${tag}/member member;`,
    'then `drover up` (the state still describes the cluster from before the restore). Or fix the cause and run snapshot-restore again.',
  ].join('\n  ');
}
