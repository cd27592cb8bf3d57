//! Public lookups: the read side that RDAP (RFC 9082 queries, RFC 9083 responses) and WHOIS
//! (RFC 3912) answer from. Nobody logs in to ask, so no registrar identity is needed: a
//! lookup returns an object in full (as its sponsor would see it) and the publishing layer
//! decides what to withhold — [`ContactInfo::published`] applies the registry's disclosure
//! policy (RFC 5733 §2.9) for both.
//!
//! Each lookup is one read transaction. A purged domain is gone; a domain in redemption or
//! pending delete (RFC 3915 §3.1) is still found, with `pendingDelete` and its grace-period
//! status, as registries show such names.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use banyan_wire::{Name, NameError};

use crate::db::Tx;
use crate::model::{
    ContactInfo, ContactType, DelegationFindings, DiscloseField, DomainInfo, HostInfo, PostalInfo, PostalType,
    RegistrarInfo,
};
use crate::registry::{key, stored_name};
use crate::{Registry, RegistryError};

/// The default and largest number of objects one search returns ([`Registry::search_domains`],
/// [`Registry::search_hosts`]).
pub const DEFAULT_SEARCH_LIMIT: usize = 100;

pub use crate::clock::Clock;

/// A domain with the objects it refers to, read in one transaction: what an RDAP domain
/// response (RFC 9083 §5.3) or a WHOIS domain answer shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRecord {
    /// The domain itself, in full.
    pub domain: DomainInfo,
    /// Its name servers' host objects, in the order of [`DomainInfo::ns`].
    pub nameservers: Vec<HostInfo>,
    /// Its registrant and other contacts, each once, in full (ordered by identifier).
    pub contacts: Vec<ContactInfo>,
    /// The sponsoring registrar (`None` only if the data is inconsistent).
    pub registrar: Option<RegistrarInfo>,
    /// What the last delegation check found, when it found something.
    pub delegation: Option<DelegationFindings>,
}

impl DomainRecord {
    /// The contact with identifier `id`, if the record holds it.
    pub fn contact(&self, id: &str) -> Option<&ContactInfo> {
        self.contacts.iter().find(|c| c.id == id)
    }
}

/// A domain search pattern (RFC 9082 §3.2.1 `domains?name=`, with the partial matching of
/// RFC 9082 §4.1): an exact name, or a first-label prefix ending in `*` optionally followed
/// by the rest of the name (`exa*` matches `example.test` and `exam.co.uk`; `exa*.test` only
/// under `test`).
///
/// Only the first label may be partial, and only its end: domains of this registry are one
/// label below a TLD. A partial label must be LDH (a prefix of an A-label, not of a U-label:
/// Punycode prefixes do not correspond), and at least one character precedes the `*`, so a
/// search cannot list a whole TLD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainPattern {
    /// A whole name (U-labels converted to A-labels).
    Exact(Name),
    /// Names whose first label starts with `prefix` (lowercase LDH), below `suffix` when
    /// given.
    Prefix {
        /// The characters before the `*`, lowercase.
        prefix: String,
        /// The name after the first label, if the pattern names one.
        suffix: Option<Name>,
    },
}

/// Why a search pattern was refused (RFC 9082 §4.1). Each is the client's fault: RDAP
/// answers 400.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern is empty.
    #[error("the search pattern is empty")]
    Empty,
    /// A `*` that is not the last character of the first label, or more than one.
    #[error("a `*` may only end the first label")]
    MisplacedWildcard,
    /// Nothing before the `*`.
    #[error("at least one character must precede the `*`")]
    NoPrefix,
    /// A partial label with characters other than letters, digits and hyphens.
    #[error("a partial label holds only letters, digits and hyphens")]
    NotLdh,
    /// The name part is not a name.
    #[error("not a domain name: {0}")]
    Name(#[from] NameError),
}

impl FromStr for DomainPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<DomainPattern, PatternError> {
        let text = text.trim();
        if text.is_empty() || text == "." {
            return Err(PatternError::Empty);
        }
        let Some(star) = text.find('*') else {
            return Ok(DomainPattern::Exact(Name::from_unicode(text)?));
        };
        let (prefix, rest) = (&text[..star], &text[star + 1..]);
        if prefix.contains('.') || rest.contains('*') || !(rest.is_empty() || rest.starts_with('.')) {
            return Err(PatternError::MisplacedWildcard);
        }
        if prefix.is_empty() {
            return Err(PatternError::NoPrefix);
        }
        if !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(PatternError::NotLdh);
        }
        let suffix = match rest.strip_prefix('.') {
            None | Some("") => None,
            Some(s) => Some(Name::from_unicode(s)?),
        };
        Ok(DomainPattern::Prefix {
            prefix: prefix.to_ascii_lowercase(),
            suffix,
        })
    }
}

impl fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainPattern::Exact(n) => write!(f, "{n}"),
            DomainPattern::Prefix { prefix, suffix: None } => write!(f, "{prefix}*"),
            DomainPattern::Prefix {
                prefix,
                suffix: Some(s),
            } => write!(f, "{prefix}*.{s}"),
        }
    }
}

/// The answer to a domain search: the matches in name order, at most the limit asked for,
/// and whether more matched (RFC 9083 §4.3: RDAP then says the result set was truncated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainSearch {
    /// The matching domains, in full.
    pub domains: Vec<DomainInfo>,
    /// Whether more domains matched than were returned.
    pub truncated: bool,
}

/// What a name server search asks for (RFC 9082 §3.2.2): `nameservers?name=PATTERN` (a whole
/// name, or the beginning of one ending in `*`, RFC 9082 §4.1) or `nameservers?ip=ADDRESS`.
///
/// A partial name is LDH and dots (a prefix of A-labels: Punycode prefixes do not
/// correspond to U-label prefixes), at least one character before the `*`, and the `*` ends
/// the pattern: `ns1.exa*` matches `ns1.example.test` and `ns1.exam.co.uk`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameserverQuery {
    /// A whole host name (U-labels converted to A-labels).
    Exact(Name),
    /// Host names beginning with this text (lowercase).
    Prefix(String),
    /// Hosts with this address.
    Ip(IpAddr),
}

impl NameserverQuery {
    /// The query of `nameservers?name=text` (RFC 9082 §3.2.2, §4.1).
    pub fn name(text: &str) -> Result<NameserverQuery, PatternError> {
        let text = text.trim();
        if text.is_empty() || text == "." {
            return Err(PatternError::Empty);
        }
        let Some(prefix) = text.strip_suffix('*') else {
            if text.contains('*') {
                return Err(PatternError::MisplacedWildcard);
            }
            return Ok(NameserverQuery::Exact(Name::from_unicode(text)?));
        };
        if prefix.contains('*') {
            return Err(PatternError::MisplacedWildcard);
        }
        if prefix.is_empty() {
            return Err(PatternError::NoPrefix);
        }
        if !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            || prefix.starts_with('.')
        {
            return Err(PatternError::NotLdh);
        }
        Ok(NameserverQuery::Prefix(prefix.to_ascii_lowercase()))
    }
}

/// The answer to a name server search: the matching hosts in name order, at most the limit
/// asked for, and whether more matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostSearch {
    /// The matching hosts.
    pub hosts: Vec<HostInfo>,
    /// Whether more hosts matched than were returned.
    pub truncated: bool,
}

/// The condition of a search over one table of named objects (`domains`, `hosts`): the one
/// place searches page through names (in name order, after a cursor) and count them, for
/// domains and name servers alike.
struct NameFilter {
    table: &'static str,
    /// An SQL condition with placeholders `$1`… for `binds`.
    cond: &'static str,
    binds: Vec<String>,
}

impl NameFilter {
    fn new(table: &'static str, cond: &'static str, binds: Vec<String>) -> NameFilter {
        NameFilter { table, cond, binds }
    }

    /// At most `limit` (capped at [`DEFAULT_SEARCH_LIMIT`]) matching names after `after`, in
    /// name order, and whether more match.
    async fn page(&self, tx: &mut Tx, after: Option<&Name>, limit: usize) -> Result<(Vec<Name>, bool), RegistryError> {
        let limit = limit.clamp(1, DEFAULT_SEARCH_LIMIT);
        let n = self.binds.len();
        let sql = format!(
            "SELECT name FROM {} WHERE {} AND name > ${} ORDER BY name LIMIT ${}",
            self.table,
            self.cond,
            n + 1,
            n + 2
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for b in &self.binds {
            query = query.bind(b.as_str());
        }
        // Stored names end in a dot, so "" precedes them all.
        let after = after.map(key).unwrap_or_default();
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let texts = query.bind(after).bind(fetch).fetch_all(&mut **tx).await?;
        let more = texts.len() > limit;
        let names = texts
            .iter()
            .take(limit)
            .map(|t| stored_name(t))
            .collect::<Result<_, _>>()?;
        Ok((names, more))
    }

    /// How many names match.
    async fn count(&self, pool: &sqlx::AnyPool) -> Result<u64, RegistryError> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {}", self.table, self.cond);
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for b in &self.binds {
            query = query.bind(b.as_str());
        }
        Ok(u64::try_from(query.fetch_one(pool).await?).unwrap_or(0))
    }
}

/// The filter of a name server search.
fn host_filter(query: &NameserverQuery) -> NameFilter {
    match query {
        NameserverQuery::Exact(name) => NameFilter::new("hosts", "name = $1", vec![key(name)]),
        // LDH and dots only: no `%` or `_` for LIKE to read as wildcards.
        NameserverQuery::Prefix(prefix) => NameFilter::new("hosts", "name LIKE $1", vec![format!("{prefix}%")]),
        // Addresses are stored in their canonical text form (`IpAddr`'s).
        NameserverQuery::Ip(addr) => NameFilter::new(
            "hosts",
            "id IN (SELECT host FROM host_addrs WHERE addr = $1)",
            vec![addr.to_string()],
        ),
    }
}

/// A value a publishing service may show, or withholds (RFC 5733 §2.9 disclosure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published<T> {
    /// The value may be shown.
    Shown(T),
    /// The value is withheld: "REDACTED FOR PRIVACY".
    Redacted,
}

impl<T> Published<T> {
    /// The value when shown.
    pub fn shown(&self) -> Option<&T> {
        match self {
            Published::Shown(v) => Some(v),
            Published::Redacted => None,
        }
    }

    /// Whether the value is withheld.
    pub fn is_redacted(&self) -> bool {
        matches!(self, Published::Redacted)
    }
}

/// A postal address without the name and organization (RFC 5733 §2.4 `<contact:addr>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Street lines.
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// State or province.
    pub sp: Option<String>,
    /// Postal code.
    pub pc: Option<String>,
    /// Two-letter country code (ISO 3166-1).
    pub cc: String,
}

/// What of a contact RDAP and WHOIS publish: its identifier always, each personal field only
/// when the contact's disclosure preference asks for it ([`ContactInfo::published`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedContact {
    /// The contact's identifier (the RDAP entity handle).
    pub id: String,
    /// The person's or role's name.
    pub name: Published<String>,
    /// The organization.
    pub org: Published<Option<String>>,
    /// The address.
    pub addr: Published<Option<Address>>,
    /// Telephone number (`+CC.NUMBER`).
    pub voice: Published<Option<String>>,
    /// Fax number.
    pub fax: Published<Option<String>>,
    /// E-mail address.
    pub email: Published<Option<String>>,
}

impl PublishedContact {
    /// Whether any field is withheld.
    pub fn is_redacted(&self) -> bool {
        self.name.is_redacted()
            || self.org.is_redacted()
            || self.addr.is_redacted()
            || self.voice.is_redacted()
            || self.fax.is_redacted()
            || self.email.is_redacted()
    }
}

impl ContactInfo {
    /// Whether the registry publishes `field` of this contact (RFC 5733 §2.9).
    ///
    /// The registry's data collection policy is not to disclose personal data (as gTLD
    /// registries have done since the GDPR): a field is published only when the contact's
    /// `<contact:disclose flag="1">` lists it. `flag="0"` lists fields to withhold, which
    /// they are anyway.
    pub fn discloses(&self, field: DiscloseField) -> bool {
        self.disclose
            .as_ref()
            .is_some_and(|d| d.flag && d.fields.contains(&field))
    }

    /// The contact as RDAP and WHOIS publish it: the internationalized postal information
    /// when there is one (else the localized), each field shown or redacted by
    /// [`ContactInfo::discloses`].
    pub fn published(&self) -> PublishedContact {
        let postal: Option<&PostalInfo> = self
            .postal
            .iter()
            .find(|p| p.kind == PostalType::Int)
            .or_else(|| self.postal.first());
        let int = postal.is_none_or(|p| p.kind == PostalType::Int);
        let (name_f, org_f, addr_f) = if int {
            (DiscloseField::NameInt, DiscloseField::OrgInt, DiscloseField::AddrInt)
        } else {
            (DiscloseField::NameLoc, DiscloseField::OrgLoc, DiscloseField::AddrLoc)
        };
        let show = |field: DiscloseField| self.discloses(field);
        PublishedContact {
            id: self.id.clone(),
            name: publish(show(name_f), || postal.map(|p| p.name.clone()).unwrap_or_default()),
            org: publish(show(org_f), || postal.and_then(|p| p.org.clone())),
            addr: publish(show(addr_f), || {
                postal.map(|p| Address {
                    street: p.street.clone(),
                    city: p.city.clone(),
                    sp: p.sp.clone(),
                    pc: p.pc.clone(),
                    cc: p.cc.clone(),
                })
            }),
            voice: publish(show(DiscloseField::Voice), || self.voice.clone()),
            fax: publish(show(DiscloseField::Fax), || self.fax.clone()),
            email: publish(show(DiscloseField::Email), || self.email.clone()),
        }
    }
}

/// `value` when `shown`, else [`Published::Redacted`].
fn publish<T>(shown: bool, value: impl FnOnce() -> T) -> Published<T> {
    if shown {
        Published::Shown(value())
    } else {
        Published::Redacted
    }
}

impl DomainInfo {
    /// The domain's contacts by role, the registrant first (role `None`), each identifier
    /// with every role it holds: the `entities` of an RDAP domain (RFC 9083 §5.3).
    pub fn contact_roles(&self) -> Vec<(String, Vec<Option<ContactType>>)> {
        let mut out: Vec<(String, Vec<Option<ContactType>>)> = Vec::new();
        let all = self
            .registrant
            .iter()
            .map(|r| (None, r))
            .chain(self.contacts.iter().map(|(t, id)| (Some(*t), id)));
        for (role, id) in all {
            match out.iter_mut().find(|(h, _)| h == id) {
                Some((_, roles)) if !roles.contains(&role) => roles.push(role),
                Some(_) => {}
                None => out.push((id.clone(), vec![role])),
            }
        }
        out
    }
}

impl Registry {
    /// The domain `name` in full (RFC 5731 §3.1.2 as its sponsor sees it), for publishing;
    /// `None` when no such domain is registered (never registered, or purged). `now` decides
    /// which grace periods are running (RFC 3915 §3.1).
    pub async fn lookup_domain(&self, name: &Name, now: i64) -> Result<Option<DomainInfo>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = match self.domain_by_name(&mut tx, name, false).await? {
            Some(row) => Some(self.domain_info(&mut tx, row, true, now).await?),
            None => None,
        };
        tx.commit().await?;
        Ok(info)
    }

    /// The domain `name` with its name servers, contacts and registrar, in one transaction
    /// (what RDAP's domain response, RFC 9083 §5.3, shows); `None` as for
    /// [`Registry::lookup_domain`].
    pub async fn lookup_domain_record(&self, name: &Name, now: i64) -> Result<Option<DomainRecord>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = self.domain_by_name(&mut tx, name, false).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let delegation = self.delegation_findings(&mut tx, row.id).await?;
        let domain = self.domain_info(&mut tx, row, true, now).await?;
        let mut nameservers = Vec::with_capacity(domain.ns.len());
        for ns in &domain.ns {
            let host = self.host_info(&mut tx, ns).await?.ok_or_else(|| {
                RegistryError::Corrupt(format!("{} names host {ns}, which does not exist", domain.name))
            })?;
            nameservers.push(host);
        }
        let mut ids: Vec<&String> = domain
            .registrant
            .iter()
            .chain(domain.contacts.iter().map(|(_, id)| id))
            .collect();
        ids.sort();
        ids.dedup();
        let mut contacts = Vec::with_capacity(ids.len());
        for id in ids {
            contacts.push(self.contact_in(&mut tx, id).await?.ok_or_else(|| {
                RegistryError::Corrupt(format!("{} names contact {id}, which does not exist", domain.name))
            })?);
        }
        let registrar = self.registrar_info(&mut tx, domain.cl_id.as_str()).await?;
        tx.commit().await?;
        Ok(Some(DomainRecord {
            domain,
            nameservers,
            contacts,
            registrar,
            delegation,
        }))
    }

    /// The host `name` (RFC 5732 §3.1.2), internal or external; `None` when there is none.
    pub async fn lookup_host(&self, name: &Name) -> Result<Option<HostInfo>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = self.host_info(&mut tx, name).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The contact `id` in full (RFC 5733 §3.1.2 as its sponsor sees it, authInfo included:
    /// publish it only through [`ContactInfo::published`]); `None` when there is none.
    pub async fn lookup_contact(&self, id: &str) -> Result<Option<ContactInfo>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = self.contact_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The registrar `id`; `None` when there is none. Its balance is private: RDAP and WHOIS
    /// show only the identifier and name.
    pub async fn lookup_registrar(&self, id: &str) -> Result<Option<RegistrarInfo>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = self.registrar_info(&mut tx, id).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The domains matching `pattern` (RFC 9082 §3.2.1, §4.1), in name order, after the name
    /// `after` when given (the next page, RFC 8977 §2.2), at most `limit` of them (capped at
    /// [`DEFAULT_SEARCH_LIMIT`]); [`DomainSearch::truncated`] says whether more matched.
    /// Domains in redemption and pending delete match too.
    pub async fn search_domains(
        &self,
        pattern: &DomainPattern,
        after: Option<&Name>,
        limit: usize,
        now: i64,
    ) -> Result<DomainSearch, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let (names, truncated) = match self.domain_filter(pattern) {
            Some(filter) => filter.page(&mut tx, after, limit).await?,
            None => (Vec::new(), false),
        };
        let mut domains = Vec::with_capacity(names.len());
        for name in &names {
            if let Some(row) = self.domain_by_name(&mut tx, name, false).await? {
                domains.push(self.domain_info(&mut tx, row, true, now).await?);
            }
        }
        tx.commit().await?;
        Ok(DomainSearch { domains, truncated })
    }

    /// How many domains match `pattern`, on every page together (RFC 8977 §2.1 `totalCount`).
    pub async fn count_domains(&self, pattern: &DomainPattern) -> Result<u64, RegistryError> {
        match self.domain_filter(pattern) {
            Some(filter) => filter.count(&self.pool).await,
            None => Ok(0),
        }
    }

    /// The filter of a domain search; `None` when nothing can match (a suffix that is no TLD
    /// of the registry).
    fn domain_filter(&self, pattern: &DomainPattern) -> Option<NameFilter> {
        Some(match pattern {
            DomainPattern::Exact(name) => NameFilter::new("domains", "name = $1", vec![key(name)]),
            // The prefix is LDH without dots, so `LIKE 'prefix%'` cannot reach past the first
            // label of a name exactly one label below the TLD matched.
            DomainPattern::Prefix {
                prefix,
                suffix: Some(tld),
            } => {
                self.policy(tld)?;
                NameFilter::new(
                    "domains",
                    "tld = $1 AND name LIKE $2",
                    vec![key(tld), format!("{prefix}%")],
                )
            }
            DomainPattern::Prefix { prefix, suffix: None } => {
                NameFilter::new("domains", "name LIKE $1", vec![format!("{prefix}%")])
            }
        })
    }

    /// The hosts a name server search asks for (RFC 9082 §3.2.2), in name order, after the
    /// name `after` when given (RFC 8977 §2.2), at most `limit` of them (capped at
    /// [`DEFAULT_SEARCH_LIMIT`]); [`HostSearch::truncated`] says whether more matched.
    pub async fn search_hosts(
        &self,
        query: &NameserverQuery,
        after: Option<&Name>,
        limit: usize,
    ) -> Result<HostSearch, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let (names, truncated) = host_filter(query).page(&mut tx, after, limit).await?;
        let mut hosts = Vec::with_capacity(names.len());
        for name in &names {
            hosts.extend(self.host_info(&mut tx, name).await?);
        }
        tx.commit().await?;
        Ok(HostSearch { hosts, truncated })
    }

    /// How many hosts match `query`, on every page together (RFC 8977 §2.1 `totalCount`).
    pub async fn count_hosts(&self, query: &NameserverQuery) -> Result<u64, RegistryError> {
        host_filter(query).count(&self.pool).await
    }

    /// The contact `id` in full, read in the caller's transaction.
    async fn contact_in(&self, tx: &mut Tx, id: &str) -> Result<Option<ContactInfo>, RegistryError> {
        match self.contact_by_handle(tx, id, false).await? {
            Some(row) => Ok(Some(self.contact_info(tx, row, true).await?)),
            None => Ok(None),
        }
    }

    /// Whether `name` is a domain name this registry could hold: one label below one of its
    /// TLDs, LDH (RFC 9082 §3.1.3 queries for other names are not this server's).
    pub(crate) fn serves_domain(&self, name: &Name) -> bool {
        self.domain_policy(name).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Disclose, RegistrarId, Status};

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc9082_section_4_1_partial_patterns() {
        let p = |s: &str| s.parse::<DomainPattern>();
        assert_eq!(p("example.test"), Ok(DomainPattern::Exact(n("example.test."))));
        assert_eq!(p("bücher.test"), Ok(DomainPattern::Exact(n("xn--bcher-kva.test."))));
        assert_eq!(
            p("Exam*"),
            Ok(DomainPattern::Prefix {
                prefix: "exam".into(),
                suffix: None
            })
        );
        assert_eq!(
            p("exam*.co.uk"),
            Ok(DomainPattern::Prefix {
                prefix: "exam".into(),
                suffix: Some(n("co.uk."))
            })
        );
        assert_eq!(p("exam*.test.").map(|d| d.to_string()), Ok("exam*.test.".into()));
        assert_eq!(p(""), Err(PatternError::Empty));
        assert_eq!(p("*.test"), Err(PatternError::NoPrefix));
        assert_eq!(p("ex*am.test"), Err(PatternError::MisplacedWildcard));
        assert_eq!(p("example.te*"), Err(PatternError::MisplacedWildcard));
        assert_eq!(p("ex**"), Err(PatternError::MisplacedWildcard));
        assert_eq!(p("bü*.test"), Err(PatternError::NotLdh));
        assert!(matches!(p("a..test"), Err(PatternError::Name(_))));
    }

    #[test]
    fn rfc9082_section_3_2_2_nameserver_patterns() {
        let q = NameserverQuery::name;
        assert_eq!(
            q("NS1.Example.test"),
            Ok(NameserverQuery::Exact(n("ns1.example.test.")))
        );
        assert_eq!(q("ns1.EXA*"), Ok(NameserverQuery::Prefix("ns1.exa".into())));
        assert_eq!(q("ns*"), Ok(NameserverQuery::Prefix("ns".into())));
        assert_eq!(q(""), Err(PatternError::Empty));
        assert_eq!(q("*"), Err(PatternError::NoPrefix));
        assert_eq!(q("ns*.example.test"), Err(PatternError::MisplacedWildcard));
        assert_eq!(q("n**"), Err(PatternError::MisplacedWildcard));
        assert_eq!(q("nü*"), Err(PatternError::NotLdh));
        assert_eq!(q("n%_*"), Err(PatternError::NotLdh));
        assert_eq!(q(".ns*"), Err(PatternError::NotLdh));
    }

    fn contact(disclose: Option<Disclose>) -> ContactInfo {
        ContactInfo {
            id: "sh8013".into(),
            roid: "C1-BANYAN".into(),
            statuses: vec![Status::Ok],
            postal: vec![PostalInfo {
                kind: PostalType::Int,
                name: "Jane Doe".into(),
                org: Some("Example Inc.".into()),
                street: vec!["123 Example Dr.".into()],
                city: "Dulles".into(),
                sp: Some("VA".into()),
                pc: None,
                cc: "US".into(),
            }],
            voice: Some("+1.7035555555".into()),
            fax: None,
            email: Some("jdoe@example.test".into()),
            cl_id: RegistrarId::new("rar-a"),
            cr_id: None,
            cr_date: 0,
            up_id: None,
            up_date: None,
            tr_date: None,
            auth_info: Some("2fooBAR".into()),
            disclose,
            authorized: true,
        }
    }

    #[test]
    fn rfc5733_section_2_9_only_disclosed_fields_are_published() {
        let p = contact(None).published();
        assert_eq!(p.id, "sh8013");
        assert!(p.name.is_redacted() && p.org.is_redacted() && p.addr.is_redacted());
        assert!(p.voice.is_redacted() && p.fax.is_redacted() && p.email.is_redacted());

        let withheld = contact(Some(Disclose {
            flag: false,
            fields: vec![DiscloseField::NameInt, DiscloseField::Email],
        }))
        .published();
        assert!(withheld.name.is_redacted() && withheld.email.is_redacted());

        let shown = contact(Some(Disclose {
            flag: true,
            fields: vec![DiscloseField::NameInt, DiscloseField::OrgInt, DiscloseField::Fax],
        }))
        .published();
        assert_eq!(shown.name, Published::Shown("Jane Doe".to_string()));
        assert_eq!(shown.org, Published::Shown(Some("Example Inc.".to_string())));
        assert_eq!(shown.fax, Published::Shown(None));
        assert!(shown.addr.is_redacted() && shown.email.is_redacted());
        assert!(shown.is_redacted());
    }
}
