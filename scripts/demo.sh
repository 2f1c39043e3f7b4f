#!/usr/bin/env bash
# Quick start: from a fresh clone on a Debian 12 machine (root), install what is missing (apt and
# npm packages, Kubernetes v1.20.2 built once from Debian's source and cached), start three local
# lab nodes (sshd + dockerd each, in network namespaces) and bring up a real Kubernetes cluster on
# them with `drover up`, then show `kubectl get nodes`. Run it again: drover changes nothing.
#   npm run demo            # lab "demo" in ./.lab/demo
#   DEMO_NODES=5 npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "demo: lab nodes need root (network namespaces, dockerd)" >&2; exit 1; }
bash scripts/npm-deps.sh
bash scripts/lab-setup.sh
bash scripts/build-k8s.sh >/dev/null
npm run build --silent

name=demo
dir=$(./bin/drover lab up --nodes "${DEMO_NODES:-3}" --name "$name" --dir "$PWD/.lab/$name" | tail -n 1)
if [ -f "$dir/registry-password" ]; then
  DROVER_LAB_REGISTRY_PASSWORD=$(cat "$dir/registry-password")
  export DROVER_LAB_REGISTRY_PASSWORD
fi
./bin/drover up --config "$dir/cluster.yml"

kubectl=$(jq -r .kubectl "$dir/lab.json")
echo
echo "== $kubectl --kubeconfig $dir/kube_config_cluster.yml get nodes"
"$kubectl" --kubeconfig "$dir/kube_config_cluster.yml" get nodes -o wide
echo
echo "cluster file: $dir/cluster.yml    (drover plan / drover up / drover remove --config ...)"
echo "tear down:    ./bin/drover remove --force --config $dir/cluster.yml && ./bin/drover lab down --name $name"
