//! Name rules the content checks apply: host names (RFC 952, RFC 1123 §2.1) where a record
//! names a host, the DNS-SD browsing prefixes that are not host names (RFC 6763 §11), and
//! the canonical form of response-policy-zone IP triggers.

use banyan_wire::Name;

/// True when every label is letters, digits and hyphens, neither starting nor ending with a
/// hyphen (RFC 952 as relaxed by RFC 1123 §2.1). The root is a host name: a ServiceMode SVCB
/// target `.` means the owner (RFC 9460 §2.5).
pub fn is_host_name(name: &Name) -> bool {
    name.labels().all(|label| {
        let border = |b: &u8| b.is_ascii_alphanumeric();
        label.first().is_some_and(border)
            && label.last().is_some_and(border)
            && label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    })
}

/// True for the DNS-SD domain enumeration names `b`, `db`, `r`, `dr` and `lb` under
/// `_dns-sd._udp` (RFC 6763 §11): their PTR records name browsing domains, so the host-name
/// rule for PTR records in the reverse trees does not apply to them.
pub fn is_dns_sd_prefix(name: &Name) -> bool {
    let mut labels = name.labels();
    let (Some(first), Some(second), Some(third)) = (labels.next(), labels.next(), labels.next()) else {
        return false;
    };
    ["b", "db", "r", "dr", "lb"]
        .iter()
        .any(|p| first.eq_ignore_ascii_case(p.as_bytes()))
        && second.eq_ignore_ascii_case(b"_dns-sd")
        && third.eq_ignore_ascii_case(b"_udp")
}

/// True for names under `in-addr.arpa.` (RFC 1035 §3.5), `ip6.arpa.` (RFC 3596 §2.5) or the
/// retired `ip6.int.`, where a PTR record names a host.
pub fn is_reverse_name(name: &Name) -> bool {
    let labels: Vec<&[u8]> = name.labels().collect();
    let n = labels.len();
    n >= 2
        && ((labels[n - 1].eq_ignore_ascii_case(b"arpa")
            && (labels[n - 2].eq_ignore_ascii_case(b"in-addr") || labels[n - 2].eq_ignore_ascii_case(b"ip6")))
            || (labels[n - 1].eq_ignore_ascii_case(b"int") && labels[n - 2].eq_ignore_ascii_case(b"ip6")))
}

/// The response-policy-zone labels whose subdomains are IP address triggers
/// (draft-vixie-dnsop-dns-rpz §4.1, §4.3, §4.4).
const RPZ_IP_LABELS: [&str; 3] = ["rpz-ip", "rpz-nsip", "rpz-client-ip"];

/// For an owner `TRIGGER.rpz-ip.ORIGIN` (or `rpz-nsip`, `rpz-client-ip`): `Some(canonical)`
/// when the trigger is not written in its one canonical form, with that form (or an empty
/// string when the trigger is no address at all); `None` for other owners and for triggers in
/// canonical form.
///
/// Triggers are `PREFIX.B4.B3.B2.B1` for IPv4 and `PREFIX.W8.….W1` for IPv6, least
/// significant part first, the longest run of two or more zero words written once as `zz`
/// (draft-vixie-dnsop-dns-rpz §4.1.1, as RFC 5952 §4.2 places `::`). A policy zone holds one
/// trigger per address, so a second spelling is refused as BIND refuses it.
pub fn rpz_noncanonical_trigger(owner: &Name, origin: &Name) -> Option<String> {
    let labels: Vec<&[u8]> = owner.labels().collect();
    let below = labels.len().checked_sub(origin.label_count() + 1)?;
    let marker = std::str::from_utf8(labels[below]).ok()?;
    if below == 0 || !RPZ_IP_LABELS.iter().any(|l| marker.eq_ignore_ascii_case(l)) {
        return None;
    }
    let trigger: Vec<&str> = labels[..below]
        .iter()
        .map(|l| std::str::from_utf8(l).unwrap_or("\u{0}"))
        .collect();
    let canonical = canonical_trigger(&trigger).unwrap_or_default();
    let written = trigger.join(".");
    (!written.eq_ignore_ascii_case(&canonical)).then_some(canonical)
}

/// The canonical spelling of a trigger given as labels (prefix first), or `None` when it is
/// no address.
fn canonical_trigger(labels: &[&str]) -> Option<String> {
    let (prefix, parts) = labels.split_first()?;
    let prefix: u32 = prefix.parse().ok()?;
    if parts.len() == 4 && !parts.contains(&"zz") {
        let mut octets = [0u8; 4];
        for (i, p) in parts.iter().enumerate() {
            octets[3 - i] = p.parse().ok()?;
        }
        if !(1..=32).contains(&prefix) {
            return None;
        }
        return Some(format!(
            "{prefix}.{}.{}.{}.{}",
            octets[3], octets[2], octets[1], octets[0]
        ));
    }
    if !(1..=128).contains(&prefix) {
        return None;
    }
    // Most significant word first, `zz` standing for the zero words the others leave.
    let words: Vec<&str> = parts.iter().rev().copied().collect();
    let zz = words.iter().filter(|w| w.eq_ignore_ascii_case("zz")).count();
    if zz > 1 || (zz == 0 && words.len() != 8) || (zz == 1 && words.len() > 7) {
        return None;
    }
    let mut value = [0u16; 8];
    let mut i = 0;
    for w in &words {
        if w.eq_ignore_ascii_case("zz") {
            i += 9 - words.len();
            continue;
        }
        if w.is_empty() || w.len() > 4 {
            return None;
        }
        value[i] = u16::from_str_radix(w, 16).ok()?;
        i += 1;
    }
    let text = rfc5952_words(&value);
    let mut out = prefix.to_string();
    for w in text.iter().rev() {
        out.push('.');
        out.push_str(w);
    }
    Some(out)
}

/// The words of an address most significant first, the longest run of two or more zero
/// words (the first of equal runs) replaced by one `zz` (RFC 5952 §4.2.2, §4.2.3).
fn rfc5952_words(v: &[u16; 8]) -> Vec<String> {
    let (mut best, mut best_len, mut i) = (0, 0, 0);
    while i < 8 {
        if v[i] == 0 {
            let start = i;
            while i < 8 && v[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < 8 {
        if best_len >= 2 && i == best {
            out.push("zz".to_string());
            i += best_len;
        } else {
            out.push(format!("{:x}", v[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn host_names() {
        assert!(is_host_name(&n("ns1.example.")));
        assert!(is_host_name(&n(".")));
        assert!(!is_host_name(&n("_underscore.example.")));
        assert!(!is_host_name(&n("!@#3.")));
        assert!(!is_host_name(&n("-a.example.")));
    }

    #[test]
    fn dns_sd_prefixes() {
        assert!(is_dns_sd_prefix(&n("lb._dns-sd._udp.0.0.0.0.in-addr.arpa.")));
        assert!(!is_dns_sd_prefix(&n("lb._dns-sd._tcp.0.0.0.0.in-addr.arpa.")));
        assert!(!is_dns_sd_prefix(&n("b._fail._udp.0.0.0.0.in-addr.arpa.")));
        assert!(is_reverse_name(&n("1.0.0.0.in-addr.arpa.")));
        assert!(is_reverse_name(&n("1.ip6.int.")));
        assert!(!is_reverse_name(&n("arpa.")));
    }

    #[test]
    fn rpz_triggers() {
        let origin = n("db.");
        let check = |o: &str| rpz_noncanonical_trigger(&n(o), &origin);
        assert_eq!(check("128.2.zz.3.2.2001.rpz-ip.db."), None);
        assert_eq!(
            check("128.2.0.0.0.0.3.2.2001.rpz-ip.db."),
            Some("128.2.zz.3.2.2001".into())
        );
        assert_eq!(check("32.1.2.0.192.rpz-ip.db."), None);
        assert_eq!(check("32.01.2.0.192.rpz-ip.db."), Some("32.1.2.0.192".into()));
        assert_eq!(check("128.1.zz.rpz-nsip.db."), None);
        assert_eq!(check("128.0001.zz.rpz-client-ip.db."), Some("128.1.zz".into()));
        assert_eq!(check("33.1.2.0.192.rpz-ip.db."), Some(String::new()));
        assert_eq!(check("128.1.0.zz.rpz-ip.db."), Some("128.1.zz".into()));
        assert_eq!(check("rpz-ip.db."), None);
        assert_eq!(check("www.example.db."), None);
    }
}
