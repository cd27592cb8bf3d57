#!/usr/bin/env bash
# Runs banyan-store's tests against PostgreSQL: starts a throwaway cluster on 127.0.0.1 at an
# unused port (data and socket in a temporary directory), runs `cargo test -p banyan-store`
# with BANYAN_TEST_POSTGRES_URL pointing at it, then stops the cluster and removes it, however
# the tests end. Extra arguments go to `cargo test` (e.g. `-- --nocapture`).
#
# Needs PostgreSQL's server programs (initdb, pg_ctl). As root on Debian, when they are missing,
# it installs the `postgresql` package without letting the package start its own cluster.
# As root the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
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

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "postgres-test: PostgreSQL server programs not found (install the postgresql package)" >&2
        exit 1
    fi
    echo "postgres-test: installing PostgreSQL from Debian" >&2
    # Keep the package's own cluster from starting: only the throwaway one below runs.
    made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
    PG_BIN=$(find_pg_bin)
    [ -n "$PG_BIN" ] || { echo "postgres-test: initdb still not found after install" >&2; exit 1; }
fi

AS=()
if [ "$(id -u)" -eq 0 ]; then
    AS=(runuser -u postgres --)
fi

WORK=$(mktemp -d /tmp/banyan-pg.XXXXXX)
DATA="$WORK/data"
SOCK="$WORK/sock"
LOG="$WORK/postgres.log"
mkdir -p "$SOCK"
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$WORK"
fi

started=
cleanup() {
    local rc=$?
    if [ -n "$started" ]; then
        "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${AS[@]}" "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync >"$WORK/initdb.log" 2>&1 ||
    { cat "$WORK/initdb.log" >&2; exit 1; }

# An unused port: nothing answers on it, and the server starts on it (else try another).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for _ in $(seq 1 20); do
    p=$((20000 + RANDOM % 30000))
    port_in_use "$p" && continue
    if "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
        -o "-k $SOCK -h 127.0.0.1 -p $p" start >/dev/null; then
        PORT=$p
        started=1
        break
    fi
done
if [ -z "$PORT" ]; then
    echo "postgres-test: the cluster did not start:" >&2
    cat "$LOG" >&2 || true
    exit 1
fi

"${AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres banyan_test
export BANYAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/banyan_test"
echo "postgres-test: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2

cargo test -p banyan-store "$@"
