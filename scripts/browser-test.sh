#!/usr/bin/env bash
# The registrar dashboard in a real browser: starts `banyan up` (every server, the resolver
# and the dashboard on loopback, ephemeral ports) and runs tests/browser/flow.mjs, which drives
# Debian's Chromium through playwright-core: sign up, search newsite.com, register it, add an
# A record, wait until the propagation panel shows every server on the new serial, and ask the
# world's resolver with `banyan query`. Screenshots of each page (and the domain page on a
# phone-sized screen) go to ${CARGO_TARGET_DIR:-target}/browser/.
#
# Installs what is missing: Chromium, Node.js and npm from Debian (as root), playwright-core
# from tests/browser/package-lock.json into tests/browser/node_modules (no browser download:
# the Debian Chromium is the browser). Ends with `browser: ok`, or `browser: FAILED …` and a
# non-zero exit.
#
# Environment:
#   BANYAN         banyan binary to test (default: build target/debug/banyan)
#   CHROMIUM       the browser (default /usr/bin/chromium)
#   BROWSER_READY  seconds to wait for `banyan up` to be ready (default 60)
#   BROWSER_FLOW   seconds the whole browser flow may take (default 120)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT="$TARGET/browser"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
READY_SECONDS=${BROWSER_READY:-60}
FLOW_SECONDS=${BROWSER_FLOW:-120}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-browser.XXXXXX")
UP_PID=""

log() { printf '%s\n' "$*" >&2; }

fail() {
    log "browser: FAILED: $*"
    exit 1
}

# Stops `banyan up`, which we started, by its PID only: SIGTERM, then SIGKILL after 10 s.
stop_up() {
    local _
    [ -n "$UP_PID" ] || return 0
    if kill -TERM "$UP_PID" 2>/dev/null; then
        for _ in $(seq 100); do
            kill -0 "$UP_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$UP_PID" 2>/dev/null || true
    fi
    wait "$UP_PID" 2>/dev/null || true
    UP_PID=""
}

cleanup() {
    local rc=$?
    stop_up
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Installs the Debian packages that are missing (Chromium; Node.js and npm), as root.
install_packages() {
    local missing=() policy=/usr/sbin/policy-rc.d saved=""
    [ -x "$CHROMIUM" ] || missing+=(chromium)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]} and not root to install them"
    log "browser: installing ${missing[*]}"
    # Keep apt from starting any daemon a dependency brings along.
    if [ -e "$policy" ]; then
        saved="$WORK/policy-rc.d.saved"
        cp -p "$policy" "$saved"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    local rc=0
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
    if [ -n "$saved" ]; then cp -p "$saved" "$policy"; else rm -f "$policy"; fi
    [ "$rc" -eq 0 ] || fail "apt-get install ${missing[*]} exited $rc"
    [ -x "$CHROMIUM" ] || fail "no browser at $CHROMIUM after installing chromium"
}

# playwright-core needs Node.js 20 or later (its package.json's engines).
check_node() {
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge 20 ] || fail "Node.js $(node --version) is too old: playwright-core needs 20 or later"
}

# playwright-core, exactly as the lock file pins it; `npm ci` again only when the lock file
# changed since the last install (its digest is kept beside the modules).
install_playwright() {
    local dir="$ROOT/tests/browser" digest stamp="$ROOT/tests/browser/node_modules/.banyan-lock.sha256"
    digest=$(sha256sum <"$dir/package-lock.json")
    if [ -d "$dir/node_modules/playwright-core" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    log "browser: npm ci in tests/browser"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null \
        || fail "npm ci --prefix tests/browser"
    printf '%s\n' "$digest" >"$stamp"
}

# Builds banyan (debug) unless BANYAN names one.
build_banyan() {
    if [ -n "${BANYAN:-}" ]; then
        [ -x "$BANYAN" ] || fail "BANYAN=$BANYAN is not an executable"
        return 0
    fi
    (cd "$ROOT" && cargo build --quiet -p banyan) || fail "cargo build -p banyan"
    BANYAN="$TARGET/debug/banyan"
}

# Starts `banyan up` on ephemeral ports and waits (bounded) for its `ready:` line.
start_up() {
    : >"$WORK/up.log"
    "$BANYAN" up --port 0 --resolver 127.0.0.1:0 --web 127.0.0.1:0 --map-json "$WORK/map.json" \
        >"$WORK/up.log" 2>&1 &
    UP_PID=$!
    local deadline=$((SECONDS + READY_SECONDS))
    until grep -q '^ready:' "$WORK/up.log"; do
        if ! kill -0 "$UP_PID" 2>/dev/null; then
            tail -20 "$WORK/up.log" >&2
            UP_PID=""
            fail "banyan up exited before it was ready"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -20 "$WORK/up.log" >&2
            fail "banyan up not ready within ${READY_SECONDS}s"
        fi
        sleep 0.2
    done
    [ -s "$WORK/map.json" ] || fail "banyan up wrote no $WORK/map.json"
    log "browser: banyan up ready (pid $UP_PID) in $((SECONDS))s"
}

install_packages
check_node
install_playwright
build_banyan
SECONDS=0
start_up
mkdir -p "$OUT"
rm -f "$OUT"/*.png
if ! BANYAN="$BANYAN" timeout --kill-after=10 "$FLOW_SECONDS" \
    node "$ROOT/tests/browser/flow.mjs" "$WORK/map.json" "$OUT"; then
    log "browser: the last lines of banyan up:"
    tail -20 "$WORK/up.log" >&2
    fail "tests/browser/flow.mjs (screenshots in $OUT)"
fi
stop_up
echo "browser: ok in ${SECONDS}s (screenshots in $OUT)"
