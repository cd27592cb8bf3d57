#!/usr/bin/env bash
# Authoritative servers under load, side by side: NSD, Knot DNS, BIND and `banyan auth`
# serve the same generated zone, each pinned to core 0 with one worker, while a load generator
# (pinned to core 1: dnsperf, then banyan-loadgen) replays the same query mix against one of
# them at a time. Each is loaded first alone (for its load time and memory) and stopped, then
# all are started again and measured round-robin, so that a neighbour on a shared machine
# weighs on every server's runs alike.
#
#   bench/auth.sh                       # 100k- and 1M-name zones, 3 runs of 10 s each
#   NAMES=100000 RUNS=1 bench/auth.sh   # a quick look
#   LOADGEN=dnsperf bench/auth.sh       # load from dnsperf only (default: both generators)
#
# For each zone size and server the table gives:
#   qps        queries/s answered, as the load generator reports it (median of the runs);
#   q/cpu-s    queries answered per CPU-second of the server's processes (utime+stime from
#              /proc, summed over the server and its children): this stays comparable when
#              the load generator on one core, not the server, is the ceiling;
#   cpu%       the server's CPU use during the runs (100% = the whole of core 0);
#   perf%      the load generator's own CPU use (100% = the whole of core 1). With dnsperf,
#              100 means dnsperf is the ceiling. banyan-loadgen busy-polls, so it is always
#              near 100: read the server's cpu% instead (near 100: the server is the ceiling);
#   oth%       CPU of the server's core used by anything else during the runs (from
#              /proc/stat): on a shared machine a neighbour (a fuzzer, a build) takes its share
#              and qps drops with it, while q/cpu-s barely moves;
#   usr/q sys/q the server's user and kernel (system) CPU microseconds per answered query
#              (utime and stime apart): how much of its cost is its own code and how much the
#              kernel's receiving and sending, which every server pays and which grows when
#              the generator, not the server, is the ceiling (smaller batches, more wakeups);
#   load s     seconds from starting the server to its first answer from the zone;
#   mem MB     memory after load: the PSS (proportional set size, /proc/PID/smaps_rollup)
#              summed over the server's processes. For a single process it is its resident
#              size (VmRSS); for NSD, whose server child shares the zone with its parent
#              copy-on-write, summing VmRSS would count those pages twice;
#   x qps, x q/cpu: the server's figure divided by Banyan's in the same round, the median
#              of those ratios over the rounds (so they can differ from the ratio of the two
#              medians on the left: a machine whose speed drifts during the bench moves both
#              sides of a same-round ratio alike);
#   x load, x mem: the server's figure divided by Banyan's.
#
# Environment:
#   NAMES        zone sizes to run, space-separated (default "100000 1000000")
#   RUNS         measured runs per server and size (default 3)
#   DURATION     seconds per run (default 10)
#   SERVERS      servers to run, in order (default "nsd knot bind banyan")
#   BANYAN       banyan binary (default: cargo build --release -p banyan, then target/release)
#   LOADGEN      the load generators, each giving a table of its own (default "dnsperf banyan"):
#                dnsperf, and banyan (bench/loadgen: sendmmsg and recvmmsg in bursts,
#                busy-polling, so that one core out-sends a one-core server). Under dnsperf the
#                servers idle part of the time and q/cpu-s includes what waiting costs each
#                (wake-ups, smaller batches); under banyan-loadgen they are saturated
#   DNSPERF_ARGS how dnsperf pushes (default "-c 1 -q 500 -b 4096": see bench/README.md)
#   LOADGEN_BIN  banyan-loadgen binary (default: cargo build --release -p banyan-loadgen)
#   LOADGEN_ARGS how banyan-loadgen pushes (default "-c 4 -q 200 -b 32": sockets, queries in
#                flight, queries per sendmmsg; 200 in flight, not 500: see bench/README.md)
#   LOAD_TIMEOUT seconds a server may take to load a zone (default 600)
#   SERVER_CORE, CLIENT_CORE  the cores for the server and the load generator (default 0 and 1)
#
# Runs as root: it binds port 53 on 127.0.55.1-4, adds 127.0.55.3/32 to `lo` for BIND (which
# listens only on interface addresses) and removes it on exit, and installs the Debian packages
# nsd, knot, bind9, dnsperf (when LOADGEN has it) and bind9-dnsutils when missing. Only
# loopback traffic.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

NAMES=${NAMES:-100000 1000000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SERVERS=${SERVERS:-nsd knot bind banyan}
LOADGEN=${LOADGEN:-dnsperf banyan}
DNSPERF_ARGS=${DNSPERF_ARGS:--c 1 -q 500 -b 4096}
LOADGEN_ARGS=${LOADGEN_ARGS:--c 4 -q 200 -b 32}
for gen in $LOADGEN; do
    case $gen in
        dnsperf | banyan) ;;
        *) printf 'bench: LOADGEN must list dnsperf and/or banyan, not %s\n' "$gen" >&2 && exit 2 ;;
    esac
done
uses() { case " $LOADGEN " in *" $1 "*) return 0 ;; *) return 1 ;; esac }
GEN=${LOADGEN%% *} # the generator run_load uses
LOAD_TIMEOUT=${LOAD_TIMEOUT:-600}
PORT=53
ZONE=bench.test.
declare -A ADDR=([nsd]=127.0.55.1 [knot]=127.0.55.2 [bind]=127.0.55.3 [banyan]=127.0.55.4)
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-bench-auth.XXXXXX")
declare -A PIDS=() # server -> PID, for every server running
ALIAS_ADDED=0

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local s
    for s in "${!PIDS[@]}"; do stop_server "$s"; done
    if [ "$ALIAS_ADDED" = 1 ]; then ip addr del "${ADDR[bind]}/32" dev lo 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

# ---------------------------------------------------------------- setup

# Installs the peers and the load generator from Debian, only when something is missing, with
# a policy-rc.d that keeps apt from starting the daemons it installs.
install_tools() {
    local missing=() policy=/usr/sbin/policy-rc.d saved=""
    have nsd || missing+=(nsd)
    have knotd || missing+=(knot)
    have named || missing+=(bind9)
    if uses dnsperf; then have dnsperf || missing+=(dnsperf); fi
    have dig || missing+=(bind9-dnsutils)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "bench: missing ${missing[*]} and not root to install them"
        exit 2
    fi
    log "bench: installing ${missing[*]}"
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

build_loadgen() {
    if ! uses banyan || [ -n "${LOADGEN_BIN:-}" ]; then return 0; fi
    cargo build --release --quiet -p banyan-loadgen
    LOADGEN_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/banyan-loadgen"
}

# BIND binds only addresses that are on an interface; 127.0.0.1/8 on lo is not enough.
add_bind_alias() {
    if ip -o addr show dev lo | grep -q " ${ADDR[bind]}/32 "; then return 0; fi
    ip addr add "${ADDR[bind]}/32" dev lo
    ALIAS_ADDED=1
}

# ---------------------------------------------------------------- zone and queries

# gen_zone N FILE: a second-level zone of about N names, in blocks of 16:
#   deleg<i>  a delegation (two NS, glue A and AAAA)           1 in 16
#   alias<i>  CNAME to host<i+1>                               1 in 16
#   host<i>   A; every 4th AAAA; every 8th MX (to itself) and TXT   14 in 16
# plus a wildcard *.wild (A, TXT) and the apex (SOA, NS with glue).
gen_zone() {
    awk -v n="$1" 'BEGIN {
        print "$ORIGIN bench.test.\n$TTL 3600"
        print "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n@ NS ns2"
        print "ns1 A 192.0.2.1\nns2 A 192.0.2.2\n*.wild A 192.0.2.3\n*.wild TXT \"wildcard\""
        for (i = 0; i < n; i++) {
            a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
            r = i % 16
            if (r == 0) {
                printf "deleg%d NS ns1.deleg%d\ndeleg%d NS ns2.deleg%d\n", i, i, i, i
                printf "ns1.deleg%d A 10.%d.%d.%d\nns2.deleg%d AAAA 2001:db8:1::%x\n", i, a, b, c, i, i % 65536
            } else if (r == 1) {
                printf "alias%d CNAME host%d\n", i, i + 1
            } else {
                printf "host%d A 10.%d.%d.%d\n", i, a, b, c
                if (i % 4 == 2) printf "host%d AAAA 2001:db8::%x\n", i, i % 65536
                if (i % 8 == 3) printf "host%d MX 10 host%d\nhost%d TXT \"v=spf1 ip4:10.0.0.0/8 -all\"\n", i, i, i
            }
        }
    }' >"$2"
}

# gen_queries N FILE: 200,000 questions (dnsperf loops over them), seeded so every server
# gets the same list:
#   45% host A, 10% host AAAA (some NODATA), 10% MX or TXT,
#   10% NXDOMAIN, 10% a name below a delegation (referral), 10% CNAME, 5% wildcard.
gen_queries() {
    awk -v n="$1" 'BEGIN {
        srand(20240601)
        blocks = int(n / 16)
        for (q = 0; q < 200000; q++) {
            p = rand(); base = int(rand() * blocks) * 16
            if (p < 0.45)      printf "host%d.bench.test. A\n", base + 2 + int(rand() * 14)
            else if (p < 0.55) printf "host%d.bench.test. AAAA\n", base + 2 + int(rand() * 14)
            else if (p < 0.60) printf "host%d.bench.test. MX\n", base + 3 + 8 * int(rand() * 2)
            else if (p < 0.65) printf "host%d.bench.test. TXT\n", base + 3 + 8 * int(rand() * 2)
            else if (p < 0.75) printf "nx%d.bench.test. A\n", int(rand() * n)
            else if (p < 0.85) printf "www.deleg%d.bench.test. A\n", base
            else if (p < 0.95) printf "alias%d.bench.test. A\n", base + 1
            else               printf "x%d.wild.bench.test. A\n", int(rand() * n)
        }
    }' >"$2"
}

# ---------------------------------------------------------------- servers

# write_config SERVER DIR: the server's configuration for the zone in DIR/bench.test.zone,
# with one worker and nothing that would slow answering down (no RRL, no query log).
write_config() {
    local server=$1 dir=$2 addr=${ADDR[$1]}
    case $server in
        nsd)
            write_nsd_conf "$dir" "rrl-ratelimit: 0"
            # RRL is a compile-time option; without it the key is an error.
            if ! nsd-checkconf "$dir/nsd.conf" >/dev/null 2>&1; then write_nsd_conf "$dir" ""; fi
            ;;
        knot)
            cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    listen: $addr@$PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
control:
    listen: "$dir/knot.sock"
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ZONE
    file: "bench.test.zone"
EOF
            ;;
        bind)
            cat >"$dir/named.conf" <<EOF
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    listen-on port $PORT { $addr; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
};
controls { };
zone "$ZONE" { type primary; file "$dir/bench.test.zone"; };
EOF
            ;;
        banyan) mkdir -p "$dir/zones" && ln -sf "$dir/bench.test.zone" "$dir/zones/bench.test.zone" ;;
    esac
}

write_nsd_conf() {
    cat >"$1/nsd.conf" <<EOF
server:
    ip-address: ${ADDR[nsd]}@$PORT
    zonesdir: "$1"
    pidfile: "$1/nsd.pid"
    username: ""
    chroot: ""
    database: ""
    zonelistfile: "$1/zone.list"
    xfrdfile: "$1/xfrd.state"
    xfrdir: "$1"
    logfile: "$1/nsd.log"
    server-count: 1
    verbosity: 0
    $2
remote-control:
    control-enable: no
zone:
    name: "$ZONE"
    zonefile: "bench.test.zone"
EOF
}

# start_server SERVER DIR: starts it in the foreground on core 0, one worker; sets PIDS[SERVER].
start_server() {
    local server=$1 dir=$2 cmd
    case $server in
        nsd) cmd=("$(command -v nsd || echo /usr/sbin/nsd)" -d -c "$dir/nsd.conf") ;;
        knot) cmd=("$(command -v knotd || echo /usr/sbin/knotd)" -c "$dir/knot.conf") ;;
        bind) cmd=("$(command -v named || echo /usr/sbin/named)" -g -n 1 -U 1 -c "$dir/named.conf") ;;
        banyan) cmd=("$BANYAN" auth --zones "$dir/zones" --listen "${ADDR[banyan]}:$PORT" --workers 1) ;;
    esac
    taskset -c "$SERVER_CORE" "${cmd[@]}" >"$dir/server.log" 2>&1 &
    PIDS[$server]=$!
}

# tree PID: the process and its descendants (NSD forks its server and xfrd children).
tree() {
    local pid=$1 child
    echo "$pid"
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do tree "$child"; done
}

# cpu_ticks PID: "utime stime" of the process tree, in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the parenthesised command name, which may hold spaces).
cpu_ticks() {
    local p user=0 sys=0 u s
    for p in $(tree "$1"); do
        read -r u s < <(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12, $13 }') || true
        user=$((user + ${u:-0}))
        sys=$((sys + ${s:-0}))
    done
    echo "$user $sys"
}

# pss_kb PID: the proportional set size of the process tree, in kB.
pss_kb() {
    local p total=0 k
    for p in $(tree "$1"); do
        k=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) || k=0
        total=$((total + ${k:-0}))
    done
    echo "$total"
}

# stop_server SERVER: TERM, then KILL after 10 s, to the process and whatever children remain.
stop_server() {
    local pid=${PIDS[$1]} pids p alive
    pids=$(tree "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    # NSD's children exit a moment after their parent: wait for the whole tree.
    for _ in $(seq 100); do
        alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    wait "$pid" 2>/dev/null || true
    unset "PIDS[$1]"
}

# wait_loaded SERVER: polls (from core 1) until the server answers a name from the zone with
# NOERROR, for at most LOAD_TIMEOUT seconds; prints the seconds it took.
wait_loaded() {
    local server=$1 start now
    start=$(date +%s.%N)
    while :; do
        if ! kill -0 "${PIDS[$server]}" 2>/dev/null; then
            log "bench: $server exited while loading"
            return 1
        fi
        if taskset -c "$CLIENT_CORE" dig @"${ADDR[$server]}" -p "$PORT" +time=1 +tries=1 +norec +short \
            host2.bench.test. A 2>/dev/null | grep -q '^10\.'; then
            break
        fi
        now=$(date +%s.%N)
        if awk -v s="$start" -v n="$now" -v t="$LOAD_TIMEOUT" 'BEGIN { exit !(n - s > t) }'; then
            log "bench: $server did not answer within ${LOAD_TIMEOUT}s"
            return 1
        fi
        sleep 0.05
    done
    now=$(date +%s.%N)
    awk -v s="$start" -v n="$now" 'BEGIN { printf "%.2f\n", n - s }'
}

# core_ticks CORE: busy clock ticks of one core (user nice system irq softirq steal).
core_ticks() {
    awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# load_command SERVER QUERIES SECONDS: sets LOAD_CMD to the command line of the load
# generator $GEN.
# Both generators print the same summary lines ("Queries completed:", "Queries lost:",
# "Queries per second:"), which run_load reads.
load_command() {
    local server=$1 queries=$2 secs=$3
    if [ "$GEN" = banyan ]; then
        # shellcheck disable=SC2206  # LOADGEN_ARGS is a list of flags
        LOAD_CMD=("$LOADGEN_BIN" -s "${ADDR[$server]}" -p "$PORT" -d "$queries" -l "$secs" -t 1 $LOADGEN_ARGS)
    else
        # shellcheck disable=SC2206,SC2054  # DNSPERF_ARGS is a list of flags; the commas are an option value
        LOAD_CMD=(dnsperf -s "${ADDR[$server]}" -p "$PORT" -d "$queries" -l "$secs" -t 1 -T 1 $DNSPERF_ARGS
            -O suppress=timeout,unexpected)
    fi
}

# run_load SERVER QUERIES SECONDS: one load generator run on core 1; prints
# "qps completed server_cpu_s loadgen_cpu_s wall_s lost others_cpu_s server_user_s" where
# others_cpu_s is the time the server's core spent on anything but the server. A query
# unanswered after 1 s (-t 1) is lost: on loopback an answer takes microseconds, and dnsperf's default 5 s would
# stretch every run in which a server drops a few queries.
run_load() {
    local server=$1 queries=$2 secs=$3 before after out core_before core_after
    local user_before sys_before user_after sys_after
    read -r user_before sys_before < <(cpu_ticks "${PIDS[$server]}")
    core_before=$(core_ticks "$SERVER_CORE")
    load_command "$server" "$queries" "$secs"
    out=$( { TIMEFORMAT='%R %U %S'; time taskset -c "$CLIENT_CORE" "${LOAD_CMD[@]}" 2>&1; } 2>&1)
    read -r user_after sys_after < <(cpu_ticks "${PIDS[$server]}")
    before=$((user_before + sys_before))
    after=$((user_after + sys_after))
    core_after=$(core_ticks "$SERVER_CORE")
    printf '%s\n' "$out" >>"$WORK/load.log"
    awk -v ticks=$((after - before)) -v user=$((user_after - user_before)) \
        -v core=$((core_after - core_before)) -v hz="$CLK_TCK" '
        /Queries per second:/ { qps = $4 }
        /Queries completed:/ { done = $3 }
        /Queries lost:/ { lost = $3 }
        /^[0-9.]+ [0-9.]+ [0-9.]+$/ { wall = $1; perf = $2 + $3 }
        END { o = (core - ticks) / hz; if (o < 0) o = 0
              printf "%s %s %.3f %.3f %.3f %s %.3f %.3f\n", qps, done, ticks / hz, perf, wall, lost, o, user / hz }' <<<"$out"
}

# median: the middle line of numbers on stdin (the lower middle for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# load_one SERVER N ZONEFILE: starts the server alone (no other server running), records its
# load time and memory in $WORK/N/SERVER/load ("load_s mem_kb"), and stops it; a server that
# fails to load is left out of the runs.
load_one() {
    local server=$1 n=$2 zonefile=$3 dir="$WORK/$2/$1" load
    mkdir -p "$dir"
    cp "$zonefile" "$dir/bench.test.zone"
    write_config "$server" "$dir"
    start_server "$server" "$dir"
    if ! load=$(wait_loaded "$server"); then
        log "$(tail -n 20 "$dir/server.log")"
        stop_server "$server"
        return 1
    fi
    sleep 1 # let a server finish what it does right after the first answer before measuring memory
    echo "$load $(pss_kb "${PIDS[$server]}")" >"$dir/load"
    stop_server "$server"
}

# start_one SERVER N: starts the server loaded by load_one again, for the runs, and warms it up.
start_one() {
    local server=$1 dir="$WORK/$2/$1"
    start_server "$server" "$dir"
    if ! wait_loaded "$server" >/dev/null; then
        log "$(tail -n 20 "$dir/server.log")"
        stop_server "$server"
        return 1
    fi
    run_load "$server" "$QUERIES" 2 >/dev/null # warm-up: page in the zone, fill caches
}

# bench_size N: loads the zone of N names into every server, then measures them round-robin
# (run 1 of each server, then run 2 of each…) so that whatever else a shared machine is doing
# falls on all of them alike, with each load generator in turn; appends "N server qps q/cpu
# cpu% perf% load mem_mb oth% usr/q sys/q x_qps x_qcpu" lines to $WORK/results-GENERATOR.
bench_size() {
    local n=$1 server r line gen loaded=()
    log "bench: generating a zone of $n names and its queries"
    gen_zone "$n" "$WORK/zone-$n"
    QUERIES="$WORK/queries-$n"
    gen_queries "$n" "$QUERIES"
    # Each is loaded and timed alone, then stopped: loaded while the others run, a server
    # shares core 0 with whatever they do after their own load (zone maintenance), which
    # once added a second to Banyan's load time of the 1M-name zone. Then all are started
    # again for the runs.
    for server in $SERVERS; do
        log "bench: loading $server, $n names"
        if load_one "$server" "$n" "$WORK/zone-$n"; then loaded+=("$server"); fi
    done
    local started=()
    for server in "${loaded[@]}"; do
        if start_one "$server" "$n"; then started+=("$server"); fi
    done
    loaded=("${started[@]}")
    rm -f "$WORK/zone-$n"
    for GEN in $LOADGEN; do
        for r in $(seq "$RUNS"); do
            for server in "${loaded[@]}"; do
                line=$(run_load "$server" "$QUERIES" "$DURATION")
                log "  $server N=$n $GEN run $r: $line"
                echo "$line" >>"$WORK/$n/$server/runs-$GEN"
            done
        done
    done
    GEN=${LOADGEN%% *}
    for server in "${loaded[@]}"; do stop_server "$server"; done
    for gen in $LOADGEN; do
        for server in $SERVERS; do
            local dir="$WORK/$n/$server" runs="$WORK/$n/$server/runs-$gen" qps qcpu cpu perf other load mem
            if [ ! -s "$runs" ]; then
                printf '%s %s - - - - - - - - - - -\n' "$n" "$server" >>"$WORK/results-$gen"
                continue
            fi
            read -r load mem <"$dir/load"
            qps=$(awk '{ print $1 }' "$runs" | median)
            qcpu=$(awk '$3 > 0 { print $2 / $3 }' "$runs" | median)
            cpu=$(awk '$5 > 0 { print 100 * $3 / $5 }' "$runs" | median)
            perf=$(awk '$5 > 0 { print 100 * $4 / $5 }' "$runs" | median)
            other=$(awk '$5 > 0 { print 100 * $7 / $5 }' "$runs" | median)
            usr=$(awk '$2 > 0 { print 1e6 * $8 / $2 }' "$runs" | median)
            sys=$(awk '$2 > 0 { print 1e6 * ($3 - $8) / $2 }' "$runs" | median)
            # Ratios to Banyan round by round (line r of each runs file is round r), then
            # their median: a machine that slows down halfway through slows both sides of
            # each ratio alike, where the ratio of two medians can pair a fast round of one
            # server with a slow round of the other.
            local banyan_runs="$WORK/$n/banyan/runs-$gen" xqps=- xqcpu=-
            if [ -s "$banyan_runs" ]; then
                xqps=$(paste -d' ' "$runs" "$banyan_runs" | awk 'NF == 16 && $9 > 0 { print $1 / $9 }' | median)
                xqcpu=$(paste -d' ' "$runs" "$banyan_runs" |
                    awk 'NF == 16 && $3 > 0 && $10 > 0 && $11 > 0 { print ($2 / $3) / ($10 / $11) }' | median)
            fi
            printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$n" "$server" "$qps" "$qcpu" "$cpu" "$perf" "$load" \
                "$((mem / 1024))" "$other" "$usr" "$sys" "${xqps:--}" "${xqcpu:--}" >>"$WORK/results-$gen"
        done
    done
    rm -rf "${WORK:?}/$n"
}

# ---------------------------------------------------------------- report

# print_table RESULTS: the table of one load generator's results.
print_table() {
    printf '%-8s %-7s %9s %9s %5s %5s %5s %5s %5s %7s %7s | %6s %7s %6s %6s\n' \
        names server qps q/cpu-s cpu% perf% oth% usr/q sys/q "load s" "mem MB" "x qps" "x q/cpu" "x load" "x mem"
    awk '
        { n[NR] = $1; s[NR] = $2; for (i = 3; i <= 13; i++) v[NR, i] = $i
          if ($2 == "banyan") for (i = 3; i <= 13; i++) b[$1, i] = $i }
        function ratio(x, y) { return (x == "-" || y == "-" || y + 0 == 0) ? "-" : sprintf("%.2f", x / y) }
        END {
            for (r = 1; r <= NR; r++) {
                printf "%-8s %-7s %9s %9s %5s %5s %5s %5s %5s %7s %7s | %6s %7s %6s %6s\n", n[r], s[r],
                    fmt(v[r, 3], 0), fmt(v[r, 4], 0), fmt(v[r, 5], 0), fmt(v[r, 6], 0), fmt(v[r, 9], 0),
                    fmt(v[r, 10], 2), fmt(v[r, 11], 2), v[r, 7], v[r, 8],
                    fmt(v[r, 12], 2), fmt(v[r, 13], 2),
                    ratio(v[r, 7], b[n[r], 7]), ratio(v[r, 8], b[n[r], 8])
            }
        }
        function fmt(x, d) { return x == "-" ? "-" : sprintf("%." d "f", x) }' "$1"
}

# ---------------------------------------------------------------- main

install_tools
build_banyan
build_loadgen
case " $SERVERS " in *" bind "*) add_bind_alias ;; esac
for gen in $LOADGEN; do : >"$WORK/results-$gen"; done
for n in $NAMES; do
    bench_size "$n"
done
for gen in $LOADGEN; do
    if [ "$gen" = banyan ]; then
        echo "banyan-loadgen $LOADGEN_ARGS, ${DURATION}s x $RUNS runs (median);" \
            "server on core $SERVER_CORE, banyan-loadgen on core $CLIENT_CORE (perf% = banyan-loadgen's CPU," \
            "always near 100: it busy-polls)"
    else
        echo "dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2 }'): -T 1 $DNSPERF_ARGS, ${DURATION}s x $RUNS runs (median);" \
            "server on core $SERVER_CORE, dnsperf on core $CLIENT_CORE"
    fi
    print_table "$WORK/results-$gen"
    echo
done
