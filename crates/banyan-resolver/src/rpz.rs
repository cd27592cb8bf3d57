//! Response policy zones (RPZ, draft-vixie-dnsop-dns-rpz, as BIND and Unbound implement
//! them): blocklists written as zone files, so they can be made, shared and transferred as
//! zones. A rule's owner is the name it applies to, relative to the policy zone's apex
//! (`bad.example.rpz.local.` is about `bad.example.`, `*.bad.example.rpz.local.` about every
//! name below it); its data says what to do:
//!
//! | data | action |
//! |---|---|
//! | `CNAME .` | NXDOMAIN |
//! | `CNAME *.` | NODATA |
//! | `CNAME rpz-passthru.` | answer as usual (an exception to a wider rule) |
//! | other data (A, AAAA, TXT, CNAME elsewhere, …) | local data: the answer is that data, with the asked name as owner |
//!
//! Only QNAME triggers are supported (the names of the `rpz-ip`, `rpz-nsdname`,
//! `rpz-client-ip` and `rpz-nsip` triggers are reported and left out when a file is loaded),
//! and `rpz-drop.`/`rpz-tcp-only.` are reported and left out: answering is the resolver's
//! only way out of a resolution. An exact rule wins over a wildcard, and a closer wildcard
//! over a wider one (as BIND orders QNAME rules); between policy zones, the first given wins.
//!
//! A policy answer carries the policy zone's SOA in the authority section (as BIND does), so
//! a client can tell it from a real one, and is never cached: a reload takes effect at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use banyan_wire::{Class, Name, RData, Rcode, Record, RecordType};
use banyan_zone::{parse_file, ParseOptions};

use crate::answer::Answer;
use crate::rrset::{RRset, Security};

/// What a rule says to do with a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyAction {
    /// `CNAME .`: the name does not exist.
    NxDomain,
    /// `CNAME *.`: the name exists with no data of any type.
    NoData,
    /// `CNAME rpz-passthru.`: resolve as usual.
    Passthru,
    /// Local data, answered instead of the real data (owner names are the rule's; the answer
    /// uses the asked name).
    LocalData(Vec<Record>),
}

/// One loaded policy zone.
#[derive(Clone, Debug)]
pub struct PolicyZone {
    /// Its apex (`rpz.local.`).
    pub apex: Name,
    /// Its SOA, for the authority section of policy answers.
    soa: Record,
    /// Exact rules, by the lowercase name they apply to.
    exact: HashMap<Name, PolicyAction>,
    /// Wildcard rules, by the lowercase name whose descendants they apply to.
    wildcard: HashMap<Name, PolicyAction>,
    /// Where it was read from (for reloads and messages).
    pub source: PathBuf,
}

/// Why a policy zone could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RpzError {
    /// The file did not parse.
    #[error("{path}: {errors}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's messages, joined.
        errors: String,
    },
    /// No SOA at the top of the file.
    #[error("{0}: a policy zone starts with its SOA record (the apex names the zone)")]
    NoSoa(PathBuf),
}

/// A rule left out when loading, with why (for the operator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The rule's owner.
    pub owner: Name,
    /// Why it is not applied.
    pub why: String,
}

impl PolicyZone {
    /// Reads a policy zone file (RFC 1035 master file; the first record must be the SOA,
    /// whose owner is the apex). Returns the zone and the rules it leaves out.
    pub fn load(path: &Path) -> Result<(PolicyZone, Vec<Skipped>), RpzError> {
        let mut records = Vec::new();
        let report = parse_file(path, &ParseOptions::default(), &mut |r| records.push(r));
        if !report.is_ok() {
            let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            return Err(RpzError::Parse {
                path: path.to_path_buf(),
                errors: errors.join("; "),
            });
        }
        let soa = records
            .iter()
            .find(|r| r.rtype() == RecordType::SOA)
            .cloned()
            .ok_or_else(|| RpzError::NoSoa(path.to_path_buf()))?;
        let (zone, skipped) = PolicyZone::from_records(soa, &records, path);
        Ok((zone, skipped))
    }

    /// Builds the zone from its records (`soa` names the apex).
    pub fn from_records(soa: Record, records: &[Record], source: &Path) -> (PolicyZone, Vec<Skipped>) {
        let apex = soa.name.to_lowercase();
        let mut zone = PolicyZone {
            apex: apex.clone(),
            soa,
            exact: HashMap::new(),
            wildcard: HashMap::new(),
            source: source.to_path_buf(),
        };
        let mut skipped = Vec::new();
        let mut data: HashMap<(Name, bool), Vec<Record>> = HashMap::new();
        for r in records {
            let owner = r.name.to_lowercase();
            if owner == apex || !owner.is_subdomain_of(&apex) || r.class != Class::IN {
                continue;
            }
            // The name the rule is about: the owner less the apex's labels.
            let Some(trigger) = strip(&owner, &apex) else { continue };
            let (target, wild) = match trigger.labels().next() {
                Some(b"*") => match trigger.parent() {
                    Some(p) => (p, true),
                    None => continue,
                },
                _ => (trigger, false),
            };
            if let Some(kind) = special_trigger(&target) {
                skipped.push(Skipped {
                    owner: owner.clone(),
                    why: format!("{kind} triggers are not supported (QNAME rules only)"),
                });
                continue;
            }
            let action = match &r.data {
                RData::CNAME(t) if t.is_root() => Some(PolicyAction::NxDomain),
                RData::CNAME(t) if t.to_string() == "*." => Some(PolicyAction::NoData),
                RData::CNAME(t) if t.to_string().eq_ignore_ascii_case("rpz-passthru.") => Some(PolicyAction::Passthru),
                RData::CNAME(t)
                    if t.to_string().eq_ignore_ascii_case("rpz-drop.")
                        || t.to_string().eq_ignore_ascii_case("rpz-tcp-only.") =>
                {
                    skipped.push(Skipped {
                        owner: owner.clone(),
                        why: format!("{t} is not supported"),
                    });
                    continue;
                }
                _ => None,
            };
            let table = if wild { &mut zone.wildcard } else { &mut zone.exact };
            match action {
                Some(a) => {
                    table.insert(target, a);
                }
                None => data.entry((target, wild)).or_default().push(r.clone()),
            }
        }
        for ((target, wild), records) in data {
            let table = if wild { &mut zone.wildcard } else { &mut zone.exact };
            // A special action and local data for one name: the action (BIND refuses such
            // a zone; keeping the stricter rule is the safe reading).
            table.entry(target).or_insert(PolicyAction::LocalData(records));
        }
        (zone, skipped)
    }

    /// The rule for `qname` (lowercase), if any: an exact one, else the closest wildcard.
    pub fn rule(&self, qname: &Name) -> Option<&PolicyAction> {
        if let Some(a) = self.exact.get(qname) {
            return Some(a);
        }
        let mut up = qname.parent();
        while let Some(name) = up {
            if let Some(a) = self.wildcard.get(&name) {
                return Some(a);
            }
            up = name.parent();
        }
        None
    }

    /// How many rules it holds.
    pub fn len(&self) -> usize {
        self.exact.len() + self.wildcard.len()
    }

    /// Whether it holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `owner` with `apex`'s labels removed (`bad.example.rpz.local.` less `rpz.local.` is
/// `bad.example.`); `None` for the apex itself.
fn strip(owner: &Name, apex: &Name) -> Option<Name> {
    let keep = owner.label_count().checked_sub(apex.label_count())?;
    if keep == 0 {
        return None;
    }
    let labels: Vec<&[u8]> = owner.labels().take(keep).collect();
    Name::from_labels(labels).ok()
}

/// The RPZ trigger kind a name's last label announces (`rpz-ip`, …), if any.
fn special_trigger(target: &Name) -> Option<&'static str> {
    let last = target.labels().last()?;
    ["rpz-ip", "rpz-nsdname", "rpz-nsip", "rpz-client-ip"]
        .into_iter()
        .find(|k| last.eq_ignore_ascii_case(k.as_bytes()))
}

/// The policy zones in force, in order of precedence.
#[derive(Clone, Debug, Default)]
pub struct ResponsePolicy {
    /// The zones; the first with a rule for a name decides.
    pub zones: Vec<PolicyZone>,
}

impl ResponsePolicy {
    /// No policy: every name resolves as usual.
    pub fn none() -> ResponsePolicy {
        ResponsePolicy::default()
    }

    /// The policy answer for `qname` (lowercase) and `qtype`, or `None` to resolve as usual
    /// (no rule, or `rpz-passthru`). The answer is uncacheable.
    pub fn answer(&self, qname: &Name, qtype: RecordType) -> Option<Answer> {
        let (zone, action) = self.zones.iter().find_map(|z| z.rule(qname).map(|a| (z, a)))?;
        let negative = |rcode| Answer {
            rcode,
            answer: Vec::new(),
            authority: RRset::from_records(&zone.soa.name, std::slice::from_ref(&zone.soa))
                .into_iter()
                .collect(),
            uncacheable: true,
            security: Security::Unchecked,
            ede: None,
            unchecked: None,
        };
        match action {
            PolicyAction::Passthru => None,
            PolicyAction::NxDomain => Some(negative(Rcode::NXDOMAIN)),
            PolicyAction::NoData => Some(negative(Rcode::NOERROR)),
            PolicyAction::LocalData(records) => {
                // The data of the type asked, else a CNAME (which answers any type), else
                // NODATA (RFC 2308 §2.2 shape, with the policy zone's SOA).
                let pick =
                    |t: RecordType| -> Vec<Record> { records.iter().filter(|r| r.rtype() == t).cloned().collect() };
                let mut chosen = pick(qtype);
                if chosen.is_empty() {
                    chosen = pick(RecordType::CNAME);
                }
                match RRset::from_records(qname, &chosen) {
                    Some(set) => Some(Answer {
                        rcode: Rcode::NOERROR,
                        answer: vec![set],
                        authority: Vec::new(),
                        uncacheable: true,
                        security: Security::Unchecked,
                        ede: None,
                        unchecked: None,
                    }),
                    None => Some(negative(Rcode::NOERROR)),
                }
            }
        }
    }

    /// Whether any zone is loaded.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(apex: &str, rules: &str) -> PolicyZone {
        let text = format!("$ORIGIN {apex}\n@ 60 SOA localhost. h.localhost. 1 3600 600 86400 60\n{rules}");
        let mut records = Vec::new();
        let report = banyan_zone::parse_str(&text, Path::new("t"), &ParseOptions::default(), &mut |r| {
            records.push(r)
        });
        assert!(report.is_ok(), "{:?}", report.errors);
        let soa = records[0].clone();
        PolicyZone::from_records(soa, &records, Path::new("t")).0
    }

    fn name(s: &str) -> Name {
        Name::parse(s, None).expect("name")
    }

    #[test]
    fn exact_beats_wildcard_and_closer_wildcard_beats_wider() {
        let z = zone(
            "rpz.local.",
            "*.example 60 CNAME .\n*.sub.example 60 CNAME *.\nok.sub.example 60 CNAME rpz-passthru.\n",
        );
        assert_eq!(z.rule(&name("a.example.")), Some(&PolicyAction::NxDomain));
        assert_eq!(z.rule(&name("example.")), None, "a wildcard is for the names below");
        assert_eq!(z.rule(&name("x.sub.example.")), Some(&PolicyAction::NoData));
        assert_eq!(z.rule(&name("ok.sub.example.")), Some(&PolicyAction::Passthru));
    }

    #[test]
    fn the_first_zone_with_a_rule_decides() {
        let allow = zone("allow.rpz.", "good.example 60 CNAME rpz-passthru.\n");
        let block = zone("block.rpz.", "*.example 60 CNAME .\n");
        let policy = ResponsePolicy {
            zones: vec![allow, block],
        };
        assert!(policy.answer(&name("good.example."), RecordType::A).is_none());
        let a = policy.answer(&name("bad.example."), RecordType::A).expect("blocked");
        assert_eq!(a.rcode, Rcode::NXDOMAIN);
        assert_eq!(a.authority[0].name, name("block.rpz."));
        assert!(a.uncacheable);
    }

    #[test]
    fn local_data_answers_the_type_asked_or_its_cname_or_nodata() {
        let z = zone(
            "rpz.local.",
            "www.example 60 A 192.0.2.1\nwww.example 60 A 192.0.2.2\nalias.example 60 CNAME www.example.\n",
        );
        let policy = ResponsePolicy { zones: vec![z] };
        let a = policy.answer(&name("www.example."), RecordType::A).expect("redirect");
        assert_eq!(
            (a.answer[0].rdata.len(), a.answer[0].name.clone()),
            (2, name("www.example."))
        );
        let cname = policy.answer(&name("alias.example."), RecordType::AAAA).expect("cname");
        assert_eq!(cname.answer[0].rtype, RecordType::CNAME);
        let nodata = policy.answer(&name("www.example."), RecordType::MX).expect("nodata");
        assert!(nodata.rcode == Rcode::NOERROR && nodata.answer.is_empty() && !nodata.authority.is_empty());
    }
}
