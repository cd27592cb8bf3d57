//! The registry's RDAP service: lookups by RFC 9082 query paths, answered with RFC 9083 JSON
//! over HTTP as RFC 7480 says.
//!
//! | path | answers |
//! |---|---|
//! | `/domain/{name}` | a domain (RFC 9083 §5.3), with its name servers, DS data and entities |
//! | `/nameserver/{name}` | a host object (RFC 9083 §5.2), internal or external |
//! | `/entity/{handle}` | a registrar (by identifier) or a contact (by identifier) (RFC 9083 §5.1) |
//! | `/domains?name=PATTERN` | a domain search (RFC 9082 §3.2.1, partial match by RFC 9082 §4.1) |
//! | `/nameservers?name=PATTERN`, `/nameservers?ip=ADDRESS` | a name server search (RFC 9082 §3.2.2; a pattern ends in `*` for a partial match) |
//! | `/help` | the terms of service (RFC 9083 §7) |
//!
//! Responses are `application/rdap+json` (RFC 7480 §4.2) and carry
//! `Access-Control-Allow-Origin: *` (RFC 7480 §5.6); `GET` and `HEAD` are served (RFC 7480
//! §4.1). Errors carry an RFC 9083 §6 body: 400 for a malformed name, handle or search
//! (RFC 7480 §5.4), 404 for an object not held here — names under TLDs this registry does
//! not serve included — and for unknown paths, 501 for RFC 9082 queries this registry does
//! not answer (`/ip`, `/autnum`, `/entities`, domain searches by name server), 405
//! for other methods, 500 when the database fails.
//!
//! Privacy: contacts are published by [`crate::ContactInfo::published`]; a contact with
//! withheld fields carries the remark "REDACTED FOR PRIVACY". An entity handle names a
//! registrar first, then a contact: a registrar's identifier cannot be shadowed by a contact
//! a registrar creates. No authentication, so no tiered access.
//!
//! Searches page (RFC 8977): a response holds at most [`RdapConfig::search_limit`] objects,
//! in name order. When more match, it is cut there with the notice "result set truncated due
//! to excessive load" (RFC 9083 §10.2.1) and `paging_metadata` whose "next" link carries an
//! opaque `cursor` for the following page (RFC 8977 §2.2, §2.3.1); `count=true` adds the
//! `totalCount` of all pages (RFC 8977 §2.1). A response with `paging_metadata` names
//! `paging` in its `rdapConformance`. `sort` (RFC 8977 §2.3) is not supported: the order is
//! always by name.

pub mod json;
mod limits;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use banyan_wire::Name;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::lookup::{Clock, DomainPattern, NameserverQuery, PatternError, DEFAULT_SEARCH_LIMIT};
use crate::{Registry, RegistryError};
use json::{Context, ErrorBody, Link, Notice, PagingMetadata, TopLevel, CONFORMANCE, CONFORMANCE_PAGING};

/// RDAP's media type (RFC 7480 §4.2).
pub const MEDIA_TYPE: &str = "application/rdap+json";

/// The longest name, handle or search pattern looked at (a presentation-form name is at most
/// 253 characters; U-labels take more).
pub const MAX_QUERY_LEN: usize = 1024;

/// How long [`serve`] lets responses under way finish after it is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How the RDAP service describes itself and bounds its connections.
#[derive(Clone, Debug)]
pub struct RdapConfig {
    /// The base URL of the service as clients reach it (`https://rdap.nic.test`), used in
    /// every link; a final `/` is ignored. The routes are at the router's root: serve a base
    /// URL with a path by nesting the router.
    pub base_url: String,
    /// Where `now` comes from (grace periods, "last update of RDAP database").
    pub clock: Clock,
    /// The most domains a search returns (at most [`DEFAULT_SEARCH_LIMIT`]).
    pub search_limit: usize,
    /// The WHOIS server's host name, shown as `port43` (RFC 9083 §4.7).
    pub port43: Option<String>,
    /// The terms of service, one paragraph per element (the notice of every response and
    /// the `/help` answer).
    pub terms: Vec<String>,
    /// The most connections [`serve`] keeps open at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long [`serve`] keeps a connection on which no byte moves (slow headers, idle
    /// keep-alive).
    pub idle_timeout: Duration,
}

impl RdapConfig {
    /// A service at `base_url` on the system clock, with the default search limit and terms,
    /// at most 256 connections, each closed after 30 idle seconds.
    pub fn new(base_url: impl Into<String>) -> RdapConfig {
        RdapConfig {
            base_url: base_url.into(),
            clock: Clock::system(),
            search_limit: DEFAULT_SEARCH_LIMIT,
            port43: None,
            terms: vec![
                "The data in this registry's RDAP service is provided for information about domain \
                 name registrations only, without warranty of accuracy."
                    .into(),
                "Personal data of contacts is withheld unless the contact agreed to its publication.".into(),
            ],
            max_connections: 256,
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Why an RDAP query gets an error response; [`RdapError::status`] is the one place that maps
/// these to HTTP status codes (RFC 7480 §5, RFC 9083 §6).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RdapError {
    /// The name, handle or search is malformed (400, RFC 7480 §5.4).
    #[error("{0}")]
    BadRequest(String),
    /// The object is not held by this registry (404, RFC 7480 §5.3).
    #[error("{0}")]
    NotFound(String),
    /// A query RFC 9082 defines that this server does not answer (501).
    #[error("{0}")]
    NotImplemented(String),
    /// A method other than GET and HEAD (405).
    #[error("only GET and HEAD are served")]
    MethodNotAllowed,
    /// The registry could not answer (500).
    #[error("the registry could not answer")]
    Registry(#[from] RegistryError),
}

impl RdapError {
    /// The HTTP status of the error response.
    pub fn status(&self) -> StatusCode {
        match self {
            RdapError::BadRequest(_) => StatusCode::BAD_REQUEST,
            RdapError::NotFound(_) => StatusCode::NOT_FOUND,
            RdapError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            RdapError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            RdapError::Registry(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The RFC 9083 §6 error body.
    pub fn body(&self) -> ErrorBody {
        let status = self.status();
        ErrorBody {
            rdap_conformance: CONFORMANCE,
            error_code: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            description: vec![self.to_string()],
        }
    }
}

impl From<PatternError> for RdapError {
    fn from(e: PatternError) -> RdapError {
        RdapError::BadRequest(format!("bad search pattern: {e}"))
    }
}

impl IntoResponse for RdapError {
    fn into_response(self) -> Response {
        rdap_response(self.status(), &self.body())
    }
}

/// A response with an RDAP JSON body.
fn rdap_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Clone)]
struct Service {
    registry: Registry,
    config: Arc<RdapConfig>,
}

impl Service {
    fn answer<T: Serialize>(&self, now: i64, object: impl FnOnce(&Context<'_>) -> T) -> Response {
        let ctx = self.context(now);
        let top = TopLevel {
            rdap_conformance: CONFORMANCE,
            object: object(&ctx),
            notices: ctx.notices(),
            paging_metadata: None,
        };
        rdap_response(StatusCode::OK, &top)
    }

    /// A page of search results of any class (RFC 9083 §8, RFC 8977): the notice when more
    /// match than the page holds, and `paging_metadata` with the link to the next page when
    /// the query pages (a cursor, `count=true`) or there is more. `path` and `query` are the
    /// search as asked, without cursor (for the links).
    fn search_answer<T, O: Serialize>(
        &self,
        now: i64,
        search: &SearchRequest<'_>,
        found: Found<T>,
        name_of: impl Fn(&T) -> &Name,
        results: impl FnOnce(&Context<'_>, &[T]) -> O,
    ) -> Response {
        let ctx = self.context(now);
        let mut notices = ctx.notices();
        let page_number = search.page.cursor.as_ref().map_or(1, |c| c.page);
        let next = match (found.more, found.items.last()) {
            (true, Some(last)) => Some(Cursor {
                page: page_number + 1,
                after: name_of(last).clone(),
            }),
            _ => None,
        };
        if next.is_some() {
            notices.push(Notice {
                title: "Search Policy".into(),
                kind: Some("result set truncated due to excessive load"),
                description: vec![format!(
                    "More {} match: only {} are shown, in name order. The \"next\" link of paging_metadata gives the following page.",
                    search.what,
                    found.items.len()
                )],
                links: Vec::new(),
            });
        }
        let paging = (next.is_some() || search.page.count || search.page.cursor.is_some()).then(|| {
            let value = search.url(ctx.base, search.page.cursor.as_ref());
            PagingMetadata {
                total_count: found.total,
                page_size: u64::try_from(found.items.len()).unwrap_or(u64::MAX),
                page_number,
                links: next
                    .iter()
                    .map(|c| Link {
                        value: value.clone(),
                        rel: "next",
                        href: search.url(ctx.base, Some(c)),
                        media_type: MEDIA_TYPE,
                        title: Some("Result Pagination Link"),
                    })
                    .collect(),
            }
        });
        let top = TopLevel {
            rdap_conformance: if paging.is_some() {
                CONFORMANCE_PAGING
            } else {
                CONFORMANCE
            },
            object: results(&ctx, &found.items),
            notices,
            paging_metadata: paging,
        };
        rdap_response(StatusCode::OK, &top)
    }

    fn context(&self, now: i64) -> Context<'_> {
        Context {
            base: self.config.base_url.trim_end_matches('/'),
            now,
            port43: self.config.port43.as_deref(),
            terms: &self.config.terms,
        }
    }
}

/// The RDAP routes over `registry` (see the module documentation), for serving with
/// [`serve`] or nesting into a larger router.
pub fn router(registry: Registry, config: RdapConfig) -> Router {
    let service = Service {
        registry,
        config: Arc::new(config),
    };
    let unsupported = get(|| async {
        RdapError::NotImplemented(
            "this registry answers domain, nameserver and entity queries and domain and nameserver searches".into(),
        )
    });
    Router::new()
        .route("/domain/{name}", get(domain))
        .route("/nameserver/{name}", get(nameserver))
        .route("/entity/{handle}", get(entity))
        .route("/domains", get(domains))
        .route("/help", get(help))
        .route("/ip/{*rest}", unsupported.clone())
        .route("/autnum/{asn}", unsupported.clone())
        .route("/nameservers", get(nameservers))
        .route("/entities", unsupported)
        .fallback(|| async { RdapError::NotFound("no such RDAP query path".into()) })
        .method_not_allowed_fallback(|| async { RdapError::MethodNotAllowed })
        .layer(axum::middleware::map_response(cors))
        .with_state(service)
}

/// RFC 7480 §5.6: every response may be read by scripts of any origin.
async fn cors(mut res: Response) -> Response {
    res.headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

/// Serves RDAP on `listener` until `stop` completes, then lets responses under way finish
/// for at most [`SHUTDOWN_GRACE`]. At most [`RdapConfig::max_connections`] connections are
/// open at once, each closed after [`RdapConfig::idle_timeout`] without traffic.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    config: RdapConfig,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = limits::LimitedListener::new(listener, config.max_connections, config.idle_timeout);
    let stopped = Arc::new(Notify::new());
    let signal = {
        let stopped = stopped.clone();
        async move {
            stop.await;
            stopped.notify_one();
        }
    };
    let serving = axum::serve(listener, router(registry, config))
        .with_graceful_shutdown(signal)
        .into_future();
    tokio::select! {
        done = serving => done,
        () = async {
            stopped.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => Ok(()),
    }
}

/// A path segment as given: decoded, bounded, not empty.
fn segment(path: Result<Path<String>, PathRejection>, what: &str) -> Result<String, RdapError> {
    let Path(text) = path.map_err(|_| RdapError::BadRequest(format!("the {what} is not UTF-8 text")))?;
    if text.is_empty() || text.len() > MAX_QUERY_LEN {
        return Err(RdapError::BadRequest(format!("the {what} is empty or too long")));
    }
    Ok(text)
}

/// A domain or host name from a query path (RFC 9082 §3.1.3, §3.1.4): A-labels or U-labels,
/// any case, a final dot optional; each label letters, digits and hyphens.
fn query_name(text: &str) -> Result<Name, RdapError> {
    let bad = |why: String| RdapError::BadRequest(format!("{text:?} is not a domain name: {why}"));
    let name = Name::from_unicode(text).map_err(|e| bad(e.to_string()))?;
    if name.is_root() {
        return Err(bad("the root".into()));
    }
    if !name
        .labels()
        .all(|l| l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'))
    {
        return Err(bad("labels are letters, digits and hyphens".into()));
    }
    Ok(name.to_lowercase())
}

/// `/domain/{name}` (RFC 9082 §3.1.3).
async fn domain(State(s): State<Service>, path: Result<Path<String>, PathRejection>) -> Result<Response, RdapError> {
    let text = segment(path, "domain name")?;
    let name = query_name(&text)?;
    if !s.registry.serves_domain(&name) {
        return Err(RdapError::NotFound(format!(
            "{} is not a domain name under a TLD this registry serves",
            text.trim_end_matches('.')
        )));
    }
    let now = s.config.clock.now();
    let record = s
        .registry
        .lookup_domain_record(&name, now)
        .await?
        .ok_or_else(|| RdapError::NotFound(format!("domain {} is not registered", text.trim_end_matches('.'))))?;
    Ok(s.answer(now, |ctx| json::domain(ctx, &record.domain, Some(&record))))
}

/// `/nameserver/{name}` (RFC 9082 §3.1.4).
async fn nameserver(
    State(s): State<Service>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, RdapError> {
    let text = segment(path, "name server name")?;
    let name = query_name(&text)?;
    let host = s
        .registry
        .lookup_host(&name)
        .await?
        .ok_or_else(|| RdapError::NotFound(format!("no name server {}", text.trim_end_matches('.'))))?;
    let now = s.config.clock.now();
    Ok(s.answer(now, |ctx| json::nameserver(ctx, &host.name, Some(&host), true)))
}

/// `/entity/{handle}` (RFC 9082 §3.1.5): a registrar, else a contact.
async fn entity(State(s): State<Service>, path: Result<Path<String>, PathRejection>) -> Result<Response, RdapError> {
    let handle = segment(path, "entity handle")?;
    let now = s.config.clock.now();
    if let Some(r) = s.registry.lookup_registrar(&handle).await? {
        return Ok(s.answer(now, |ctx| {
            let mut e = json::registrar_entity(ctx, r.id.as_str(), Some(&r), vec!["registrar"]);
            e.status = vec!["active"];
            e
        }));
    }
    let contact = s
        .registry
        .lookup_contact(&handle)
        .await?
        .ok_or_else(|| RdapError::NotFound(format!("no entity {handle}")))?;
    Ok(s.answer(now, |ctx| {
        json::contact_entity(ctx, &contact.id, Some(&contact), Vec::new(), true)
    }))
}

/// A search's page (RFC 8977): where it starts and whether the total is wanted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PageRequest {
    /// `count=true` (RFC 8977 §2.1).
    count: bool,
    /// `cursor=…` (RFC 8977 §2.2): the page after the first.
    cursor: Option<Cursor>,
}

impl PageRequest {
    /// The page asked for by the `count` and `cursor` parameters.
    fn parse(count: Option<&str>, cursor: Option<&str>) -> Result<PageRequest, RdapError> {
        let count = match count {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(RdapError::BadRequest(format!(
                    "count is true or false (RFC 8977), not {other:?}"
                )))
            }
        };
        let cursor = cursor.map(Cursor::decode).transpose()?;
        Ok(PageRequest { count, cursor })
    }
}

/// Where a page of search results starts: its number, and the name after which it starts.
/// Opaque to clients (RFC 8977 §2.2): hexadecimal text of `PAGE:NAME`, URL-safe as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cursor {
    page: u64,
    after: Name,
}

impl Cursor {
    fn encode(&self) -> String {
        banyan_wire::text::hex_encode(format!("{}:{}", self.page, self.after).as_bytes())
    }

    fn decode(text: &str) -> Result<Cursor, RdapError> {
        let bad = || RdapError::BadRequest("the cursor is not one this server gave".into());
        if text.len() > 2 * MAX_QUERY_LEN {
            return Err(bad());
        }
        let bytes = banyan_wire::text::hex_decode(text).ok_or_else(bad)?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (page, name) = text.split_once(':').ok_or_else(bad)?;
        let page: u64 = page.parse().map_err(|_| bad())?;
        let after = Name::parse(name, None).map_err(|_| bad())?;
        if page < 2 || !name.ends_with('.') {
            return Err(bad());
        }
        Ok(Cursor { page, after })
    }
}

/// A search as asked, for the links of its pages.
struct SearchRequest<'a> {
    /// The query path (`/domains`).
    path: &'static str,
    /// The search parameter and its value (`name`, `exa*`).
    param: (&'static str, &'a str),
    /// What the results are, for people ("domains").
    what: &'static str,
    page: PageRequest,
}

impl SearchRequest<'_> {
    /// The search's URL at `cursor` (the first page without one).
    fn url(&self, base: &str, cursor: Option<&Cursor>) -> String {
        let (key, value) = self.param;
        let mut url = format!("{base}{}?{key}={}", self.path, json::encode_segment(value));
        if self.page.count {
            url.push_str("&count=true");
        }
        if let Some(c) = cursor {
            url.push_str("&cursor=");
            url.push_str(&c.encode());
        }
        url
    }
}

/// One page of search results.
struct Found<T> {
    items: Vec<T>,
    /// Whether more match after this page.
    more: bool,
    /// How many match on all pages, when asked.
    total: Option<u64>,
}

/// The parameters of a domain search (RFC 9082 §3.2.1) and its paging (RFC 8977).
#[derive(Debug, Deserialize)]
struct DomainSearchParams {
    name: Option<String>,
    #[serde(rename = "nsLdhName")]
    ns_ldh_name: Option<String>,
    #[serde(rename = "nsIp")]
    ns_ip: Option<String>,
    count: Option<String>,
    cursor: Option<String>,
}

/// The search limit of a page.
fn page_limit(s: &Service) -> usize {
    s.config.search_limit.clamp(1, DEFAULT_SEARCH_LIMIT)
}

/// A search pattern as given: bounded.
fn pattern_text(text: &str) -> Result<&str, RdapError> {
    if text.len() > MAX_QUERY_LEN {
        return Err(RdapError::BadRequest("the search pattern is too long".into()));
    }
    Ok(text)
}

/// `/domains?name=PATTERN` (RFC 9082 §3.2.1, §4.1), paged (RFC 8977).
async fn domains(
    State(s): State<Service>,
    query: Result<Query<DomainSearchParams>, QueryRejection>,
) -> Result<Response, RdapError> {
    let Query(params) = query.map_err(|e| RdapError::BadRequest(format!("bad search parameters: {e}")))?;
    let text = match &params {
        DomainSearchParams { name: Some(p), .. } => pattern_text(p)?,
        DomainSearchParams {
            ns_ldh_name: Some(_), ..
        }
        | DomainSearchParams { ns_ip: Some(_), .. } => {
            return Err(RdapError::NotImplemented(
                "domain searches by name server are not supported: search by name".into(),
            ))
        }
        _ => return Err(RdapError::BadRequest("a domain search needs name=PATTERN".into())),
    };
    let pattern: DomainPattern = text.parse()?;
    let page = PageRequest::parse(params.count.as_deref(), params.cursor.as_deref())?;
    let now = s.config.clock.now();
    let after = page.cursor.as_ref().map(|c| &c.after);
    let found = s.registry.search_domains(&pattern, after, page_limit(&s), now).await?;
    let total = match page.count {
        true => Some(s.registry.count_domains(&pattern).await?),
        false => None,
    };
    let search = SearchRequest {
        path: "/domains",
        param: ("name", text),
        what: "domains",
        page,
    };
    let found = Found {
        items: found.domains,
        more: found.truncated,
        total,
    };
    Ok(s.search_answer(
        now,
        &search,
        found,
        |d| &d.name,
        |ctx, domains| json::DomainSearchResults {
            domain_search_results: domains.iter().map(|d| json::domain(ctx, d, None)).collect(),
        },
    ))
}

/// The parameters of a name server search (RFC 9082 §3.2.2) and its paging (RFC 8977).
#[derive(Debug, Deserialize)]
struct NameserverSearchParams {
    name: Option<String>,
    ip: Option<String>,
    count: Option<String>,
    cursor: Option<String>,
}

/// `/nameservers?name=PATTERN` and `/nameservers?ip=ADDRESS` (RFC 9082 §3.2.2), paged
/// (RFC 8977).
async fn nameservers(
    State(s): State<Service>,
    query: Result<Query<NameserverSearchParams>, QueryRejection>,
) -> Result<Response, RdapError> {
    let Query(params) = query.map_err(|e| RdapError::BadRequest(format!("bad search parameters: {e}")))?;
    let (param, text, query) = match &params {
        NameserverSearchParams {
            name: Some(p),
            ip: None,
            ..
        } => {
            let text = pattern_text(p)?;
            ("name", text, NameserverQuery::name(text)?)
        }
        NameserverSearchParams {
            ip: Some(a),
            name: None,
            ..
        } => {
            let text = pattern_text(a)?;
            let addr = text
                .parse()
                .map_err(|_| RdapError::BadRequest(format!("{text:?} is not an IP address")))?;
            ("ip", text, NameserverQuery::Ip(addr))
        }
        _ => {
            return Err(RdapError::BadRequest(
                "a name server search needs name=PATTERN or ip=ADDRESS, not both".into(),
            ))
        }
    };
    let page = PageRequest::parse(params.count.as_deref(), params.cursor.as_deref())?;
    let now = s.config.clock.now();
    let after = page.cursor.as_ref().map(|c| &c.after);
    let found = s.registry.search_hosts(&query, after, page_limit(&s)).await?;
    let total = match page.count {
        true => Some(s.registry.count_hosts(&query).await?),
        false => None,
    };
    let search = SearchRequest {
        path: "/nameservers",
        param: (param, text),
        what: "name servers",
        page,
    };
    let found = Found {
        items: found.hosts,
        more: found.truncated,
        total,
    };
    Ok(s.search_answer(
        now,
        &search,
        found,
        |h| &h.name,
        |ctx, hosts| json::NameserverSearchResults {
            nameserver_search_results: hosts
                .iter()
                .map(|h| json::nameserver(ctx, &h.name, Some(h), false))
                .collect(),
        },
    ))
}

/// `/help` (RFC 9082 §3.1.6, RFC 9083 §7).
async fn help(State(s): State<Service>) -> Response {
    let now = s.config.clock.now();
    s.answer(now, |_| json::Help {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7480_section_5_error_statuses() {
        let e = RdapError::NotFound("domain x.test is not registered".into());
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        let body = e.body();
        assert_eq!(body.error_code, 404);
        assert_eq!(body.title, "Not Found");
        assert_eq!(RdapError::BadRequest(String::new()).status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            RdapError::NotImplemented(String::new()).status(),
            StatusCode::NOT_IMPLEMENTED
        );
        assert_eq!(
            RdapError::Registry(RegistryError::Corrupt("x".into())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn rfc8977_section_2_2_cursors_are_opaque_and_checked() {
        let c = Cursor {
            page: 3,
            after: Name::parse("exa2.test.", None).unwrap_or_else(|e| panic!("{e}")),
        };
        let text = c.encode();
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()), "{text}");
        assert_eq!(Cursor::decode(&text).ok(), Some(c));
        for bad in [
            "",
            "zz",
            "3a",
            &banyan_wire::text::hex_encode(b"1:exa2.test."),
            &banyan_wire::text::hex_encode(b"x:a."),
        ] {
            assert!(matches!(Cursor::decode(bad), Err(RdapError::BadRequest(_))), "{bad}");
        }
        let page = PageRequest::parse(Some("true"), Some(&text)).unwrap_or_else(|e| panic!("{e}"));
        assert!(page.count);
        assert_eq!(page.cursor.map(|c| c.page), Some(3));
        assert!(PageRequest::parse(Some("yes"), None).is_err());
    }

    #[test]
    fn rfc9082_section_3_1_3_query_names() {
        let ok = |s: &str| query_name(s).map(|n| n.to_string());
        assert_eq!(ok("Example.TEST").ok(), Some("example.test.".to_string()));
        assert_eq!(ok("example.test.").ok(), Some("example.test.".to_string()));
        assert_eq!(ok("bücher.test").ok(), Some("xn--bcher-kva.test.".to_string()));
        for bad in ["a..test", "a_b.test", "a b.test", ".", "a\\046b.test"] {
            assert!(matches!(query_name(bad), Err(RdapError::BadRequest(_))), "{bad}");
        }
    }
}
