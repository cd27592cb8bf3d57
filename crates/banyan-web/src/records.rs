//! Editing the records of a hosted zone, without I/O: from the zone's current records and
//! one edit (add, replace or delete a record, as a form gives it) to either field-level
//! validation errors or the one change to store — a [`ZoneDiff`] whose SOA serial moves by
//! one in RFC 1982 serial arithmetic, the form `banyan_store::Store::apply` takes.
//!
//! What a form may hold: the record types of [`EDITABLE_TYPES`], at or below the apex, with
//! a TTL in `0..=`[`MAX_TTL`]. The SOA and the apex NS set are the registrar's (its hosted name
//! servers) and are shown read-only; so is any other type the zone may hold.
//!
//! The rules checked, each naming the field at fault:
//! - the owner is inside the zone (RFC 1034 §4.2);
//! - a CNAME stands alone at its name and never at the apex (RFC 1034 §3.6.2, RFC 2181 §10.1);
//! - NS records below the apex delegate a subdomain, and nothing but glue (A/AAAA) and DS may
//!   sit at or below a delegation, where the referral would hide it (RFC 1034 §4.2.1);
//! - DS records sit only at a delegation (RFC 4035 §2.4);
//! - the records of one RRset share one TTL (RFC 2181 §5.2): a new TTL applies to the whole set;
//! - values parse as their type's presentation form (RFC 1035 §5.1 and each type's RFC).

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use banyan_wire::rdata::{Mx, Soa, Srv, Txt};
use banyan_wire::text::tokenize;
use banyan_wire::{Class, Name, RData, Record, RecordType};
use banyan_zone::serial_add;
use banyan_zone::ZoneDiff;
use serde::{Deserialize, Serialize};

/// The longest TTL a form may set: one week, as most registrars' dashboards allow. Longer
/// TTLs make mistakes linger in caches (RFC 8767 §4 suggests capping at about a week too).
pub const MAX_TTL: u32 = 604_800;

/// The TTL a form without one gets.
pub const DEFAULT_TTL: u32 = 3600;

/// The longest value a form may carry, in characters: comfortably above the longest TXT
/// record one would write by hand, far below a message's size.
pub const MAX_VALUE_LEN: usize = 4096;

/// The record types a user may add, change or delete.
pub const EDITABLE_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CAA,
    RecordType::SRV,
    RecordType::NS,
    RecordType::DS,
];

/// One record as a form gives it: every field as typed, validated here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordForm {
    /// The owner, relative to the zone (`www`, `@` or empty for the apex) or absolute (with
    /// the final dot, or ending in the zone's name).
    #[serde(default)]
    pub name: String,
    /// The type mnemonic (`A`, `MX`, …), any case.
    #[serde(rename = "type", default)]
    pub rtype: String,
    /// The TTL in seconds; empty for [`DEFAULT_TTL`].
    #[serde(default)]
    pub ttl: String,
    /// The RDATA in presentation form: `192.0.2.1`, `10 mail.example.com`,
    /// `0 issue "ca.example"`… Names in it are absolute whether or not they end in a dot; `@`
    /// is the zone's apex.
    #[serde(default)]
    pub value: String,
}

/// Validation messages by form field (`name`, `type`, `ttl`, `value`, or `form` for the
/// record as a whole).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    /// No errors.
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Errors with one message for `field`.
    pub fn one(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::new();
        e.add(field, message);
        e
    }

    /// Adds a message for `field`, keeping the first one given for it.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, message)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {message}")?;
        }
        Ok(())
    }
}

/// One edit of a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Add a record.
    Add(RecordForm),
    /// Replace the record with this [`record_id`] by the form's.
    Replace {
        /// The record's id.
        id: String,
        /// The new record.
        form: RecordForm,
    },
    /// Delete the record with this [`record_id`].
    Delete {
        /// The record's id.
        id: String,
    },
}

/// Why an edit cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The form is invalid, or the zone would break the rules of the module documentation.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// No record has the id given.
    #[error("no record with id {0}")]
    NoSuchRecord(String),
    /// The record is the registrar's (SOA, apex NS) or of a type not edited here.
    #[error("this record cannot be edited here")]
    NotEditable,
    /// The zone has no SOA at its apex, or several: it cannot take a change.
    #[error("the zone has no single SOA record at its apex")]
    NoSoa,
}

/// The change an edit makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Old SOA and removed records; new SOA and added records (RFC 1995 §4 order).
    pub diff: ZoneDiff,
    /// The new serial.
    pub serial: u32,
}

/// A record as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordView {
    /// Stable id of the record ([`record_id`]).
    pub id: String,
    /// The owner relative to the zone (`@` for the apex).
    pub name: String,
    /// The owner, absolute.
    pub fqdn: String,
    /// The type mnemonic.
    #[serde(rename = "type")]
    pub rtype: String,
    /// The TTL.
    pub ttl: u32,
    /// The RDATA in presentation form.
    pub value: String,
    /// Whether a user may change or delete it.
    pub editable: bool,
}

/// A record's id: 16 hex digits of the SHA-256 of its owner (lowercase wire form), type and
/// RDATA (wire form). The TTL is left out, so the id survives a TTL change; the store never
/// holds two records alike in all three, so ids are unique within a zone.
pub fn record_id(record: &Record) -> String {
    let mut input = record.name.to_lowercase().as_wire().to_vec();
    input.extend_from_slice(&record.rtype().0.to_be_bytes());
    input.extend_from_slice(&record.data.to_wire());
    let digest = ring::digest::digest(&ring::digest::SHA256, &input);
    banyan_wire::text::hex_encode(&digest.as_ref()[..8]).to_ascii_lowercase()
}

/// Whether a user may change `record` of the zone `apex`.
pub fn is_editable(apex: &Name, record: &Record) -> bool {
    let rtype = record.rtype();
    EDITABLE_TYPES.contains(&rtype) && !(rtype == RecordType::NS && record.name == *apex)
}

/// The zone's records as shown: the SOA first, then in canonical order (RFC 4034 §6.1) of
/// owner, then by type and value.
pub fn view(apex: &Name, records: &[Record]) -> Vec<RecordView> {
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by(|a, b| {
        let soa = |r: &Record| r.rtype() != RecordType::SOA;
        soa(a)
            .cmp(&soa(b))
            .then_with(|| a.name.canonical_cmp(&b.name))
            .then_with(|| a.rtype().0.cmp(&b.rtype().0))
            .then_with(|| a.data.to_string().cmp(&b.data.to_string()))
    });
    sorted
        .into_iter()
        .map(|r| RecordView {
            id: record_id(r),
            name: relative_name(apex, &r.name),
            fqdn: r.name.to_string(),
            rtype: r.rtype().to_string(),
            ttl: r.ttl,
            value: r.data.to_string(),
            editable: is_editable(apex, r),
        })
        .collect()
}

/// `name` relative to `apex`: `@` for the apex itself, the leading labels otherwise; an
/// absolute name when it is outside the zone.
pub fn relative_name(apex: &Name, name: &Name) -> String {
    if name == apex {
        return "@".to_owned();
    }
    let full = name.to_string();
    if name.is_subdomain_of(apex) {
        let suffix_len = apex.to_string().len();
        // The owner's text ends with the apex's text (`.` joins them unless the apex is the
        // root); names compare without case, so cut by length.
        let cut = full.len().saturating_sub(suffix_len + usize::from(!apex.is_root()));
        if let Some(head) = full.get(..cut) {
            return head.to_owned();
        }
    }
    full
}

/// The form showing `record`, for editing it.
pub fn form_of(apex: &Name, record: &Record) -> RecordForm {
    RecordForm {
        name: relative_name(apex, &record.name),
        rtype: record.rtype().to_string(),
        ttl: record.ttl.to_string(),
        value: record.data.to_string(),
    }
}

/// Reads a form into a record of the zone `apex`, or says what is wrong with each field.
pub fn parse_form(apex: &Name, form: &RecordForm) -> Result<Record, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = match parse_owner(apex, form.name.trim()) {
        Ok(n) => Some(n),
        Err(m) => {
            errors.add("name", m);
            None
        }
    };
    let rtype = match parse_type(form.rtype.trim()) {
        Ok(t) => Some(t),
        Err(m) => {
            errors.add("type", m);
            None
        }
    };
    let ttl = match parse_ttl(form.ttl.trim()) {
        Ok(t) => Some(t),
        Err(m) => {
            errors.add("ttl", m);
            None
        }
    };
    let data = match rtype {
        Some(t) => match parse_value(apex, t, form.value.trim()) {
            Ok(d) => Some(d),
            Err(m) => {
                errors.add("value", m);
                None
            }
        },
        None => None,
    };
    match (name, ttl, data) {
        (Some(name), Some(ttl), Some(data)) if errors.is_empty() => Ok(Record {
            name,
            class: Class::IN,
            ttl,
            data,
        }),
        _ => Err(errors),
    }
}

fn parse_owner(apex: &Name, text: &str) -> Result<Name, String> {
    if text.is_empty() || text == "@" {
        return Ok(apex.clone());
    }
    let apex_text = apex.to_string();
    let apex_bare = apex_text.trim_end_matches('.').to_ascii_lowercase();
    let lower = text.to_ascii_lowercase();
    // `www.example.test` typed without the final dot means the absolute name, as people write
    // it; only a name that does not end in the zone's name is taken as relative.
    let absolute = text.ends_with('.') || lower == apex_bare || lower.ends_with(&format!(".{apex_bare}"));
    let parsed = if absolute {
        Name::parse(&format!("{}.", text.trim_end_matches('.')), None)
    } else {
        Name::parse(text, Some(apex))
    };
    let name = parsed.map_err(|e| format!("not a valid domain name: {e}"))?;
    if !name.is_subdomain_of(apex) {
        return Err(format!("{name} is outside the zone {apex}"));
    }
    Ok(name)
}

fn parse_type(text: &str) -> Result<RecordType, String> {
    let allowed = || {
        EDITABLE_TYPES
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match RecordType::from_mnemonic(&text.to_ascii_uppercase()) {
        Some(t) if EDITABLE_TYPES.contains(&t) => Ok(t),
        _ if text.is_empty() => Err(format!("choose a type: {}", allowed())),
        _ => Err(format!("type {text:?} cannot be edited here; one of {}", allowed())),
    }
}

fn parse_ttl(text: &str) -> Result<u32, String> {
    if text.is_empty() {
        return Ok(DEFAULT_TTL);
    }
    let range = || format!("the TTL is a number of seconds from 0 to {MAX_TTL}");
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(range());
    }
    match text.parse::<u32>() {
        Ok(t) if t <= MAX_TTL => Ok(t),
        _ => Err(range()),
    }
}

/// A target name in a value: absolute whether or not it ends in a dot, `@` for the apex.
fn parse_target(apex: &Name, text: &str, what: &str) -> Result<Name, String> {
    if text == "@" {
        return Ok(apex.clone());
    }
    if text.is_empty() {
        return Err(format!("missing {what}"));
    }
    let absolute = format!("{}.", text.trim_end_matches('.'));
    Name::parse(&absolute, None).map_err(|e| format!("{what} {text:?} is not a valid domain name: {e}"))
}

fn parse_u16(text: Option<&str>, what: &str) -> Result<u16, String> {
    text.and_then(|t| t.parse::<u16>().ok())
        .ok_or_else(|| format!("{what} must be a number from 0 to 65535"))
}

fn parse_value(apex: &Name, rtype: RecordType, text: &str) -> Result<RData, String> {
    if text.is_empty() {
        return Err(format!("enter the {} value: {}", rtype, example(rtype)));
    }
    if text.chars().count() > MAX_VALUE_LEN {
        return Err(format!("at most {MAX_VALUE_LEN} characters"));
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let expect = |n: usize| {
        if fields.len() == n {
            Ok(())
        } else {
            Err(format!("expected {}", example(rtype)))
        }
    };
    match rtype {
        RecordType::A => text
            .parse::<Ipv4Addr>()
            .map(|a| RData::A(banyan_wire::rdata::A(a)))
            .map_err(|_| format!("{text:?} is not an IPv4 address (e.g. 192.0.2.1)")),
        RecordType::AAAA => text
            .parse::<Ipv6Addr>()
            .map(|a| RData::AAAA(banyan_wire::rdata::Aaaa(a)))
            .map_err(|_| format!("{text:?} is not an IPv6 address (e.g. 2001:db8::1)")),
        RecordType::CNAME => {
            expect(1)?;
            parse_target(apex, text, "the target").map(RData::CNAME)
        }
        RecordType::NS => {
            expect(1)?;
            parse_target(apex, text, "the name server").map(RData::NS)
        }
        RecordType::MX => {
            expect(2)?;
            let preference = parse_u16(fields.first().copied(), "the preference")?;
            let exchange = parse_target(apex, fields.get(1).copied().unwrap_or(""), "the mail server")?;
            Ok(RData::MX(Mx { preference, exchange }))
        }
        RecordType::SRV => {
            expect(4)?;
            let priority = parse_u16(fields.first().copied(), "the priority")?;
            let weight = parse_u16(fields.get(1).copied(), "the weight")?;
            let port = parse_u16(fields.get(2).copied(), "the port")?;
            let target = parse_target(apex, fields.get(3).copied().unwrap_or(""), "the target")?;
            Ok(RData::SRV(Srv {
                priority,
                weight,
                port,
                target,
            }))
        }
        RecordType::TXT => {
            if text.starts_with('"') {
                // Quoted: one or more character-strings, as in a zone file (RFC 1035 §5.1).
                from_text(rtype, text)
            } else {
                // Unquoted: the text as typed, cut into 255-octet strings (RFC 1035 §3.3.14);
                // what people paste (SPF, verification tokens) is meant as one text.
                Ok(RData::TXT(Txt(text
                    .as_bytes()
                    .chunks(255)
                    .map(<[u8]>::to_vec)
                    .collect())))
            }
        }
        RecordType::CAA => {
            let data = from_text(rtype, text)?;
            if let RData::CAA(caa) = &data {
                // RFC 8659 §4.1: flags 0 or 128 (the critical bit) in practice.
                if caa.flags & 0x7f != 0 {
                    return Err("the flags are 0, or 128 for a critical property".to_owned());
                }
                let tag = String::from_utf8_lossy(&caa.tag).to_ascii_lowercase();
                if !matches!(tag.as_str(), "issue" | "issuewild" | "iodef" | "issuemail" | "issuevmc") {
                    return Err(format!(
                        "unknown property {tag:?}: use issue, issuewild, iodef, issuemail or issuevmc"
                    ));
                }
            }
            Ok(data)
        }
        RecordType::DS => {
            let data = from_text(rtype, text)?;
            if let RData::DS(ds) = &data {
                // RFC 4509 §2.2, RFC 6605 §2, RFC 3658: SHA-1, SHA-256, SHA-384 digest sizes.
                let want = match ds.digest_type {
                    1 => Some(20),
                    2 => Some(32),
                    4 => Some(48),
                    _ => None,
                };
                match want {
                    Some(n) if ds.digest.len() != n => {
                        return Err(format!(
                            "a digest of type {} has {n} octets ({} hex digits), not {}",
                            ds.digest_type,
                            2 * n,
                            ds.digest.len()
                        ))
                    }
                    None => return Err("the digest type is 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384)".to_owned()),
                    _ => {}
                }
            }
            Ok(data)
        }
        _ => Err(format!("type {rtype} cannot be edited here")),
    }
}

fn from_text(rtype: RecordType, text: &str) -> Result<RData, String> {
    let tokens = tokenize(text).map_err(|e| format!("{e}; expected {}", example(rtype)))?;
    RData::from_text(rtype, &tokens, None).map_err(|e| format!("{e}; expected {}", example(rtype)))
}

/// An example value of `rtype`, for messages and placeholders.
pub fn example(rtype: RecordType) -> &'static str {
    match rtype {
        RecordType::A => "an IPv4 address, e.g. 192.0.2.1",
        RecordType::AAAA => "an IPv6 address, e.g. 2001:db8::1",
        RecordType::CNAME => "a domain name, e.g. www.example.com",
        RecordType::NS => "a name server, e.g. ns1.example.net",
        RecordType::MX => "preference and mail server, e.g. 10 mail.example.com",
        RecordType::TXT => "text, e.g. v=spf1 -all",
        RecordType::CAA => "flags, tag and value, e.g. 0 issue \"ca.example.net\"",
        RecordType::SRV => "priority, weight, port and target, e.g. 10 5 5060 sip.example.com",
        RecordType::DS => "key tag, algorithm, digest type and digest, e.g. 12345 13 2 <64 hex digits>",
        _ => "a value",
    }
}

/// The SOA of the zone: exactly one, at the apex.
fn find_soa<'a>(apex: &Name, records: &'a [Record]) -> Result<(&'a Record, &'a Soa), PlanError> {
    let mut soas = records.iter().filter(|r| r.rtype() == RecordType::SOA);
    match (soas.next(), soas.next()) {
        (Some(r), None) if r.name == *apex => match &r.data {
            RData::SOA(soa) => Ok((r, soa)),
            _ => Err(PlanError::NoSoa),
        },
        _ => Err(PlanError::NoSoa),
    }
}

/// Same owner (ignoring case), type, class and RDATA: what the store counts as one record.
fn same(a: &Record, b: &Record) -> bool {
    a.name == b.name && a.class == b.class && a.data == b.data
}

/// Computes the change `edit` makes to the zone `apex` whose records are `current`.
pub fn plan(apex: &Name, current: &[Record], edit: &Edit) -> Result<Change, PlanError> {
    let (old_soa, soa) = find_soa(apex, current)?;
    let find = |id: &str| {
        current
            .iter()
            .find(|r| record_id(r) == id)
            .ok_or_else(|| PlanError::NoSuchRecord(id.to_owned()))
    };
    let (old, new) = match edit {
        Edit::Add(form) => (None, Some(parse_form(apex, form).map_err(PlanError::Invalid)?)),
        Edit::Replace { id, form } => {
            let old = find(id)?;
            if !is_editable(apex, old) {
                return Err(PlanError::NotEditable);
            }
            (Some(old), Some(parse_form(apex, form).map_err(PlanError::Invalid)?))
        }
        Edit::Delete { id } => {
            let old = find(id)?;
            if !is_editable(apex, old) {
                return Err(PlanError::NotEditable);
            }
            (Some(old), None)
        }
    };

    let mut removed: Vec<Record> = old.into_iter().cloned().collect();
    let mut added: Vec<Record> = Vec::new();
    if let Some(new) = &new {
        if let Some(old) = old {
            if same(old, new) && old.ttl == new.ttl {
                return Err(PlanError::Invalid(FieldErrors::one("form", "nothing to change")));
            }
        }
        let replaced_same = old.is_some_and(|o| same(o, new));
        if !replaced_same && current.iter().any(|r| same(r, new)) {
            return Err(PlanError::Invalid(FieldErrors::one(
                "form",
                "this record already exists",
            )));
        }
        if new.rtype() == RecordType::NS && new.name == *apex {
            return Err(PlanError::Invalid(FieldErrors::one(
                "name",
                "the apex NS records are the registrar's name servers; NS records here delegate a subdomain",
            )));
        }
        // RFC 2181 §5.2: one TTL per RRset; the TTL just typed applies to the whole set.
        for r in current {
            let in_set = r.name == new.name && r.rtype() == new.rtype() && r.class == new.class;
            if in_set && r.ttl != new.ttl && !old.is_some_and(|o| same(o, r)) {
                removed.push(r.clone());
                added.push(Record {
                    ttl: new.ttl,
                    ..r.clone()
                });
            }
        }
        added.push(new.clone());
    }

    // The zone after the change, to check the rules that involve other records.
    let after: Vec<&Record> = current
        .iter()
        .filter(|r| !removed.iter().any(|x| same(x, r)))
        .chain(added.iter())
        .collect();
    if let Some(new) = &new {
        check_new(apex, new, &after).map_err(PlanError::Invalid)?;
    }
    if let Some(old) = old {
        check_removal(apex, old, &after).map_err(PlanError::Invalid)?;
    }

    let serial = serial_add(soa.serial, 1);
    let new_soa = Record {
        data: RData::SOA(Soa { serial, ..soa.clone() }),
        ..old_soa.clone()
    };
    removed.insert(0, old_soa.clone());
    added.insert(0, new_soa);
    Ok(Change {
        diff: ZoneDiff { removed, added },
        serial,
    })
}

/// The rules a record being added must keep with the rest of the zone (`after` holds it).
fn check_new(apex: &Name, new: &Record, after: &[&Record]) -> Result<(), FieldErrors> {
    let at_name: Vec<&&Record> = after.iter().filter(|r| r.name == new.name).collect();
    let rtype = new.rtype();
    if rtype == RecordType::CNAME {
        if new.name == *apex {
            return Err(FieldErrors::one(
                "name",
                "a CNAME cannot be at the zone's apex, which holds the SOA and NS records (RFC 1034 §3.6.2)",
            ));
        }
        if at_name.iter().any(|r| r.rtype() == RecordType::CNAME && !same(r, new)) {
            return Err(FieldErrors::one(
                "type",
                format!("{} already has a CNAME; a name has at most one", new.name),
            ));
        }
        if at_name.iter().any(|r| r.rtype() != RecordType::CNAME) {
            return Err(FieldErrors::one(
                "type",
                format!(
                    "{} has other records; a CNAME must be the only record at its name (RFC 1034 §3.6.2)",
                    new.name
                ),
            ));
        }
    } else if at_name.iter().any(|r| r.rtype() == RecordType::CNAME) {
        return Err(FieldErrors::one(
            "name",
            format!(
                "{} has a CNAME; no other record may be beside it (RFC 1034 §3.6.2)",
                new.name
            ),
        ));
    }
    if rtype == RecordType::DS && !at_name.iter().any(|r| r.rtype() == RecordType::NS) {
        return Err(FieldErrors::one(
            "name",
            format!(
                "a DS record belongs at a delegated subdomain: add NS records for {} first (RFC 4035 §2.4)",
                new.name
            ),
        ));
    }
    // A delegation above the new record (or at it, for what is not NS, DS or glue) hides it.
    let glue = matches!(rtype, RecordType::A | RecordType::AAAA);
    for cut in after.iter().filter(|r| r.rtype() == RecordType::NS && r.name != *apex) {
        let below = new.name != cut.name && new.name.is_subdomain_of(&cut.name);
        let at = new.name == cut.name && !matches!(rtype, RecordType::NS | RecordType::DS);
        if (below || at) && !glue {
            return Err(FieldErrors::one(
                "name",
                format!(
                    "{} is delegated (it has NS records): only its NS, DS and glue addresses can be here",
                    cut.name
                ),
            ));
        }
    }
    if rtype == RecordType::NS {
        let hidden = after.iter().find(|r| {
            r.name.is_subdomain_of(&new.name)
                && !matches!(r.rtype(), RecordType::A | RecordType::AAAA)
                && !(r.name == new.name && matches!(r.rtype(), RecordType::NS | RecordType::DS))
        });
        if let Some(h) = hidden {
            return Err(FieldErrors::one(
                "name",
                format!(
                    "delegating {} would hide its {} record at {}: delete that first",
                    new.name,
                    h.rtype(),
                    h.name
                ),
            ));
        }
    }
    Ok(())
}

/// The rules a removal must keep: the last NS of a delegation goes only after its DS.
fn check_removal(apex: &Name, old: &Record, after: &[&Record]) -> Result<(), FieldErrors> {
    if old.rtype() == RecordType::NS && old.name != *apex {
        let at = |t: RecordType| after.iter().any(|r| r.name == old.name && r.rtype() == t);
        if !at(RecordType::NS) && at(RecordType::DS) {
            return Err(FieldErrors::one(
                "form",
                format!(
                    "{} still has DS records: delete them before its last NS record",
                    old.name
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn rec(line: &str) -> Record {
        Record::from_text(line, Some(&n("example.test.")), Some(3600)).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn zone() -> Vec<Record> {
        [
            "@ 3600 IN SOA ns1.dns.example. hostmaster 41 3600 900 1209600 300",
            "@ 3600 IN NS ns1.dns.example.",
            "@ 3600 IN NS ns2.dns.example.",
            "www 300 IN A 192.0.2.1",
            "@ 300 IN MX 10 mail.example.test.",
            "mail 300 IN A 192.0.2.25",
        ]
        .iter()
        .map(|l| rec(l))
        .collect()
    }

    fn form(name: &str, rtype: &str, ttl: &str, value: &str) -> RecordForm {
        RecordForm {
            name: name.into(),
            rtype: rtype.into(),
            ttl: ttl.into(),
            value: value.into(),
        }
    }

    fn apex() -> Name {
        n("example.test.")
    }

    fn invalid(edit: Edit) -> FieldErrors {
        match plan(&apex(), &zone(), &edit) {
            Err(PlanError::Invalid(e)) => e,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    fn id_of(line: &str) -> String {
        record_id(&rec(line))
    }

    #[test]
    fn adding_an_a_record_moves_the_serial_by_one() {
        let change = plan(&apex(), &zone(), &Edit::Add(form("api", "A", "600", "192.0.2.7"))).expect("plan");
        assert_eq!(change.serial, 42);
        assert_eq!(change.diff.removed.len(), 1);
        assert_eq!(change.diff.removed[0].rtype(), RecordType::SOA);
        assert_eq!(change.diff.added[0].rtype(), RecordType::SOA);
        assert_eq!(change.diff.added[1], rec("api 600 IN A 192.0.2.7"));
    }

    #[test]
    fn rfc1982_serial_wraps() {
        let mut z = zone();
        z[0] = rec("@ 3600 IN SOA ns1.dns.example. hostmaster 4294967295 3600 900 1209600 300");
        let change = plan(&apex(), &z, &Edit::Add(form("a", "TXT", "", "hello"))).expect("plan");
        assert_eq!(change.serial, 0);
    }

    #[test]
    fn names_relative_absolute_and_outside() {
        let r = parse_form(&apex(), &form("www.example.test", "A", "", "192.0.2.9")).expect("absolute");
        assert_eq!(r.name, n("www.example.test."));
        let r = parse_form(&apex(), &form("@", "TXT", "", "x")).expect("apex");
        assert_eq!(r.name, apex());
        let r = parse_form(&apex(), &form("", "TXT", "", "x")).expect("apex");
        assert_eq!(r.name, apex());
        let e = parse_form(&apex(), &form("www.other.test.", "A", "", "192.0.2.9")).expect_err("outside");
        assert!(e.get("name").is_some_and(|m| m.contains("outside the zone")), "{e}");
        let e = parse_form(&apex(), &form("bad..name", "A", "", "192.0.2.9")).expect_err("bad name");
        assert!(e.get("name").is_some(), "{e}");
    }

    #[test]
    fn field_errors_name_each_field() {
        let e = invalid(Edit::Add(form("www", "A", "700000", "300.1.1.1")));
        assert!(e.get("ttl").is_some_and(|m| m.contains("604800")), "{e}");
        assert!(e.get("value").is_some_and(|m| m.contains("IPv4")), "{e}");
        let e = invalid(Edit::Add(form("www", "AAAA", "-1", "192.0.2.1")));
        assert!(e.get("ttl").is_some(), "{e}");
        assert!(e.get("value").is_some_and(|m| m.contains("IPv6")), "{e}");
        let e = invalid(Edit::Add(form("www", "SOA", "", "x")));
        assert!(e.get("type").is_some(), "{e}");
        let e = invalid(Edit::Add(form("www", "MX", "", "ten mail.example.test")));
        assert!(e.get("value").is_some_and(|m| m.contains("preference")), "{e}");
        let e = invalid(Edit::Add(form("_sip._tcp", "SRV", "", "10 5 sip.example.test")));
        assert!(e.get("value").is_some(), "{e}");
        let e = invalid(Edit::Add(form("@", "CAA", "", "0 frobnicate \"x\"")));
        assert!(e.get("value").is_some_and(|m| m.contains("issue")), "{e}");
        let e = invalid(Edit::Add(form("www", "A", "", "")));
        assert!(e.get("value").is_some(), "{e}");
    }

    #[test]
    fn every_editable_type_parses() {
        for (t, v) in [
            ("A", "192.0.2.10"),
            ("AAAA", "2001:db8::10"),
            ("CNAME", "target.example.com"),
            ("MX", "20 mx2.example.com."),
            ("TXT", "v=spf1 -all"),
            ("TXT", "\"two\" \"strings\""),
            ("CAA", "0 issue \"ca.example.net\""),
            ("SRV", "10 5 5060 sip.example.com"),
        ] {
            let name = if t == "CNAME" { "alias" } else { "svc" };
            plan(&apex(), &zone(), &Edit::Add(form(name, t, "300", v))).unwrap_or_else(|e| panic!("{t} {v}: {e}"));
        }
        let long = "a".repeat(600);
        let r = parse_form(&apex(), &form("t", "TXT", "", &long)).expect("long TXT");
        match r.data {
            RData::TXT(Txt(strings)) => assert_eq!(strings.iter().map(Vec::len).collect::<Vec<_>>(), [255, 255, 90]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc1034_section_3_6_2_cname_stands_alone() {
        let e = invalid(Edit::Add(form("www", "CNAME", "", "elsewhere.example.com")));
        assert!(e.get("type").is_some_and(|m| m.contains("other records")), "{e}");
        let e = invalid(Edit::Add(form("@", "CNAME", "", "elsewhere.example.com")));
        assert!(e.get("name").is_some_and(|m| m.contains("apex")), "{e}");
        let mut z = zone();
        z.push(rec("alias 300 IN CNAME www.example.test."));
        let e = match plan(&apex(), &z, &Edit::Add(form("alias", "TXT", "", "x"))) {
            Err(PlanError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(e.get("name").is_some_and(|m| m.contains("has a CNAME")), "{e}");
        // Replacing the CNAME with an A record at the same name is fine.
        let id = id_of("alias 300 IN CNAME www.example.test.");
        plan(
            &apex(),
            &z,
            &Edit::Replace {
                id,
                form: form("alias", "A", "", "192.0.2.3"),
            },
        )
        .expect("replace");
    }

    #[test]
    fn delegation_ns_ds_and_occlusion() {
        let e = invalid(Edit::Add(form("@", "NS", "", "ns3.dns.example")));
        assert!(e.get("name").is_some_and(|m| m.contains("apex NS")), "{e}");
        let e = invalid(Edit::Add(form(
            "sub",
            "DS",
            "",
            &format!("12345 13 2 {}", "ab".repeat(32)),
        )));
        assert!(e.get("name").is_some_and(|m| m.contains("delegated")), "{e}");
        let mut z = zone();
        z.push(rec("www 300 IN TXT \"site\""));
        let e = match plan(&apex(), &z, &Edit::Add(form("www", "NS", "", "ns.elsewhere.example"))) {
            Err(PlanError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(e.get("name").is_some_and(|m| m.contains("hide")), "{e}");

        let mut z = zone();
        z.push(rec("sub 3600 IN NS ns.sub.example.test."));
        z.push(rec("ns.sub 3600 IN A 192.0.2.53"));
        let ds = format!("12345 13 2 {}", "ab".repeat(32));
        let change = plan(&apex(), &z, &Edit::Add(form("sub", "DS", "3600", &ds))).expect("DS at a delegation");
        z.extend(change.diff.added.iter().skip(1).cloned());
        let e = match plan(&apex(), &z, &Edit::Add(form("x.sub", "TXT", "", "hidden"))) {
            Err(PlanError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(e.get("name").is_some_and(|m| m.contains("delegated")), "{e}");
        let id = id_of("sub 3600 IN NS ns.sub.example.test.");
        let e = match plan(&apex(), &z, &Edit::Delete { id }) {
            Err(PlanError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(e.get("form").is_some_and(|m| m.contains("DS")), "{e}");
        let bad = invalid(Edit::Add(form("www", "DS", "", "1 13 2 abcd")));
        assert!(bad.get("value").is_some() || bad.get("name").is_some(), "{bad}");
    }

    #[test]
    fn rfc2181_section_5_2_one_ttl_per_rrset() {
        let change = plan(&apex(), &zone(), &Edit::Add(form("www", "A", "60", "192.0.2.2"))).expect("plan");
        assert!(change.diff.removed.contains(&rec("www 300 IN A 192.0.2.1")));
        assert!(change.diff.added.contains(&rec("www 60 IN A 192.0.2.1")));
        assert!(change.diff.added.contains(&rec("www 60 IN A 192.0.2.2")));
    }

    #[test]
    fn replace_delete_and_registrar_records() {
        let id = id_of("www 300 IN A 192.0.2.1");
        let change = plan(
            &apex(),
            &zone(),
            &Edit::Replace {
                id: id.clone(),
                form: form("www", "A", "300", "192.0.2.99"),
            },
        )
        .expect("replace");
        assert_eq!(change.diff.removed[1], rec("www 300 IN A 192.0.2.1"));
        assert_eq!(change.diff.added[1], rec("www 300 IN A 192.0.2.99"));
        let e = invalid(Edit::Replace {
            id: id.clone(),
            form: form("www", "A", "300", "192.0.2.1"),
        });
        assert!(e.get("form").is_some(), "{e}");
        let change = plan(&apex(), &zone(), &Edit::Delete { id }).expect("delete");
        assert_eq!(change.diff.removed.len(), 2);
        assert_eq!(change.diff.added.len(), 1);

        let soa = record_id(&zone()[0]);
        assert_eq!(
            plan(&apex(), &zone(), &Edit::Delete { id: soa }),
            Err(PlanError::NotEditable)
        );
        let ns = id_of("@ 3600 IN NS ns1.dns.example.");
        assert_eq!(
            plan(&apex(), &zone(), &Edit::Delete { id: ns }),
            Err(PlanError::NotEditable)
        );
        assert_eq!(
            plan(&apex(), &zone(), &Edit::Delete { id: "0000".into() }),
            Err(PlanError::NoSuchRecord("0000".into()))
        );
        let e = invalid(Edit::Add(form("www", "A", "300", "192.0.2.1")));
        assert!(e.get("form").is_some_and(|m| m.contains("exists")), "{e}");
    }

    #[test]
    fn view_puts_soa_first_and_names_relative() {
        let v = view(&apex(), &zone());
        assert_eq!(v[0].rtype, "SOA");
        assert!(!v[0].editable);
        assert!(v.iter().any(|r| r.name == "www" && r.editable));
        assert!(v.iter().any(|r| r.name == "@" && r.rtype == "NS" && !r.editable));
        assert_eq!(relative_name(&apex(), &n("a.b.example.test.")), "a.b");
        assert_eq!(relative_name(&apex(), &n("other.test.")), "other.test.");
        // The form of a record reads back as the same record.
        for r in zone().iter().skip(3) {
            assert_eq!(&parse_form(&apex(), &form_of(&apex(), r)).expect("round trip"), r);
        }
    }

    #[test]
    fn no_soa_no_change() {
        let z: Vec<Record> = zone().into_iter().skip(1).collect();
        assert_eq!(
            plan(&apex(), &z, &Edit::Add(form("a", "TXT", "", "x"))),
            Err(PlanError::NoSoa)
        );
    }
}
