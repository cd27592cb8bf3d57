#!/usr/bin/env bash
# Zone-file loading, side by side: `banyan zone check` against `named-checkzone` (BIND),
# `kzonecheck` (Knot) and `nsd-checkzone` (NSD), on the real root zone and on a generated zone of N names (default
# 1,000,000). Each tool runs pinned to one core (taskset -c 0), RUNS times (default 3); the
# table gives, for the run with the least CPU time, its wall time, CPU time (user + system),
# megabytes of master file per CPU-second, and peak resident memory.
#
#   bench/zonefile.sh [NAMES] [RUNS]
#
# Installs bind9-utils and knot-dnssecutils from Debian when missing (needs root then).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NAMES=${1:-1000000}
RUNS=${2:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

need=()
command -v named-checkzone >/dev/null || need+=(bind9-utils)
command -v kzonecheck >/dev/null || need+=(knot-dnssecutils)
command -v nsd-checkzone >/dev/null || need+=(nsd)
command -v /usr/bin/time >/dev/null || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --quiet -p banyan
BANYAN=${CARGO_TARGET_DIR:-target}/release/banyan

# The generated zone: every name has an A, every 4th an AAAA, every 8th an MX and a TXT,
# every 16th is a delegation with glue — a typical mix of a large second-level zone.
gen="$WORK/gen.zone"
awk -v n="$NAMES" 'BEGIN {
    print "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1"
    for (i = 0; i < n; i++) {
        printf "host%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
        if (i % 4 == 0) printf "host%d AAAA 2001:db8::%x\n", i, i % 65536
        if (i % 8 == 0) { printf "host%d MX 10 mail%d\n", i, i; printf "host%d TXT \"v=spf1 ip4:10.0.0.0/8 -all\"\n", i }
        if (i % 16 == 0) printf "deleg%d NS ns.deleg%d\nns.deleg%d A 10.1.2.3\n", i, i, i
    }
}' >"$gen"
root=../shared/testdata/root/root.zone-2023051100

# measure CMD…: best of RUNS by CPU time (user + system: less disturbed than wall time when
# the machine is busy); prints "wall_seconds cpu_seconds maxrss_kb" of that run.
measure() {
    local best="" wall="" rss="" e u s r cpu
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" taskset -c 0 "$@" >/dev/null 2>&1 || true
        read -r e u s r < <(tail -n 1 "$WORK/time")
        cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
        if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$cpu; wall=$e; rss=$r; fi
    done
    echo "$wall $best $rss"
}

printf '%-16s %-16s %8s %8s %9s %9s\n' zone tool wall-s cpu-s "MB/cpu-s" "RSS MB"
for z in root gen; do
    if [ $z = root ]; then file=$root; origin=.; else file=$gen; origin=example.; fi
    size=$(stat -c %s "$file")
    for tool in banyan named-checkzone kzonecheck nsd-checkzone; do
        case $tool in
            banyan) cmd=("$BANYAN" zone check "$file" --origin "$origin") ;;
            named-checkzone) cmd=(named-checkzone -i none -k ignore -n ignore "$origin" "$file") ;;
            kzonecheck) cmd=(kzonecheck -o "$origin" "$file") ;;
            nsd-checkzone) cmd=(nsd-checkzone "$origin" "$file") ;;
        esac
        read -r wall cpu rss < <(measure "${cmd[@]}")
        mbps=$(awk -v s="$size" -v t="$cpu" 'BEGIN{ if (t > 0) printf "%.1f", s / t / 1e6; else print "-" }')
        printf '%-16s %-16s %8s %8s %9s %9.1f\n' "$z($((size / 1000000))MB)" "$tool" "$wall" "$cpu" "$mbps" "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
    done
done
