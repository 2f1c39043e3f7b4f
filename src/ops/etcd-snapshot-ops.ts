import { createHash } from 'node:crypto';
import { ETCD_DATA_DIR, ETCD_SNAPSHOT_DIR } from '../components/etcd.js';
import { DroverError } from '../errors.js';
import type { ContainerSpec } from '../components/container-spec.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { ARCHIVE_DB, ARCHIVE_STATE, archiveFile, CHECKSUM_SUFFIX, stagedArchiveFile } from '../plan/etcd-snapshot-names.js';
import type { EtcdSnapshotOps, RestoreMember, SnapshotClusterOps, SnapshotFile } from '../plan/etcd-snapshot-ops.js';
import type { NodeTransport } from '../transport/session.js';
import { shellQuote as q } from '../transport/shell.js';
import { SshClusterOps } from './ssh-cluster-ops.js';
import { checkResult, etcdRunning, runInEtcd, runOneOff } from './etcd-snapshot-toolbox.js';

const DIR = ETCD_SNAPSHOT_DIR;
/** In one-off containers the data dir is mounted here (never /var/lib itself). */
const DATA = '/data';
/** The etcd container's view of the data dir (src/components/etcd.ts). */
const ETCD_DATA_IN_CONTAINER = '/var/lib/rancher/etcd';
const HAS_SNAPSHOT_BIND = `grep -q ' ${DIR} ' /proc/self/mountinfo`;
const NO_BIND_EXIT = 3;
/** One line per archive: file size mtime sha256 (or -). Hidden files (staged copies) are left out. */
const LIST_SCRIPT = `cd ${DIR} 2>/dev/null || exit 0
for f in *.tar.gz; do [ -f "$f" ] || continue; set -- $(stat -c '%s %Y' "$f"); h=$(cut -d' ' -f1 "$f${CHECKSUM_SUFFIX}" 2>/dev/null || true); echo "$f $1 $2 \${h:--}"; done`;

export function parseList(text: string): SnapshotFile[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4 && f[0]!.endsWith('.tar.gz'))
    .map(([file, size, mtime, sha]) => ({
      name: file!.slice(0, -'.tar.gz'.length),
      sizeBytes: Number(size),
      createdAt: new Date(Number(mtime) * 1000).toISOString(),
      sha256: sha === '-' ? undefined : sha,
    }));
}

/** Snapshot work on real nodes, through each node's Docker API (SFTP only to move archives). */
export class SshEtcdSnapshotOps implements EtcdSnapshotOps {
  constructor(private readonly transport: NodeTransport) {}

  async snapshotSave(node: ClusterNode, name: string, stateFile: string | undefined): Promise<SnapshotFile> {
    const file = archiveFile(name);
    const work = `.saving-${name}`;
    const script = `set -e; umask 077
${HAS_SNAPSHOT_BIND} || { echo "the etcd container has no ${DIR} mount (it was started by an older drover): run drover up first" >&2; exit ${NO_BIND_EXIT}; }
cd ${DIR}; rm -rf ${q(work)}; mkdir ${q(work)}
${stateFile === undefined ? '' : `cat > ${q(work)}/${ARCHIVE_STATE}`}
etcdctl snapshot save ${q(work)}/${ARCHIVE_DB} >/dev/null
tar -czf ${q(`.${file}.tmp`)} -C ${q(work)} .
h=$(sha256sum ${q(`.${file}.tmp`)} | cut -d' ' -f1)
echo "$h  ${file}" > ${q(`.${file}${CHECKSUM_SUFFIX}.tmp`)}
mv ${q(`.${file}.tmp`)} ${q(file)}; mv ${q(`.${file}${CHECKSUM_SUFFIX}.tmp`)} ${q(file + CHECKSUM_SUFFIX)}
rm -rf ${q(work)}
${LIST_SCRIPT}`;
    const out = checkResult(await runInEtcd(this.transport.docker(node), script, stateFile ?? undefined), node.address, 'etcd snapshot save');
    const saved = parseList(out).find((s) => s.name === name);
    if (!saved) throw new DroverError(`etcd snapshot save on ${node.address} left no ${DIR}/${file}`);
    return saved;
  }

  async snapshotList(node: ClusterNode, image: string): Promise<SnapshotFile[]> {
    const docker = this.transport.docker(node);
    if (await etcdRunning(docker)) {
      const r = await runInEtcd(docker, `${HAS_SNAPSHOT_BIND} || exit ${NO_BIND_EXIT}\n${LIST_SCRIPT}`);
      if (r.code !== NO_BIND_EXIT) return parseList(checkResult(r, node.address, 'listing etcd snapshots'));
    }
    return parseList(checkResult(await runOneOff(docker, image, LIST_SCRIPT, [`${DIR}:${DIR}:ro`]), node.address, 'listing etcd snapshots'));
  }

  async snapshotRead(node: ClusterNode, file: string): Promise<Buffer> {
    const host = this.transport.host(node);
    const [bytes, record] = await Promise.all([host.getFile(`${DIR}/${file}`), host.getFile(`${DIR}/${file}${CHECKSUM_SUFFIX}`)]);
    const expected = record.toString('utf8').trim().split(/\s+/)[0];
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (expected !== actual) {
      throw new DroverError(`${DIR}/${file} on ${node.address} does not match its recorded checksum (${expected} ≠ ${actual})`, {
        hint: 'the archive is damaged; restore a snapshot another node holds, or take a new one',
      });
    }
    return bytes;
  }

  async snapshotWrite(node: ClusterNode, file: string, archive: Buffer): Promise<void> {
    const host = this.transport.host(node);
    await host.mkdir(DIR, { mode: 0o700 });
    const sha = createHash('sha256').update(archive).digest('hex');
    await host.putFile(`${DIR}/${file}`, archive, { mode: 0o600 });
    await host.putFile(`${DIR}/${file}${CHECKSUM_SUFFIX}`, `${sha}  ${file}\n`, { mode: 0o600 });
  }

  async snapshotRestore(node: ClusterNode, image: string, file: string, m: RestoreMember, tag: string): Promise<void> {
    const target = `${DATA}/.restoring-${tag}`;
    const script = `set -e; umask 077
cd ${DIR}
want=$(cut -d' ' -f1 ${q(file + CHECKSUM_SUFFIX)}); got=$(sha256sum ${q(file)} | cut -d' ' -f1)
[ "$want" = "$got" ] || { echo "${DIR}/${file} does not match its recorded checksum" >&2; exit 1; }
w=$(mktemp -d); tar -xzf ${q(file)} -C "$w"
rm -rf ${DATA}/.restoring-*
etcdctl snapshot restore "$w/${ARCHIVE_DB}" --name=${q(m.memberName)} --initial-cluster=${q(m.initialCluster)} --initial-cluster-token=${q(m.clusterToken)} --initial-advertise-peer-urls=${q(m.peerUrl)} --data-dir=${q(target)} 2>&1
rm -rf "$w"; test -d ${q(target)}/member`;
    checkResult(await runOneOff(this.transport.docker(node), image, script, [`${DIR}:${DIR}:ro`, `${ETCD_DATA_DIR}:${DATA}`]), node.address, 'etcdctl snapshot restore');
  }

  async etcdStop(node: ClusterNode): Promise<void> {
    // A short grace: a stopping leader waits seconds to hand over leadership to members that are
    // stopping too. Killing it is safe — its data is replaced, and the copy kept is crash-consistent.
    await this.transport.docker(node).stopContainer('etcd', { timeoutSeconds: 2 });
  }

  async dataSwap(node: ClusterNode, _image: string, tag: string): Promise<void> {
    // On the node itself (one command on the pooled SSH connection): this runs while etcd is down,
    // and a one-off container would cost seconds there. Repeatable: once the restored data is in,
    // running it again changes nothing.
    const script = `set -e; cd ${ETCD_DATA_DIR}
if [ -d .restoring-${tag}/member ]; then
  mkdir -p .before-restore-${tag}
  if [ -e member ]; then mv member .before-restore-${tag}/member; fi
  mv .restoring-${tag}/member member; rmdir .restoring-${tag}
fi
test -d member`;
    checkResult(await this.transport.host(node).exec(`sh -c ${q(script)}`, { sudo: true }), node.address, 'swapping in the restored etcd data');
  }

  async restoreCleanup(node: ClusterNode, image: string, tag: string): Promise<void> {
    const staged = stagedArchiveFile(tag);
    const script = (data: string) => `rm -rf ${data}/.before-restore-${tag} && rm -f ${DIR}/${staged} ${DIR}/${staged}${CHECKSUM_SUFFIX}`;
    const docker = this.transport.docker(node);
    // The restored etcd runs by now: its container sees the data dir and the snapshots (no one-off container needed).
    const r = (await etcdRunning(docker))
      ? await runInEtcd(docker, `${HAS_SNAPSHOT_BIND} && ${script(ETCD_DATA_IN_CONTAINER)}`)
      : await runOneOff(docker, image, script(DATA), [`${DIR}:${DIR}`, `${ETCD_DATA_DIR}:${DATA}`]);
    checkResult(r, node.address, 'deleting the pre-restore etcd data');
  }
}

/** Snapshot ops plus the ClusterOps a restore needs to start members again and wait for them. */
export class SshSnapshotClusterOps extends SshEtcdSnapshotOps implements SnapshotClusterOps {
  private readonly cluster: SshClusterOps;
  constructor(transport: NodeTransport, model: Pick<ClusterModel, 'privateRegistries'>) {
    super(transport);
    this.cluster = new SshClusterOps(transport, model);
  }
  ensureContainer(node: ClusterNode, spec: ContainerSpec) {
    return this.cluster.ensureContainer(node, spec);
  }
  etcdWaitHealthy(members: ClusterNode[], opts: { timeoutMs: number; signal?: AbortSignal }) {
    return this.cluster.etcdWaitHealthy(members, opts);
  }
  ensureImage(node: ClusterNode, image: string) {
    return this.cluster.ensureImage(node, image);
  }
}
