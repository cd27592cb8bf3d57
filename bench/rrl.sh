#!/usr/bin/env bash
# Response rate limiting under a flood, on loopback only: `banyan auth --rrl RATE` serves one
# zone while dnsperf floods it from 127.0.0.1 as fast as it can and a second dnsperf asks at a
# normal rate from 127.0.1.1 (another /24, so another client to the limiter). Prints how many
# queries each got answered: the flooder is cut to about RATE per second plus its truncated
# slips, the normal client keeps (nearly) all its answers. Stops by itself after DURATION.
#
#   bench/rrl.sh                       # RATE=100 DURATION=5 NORMAL_QPS=20
#
# Environment: BANYAN (binary; default: cargo build --release -p banyan, then target/release),
# RATE, DURATION, NORMAL_QPS, PORT (default 55353).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-100}
DURATION=${DURATION:-5}
NORMAL_QPS=${NORMAL_QPS:-20}
PORT=${PORT:-55353}
if [[ -z "${BANYAN:-}" ]]; then
    cargo build --release -q -p banyan
    BANYAN=${CARGO_TARGET_DIR:-target}/release/banyan
fi
work=$(mktemp -d)
server=""
cleanup() {
    [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/zones"
cat > "$work/zones/example.com.zone" <<'ZONE'
$TTL 3600
@    IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@    IN NS  ns1
ns1  IN A   192.0.2.53
www  IN A   192.0.2.1
ZONE
echo "www.example.com A" > "$work/queries"
"$BANYAN" auth --zones "$work/zones" --listen "127.0.0.1:$PORT" --workers 1 --rrl "$RATE" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "^listening" "$work/server.log" && break; sleep 0.1; done
grep -q "^listening" "$work/server.log" || { cat "$work/server.log"; exit 1; }

# -t 1: a dropped query counts as lost after a second, so both runs end within DURATION + 1 s.
dnsperf -s 127.0.0.1 -p "$PORT" -a 127.0.0.1 -d "$work/queries" -l "$DURATION" -t 1 -c 1 -q 10000 \
    > "$work/flood.txt" 2>&1 &
flood=$!
dnsperf -s 127.0.0.1 -p "$PORT" -a 127.0.1.1 -d "$work/queries" -l "$DURATION" -t 1 -c 1 -q 1 -Q "$NORMAL_QPS" \
    > "$work/normal.txt" 2>&1
wait "$flood" || true

figures() {
    local sent done lost
    sent=$(awk '/Queries sent:/ {print $3}' "$1")
    done=$(awk '/Queries completed:/ {print $3}' "$1")
    lost=$(awk '/Queries lost:/ {print $3}' "$1")
    printf '%-8s sent %8s  replied %8s (%s%%)  lost (dropped) %8s  replies/s ~%s (answers and TC=1 slips)\n' "$2" "$sent" "$done" \
        "$(awk -v d="$done" -v s="$sent" 'BEGIN { if (s > 0) printf "%.1f", 100 * d / s; else print 0 }')" \
        "$lost" "$(awk -v d="$done" -v t="$DURATION" 'BEGIN { printf "%d", d / t }')"
    return 0
}
echo "banyan auth --rrl $RATE (slip 2, window 15s), ${DURATION}s, loopback:"
figures "$work/flood.txt" flooder
figures "$work/normal.txt" normal
