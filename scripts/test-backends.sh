#!/usr/bin/env bash
# Provision and run the real backends the integration suites talk to: FerretDB v1.24.2 (MongoDB
# wire protocol, SQLite handler) and Redis, both on 127.0.0.1, data in a temp directory.
#
#   scripts/test-backends.sh start   install what is missing, start both, print the env to export
#   scripts/test-backends.sh stop    stop both and remove their data
#   scripts/test-backends.sh env     print MONGO_URL / REDIS_URL for the running backends
#
# Idempotent and fast when everything is already installed and running. FerretDB is built once
# from the Go module in tools/ and cached outside the work tree, so clean clones reuse it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FERRETDB_VERSION=v1.24.2
CACHE_DIR=${COMMUNITIES_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/communities-backend}
FERRETDB_BIN=$CACHE_DIR/ferretdb-$FERRETDB_VERSION
RUN_DIR=${COMMUNITIES_BACKENDS_DIR:-${TMPDIR:-/tmp}/communities-backends}
MONGO_PORT=${TEST_MONGO_PORT:-27017}
REDIS_PORT=${TEST_REDIS_PORT:-6379}

log() { echo "[test-backends] $*" >&2; }

ensure_redis() {
  command -v redis-server >/dev/null && return
  log "installing redis-server from Debian"
  if [ "$(id -u)" -ne 0 ]; then log "redis-server is missing and this is not root: install it (apt-get install redis-server)"; exit 1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
}

# FerretDB's version package panics unless build/version/version.txt is present, and the module
# as published does not ship it. So: vendor the module from tools/go.mod, add the file, build.
ensure_ferretdb() {
  [ -x "$FERRETDB_BIN" ] && return
  command -v go >/dev/null || { log "Go is needed once to build FerretDB $FERRETDB_VERSION"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION (once; cached at $FERRETDB_BIN)"
  mkdir -p "$CACHE_DIR"
  local work
  work=$(mktemp -d)
  cp "$ROOT/tools/go.mod" "$ROOT/tools/go.sum" "$work/"
  (
    cd "$work"
    go mod download github.com/FerretDB/FerretDB
    go mod vendor
    echo "$FERRETDB_VERSION" > vendor/github.com/FerretDB/FerretDB/build/version/version.txt
    go build -mod=vendor -buildvcs=false -o "$FERRETDB_BIN.tmp" github.com/FerretDB/FerretDB/cmd/ferretdb
  )
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$work"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  log "$name did not start on 127.0.0.1:$port; its log:"; cat "$RUN_DIR/$name.log" >&2 || true
  exit 1
}

start() {
  ensure_redis
  ensure_ferretdb
  mkdir -p "$RUN_DIR/ferretdb-data" "$RUN_DIR/redis-data"
  if port_open "$REDIS_PORT"; then
    log "something already listens on 127.0.0.1:$REDIS_PORT; using it as Redis"
  else
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR/redis-data" \
      --save '' --appendonly no --daemonize yes --pidfile "$RUN_DIR/redis.pid" \
      --logfile "$RUN_DIR/redis.log"
    wait_port redis "$REDIS_PORT"
  fi
  if port_open "$MONGO_PORT"; then
    log "something already listens on 127.0.0.1:$MONGO_PORT; using it as MongoDB"
  else
    nohup "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$RUN_DIR/ferretdb-data/" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$RUN_DIR" --debug-addr=- \
      --telemetry=disable --log-level=WARN >"$RUN_DIR/ferretdb.log" 2>&1 &
    echo $! >"$RUN_DIR/ferretdb.pid"
    wait_port ferretdb "$MONGO_PORT"
  fi
  log "FerretDB $FERRETDB_VERSION on 127.0.0.1:$MONGO_PORT, Redis $(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/') on 127.0.0.1:$REDIS_PORT"
  print_env
}

stop() {
  for name in ferretdb redis; do
    if [ -f "$RUN_DIR/$name.pid" ]; then
      kill "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null || true
      rm -f "$RUN_DIR/$name.pid"
    fi
  done
  rm -rf "$RUN_DIR"
  log "stopped"
}

print_env() {
  echo "export MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 [start|stop|env]" >&2; exit 2 ;;
esac
