#!/usr/bin/env bash
# Build (or reuse) the controllers the cluster tests run beside the control plane, from the Go
# module proxy: the Argo Workflows workflow-controller and the External Secrets operator.
#
#   hack/cluster/build-controllers.sh                 build what is missing, print the bin directory
#   hack/cluster/build-controllers.sh --check [NAME]  exit 0 if built (all, or just NAME), 1 otherwise
#   hack/cluster/build-controllers.sh --only NAME...  build just these
#
# NAME is workflow-controller or external-secrets. The binaries land beside the control plane's
# (hack/cluster/build.sh) and are reused; each controller's own CustomResourceDefinitions, from the
# same module version, are copied to <cache>/<k8s-version>/crds/<name>/ before it is built (a
# controller watches kinds the agentctl fixtures do not carry, such as Argo's
# WorkflowTaskResult or External Secrets' generators).
#
# Versions: the Go module proxy serves github.com/argoproj/argo-workflows/v4 v4.0.5 only (no v3.x
# module is served there), so the workflow-controller is v4.0.5. Security reports are known
# against v4.0.5: only the controller is built (no argo server, no executor), and it only ever
# talks to the loopback test API server. External Secrets is v0.16.2, the newest release the proxy
# serves whole (it serves external-secrets.io/v1, which agentctl renders).
#
# External Secrets links every provider (AWS, Azure, GCP, Vault, ...) through
# pkg/provider/register (and every generator through pkg/generator/register), which import each
# one for its init(). The tests need only the `fake` provider, so the build copies the module and
# rewrites those two registration files to import the fake provider (and the fake, password and
# uuid generators) alone: the same init()-time registration with fewer packages; everything else
# is upstream's code.
#
# Env: AGENTCTL_ARGO_VERSION (v4.0.5), AGENTCTL_ESO_VERSION (v0.16.2), plus build.sh's
#      AGENTCTL_K8S_VERSION / AGENTCTL_CLUSTER_CACHE / GO.
set -euo pipefail
K8S_VERSION=${AGENTCTL_K8S_VERSION:-v1.37.2}
ARGO_VERSION=${AGENTCTL_ARGO_VERSION:-v4.0.5}
ESO_VERSION=${AGENTCTL_ESO_VERSION:-v0.16.2}
CACHE=${AGENTCTL_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentctl/cluster}
ROOT=$CACHE/$K8S_VERSION
OUT=$ROOT/bin
CRDS=$ROOT/crds
BINARIES=(workflow-controller external-secrets)

built() { [ -x "$OUT/$1" ] && [ -n "$(ls "$CRDS/$1"/*.yaml 2>/dev/null)" ]; }
missing=()
for b in "${BINARIES[@]}"; do built "$b" || missing+=("$b"); done
if [ "${1:-}" = --check ]; then
  shift
  if [ $# -gt 0 ]; then
    for b in "$@"; do built "$b" || { echo "not built: $b (in $OUT)" >&2; exit 1; }; done
    echo "$OUT"; exit 0
  fi
  [ ${#missing[@]} -eq 0 ] && { echo "$OUT"; exit 0; }
  echo "not built: ${missing[*]} (in $OUT)" >&2; exit 1
fi
if [ "${1:-}" = --only ]; then
  shift; only=" $* "; keep=()
  for b in "${missing[@]}"; do [[ "$only" == *" $b "* ]] && keep+=("$b"); done
  missing=("${keep[@]}"); set --
fi
[ ${#missing[@]} -eq 0 ] && { echo "$OUT"; exit 0; }

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-mod=mod" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
mkdir -p "$OUT" "$ROOT/src"
t0=$(date +%s)
log() { echo "[build $(( $(date +%s) - t0 ))s] $*" >&2; }
want() { [[ " ${missing[*]} " == *" $1 "* ]]; }
module_dir() {  # module_dir PATH@VERSION: its source directory in the module cache (downloaded)
  local info dir
  info=$("$GO" mod download -json "$1")
  dir=$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("Dir") or "")' <<<"$info")
  [ -d "$dir" ] || { echo "cannot fetch $1 from the Go module proxy" >&2; exit 1; }
  echo "$dir"
}
copy_crds() {  # copy_crds NAME DIR: the controller's CRDs, one per file, as its release ships them
  rm -rf "${CRDS:?}/$1"; mkdir -p "$CRDS/$1"
  cp "$2"/*.yaml "$CRDS/$1/"; rm -f "$CRDS/$1/kustomization.yaml"; chmod -R u+w "$CRDS/$1"
}

# --- Argo Workflows: the workflow-controller only (no server, no executor: kwok runs no containers)
if want workflow-controller; then
  D=$ROOT/src/argo; mkdir -p "$D"; cd "$D"
  copy_crds workflow-controller "$(module_dir "github.com/argoproj/argo-workflows/v4@$ARGO_VERSION")/manifests/base/crds/minimal"
  printf 'module local/agentctl-argo-build\n\ngo 1.25.7\n\nrequire github.com/argoproj/argo-workflows/v4 %s\n' "$ARGO_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/argoproj/argo-workflows/v4/cmd/workflow-controller"\n' > tools.go
  "$GO" mod tidy
  log "building the Argo workflow-controller $ARGO_VERSION"
  "$GO" build -p 2 -trimpath -ldflags "-s -w -X github.com/argoproj/argo-workflows/v4.version=$ARGO_VERSION" \
    -o "$OUT/workflow-controller" github.com/argoproj/argo-workflows/v4/cmd/workflow-controller
fi

# --- External Secrets: upstream's controller with only the fake provider registered
if want external-secrets; then
  D=$ROOT/src/external-secrets; mkdir -p "$D"; cd "$D"
  SRC=$(module_dir "github.com/external-secrets/external-secrets@$ESO_VERSION")
  copy_crds external-secrets "$SRC/config/crds/bases"
  rm -rf eso; cp -r "$SRC" eso; chmod -R u+w eso
  keep_only() {  # keep_only DIR IMPORT...: that register package imports just these
    local reg=eso/$1/register.go; shift
    { sed -n '1,/^package /p' "$reg"; echo; echo "// Only what the cluster tests use: no cloud SDKs."; echo "import ("
      for i in "$@"; do printf '\t_ "github.com/external-secrets/external-secrets/%s"\n' "$i"; done; echo ")"; } > "$reg.new"
    mv "$reg.new" "$reg"
  }
  keep_only pkg/provider/register pkg/provider/fake
  keep_only pkg/generator/register pkg/generator/fake pkg/generator/password pkg/generator/uuid
  {
    printf 'module local/agentctl-eso-build\n\n'; grep -m1 '^go ' eso/go.mod; echo
    printf 'require github.com/external-secrets/external-secrets %s\n\n' "$ESO_VERSION"
    printf 'replace github.com/external-secrets/external-secrets => ./eso\n'
    grep '^replace ' eso/go.mod || true
  } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/external-secrets/external-secrets"\n' > tools.go
  "$GO" mod tidy
  log "building the External Secrets controller $ESO_VERSION (fake provider only)"
  "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$OUT/external-secrets" github.com/external-secrets/external-secrets
fi

for b in "${missing[@]}"; do
  built "$b" || { echo "build finished without $OUT/$b" >&2; exit 1; }
done
log "done"
echo "$OUT"
