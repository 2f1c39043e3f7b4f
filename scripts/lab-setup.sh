#!/usr/bin/env bash
# Installs the Debian packages `drover lab` needs (see shared LAB.md). Idempotent: prints nothing
# and touches nothing when everything is present; runs `apt-get update` only when something is missing.
# Package postinst scripts must not start a host-wide sshd/dockerd: lab nodes start their own.
set -euo pipefail

PACKAGES=(openssh-server openssh-client docker.io containerd runc iproute2 iptables busybox-static
  jq util-linux procps sudo openssl docker-registry etcd-server etcd-client apache2-utils
  # copied into the lab's kubernetes and nginx images (src/lab/node-tools.ts, nginx-image.ts)
  mount conntrack socat containernetworking-plugins nginx libnginx-mod-stream)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "lab-setup: missing packages: ${missing[*]} (run this script as root)" >&2
  exit 1
fi

echo "lab-setup: installing ${missing[*]}"
# policy-rc.d exit 101 = "do not start services" for invoke-rc.d; only ours if none was there.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
apt-get "${apt_opts[@]}" update >/dev/null
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "lab-setup: done"
