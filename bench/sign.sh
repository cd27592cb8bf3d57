#!/usr/bin/env bash
# Zone signing, side by side: `banyan zone sign` against BIND's `dnssec-signzone` and ldns's
# `ldns-signzone`, on a generated zone of N names (default 100,000; the mix of
# bench/zonefile.sh: every name an A, every 4th an AAAA, every 8th an MX and a TXT, every 16th
# a delegation with glue), NSEC, one KSK and one ZSK, for ECDSAP256SHA256 and ED25519.
# All tools sign with the same keys (made by `banyan key generate`).
#
#   bench/sign.sh [NAMES] [RUNS]
#
# Runs, each RUNS times (default 1), keeping the run with the least CPU time:
#   banyan                      one signing thread per core (the default)
#   banyan --threads 1
#   dnssec-signzone -n 1        one worker; verifies every signature after signing (default)
#   dnssec-signzone -n 2        two workers (the default on this 2-core machine), verifying
#   dnssec-signzone -n 2 -P     two workers, no verification afterwards (as Banyan and ldns)
#   ldns-signzone               single-threaded
# Nothing is pinned: signing in parallel needs both cores. The table gives wall time, CPU time
# (user + system), RRSIGs in the output (counted by reading it back), signatures per wall
# second and per CPU-second, and peak resident memory. Banyan's output is then checked with
# dnssec-verify and ldns-verify-zone (outside the timing; VERIFY=0 skips it).
#
# Installs bind9-utils and ldnsutils from Debian when missing (needs root then; apt is kept from
# starting daemons).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NAMES=${1:-100000}
RUNS=${2:-1}
VERIFY=${VERIFY:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

need=()
command -v dnssec-signzone >/dev/null || need+=(bind9-utils)
command -v ldns-signzone >/dev/null || need+=(ldnsutils)
command -v /usr/bin/time >/dev/null || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    policy=/usr/sbin/policy-rc.d
    [ -e $policy ] || { printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy && made_policy=1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    [ -z "${made_policy:-}" ] || rm -f $policy
fi
cargo build --release --quiet -p banyan
BANYAN=${BANYAN:-${CARGO_TARGET_DIR:-target}/release/banyan}

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

# measure OUT CMD…: best of RUNS by CPU time; prints "wall_seconds cpu_seconds maxrss_kb".
measure() {
    local best="" wall="" rss="" e u s r cpu
    for _ in $(seq "$RUNS"); do
        rm -f "$1"
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "${@:2}" >"$WORK/out.log" 2>&1 || {
            echo "failed: ${*:2}" >&2
            tail -5 "$WORK/out.log" >&2
        }
        read -r e u s r < <(tail -n 1 "$WORK/time")
        cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
        if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$cpu; wall=$e; rss=$r; fi
    done
    echo "$wall $best $rss"
}

rrsigs() { "$BANYAN" zone print "$1" --origin example. 2>/dev/null | awk '$4 == "RRSIG"' | wc -l; }

echo "zone: $NAMES names, $(grep -vc '^\$' "$gen") records; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-28s %8s %8s %9s %10s %11s %8s\n' alg tool wall-s cpu-s rrsigs "sigs/s" "sigs/cpu-s" "RSS MB"
for alg in ECDSAP256SHA256 ED25519; do
    keys="$WORK/keys-$alg"
    mkdir -p "$keys"
    "$BANYAN" key generate -a $alg --zone example --ksk --out "$keys" >/dev/null
    "$BANYAN" key generate -a $alg --zone example --out "$keys" >/dev/null
    stems=$(cd "$keys" && for f in K*.private; do printf '%s ' "${f%.private}"; done)
    # dnssec-signzone signs with the keys named on its command line whose DNSKEYs are in the
    # zone; ldns-signzone adds the DNSKEYs itself; Banyan reads the key directory.
    cat "$gen" "$keys"/*.key >"$WORK/gen-bind.zone"
    for tool in banyan "banyan --threads 1" "dnssec-signzone -n 1" "dnssec-signzone -n 2" "dnssec-signzone -n 2 -P" ldns-signzone; do
        out="$WORK/out.signed"
        case $tool in
            banyan*)
                # shellcheck disable=SC2206,SC2207
                cmd=("$BANYAN" zone sign "$gen" --origin example. --keys "$keys" --out "$out" ${tool#banyan}) ;;
            dnssec-signzone*)
                # shellcheck disable=SC2206,SC2207
                cmd=(dnssec-signzone ${tool#dnssec-signzone} -o example. -K "$keys" -d "$WORK" -f "$out" "$WORK/gen-bind.zone" $stems) ;;
            ldns-signzone)
                # shellcheck disable=SC2206,SC2207
                cmd=(ldns-signzone -f "$out" "$gen" $(for s in $stems; do printf '%s ' "$keys/$s"; done)) ;;
        esac
        read -r wall cpu rss < <(measure "$out" "${cmd[@]}")
        n=$(rrsigs "$out")
        printf '%-10s %-28s %8s %8s %9s %10s %11s %8.0f\n' "${alg:0:10}" "$tool" "$wall" "$cpu" "$n" \
            "$(awk -v n="$n" -v t="$wall" 'BEGIN{ if (t > 0) printf "%.0f", n / t; else print "-" }')" \
            "$(awk -v n="$n" -v t="$cpu" 'BEGIN{ if (t > 0) printf "%.0f", n / t; else print "-" }')" \
            "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
        if [ "$tool" = banyan ] && [ "$VERIFY" = 1 ]; then
            cp "$out" "$WORK/banyan.signed"
        fi
    done
    if [ "$VERIFY" = 1 ]; then
        v1=$(dnssec-verify -q -o example. "$WORK/banyan.signed" >/dev/null 2>&1 && echo accepts || echo REFUSES)
        v2=$(ldns-verify-zone "$WORK/banyan.signed" >/dev/null 2>&1 && echo accepts || echo REFUSES)
        echo "           banyan's $alg zone: dnssec-verify $v1 it, ldns-verify-zone $v2 it"
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
