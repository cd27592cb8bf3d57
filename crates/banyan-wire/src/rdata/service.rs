//! Service location and binding types: SRV (RFC 2782), NAPTR (RFC 3403), and SVCB and HTTPS
//! (RFC 9460).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base64_decode, base64_encode, fmt_character_string, unescape_text, Fields, Token};
use crate::wire::{NameKind, Reader, WireSink};

/// Server selection (RFC 2782).
///
/// Wire format: priority, weight and port (16 bits each), then the target name (never
/// compressed by senders, lowercased in canonical form, RFC 4034 §6.2). Presentation:
/// `PRIORITY WEIGHT PORT TARGET`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative share among targets of equal priority.
    pub weight: u16,
    /// The service's port on the target.
    pub port: u16,
    /// The host providing the service; `.` means the service is not offered.
    pub target: Name,
}

impl RecordData for Srv {
    fn parse(r: &mut Reader<'_>) -> Result<Srv, RdataError> {
        Ok(Srv {
            priority: r.u16()?,
            weight: r.u16()?,
            port: r.u16()?,
            target: parse_name(r, NameKind::Canonical)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.priority);
        s.put_u16(self.weight);
        s.put_u16(self.port);
        s.put_name(&self.target, NameKind::Canonical);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.priority, self.weight, self.port, self.target)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Srv, TextError> {
        Ok(Srv {
            priority: fields.int("priority")?,
            weight: fields.int("weight")?,
            port: fields.int("port")?,
            target: fields.name("target")?,
        })
    }
}

/// Naming authority pointer (RFC 3403 §4.1).
///
/// Wire format: order and preference (16 bits each), flags, services and regexp as
/// `<character-string>`s, then the replacement name (never compressed, lowercased in
/// canonical form). Presentation: `ORDER PREFERENCE "FLAGS" "SERVICES" "REGEXP" REPLACEMENT`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Naptr {
    /// Records are processed in increasing order.
    pub order: u16,
    /// Preference among records of equal order.
    pub preference: u16,
    /// Flags controlling rewriting (`S`, `A`, `U`, `P`).
    pub flags: Vec<u8>,
    /// Service parameters.
    pub services: Vec<u8>,
    /// Substitution expression applied to the client's string.
    pub regexp: Vec<u8>,
    /// The next name to query when the regexp is empty.
    pub replacement: Name,
}

impl RecordData for Naptr {
    fn parse(r: &mut Reader<'_>) -> Result<Naptr, RdataError> {
        Ok(Naptr {
            order: r.u16()?,
            preference: r.u16()?,
            flags: r.character_string()?.to_vec(),
            services: r.character_string()?.to_vec(),
            regexp: r.character_string()?.to_vec(),
            replacement: parse_name(r, NameKind::Canonical)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.order);
        s.put_u16(self.preference);
        s.put_character_string(&self.flags);
        s.put_character_string(&self.services);
        s.put_character_string(&self.regexp);
        s.put_name(&self.replacement, NameKind::Canonical);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.order, self.preference)?;
        for s in [&self.flags, &self.services, &self.regexp] {
            fmt_character_string(s, f)?;
            f.write_str(" ")?;
        }
        write!(f, "{}", self.replacement)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Naptr, TextError> {
        Ok(Naptr {
            order: fields.int("order")?,
            preference: fields.int("preference")?,
            flags: fields.character_string("flags")?,
            services: fields.character_string("services")?,
            regexp: fields.character_string("regexp")?,
            replacement: fields.name("replacement")?,
        })
    }
}

/// A SvcParamKey (RFC 9460 §14.3.2, IANA "Service Parameter Keys (SvcParamKeys)").
/// Presentation: the registered name, or `keyNNNNN` for any number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SvcParamKey(pub u16);

impl SvcParamKey {
    /// Keys the client must understand to use the record (RFC 9460 §8).
    pub const MANDATORY: SvcParamKey = SvcParamKey(0);
    /// Application-Layer Protocol Negotiation ids (RFC 9460 §7.1).
    pub const ALPN: SvcParamKey = SvcParamKey(1);
    /// The default ALPN set is not supported (RFC 9460 §7.1).
    pub const NO_DEFAULT_ALPN: SvcParamKey = SvcParamKey(2);
    /// Alternative port (RFC 9460 §7.2).
    pub const PORT: SvcParamKey = SvcParamKey(3);
    /// IPv4 address hints (RFC 9460 §7.3).
    pub const IPV4HINT: SvcParamKey = SvcParamKey(4);
    /// Encrypted ClientHello configuration (RFC 9460 §14.3.2, RFC 9848).
    pub const ECH: SvcParamKey = SvcParamKey(5);
    /// IPv6 address hints (RFC 9460 §7.3).
    pub const IPV6HINT: SvcParamKey = SvcParamKey(6);
    /// DNS-over-HTTPS URI template (RFC 9461 §5).
    pub const DOHPATH: SvcParamKey = SvcParamKey(7);

    const NAMES: [&'static str; 8] = [
        "mandatory",
        "alpn",
        "no-default-alpn",
        "port",
        "ipv4hint",
        "ech",
        "ipv6hint",
        "dohpath",
    ];

    /// Parses a key name or `keyNNNNN` (no leading zeros; 65535 is reserved, RFC 9460
    /// §14.3.2). `echconfig` is accepted as the draft name of `ech`, as Unbound accepts it.
    pub fn from_text(s: &str) -> Option<SvcParamKey> {
        if let Some(i) = SvcParamKey::NAMES.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Some(SvcParamKey(i as u16));
        }
        if s.eq_ignore_ascii_case("echconfig") {
            return Some(SvcParamKey::ECH);
        }
        let digits = s.strip_prefix("key")?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        match digits.parse::<u16>() {
            Ok(65535) | Err(_) => None,
            Ok(n) => Some(SvcParamKey(n)),
        }
    }
}

impl fmt::Display for SvcParamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match SvcParamKey::NAMES.get(self.0 as usize) {
            Some(n) => f.write_str(n),
            None => write!(f, "key{}", self.0),
        }
    }
}

/// One SvcParam of an SVCB or HTTPS record (RFC 9460 §2.2, §7), typed by its key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SvcParam {
    /// Key 0: keys the client must support (RFC 9460 §8). Wire: 16-bit keys in strictly
    /// increasing order, not including `mandatory` itself.
    Mandatory(Vec<SvcParamKey>),
    /// Key 1: ALPN protocol ids (RFC 9460 §7.1.1). Wire: non-empty `<character-string>`s.
    Alpn(Vec<Vec<u8>>),
    /// Key 2: the default ALPN is not supported (RFC 9460 §7.1.1). Wire: empty.
    NoDefaultAlpn,
    /// Key 3: the port to connect to (RFC 9460 §7.2). Wire: 16 bits.
    Port(u16),
    /// Key 4: IPv4 addresses of the target (RFC 9460 §7.3). Wire: 4 octets each.
    Ipv4Hint(Vec<Ipv4Addr>),
    /// Key 5: an ECHConfigList (RFC 9460 §14.3.2). Wire: opaque; presentation base64.
    Ech(Vec<u8>),
    /// Key 6: IPv6 addresses of the target (RFC 9460 §7.3). Wire: 16 octets each.
    Ipv6Hint(Vec<Ipv6Addr>),
    /// Key 7: the DoH URI template (RFC 9461 §5). Wire: UTF-8 octets.
    DohPath(String),
    /// Any other key, value kept opaque (RFC 9460 §2.1 `keyNNNNN`).
    Unknown {
        /// The key number (never one of the typed keys above).
        key: SvcParamKey,
        /// The value octets.
        value: Vec<u8>,
    },
}

impl SvcParam {
    /// The key this parameter is stored under.
    pub fn key(&self) -> SvcParamKey {
        match self {
            SvcParam::Mandatory(_) => SvcParamKey::MANDATORY,
            SvcParam::Alpn(_) => SvcParamKey::ALPN,
            SvcParam::NoDefaultAlpn => SvcParamKey::NO_DEFAULT_ALPN,
            SvcParam::Port(_) => SvcParamKey::PORT,
            SvcParam::Ipv4Hint(_) => SvcParamKey::IPV4HINT,
            SvcParam::Ech(_) => SvcParamKey::ECH,
            SvcParam::Ipv6Hint(_) => SvcParamKey::IPV6HINT,
            SvcParam::DohPath(_) => SvcParamKey::DOHPATH,
            SvcParam::Unknown { key, .. } => *key,
        }
    }

    /// Reads the value of `key` from its wire octets, checking the value's own format.
    fn from_wire(key: SvcParamKey, v: &[u8]) -> Result<SvcParam, RdataError> {
        let bad = RdataError::Invalid;
        Ok(match key {
            SvcParamKey::MANDATORY => {
                if v.is_empty() || v.len() % 2 != 0 {
                    return Err(bad);
                }
                let keys: Vec<SvcParamKey> =
                    v.chunks(2).map(|c| SvcParamKey(u16::from_be_bytes([c[0], c[1]]))).collect();
                if keys.windows(2).any(|w| w[0] >= w[1]) || keys.contains(&SvcParamKey::MANDATORY) {
                    return Err(bad);
                }
                SvcParam::Mandatory(keys)
            }
            SvcParamKey::ALPN => {
                let mut r = Reader::over(v);
                let mut ids = Vec::new();
                while !r.is_empty() {
                    let id = r.character_string()?;
                    if id.is_empty() {
                        return Err(bad);
                    }
                    ids.push(id.to_vec());
                }
                if ids.is_empty() {
                    return Err(bad);
                }
                SvcParam::Alpn(ids)
            }
            SvcParamKey::NO_DEFAULT_ALPN if v.is_empty() => SvcParam::NoDefaultAlpn,
            SvcParamKey::PORT if v.len() == 2 => SvcParam::Port(u16::from_be_bytes([v[0], v[1]])),
            SvcParamKey::IPV4HINT if !v.is_empty() && v.len() % 4 == 0 => {
                SvcParam::Ipv4Hint(v.chunks(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect())
            }
            SvcParamKey::ECH => SvcParam::Ech(v.to_vec()),
            SvcParamKey::IPV6HINT if !v.is_empty() && v.len() % 16 == 0 => SvcParam::Ipv6Hint(
                v.chunks(16)
                    .map(|c| {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(c);
                        Ipv6Addr::from(a)
                    })
                    .collect(),
            ),
            SvcParamKey::DOHPATH => SvcParam::DohPath(String::from_utf8(v.to_vec()).map_err(|_| bad)?),
            SvcParamKey(0..=7) => return Err(bad),
            key => SvcParam::Unknown { key, value: v.to_vec() },
        })
    }

    /// Writes the value octets (without key and length).
    fn write_value<S: WireSink>(&self, s: &mut S) {
        match self {
            SvcParam::Mandatory(keys) => keys.iter().for_each(|k| s.put_u16(k.0)),
            SvcParam::Alpn(ids) => ids.iter().for_each(|id| s.put_character_string(id)),
            SvcParam::NoDefaultAlpn => {}
            SvcParam::Port(p) => s.put_u16(*p),
            SvcParam::Ipv4Hint(a) => a.iter().for_each(|a| s.put(&a.octets())),
            SvcParam::Ech(v) => s.put(v),
            SvcParam::Ipv6Hint(a) => a.iter().for_each(|a| s.put(&a.octets())),
            SvcParam::DohPath(p) => s.put(p.as_bytes()),
            SvcParam::Unknown { value, .. } => s.put(value),
        }
    }

    /// Reads the presentation value of `key`: `value` is the field after `=` with escapes
    /// still in place, `None` when the key stood alone.
    fn from_text(key: SvcParamKey, value: Option<&str>) -> Result<SvcParam, TextError> {
        let what = "SvcParam value";
        // The value is first a <character-string> (RFC 9460 §2.1); list-valued keys then
        // split the decoded octets at unescaped commas (Appendix A.1).
        let decoded = match value {
            Some(v) => Some(unescape_text(v).ok_or_else(|| TextError::bad(what, v))?),
            None => None,
        };
        let raw = value.unwrap_or("");
        let need = |d: Option<Vec<u8>>| d.ok_or(TextError::Missing("SvcParam value"));
        Ok(match key {
            SvcParamKey::MANDATORY => {
                let mut keys = Vec::new();
                for item in split_list(&need(decoded)?).ok_or_else(|| TextError::bad(what, raw))? {
                    let text = std::str::from_utf8(&item).map_err(|_| TextError::bad(what, raw))?;
                    let k = SvcParamKey::from_text(text).ok_or_else(|| TextError::bad("SvcParamKey", text))?;
                    if k == SvcParamKey::MANDATORY || keys.contains(&k) {
                        return Err(TextError::bad("mandatory key list", raw));
                    }
                    keys.push(k);
                }
                keys.sort_unstable();
                SvcParam::Mandatory(keys)
            }
            SvcParamKey::ALPN => {
                let ids = split_list(&need(decoded)?).ok_or_else(|| TextError::bad("alpn value", raw))?;
                if ids.iter().any(|id| id.len() > 255) {
                    return Err(TextError::bad("alpn value", raw));
                }
                SvcParam::Alpn(ids)
            }
            SvcParamKey::NO_DEFAULT_ALPN => match decoded {
                None => SvcParam::NoDefaultAlpn,
                Some(_) => return Err(TextError::bad("no-default-alpn (takes no value)", raw)),
            },
            SvcParamKey::PORT => {
                let d = need(decoded)?;
                let text = std::str::from_utf8(&d).map_err(|_| TextError::bad("port", raw))?;
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(TextError::bad("port", raw));
                }
                SvcParam::Port(text.parse().map_err(|_| TextError::bad("port", raw))?)
            }
            SvcParamKey::IPV4HINT => SvcParam::Ipv4Hint(parse_addrs(&need(decoded)?, raw)?),
            SvcParamKey::IPV6HINT => SvcParam::Ipv6Hint(parse_addrs(&need(decoded)?, raw)?),
            SvcParamKey::ECH => {
                let d = decoded.unwrap_or_default();
                let text = std::str::from_utf8(&d).map_err(|_| TextError::bad("ech value", raw))?;
                SvcParam::Ech(base64_decode(text).ok_or_else(|| TextError::bad("ech value (base64)", raw))?)
            }
            SvcParamKey::DOHPATH => SvcParam::DohPath(
                String::from_utf8(decoded.unwrap_or_default()).map_err(|_| TextError::bad("dohpath (UTF-8)", raw))?,
            ),
            key => SvcParam::Unknown {
                key,
                value: decoded.unwrap_or_default(),
            },
        })
    }
}

/// Splits a decoded value-list at commas (RFC 9460 Appendix A.1): `\` makes the next octet
/// literal, and every item must be non-empty. `None` on an empty item or a trailing `\`.
fn split_list(v: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut items = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'\\' => {
                cur.push(*v.get(i + 1)?);
                i += 2;
            }
            b',' => {
                if cur.is_empty() {
                    return None;
                }
                items.push(std::mem::take(&mut cur));
                i += 1;
            }
            b => {
                cur.push(b);
                i += 1;
            }
        }
    }
    if cur.is_empty() {
        return None;
    }
    items.push(cur);
    Some(items)
}

fn parse_addrs<T: std::str::FromStr>(v: &[u8], raw: &str) -> Result<Vec<T>, TextError> {
    let items = split_list(v).ok_or_else(|| TextError::bad("address hint", raw))?;
    items
        .iter()
        .map(|item| {
            std::str::from_utf8(item)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| TextError::bad("address hint", raw))
        })
        .collect()
}

/// Writes a value-list item with the list escapes of RFC 9460 Appendix A.1 (`,` and `\`),
/// then as the inside of a quoted `<character-string>`, so `f\oo,bar` prints as
/// `f\\\\oo\\,bar`, the form RFC 9460 Appendix D.2 shows.
fn fmt_list_item(item: &[u8], out: &mut Vec<u8>) {
    for &b in item {
        if b == b',' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
}

impl fmt::Display for SvcParam {
    /// The `key=value` presentation form, quoting values as BIND prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key())?;
        match self {
            SvcParam::Mandatory(keys) => {
                for (i, k) in keys.iter().enumerate() {
                    write!(f, "{}{k}", if i == 0 { "=" } else { "," })?;
                }
                Ok(())
            }
            SvcParam::Alpn(ids) => {
                let mut joined = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        joined.push(b',');
                    }
                    fmt_list_item(id, &mut joined);
                }
                f.write_str("=")?;
                fmt_character_string(&joined, f)
            }
            SvcParam::NoDefaultAlpn => Ok(()),
            SvcParam::Port(p) => write!(f, "={p}"),
            SvcParam::Ipv4Hint(a) => fmt_addrs(a, f),
            SvcParam::Ipv6Hint(a) => fmt_addrs(a, f),
            SvcParam::Ech(v) if v.is_empty() => Ok(()),
            SvcParam::Ech(v) => write!(f, "={}", base64_encode(v)),
            SvcParam::DohPath(p) => {
                f.write_str("=")?;
                fmt_character_string(p.as_bytes(), f)
            }
            SvcParam::Unknown { value, .. } if value.is_empty() => Ok(()),
            SvcParam::Unknown { value, .. } => {
                f.write_str("=")?;
                fmt_character_string(value, f)
            }
        }
    }
}

fn fmt_addrs<T: fmt::Display>(addrs: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, a) in addrs.iter().enumerate() {
        write!(f, "{}{a}", if i == 0 { "=" } else { "," })?;
    }
    Ok(())
}

/// Service binding (RFC 9460 §2.2), also the form of HTTPS (RFC 9460 §9).
///
/// Wire format: SvcPriority (16 bits; 0 is AliasMode), TargetName (never compressed, never
/// lowercased), then SvcParams, each a key (16 bits), value length (16 bits) and value, in
/// strictly increasing key order. Presentation (RFC 9460 §2.1): `PRIORITY TARGET
/// key=value…`, keys in any order, values as [`SvcParam`] describes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Svcb {
    /// 0 for AliasMode, otherwise the preference in ServiceMode (lower first).
    pub priority: u16,
    /// The alias target or the service's host; `.` means the owner name (ServiceMode).
    pub target: Name,
    /// The parameters, in strictly increasing key order.
    pub params: Vec<SvcParam>,
}

impl Svcb {
    /// RFC 9460 §8: every key that `mandatory` lists must be present.
    fn self_consistent(params: &[SvcParam]) -> bool {
        params.iter().all(|p| match p {
            SvcParam::Mandatory(keys) => keys.iter().all(|k| params.iter().any(|q| q.key() == *k)),
            _ => true,
        })
    }

    /// The parameter stored under `key`, if any.
    pub fn param(&self, key: SvcParamKey) -> Option<&SvcParam> {
        self.params.iter().find(|p| p.key() == key)
    }
}

/// True when the unquoted field `key_field` (ending in `=`) is followed directly by the
/// quoted field `next`, as in `alpn="h2,h3"`, which the tokenizer splits in two. Both are
/// slices of the same text, so adjacency is a matter of addresses: only the opening quote
/// lies between them.
fn quoted_value_follows(key_field: &Token<'_>, next: Option<&Token<'_>>) -> bool {
    match next {
        Some(n) if n.quoted => key_field.text.as_ptr() as usize + key_field.text.len() + 1 == n.text.as_ptr() as usize,
        _ => false,
    }
}

impl RecordData for Svcb {
    fn parse(r: &mut Reader<'_>) -> Result<Svcb, RdataError> {
        let priority = r.u16()?;
        let target = r.name_uncompressed()?;
        let mut params: Vec<SvcParam> = Vec::new();
        while !r.is_empty() {
            let key = SvcParamKey(r.u16()?);
            if params.last().is_some_and(|p| p.key() >= key) {
                return Err(RdataError::Invalid);
            }
            let len = r.u16()? as usize;
            params.push(SvcParam::from_wire(key, r.bytes(len)?)?);
        }
        if !Svcb::self_consistent(&params) {
            return Err(RdataError::Invalid);
        }
        Ok(Svcb {
            priority,
            target,
            params,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.priority);
        s.put_name(&self.target, NameKind::Plain);
        let mut order: Vec<&SvcParam> = self.params.iter().collect();
        order.sort_by_key(|p| p.key());
        for p in order {
            s.put_u16(p.key().0);
            let at = s.position();
            s.put_u16(0);
            p.write_value(s);
            let len = s.position() - at - 2;
            s.patch_u16(at, len.min(u16::MAX as usize) as u16);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.priority, self.target)?;
        for p in &self.params {
            write!(f, " {p}")?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Svcb, TextError> {
        let priority = fields.int("SvcPriority")?;
        let target = fields.name("TargetName")?;
        let rest = fields.rest();
        let mut params: Vec<SvcParam> = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let t = &rest[i];
            i += 1;
            if t.quoted {
                return Err(TextError::bad("SvcParam", t.text));
            }
            let (key_text, value) = match t.text.split_once('=') {
                None => (t.text, None),
                Some((k, "")) if quoted_value_follows(t, rest.get(i)) => {
                    i += 1;
                    (k, Some(rest[i - 1].text))
                }
                Some((k, v)) => (k, Some(v)),
            };
            let key = SvcParamKey::from_text(key_text).ok_or_else(|| TextError::bad("SvcParamKey", key_text))?;
            if params.iter().any(|p| p.key() == key) {
                return Err(TextError::bad("SvcParamKey (repeated)", key_text));
            }
            params.push(SvcParam::from_text(key, value)?);
        }
        params.sort_by_key(|p| p.key());
        if !Svcb::self_consistent(&params) {
            return Err(TextError::bad("mandatory (lists a key that is not present)", "mandatory"));
        }
        let svcb = Svcb {
            priority,
            target,
            params,
        };
        let mut len = Vec::new();
        svcb.write(&mut len);
        if len.len() > 65535 || svcb.params.iter().any(|p| matches!(p, SvcParam::Ech(v) | SvcParam::Unknown { value: v, .. } if v.len() > 65535)) {
            return Err(TextError::TooLong);
        }
        Ok(svcb)
    }
}
