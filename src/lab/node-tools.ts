import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Env } from './busybox-image.js';
import { fileTreeLayer, type FileTreeSpec, type Progress } from './file-tree-layer.js';
import { BUNDLED_CNI_DIR, ENTRYPOINT_PATH, ENTRYPOINT_SCRIPT, SYSCTL_MASK_DIR } from './kubernetes-entrypoint.js';
import type { CachedLayer } from './oci-layer.js';

/**
 * What kubelet and kube-proxy need on a node besides their own binaries (LAB.md pitfall 7), copied
 * from this machine's Debian packages with their libraries: iptables (nft flavour, its xtables
 * extensions and the save/restore names), conntrack, mount/umount/findmnt/mountpoint, nsenter,
 * ip, socat, the CNI plugins, and the image's entrypoint.
 */

export const NODE_TOOLS_HINT =
  'install Debian iptables, conntrack, mount, util-linux, iproute2, socat and containernetworking-plugins (scripts/lab-setup.sh)';

const XTABLES_MULTI = '/usr/sbin/xtables-nft-multi';
const XTABLES_LIBDIR = '/usr/lib/x86_64-linux-gnu/xtables';
/** Names kubelet and kube-proxy call (and the explicit -nft ones), all the nft multi-call binary. */
const XTABLES_NAMES = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'].flatMap((n) => [
  n,
  n.replace(/^(ip6?tables)/, '$1-nft'),
]);

/** Host binary → same path in the image (before /bin's busybox applets on PATH). */
const TOOLS = [
  '/usr/sbin/conntrack',
  '/usr/bin/mount',
  '/usr/bin/umount',
  '/usr/bin/findmnt',
  '/usr/bin/mountpoint',
  '/usr/bin/nsenter',
  '/usr/bin/ip',
  '/usr/bin/socat',
];

/** CNI plugins drover's vxlan network needs at least; all of Debian's are shipped. */
export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

const listDir = (dir: string) => readdir(dir).then((names) => names.sort(), () => [] as string[]);

export async function nodeToolsSpec(): Promise<FileTreeSpec> {
  const [plugins, extensions] = await Promise.all([listDir(BUNDLED_CNI_DIR), listDir(XTABLES_LIBDIR)]);
  // A missing required plugin surfaces as "not found" from the hashing step, with the hint.
  const cni = [...new Set([...REQUIRED_CNI_PLUGINS, ...plugins])].sort();
  const xtables = extensions.filter((n) => n.endsWith('.so')).map((n) => join(XTABLES_LIBDIR, n));
  return {
    name: 'node-tools',
    files: [
      ...[XTABLES_MULTI, ...TOOLS].map((p) => ({ from: p, to: p })),
      ...xtables.map((p) => ({ from: p, to: p, mode: 0o644 })),
      ...cni.map((n) => ({ from: join(BUNDLED_CNI_DIR, n), to: join(BUNDLED_CNI_DIR, n) })),
    ],
    librariesOf: [XTABLES_MULTI, ...TOOLS, ...xtables],
    symlinks: [
      ...XTABLES_NAMES.map((n) => ({ path: `/usr/sbin/${n}`, target: 'xtables-nft-multi' })),
      // As on the node (and every FHS image): drover binds only /run, kubelet dials /var/run/docker.sock.
      { path: '/var/run', target: '/run' },
    ],
    // /run: iptables' lock; /opt/cni/bin: kubelet's default CNI dir, filled when mounted.
    dirs: [{ path: SYSCTL_MASK_DIR }, { path: '/run' }, { path: '/opt/cni/bin' }, { path: '/etc/cni/net.d' }, { path: '/var/lib/cni' }],
    texts: [{ path: ENTRYPOINT_PATH, content: ENTRYPOINT_SCRIPT, mode: 0o755 }],
    missingHint: NODE_TOOLS_HINT,
  };
}

export async function nodeToolsLayer(env: Env, progress?: Progress): Promise<CachedLayer> {
  return fileTreeLayer(env, await nodeToolsSpec(), progress);
}
