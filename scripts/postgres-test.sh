#!/usr/bin/env bash
# Runs banyan-store's and banyan-registry's tests against PostgreSQL: starts a throwaway cluster
# on 127.0.0.1 at an unused port (data and socket in a temporary directory), runs
# `cargo test -p banyan-store` and `cargo test -p banyan-registry` with BANYAN_TEST_POSTGRES_URL
# pointing at a database of their own (`banyan_test`, `banyan_registry_test`; each registry test
# makes a schema of its own in its database), then (when BANYAN names a banyan binary) a
# server whose zone store is that database: import, signed UPDATE with nsupdate, export. Stops
# the cluster and removes it, however the tests end. Extra arguments go to `cargo test` (e.g.
# `-- --nocapture`).
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

"${AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres banyan_registry_test
BANYAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/banyan_registry_test" \
    cargo test -p banyan-registry "$@"

# End to end, when a banyan binary is given (BANYAN=path): a server whose zone store is this
# PostgreSQL database serves an imported zone, takes a signed UPDATE, and the change is in the
# database (read back by `banyan zone export`) — the same store another machine would share.
if [ -n "${BANYAN:-}" ]; then
    ADDR=${POSTGRES_TEST_ADDR:-127.0.0.1}
    DNS_PORT=$((20000 + RANDOM % 30000))
    E2E="$WORK/e2e"
    mkdir -p "$E2E"
    SECRET=$(head -c 32 /dev/urandom | base64)
    cat >"$E2E/zone" <<ZONE
\$ORIGIN pg.test.
\$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.1
ZONE
    cat >"$E2E/banyan.toml" <<TOML
store = "$BANYAN_TEST_POSTGRES_URL"
[[tsig]]
name = "ddns.pg.test."
secret = "$SECRET"
[auth]
listen = ["$ADDR:$DNS_PORT"]
workers = 1
[[auth.zone]]
name = "pg.test."
managed = true
update_policy = [{ key = "ddns.pg.test.", names = "*.pg.test.", types = ["A"] }]
TOML
    "$BANYAN" zone import "$E2E/zone" --origin pg.test. --config "$E2E/banyan.toml"
    "$BANYAN" serve --config "$E2E/banyan.toml" >"$E2E/serve.log" 2>&1 &
    serve_pid=$!
    trap 'kill "$serve_pid" 2>/dev/null || true; cleanup' EXIT
    for _ in $(seq 1 50); do
        dig +short +time=1 +tries=1 @"$ADDR" -p "$DNS_PORT" pg.test. SOA >/dev/null 2>&1 && break
        sleep 0.1
    done
    printf 'server %s %s\nzone pg.test.\nupdate add new.pg.test. 300 A 192.0.2.77\nsend\n' "$ADDR" "$DNS_PORT" |
        nsupdate -t 5 -y "hmac-sha256:ddns.pg.test.:$SECRET"
    got=$(dig +short @"$ADDR" -p "$DNS_PORT" new.pg.test. A)
    kill "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    [ "$got" = 192.0.2.77 ] || { echo "postgres-test: served $got, expected 192.0.2.77" >&2; cat "$E2E/serve.log" >&2; exit 1; }
    "$BANYAN" zone export pg.test. --config "$E2E/banyan.toml" | grep -q '^new\.pg\.test\..*192\.0\.2\.77$' ||
        { echo "postgres-test: the update is not in the PostgreSQL store" >&2; exit 1; }
    "$BANYAN" zone list --config "$E2E/banyan.toml" | grep -q '^pg\.test\. .* 2 ' ||
        { echo "postgres-test: the stored serial is not 2" >&2; exit 1; }
    echo "postgres-test: banyan serve with a PostgreSQL store: import, UPDATE, export: ok" >&2
fi
