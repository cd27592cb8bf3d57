//! Dynamic UPDATE (RFC 2136): a signed client adds and deletes records of a zone.
//!
//! [`crate::respond`] only screens an UPDATE (one zone section entry of type SOA for a zone
//! we serve) and hands it to the server as [`crate::Action::Update`]. The server applies the
//! updates of one zone one at a time with [`apply_update`], a pure function from the zone
//! and the request to the new version and its difference (for the journal and IXFR), and
//! answers with [`update_reply`].
//!
//! [`apply_update`] follows RFC 2136 §3 in order, the first failure deciding the RCODE:
//! 1. the zone section (§3.1): exactly one entry, of type SOA (else FORMERR), naming this
//!    zone and class (else NOTAUTH);
//! 2. an unsigned request is REFUSED: permission comes only from the TSIG key the request
//!    was verified with (§3.3, as BIND's `update-policy`); checked before anything is looked
//!    up, so that prerequisites reveal nothing to strangers;
//! 3. the prerequisites (§3.2): each of the five kinds, including the value-dependent
//!    comparison of whole RRsets (§2.4.2, RDATA compared in canonical form, TTLs ignored);
//! 4. the prescan of the update section (§3.4.1): FORMERR or NOTZONE for malformed
//!    entries, before permissions so that a malformed request is FORMERR whoever signed it;
//! 5. permission for every entry (§3.3) by the [`UpdateRule`]s, else REFUSED;
//! 6. the updates in order (§3.4.2): add, delete an RRset, delete every RRset at a name,
//!    delete one RR, with the apex SOA and NS protected (§3.4.2.3, §3.4.2.4), the SOA
//!    replaced only by one with a serial at least as great (§3.4.2.2), CNAME and other data
//!    kept apart (§3.4.2.2; RRSIG and NSEC may sit beside a CNAME, RFC 4035 §2.5), and
//!    CNAME and DNAME replacing rather than joining an RRset;
//! 7. the serial is advanced by the [`SerialPolicy`] unless the update itself raised it
//!    (§3.6); an update that changes nothing leaves the zone and serial alone (§3.7).
//!
//! What it does not do: WKS merging (§3.4.2.2, an obsolete type, is treated as any other),
//! forwarding to a primary (§6), or re-signing a signed zone (the server's business).

use std::collections::BTreeMap;
use std::str::FromStr;

use banyan_wire::edns::Edns;
use banyan_wire::message::{Message, MessageBuilder, RecordView};
use banyan_wire::wire::CanonicalSink;
use banyan_wire::{Class, Header, Name, NameBuf, Opcode, RData, Rcode, Record, RecordType};
use banyan_zone::{serial_gt, Zone, ZoneDiff};

use crate::answer::{error_reply, Action};
use crate::catalog::Catalog;

/// One grant of an update policy, as BIND's `update-policy { grant KEY MATCHTYPE NAME
/// TYPES; }`: requests signed with the TSIG key `key` (RFC 8945) may add and delete records
/// whose owner matches `names` and whose type is in `types`.
///
/// An empty `types` allows every type except SOA, NS, RRSIG, NSEC and NSEC3 (as BIND):
/// those change the zone's structure or its DNSSEC data and must be granted by name. `ANY`
/// in `types` allows every type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateRule {
    /// The TSIG key the request must have been verified with (compared ignoring case).
    pub key: Name,
    /// The owner names the rule covers.
    pub names: NamePattern,
    /// The types the rule covers (see the type documentation for empty and `ANY`).
    pub types: Vec<RecordType>,
}

impl UpdateRule {
    /// Whether the rule lets `signer` change records of `rtype` at `owner` (RFC 2136 §3.3).
    pub fn allows(&self, signer: &Name, owner: &Name, rtype: RecordType) -> bool {
        let type_allowed = if self.types.is_empty() {
            !matches!(
                rtype,
                RecordType::SOA | RecordType::NS | RecordType::RRSIG | RecordType::NSEC | RecordType::NSEC3
            )
        } else {
            self.types.iter().any(|&t| t == rtype || t == RecordType::ANY)
        };
        self.key == *signer && self.names.matches(owner) && type_allowed
    }
}

/// Which owner names an [`UpdateRule`] covers (BIND's `name`, `subdomain` and `wildcard`
/// match types). Written `example.com.` (exact), `sub:example.com.` (the name and below) or
/// `*.example.com.` (strictly below).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamePattern {
    /// Exactly this name.
    Exact(Name),
    /// This name and every name below it.
    Subdomain(Name),
    /// Every name strictly below this one (the names the wildcard `*.<name>` stands for):
    /// `*.example.com.` is held as `Wildcard(example.com.)`.
    Wildcard(Name),
}

impl NamePattern {
    /// Whether `name` matches (ignoring case, as names compare).
    pub fn matches(&self, name: &Name) -> bool {
        match self {
            NamePattern::Exact(n) => name == n,
            NamePattern::Subdomain(n) => name.is_subdomain_of(n),
            NamePattern::Wildcard(n) => name.is_subdomain_of(n) && name != n,
        }
    }
}

/// Why an update policy value did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad {what} {text:?}: expected {expected}")]
pub struct UpdatePolicyError {
    /// What was being read.
    pub what: &'static str,
    /// The text given.
    pub text: String,
    /// What would have been accepted.
    pub expected: &'static str,
}

impl FromStr for NamePattern {
    type Err = UpdatePolicyError;
    fn from_str(s: &str) -> Result<NamePattern, UpdatePolicyError> {
        let bad = || UpdatePolicyError {
            what: "name pattern",
            text: s.to_string(),
            expected: "NAME, sub:NAME or *.NAME",
        };
        let name = |t: &str| -> Result<Name, UpdatePolicyError> {
            if t.is_empty() {
                return Err(bad());
            }
            t.parse().map_err(|_| bad())
        };
        if let Some(rest) = s.strip_prefix("sub:") {
            return name(rest).map(NamePattern::Subdomain);
        }
        if s == "*" || s == "*." {
            return Ok(NamePattern::Wildcard(Name::root()));
        }
        if let Some(rest) = s.strip_prefix("*.") {
            return name(rest).map(NamePattern::Wildcard);
        }
        name(s).map(NamePattern::Exact)
    }
}

/// How an UPDATE that changed the zone advances the SOA serial (RFC 2136 §3.6; BIND's
/// `serial-update-method`). The new serial is always greater than the old in RFC 1982
/// arithmetic. Written `increment`, `unixtime` or `date`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SerialPolicy {
    /// The old serial plus one, wrapping past 2^32 − 1 (RFC 1982 §3.1) to 1: zero is
    /// skipped, as BIND does, since some software takes it for "no serial".
    #[default]
    Increment,
    /// The time in seconds since 1970 (`now`), or the old serial plus one when that is not
    /// greater.
    UnixTime,
    /// `YYYYMMDDnn` of today (UTC, from `now`) with `nn` = 00, or the old serial plus one
    /// when that is not greater.
    DateCounter,
}

impl SerialPolicy {
    /// The serial following `old` at `now` (seconds since 1970).
    pub fn next(self, old: u32, now: u64) -> u32 {
        let increment = match old.wrapping_add(1) {
            0 => 1,
            s => s,
        };
        let candidate = match self {
            SerialPolicy::Increment => None,
            SerialPolicy::UnixTime => u32::try_from(now).ok(),
            SerialPolicy::DateCounter => {
                let (y, m, d) = civil_date(now / 86_400);
                u32::try_from(y * 1_000_000 + u64::from(m) * 10_000 + u64::from(d) * 100).ok()
            }
        };
        candidate.filter(|&c| serial_gt(c, old)).unwrap_or(increment)
    }
}

impl FromStr for SerialPolicy {
    type Err = UpdatePolicyError;
    fn from_str(s: &str) -> Result<SerialPolicy, UpdatePolicyError> {
        match s {
            "increment" => Ok(SerialPolicy::Increment),
            "unixtime" => Ok(SerialPolicy::UnixTime),
            "date" => Ok(SerialPolicy::DateCounter),
            _ => Err(UpdatePolicyError {
                what: "serial policy",
                text: s.to_string(),
                expected: "increment, unixtime or date",
            }),
        }
    }
}

/// The proleptic Gregorian date (year, month, day) of `days` since 1970-01-01 (the
/// `civil_from_days` algorithm of H. Hinnant).
fn civil_date(days: u64) -> (u64, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Screens an UPDATE for [`crate::respond`] (RFC 2136 §3.1.1): the zone section's entry
/// must be of type SOA (else FORMERR) and name a zone we serve in its class (else NOTAUTH).
pub(crate) fn screen(
    catalog: &Catalog,
    header: &Header,
    zone: (&NameBuf, RecordType, Class),
    opt: Option<&Edns>,
    out: &mut Vec<u8>,
) -> Action {
    let (zname, ztype, zclass) = zone;
    if ztype != RecordType::SOA {
        return error_reply(header, Some(zone), opt, Rcode::FORMERR, out);
    }
    if catalog.zones().any(|z| zname == z.origin() && z.class() == zclass) {
        out.clear();
        return Action::Update { zone: zname.to_name() };
    }
    error_reply(header, Some(zone), opt, Rcode::NOTAUTH, out)
}

/// Applies the UPDATE `request` (RFC 2136 §3, steps in the module documentation) to `zone`,
/// signed with the TSIG key `signer` (`None`: unsigned; the server verifies the signature
/// first), under `rules`. `now` (seconds since 1970) feeds the [`SerialPolicy`].
///
/// On success with changes, the new, finished version and the difference from `zone` (old
/// SOA first in `removed`, new SOA first in `added`, as a [`crate::Journal`] takes it);
/// `Ok(None)` when the request changes nothing (RFC 2136 §3.7: the serial stays). `Err` is
/// the RCODE to answer with.
pub fn apply_update(
    zone: &Zone,
    request: &[u8],
    signer: Option<&Name>,
    rules: &[UpdateRule],
    serial: SerialPolicy,
    now: u64,
) -> Result<Option<(Zone, ZoneDiff)>, Rcode> {
    let msg = Message::parse(request).map_err(|_| Rcode::FORMERR)?;
    if msg.header().opcode() != Opcode::UPDATE {
        return Err(Rcode::FORMERR);
    }
    // §3.1.1: one zone, of type SOA; ours.
    let mut zones = msg.questions();
    let (Some(zsection), None) = (zones.next(), zones.next()) else {
        return Err(Rcode::FORMERR);
    };
    if zsection.qtype != RecordType::SOA {
        return Err(Rcode::FORMERR);
    }
    let origin = zone.origin();
    let zclass = zsection.qclass;
    if !zsection.qname.eq_name(origin) || zclass != zone.class() {
        return Err(Rcode::NOTAUTH);
    }
    let Some(signer) = signer else {
        return Err(Rcode::REFUSED);
    };
    check_prerequisites(zone, &msg, zclass)?;
    let updates = prescan(&msg, origin, zclass)?;
    check_permissions(zone, &updates, signer, rules)?;
    let mut draft = Draft::new(zone);
    for u in &updates {
        draft.apply(u);
    }
    if draft.diff().is_empty() {
        return Ok(None);
    }
    draft.advance_serial(serial, now)?;
    let diff = draft.diff();
    let mut next = zone.clone();
    if diff.apply(&mut next) != 0 {
        // A removal the draft made did not find its record: never expected; refuse to
        // serve a version that does not match its difference.
        return Err(Rcode::SERVFAIL);
    }
    Ok(Some((next, diff)))
}

/// Builds into `out` (cleared first) the response to the UPDATE `request` (RFC 2136 §3.8):
/// its ID and opcode, QR, `rcode`, and its zone section echoed when readable; with an OPT
/// when the request had one (carrying the upper bits of an extended RCODE, RFC 6891
/// §6.1.3). `out` stays empty when `request` has no header.
pub fn update_reply(request: &[u8], rcode: Rcode, out: &mut Vec<u8>) {
    out.clear();
    let Some(query) = Header::parse(request) else {
        return;
    };
    let header = Header {
        id: query.id,
        qr: true,
        opcode: query.opcode,
        rcode: (rcode.0 & 0x0F) as u8,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(out, header);
    if let Ok(msg) = Message::parse(request) {
        if let Some(q) = msg.question() {
            if let Ok(zname) = NameBuf::from_message(request, q.qname.offset()) {
                let _ = b.question(&zname, q.qtype, q.qclass);
            }
        }
        if let Some(Ok(_)) = msg.edns() {
            let _ = b.edns(&Edns {
                extended_rcode: (rcode.0 >> 4) as u8,
                ..Edns::default()
            });
        }
    }
    b.finish();
}

/// One RDATA as an update handles it: the wire form kept in the zone, and the canonical form
/// (RFC 4034 §6.2, names in lower case) by which RRs are compared (RFC 2136 §1.1.1).
#[derive(Clone, Debug)]
struct Rdata {
    wire: Vec<u8>,
    canonical: Vec<u8>,
}

impl Rdata {
    fn from_typed(rdata: &RData) -> Rdata {
        let mut canonical = Vec::new();
        rdata.write(&mut CanonicalSink(&mut canonical));
        Rdata {
            wire: rdata.to_wire(),
            canonical,
        }
    }

    /// From the uncompressed wire form a zone stores.
    fn from_stored(rtype: RecordType, wire: &[u8]) -> Rdata {
        match RData::parse(rtype, wire, 0, wire.len()) {
            Ok(typed) => Rdata {
                wire: wire.to_vec(),
                canonical: Rdata::from_typed(&typed).canonical,
            },
            Err(_) => Rdata {
                wire: wire.to_vec(),
                canonical: wire.to_vec(),
            },
        }
    }
}

/// An RRset as an update handles it. RRSIGs are grouped per covered type, as the zone keeps
/// them (each group carries the TTL of the set it signs).
#[derive(Clone, Debug)]
struct Set {
    rtype: RecordType,
    covered: Option<RecordType>,
    ttl: u32,
    rdata: Vec<Rdata>,
}

impl Set {
    fn contains(&self, rd: &Rdata) -> bool {
        self.rdata.iter().any(|r| r.canonical == rd.canonical)
    }

    fn same_group(&self, other: &Set) -> bool {
        self.rtype == other.rtype && self.covered == other.covered
    }
}

/// The type an RRSIG's RDATA covers (its first two octets).
fn covered(rtype: RecordType, wire: &[u8]) -> Option<RecordType> {
    match (rtype, wire) {
        (RecordType::RRSIG, [a, b, ..]) => Some(RecordType(u16::from_be_bytes([*a, *b]))),
        _ => None,
    }
}

/// The RRsets at `name` in `zone`, and the owner as the zone writes it.
fn load(zone: &Zone, name: &Name) -> (Name, Vec<Set>) {
    let Some(node) = zone.node(name) else {
        return (name.clone(), Vec::new());
    };
    let sets = node
        .rrsets
        .iter()
        .map(|s| Set {
            rtype: s.rtype,
            covered: s.covered(),
            ttl: s.ttl,
            rdata: s.rdata.iter().map(|w| Rdata::from_stored(s.rtype, w)).collect(),
        })
        .collect();
    (node.name.clone(), sets)
}

/// §3.2: the prerequisites, checked against the zone as it is.
fn check_prerequisites(zone: &Zone, msg: &Message<'_>, zclass: Class) -> Result<(), Rcode> {
    let origin = zone.origin();
    // §3.2.3: the RRsets of value-dependent prerequisites, compared once all are read.
    let mut expected: BTreeMap<(Name, RecordType), Vec<Vec<u8>>> = BTreeMap::new();
    for rr in msg.answers() {
        if rr.ttl != 0 {
            return Err(Rcode::FORMERR);
        }
        let name = rr.name.to_name();
        if !name.is_subdomain_of(origin) {
            return Err(Rcode::NOTZONE);
        }
        let node = zone.node(&name);
        let in_use = node.is_some_and(|n| !n.rrsets.is_empty());
        let rrset_exists = node.is_some_and(|n| n.rrsets.iter().any(|s| s.rtype == rr.rtype));
        match rr.class {
            Class::ANY | Class::NONE if !rr.rdata_bytes().is_empty() => return Err(Rcode::FORMERR),
            // §2.4.4 Name is in use; §2.4.1 RRset exists (value independent).
            Class::ANY if rr.rtype == RecordType::ANY && !in_use => return Err(Rcode::NXDOMAIN),
            Class::ANY if rr.rtype != RecordType::ANY && !rrset_exists => return Err(Rcode::NXRRSET),
            // §2.4.5 Name is not in use; §2.4.3 RRset does not exist.
            Class::NONE if rr.rtype == RecordType::ANY && in_use => return Err(Rcode::YXDOMAIN),
            Class::NONE if rr.rtype != RecordType::ANY && rrset_exists => return Err(Rcode::YXRRSET),
            Class::ANY | Class::NONE => {}
            // §2.4.2 RRset exists (value dependent).
            c if c == zclass => {
                if rr.rtype.is_meta() {
                    return Err(Rcode::FORMERR);
                }
                let rd = typed_rdata(&rr)?;
                expected.entry((name, rr.rtype)).or_default().push(rd.canonical);
            }
            _ => return Err(Rcode::FORMERR),
        }
    }
    for ((name, rtype), mut want) in expected {
        let (_, sets) = load(zone, &name);
        let mut have: Vec<Vec<u8>> = sets
            .into_iter()
            .filter(|s| s.rtype == rtype)
            .flat_map(|s| s.rdata.into_iter().map(|r| r.canonical))
            .collect();
        for list in [&mut want, &mut have] {
            list.sort();
            list.dedup();
        }
        if want != have {
            return Err(Rcode::NXRRSET);
        }
    }
    Ok(())
}

/// The RDATA of a record from the request, decompressed; malformed data is FORMERR.
fn typed_rdata(rr: &RecordView<'_>) -> Result<Rdata, Rcode> {
    rr.rdata()
        .map(|typed| Rdata::from_typed(&typed))
        .map_err(|_| Rcode::FORMERR)
}

/// What one entry of the update section asks for (RFC 2136 §2.5).
#[derive(Debug)]
enum Change {
    /// §2.5.1: add an RR.
    Add { ttl: u32, rdata: Rdata },
    /// §2.5.2: delete the RRset of the entry's type.
    DeleteRrset,
    /// §2.5.3: delete every RRset at the name.
    DeleteName,
    /// §2.5.4: delete one RR.
    DeleteRr { rdata: Rdata },
}

/// One entry of the update section.
#[derive(Debug)]
struct Update {
    name: Name,
    rtype: RecordType,
    change: Change,
}

/// §3.4.1: the prescan, turning the update section into changes or failing with FORMERR or
/// NOTZONE before anything is changed.
fn prescan(msg: &Message<'_>, origin: &Name, zclass: Class) -> Result<Vec<Update>, Rcode> {
    let mut updates = Vec::with_capacity(msg.header().nscount as usize);
    for rr in msg.authority() {
        let name = rr.name.to_name();
        if !name.is_subdomain_of(origin) {
            return Err(Rcode::NOTZONE);
        }
        let change = match rr.class {
            c if c == zclass => {
                if rr.rtype.is_meta() {
                    return Err(Rcode::FORMERR);
                }
                Change::Add {
                    ttl: rr.ttl,
                    rdata: typed_rdata(&rr)?,
                }
            }
            Class::ANY => {
                let meta = rr.rtype.is_meta() && rr.rtype != RecordType::ANY;
                if rr.ttl != 0 || !rr.rdata_bytes().is_empty() || meta {
                    return Err(Rcode::FORMERR);
                }
                if rr.rtype == RecordType::ANY {
                    Change::DeleteName
                } else {
                    Change::DeleteRrset
                }
            }
            Class::NONE => {
                if rr.ttl != 0 || rr.rtype.is_meta() {
                    return Err(Rcode::FORMERR);
                }
                Change::DeleteRr {
                    rdata: typed_rdata(&rr)?,
                }
            }
            _ => return Err(Rcode::FORMERR),
        };
        updates.push(Update {
            name,
            rtype: rr.rtype,
            change,
        });
    }
    Ok(updates)
}

/// §3.3: every entry must be allowed to `signer` by some rule. Deleting every RRset at a
/// name needs each type there (but the apex SOA and NS, which it spares) to be allowed.
fn check_permissions(zone: &Zone, updates: &[Update], signer: &Name, rules: &[UpdateRule]) -> Result<(), Rcode> {
    let allowed = |name: &Name, rtype: RecordType| rules.iter().any(|r| r.allows(signer, name, rtype));
    for u in updates {
        let ok = match u.change {
            Change::DeleteName => zone.node(&u.name).is_none_or(|node| {
                node.rrsets
                    .iter()
                    .filter(|s| !(node.flags.apex && matches!(s.rtype, RecordType::SOA | RecordType::NS)))
                    .all(|s| allowed(&u.name, s.rtype))
            }),
            _ => allowed(&u.name, u.rtype),
        };
        if !ok {
            return Err(Rcode::REFUSED);
        }
    }
    Ok(())
}

/// A name's RRsets before the update and as the update leaves them.
struct NodeState {
    owner: Name,
    before: Vec<Set>,
    after: Vec<Set>,
}

/// The zone with the update's changes, kept per touched name beside the original: the
/// zone itself is copied once, when the result is known.
struct Draft<'z> {
    zone: &'z Zone,
    nodes: BTreeMap<Name, NodeState>,
}

/// Types that may share a name with a CNAME (RFC 2136 §3.4.2.2, RFC 4035 §2.5).
fn beside_cname(rtype: RecordType) -> bool {
    matches!(rtype, RecordType::CNAME | RecordType::RRSIG | RecordType::NSEC)
}

/// The serial field of SOA RDATA in wire form: the first of the five 32-bit fields that
/// end it (RFC 1035 §3.3.13).
fn soa_serial(wire: &[u8]) -> Option<u32> {
    let at = wire.len().checked_sub(20)?;
    let b = wire.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'z> Draft<'z> {
    fn new(zone: &'z Zone) -> Draft<'z> {
        Draft {
            zone,
            nodes: BTreeMap::new(),
        }
    }

    /// The RRsets of `name` as the update has left them so far.
    fn sets(&mut self, name: &Name) -> &mut Vec<Set> {
        let zone = self.zone;
        &mut self
            .nodes
            .entry(name.clone())
            .or_insert_with(|| {
                let (owner, before) = load(zone, name);
                NodeState {
                    owner,
                    after: before.clone(),
                    before,
                }
            })
            .after
    }

    /// §3.4.2: one entry of the update section.
    fn apply(&mut self, u: &Update) {
        let apex = u.name == *self.zone.origin();
        let rtype = u.rtype;
        let sets = self.sets(&u.name);
        match &u.change {
            Change::Add { ttl, rdata } => add(sets, apex, rtype, *ttl, rdata),
            // §3.4.2.3: the apex SOA and NS RRsets cannot be deleted whole.
            Change::DeleteRrset if apex && matches!(rtype, RecordType::SOA | RecordType::NS) => {}
            Change::DeleteRrset => sets.retain(|s| s.rtype != rtype),
            Change::DeleteName if apex => sets.retain(|s| matches!(s.rtype, RecordType::SOA | RecordType::NS)),
            Change::DeleteName => sets.clear(),
            Change::DeleteRr { rdata } => {
                // §3.4.2.4: never the SOA; never the apex's last NS.
                if rtype == RecordType::SOA {
                    return;
                }
                let group = covered(rtype, &rdata.wire);
                let Some(i) = sets.iter().position(|s| s.rtype == rtype && s.covered == group) else {
                    return;
                };
                if apex && rtype == RecordType::NS && sets[i].rdata.len() == 1 {
                    return;
                }
                sets[i].rdata.retain(|r| r.canonical != rdata.canonical);
                if sets[i].rdata.is_empty() {
                    sets.remove(i);
                }
            }
        }
    }

    /// §3.6: unless the update raised the serial itself, sets the new SOA's serial by
    /// `policy`.
    fn advance_serial(&mut self, policy: SerialPolicy, now: u64) -> Result<(), Rcode> {
        let origin = self.zone.origin().clone();
        self.sets(&origin);
        let state = self.nodes.get_mut(&origin).ok_or(Rcode::SERVFAIL)?;
        let soa_of = |sets: &[Set]| {
            sets.iter()
                .find(|s| s.rtype == RecordType::SOA)
                .and_then(|s| s.rdata.first())
                .and_then(|r| soa_serial(&r.wire))
        };
        let old = soa_of(&state.before).ok_or(Rcode::SERVFAIL)?;
        let new = soa_of(&state.after).ok_or(Rcode::SERVFAIL)?;
        if serial_gt(new, old) {
            return Ok(());
        }
        let next = policy.next(old, now);
        let soa = state
            .after
            .iter_mut()
            .find(|s| s.rtype == RecordType::SOA)
            .and_then(|s| s.rdata.first_mut())
            .ok_or(Rcode::SERVFAIL)?;
        let at = soa.wire.len().checked_sub(20).ok_or(Rcode::SERVFAIL)?;
        soa.wire[at..at + 4].copy_from_slice(&next.to_be_bytes());
        *soa = Rdata::from_stored(RecordType::SOA, &soa.wire);
        Ok(())
    }

    /// The difference between the zone and the draft, in canonical order with the SOA
    /// first in each part (RFC 1995 §4). A changed TTL shows as the whole RRset removed and
    /// added again, as [`banyan_zone::diff`] has it.
    fn diff(&self) -> ZoneDiff {
        let mut d = ZoneDiff::default();
        let class = self.zone.class();
        for state in self.nodes.values() {
            let record = |set: &Set, rd: &Rdata| Record {
                name: state.owner.clone(),
                class,
                ttl: set.ttl,
                data: RData::parse(set.rtype, &rd.wire, 0, rd.wire.len()).unwrap_or_else(|_| RData::Unknown {
                    rtype: set.rtype,
                    data: rd.wire.clone(),
                }),
            };
            for b in &state.before {
                match state.after.iter().find(|a| a.same_group(b)) {
                    Some(a) if a.ttl == b.ttl => {
                        d.removed
                            .extend(b.rdata.iter().filter(|r| !a.contains(r)).map(|r| record(b, r)));
                        d.added
                            .extend(a.rdata.iter().filter(|r| !b.contains(r)).map(|r| record(a, r)));
                    }
                    Some(a) => {
                        d.removed.extend(b.rdata.iter().map(|r| record(b, r)));
                        d.added.extend(a.rdata.iter().map(|r| record(a, r)));
                    }
                    None => d.removed.extend(b.rdata.iter().map(|r| record(b, r))),
                }
            }
            for a in &state.after {
                if !state.before.iter().any(|b| b.same_group(a)) {
                    d.added.extend(a.rdata.iter().map(|r| record(a, r)));
                }
            }
        }
        for list in [&mut d.removed, &mut d.added] {
            if let Some(i) = list.iter().position(|r| r.rtype() == RecordType::SOA) {
                let soa = list.remove(i);
                list.insert(0, soa);
            }
        }
        d
    }
}

/// §3.4.2.2: adds one RR to the RRsets of a name.
fn add(sets: &mut Vec<Set>, apex: bool, rtype: RecordType, ttl: u32, rdata: &Rdata) {
    if rtype == RecordType::SOA {
        // Only the apex has an SOA, and it is replaced only by one whose serial is not
        // smaller (RFC 1982).
        let Some(set) = sets.iter_mut().find(|s| s.rtype == RecordType::SOA).filter(|_| apex) else {
            return;
        };
        let old = set.rdata.first().and_then(|r| soa_serial(&r.wire));
        let (Some(old), Some(new)) = (old, soa_serial(&rdata.wire)) else {
            return;
        };
        if new == old || serial_gt(new, old) {
            set.ttl = ttl;
            set.rdata = vec![rdata.clone()];
        }
        return;
    }
    // A CNAME is not added beside other data, nor other data beside a CNAME.
    if rtype == RecordType::CNAME {
        if sets.iter().any(|s| !beside_cname(s.rtype)) {
            return;
        }
    } else if !beside_cname(rtype) && sets.iter().any(|s| s.rtype == RecordType::CNAME) {
        return;
    }
    let group = covered(rtype, &rdata.wire);
    match sets.iter_mut().find(|s| s.rtype == rtype && s.covered == group) {
        // One CNAME and one DNAME per name (RFC 2181 §10.1, RFC 6672 §2.4): replaced.
        Some(set) if matches!(rtype, RecordType::CNAME | RecordType::DNAME) => {
            set.ttl = ttl;
            set.rdata = vec![rdata.clone()];
        }
        // A duplicate replaces the zone's RR: the RRset takes the new TTL (one TTL per
        // RRset, RFC 2181 §5.2).
        Some(set) => {
            set.ttl = ttl;
            if !set.contains(rdata) {
                set.rdata.push(rdata.clone());
            }
        }
        None => sets.push(Set {
            rtype,
            covered: group,
            ttl,
            rdata: vec![rdata.clone()],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(1_700_000_000 / 86_400), (2023, 11, 14));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(19_782), (2024, 2, 29));
        assert_eq!(civil_date(19_783), (2024, 3, 1));
    }
}
