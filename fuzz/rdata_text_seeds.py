#!/usr/bin/env python3
"""Writes rdata_text seeds: the RDATA text of record lines from ../shared/testdata/zonefile,
prefixed with the character that selects the record type in src/lib.rs (TEXT_TYPES).

usage: python3 fuzz/rdata_text_seeds.py ../shared/testdata OUTDIR   (then cargo fuzz cmin rdata_text)
"""
import glob, hashlib, os, random, sys

# Must match TEXT_TYPES in src/lib.rs, in order.
TYPES = ("A NS CNAME SOA PTR HINFO MX TXT AAAA SRV NAPTR DNAME DS SSHFP RRSIG NSEC DNSKEY NSEC3 "
         "NSEC3PARAM TLSA CDS CDNSKEY SVCB HTTPS CAA LOC SPF ZONEMD TSIG OPT RP AFSDB KX RT MINFO MB "
         "MG MR URI OPENPGPKEY SMIMEA CSYNC APL IPSECKEY DHCID CERT TYPE65534 TYPE731").split()
assert len(TYPES) == 48
INDEX = {t: i for i, t in enumerate(TYPES)}
PER_TYPE = 25


def records(text):
    """Whole records: comments dropped, parenthesised lines joined."""
    out, cur, depth = [], "", 0
    for line in text.splitlines():
        s, quoted, esc = "", False, False
        for ch in line:
            if esc:
                s, esc = s + ch, False
                continue
            if ch == "\\":
                s, esc = s + ch, True
                continue
            if ch == '"':
                quoted = not quoted
            if ch == ";" and not quoted:
                break
            if not quoted and ch == "(":
                depth += 1
            if not quoted and ch == ")":
                depth -= 1
            s += ch
        cur += " " + s
        if depth <= 0:
            if cur.strip():
                out.append(cur)
            cur, depth = "", 0
    return out


def main(testdata, outdir):
    z = os.path.join(testdata, "zonefile")
    files = (glob.glob(z + "/valid/**/*", recursive=True)
             + glob.glob(z + "/valid-with-expected-output/unbound-rr-text-to-wire/test_ldnsrr.[0-9]")
             + glob.glob(z + "/valid-with-expected-output/svcb/dnspython/*")
             + glob.glob(z + "/mixed-valid-and-invalid-with-expected-output/knot-zscanner/*.in")
             + glob.glob(testdata + "/dnssec/rfc-examples/**/*.zone", recursive=True))
    by_type = {}
    for f in files:
        if not os.path.isfile(f):
            continue
        try:
            text = open(f, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        for r in records(text):
            toks = r.split()
            for i, t in enumerate(toks[:6]):
                if t.upper() in INDEX and (i > 0 or r[0] in " \t"):
                    p = 0
                    for k in range(i):
                        p = r.find(toks[k], p) + len(toks[k])
                    p = r.find(t, p) + len(t)
                    rdata = r[p:].strip()
                    if rdata and len(rdata) < 3000:
                        by_type.setdefault(t.upper(), set()).add(rdata)
                    break
    random.seed(1)
    os.makedirs(outdir, exist_ok=True)
    extra = [("TYPE65534", "\\# 3 abcdef"), ("TYPE65534", "\\# 0"), ("A", "\\# 4 c0000201")]
    chosen = []
    for t, lines in sorted(by_type.items()):
        lines = sorted(lines)
        random.shuffle(lines)
        chosen += [(t, l) for l in lines[:PER_TYPE]]
    for t, rdata in chosen + extra:
        data = chr(48 + INDEX[t]) + rdata
        name = t + "-" + hashlib.sha1(data.encode()).hexdigest()[:16]
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as out:
            out.write(data)
    print(len(chosen) + len(extra), "seeds")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
