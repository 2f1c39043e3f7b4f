/**
 * The three small programs a lab runs, written into its state directory by `lab up`:
 * the launcher (joins the node's cgroups, then unshares the namespaces), the node's PID 1, and
 * the OCI runtime wrapper that makes `docker run --privileged` work without CAP_SYS_RESOURCE.
 */

/**
 * Args: NODE_INIT NODE_DIR CGROUP_PROCS_FILE... — becomes `unshare`, whose forked child is the
 * node's PID 1. No subshells here: the host takes the launcher's only child to be the node.
 */
export const LAUNCH_SCRIPT = `#!/bin/sh
set -eu
node_init=$1 node_dir=$2; shift 2
for procs in "$@"; do echo $$ >"$procs"; done
exec unshare --net --mount --uts --ipc --pid --cgroup --fork --mount-proc --propagation private -- \\
  /bin/bash "$node_init" "$node_dir"
`;

/**
 * PID 1 of a node. It waits for the host to move eth0 in, so the host only has to create the
 * veth; daemons are restarted when they exit, as systemd would on a real machine.
 */
export const NODE_INIT_SCRIPT = `#!/bin/bash
# Every fork costs on a loaded machine: builtins, one mkdir and one ip -batch where possible.
set -eu
NODE_DIR=$1
. "$NODE_DIR/node.env"
export PATH
exec >>"$NODE_DIR/init.log" 2>&1

# A fresh sysfs shows this network namespace; it hides the host's cgroup mounts, so remount them
# (with the cgroup namespace the node's own directory is their root).
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
cg_dirs=() cg_types=() cg_opts=()
while IFS='|' read -r dir fstype opts; do
  [ -n "$dir" ] || continue
  cg_dirs+=("/sys/fs/cgroup/$dir") cg_types+=("$fstype") cg_opts+=("$opts")
done <"$NODE_DIR/cgroup-mounts"

# /run is a fresh tmpfs, as on a booted machine: no stale pid files from a previous life.
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
# Private per-node directories over the paths a Kubernetes node keeps to itself. The node's / is
# the host's /, so a missing mount point is created on the host (empty, and left there).
sources=()
for p in $PRIVATE_DIRS; do sources+=("$NODE_DIR/root$p"); done
mkdir -p "\${cg_dirs[@]}" "\${sources[@]}" $PRIVATE_DIRS /run/sshd
for i in "\${!cg_dirs[@]}"; do
  if [ "\${cg_types[$i]}" = cgroup2 ]; then mount -t cgroup2 cgroup2 "\${cg_dirs[$i]}"
  else mount -t cgroup -o "\${cg_opts[$i]}" cgroup "\${cg_dirs[$i]}"; fi
done
while IFS='|' read -r alias target; do
  if [ -n "$alias" ]; then ln -sfn "$target" "/sys/fs/cgroup/$alias"; fi
done <"$NODE_DIR/cgroup-aliases"
for p in $PRIVATE_DIRS; do mount --bind "$NODE_DIR/root$p" "$p"; done
mount --bind "$NODE_DIR/hosts" /etc/hosts
mount --bind "$NODE_DIR/resolv.conf" /etc/resolv.conf
# RKE binds these with :shared / :rslave propagation.
mount --make-shared /var/lib/kubelet
mount --make-shared /var/lib/docker
echo "$NODE_HOSTNAME" >/proc/sys/kernel/hostname

supervise() {
  name=$1; shift
  while :; do "$@" >>"/var/log/$name.log" 2>&1 || true; sleep 1; done
}
# dockerd needs no eth0: start it while the host is still wiring the veth.
ip link set lo up
supervise dockerd /usr/sbin/dockerd --config-file /etc/docker/daemon.json &

for ((i = 0; i < 1000; i++)); do [ -e /sys/class/net/eth0 ] && break; sleep 0.01; done
# Some route must exist for host-network processes reaching ClusterIPs before DNAT; it leads
# nowhere. The metadata address fails fast instead of stalling kubelet's cloud probe.
printf '%s\\n' "addr add $NODE_ADDRESS/$NODE_PREFIX dev eth0" 'link set eth0 up' \\
  "route add default via $NODE_DEAD_GATEWAY dev eth0 onlink" 'route add unreachable 169.254.169.254/32' | ip -batch -

supervise sshd /usr/sbin/sshd -D -e -f "$NODE_DIR/sshd_config" &
echo "node $NODE_HOSTNAME up"
# Stay alive as PID 1; bash reaps every orphan that is re-parented here while it waits.
while :; do sleep 3600 & wait $! || true; done
`;

/**
 * Default runtime of every node's dockerd: root on this machine kind lacks CAP_SYS_RESOURCE, so
 * drop it from the bundle's capability sets and clamp a negative oomScoreAdj to 0 (dockershim
 * gives sandboxes -998), in config.json for create and the process file for exec; then run runc.
 */
export const RUNC_WRAPPER_SCRIPT = `#!/bin/sh
bundle= process= prev=
for a in "$@"; do
  case $prev in --bundle|-b) bundle=$a ;; --process|-p) process=$a ;; esac
  case $a in --bundle=*) bundle=\${a#--bundle=} ;; --process=*) process=\${a#--process=} ;; esac
  prev=$a
done
fix() {
  [ -f "$1" ] || return 0
  jq "$2 |= ((if .capabilities then .capabilities |= with_entries(.value |= (if type == \\"array\\" then map(select(. != \\"CAP_SYS_RESOURCE\\")) else . end)) else . end)
    | if (.oomScoreAdj // 0) < 0 then .oomScoreAdj = 0 else . end)" "$1" >"$1.drover" && mv "$1.drover" "$1"
}
if [ -n "$bundle" ]; then fix "$bundle/config.json" .process || exit 1; fi
if [ -n "$process" ]; then fix "$process" . || exit 1; fi
exec runc "$@"
`;

/**
 * Paths a node keeps private (LAB.md; /run is a tmpfs instead), plus /etc/docker so each dockerd
 * has its own key.json and daemon.json, and /root/.docker.
 */
export const PRIVATE_DIRS = [
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/dockershim',
  '/etc/kubernetes',
  '/var/lib/kubelet',
  '/etc/cni',
  '/opt/cni',
  '/var/lib/cni',
  '/var/lib/etcd',
  '/var/log',
  '/opt/drover',
  '/var/lib/drover',
  '/etc/docker',
  // root's home is per machine: its docker CLI config (registry logins), and no shell start-up
  // files of this host (a slow ~/.bashrc would run on every SSH command).
  '/root',
] as const;
