/**
 * `/usr/local/bin/drover-entrypoint` of the lab's kubernetes image (busybox sh). drover runs the
 * image as `args: ['kubelet', '--flag=…']` with no entrypoint override, so this runs first:
 *
 * 1. kubelet checks (with --protect-kernel-defaults) or writes VM-wide sysctls. Lab nodes share
 *    one kernel with the machine, so those must never change: where it can (privileged), the
 *    script bind-mounts files holding kubelet's expected values over those /proc/sys entries, in
 *    the container's own mount namespace only. Unprivileged, the mount fails and is skipped.
 * 2. For kubelet, copies the bundled CNI plugins into /opt/cni/bin when the node's directory is
 *    mounted there (as RKE's kubelet image does), replacing a plugin only when it differs, and by
 *    rename so a plugin that is running is never overwritten in place.
 * 3. `exec "$@"`, the command looked up on PATH (not as a busybox applet of the same name).
 */

export const ENTRYPOINT_PATH = '/usr/local/bin/drover-entrypoint';
/** Where the bundled CNI plugins are (Debian's containernetworking-plugins layout). */
export const BUNDLED_CNI_DIR = '/usr/lib/cni';
/** Files holding the masked values; an empty directory shipped in the image. */
export const SYSCTL_MASK_DIR = '/etc/drover-sysctl';

/** kubelet 1.20's expected kernel settings (pkg/kubelet/cm setupKernelTunables). */
export const KUBELET_SYSCTLS: readonly (readonly [string, string])[] = [
  ['vm/overcommit_memory', '1'],
  ['vm/panic_on_oom', '0'],
  ['kernel/panic', '10'],
  ['kernel/panic_on_oops', '1'],
  ['kernel/keys/root_maxkeys', '1000000'],
  ['kernel/keys/root_maxbytes', '25000000'],
];

export const ENTRYPOINT_SCRIPT = `#!/bin/sh
# drover lab image entrypoint: mask VM-wide sysctls, give kubelet the CNI plugins, run the command.
# See src/lab/kubernetes-entrypoint.ts in drover.

mask() {
  f=/proc/sys/$1
  [ -e "$f" ] || return 0
  [ "$(cat "$f" 2>/dev/null)" = "$2" ] && return 0
  src=${SYSCTL_MASK_DIR}/$(echo "$1" | tr / .)
  echo "$2" 2>/dev/null >"$src" || return 0
  mount --bind "$src" "$f" 2>/dev/null || true
}
${KUBELET_SYSCTLS.map(([k, v]) => `mask ${k} ${v}`).join('\n')}

copy_cni() {
  [ -d /opt/cni/bin ] || mkdir -p /opt/cni/bin || return 0
  for p in ${BUNDLED_CNI_DIR}/*; do
    t=/opt/cni/bin/\${p##*/}
    cmp -s "$p" "$t" && continue
    cp "$p" "$t.drover-new" && mv -f "$t.drover-new" "$t" || echo "drover-entrypoint: cannot copy $p to $t" >&2
  done
}
case "\${1##*/}" in
  kubelet)
    if mountpoint -q /opt/cni/bin 2>/dev/null || mountpoint -q /opt/cni 2>/dev/null; then copy_cni; fi ;;
esac

# busybox sh would run its own applet for a bare name (ip, mount, nsenter…): resolve it on PATH
# first, so the command is what any other runtime would exec.
case "\${1:-/}" in
  */*) ;;
  *)
    old_ifs=$IFS; IFS=:
    for d in $PATH; do
      if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then c=$d/$1; shift; set -- "$c" "$@"; break; fi
    done
    IFS=$old_ifs ;;
esac
exec "$@"
`;
