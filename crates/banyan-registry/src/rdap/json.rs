//! RDAP's JSON responses (RFC 9083) as typed structures, and their making from the registry's
//! objects. Pure functions of their inputs (the base URL and `now` included), so every
//! response is tested without a socket.

use std::net::IpAddr;

use banyan_wire::Name;
use serde::Serialize;
use serde_json::{json, Value};

use crate::lookup::{DomainRecord, Published, PublishedContact};
use crate::model::{
    ContactInfo, ContactType, DelegationFindings, DomainInfo, HostInfo, RegistrarInfo, RgpStatus, Status,
};
use crate::time::datetime;

/// The conformance of every response (RFC 9083 §4.1): RDAP level 0, and the ICANN gTLD
/// profile's shape is not claimed.
pub const CONFORMANCE: &[&str] = &["rdap_level_0"];

/// The conformance of a search response that pages (RFC 8977 §4): [`CONFORMANCE`] and
/// `paging`.
pub const CONFORMANCE_PAGING: &[&str] = &["rdap_level_0", "paging"];

/// The remark on an object whose personal data is withheld, as gTLD registries write it
/// (RFC 9083 §4.3 remark type "object redacted due to authorization").
pub const REDACTED: &str = "REDACTED FOR PRIVACY";

/// The RDAP status value (RFC 9083 §10.2.2, the mapping of RFC 8056 §2) of an EPP status.
pub fn status_value(s: Status) -> &'static str {
    match s {
        Status::ClientDeleteProhibited => "client delete prohibited",
        Status::ClientHold => "client hold",
        Status::ClientRenewProhibited => "client renew prohibited",
        Status::ClientTransferProhibited => "client transfer prohibited",
        Status::ClientUpdateProhibited => "client update prohibited",
        Status::Inactive => "inactive",
        Status::Linked => "associated",
        Status::Ok => "active",
        Status::PendingCreate => "pending create",
        Status::PendingDelete => "pending delete",
        Status::PendingRenew => "pending renew",
        Status::PendingTransfer => "pending transfer",
        Status::PendingUpdate => "pending update",
        Status::ServerDeleteProhibited => "server delete prohibited",
        Status::ServerHold => "server hold",
        Status::ServerRenewProhibited => "server renew prohibited",
        Status::ServerTransferProhibited => "server transfer prohibited",
        Status::ServerUpdateProhibited => "server update prohibited",
    }
}

/// The RDAP status value (RFC 8056 §2) of an RGP grace-period status (RFC 3915).
pub fn rgp_status_value(s: RgpStatus) -> &'static str {
    match s {
        RgpStatus::AddPeriod => "add period",
        RgpStatus::AutoRenewPeriod => "auto renew period",
        RgpStatus::RenewPeriod => "renew period",
        RgpStatus::TransferPeriod => "transfer period",
        RgpStatus::RedemptionPeriod => "redemption period",
        RgpStatus::PendingRestore => "pending restore",
        RgpStatus::PendingDelete => "pending delete",
    }
}

/// What every response is made with: where the service is, and when it is.
#[derive(Clone, Debug)]
pub(crate) struct Context<'a> {
    /// The base URL, without a final `/`.
    pub base: &'a str,
    /// Now, in Unix seconds ("last update of RDAP database").
    pub now: i64,
    /// The WHOIS server's host name (RFC 9083 §4.7 `port43`).
    pub port43: Option<&'a str>,
    /// The terms of service, one paragraph per line.
    pub terms: &'a [String],
}

impl Context<'_> {
    fn url(&self, class: &str, id: &str) -> String {
        format!("{}/{class}/{}", self.base, encode_segment(id))
    }

    fn self_link(&self, class: &str, id: &str) -> Vec<Link> {
        let href = self.url(class, id);
        vec![Link {
            value: href.clone(),
            rel: "self",
            href,
            media_type: super::MEDIA_TYPE,
            title: None,
        }]
    }

    /// The notices of a top-level response (RFC 9083 §4.3): the terms of service, linked
    /// to `/help`.
    pub fn notices(&self) -> Vec<Notice> {
        let help = format!("{}/help", self.base);
        vec![Notice {
            title: "Terms of Service".into(),
            kind: None,
            description: self.terms.to_vec(),
            links: vec![Link {
                value: help.clone(),
                rel: "terms-of-service",
                href: help,
                media_type: super::MEDIA_TYPE,
                title: None,
            }],
        }]
    }
}

/// A link (RFC 9083 §4.2).
#[derive(Clone, Debug, Serialize)]
pub struct Link {
    /// The context URI.
    pub value: String,
    /// The relation.
    pub rel: &'static str,
    /// The target.
    pub href: String,
    /// The target's media type.
    #[serde(rename = "type")]
    pub media_type: &'static str,
    /// A title for the link, when it has one (RFC 8288 §3.4.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'static str>,
}

/// A notice or remark (RFC 9083 §4.3).
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    /// The title.
    pub title: String,
    /// The type (RFC 9083 §10.2.1), when one applies.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The text, one paragraph per element.
    pub description: Vec<String>,
    /// Related links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// An event (RFC 9083 §4.5).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The action (RFC 9083 §10.2.3): "registration", "expiration", "last changed",
    /// "transfer", "last update of RDAP database".
    pub event_action: &'static str,
    /// When, RFC 3339 in UTC.
    pub event_date: String,
}

fn event(action: &'static str, unix: i64) -> Event {
    Event {
        event_action: action,
        event_date: datetime(unix),
    }
}

/// A public identifier (RFC 9083 §4.8).
#[derive(Clone, Debug, Serialize)]
pub struct PublicId {
    /// The kind of identifier.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The identifier.
    pub identifier: String,
}

/// An entity (RFC 9083 §5.1): a registrar or a contact.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// "entity".
    pub object_class_name: &'static str,
    /// The registrar's or contact's identifier.
    pub handle: String,
    /// The jCard (RFC 7095), with only what may be published.
    pub vcard_array: Value,
    /// The entity's roles toward the object that contains it (RFC 9083 §10.2.4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<&'static str>,
    /// Public identifiers (the registrar's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_ids: Vec<PublicId>,
    /// Statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<&'static str>,
    /// Remarks (the redaction remark).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<Notice>,
    /// Events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// The self link.
    pub links: Vec<Link>,
}

/// A name server's addresses (RFC 9083 §5.2).
#[derive(Clone, Debug, Default, Serialize)]
pub struct IpAddresses {
    /// IPv4 addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub v4: Vec<String>,
    /// IPv6 addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub v6: Vec<String>,
}

/// A name server (RFC 9083 §5.2): a host object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nameserver {
    /// "nameserver".
    pub object_class_name: &'static str,
    /// The host's ROID, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The name with A-labels, without the final dot.
    pub ldh_name: String,
    /// The name with U-labels, for an IDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicode_name: Option<String>,
    /// Addresses (glue, for a host under a TLD of the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_addresses: Option<IpAddresses>,
    /// Statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<&'static str>,
    /// The sponsoring registrar.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// The self link.
    pub links: Vec<Link>,
}

/// One DS record (RFC 9083 §5.3 `dsData`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DsData {
    /// The key tag.
    pub key_tag: u16,
    /// The DNSSEC algorithm.
    pub algorithm: u8,
    /// The digest type.
    pub digest_type: u8,
    /// The digest, in hexadecimal.
    pub digest: String,
}

/// A domain's DNSSEC delegation (RFC 9083 §5.3 `secureDNS`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecureDns {
    /// Whether the TLD zone holds DS records for the domain.
    pub delegation_signed: bool,
    /// The registrar's `maxSigLife` (RFC 5910), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sig_life: Option<u32>,
    /// The DS records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ds_data: Vec<DsData>,
}

/// A domain (RFC 9083 §5.3).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    /// "domain".
    pub object_class_name: &'static str,
    /// The ROID.
    pub handle: String,
    /// The name with A-labels, without the final dot.
    pub ldh_name: String,
    /// The name with U-labels, for an IDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicode_name: Option<String>,
    /// Statuses (RFC 8056).
    pub status: Vec<&'static str>,
    /// Events.
    pub events: Vec<Event>,
    /// Name servers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<Nameserver>,
    /// DNSSEC.
    #[serde(rename = "secureDNS")]
    pub secure_dns: SecureDns,
    /// The registrar and contacts.
    pub entities: Vec<Entity>,
    /// Remarks: what the last delegation check found, when it found something.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<Notice>,
    /// The self link.
    pub links: Vec<Link>,
    /// The WHOIS server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port43: Option<String>,
}

/// A top-level response (RFC 9083 §4.1, §4.3): the object with `rdapConformance` and the
/// notices, and for a search that pages its `paging_metadata` (RFC 8977 §2.3.1).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopLevel<T> {
    /// [`CONFORMANCE`], or [`CONFORMANCE_PAGING`] with paging metadata.
    pub rdap_conformance: &'static [&'static str],
    /// The object or search results.
    #[serde(flatten)]
    pub object: T,
    /// The terms of service, and any notice about the results.
    pub notices: Vec<Notice>,
    /// The paging of search results (RFC 8977).
    #[serde(rename = "paging_metadata", skip_serializing_if = "Option::is_none")]
    pub paging_metadata: Option<PagingMetadata>,
}

/// Where a page of search results stands (RFC 8977 §2.3.1 `paging_metadata`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagingMetadata {
    /// How many objects match on all pages, when the query asked (`count=true`, RFC 8977
    /// §2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// How many objects this page holds.
    pub page_size: u64,
    /// Which page this is, from 1.
    pub page_number: u64,
    /// The next page (`rel` "next", its `href` carrying the opaque `cursor`), when there is
    /// one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// Domain search results (RFC 9083 §8).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainSearchResults {
    /// The domains found.
    pub domain_search_results: Vec<Domain>,
}

/// Name server search results (RFC 9083 §8).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameserverSearchResults {
    /// The name servers found.
    pub nameserver_search_results: Vec<Nameserver>,
}

/// A help response (RFC 9083 §7): only the notices.
#[derive(Clone, Debug, Serialize)]
pub struct Help {}

/// An error response (RFC 9083 §6).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `["rdap_level_0"]`.
    pub rdap_conformance: &'static [&'static str],
    /// The HTTP status code.
    pub error_code: u16,
    /// A short title.
    pub title: &'static str,
    /// What went wrong.
    pub description: Vec<String>,
}

/// A name as RDAP shows it: lowercase A-labels without the final dot, and the U-label form
/// when it differs (RFC 9083 §3).
fn names(name: &Name) -> (String, Option<String>) {
    let text = name.to_string();
    let ldh = text.trim_end_matches('.').to_string();
    let unicode = name.to_unicode();
    let unicode = unicode.trim_end_matches('.');
    let unicode = (unicode != ldh).then(|| unicode.to_string());
    (ldh, unicode)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Percent-encodes a path segment (RFC 3986 §3.3): everything but the unreserved characters.
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn contact_role(role: Option<ContactType>) -> &'static str {
    match role {
        None => "registrant",
        Some(ContactType::Admin) => "administrative",
        Some(ContactType::Tech) => "technical",
        Some(ContactType::Billing) => "billing",
    }
}

/// A registrar as an entity: its identifier as handle and public identifier (the registry
/// keeps no IANA number), its name in the jCard. `info` is `None` when only the identifier
/// is known (search results).
pub(crate) fn registrar_entity(
    ctx: &Context<'_>,
    id: &str,
    info: Option<&RegistrarInfo>,
    roles: Vec<&'static str>,
) -> Entity {
    let name = info.map_or(id, |r| r.name.as_str());
    Entity {
        object_class_name: "entity",
        handle: id.to_string(),
        vcard_array: json!(["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", name],]]),
        roles,
        public_ids: vec![PublicId {
            kind: "IANA Registrar ID",
            identifier: id.to_string(),
        }],
        status: Vec::new(),
        remarks: Vec::new(),
        events: Vec::new(),
        links: ctx.self_link("entity", id),
    }
}

/// A contact's jCard (RFC 7095, RFC 9083 §5.1) with only the published fields; a withheld
/// name leaves `fn` empty.
fn vcard(p: &PublishedContact) -> Value {
    let mut props: Vec<Value> = vec![json!(["version", {}, "text", "4.0"])];
    props.push(json!(["fn", {}, "text", p.name.shown().map_or("", String::as_str)]));
    if let Published::Shown(Some(org)) = &p.org {
        props.push(json!(["org", {}, "text", org]));
    }
    if let Published::Shown(Some(a)) = &p.addr {
        // pobox, extended, street, locality, region, code, country name; the country as
        // the `cc` parameter (RFC 8605 §3.1).
        let street = match a.street.len() {
            0 => json!(""),
            1 => json!(a.street[0]),
            _ => json!(a.street),
        };
        props.push(json!(["adr", {"cc": a.cc}, "text", [
            "", "", street, a.city, a.sp.as_deref().unwrap_or(""), a.pc.as_deref().unwrap_or(""), ""
        ]]));
    }
    if let Published::Shown(Some(v)) = &p.voice {
        props.push(json!(["tel", {"type": ["voice"]}, "uri", format!("tel:{v}")]));
    }
    if let Published::Shown(Some(f)) = &p.fax {
        props.push(json!(["tel", {"type": ["fax"]}, "uri", format!("tel:{f}")]));
    }
    if let Published::Shown(Some(e)) = &p.email {
        props.push(json!(["email", {}, "text", e]));
    }
    json!(["vcard", props])
}

fn redaction_remark() -> Notice {
    Notice {
        title: REDACTED.into(),
        kind: Some("object redacted due to authorization"),
        description: vec![
            "Some of the data in this object has been removed: the contact did not consent to its publication.".into(),
        ],
        links: Vec::new(),
    }
}

/// A contact as an entity. `info` is `None` when only the identifier is known (search
/// results): everything personal is then withheld. `top` adds the statuses and events
/// shown when the contact is the object asked for.
pub(crate) fn contact_entity(
    ctx: &Context<'_>,
    id: &str,
    info: Option<&ContactInfo>,
    roles: Vec<&'static str>,
    top: bool,
) -> Entity {
    let published = info.map(ContactInfo::published).unwrap_or_else(|| PublishedContact {
        id: id.to_string(),
        name: Published::Redacted,
        org: Published::Redacted,
        addr: Published::Redacted,
        voice: Published::Redacted,
        fax: Published::Redacted,
        email: Published::Redacted,
    });
    let (status, events) = match info.filter(|_| top) {
        Some(c) => {
            let mut events = vec![event("registration", c.cr_date)];
            events.extend(c.up_date.map(|t| event("last changed", t)));
            events.extend(c.tr_date.map(|t| event("transfer", t)));
            events.push(event("last update of RDAP database", ctx.now));
            (c.statuses.iter().map(|s| status_value(*s)).collect(), events)
        }
        None => (Vec::new(), Vec::new()),
    };
    Entity {
        object_class_name: "entity",
        handle: id.to_string(),
        vcard_array: vcard(&published),
        roles,
        public_ids: Vec::new(),
        status,
        remarks: if published.is_redacted() {
            vec![redaction_remark()]
        } else {
            Vec::new()
        },
        events,
        links: ctx.self_link("entity", id),
    }
}

fn ip_addresses(addrs: &[IpAddr]) -> Option<IpAddresses> {
    if addrs.is_empty() {
        return None;
    }
    let mut out = IpAddresses::default();
    for a in addrs {
        match a {
            IpAddr::V4(v4) => out.v4.push(v4.to_string()),
            IpAddr::V6(v6) => out.v6.push(v6.to_string()),
        }
    }
    Some(out)
}

/// A name server. `info` is `None` when only the name is known (search results). `top` adds
/// the sponsor, statuses and events shown when the host is the object asked for.
pub(crate) fn nameserver(ctx: &Context<'_>, name: &Name, info: Option<&HostInfo>, top: bool) -> Nameserver {
    let (ldh_name, unicode_name) = names(name);
    let links = ctx.self_link("nameserver", &ldh_name);
    let mut ns = Nameserver {
        object_class_name: "nameserver",
        handle: info.map(|h| h.roid.clone()),
        ldh_name,
        unicode_name,
        ip_addresses: info.and_then(|h| ip_addresses(&h.addrs)),
        status: Vec::new(),
        entities: Vec::new(),
        events: Vec::new(),
        links,
    };
    if let Some(h) = info {
        ns.status = h.statuses.iter().map(|s| status_value(*s)).collect();
        if top {
            ns.entities = vec![registrar_entity(ctx, h.cl_id.as_str(), None, vec!["registrar"])];
            ns.events.push(event("registration", h.cr_date));
            ns.events.extend(h.up_date.map(|t| event("last changed", t)));
            ns.events.extend(h.tr_date.map(|t| event("transfer", t)));
            ns.events.push(event("last update of RDAP database", ctx.now));
        }
    }
    ns
}

/// A domain. With a [`DomainRecord`], name servers carry their addresses and entities their
/// published data; from a bare [`DomainInfo`] (search results) only names and identifiers.
pub(crate) fn domain(ctx: &Context<'_>, d: &DomainInfo, record: Option<&DomainRecord>) -> Domain {
    let (ldh_name, unicode_name) = names(&d.name);
    let mut status: Vec<&'static str> = d.statuses.iter().map(|s| status_value(*s)).collect();
    for r in &d.rgp_statuses {
        let v = rgp_status_value(*r);
        if !status.contains(&v) {
            status.push(v);
        }
    }
    let mut events = vec![event("registration", d.cr_date), event("expiration", d.ex_date)];
    events.extend(d.up_date.map(|t| event("last changed", t)));
    events.extend(d.tr_date.map(|t| event("transfer", t)));
    events.push(event("last update of RDAP database", ctx.now));
    let nameservers =
        d.ns.iter()
            .map(|n| {
                let host = record.and_then(|r| r.nameservers.iter().find(|h| h.name == *n));
                nameserver(ctx, n, host, false)
            })
            .collect();
    let mut entities = vec![registrar_entity(
        ctx,
        d.cl_id.as_str(),
        record.and_then(|r| r.registrar.as_ref()),
        vec!["registrar"],
    )];
    for (id, roles) in d.contact_roles() {
        let info = record.and_then(|r| r.contact(&id));
        let roles = roles.into_iter().map(contact_role).collect();
        entities.push(contact_entity(ctx, &id, info, roles, false));
    }
    let links = ctx.self_link("domain", &ldh_name);
    Domain {
        object_class_name: "domain",
        handle: d.roid.clone(),
        ldh_name,
        unicode_name,
        status,
        events,
        nameservers,
        secure_dns: SecureDns {
            delegation_signed: !d.ds.is_empty(),
            max_sig_life: d.max_sig_life.filter(|_| !d.ds.is_empty()),
            ds_data: d
                .ds
                .iter()
                .map(|ds| DsData {
                    key_tag: ds.key_tag,
                    algorithm: ds.alg,
                    digest_type: ds.digest_type,
                    digest: hex(&ds.digest),
                })
                .collect(),
        },
        entities,
        remarks: record
            .and_then(|r| r.delegation.as_ref())
            .map(delegation_remark)
            .into_iter()
            .collect(),
        links,
        port43: ctx.port43.map(str::to_string),
    }
}

/// The title of the remark that shows what a delegation check found.
pub const DELEGATION_REMARK: &str = DelegationFindings::TITLE;

/// The remark (RFC 9083 §4.3) on a domain whose last delegation check found problems: when
/// it ran, then one line per finding ([`DelegationFindings::rdap_description`], the text
/// WHOIS shows too).
fn delegation_remark(found: &DelegationFindings) -> Notice {
    Notice {
        title: DELEGATION_REMARK.to_owned(),
        kind: None,
        description: found.rdap_description(),
        links: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8056_section_2_every_status_has_a_value() {
        assert_eq!(status_value(Status::Ok), "active");
        assert_eq!(status_value(Status::ClientHold), "client hold");
        assert_eq!(status_value(Status::Linked), "associated");
        assert_eq!(status_value(Status::PendingDelete), "pending delete");
        assert_eq!(rgp_status_value(RgpStatus::RedemptionPeriod), "redemption period");
        let mut seen: Vec<&str> = Status::ALL.iter().map(|s| status_value(*s)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Status::ALL.len());
    }

    #[test]
    fn rfc3986_section_3_3_segments_are_encoded() {
        assert_eq!(encode_segment("rar-a"), "rar-a");
        assert_eq!(encode_segment("a/b c%"), "a%2Fb%20c%25");
        assert_eq!(encode_segment("ü"), "%C3%BC");
    }

    #[test]
    fn idn_names_have_a_unicode_form() {
        let n = Name::parse("xn--bcher-kva.test.", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&n), ("xn--bcher-kva.test".into(), Some("bücher.test".into())));
        let n = Name::parse("example.test.", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&n), ("example.test".into(), None));
    }
}
