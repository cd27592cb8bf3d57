#!/usr/bin/env bash
# Soak test (issue 11): `banyan up` under a steady load for a while, its memory sampled over
# time; memory must stay bounded. dnsperf sends the world's names, and names that do not
# exist (a fresh one every query, so negative answers keep filling the cache), to the world's
# resolver at a fixed rate; every INTERVAL seconds the script prints the resident memory of
# the `banyan up` process. It fails when the memory at the end is more than GROWTH times the
# memory after the warm-up (the first sample), or when the resolver stops answering.
#
# Loopback only; bounded in time; stops `banyan up` by its PID however it ends.
#
#   scripts/soak.sh                      # 10 minutes at 2000 queries/s
#   DURATION=60 RATE=500 scripts/soak.sh # a quick look
#
# Environment:
#   BANYAN    banyan binary (default: cargo build --release -p banyan, then target/release)
#   DURATION  seconds of load (default 600)
#   RATE      queries per second (default 2000)
#   INTERVAL  seconds between memory samples (default 10)
#   GROWTH    largest allowed end/start memory ratio (default 1.5)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-600}
RATE=${RATE:-2000}
INTERVAL=${INTERVAL:-10}
GROWTH=${GROWTH:-1.5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-soak.XXXXXX")
UP_PID=""
PERF_PID=""

cleanup() {
    local pid
    for pid in "$PERF_PID" "$UP_PID"; do
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v dnsperf >/dev/null || {
    echo "soak: dnsperf is missing (Debian package dnsperf)" >&2
    exit 2
}
if [ -z "${BANYAN:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet -p banyan)
    BANYAN="${CARGO_TARGET_DIR:-$ROOT/target}/release/banyan"
fi

"$BANYAN" up --port 0 --resolver 127.0.0.1:0 --web 127.0.0.1:0 --map-json "$WORK/map.json" \
    >"$WORK/up.out" 2>"$WORK/up.err" &
UP_PID=$!
for _ in $(seq 600); do
    grep -q '^ready:' "$WORK/up.out" 2>/dev/null && break
    kill -0 "$UP_PID" 2>/dev/null || {
        echo "soak: banyan up exited: $(tail -5 "$WORK/up.err")" >&2
        exit 1
    }
    sleep 0.1
done
grep -q '^ready:' "$WORK/up.out" || {
    echo "soak: banyan up was not ready within 60 s" >&2
    exit 1
}
RESOLVER_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resolver"]["port"])' "$WORK/map.json")

# The query file: the world's names (answers, cached) and, once each, names that do not
# exist (NXDOMAIN, each a new negative cache entry until the cache bound evicts).
{
    for n in www.example.com example.com mail.example.com github.com freecodecamp.com \
        www.framer.com dans.garden en.wikipedia.org www.bbc.co.uk; do
        echo "$n A"
        echo "$n AAAA"
    done
    for i in $(seq 200000); do
        echo "soak-$i.example.com A"
    done
} >"$WORK/queries"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$UP_PID/status"; }

dnsperf -s 127.0.0.1 -p "$RESOLVER_PORT" -d "$WORK/queries" -l "$DURATION" -Q "$RATE" -c 4 \
    >"$WORK/dnsperf.out" 2>&1 &
PERF_PID=$!
start=$(date +%s)
first=""
echo "seconds  rss_MiB"
while kill -0 "$PERF_PID" 2>/dev/null; do
    sleep "$INTERVAL"
    kill -0 "$UP_PID" 2>/dev/null || {
        echo "soak: banyan up died" >&2
        exit 1
    }
    rss=$(rss_kib)
    [ -n "$first" ] || first=$rss
    awk -v t=$(($(date +%s) - start)) -v r="$rss" 'BEGIN { printf "%7d  %7.1f\n", t, r / 1024 }'
done
wait "$PERF_PID" || true
PERF_PID=""
last=$(rss_kib)
completed=$(awk '/Queries completed:/ {print $3}' "$WORK/dnsperf.out")
sent=$(awk '/Queries sent:/ {print $3}' "$WORK/dnsperf.out")
lost=$(awk '/Queries lost:/ {print $3}' "$WORK/dnsperf.out")
echo "dnsperf: sent ${sent:-?}, completed ${completed:-?}, lost ${lost:-?} over ${DURATION} s at ${RATE}/s"
awk -v f="$first" -v l="$last" -v g="$GROWTH" \
    'BEGIN { printf "memory: %.1f MiB after warm-up, %.1f MiB at the end (x%.2f, limit x%s)\n", f / 1024, l / 1024, l / f, g }'
if awk -v f="$first" -v l="$last" -v g="$GROWTH" 'BEGIN { exit !(l / f > g) }'; then
    echo "soak: FAILED: memory grew more than x$GROWTH" >&2
    exit 1
fi
if [ -z "${completed:-}" ] || [ "$completed" -eq 0 ]; then
    echo "soak: FAILED: the resolver answered nothing" >&2
    exit 1
fi
echo "soak: ok"
