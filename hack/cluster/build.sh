#!/usr/bin/env bash
# Build (or reuse) a local Kubernetes control plane for the cluster tests, from the Go module proxy.
#
#   hack/cluster/build.sh            build what is missing, print the bin directory
#   hack/cluster/build.sh --check    exit 0 if every binary is already built, 1 otherwise (no build)
#   hack/cluster/build.sh --only etcd kwok   build just these
#   hack/cluster/build.sh --only kubectl --check   exit 0 if just these are built
#
# kubectl (k8s.io/kubernetes cmd/kubectl, same version and staging pins) is built by a full
# build and by --only kubectl, but --check without --only leaves it out: the cluster tests do
# not need it; the deploy-latency benchmark compares against it.
#
# A full build (no --only) then runs hack/cluster/build-controllers.sh, which builds the Argo
# workflow-controller and the External Secrets operator beside these binaries (its own --check;
# the tests that need them skip, saying why, when they are not built). A failure there is
# reported and does not fail this script. AGENTCTL_CLUSTER_CONTROLLERS=0 skips it.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces the staging modules
# (k8s.io/api, k8s.io/apimachinery, ...) with ./staging/src paths. A small build module requires
# it and replaces every staging module with its published v0.<minor>.<patch> release, the way
# out-of-tree schedulers build against Kubernetes. etcd (3.6.x) and kwok each get their own build
# module, so their dependency graphs do not mix with Kubernetes'.
#
# Binaries land in ${XDG_CACHE_HOME:-~/.cache}/agentctl/cluster/<k8s-version>/bin and are reused.
# Env: AGENTCTL_K8S_VERSION (v1.37.2), AGENTCTL_ETCD_VERSION (v3.6.17), AGENTCTL_KWOK_VERSION (v0.8.0),
#      AGENTCTL_CLUSTER_CACHE (the cache root), GO (go on PATH).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)  # absolute: the build cd's into its modules
K8S_VERSION=${AGENTCTL_K8S_VERSION:-v1.37.2}
ETCD_VERSION=${AGENTCTL_ETCD_VERSION:-v3.6.17}
KWOK_VERSION=${AGENTCTL_KWOK_VERSION:-v0.8.0}
CACHE=${AGENTCTL_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentctl/cluster}
ROOT=$CACHE/$K8S_VERSION
OUT=$ROOT/bin
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok)
OPTIONAL=(kubectl)   # built by a full build or --only; not required by a bare --check

check=0; full=1; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1; shift ;;
    --only) full=0; shift
      while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do only="$only $1"; shift; done ;;
    *) echo "build.sh: unknown argument $1 (use --check, --only NAME...)" >&2; exit 2 ;;
  esac
done
wanted=("${BINARIES[@]}")
[ "$check" = 1 ] && [ "$full" = 1 ] || wanted+=("${OPTIONAL[@]}")
missing=()
for b in "${wanted[@]}"; do [ -x "$OUT/$b" ] || missing+=("$b"); done
if [ "$full" = 0 ]; then   # --only NAME...: just these (when missing)
  keep=()
  for b in "${missing[@]}"; do [[ " $only " == *" $b "* ]] && keep+=("$b"); done
  missing=("${keep[@]}")
fi
if [ "$check" = 1 ]; then
  [ ${#missing[@]} -eq 0 ] && { echo "$OUT"; exit 0; }
  echo "not built: ${missing[*]} (in $OUT)" >&2; exit 1
fi
controllers() {  # the optional controllers, after a full build; their stdout is not ours
  [ "$full" = 1 ] && [ "${AGENTCTL_CLUSTER_CONTROLLERS:-1}" != 0 ] || return 0
  bash "$HERE/build-controllers.sh" >&2 \
    || echo "build.sh: the controllers did not build (their tests will skip); see above" >&2
}
[ ${#missing[@]} -eq 0 ] && { controllers; echo "$OUT"; exit 0; }

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-mod=mod" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
mkdir -p "$OUT" "$ROOT/src"
t0=$(date +%s)
log() { echo "[build $(( $(date +%s) - t0 ))s] $*" >&2; }
"$GO" version >&2

want() { [[ " ${missing[*]} " == *" $1 "* ]]; }

# --- Kubernetes control plane
if want kube-apiserver || want kube-controller-manager || want kube-scheduler || want kubectl; then
  INFO=$("$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION")
  KMOD=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("GoMod") or "")' <<<"$INFO")
  [ -f "$KMOD" ] || { echo "cannot fetch k8s.io/kubernetes@$K8S_VERSION from the Go module proxy" >&2; exit 1; }
  MINOR=${K8S_VERSION#v1.}
  STAGING=v0.$MINOR
  D=$ROOT/src/kubernetes; mkdir -p "$D"; cd "$D"
  {
    echo "module local/agentctl-k8s-build"; echo
    grep -m1 '^go ' "$KMOD"; grep -m1 '^toolchain ' "$KMOD" || true; echo
    grep '^godebug' "$KMOD" | sort -u || true; echo
    echo "require k8s.io/kubernetes $K8S_VERSION"; echo
    echo "replace ("
    grep -E '^\s*k8s\.io/[a-z0-9.-]+ => \./staging/src/' "$KMOD" | awk -v v="$STAGING" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  log "resolving the Kubernetes $K8S_VERSION module graph (staging modules at $STAGING)"
  "$GO" mod tidy
  LD="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD="$LD -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=${MINOR%%.*} -X $p.gitTreeState=clean"
  done
  pkgs=()
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    want "$b" && pkgs+=("k8s.io/kubernetes/cmd/$b")
  done
  log "building ${pkgs[*]##*/}"
  "$GO" build -p 2 -trimpath -tags "selinux,notest" -ldflags "$LD" -o "$OUT/" "${pkgs[@]}"
  log "built the Kubernetes binaries"
fi

# --- etcd: its own module (Kubernetes pins a different etcd line)
if want etcd; then
  D=$ROOT/src/etcd; mkdir -p "$D"; cd "$D"
  printf 'module local/agentctl-etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  "$GO" mod tidy
  log "building etcd $ETCD_VERSION"
  "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
fi

# --- kwok: simulated nodes
if want kwok; then
  D=$ROOT/src/kwok; mkdir -p "$D"; cd "$D"
  printf 'module local/agentctl-kwok-build\n\ngo 1.24\n\nrequire sigs.k8s.io/kwok %s\n' "$KWOK_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' > tools.go
  "$GO" mod tidy
  log "building kwok $KWOK_VERSION"
  "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$OUT/kwok" sigs.k8s.io/kwok/cmd/kwok
fi

for b in "${missing[@]}"; do
  [ -x "$OUT/$b" ] || { echo "build finished without $OUT/$b" >&2; exit 1; }
done
echo "$K8S_VERSION" > "$ROOT/VERSION"
log "done"
controllers
echo "$OUT"
