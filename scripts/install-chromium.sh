#!/usr/bin/env bash
# Debian's Chromium for the browser test (test/browser: playwright-core drives /usr/bin/chromium
# and never downloads a browser). Idempotent and quiet: nothing to do when it is installed.
#
#   scripts/install-chromium.sh     install if missing, then print its version
set -euo pipefail

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
log() { echo "[chromium] $*" >&2; }

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "$CHROMIUM is missing and this is not root: install it (apt-get install chromium)"
    exit 1
  fi
  log "installing chromium from Debian"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null  # its launcher script warns about /dev/shm on stderr
