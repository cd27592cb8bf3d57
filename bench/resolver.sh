#!/usr/bin/env bash
# Recursive resolvers side by side: Unbound and `banyan resolver` iterate through the lab of
# scripts/lab.sh (root, test. and lab., second-level zones, served by NSD and Knot DNS on
# 127.0.60-64.x), each resolver with one worker pinned to core 0, dnsperf pinned to core 1
# (the lab's authoritative servers share core 1 with it).
#
#   bench/resolver.sh                         # 1000 names, 3 runs of 10 s
#   RUNS=1 DURATION=5 bench/resolver.sh       # a quick look
#
# For each resolver and run, three fresh starts (empty caches):
#   hit    NAMES distinct names under the wildcard *.wild.a.test. (hN.wild.a.test. A), asked
#          once to fill the cache, then replayed by dnsperf for DURATION seconds: queries/s,
#          the resolver's CPU-seconds during the run (utime+stime from /proc/PID/stat), queries
#          per CPU-second, CPU microseconds per query; `up` is the number of queries the lab's
#          servers received during the run (0 when every answer came from the cache);
#   lab    the lab's questions (scripts/lab/questions) asked once each, one after the other,
#          with dig: the queries sent upstream for them (counted by the authoritative servers:
#          NSD's num.queries, Knot's mod-stats), per question, and the wall time;
#   cold   COLD_NAMES distinct names (cN.wild.a.test. A) asked once each by dnsperf, nothing
#          cached: queries/s, queries upstream per query, CPU microseconds per query.
# Upstream queries are counted where they arrive, so the same way for both resolvers; queries
# to the lab's dead address (127.0.63.99) reach no server and are not counted.
#
# Environment:
#   NAMES         names in the cache-hit set (default 1000)
#   COLD_NAMES    names in the cold set (default 5000)
#   RUNS          runs per resolver (default 3; the table gives the median)
#   DURATION      seconds of the cache-hit run (default 10)
#   RESOLVERS     resolvers to run, in order (default "unbound banyan")
#   BANYAN        banyan binary (default: cargo build --release -p banyan, then target/release)
#   DNSPERF_ARGS  how dnsperf pushes (default "-c 1 -q 200 -b 4096")
#   SERVER_CORE, CLIENT_CORE  the cores for the resolver and for dnsperf and the lab (default 0, 1)
#
# Runs as root: binds port 53 on 127.0.60.1-127.0.69.2 (loopback only, no address added) and
# installs the Debian packages nsd, knot, unbound, dnsperf and bind9-dnsutils when missing.
# Until `banyan resolver` exists, Banyan's rows say "not available".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

NAMES=${NAMES:-1000}
COLD_NAMES=${COLD_NAMES:-5000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
RESOLVERS=${RESOLVERS:-unbound banyan}
DNSPERF_ARGS=${DNSPERF_ARGS:--c 1 -q 200 -b 4096}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
CLK_TCK=$(getconf CLK_TCK)
declare -A ADDR=([unbound]=127.0.69.1 [banyan]=127.0.69.2)

LAB_PORT=53
LAB_AUTH_WRAP=(taskset -c "$CLIENT_CORE")
LAB_RES_WRAP=(taskset -c "$SERVER_CORE")
# shellcheck source=scripts/lab.sh
. "$ROOT/scripts/lab.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-bench-resolver.XXXXXX")
RES_PID=""

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    if [ -n "$RES_PID" ]; then lab_stop_pid "$RES_PID"; fi
    lab_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

# ---------------------------------------------------------------- setup

install_tools() {
    local missing=() policy=/usr/sbin/policy-rc.d saved=""
    have nsd || missing+=(nsd)
    have knotd || missing+=(knot)
    have unbound || missing+=(unbound)
    have dnsperf || missing+=(dnsperf)
    have dig || missing+=(bind9-dnsutils)
    have ss || missing+=(iproute2)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "bench: missing ${missing[*]} and not root to install them"
        exit 2
    fi
    log "bench: installing ${missing[*]}"
    # Keep apt from starting the daemons it installs.
    if [ -e "$policy" ]; then
        saved="$WORK/policy-rc.d.saved"
        cp -p "$policy" "$saved"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$saved" ]; then cp -p "$saved" "$policy"; else rm -f "$policy"; fi
}

build_banyan() {
    if [ -n "${BANYAN:-}" ]; then return 0; fi
    cargo build --release --quiet -p banyan
    BANYAN="${CARGO_TARGET_DIR:-$ROOT/target}/release/banyan"
}

# ---------------------------------------------------------------- resolvers

# start_resolver NAME: starts it with an empty cache on core 0; sets RES_PID.
start_resolver() {
    local name=$1 dir="$WORK/$1.$RANDOM"
    case $name in
        # Caches big enough that NAMES entries stay in them.
        unbound) lab_start_unbound "$dir" "${ADDR[unbound]}" 1 "msg-cache-size: 64m
    rrset-cache-size: 128m" ;;
        banyan) lab_start_banyan "$BANYAN" "$dir" "${ADDR[banyan]}" 1 ;;
    esac
    RES_PID=$LAB_PID
    if ! lab_wait_listening "$RES_PID" "${ADDR[$name]}"; then
        log "bench: $name did not start: $(cat "$dir"/*.log 2>/dev/null | tail -n 20)"
        return 1
    fi
}

stop_resolver() {
    lab_stop_pid "$RES_PID"
    RES_PID=""
}

# cpu_ticks PID: utime+stime of the process and its children, in clock ticks (fields 14 and
# 15 of /proc/PID/stat, counted after the parenthesised command name, which may hold spaces).
cpu_ticks() {
    local p total=0 t
    for p in $(lab_tree "$1"); do
        t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# core_ticks CORE: busy clock ticks of one core (user nice system irq softirq steal).
core_ticks() {
    awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# run_dnsperf NAME QUERIES LIMIT…: one dnsperf run on core 1 against the resolver, with the
# extra dnsperf flags LIMIT (-l SECONDS or -n 1); prints
# "qps completed lost resolver_cpu_s dnsperf_cpu_s wall_s others_cpu_s upstream".
run_dnsperf() {
    local name=$1 queries=$2 before after core_before core_after up_before up_after out
    shift 2
    up_before=$(lab_upstream_queries)
    before=$(cpu_ticks "$RES_PID")
    core_before=$(core_ticks "$SERVER_CORE")
    # shellcheck disable=SC2086  # DNSPERF_ARGS is a list of flags
    out=$( { TIMEFORMAT='%R %U %S'; time taskset -c "$CLIENT_CORE" dnsperf -s "${ADDR[$name]}" -p "$LAB_PORT" \
        -d "$queries" -T 1 $DNSPERF_ARGS "$@" -O suppress=timeout,unexpected 2>&1; } 2>&1)
    after=$(cpu_ticks "$RES_PID")
    core_after=$(core_ticks "$SERVER_CORE")
    up_after=$(lab_upstream_queries)
    printf '%s\n' "$out" >>"$WORK/dnsperf.log"
    awk -v ticks=$((after - before)) -v core=$((core_after - core_before)) -v hz="$CLK_TCK" \
        -v up=$((up_after - up_before)) '
        /Queries per second:/ { qps = $4 }
        /Queries completed:/ { done = $3 }
        /Queries lost:/ { lost = $3 }
        /^[0-9.]+ [0-9.]+ [0-9.]+$/ { wall = $1; perf = $2 + $3 }
        END { o = (core - ticks) / hz; if (o < 0) o = 0
              printf "%s %s %s %.3f %.3f %.3f %.3f %d\n", qps, done, lost, ticks / hz, perf, wall, o, up }' <<<"$out"
}

# gen_names PREFIX N FILE: N distinct names under the lab's wildcard.
gen_names() {
    awk -v p="$1" -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%d.wild.a.test. A\n", p, i }' >"$3"
}

# lab_run NAME: the lab's questions once each with dig; prints "questions upstream wall_s".
lab_run() {
    local name=$1 q0 q1 start end n=0 qname qtype
    q0=$(lab_upstream_queries)
    start=$(date +%s.%N)
    while read -r qname qtype _; do
        n=$((n + 1))
        taskset -c "$CLIENT_CORE" dig @"${ADDR[$name]}" -p "$LAB_PORT" +tries=1 +time=5 "$qname" "$qtype" >/dev/null 2>&1 || true
    done < <(lab_questions)
    end=$(date +%s.%N)
    q1=$(lab_upstream_queries)
    awk -v n="$n" -v u=$((q1 - q0)) -v s="$start" -v e="$end" 'BEGIN { printf "%d %d %.2f\n", n, u, e - s }'
}

# bench_one NAME RUN: the three measurements of one run; appends to $WORK/NAME.{hit,lab,cold}.
bench_one() {
    local name=$1 run=$2 line
    # (a) cache hits
    start_resolver "$name" || return 1
    run_dnsperf "$name" "$WORK/hot" -n 1 -t 5 >"$WORK/warm" # fill the cache
    line=$(run_dnsperf "$name" "$WORK/hot" -l "$DURATION" -t 1)
    log "  $name run $run hit:  $line (warm-up: $(cat "$WORK/warm"))"
    echo "$line" >>"$WORK/$name.hit"
    stop_resolver
    # (b) the lab's questions, cold
    start_resolver "$name" || return 1
    line=$(lab_run "$name")
    log "  $name run $run lab:  $line"
    echo "$line" >>"$WORK/$name.lab"
    stop_resolver
    # (c) distinct names, cold
    start_resolver "$name" || return 1
    line=$(run_dnsperf "$name" "$WORK/cold" -n 1 -t 5)
    log "  $name run $run cold: $line"
    echo "$line" >>"$WORK/$name.cold"
    stop_resolver
}

# median: the middle line of numbers on stdin (the lower middle for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# col FILE AWK-EXPR: the median over the runs of FILE of an expression of its columns.
col() { awk "{ print $2 }" "$1" | median; }

# The awk expressions given to col are in single quotes on purpose.
# shellcheck disable=SC2016
print_tables() {
    local name f
    echo "### Cache hits: $NAMES names, ${DURATION}s, median of $RUNS runs"
    echo
    echo "| resolver | qps | cpu-s | q/cpu-s | µs cpu/q | cpu% | perf% | oth% | lost | upstream |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in $RESOLVERS; do
        f="$WORK/$name.hit"
        if [ ! -s "$f" ]; then echo "| $name | not available | | | | | | | | |"; continue; fi
        printf '| %s | %.0f | %.2f | %.0f | %.1f | %.0f | %.0f | %.0f | %s | %s |\n' "$name" \
            "$(col "$f" '$1')" "$(col "$f" '$4')" "$(col "$f" '($4 > 0 ? $2 / $4 : 0)')" \
            "$(col "$f" '($2 > 0 ? 1e6 * $4 / $2 : 0)')" "$(col "$f" '($6 > 0 ? 100 * $4 / $6 : 0)')" \
            "$(col "$f" '($6 > 0 ? 100 * $5 / $6 : 0)')" "$(col "$f" '($6 > 0 ? 100 * $7 / $6 : 0)')" \
            "$(col "$f" '$3')" "$(col "$f" '$8')"
    done
    echo
    echo "### Cold cache: the lab's questions once each; $COLD_NAMES distinct names by dnsperf; median of $RUNS runs"
    echo
    echo "| resolver | lab questions | upstream | upstream/q | wall s | cold qps | upstream/q | µs cpu/q | lost |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in $RESOLVERS; do
        if [ ! -s "$WORK/$name.lab" ]; then echo "| $name | not available | | | | | | | |"; continue; fi
        f="$WORK/$name.lab"
        printf '| %s | %s | %s | %.2f | %.2f ' "$name" "$(col "$f" '$1')" "$(col "$f" '$2')" \
            "$(col "$f" '($1 > 0 ? $2 / $1 : 0)')" "$(col "$f" '$3')"
        f="$WORK/$name.cold"
        printf '| %.0f | %.2f | %.1f | %s |\n' "$(col "$f" '$1')" "$(col "$f" '($2 > 0 ? $8 / $2 : 0)')" \
            "$(col "$f" '($2 > 0 ? 1e6 * $4 / $2 : 0)')" "$(col "$f" '$3')"
    done
}

# ---------------------------------------------------------------- main

install_tools
build_banyan
gen_names h "$NAMES" "$WORK/hot"
gen_names c "$COLD_NAMES" "$WORK/cold"
log "bench: starting the lab"
lab_start "$WORK/lab"
available=()
for name in $RESOLVERS; do
    if [ "$name" = banyan ] && ! lab_banyan_has_resolver "$BANYAN"; then
        log "bench: banyan resolver not available ($BANYAN resolver --help fails)"
        continue
    fi
    available+=("$name")
done
for run in $(seq "$RUNS"); do
    for name in "${available[@]}"; do
        bench_one "$name" "$run" || log "bench: $name run $run failed"
    done
done
echo "dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2 }'): -T 1 $DNSPERF_ARGS;" \
    "resolver on core $SERVER_CORE, dnsperf and the lab on core $CLIENT_CORE;" \
    "$(unbound -V 2>/dev/null | awk '/^Version/ { print "unbound " $2 }')"
echo
print_tables
