#!/usr/bin/env bash
# Builds Kubernetes v1.20.2 server binaries, kubectl and a static pause from Debian's `kubernetes`
# source package, offline (see shared K8S-BUILD.md). Output, cached per machine and keyed by version:
#   $DROVER_K8S_CACHE (default /var/cache/drover-lab/kubernetes-v1.20.2)/bin/{kube-apiserver,...,pause}
# A complete cache makes this a no-op (it prints the bin dir and exits). Needs root on a fresh machine
# (adds deb-src, installs golang-go and gcc). Cold: about 5-6 minutes on 2 cores; cached: instant.
set -euo pipefail

VERSION=v1.20.2
COMMIT=faecb196815e248d3ecfb03c680a4507229c2a56
# Bumped whenever the build itself changes, so a machine's older cache is rebuilt.
#   2: vendored reflect2 1.0.1 replaced by Debian's 1.0.2 (1.0.1 + go1.18+ segfaults the apiserver
#      on the first custom resource, in json-iterator's map encoding).
BUILD_REVISION=2
CACHE_ROOT=${DROVER_LAB_CACHE:-/var/cache/drover-lab}
OUT=${DROVER_K8S_CACHE:-$CACHE_ROOT/kubernetes-$VERSION}
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

complete() {
  for b in "${BINARIES[@]}" pause; do [ -x "$OUT/bin/$b" ] || return 1; done
  [ "$(cat "$OUT/bin/.complete" 2>/dev/null)" = "$BUILD_REVISION" ]
}
if complete; then echo "$OUT/bin"; exit 0; fi

log() { echo "build-k8s: $*" >&2; }
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/kubernetes-$VERSION.lock"
flock 9   # one build per machine; a second caller waits, then finds the cache complete
if complete; then echo "$OUT/bin"; exit 0; fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o DPkg::Lock::Timeout=300)
need_pkgs=()
command -v go >/dev/null || need_pkgs+=(golang-go)
command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need_pkgs+=(libc6-dev)
command -v dpkg-source >/dev/null || need_pkgs+=(dpkg-dev)
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
[ -f "$REFLECT2/go_above_118.go" ] || need_pkgs+=(golang-github-modern-go-reflect2-dev)

src_dir=$CACHE_ROOT/kubernetes-src
mkdir -p "$src_dir"
orig=$(ls "$src_dir"/kubernetes_*.orig.tar.gz 2>/dev/null | head -1 || true)
if [ -z "$orig" ]; then
  # apt-get source needs a deb-src line; add it to the Debian stanza when missing.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    log "adding deb-src to /etc/apt/sources.list.d/debian.sources"
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
  fi
  apt-get "${apt_opts[@]}" update >/dev/null
  (cd "$src_dir" && apt-get "${apt_opts[@]}" source --download-only kubernetes >/dev/null)
  orig=$(ls "$src_dir"/kubernetes_*.orig.tar.gz | head -1)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  apt-get "${apt_opts[@]}" install -y --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

work=$CACHE_ROOT/kubernetes-work
tree=$work/tree
if [ ! -f "$tree/.extracted" ]; then
  log "extracting $(basename "$orig")"
  rm -rf "$tree" && mkdir -p "$tree"
  tar -xzf "$orig" -C "$tree" --strip-components=1
  touch "$tree/.extracted"
fi

# reflect2 1.0.1 (vendored) predates Go 1.18's map iterator change; Debian's 1.0.2 is the fix.
if [ ! -f "$tree/vendor/github.com/modern-go/reflect2/go_above_118.go" ]; then
  log "vendoring reflect2 1.0.2 from $REFLECT2"
  rm -f "$tree/vendor/github.com/modern-go/reflect2/"*.go
  cp "$REFLECT2"/*.go "$tree/vendor/github.com/modern-go/reflect2/"
  rm -f "$tree/vendor/github.com/modern-go/reflect2/"*_test.go
fi

# GOPATH mode, as upstream 1.20 builds itself: module mode wants the internet.
export GOPATH=$work/gopath GO111MODULE=off CGO_ENABLED=0 GOFLAGS= GOCACHE=$CACHE_ROOT/go-build
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$tree" "$GOPATH/src/k8s.io/kubernetes"
cd "$GOPATH/src/k8s.io/kubernetes"

openapi=pkg/generated/openapi/zz_generated.openapi.go
if [ ! -f "$openapi" ]; then
  log "generating $openapi"
  go build -o "$work/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  # Input dirs as Makefile.generated_files selects them: every package with the openapi-gen tag,
  # staging mapped to vendor, without code-generator and sample-apiserver.
  dirs=$(grep -rl --include='*.go' --exclude-dir=vendor --exclude-dir=_output --exclude-dir=.git \
      --exclude-dir=testdata -e '+k8s:openapi-gen=' . \
    | xargs -n1 dirname | sort -u | sed 's|^\./||' \
    | sed 's|^staging/src/k8s.io/|vendor/k8s.io/|' \
    | grep -v -e 'code-generator' -e 'sample-apiserver' \
    | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
  "$work/openapi-gen" -i "$dirs" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$work/openapi-report.list" >/dev/null
  if ! cmp -s "$work/openapi-report.list" api/api-rules/violation_exceptions.list; then
    log "warning: openapi report differs from api/api-rules/violation_exceptions.list"
  fi
fi

ldflags="-s -w"
for pkg in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=$COMMIT -X $pkg.buildDate=2021-01-13T13:20:00Z"
done

mkdir -p "$OUT/bin.tmp"
[ "$(cat "$OUT/bin.tmp/.revision" 2>/dev/null)" = "$BUILD_REVISION" ] || rm -f "$OUT/bin.tmp"/*
echo "$BUILD_REVISION" >"$OUT/bin.tmp/.revision"
for b in "${BINARIES[@]}"; do
  [ -x "$OUT/bin.tmp/$b" ] && continue
  log "go build $b"
  go build -trimpath -ldflags "$ldflags" -o "$OUT/bin.tmp/$b" "./cmd/$b"
done
log "gcc -static pause"
gcc -Os -static -o "$OUT/bin.tmp/pause" build/pause/linux/pause.c -DVERSION=3.2-drover
strip "$OUT/bin.tmp/pause" || true
echo "$BUILD_REVISION" >"$OUT/bin.tmp/.complete"
rm -rf "$OUT/bin" && mv "$OUT/bin.tmp" "$OUT/bin"
log "done: $OUT/bin"
echo "$OUT/bin"
