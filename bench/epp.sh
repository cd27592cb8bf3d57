#!/usr/bin/env bash
# domain:create throughput over EPP, on SQLite and on PostgreSQL: the benchmark program
# crates/banyan-registry/benches/epp.rs starts a registry on the database, its EPP server over
# TLS on 127.0.0.1 and S concurrent sessions of the EPP client, each creating new domains
# (CREATES per round), for S in SESSIONS; each round is run with a registrar per session and
# with every session logged in as one registrar. SQLite is a database file in a temporary
# directory; PostgreSQL a throwaway cluster (scripts/postgres-cluster.sh) with its default
# settings. Both on the same filesystem (the temporary directory's), both durable: SQLite in
# WAL mode with synchronous=FULL, PostgreSQL with fsync and synchronous_commit on.
#
#   bench/epp.sh                                   # both backends, 1/4/8/16 sessions, 2000 creates a round
#   CREATES=500 SESSIONS=1,8 bench/epp.sh          # quicker
#   BACKENDS=sqlite REGISTRARS=own bench/epp.sh    # one backend, one way
#   DURATION=5 bench/epp.sh                        # 5 seconds a round instead of a count
#
# Columns: rar (own: a registrar per session; one: all sessions as one registrar), sess,
# creates done, secs, creates/s, latency per create as the client sees it (mean, p50, p99 ms),
# fail (responses other than 1000), CPU microseconds per create of the server (TLS, XML,
# registry, sqlx, SQLite), of the clients, and of PostgreSQL's processes.
#
# Needs PostgreSQL's server programs for the PostgreSQL rounds (installed from Debian when
# missing and root). Each backend's run is bounded by ROUND_TIMEOUT seconds (default 150).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SESSIONS=${SESSIONS:-1,4,8,16}
CREATES=${CREATES:-2000}
DURATION=${DURATION:-}
REGISTRARS=${REGISTRARS:-both}
BACKENDS=${BACKENDS:-sqlite postgres}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-150}

# shellcheck source=scripts/postgres-cluster.sh
. scripts/postgres-cluster.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/banyan-eppbench.XXXXXX")
cleanup() {
    local rc=$?
    pg_cluster_stop
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build (release, the bench profile) and find the program, so that cargo is not part of a run.
BENCH=$(cargo bench --no-run --quiet --message-format=json -p banyan-registry --bench epp |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$BENCH" ] || { echo "epp.sh: the benchmark program was not built" >&2; exit 1; }

args=(--sessions "$SESSIONS" --registrars "$REGISTRARS")
if [ -n "$DURATION" ]; then
    args+=(--duration "$DURATION")
else
    args+=(--creates "$CREATES")
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -n 1))," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(df -T "$WORK" | awk 'NR == 2 {print $2}') on $(df "$WORK" | awk 'NR == 2 {print $1}')"
header=()
for backend in $BACKENDS; do
    case $backend in
        sqlite)
            timeout "$ROUND_TIMEOUT" "$BENCH" --database "sqlite://$WORK/registry.db" "${args[@]}" "${header[@]}"
            ;;
        postgres)
            pg_cluster_start epp.sh
            pg_createdb banyan_epp_bench
            echo "# PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), default settings" >&2
            timeout "$ROUND_TIMEOUT" "$BENCH" --database "postgres://postgres@127.0.0.1:$PG_PORT/banyan_epp_bench" \
                --db-pid "$(pg_cluster_pid)" "${args[@]}" "${header[@]}"
            pg_cluster_stop
            ;;
        *)
            echo "epp.sh: unknown backend $backend (sqlite, postgres)" >&2
            exit 2
            ;;
    esac
    header=(--no-header)
done
