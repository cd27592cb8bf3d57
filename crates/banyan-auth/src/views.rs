//! Views: different answers for different clients (as BIND's views and Knot's geoip module
//! give them), chosen by the client's address or by the EDNS Client Subnet option
//! (RFC 7871).
//!
//! A view is a name, the prefixes it matches, and RRsets that replace the zone's RRsets of
//! the same owner and type (or add names) for the clients it matches. Views are tried in
//! order, the first match wins; a client no view matches gets the zones' own data.
//!
//! The address matched is the ECS option's when the server accepts ECS
//! ([`AuthConfig::ecs`]) and the query carries one with a non-zero source prefix, else the
//! client's source address. The response's ECS option echoes the query's with the SCOPE
//! PREFIX-LENGTH (RFC 7871 §7.2.1) set to the prefix the answer holds for: 0 when no view
//! has data for the names in the answer, else the longest prefix the choice of view
//! depended on (see [`select`]).
//!
//! A debug option ([`WHY_OPTION`]) lets allowed clients ask which view matched and why.

use std::fmt::Write as _;
use std::net::IpAddr;

use banyan_wire::edns::{ClientSubnet, Edns, EdnsOption};
use banyan_wire::{Name, NameBuf, Record, RecordType};
use banyan_zone::{RdataList, Rrset};

use crate::config::{AuthConfig, Cidr};

/// EDNS option code of the "why this answer" debug option, from the range RFC 6891 §9 sets
/// aside for local and experimental use (65001–65534). A client sends it empty; a client
/// in [`AuthConfig::debug_allow`] gets it back holding UTF-8 text saying which view
/// matched and why (`banyan query +why` prints it).
pub const WHY_OPTION: u16 = 65001;

/// One view: the prefixes it matches and its own RRsets.
#[derive(Clone, Debug)]
pub struct View {
    name: String,
    /// Prefixes matched, in order, each with the region it came from (for `+why`).
    subnets: Vec<(Cidr, Option<String>)>,
    /// The view's RRsets.
    records: Vec<ViewSet>,
    /// Country or continent codes matched through the GeoIP database
    /// ([`AuthConfig::geoip`]), after the prefixes.
    geo: Vec<String>,
}

/// One RRset of a view, with the RRSIGs covering it once signed.
#[derive(Clone, Debug)]
struct ViewSet {
    owner: Name,
    set: Rrset,
    /// RRSIGs covering `set` (RFC 4034 §3), made by [`View::sign_sets`]: a view's set is
    /// used in a signed zone only when signed.
    sigs: Option<Rrset>,
}

/// Why a view's data did not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// A record of a class other than IN.
    #[error("{0}: only class IN records can be given per view")]
    Class(String),
    /// A CNAME beside other data at one owner (RFC 1034 §3.6.2, RFC 2181 §10.1).
    #[error("{0}: a CNAME cannot share its owner with other records")]
    CnameAndOther(String),
    /// A DNSSEC record: a view's sets are unsigned.
    #[error("{0}: DNSSEC records (RRSIG, NSEC, NSEC3, DNSKEY, DS) cannot be given per view")]
    Dnssec(String),
}

impl View {
    /// A view named `name` matching `subnets` (each with the region it was listed under,
    /// if any), whose `records` replace the zones' RRsets of the same owner and type.
    /// Records of one owner and type form one RRset, with the smallest TTL (RFC 2181 §5.2).
    pub fn new(
        name: impl Into<String>,
        subnets: Vec<(Cidr, Option<String>)>,
        records: Vec<Record>,
    ) -> Result<View, ViewError> {
        let mut sets: Vec<ViewSet> = Vec::new();
        for r in records {
            if r.class != banyan_wire::Class::IN {
                return Err(ViewError::Class(r.name.to_string()));
            }
            let rtype = r.rtype();
            if crate::dnssec::is_dnssec_only(rtype) || rtype == RecordType::RRSIG {
                return Err(ViewError::Dnssec(r.name.to_string()));
            }
            let wire = r.data.to_wire();
            match sets.iter_mut().find(|v| v.owner == r.name && v.set.rtype == rtype) {
                Some(v) => {
                    v.set.ttl = v.set.ttl.min(r.ttl);
                    if !v.set.rdata.contains(&wire) {
                        v.set.rdata.push(&wire);
                    }
                }
                None => sets.push(ViewSet {
                    owner: r.name.to_lowercase(),
                    set: Rrset {
                        rtype,
                        ttl: r.ttl,
                        rdata: RdataList::one(&wire),
                    },
                    sigs: None,
                }),
            }
        }
        for v in &sets {
            let others = sets.iter().filter(|w| w.owner == v.owner).count();
            if v.set.rtype == RecordType::CNAME && others > 1 {
                return Err(ViewError::CnameAndOther(v.owner.to_string()));
            }
        }
        Ok(View {
            name: name.into(),
            subnets,
            records: sets,
            geo: Vec::new(),
        })
    }

    /// The view also matches clients the GeoIP database places in one of `codes`: ISO 3166
    /// country codes (`DE`) or continent codes (`EU`), compared ignoring case.
    pub fn with_geo_regions(mut self, codes: Vec<String>) -> View {
        self.geo = codes;
        self
    }

    /// The view's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The prefixes the view matches, in order, each with the region it was listed under.
    pub fn subnets(&self) -> impl Iterator<Item = (&Cidr, Option<&str>)> {
        self.subnets.iter().map(|(c, r)| (c, r.as_deref()))
    }

    /// The owners of the view's RRsets.
    pub fn owners(&self) -> impl Iterator<Item = &Name> {
        self.records.iter().map(|v| &v.owner)
    }

    /// Signs the view's RRsets for a signed zone: `sign` is given each set's owner and the
    /// set, and returns the RRSIG RDATAs covering it (RFC 4034 §3.1), or `None` for a set
    /// outside the zones it signs. A signed set replaces the zone's set of the same owner
    /// and type for DO clients too; in a signed zone, unsigned sets of a view are not used.
    pub fn sign_sets<E>(
        &mut self,
        mut sign: impl FnMut(&Name, &Rrset) -> Result<Option<Vec<Vec<u8>>>, E>,
    ) -> Result<(), E> {
        for v in &mut self.records {
            if let Some(sigs) = sign(&v.owner, &v.set)? {
                let mut list = RdataList::default();
                for rd in &sigs {
                    list.push(rd);
                }
                v.sigs = Some(Rrset {
                    rtype: RecordType::RRSIG,
                    ttl: v.set.ttl,
                    rdata: list,
                });
            }
        }
        Ok(())
    }

    /// The view's RRset of `rtype` at `owner`.
    fn rrset(&self, owner: &NameBuf, rtype: RecordType) -> Option<&ViewSet> {
        self.records.iter().find(|v| v.set.rtype == rtype && owner == &v.owner)
    }

    fn has_owner(&self, owner: &NameBuf) -> bool {
        self.records.iter().any(|v| owner == &v.owner)
    }
}

/// The view chosen for one query, and what the response's ECS option says.
pub(crate) struct Selection<'c> {
    /// The view matched; `None`: the zones' own data.
    pub view: Option<&'c View>,
    /// Every view, to tell whether an answer depends on which one matched.
    pub all: &'c [View],
    /// The SCOPE PREFIX-LENGTH for an answer that depends on the view (RFC 7871 §7.2.1).
    pub scope: u8,
    /// Set while answering when a name of the answer has data in some view.
    pub depends: bool,
}

impl Selection<'_> {
    /// The view's replacement for `rtype` at `owner` (or its CNAME there) with its RRSIGs,
    /// noting whether any view has data at `owner`. In a signed zone (`signed`) only a
    /// signed set of the type the zone answered with (`base`) stands in: another would
    /// contradict the zone's NSEC/NSEC3 type bitmaps (RFC 4034 §4.1.2).
    pub(crate) fn overlay(
        &mut self,
        owner: &NameBuf,
        rtype: RecordType,
        base: Option<RecordType>,
        signed: bool,
    ) -> Option<(&Rrset, Option<&Rrset>)> {
        if self.all.is_empty() {
            return None;
        }
        if !self.depends && self.all.iter().any(|v| v.has_owner(owner)) {
            self.depends = true;
        }
        let view = self.view?;
        let found = view
            .rrset(owner, rtype)
            .or_else(|| view.rrset(owner, RecordType::CNAME))?;
        if signed && (found.sigs.is_none() || base != Some(found.set.rtype)) {
            return None;
        }
        Some((&found.set, found.sigs.as_ref()))
    }

    /// The scope to put in the response's ECS option.
    pub(crate) fn answer_scope(&self) -> u8 {
        if self.depends {
            self.scope
        } else {
            0
        }
    }
}

/// The address a query is matched with, and how it was learnt.
#[derive(Clone, Copy)]
enum Source {
    /// The ECS option's network.
    Ecs(ClientSubnet),
    /// The packet's source address.
    Client(IpAddr),
}

/// Chooses the view for a client at `client` whose query has the OPT record `edns`, and
/// adds to `reply` the ECS option (when ECS is on and the query carried one, scope 0 until
/// [`finish_ecs`] sets it) and the `+why` text (when asked for by an allowed client).
///
/// The scope is the longest prefix the choice depended on: the matched prefix's length,
/// and for each prefix tried before it (of the same family) one bit past the bits the
/// address shares with it, since a client differing there might have matched it (RFC 7871
/// §7.2.1: the answer must hold for every address in the scope).
pub(crate) fn select<'c>(
    config: &'c AuthConfig,
    client: IpAddr,
    edns: Option<&Edns>,
    reply: Option<&mut Edns>,
) -> Selection<'c> {
    let client = match client {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
        v4 => v4,
    };
    let ecs = match edns.and_then(|e| e.option(banyan_wire::edns::code::CLIENT_SUBNET)) {
        Some(EdnsOption::ClientSubnet(c)) if config.ecs => Some(*c),
        _ => None,
    };
    let source = match ecs {
        Some(c) => Source::Ecs(c),
        None => Source::Client(client),
    };
    let mut selection = Selection {
        view: None,
        all: &config.views,
        scope: 0,
        depends: false,
    };
    let mut matched: Option<(&Cidr, Option<&str>)> = None;
    // RFC 7871 §7.1.2: SOURCE PREFIX-LENGTH 0 asks that the client's address not be used;
    // the resolver's own address says nothing about the client either.
    let address = match source {
        Source::Ecs(c) if c.source_prefix == 0 => None,
        Source::Ecs(c) => Some(c.address),
        Source::Client(a) => Some(a),
    };
    let mut geo: Option<crate::geoip::GeoAnswer> = None;
    let mut geo_match: Option<&str> = None;
    if let Some(address) = address {
        'views: for view in &config.views {
            for (cidr, region) in &view.subnets {
                if cidr.is_ipv4() != address.is_ipv4() {
                    continue;
                }
                if cidr.contains(address) {
                    selection.scope = selection.scope.max(cidr.prefix());
                    selection.view = Some(view);
                    matched = Some((cidr, region.as_deref()));
                    break 'views;
                }
                let telling = (cidr.common_bits(address) + 1).min(cidr.prefix());
                selection.scope = selection.scope.max(telling);
            }
            if view.geo.is_empty() {
                continue;
            }
            let Some(db) = &config.geoip else { continue };
            if geo.is_none() {
                // One lookup per query, and only when a view goes by region.
                geo = db.lookup(address).ok();
            }
            let Some(g) = &geo else { continue };
            // The database's network decided, matched or not.
            selection.scope = selection.scope.max(g.prefix);
            let found = view.geo.iter().find(|code| {
                [&g.country, &g.continent]
                    .iter()
                    .any(|c| c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
            });
            if let Some(code) = found {
                selection.view = Some(view);
                geo_match = Some(code);
                break 'views;
            }
        }
    }
    let Some(reply) = reply else { return selection };
    if let Some(c) = ecs {
        reply
            .options
            .push(EdnsOption::ClientSubnet(ClientSubnet { scope_prefix: 0, ..c }));
    }
    let asked = edns.is_some_and(|e| e.option(WHY_OPTION).is_some());
    if asked && config.debug_allow.iter().any(|c| c.contains(client)) {
        let mut text = String::new();
        let by = match source {
            Source::Ecs(c) => format!("ECS {}/{}", c.address, c.source_prefix),
            Source::Client(a) => format!("client {a}"),
        };
        match (selection.view, matched, address) {
            (Some(view), None, _) => {
                let g = geo.as_ref();
                let _ = write!(
                    text,
                    "view \"{}\": {by} in region {} (geoip: country {}, continent {}, network /{})",
                    view.name,
                    geo_match.unwrap_or("?"),
                    g.and_then(|g| g.country.as_deref()).unwrap_or("-"),
                    g.and_then(|g| g.continent.as_deref()).unwrap_or("-"),
                    g.map_or(0, |g| g.prefix)
                );
            }
            (Some(view), Some((cidr, region)), _) => {
                let _ = write!(text, "view \"{}\": {by} in {cidr}", view.name);
                if let Some(r) = region {
                    let _ = write!(text, " (region {r})");
                }
            }
            (_, _, None) => {
                let _ = write!(text, "default: {by} asks that no address be used");
            }
            _ if config.views.is_empty() => {
                let _ = write!(text, "default: no views configured ({by})");
            }
            _ => {
                let _ = write!(text, "default: no view matched {by}");
            }
        }
        if ecs.is_none() && !config.ecs {
            text.push_str("; ECS not accepted (auth.ecs = false)");
        }
        reply.options.push(EdnsOption::Unknown {
            code: WHY_OPTION,
            data: text.into_bytes(),
        });
    }
    selection
}

/// The name of the view a query from `client` is answered from: the choice
/// [`crate::respond`] makes, made again from the query's bytes for the query log (so the
/// answering path carries nothing extra). `None` when no view is configured, none matched,
/// or the query cannot be read. Parses the message: the server asks only when it logs.
pub fn chosen_view<'c>(config: &'c AuthConfig, client: IpAddr, query: &[u8]) -> Option<&'c str> {
    if config.views.is_empty() {
        return None;
    }
    let msg = banyan_wire::Message::parse(query).ok()?;
    let edns = msg.edns().and_then(Result::ok);
    select(config, client, edns.as_ref(), None).view.map(View::name)
}

/// Sets the SCOPE PREFIX-LENGTH of the ECS option in `reply`, if it has one, to what the
/// answer was found to depend on (RFC 7871 §7.2.1).
pub(crate) fn finish_ecs(reply: &mut Edns, selection: &Selection<'_>) {
    let scope = selection.answer_scope();
    for o in &mut reply.options {
        if let EdnsOption::ClientSubnet(c) = o {
            let width = if c.address.is_ipv4() { 32 } else { 128 };
            c.scope_prefix = scope.min(width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, subnets: &[&str]) -> View {
        let records = vec![Record::from_text("cdn.example. 60 IN A 192.0.2.1", None, None).unwrap()];
        View::new(
            name,
            subnets.iter().map(|s| (s.parse().unwrap(), None)).collect(),
            records,
        )
        .unwrap()
    }

    fn scope_for(config: &AuthConfig, client: &str) -> (Option<String>, u8) {
        let s = select(config, client.parse().unwrap(), None, None);
        (s.view.map(|v| v.name().to_string()), s.scope)
    }

    #[test]
    fn rfc7871_section_7_2_1_scope_covers_what_the_choice_depended_on() {
        let config = AuthConfig {
            views: vec![view("narrow", &["10.1.2.128/25"]), view("wide", &["10.1.0.0/16"])],
            ..AuthConfig::default()
        };
        // In the narrow view: its own /25.
        assert_eq!(scope_for(&config, "10.1.2.200"), (Some("narrow".into()), 25));
        // In the wide view but next to the narrow one: bit 25 decided.
        assert_eq!(scope_for(&config, "10.1.2.1"), (Some("wide".into()), 25));
        // Far from the narrow one: they part at bit 17.
        assert_eq!(scope_for(&config, "10.1.200.1"), (Some("wide".into()), 17));
        // Nothing matched: the bit where it left the closest prefix.
        assert_eq!(scope_for(&config, "10.2.0.1"), (None, 15));
        assert_eq!(scope_for(&config, "2001:db8::1"), (None, 0), "no IPv6 prefixes");
    }

    #[test]
    fn a_cname_cannot_share_a_view_owner() {
        let records = vec![
            Record::from_text("cdn.example. 60 IN A 192.0.2.1", None, None).unwrap(),
            Record::from_text("cdn.example. 60 IN CNAME other.example.", None, None).unwrap(),
        ];
        assert!(matches!(
            View::new("x", Vec::new(), records),
            Err(ViewError::CnameAndOther(_))
        ));
    }

    #[test]
    fn geoip_regions_match_by_country_or_continent() {
        let db = crate::geoip::GeoIp::from_bytes(crate::geoip::tests::database([10, 1, 0, 0], 16, "DE", "EU")).unwrap();
        let config = AuthConfig {
            views: vec![view("eu", &[]).with_geo_regions(vec!["eu".into()])],
            geoip: Some(std::sync::Arc::new(db)),
            ..AuthConfig::default()
        };
        assert_eq!(scope_for(&config, "10.1.9.9"), (Some("eu".into()), 16));
        assert_eq!(scope_for(&config, "10.2.0.1"), (None, 15));
    }
}
