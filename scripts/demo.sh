#!/usr/bin/env bash
# Quick start: from a fresh clone on a Debian 12 machine (root), install what is missing, start
# three local lab nodes (sshd + dockerd each, in network namespaces) and bring up the cluster
# on them with `drover up`. Run it again: drover converges and changes nothing.
#   npm run demo            # lab "demo" in ./.lab/demo
#   DEMO_NODES=5 npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "demo: lab nodes need root (network namespaces, dockerd)" >&2; exit 1; }
bash scripts/npm-deps.sh
bash scripts/lab-setup.sh
npm run build --silent

name=demo
dir=$(./bin/drover lab up --nodes "${DEMO_NODES:-3}" --name "$name" --dir "$PWD/.lab/$name" | tail -n 1)
if [ -f "$dir/registry-password" ]; then
  DROVER_LAB_REGISTRY_PASSWORD=$(cat "$dir/registry-password")
  export DROVER_LAB_REGISTRY_PASSWORD
fi
./bin/drover up --config "$dir/cluster.yml"

first=$(awk '/^ *- address:/ {print $3; exit}' "$dir/cluster.yml")
echo
echo "== etcd on $first"
ssh -i "$dir/id_ed25519" -o UserKnownHostsFile="$dir/known_hosts" -o StrictHostKeyChecking=yes "root@$first" \
  docker exec etcd etcdctl endpoint health --cluster
echo
echo "cluster file: $dir/cluster.yml    (drover plan / drover up / drover remove --config ...)"
echo "tear down:    ./bin/drover remove --force --config $dir/cluster.yml && ./bin/drover lab down --name $name"
