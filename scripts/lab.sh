# shellcheck shell=bash disable=SC2034  # LAB_PID and the LAB_* settings are used by the sourcing scripts
# The resolver lab: a small DNS hierarchy on loopback, served by NSD and Knot DNS, for
# testing and benchmarking recursive resolvers (Unbound, `banyan resolver`). Sourced by
# scripts/interop (suite_resolver) and bench/resolver.sh; the zone files, the root hints and
# the questions are checked in under scripts/lab/.
#
#   server     software  addresses (port LAB_PORT)   zones
#   root-nsd   NSD       127.0.60.1                  .
#   root-knot  Knot      127.0.60.2                  .
#   tld-nsd    NSD       127.0.61.1 127.0.62.1       test. lab.
#   tld-knot   Knot      127.0.61.2 127.0.62.2       test. lab.
#   sld-nsd    NSD       127.0.63.1 127.0.64.1       a.test. c.test. example.test. dead.test.
#                                                    b.lab. dns-host.lab.
#   sld-knot   Knot      127.0.63.2 127.0.64.2       the same, and lame.test.
#   (dead)     nothing   127.0.63.99                 named as dead.test.'s ns1
#
# The root zone names a.root.lab. and b.root.lab.; scripts/lab/hints is the root hints file
# that points a resolver at them. Addresses are in the zone files, so they are fixed.
#
# Every server's query counter can be read with `lab_upstream_queries` (NSD through
# nsd-control on a unix socket, Knot through mod-stats and knotc): the sum is the number of
# queries the resolvers sent upstream, counted the same way whichever resolver sent them
# (queries to the dead address are not counted: nothing receives them).
#
# The caller sets (or keeps the defaults of):
#   LAB_PORT        port of every server (default 53). Unbound always sends its upstream
#                   queries to port 53, so the lab must be on 53 to compare with it.
#   LAB_AUTH_WRAP   array: a command prefix for the authoritative servers (e.g. taskset -c 1)
#   LAB_RES_WRAP    array: a command prefix for the resolvers (e.g. taskset -c 0)
# and stops everything with `lab_stop_all` in its exit trap.

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/lab" && pwd)
LAB_PORT=${LAB_PORT:-53}
LAB_HINTS="$LAB_SRC/hints"
LAB_QUESTIONS="$LAB_SRC/questions"
if ! declare -p LAB_AUTH_WRAP >/dev/null 2>&1; then LAB_AUTH_WRAP=(); fi
if ! declare -p LAB_RES_WRAP >/dev/null 2>&1; then LAB_RES_WRAP=(); fi

# name software addresses zones (addresses and zones comma-separated)
LAB_SERVERS="root-nsd nsd 127.0.60.1 .
root-knot knot 127.0.60.2 .
tld-nsd nsd 127.0.61.1,127.0.62.1 test.,lab.
tld-knot knot 127.0.61.2,127.0.62.2 test.,lab.
sld-nsd nsd 127.0.63.1,127.0.64.1 a.test.,c.test.,example.test.,dead.test.,b.lab.,dns-host.lab.
sld-knot knot 127.0.63.2,127.0.64.2 a.test.,c.test.,example.test.,dead.test.,b.lab.,dns-host.lab.,lame.test."

LAB_PID=             # set by lab_start_unbound and lab_start_banyan
LAB_AUTH_PIDS=()    # every authoritative server running
LAB_AUTH_DIRS=()    # and its directory (for its counters), in the same order
LAB_AUTH_KINDS=()

lab_log() { printf '%s\n' "$*" >&2; }

# lab_zonefile ZONE: the checked-in file of a zone.
lab_zonefile() {
    if [ "$1" = . ]; then echo "$LAB_SRC/root.zone"; else echo "$LAB_SRC/${1%.}.zone"; fi
}

# lab_tree PID: the process and its descendants (NSD forks a server child and xfrd).
lab_tree() {
    local pid=$1 child
    echo "$pid"
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do lab_tree "$child"; done
}

# lab_stop_pid PID…: TERM to each process (ones we started, by PID only), then KILL after
# 5 s to whatever is left of them and their children. All at once: NSD takes about 2 s to stop.
lab_stop_pid() {
    local pid pids="" p alive
    for pid in "$@"; do pids="$pids $(lab_tree "$pid")"; done
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# lab_answers ADDR ZONE: true when the server at ADDR answers ZONE's SOA authoritatively.
lab_answers() {
    dig @"$1" -p "$LAB_PORT" +norec +time=1 +tries=1 "$2" SOA 2>/dev/null | grep -q 'flags: qr aa'
}

lab_write_nsd_conf() {
    local dir=$1 addrs=$2 zones=$3 a z
    {
        printf 'server:\n'
        for a in ${addrs//,/ }; do printf '    ip-address: %s@%s\n' "$a" "$LAB_PORT"; done
        cat <<EOF
    zonesdir: "$dir"
    pidfile: "$dir/nsd.pid"
    username: ""
    chroot: ""
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    logfile: "$dir/nsd.log"
    server-count: 1
    verbosity: 1
    $4
remote-control:
    control-enable: yes
    control-interface: "$dir/nsd.ctl"
EOF
        for z in ${zones//,/ }; do
            printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$z" "$(lab_zonefile "$z")"
        done
    } >"$dir/nsd.conf"
}

lab_write_knot_conf() {
    local dir=$1 addrs=$2 zones=$3 a z
    {
        cat <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
EOF
        printf '    listen: [ '
        local sep=""
        for a in ${addrs//,/ }; do printf '%s%s@%s' "$sep" "$a" "$LAB_PORT"; sep=", "; done
        printf ' ]\n'
        cat <<EOF
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
control:
    listen: "$dir/knot.sock"
mod-stats:
  - id: lab
    request-protocol: on
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    global-module: mod-stats/lab
zone:
EOF
        for z in ${zones//,/ }; do
            printf '  - domain: "%s"\n    file: "%s"\n' "$z" "$(lab_zonefile "$z")"
        done
    } >"$dir/knot.conf"
}

# lab_start DIR: starts every authoritative server of the lab under DIR and waits until each
# answers for its zones on each of its addresses (at most 10 s). Returns 1, with the logs on
# stderr, when one does not.
lab_start() {
    local base=$1 name kind addrs zones dir pid a z i ok
    mkdir -p "$base"
    local nsd_bin knot_bin
    nsd_bin=$(command -v nsd || echo /usr/sbin/nsd)
    knot_bin=$(command -v knotd || echo /usr/sbin/knotd)
    while read -r name kind addrs zones; do
        dir="$base/$name"
        mkdir -p "$dir/db"
        case $kind in
            nsd)
                lab_write_nsd_conf "$dir" "$addrs" "$zones" "rrl-ratelimit: 0"
                # RRL is a compile-time option; without it the key is an error.
                if ! "$(command -v nsd-checkconf || echo /usr/sbin/nsd-checkconf)" "$dir/nsd.conf" >/dev/null 2>&1; then
                    lab_write_nsd_conf "$dir" "$addrs" "$zones" ""
                fi
                "${LAB_AUTH_WRAP[@]}" "$nsd_bin" -d -c "$dir/nsd.conf" >"$dir/out.log" 2>&1 &
                ;;
            knot)
                lab_write_knot_conf "$dir" "$addrs" "$zones"
                "${LAB_AUTH_WRAP[@]}" "$knot_bin" -c "$dir/knot.conf" >"$dir/out.log" 2>&1 &
                ;;
        esac
        pid=$!
        LAB_AUTH_PIDS+=("$pid")
        LAB_AUTH_DIRS+=("$dir")
        LAB_AUTH_KINDS+=("$kind")
    done <<<"$LAB_SERVERS"
    i=0
    while read -r name kind addrs zones; do
        pid=${LAB_AUTH_PIDS[$i]}
        dir=${LAB_AUTH_DIRS[$i]}
        i=$((i + 1))
        for a in ${addrs//,/ }; do
            for z in ${zones//,/ }; do
                ok=0
                for _ in $(seq 100); do
                    if ! kill -0 "$pid" 2>/dev/null; then break; fi
                    if lab_answers "$a" "$z"; then ok=1; break; fi
                    sleep 0.1
                done
                if [ $ok = 0 ]; then
                    lab_log "lab: $name ($kind) does not answer for $z at $a" \
                        "$(cat "$dir/out.log" "$dir/nsd.log" 2>/dev/null | tail -n 20)"
                    return 1
                fi
            done
        done
    done <<<"$LAB_SERVERS"
}

# lab_stop: stops the authoritative servers.
lab_stop() {
    if [ ${#LAB_AUTH_PIDS[@]} -gt 0 ]; then lab_stop_pid "${LAB_AUTH_PIDS[@]}"; fi
    LAB_AUTH_PIDS=()
    LAB_AUTH_DIRS=()
    LAB_AUTH_KINDS=()
}

# lab_upstream_queries: the number of queries the authoritative servers have received since
# they started (UDP and TCP), summed over all of them; `?` when a server's counter cannot be
# read (a check comparing counts must then fail, not compare zeros).
lab_upstream_queries() {
    local i total=0 n dir
    for i in "${!LAB_AUTH_PIDS[@]}"; do
        dir=${LAB_AUTH_DIRS[$i]}
        n=
        case ${LAB_AUTH_KINDS[$i]} in
            nsd)
                n=$("$(command -v nsd-control || echo /usr/sbin/nsd-control)" -c "$dir/nsd.conf" stats_noreset 2>/dev/null |
                    awk -F= '$1 == "num.queries" { print $2 }')
                ;;
            knot)
                n=$("$(command -v knotc || echo /usr/sbin/knotc)" -c "$dir/knot.conf" stats mod-stats.request-protocol 2>/dev/null |
                    awk -F' = ' '{ s += $2 } END { print s + 0 }')
                ;;
        esac
        if ! [[ ${n:-} =~ ^[0-9]+$ ]]; then
            echo "?"
            return 0
        fi
        total=$((total + n))
    done
    echo "$total"
}

# lab_questions: the questions, `NAME TYPE RCODE ANSWER SOA`, without comments.
lab_questions() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAB_QUESTIONS"
}

# lab_write_unbound_conf DIR ADDR THREADS [EXTRA]: an iterating Unbound for the lab, on
# ADDR:LAB_PORT, its files under DIR; EXTRA is appended to the server: clause.
#
# discard-timeout: 0 (where this Unbound knows the option, as Debian's 1.17.1 does): by default
# Unbound drops a client's query, unanswered, when resolving it took more than 1.9 s, counting
# on the client to retry. Asking www.dead.test. takes 2.3 s when Unbound picks the dead server
# first (it waits out 376+376+752+752 ms of timeouts though each send gets "connection
# refused" at once), and the suite's single try would then see no answer at all.
lab_write_unbound_conf() {
    local dir=$1 addr=$2 threads=$3 extra=${4:-}
    lab_write_unbound_conf_with "$dir" "$addr" "$threads" "discard-timeout: 0
    $extra"
    if ! "$(command -v unbound-checkconf || echo /usr/sbin/unbound-checkconf)" "$dir/unbound.conf" >/dev/null 2>&1; then
        lab_write_unbound_conf_with "$dir" "$addr" "$threads" "$extra"
    fi
}

lab_write_unbound_conf_with() {
    local dir=$1 addr=$2 threads=$3 extra=$4
    mkdir -p "$dir"
    cat >"$dir/unbound.conf" <<EOF
server:
    interface: $addr
    port: $LAB_PORT
    num-threads: $threads
    do-ip6: no
    do-not-query-localhost: no
    local-zone: "test." nodefault
    root-hints: "$LAB_HINTS"
    module-config: "iterator"
    qname-minimisation: yes
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    use-syslog: no
    logfile: "$dir/unbound.log"
    verbosity: 1
    $extra
remote-control:
    control-enable: no
EOF
}

# lab_start_unbound DIR ADDR THREADS [EXTRA]: starts Unbound in the foreground (in the
# background of the caller); sets LAB_PID to its PID.
lab_start_unbound() {
    lab_write_unbound_conf "$@"
    "${LAB_RES_WRAP[@]}" "$(command -v unbound || echo /usr/sbin/unbound)" -d -c "$1/unbound.conf" \
        >"$1/out.log" 2>&1 &
    LAB_PID=$!
}

# lab_start_banyan BANYAN DIR ADDR WORKERS: starts `banyan resolver`; sets LAB_PID to its PID.
# The lab is unsigned and Unbound runs it without a trust anchor: Banyan does not validate
# either (--no-validate), so both are compared doing the same work.
lab_start_banyan() {
    local banyan=$1 dir=$2 addr=$3 workers=$4
    mkdir -p "$dir"
    "${LAB_RES_WRAP[@]}" "$banyan" resolver --listen "$addr:$LAB_PORT" --root-hints "$LAB_HINTS" \
        --upstream-port "$LAB_PORT" --no-default-local-zones --no-validate --workers "$workers" \
        >"$dir/out.log" 2>&1 &
    LAB_PID=$!
}

# lab_banyan_has_resolver BANYAN: true when the binary has the `resolver` subcommand.
lab_banyan_has_resolver() {
    "$1" resolver --help >/dev/null 2>&1
}

# lab_wait_listening PID ADDR: waits (at most 10 s) until the process listens on ADDR:LAB_PORT
# over UDP, without asking it anything (a question would fill its cache and the servers'
# counters).
lab_wait_listening() {
    local pid=$1 addr=$2
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 1
        if ss -Hlun "src = $addr:$LAB_PORT" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.1
    done
    return 1
}
