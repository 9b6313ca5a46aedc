#!/usr/bin/env bash
# Builds the Go components of the test control plane from the Go module proxy and caches each
# binary by version under ${SLUICE_CACHE:-~/.cache/sluice}/bin/<component>-<version>/.
# A component already in the cache is never rebuilt.
#
#   build.sh                   build what is missing (uses the committed wrapper go.mod/go.sum)
#   build.sh --update-modules  regenerate the wrapper modules for the versions in versions.env
#   build.sh --print-bin-dir   print the cache directory of each component and exit
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${SLUICE_CACHE:-$HOME/.cache/sluice}
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS=${GOFLAGS:--buildvcs=false}
update=false
case "${1:-}" in
  --update-modules) update=true ;;
  --print-bin-dir)
    for c in kube:$KUBE_VERSION etcd:$ETCD_VERSION kwok:$KWOK_VERSION helm:$HELM_VERSION kustomize:$KUSTOMIZE_VERSION; do
      echo "${c%%:*} $cache/bin/${c%%:*}-${c#*:}"
    done
    exit 0 ;;
  "") ;;
  *) echo "usage: build.sh [--update-modules|--print-bin-dir]" >&2; exit 2 ;;
esac

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Runs a build step with a heartbeat so a long cold build visibly makes progress.
with_heartbeat() {
  local what=$1; shift
  local start=$SECONDS
  ( while sleep 60; do log "$what: still building ($((SECONDS - start))s)"; done ) &
  local hb=$!
  local rc=0
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  log "$what: done in $((SECONDS - start))s (exit $rc)"
  return "$rc"
}

# Installs a finished build atomically so an interrupted build never leaves a half-filled cache dir.
install_dir() {
  local tmp=$1 dest=$2
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp" "$dest"
}

update_kube_module() {
  local dir=$here/go/kube sv=v0.${KUBE_VERSION#v1.} gomod
  rm -f "$dir/go.mod" "$dir/go.sum"
  (cd "$dir" && go mod init local/sluice-kube-bins >/dev/null 2>&1)
  gomod=$(cd "$dir" && go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$KUBE_VERSION")
  local godirective
  godirective=$(awk '$1=="go"{print $2; exit}' "$gomod")
  (cd "$dir" && go mod edit -go="$godirective" -godebug="default=go${godirective%.*}")
  for m in $(awk '$2=="=>" && $3 ~ /^\.\/staging\// {print $1}' "$gomod"); do
    (cd "$dir" && go mod edit -replace="$m=$m@$sv")
  done
  (cd "$dir" && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$KUBE_VERSION" && go mod tidy)
}

# A wrapper module holding one tool at one version; its go.sum pins every dependency.
update_tool_module() {
  local dir=$1 module=$2 version=$3; shift 3
  rm -f "$dir/go.mod" "$dir/go.sum"
  (cd "$dir" && go mod init "local/sluice-$(basename "$dir")-bins" >/dev/null 2>&1 \
    && go get -tool "${@/%/@$version}" && go mod tidy)
  : "$module"
}

if $update; then
  log "regenerating wrapper modules"
  update_kube_module
  update_tool_module "$here/go/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
  update_tool_module "$here/go/kwok" sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  update_tool_module "$here/go/helm" helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm
  update_tool_module "$here/go/kustomize" sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5
fi

build_kube() {
  local dest=$cache/bin/kube-$KUBE_VERSION
  [ -x "$dest/kube-apiserver" ] && [ -x "$dest/kube-controller-manager" ] && [ -x "$dest/kube-scheduler" ] && return 0
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local ldf="-s -w" p now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # Stamp the version: unstamped binaries report v0.0.0 on /version, which breaks clients that parse it.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$now"
  done
  local tmp=$dest.tmp.$$
  mkdir -p "$tmp"
  log "kube $KUBE_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler (cold: 15-30 min)"
  (cd "$here/go/kube" && with_heartbeat "kube $KUBE_VERSION" go build -trimpath -tags=selinux,notest \
    -ldflags="all=$ldf" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
  install_dir "$tmp" "$dest"
}

build_tool() {
  local name=$1 version=$2 bin=$3 pkg=$4 ldf=${5:-}
  local dest=$cache/bin/$name-$version
  [ -x "$dest/$bin" ] && return 0
  local tmp=$dest.tmp.$$
  mkdir -p "$tmp"
  log "$name $version: building"
  (cd "$here/go/$name" && with_heartbeat "$name $version" go build -trimpath -ldflags="-s -w $ldf" -o "$tmp/$bin" "$pkg")
  install_dir "$tmp" "$dest"
}

# The Gateway API, Istio and Prometheus Operator CRDs the tests install come from these modules' YAML, read from Go's
# module cache (test/cluster/traffic-crds.ts, which also downloads them on demand); fetched here so
# a cold machine has them before the tests. Nothing is built from them. Run outside any module, as
# traffic-crds.ts does, so no go.mod or go.work takes part.
fetch_modules() {
  local m out dir
  for m in "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" "istio.io/api@$ISTIO_API_VERSION" \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION"; do
    if ! out=$(cd "${TMPDIR:-/tmp}" && GOWORK=off go mod download -json "$m" 2>&1); then
      log "$m: go mod download failed:"
      printf '%s\n' "$out" >&2
      return 1
    fi
    dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    log "$m: ${dir:-?}"
  done
}

total=$SECONDS
build_tool etcd "$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3 "-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION"
build_tool kwok "$KWOK_VERSION" kwok sigs.k8s.io/kwok/cmd/kwok
build_kube
build_tool helm "$HELM_VERSION" helm helm.sh/helm/v3/cmd/helm "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
build_tool kustomize "$KUSTOMIZE_VERSION" kustomize sigs.k8s.io/kustomize/kustomize/v5 "-X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION"
fetch_modules
log "all components present in $cache/bin, CRD modules in Go's module cache ($((SECONDS - total))s)"
