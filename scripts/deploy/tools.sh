#!/usr/bin/env bash
# The programs the deploy checks (test/deploy/) run. Two are built from Go modules and cached
# outside the work tree (like FerretDB in scripts/test-backends.sh), so clean clones reuse them;
# nginx comes from Debian, as redis-server does for the integration suites:
#
#   kustomize    sigs.k8s.io/kustomize/kustomize/v5, pinned: renders k8s/base and the overlays
#   kube-strict  scripts/deploy/kube-strict: decodes manifests strictly into the Kubernetes API's
#                Go types (unknown fields, wrong types), as the API server does
#   nginx        runs the compose edge's config (scripts/deploy/edge/nginx.conf) for real
#
#   scripts/deploy/tools.sh install                  install what is missing (CI runs this first)
#   scripts/deploy/tools.sh kustomize build k8s/overlays/dev
#   scripts/deploy/tools.sh kube-strict FILE...      (or a stream on stdin)
#   scripts/deploy/tools.sh nginx ARGS...
#
# The Go module proxy and Debian are registries CI reaches; no release binary is downloaded.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KUSTOMIZE_VERSION=v5.8.1 # v5.8.2 and later need Go 1.27
CACHE_DIR=${COMMUNITIES_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/communities-backend}
KUSTOMIZE_BIN=$CACHE_DIR/kustomize-$KUSTOMIZE_VERSION
KUBE_STRICT_SRC=$ROOT/scripts/deploy/kube-strict
# Keyed by the module's content, so a change to it builds a new binary.
KUBE_STRICT_BIN=$CACHE_DIR/kube-strict-$(cat "$KUBE_STRICT_SRC"/go.mod "$KUBE_STRICT_SRC"/go.sum "$KUBE_STRICT_SRC"/*.go | sha256sum | cut -c1-12)

export GOTOOLCHAIN=local

log() { echo "[deploy-tools] $*" >&2; }

need_go() {
  command -v go >/dev/null && return
  log "Go is needed once to build $1 (then it is cached in $CACHE_DIR)"
  exit 1
}

ensure_kustomize() {
  [ -x "$KUSTOMIZE_BIN" ] && return
  need_go "kustomize $KUSTOMIZE_VERSION"
  log "building kustomize $KUSTOMIZE_VERSION (once; cached at $KUSTOMIZE_BIN)"
  mkdir -p "$CACHE_DIR"
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mv "$gobin/kustomize" "$KUSTOMIZE_BIN"
  rm -rf "$gobin"
}

ensure_kube_strict() {
  [ -x "$KUBE_STRICT_BIN" ] && return
  need_go kube-strict
  log "building kube-strict (once per change to scripts/deploy/kube-strict; cached at $KUBE_STRICT_BIN)"
  mkdir -p "$CACHE_DIR"
  (cd "$KUBE_STRICT_SRC" && go build -trimpath -o "$KUBE_STRICT_BIN.tmp.$$" .)
  mv "$KUBE_STRICT_BIN.tmp.$$" "$KUBE_STRICT_BIN"
  # Builds of earlier versions of the module are of no further use.
  find "$CACHE_DIR" -maxdepth 1 -name 'kube-strict-*' ! -name 'kube-strict-*.tmp.*' \
    ! -name "$(basename "$KUBE_STRICT_BIN")" -delete
}

# Debian's nginx (nginx-light: the core modules are all the edge uses). Its package does not
# start a server here (policy-rc.d denies it in these images); the checks run their own.
NGINX_BIN=/usr/sbin/nginx
ensure_nginx() {
  [ -x "$NGINX_BIN" ] && return
  if [ "$(id -u)" -ne 0 ]; then
    log "nginx is missing and this is not root: install it (apt-get install nginx-light)"
    exit 1
  fi
  log "installing nginx-light from Debian"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
}

case "${1:-}" in
  install)
    ensure_kustomize
    ensure_kube_strict
    ensure_nginx
    log "kustomize $("$KUSTOMIZE_BIN" version), kube-strict $(basename "$KUBE_STRICT_BIN"), $("$NGINX_BIN" -v 2>&1)"
    ;;
  nginx)
    shift
    ensure_nginx
    exec "$NGINX_BIN" "$@"
    ;;
  kustomize)
    shift
    ensure_kustomize
    exec "$KUSTOMIZE_BIN" "$@"
    ;;
  kube-strict)
    shift
    ensure_kube_strict
    exec "$KUBE_STRICT_BIN" "$@"
    ;;
  *)
    echo "usage: $0 install | kustomize ARGS... | kube-strict [FILE...] | nginx ARGS..." >&2
    exit 2
    ;;
esac
