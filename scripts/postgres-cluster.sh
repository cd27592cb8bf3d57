# A throwaway PostgreSQL cluster on 127.0.0.1, for scripts that source this file
# (scripts/postgres-test.sh, bench/epp.sh):
#
#   . scripts/postgres-cluster.sh
#   pg_cluster_start NAME      # NAME prefixes the messages; exits the script on failure
#   pg_createdb DB             # a database in it
#   … postgres://postgres@127.0.0.1:$PG_PORT/DB …
#   pg_cluster_stop            # in the caller's EXIT trap: stops the cluster, removes $PG_WORK
#
# pg_cluster_start sets PG_BIN (the server programs), PG_AS (the command prefix that runs them
# as the `postgres` user when we are root, since initdb refuses root), PG_WORK (a temporary
# directory holding the data, the socket and the log), PG_DATA, PG_LOG and PG_PORT (an unused
# port the server listens on). Trust authentication, loopback only, the default settings
# otherwise (fsync and synchronous_commit on).
#
# Needs PostgreSQL's server programs (initdb, pg_ctl). As root on Debian, when they are missing,
# it installs the `postgresql` package without letting the package start its own cluster.
# shellcheck shell=bash

PG_BIN=
PG_AS=()
PG_WORK=
PG_DATA=
PG_LOG=
PG_PORT=
pg_cluster_name=postgres
pg_cluster_started=

# The directory of initdb and pg_ctl, or nothing.
pg_find_bin() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    # Debian keeps the server programs out of PATH, one directory per major version.
    local d
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
    fi
}

pg_install() {
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "$pg_cluster_name: PostgreSQL server programs not found (install the postgresql package)" >&2
        exit 1
    fi
    echo "$pg_cluster_name: installing PostgreSQL from Debian" >&2
    # Keep the package's own cluster from starting: only the throwaway one runs.
    local made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}

pg_cluster_start() {
    pg_cluster_name=${1:-postgres}
    PG_BIN=$(pg_find_bin)
    if [ -z "$PG_BIN" ]; then
        pg_install
        PG_BIN=$(pg_find_bin)
        [ -n "$PG_BIN" ] || { echo "$pg_cluster_name: initdb still not found after install" >&2; exit 1; }
    fi
    PG_AS=()
    if [ "$(id -u)" -eq 0 ]; then
        PG_AS=(runuser -u postgres --)
    fi

    PG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-pg.XXXXXX")
    PG_DATA="$PG_WORK/data"
    PG_LOG="$PG_WORK/postgres.log"
    local sock="$PG_WORK/sock"
    mkdir -p "$sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$PG_WORK"
    fi

    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync >"$PG_WORK/initdb.log" 2>&1 ||
        { cat "$PG_WORK/initdb.log" >&2; exit 1; }

    # An unused port (see pg_unused_port), and the server starts on it; else another. A start
    # that timed out may still be under way: it is stopped before the next try, so that it
    # neither holds the data directory nor outlives the script.
    local p
    PG_PORT=
    for _ in $(seq 1 20); do
        p=$(pg_unused_port) || continue
        if "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 \
            -o "-k $sock -h 127.0.0.1 -p $p" start >/dev/null; then
            PG_PORT=$p
            pg_cluster_started=1
            break
        fi
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    done
    if [ -z "$PG_PORT" ]; then
        echo "$pg_cluster_name: the cluster did not start:" >&2
        cat "$PG_LOG" >&2 || true
        exit 1
    fi
    echo "$pg_cluster_name: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
}

# A port on 127.0.0.1 that no TCP or UDP socket uses now, drawn below the kernel's ephemeral
# range: clients' ports, and those left in TIME_WAIT (which a listener cannot bind), are all
# in that range. Fails (for the caller to draw again) when the port drawn is in use.
pg_unused_port() {
    local low p
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    p=$((10000 + RANDOM % (low > 11000 ? low - 10000 : 20000)))
    [ -z "$(ss -Htuan "sport = :$p")" ] || return 1
    echo "$p"
}

pg_createdb() {
    "${PG_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"
}

# The postmaster's PID (the first line of postmaster.pid).
pg_cluster_pid() {
    head -n 1 "$PG_DATA/postmaster.pid"
}

# Stops the cluster (when started) and removes its directory; safe to call more than once.
pg_cluster_stop() {
    if [ -n "$pg_cluster_started" ]; then
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
        pg_cluster_started=
    fi
    if [ -n "$PG_WORK" ]; then
        rm -rf "$PG_WORK"
        PG_WORK=
    fi
}
