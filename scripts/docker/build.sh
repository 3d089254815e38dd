#!/usr/bin/env bash
# The build steps of every image (services/*/Dockerfile), kept here so that CI runs the very same
# commands outside Docker (test/deploy/docker-build.test.ts reads them from each Dockerfile and
# runs them in a clean copy of the workspace). Run from the workspace root.
#
#   build.sh deps                  npm ci of every workspace with dev dependencies (the compiler)
#   build.sh compile SERVICE       tsc -b: dist/ of SERVICE and of the workspace packages it uses
#   build.sh bundle SERVICE OUT    OUT/ becomes the image's /app: the root and workspace manifests,
#                                  the lockfile, dist/ of SERVICE and of the workspace packages it
#                                  depends on (transitively), and their production dependencies
#                                  only (npm ci --omit=dev for that one workspace)
#
# Install scripts never run (--ignore-scripts): nothing here needs one, and a build should not
# execute code from the registry. NPM_CI_FLAGS adds flags (CI passes --prefer-offline).
set -euo pipefail

NPM_FLAGS=(--no-audit --no-fund --ignore-scripts ${NPM_CI_FLAGS:-})

log() { echo "[docker/build] $*" >&2; }

die() {
  echo "[docker/build] $*" >&2
  exit 2
}

service_dir() {
  local service=${1:-}
  [ -n "$service" ] || die "a service name is required (api-service, realtime-gateway, standalone)"
  [ -f "services/$service/package.json" ] || die "no such service: services/$service"
  echo "services/$service"
}

# Every workspace directory, from the root package.json's "workspaces" globs.
workspace_dirs() {
  node -e '
    const fs = require("node:fs");
    const path = require("node:path");
    const { workspaces } = JSON.parse(fs.readFileSync("package.json", "utf8"));
    for (const pattern of workspaces) {
      if (!pattern.endsWith("/*")) throw new Error(`unsupported workspace pattern ${pattern}`);
      const parent = pattern.slice(0, -2);
      for (const name of fs.readdirSync(parent).sort()) {
        if (fs.existsSync(path.join(parent, name, "package.json"))) console.log(`${parent}/${name}`);
      }
    }'
}

# The workspace directories SERVICE needs at run time: itself and its @communities/* dependencies.
runtime_workspaces() {
  node -e '
    const fs = require("node:fs");
    const dirs = process.argv.slice(1);
    const byName = new Map(
      dirs.map((dir) => [JSON.parse(fs.readFileSync(`${dir}/package.json`, "utf8")).name, dir]),
    );
    const needed = new Set();
    const visit = (dir) => {
      if (needed.has(dir)) return;
      needed.add(dir);
      const { dependencies = {} } = JSON.parse(fs.readFileSync(`${dir}/package.json`, "utf8"));
      for (const name of Object.keys(dependencies)) if (byName.has(name)) visit(byName.get(name));
    };
    visit(dirs[0]);
    console.log([...needed].join("\n"));
  ' "$1" $(workspace_dirs)
}

deps() {
  log "npm ci (all workspaces, dev dependencies included)"
  npm ci "${NPM_FLAGS[@]}"
}

compile() {
  local dir
  dir=$(service_dir "${1:-}")
  log "tsc -b $dir/tsconfig.build.json"
  npx --no-install tsc -b "$dir/tsconfig.build.json"
}

bundle() {
  local dir out=${2:-}
  dir=$(service_dir "${1:-}")
  [ -n "$out" ] || die "bundle needs an output directory"
  rm -rf "$out"
  mkdir -p "$out"
  cp package.json package-lock.json .npmrc "$out/"
  # Every workspace manifest, so that npm ci finds the lockfile in sync with package.json.
  for ws in $(workspace_dirs); do
    mkdir -p "$out/$ws"
    cp "$ws/package.json" "$out/$ws/"
  done
  for ws in $(runtime_workspaces "$dir"); do
    [ -d "$ws/dist" ] || die "$ws/dist is missing: run 'build.sh compile' first"
    cp -R "$ws/dist" "$out/$ws/dist"
    rm -f "$out/$ws/dist/.tsbuildinfo"
  done
  mkdir -p "$out/scripts/docker"
  cp scripts/docker/healthcheck.js "$out/scripts/docker/"
  log "npm ci --omit=dev --workspace $dir (in $out)"
  (cd "$out" && npm ci "${NPM_FLAGS[@]}" --omit=dev --workspace "$dir")
}

case "${1:-}" in
  deps) deps ;;
  compile) compile "${2:-}" ;;
  bundle) bundle "${2:-}" "${3:-}" ;;
  *) die "usage: $0 deps | compile SERVICE | bundle SERVICE OUT" ;;
esac
