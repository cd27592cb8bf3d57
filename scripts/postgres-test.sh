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
# The cluster is scripts/postgres-cluster.sh's: it needs PostgreSQL's server programs (initdb,
# pg_ctl) and, as root on Debian, installs the `postgresql` package when they are missing; as
# root the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres-cluster.sh
. scripts/postgres-cluster.sh

serve_pid=
cleanup() {
    local rc=$?
    if [ -n "$serve_pid" ]; then
        kill "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    pg_cluster_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_cluster_start postgres-test
PORT=$PG_PORT
pg_createdb banyan_test
export BANYAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/banyan_test"

cargo test -p banyan-store "$@"

pg_createdb banyan_registry_test
BANYAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/banyan_registry_test" \
    cargo test -p banyan-registry "$@"

# End to end, when a banyan binary is given (BANYAN=path): a server whose zone store is this
# PostgreSQL database serves an imported zone, takes a signed UPDATE, and the change is in the
# database (read back by `banyan zone export`) — the same store another machine would share.
if [ -n "${BANYAN:-}" ]; then
    ADDR=${POSTGRES_TEST_ADDR:-127.0.0.1}
    E2E="$PG_WORK/e2e"
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
    # The config for a DNS port: written anew for each port tried.
    write_config() {
        cat >"$E2E/banyan.toml" <<TOML
store = "$BANYAN_TEST_POSTGRES_URL"
[[tsig]]
name = "ddns.pg.test."
secret = "$SECRET"
[auth]
listen = ["$ADDR:$1"]
workers = 1
[[auth.zone]]
name = "pg.test."
managed = true
update_policy = [{ key = "ddns.pg.test.", names = "*.pg.test.", types = ["A"] }]
TOML
    }
    write_config 0
    "$BANYAN" zone import "$E2E/zone" --origin pg.test. --config "$E2E/banyan.toml"

    # The DNS port: below the kernel's ephemeral range, where the tests above left their
    # PostgreSQL connections in TIME_WAIT (a listener cannot bind a port such a socket holds),
    # and used by no socket now (pg_unused_port). Another process may still take it first:
    # when the server exits because it cannot listen, another port is tried.
    DNS_PORT=
    for _ in $(seq 1 10); do
        p=$(pg_unused_port) || continue
        write_config "$p"
        "$BANYAN" serve --config "$E2E/banyan.toml" >"$E2E/serve.log" 2>&1 &
        serve_pid=$!
        # Up when it answers; given up on after 30 s (a loaded CI machine is slow to start a
        # debug build) or as soon as the server has exited.
        for _ in $(seq 1 300); do
            if dig +short +time=1 +tries=1 @"$ADDR" -p "$p" pg.test. SOA 2>/dev/null | grep -q hostmaster; then
                DNS_PORT=$p
                break
            fi
            kill -0 "$serve_pid" 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$DNS_PORT" ] && break
        if kill -0 "$serve_pid" 2>/dev/null; then
            echo "postgres-test: banyan serve did not answer on $ADDR:$p within 30 s" >&2
            cat "$E2E/serve.log" >&2
            exit 1
        fi
        wait "$serve_pid" 2>/dev/null || true
        serve_pid=
        grep -q "cannot listen" "$E2E/serve.log" || { cat "$E2E/serve.log" >&2; exit 1; }
        echo "postgres-test: port $p taken, trying another: $(tail -n 1 "$E2E/serve.log")" >&2
    done
    [ -n "$DNS_PORT" ] || { echo "postgres-test: no port to serve on" >&2; exit 1; }
    printf 'server %s %s\nzone pg.test.\nupdate add new.pg.test. 300 A 192.0.2.77\nsend\n' "$ADDR" "$DNS_PORT" |
        nsupdate -t 5 -y "hmac-sha256:ddns.pg.test.:$SECRET"
    got=$(dig +short @"$ADDR" -p "$DNS_PORT" new.pg.test. A) || true
    kill "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=
    [ "$got" = 192.0.2.77 ] || { echo "postgres-test: served $got, expected 192.0.2.77" >&2; cat "$E2E/serve.log" >&2; exit 1; }
    "$BANYAN" zone export pg.test. --config "$E2E/banyan.toml" | grep -q '^new\.pg\.test\..*192\.0\.2\.77$' ||
        { echo "postgres-test: the update is not in the PostgreSQL store" >&2; exit 1; }
    "$BANYAN" zone list --config "$E2E/banyan.toml" | grep -q '^pg\.test\. .* 2 ' ||
        { echo "postgres-test: the stored serial is not 2" >&2; exit 1; }
    echo "postgres-test: banyan serve with a PostgreSQL store: import, UPDATE, export: ok" >&2
fi
