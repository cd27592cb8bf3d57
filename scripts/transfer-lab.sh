# shellcheck shell=bash disable=SC2034  # XLAB_STARTED and the addresses are used by scripts/interop
# The zone-propagation lab of the `transfer` suite (scripts/interop): Banyan as a primary
# with NSD, Knot and BIND as its secondaries, and Banyan as a secondary of BIND and Knot,
# every transfer and NOTIFY signed with TSIG. Sourced; the caller sets PORT and calls
# `xlab_stop_all` in its exit trap.
#
#   address (XLAB_NET.x)  server                   zones
#   .1                    banyan serve (primary)   xfr.test. (managed: UPDATE, NOTIFY out)
#   .2                    NSD secondary            xfr.test. from .1
#   .3                    Knot secondary           xfr.test. from .1
#   .4                    BIND secondary           xfr.test. from .1
#   .5                    Knot primary             fromknot.test. (UPDATE with ddns.test.)
#   .6                    BIND primary             frombind.test. (UPDATE with ddns.test.), big.test.
#   .7                    banyan serve (secondary) fromknot.test. from .5, frombind.test. and
#                                                  big.test. from .6
#
# BIND listens only on addresses configured on an interface: its two addresses get a /32
# alias on `lo` (removed again by xlab_stop_all). The keys: xfr.test. for transfers and
# NOTIFY, ddns.test. for UPDATE (fresh secrets every run, from tsig-keygen).

XLAB_NET=${INTEROP_TRANSFER_NET:-127.0.71}
XLAB_BANYAN=$XLAB_NET.1
XLAB_NSD=$XLAB_NET.2
XLAB_KNOT=$XLAB_NET.3
XLAB_BIND=$XLAB_NET.4
XLAB_KNOT_PRIMARY=$XLAB_NET.5
XLAB_BIND_PRIMARY=$XLAB_NET.6
XLAB_BANYAN_SECONDARY=$XLAB_NET.7

XLAB_STARTED=        # the PID of the server an xlab_start_* function started last
XLAB_PIDS=()         # every server running that the lab started
XLAB_ADDED_ADDRS=()  # the aliases added to lo
XLAB_XFR_SECRET=     # set by xlab_keys
XLAB_DDNS_SECRET=
XLAB_WRONG_SECRET=
# The names UPDATE may change in xfr.test. (update_policy `names`, NamePattern in
# crates/banyan-auth/src/update.rs: `*.xfr.test.` is every name strictly below the apex).
XLAB_UPDATE_NAMES='*.xfr.test.'

xlab_bin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# xlab_tools: the commands the lab needs that are missing (none: prints nothing).
xlab_tools() {
    local t
    for t in nsd nsd-checkconf knotd knotc named named-checkconf nsupdate tsig-keygen knsupdate \
        dig kdig ip ss; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || printf '%s ' "$t"
    done
}

# xlab_keys DIR: fresh hmac-sha256 secrets for xfr.test. and ddns.test. (and a wrong one
# for ddns.test.), written as BIND key clauses to DIR/xfr.key and DIR/ddns.key.
xlab_keys() {
    local dir=$1
    mkdir -p "$dir"
    "$(xlab_bin tsig-keygen)" -a hmac-sha256 xfr.test. >"$dir/xfr.key"
    "$(xlab_bin tsig-keygen)" -a hmac-sha256 ddns.test. >"$dir/ddns.key"
    "$(xlab_bin tsig-keygen)" -a hmac-sha256 ddns.test. >"$dir/wrong.key"
    XLAB_XFR_SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$dir/xfr.key")
    XLAB_DDNS_SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$dir/ddns.key")
    XLAB_WRONG_SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$dir/wrong.key")
    [ -n "$XLAB_XFR_SECRET" ] && [ -n "$XLAB_DDNS_SECRET" ] && [ -n "$XLAB_WRONG_SECRET" ]
}

# xlab_addr_add ADDR: a /32 alias for ADDR on lo, unless ADDR is already configured.
xlab_addr_add() {
    if ip -4 addr show dev lo | grep -q "inet $1/"; then return 0; fi
    ip addr add "$1/32" dev lo || return 1
    XLAB_ADDED_ADDRS+=("$1")
}

# ---------------------------------------------------------------- peers' configurations

# xlab_nsd_secondary DIR ADDR ZONE PRIMARY RRL: NSD as a secondary of ZONE, transfers from
# PRIMARY (address) signed with xfr.test., NOTIFY accepted from loopback signed with it,
# AXFR out to loopback with the key.
xlab_nsd_secondary_conf() {
    local dir=$1 addr=$2 zone=$3 primary=$4 rrl=$5
    cat >"$dir/nsd.conf" <<EOF
server:
    ip-address: $addr@$PORT
    port: $PORT
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
    verbosity: 2
    xfrd-reload-timeout: 0
    $rrl
remote-control:
    control-enable: no
key:
    name: "xfr.test."
    algorithm: hmac-sha256
    secret: "$XLAB_XFR_SECRET"
zone:
    name: "$zone"
    zonefile: "${zone}zone"
    allow-notify: 127.0.0.0/8 xfr.test.
    request-xfr: $primary@$PORT xfr.test.
    provide-xfr: 127.0.0.0/8 xfr.test.
    outgoing-interface: $addr
EOF
}

# xlab_start_nsd_secondary DIR ADDR ZONE PRIMARY: writes the configuration (with RRL off
# where NSD was built with it) and starts NSD; sets XLAB_STARTED.
xlab_start_nsd_secondary() {
    local dir=$1
    mkdir -p "$dir"
    xlab_nsd_secondary_conf "$@" "rrl-ratelimit: 0"
    if ! "$(xlab_bin nsd-checkconf)" "$dir/nsd.conf" >/dev/null 2>&1; then
        xlab_nsd_secondary_conf "$@" ""
    fi
    "$(xlab_bin nsd)" -d -c "$dir/nsd.conf" >"$dir/out.log" 2>&1 &
    XLAB_STARTED=$!
    XLAB_PIDS+=("$XLAB_STARTED")
}

# xlab_knot_head DIR ADDR: the server, log and key sections of a Knot configuration.
xlab_knot_head() {
    local dir=$1 addr=$2
    cat <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    listen: $addr@$PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: "$dir/knot.log"
    any: info
database:
    storage: "$dir/db"
control:
    listen: "$dir/knot.sock"
key:
  - id: xfr.test.
    algorithm: hmac-sha256
    secret: $XLAB_XFR_SECRET
  - id: ddns.test.
    algorithm: hmac-sha256
    secret: $XLAB_DDNS_SECRET
EOF
}

# xlab_start_knot_secondary DIR ADDR ZONE PRIMARY: Knot as a secondary of ZONE; sets XLAB_STARTED.
xlab_start_knot_secondary() {
    local dir=$1 addr=$2 zone=$3 primary=$4
    mkdir -p "$dir/db"
    {
        xlab_knot_head "$dir" "$addr"
        cat <<EOF
remote:
  - id: primary
    address: $primary@$PORT
    key: xfr.test.
    via: $addr
acl:
  - id: notify-in
    address: 127.0.0.0/8
    key: xfr.test.
    action: notify
  - id: transfer-out
    address: 127.0.0.0/8
    key: xfr.test.
    action: transfer
zone:
  - domain: $zone
    storage: "$dir"
    file: "${zone}zone"
    master: primary
    acl: [ notify-in, transfer-out ]
    zonefile-sync: -1
    journal-content: changes
EOF
    } >"$dir/knot.conf"
    "$(xlab_bin knotd)" -c "$dir/knot.conf" >"$dir/out.log" 2>&1 &
    XLAB_STARTED=$!
    XLAB_PIDS+=("$XLAB_STARTED")
}

# xlab_start_knot_primary DIR ADDR ZONE NOTIFY: Knot as the primary of DIR/ZONEzone,
# changed by UPDATE signed with ddns.test., transferring to loopback with xfr.test., and
# notifying NOTIFY (an address) signed with xfr.test.; sets XLAB_STARTED.
xlab_start_knot_primary() {
    local dir=$1 addr=$2 zone=$3 notify=$4
    mkdir -p "$dir/db"
    {
        xlab_knot_head "$dir" "$addr"
        cat <<EOF
remote:
  - id: secondary
    address: $notify@$PORT
    key: xfr.test.
    via: $addr
acl:
  - id: transfer-out
    address: 127.0.0.0/8
    key: xfr.test.
    action: transfer
  - id: update-in
    address: 127.0.0.0/8
    key: ddns.test.
    action: update
zone:
  - domain: $zone
    storage: "$dir"
    file: "${zone}zone"
    notify: secondary
    acl: [ transfer-out, update-in ]
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    serial-policy: increment
EOF
    } >"$dir/knot.conf"
    "$(xlab_bin knotd)" -c "$dir/knot.conf" >"$dir/out.log" 2>&1 &
    XLAB_STARTED=$!
    XLAB_PIDS+=("$XLAB_STARTED")
}

# xlab_bind_options DIR ADDR: the options of a BIND instance of the lab: one address, no
# recursion, no control channel, every file under DIR, the lab's keys, logging to
# DIR/named.log (transfers, NOTIFY and UPDATE at info).
xlab_bind_options() {
    local dir=$1 addr=$2
    cat <<EOF
include "$dir/../keys/xfr.key";
include "$dir/../keys/ddns.key";
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    listen-on port $PORT { $addr; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify-source $addr;
    transfer-source $addr;
    allow-transfer { key xfr.test.; };
    allow-query { any; };
    notify-delay 0;
    min-refresh-time 1;
    min-retry-time 1;
};
controls { };
logging {
    channel lab { file "$dir/named.log"; severity info; print-time yes; print-category yes; };
    channel labdebug { file "$dir/named.log"; severity debug 3; print-time yes; print-category yes; };
    category default { lab; };
    category xfer-in { labdebug; };
    category xfer-out { lab; };
    category notify { lab; };
    category update { lab; };
    category general { lab; };
};
EOF
}

# xlab_start_named DIR: starts named on DIR/named.conf in the foreground of a background
# job; sets XLAB_STARTED.
xlab_start_named() {
    local dir=$1
    "$(xlab_bin named)" -f -n 1 -c "$dir/named.conf" >"$dir/out.log" 2>&1 &
    XLAB_STARTED=$!
    XLAB_PIDS+=("$XLAB_STARTED")
}

# xlab_start_bind_secondary DIR ADDR ZONE PRIMARY: BIND as a secondary of ZONE; sets XLAB_STARTED.
xlab_start_bind_secondary() {
    local dir=$1 addr=$2 zone=$3 primary=$4
    mkdir -p "$dir"
    {
        xlab_bind_options "$dir" "$addr"
        cat <<EOF
zone "$zone" {
    type secondary;
    file "${zone}zone";
    primaries { $primary port $PORT key xfr.test.; };
    allow-notify { key xfr.test.; };
};
EOF
    } >"$dir/named.conf"
    xlab_start_named "$dir"
}

# xlab_start_bind_primary DIR ADDR NOTIFY SEND ZONE…: BIND as the primary of each ZONE (its
# file DIR/ZONEzone), changed by UPDATE signed with ddns.test., notifying NOTIFY (an
# address, the key xfr.test.) when SEND is yes, not at all when it is no; sets XLAB_STARTED.
xlab_start_bind_primary() {
    local dir=$1 addr=$2 notify=$3 send=$4 zone
    shift 4
    mkdir -p "$dir"
    {
        xlab_bind_options "$dir" "$addr"
        for zone in "$@"; do
            if [ "$send" = yes ]; then
                cat <<EOF
zone "$zone" {
    type primary;
    file "${zone}zone";
    allow-update { key ddns.test.; };
    notify explicit;
    also-notify { $notify port $PORT key xfr.test.; };
};
EOF
            else
                cat <<EOF
zone "$zone" {
    type primary;
    file "${zone}zone";
    allow-update { key ddns.test.; };
    notify no;
};
EOF
            fi
        done
    } >"$dir/named.conf"
    xlab_start_named "$dir"
}

# ---------------------------------------------------------------- zones

# xlab_zone ORIGIN SERIAL REFRESH RETRY: a small zone (SOA with those timers, expire an
# hour, two NS, a few addresses) on stdout, one record per line with its TTL (so that
# `banyan normalize` reads the file as it is).
xlab_zone() {
    local o=$1
    cat <<EOF
$o 300 IN SOA ns1.$o hostmaster.$o $2 $3 $4 3600 60
$o 300 IN NS ns1.$o
$o 300 IN NS ns2.$o
$o 300 IN MX 10 mail.$o
$o 300 IN TXT "zone $o"
ns1.$o 300 IN A 192.0.2.1
ns2.$o 300 IN A 192.0.2.2
www.$o 300 IN A 192.0.2.80
www.$o 300 IN AAAA 2001:db8::80
mail.$o 300 IN A 192.0.2.25
EOF
}

# xlab_primary_zone SERIAL: the zone Banyan is the primary of, xfr.test.: its NS are the
# four servers that serve it (Banyan and its three secondaries), so `banyan zone status`
# can ask each; refresh an hour (a change reaches the secondaries by NOTIFY, not by their
# timers).
xlab_primary_zone() {
    cat <<EOF
xfr.test. 300 IN SOA ns1.xfr.test. hostmaster.xfr.test. $1 3600 600 86400 60
xfr.test. 300 IN NS ns1.xfr.test.
xfr.test. 300 IN NS ns2.xfr.test.
xfr.test. 300 IN NS ns3.xfr.test.
xfr.test. 300 IN NS ns4.xfr.test.
xfr.test. 300 IN MX 10 mail.xfr.test.
xfr.test. 300 IN TXT "zone propagation lab"
xfr.test. 300 IN CAA 0 issue "letsencrypt.org"
ns1.xfr.test. 300 IN A $XLAB_BANYAN
ns2.xfr.test. 300 IN A $XLAB_NSD
ns3.xfr.test. 300 IN A $XLAB_KNOT
ns4.xfr.test. 300 IN A $XLAB_BIND
www.xfr.test. 300 IN A 192.0.2.80
www.xfr.test. 300 IN AAAA 2001:db8::80
mail.xfr.test. 300 IN A 192.0.2.25
alias.xfr.test. 300 IN CNAME www.xfr.test.
_sip._tcp.xfr.test. 300 IN SRV 10 60 5060 www.xfr.test.
EOF
}

# xlab_big_zone SERIAL COUNT: big.test. with COUNT address records besides the apex.
xlab_big_zone() {
    xlab_zone big.test. "$1" 2 1
    seq 1 "$2" | awk '{ printf "h%d.big.test. 300 IN A 10.%d.%d.%d\n", $1, int($1 / 65536) % 256, int($1 / 256) % 256, $1 % 256 }'
}

# ---------------------------------------------------------------- Banyan

# xlab_banyan_primary_conf DIR: Banyan's configuration as the primary of xfr.test. (the
# store in DIR/data; xfr.test. given in the file, ddns.test. read from a BIND key file).
xlab_banyan_primary_conf() {
    local dir=$1
    mkdir -p "$dir/data"
    cat >"$dir/banyan.toml" <<EOF
data_dir = "$dir/data"

[[tsig]]
name = "xfr.test."
algorithm = "hmac-sha256"
secret = "$XLAB_XFR_SECRET"

[[tsig]]
file = "../keys/ddns.key"

[auth]
listen = ["$XLAB_BANYAN:$PORT"]
workers = 1

[[auth.zone]]
name = "xfr.test."
managed = true
allow_transfer = ["key:xfr.test."]
notify = ["$XLAB_NSD:$PORT", "$XLAB_KNOT:$PORT", "$XLAB_BIND:$PORT"]
transfer_key = "xfr.test."
update_policy = [{ key = "ddns.test.", names = "$XLAB_UPDATE_NAMES", types = ["A", "AAAA", "TXT"] }]
serial_policy = "increment"
EOF
}

# xlab_banyan_secondary_conf DIR: Banyan's configuration as the secondary of frombind.test.
# and big.test. (from BIND) and fromknot.test. (from Knot); the key from a BIND key file.
xlab_banyan_secondary_conf() {
    local dir=$1 zone primary
    mkdir -p "$dir/data"
    {
        cat <<EOF
data_dir = "$dir/data"

[[tsig]]
file = "../keys/xfr.key"

[auth]
listen = ["$XLAB_BANYAN_SECONDARY:$PORT"]
workers = 1
EOF
        for zone in frombind.test.:$XLAB_BIND_PRIMARY big.test.:$XLAB_BIND_PRIMARY fromknot.test.:$XLAB_KNOT_PRIMARY; do
            primary=${zone#*:}
            cat <<EOF

[[auth.zone]]
name = "${zone%%:*}"
primaries = ["$primary:$PORT"]
transfer_key = "xfr.test."
allow_transfer = ["key:xfr.test."]
EOF
        done
    } >"$dir/banyan.toml"
}

# xlab_banyan_file_zone DIR: adds a zone served from a file (static.test.) to DIR/banyan.toml.
xlab_banyan_file_zone() {
    xlab_zone static.test. 1 3600 600 >"$1/static.test.zone"
    printf '\n[[auth.zone]]\nname = "static.test."\nfile = "static.test.zone"\n' >>"$1/banyan.toml"
}

# xlab_start_banyan BANYAN CONF LOG: `banyan serve --config CONF`, its stderr to LOG
# (appended: a restarted server keeps one log); sets XLAB_STARTED.
xlab_start_banyan() {
    local banyan=$1 conf=$2 log=$3
    "$banyan" serve --config "$conf" >>"$log" 2>&1 &
    XLAB_STARTED=$!
    XLAB_PIDS+=("$XLAB_STARTED")
}

# ---------------------------------------------------------------- questions

# xlab_serial ADDR ZONE: the serial of the SOA the server at ADDR answers (nothing when it
# does not answer).
xlab_serial() {
    dig @"$1" -p "$PORT" +norec +time=1 +tries=1 +short "$2" SOA 2>/dev/null | awk '!/^;/ && NF >= 7 { print $3; exit }' || true
}

# xlab_wait_serial ADDR ZONE SERIAL SECONDS: polls every 50 ms until the server at ADDR
# answers ZONE's SOA with SERIAL; returns 1 after SECONDS.
xlab_wait_serial() {
    local addr=$1 zone=$2 serial=$3 deadline
    deadline=$(($(date +%s%N) + $4 * 1000000000))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        [ "$(xlab_serial "$addr" "$zone")" = "$serial" ] && return 0
        sleep 0.05
    done
    return 1
}

# xlab_wait_answers ADDR ZONE SECONDS PID: polls until the server at ADDR answers ZONE's SOA
# (any serial); returns 1 after SECONDS or when PID is gone.
xlab_wait_answers() {
    local addr=$1 zone=$2 pid=$4 deadline
    deadline=$(($(date +%s%N) + $3 * 1000000000))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ -n "$(xlab_serial "$addr" "$zone")" ] && return 0
        sleep 0.05
    done
    return 1
}

# xlab_wait_listening PID ADDR SECONDS: polls until the process listens on ADDR:PORT over UDP;
# returns 1 after SECONDS or when PID is gone.
xlab_wait_listening() {
    local pid=$1 deadline
    deadline=$(($(date +%s) + $3))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        if ss -Hlun "src = $2:$PORT" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.05
    done
    return 1
}

# xlab_axfr ADDR ZONE [KEY]: the zone's records by AXFR signed with xfr.test. (KEY `none`:
# unsigned), without dig's comment lines and the TSIG records.
xlab_axfr() {
    local key=()
    [ "${3:-}" = none ] || key=(-y "hmac-sha256:xfr.test.:$XLAB_XFR_SECRET")
    dig @"$1" -p "$PORT" "${key[@]}" +time=5 +tries=1 +nomultiline +nocmd +nostats +nocomments \
        AXFR "$2" 2>&1 | awk '!/^;/ && NF > 0 && $4 != "TSIG"' || true
}

# xlab_axfr_ready ADDR ZONE SECONDS: polls until an AXFR of ZONE from ADDR (signed) holds the
# SOA: a server that has just started may answer over UDP before it accepts TCP. Prints the
# records (nothing after SECONDS).
xlab_axfr_ready() {
    local deadline out
    deadline=$(($(date +%s) + $3))
    while :; do
        out=$(xlab_axfr "$1" "$2")
        if grep -q 'SOA' <<<"$out" || [ "$(date +%s)" -ge "$deadline" ]; then break; fi
        sleep 0.1
    done
    printf '%s\n' "$out"
}

# xlab_nsupdate SERVER SECRET COMMANDS…: one nsupdate (over TCP, 3 s timeout) of the
# commands given (one per argument; `send` is added) signed with ddns.test. and SECRET
# (`none`: unsigned); prints nsupdate's output and returns its status.
xlab_nsupdate() {
    local server=$1 secret=$2 key=()
    shift 2
    [ "$secret" = none ] || key=(-y "hmac-sha256:ddns.test.:$secret")
    printf '%s\n' "server $server $PORT" "$@" send | timeout 10 nsupdate -v -t 3 "${key[@]}" 2>&1
}

# xlab_knsupdate SERVER SECRET COMMANDS…: the same with Knot's knsupdate.
xlab_knsupdate() {
    local server=$1 secret=$2 key=()
    shift 2
    [ "$secret" = none ] || key=(-y "hmac-sha256:ddns.test.:$secret")
    printf '%s\n' "server $server $PORT" "$@" send quit |
        timeout 10 knsupdate -t 3 "${key[@]}" 2>&1
}

# ---------------------------------------------------------------- stopping

# xlab_stop PID…: stops servers of the lab (with their children), by PID, and forgets them.
xlab_stop() {
    local keep=() p
    lab_stop_pid "$@"
    for p in "${XLAB_PIDS[@]}"; do
        [[ " $* " == *" $p "* ]] || keep+=("$p")
    done
    XLAB_PIDS=("${keep[@]}")
}

# xlab_kill PID: kill -9, and forgets it.
xlab_kill() {
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    xlab_stop "$1"
}

# xlab_stop_servers: stops every server of the lab.
xlab_stop_servers() {
    if [ ${#XLAB_PIDS[@]} -gt 0 ]; then lab_stop_pid "${XLAB_PIDS[@]}"; fi
    XLAB_PIDS=()
}

# xlab_stop_all: stops every server of the lab and removes the aliases it added.
xlab_stop_all() {
    local a
    xlab_stop_servers
    for a in "${XLAB_ADDED_ADDRS[@]}"; do
        ip addr del "$a/32" dev lo 2>/dev/null || true
    done
    XLAB_ADDED_ADDRS=()
}
