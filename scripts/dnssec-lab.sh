# shellcheck shell=bash disable=SC2034  # LAB_PID is read by the sourcing script
# The DNSSEC lab: a small signed hierarchy built at run time (fresh keys every run), for the
# `dnssec` suite of scripts/interop. Sourced; the caller sets LAB_PORT (scripts/lab.sh) and
# stops what it starts by PID.
#
#   address        zones                                          signed
#   127.0.66.1     .                                              ECDSA P-256, NSEC (its KSK's DS is the trust anchor)
#   127.0.66.2     sec.                                           ECDSA P-256, NSEC3 with opt-out
#   127.0.66.3     good.sec.                                      ECDSA P-256, NSEC
#                  nsec3.sec.                                     ECDSA P-256, NSEC3 (no salt, 0 iterations)
#                  ed.sec.                                        Ed25519, NSEC
#                  ldns.sec.                                      ldns-signzone, ECDSA P-256, NSEC
#                  unsigned.sec.                                  no (no DS in sec.: insecure, proved by opt-out)
#                  expired.sec.                                   signatures valid 2020-01-01 to 2020-02-01 (bogus)
#                  baddsonly.sec.                                 its DS in sec. is of another key (bogus)
#                  nonsec.sec.                                    one NSEC removed after signing (bogus NXDOMAIN)
#   127.0.66.4     plain.good.sec.                                no (no DS in good.sec.: insecure, proved by NSEC)
#   127.0.66.10    all of them, on one address                    (for delv, which asks one server for everything)
#
# The root's servers are named ns.root. (authoritative data of the root zone itself), the
# others in-bailiwick with glue. Signers: dnssec-signzone (BIND) for all but ldns.sec., which
# ldns-signzone signs; DS records come from dnssec-dsfromkey on the signed child.

DLAB_ROOT_ADDR=127.0.66.1
DLAB_TLD_ADDR=127.0.66.2
DLAB_SLD_ADDR=127.0.66.3
DLAB_CHILD_ADDR=127.0.66.4
DLAB_ALL_ADDR=127.0.66.10

# zone address: where each zone is served (besides DLAB_ALL_ADDR).
DLAB_ZONES=". $DLAB_ROOT_ADDR
sec. $DLAB_TLD_ADDR
good.sec. $DLAB_SLD_ADDR
nsec3.sec. $DLAB_SLD_ADDR
ed.sec. $DLAB_SLD_ADDR
ldns.sec. $DLAB_SLD_ADDR
unsigned.sec. $DLAB_SLD_ADDR
expired.sec. $DLAB_SLD_ADDR
baddsonly.sec. $DLAB_SLD_ADDR
nonsec.sec. $DLAB_SLD_ADDR
plain.good.sec. $DLAB_CHILD_ADDR"

DLAB_AUTH_PIDS=()   # the authoritative servers running

dlab_log() { printf '%s\n' "$*" >&2; }

# dlab_file ZONE: the file name of a zone (`root.zone` for the root, `<origin>.zone` else).
dlab_file() {
    if [ "$1" = . ]; then echo root.zone; else echo "${1%.}.zone"; fi
}

# dlab_tools: the commands the lab needs that are missing (none: prints nothing).
dlab_tools() {
    local t
    for t in dnssec-keygen dnssec-signzone dnssec-dsfromkey dnssec-verify ldns-keygen \
        ldns-signzone ldns-verify-zone nsd unbound dig delv; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || printf '%s ' "$t"
    done
}

# dlab_child_source ORIGIN ADDR: the unsigned records of a second-level zone. Canonical order
# of its names: apex, *, alias, alpha, ns, *.wild, www (so `nothere` falls between alpha and
# ns, and `*` of the wildcard proof between the apex and alias).
dlab_child_source() {
    cat <<EOF
\$ORIGIN $1
\$TTL 3600
@           IN SOA ns hostmaster 2024060101 7200 3600 1209600 300
@           IN NS ns
ns          IN A $2
www         IN A 192.0.2.80
www         IN AAAA 2001:db8::80
alpha       IN TXT "alpha"
alias       IN CNAME www
*.wild      IN A 192.0.2.99
*.wild      IN TXT "wild"
EOF
}

# dlab_keys DIR ORIGIN ALGORITHM: a KSK and a ZSK for ORIGIN under DIR/keys; prints their
# base names (KSK first).
dlab_keys() {
    local dir=$1 origin=$2 alg=$3 ksk zsk
    ksk=$(cd "$dir/keys" && dnssec-keygen -q -a "$alg" -f KSK -n ZONE "$origin")
    zsk=$(cd "$dir/keys" && dnssec-keygen -q -a "$alg" -n ZONE "$origin")
    echo "$dir/keys/$ksk $dir/keys/$zsk"
}

# dlab_sign DIR ORIGIN ALGORITHM [dnssec-signzone OPTION…]: signs DIR/src/<file> with fresh
# keys into DIR/zones/<file> (one record per line, full names: `-O full`).
dlab_sign() {
    local dir=$1 origin=$2 alg=$3 file ksk zsk keys
    shift 3
    file=$(dlab_file "$origin")
    keys=$(dlab_keys "$dir" "$origin" "$alg")
    ksk=${keys% *}
    zsk=${keys#* }
    cat "$dir/src/$file" "$ksk.key" "$zsk.key" >"$dir/work/$file"
    dnssec-signzone -q -O full -d "$dir/work" -o "$origin" -k "$ksk" -f "$dir/zones/$file" "$@" \
        "$dir/work/$file" "$zsk" >>"$dir/sign.log" 2>&1
}

# dlab_ds DIR ORIGIN: the DS (SHA-256) of the signed zone's KSKs, one record per line.
dlab_ds() {
    dnssec-dsfromkey -2 -f "$1/zones/$(dlab_file "$2")" "$2"
}

# dlab_build DIR: writes the zones, keys and trust anchors under DIR:
#   DIR/zones/<file>       every zone as served (signed or not)
#   DIR/root-ds            the trust anchor: the root KSK's DS, `. IN DS …`
#   DIR/delv.anchor        the same for delv: trust-anchors { . static-ds …; };
#   DIR/hints              root hints
# Returns 1 (the signers' output in DIR/sign.log) when a step fails.
dlab_build() {
    local dir=$1 z now_1h lksk lzsk other
    [ -n "$dir" ] || return 1
    mkdir -p "$dir/keys" "$dir/src" "$dir/work" "$dir/zones"
    : >"$dir/sign.log"
    now_1h=$(date -u -d '-1 hour' +%Y%m%d%H%M%S)
    for z in good nsec3 ed ldns unsigned expired baddsonly nonsec; do
        dlab_child_source "$z.sec." "$DLAB_SLD_ADDR" >"$dir/src/$z.sec.zone"
    done
    # good.sec. delegates plain.good.sec., unsigned and without a DS.
    printf 'plain IN NS ns.plain\nns.plain IN A %s\n' "$DLAB_CHILD_ADDR" >>"$dir/src/good.sec.zone"
    dlab_child_source plain.good.sec. "$DLAB_CHILD_ADDR" >"$dir/zones/plain.good.sec.zone"
    cp "$dir/src/unsigned.sec.zone" "$dir/zones/"

    dlab_sign "$dir" good.sec. ECDSAP256SHA256 || return 1
    dlab_sign "$dir" nsec3.sec. ECDSAP256SHA256 -3 - -H 0 || return 1
    dlab_sign "$dir" ed.sec. ED25519 || return 1
    # -P: dnssec-signzone would refuse its own expired signatures.
    dlab_sign "$dir" expired.sec. ECDSAP256SHA256 -P -s 20200101000000 -e 20200201000000 || return 1
    dlab_sign "$dir" baddsonly.sec. ECDSAP256SHA256 || return 1
    dlab_sign "$dir" nonsec.sec. ECDSAP256SHA256 || return 1
    # nonsec.sec.: the NSEC alpha -> ns (and its RRSIG) removed, so nothere.nonsec.sec. is
    # NXDOMAIN without the proof that it does not exist.
    awk '!(tolower($1) == "alpha.nonsec.sec." && ($4 == "NSEC" || ($4 == "RRSIG" && $5 == "NSEC")))' \
        "$dir/zones/nonsec.sec.zone" >"$dir/work/nonsec.cut"
    if [ "$(wc -l <"$dir/zones/nonsec.sec.zone")" -ne $(($(wc -l <"$dir/work/nonsec.cut") + 2)) ]; then
        echo "nonsec.sec.: no NSEC and RRSIG NSEC at alpha.nonsec.sec. to remove" >>"$dir/sign.log"
        return 1
    fi
    mv "$dir/work/nonsec.cut" "$dir/zones/nonsec.sec.zone"

    # ldns.sec.: keys from ldns-keygen, signed by ldns-signzone (which adds the DNSKEYs).
    lksk=$(cd "$dir/keys" && ldns-keygen -a ECDSAP256SHA256 -k ldns.sec.) || return 1
    lzsk=$(cd "$dir/keys" && ldns-keygen -a ECDSAP256SHA256 ldns.sec.) || return 1
    ldns-signzone -o ldns.sec. -i "$now_1h" -f "$dir/zones/ldns.sec.zone" \
        "$dir/src/ldns.sec.zone" "$dir/keys/$lksk" "$dir/keys/$lzsk" >>"$dir/sign.log" 2>&1 || return 1

    # sec.: the delegations, with DS for the signed children (baddsonly.sec.'s from a key the
    # child does not have), signed with NSEC3 opt-out.
    cat >"$dir/src/sec.zone" <<EOF
\$ORIGIN sec.
\$TTL 3600
@           IN SOA ns1.nic hostmaster.nic 2024060101 7200 3600 1209600 300
@           IN NS ns1.nic
ns1.nic     IN A $DLAB_TLD_ADDR
EOF
    for z in good nsec3 ed ldns unsigned expired baddsonly nonsec; do
        printf '%s IN NS ns.%s\nns.%s IN A %s\n' "$z" "$z" "$z" "$DLAB_SLD_ADDR" >>"$dir/src/sec.zone"
    done
    for z in good nsec3 ed ldns expired nonsec; do
        dlab_ds "$dir" "$z.sec." >>"$dir/src/sec.zone" 2>>"$dir/sign.log" || return 1
    done
    other=$(cd "$dir/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -n ZONE baddsonly.sec.) || return 1
    dnssec-dsfromkey -2 "$dir/keys/$other.key" >>"$dir/src/sec.zone" 2>>"$dir/sign.log" || return 1
    dlab_sign "$dir" sec. ECDSAP256SHA256 -3 - -H 0 -A || return 1

    # The root: ns.root. and the delegation to sec. with its DS.
    cat >"$dir/src/root.zone" <<EOF
\$ORIGIN .
\$TTL 86400
.           IN SOA ns.root. hostmaster.root. 2024060101 1800 900 604800 3600
.           IN NS ns.root.
ns.root.    IN A $DLAB_ROOT_ADDR
sec.        IN NS ns1.nic.sec.
ns1.nic.sec. IN A $DLAB_TLD_ADDR
EOF
    dlab_ds "$dir" sec. >>"$dir/src/root.zone" 2>>"$dir/sign.log" || return 1
    dlab_sign "$dir" . ECDSAP256SHA256 || return 1

    dlab_ds "$dir" . >"$dir/root-ds" 2>>"$dir/sign.log" || return 1
    awk 'BEGIN { print "trust-anchors {" }
         { printf "    . static-ds %s %s %s \"%s\";\n", $4, $5, $6, $7 }
         END { print "};" }' "$dir/root-ds" >"$dir/delv.anchor"
    printf '.\t3600000\tNS\tns.root.\nns.root.\t3600000\tA\t%s\n' "$DLAB_ROOT_ADDR" >"$dir/hints"
}

# dlab_verify DIR: the fixture's own sanity check: dnssec-verify accepts every zone signed
# to be valid, and ldns-verify-zone the one ldns-signzone signed; prints `ZONE ok` or
# `ZONE FAILED: why` per zone.
dlab_verify() {
    local dir=$1 z out
    for z in . sec. good.sec. nsec3.sec. ed.sec. ldns.sec. baddsonly.sec.; do
        if out=$(dnssec-verify -q -o "$z" "$dir/zones/$(dlab_file "$z")" 2>&1); then
            echo "dnssec-verify $z ok"
        else
            echo "dnssec-verify $z FAILED: $(tr '\n' ' ' <<<"$out" | head -c 400)"
        fi
    done
    for z in ldns.sec. good.sec.; do
        if out=$(ldns-verify-zone "$dir/zones/$(dlab_file "$z")" 2>&1); then
            echo "ldns-verify-zone $z ok"
        else
            echo "ldns-verify-zone $z FAILED: $(tr '\n' ' ' <<<"$out" | head -c 400)"
        fi
    done
}

# dlab_servers: `ADDR ZONE…` for each authoritative server of the lab.
dlab_servers() {
    local a
    for a in "$DLAB_ROOT_ADDR" "$DLAB_TLD_ADDR" "$DLAB_SLD_ADDR" "$DLAB_CHILD_ADDR"; do
        printf '%s %s\n' "$a" "$(awk -v a="$a" '$2 == a { printf "%s ", $1 }' <<<"$DLAB_ZONES")"
    done
    printf '%s %s\n' "$DLAB_ALL_ADDR" "$(awk '{ printf "%s ", $1 }' <<<"$DLAB_ZONES")"
}

# dlab_start_nsd DIR: one NSD per address of dlab_servers, serving DIR/zones/ (under
# DIR/nsd-ADDR/); their PIDs are added to DLAB_AUTH_PIDS.
dlab_start_nsd() {
    local dir=$1 addr zones z sdir nsd_bin checkconf rrl
    nsd_bin=$(command -v nsd || echo /usr/sbin/nsd)
    checkconf=$(command -v nsd-checkconf || echo /usr/sbin/nsd-checkconf)
    while read -r addr zones; do
        sdir="$dir/nsd-$addr"
        mkdir -p "$sdir"
        # RRL is a compile-time option; without it the key is an error.
        for rrl in "rrl-ratelimit: 0" ""; do
            {
                cat <<EOF
server:
    ip-address: $addr@$LAB_PORT
    zonesdir: "$dir/zones"
    pidfile: "$sdir/nsd.pid"
    username: ""
    chroot: ""
    database: ""
    zonelistfile: "$sdir/zone.list"
    xfrdfile: "$sdir/xfrd.state"
    xfrdir: "$sdir"
    logfile: "$sdir/nsd.log"
    server-count: 1
    verbosity: 1
    $rrl
remote-control:
    control-enable: no
EOF
                for z in $zones; do
                    printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$z" "$(dlab_file "$z")"
                done
            } >"$sdir/nsd.conf"
            "$checkconf" "$sdir/nsd.conf" >/dev/null 2>&1 && break
        done
        "$nsd_bin" -d -c "$sdir/nsd.conf" >"$sdir/out.log" 2>&1 &
        DLAB_AUTH_PIDS+=("$!")
    done < <(dlab_servers)
}

# dlab_start_banyan BANYAN DIR: one `banyan auth` per address of dlab_servers, each with a
# directory of links to the zone files it serves (DIR/banyan-ADDR/zones/).
dlab_start_banyan() {
    local banyan=$1 dir=$2 addr zones z sdir
    while read -r addr zones; do
        sdir="$dir/banyan-$addr"
        mkdir -p "$sdir/zones"
        for z in $zones; do
            ln -sf "$dir/zones/$(dlab_file "$z")" "$sdir/zones/$(dlab_file "$z")"
        done
        "$banyan" auth --zones "$sdir/zones" --listen "$addr:$LAB_PORT" --workers 1 \
            >"$sdir/out.log" 2>&1 &
        DLAB_AUTH_PIDS+=("$!")
    done < <(dlab_servers)
}

# dlab_wait_auth: waits (at most 10 s in all) until every server answers each of its zones'
# SOA authoritatively; returns 1, naming the first that does not, otherwise.
dlab_wait_auth() {
    local addr zones z
    while read -r addr zones; do
        for z in $zones; do
            for _ in $(seq 100); do
                if dig @"$addr" -p "$LAB_PORT" +norec +time=1 +tries=1 "$z" SOA 2>/dev/null |
                    grep -q 'flags: qr aa'; then
                    continue 2
                fi
                sleep 0.1
            done
            dlab_log "dnssec lab: nothing answers for $z at $addr"
            return 1
        done
    done < <(dlab_servers)
}

# dlab_stop_auth: stops the authoritative servers (lab_stop_pid of scripts/lab.sh: by PID,
# with their children).
dlab_stop_auth() {
    if [ ${#DLAB_AUTH_PIDS[@]} -gt 0 ]; then lab_stop_pid "${DLAB_AUTH_PIDS[@]}"; fi
    DLAB_AUTH_PIDS=()
}

# dlab_start_unbound DIR ADDR LABDIR: a validating Unbound for the lab (trust anchor: the
# lab root's DS); sets LAB_PID.
dlab_start_unbound() {
    local dir=$1 addr=$2 lab=$3 extra
    mkdir -p "$dir"
    # ede (Extended DNS Errors) where this Unbound knows the option (1.16 and later).
    for extra in "ede: yes" ""; do
        cat >"$dir/unbound.conf" <<EOF
server:
    interface: $addr
    port: $LAB_PORT
    num-threads: 1
    do-ip6: no
    do-not-query-localhost: no
    root-hints: "$lab/hints"
    module-config: "validator iterator"
    trust-anchor-file: "$lab/root-ds"
    harden-dnssec-stripped: yes
    val-log-level: 2
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
        "$(command -v unbound-checkconf || echo /usr/sbin/unbound-checkconf)" "$dir/unbound.conf" \
            >/dev/null 2>&1 && break
    done
    "$(command -v unbound || echo /usr/sbin/unbound)" -d -c "$dir/unbound.conf" >"$dir/out.log" 2>&1 &
    LAB_PID=$!
}

# dlab_start_banyan_resolver BANYAN DIR ADDR LABDIR: `banyan resolver` validating with the lab
# root's DS; sets LAB_PID.
dlab_start_banyan_resolver() {
    local banyan=$1 dir=$2 addr=$3 lab=$4
    mkdir -p "$dir"
    "$banyan" resolver --listen "$addr:$LAB_PORT" --root-hints "$lab/hints" \
        --trust-anchor "$lab/root-ds" --upstream-port "$LAB_PORT" --no-default-local-zones \
        --workers 1 >"$dir/out.log" 2>&1 &
    LAB_PID=$!
}
