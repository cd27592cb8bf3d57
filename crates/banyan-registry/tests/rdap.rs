//! The RDAP service over HTTP: RFC 9083's members for each object class, RFC 7480's media
//! type, CORS header and status codes, RFC 9082 §4.1 searches with truncation.

#[macro_use]
mod common;
mod publishing;

use common::*;
use publishing::*;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

on_each_backend!(
    rfc9083_section_5_3_domain,
    rfc8056_statuses_of_held_deleted_and_idn_domains,
    rfc9083_section_5_2_nameserver,
    rfc9083_section_5_1_entities,
    rfc9083_section_6_errors,
    rfc9082_section_4_1_domain_search,
    rfc8977_domain_search_pages,
    rfc9082_section_3_2_2_nameserver_search,
    connections_are_bounded,
);

/// What every successful response carries (RFC 7480 §4.2, §5.6; RFC 9083 §4.1, §4.3).
fn assert_rdap(r: &HttpResponse) -> Value {
    let v = assert_rdap_any(r);
    assert_eq!(v["rdapConformance"], json!(["rdap_level_0"]));
    assert!(v.get("paging_metadata").is_none(), "{v}");
    v
}

/// A successful search response that pages (RFC 8977 §4: `paging` in `rdapConformance`).
fn assert_paged(r: &HttpResponse) -> Value {
    let v = assert_rdap_any(r);
    assert_eq!(v["rdapConformance"], json!(["rdap_level_0", "paging"]));
    assert!(v["paging_metadata"].is_object(), "{v}");
    v
}

fn assert_rdap_any(r: &HttpResponse) -> Value {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/rdap+json"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let v = r.json();
    assert_eq!(v["notices"][0]["title"], "Terms of Service");
    assert_eq!(v["notices"][0]["links"][0]["href"], format!("{BASE}/help"));
    v
}

/// An RFC 9083 §6 error body with `code`.
fn assert_error(r: &HttpResponse, code: u16) -> Value {
    assert_eq!(r.status, code, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/rdap+json"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let v = r.json();
    assert_eq!(v["errorCode"], code);
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["description"][0].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert_eq!(v["rdapConformance"], json!(["rdap_level_0"]));
    v
}

fn self_link(v: &Value, url: &str) {
    let link = &v["links"][0];
    assert_eq!(link["rel"], "self", "{v}");
    assert_eq!(link["href"], url);
    assert_eq!(link["value"], url);
    assert_eq!(link["type"], "application/rdap+json");
}

/// The event of `action` in `v`, as its date.
fn event(v: &Value, action: &str) -> Option<String> {
    v["events"]
        .as_array()?
        .iter()
        .find(|e| e["eventAction"] == action)
        .and_then(|e| e["eventDate"].as_str().map(str::to_string))
}

fn statuses(v: &Value) -> Vec<String> {
    v["status"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn entity<'a>(v: &'a Value, handle: &str) -> &'a Value {
    v["entities"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["handle"] == handle))
        .unwrap_or_else(|| panic!("no entity {handle} in {v}"))
}

/// The value of jCard property `name` (RFC 7095 §3.3: name, parameters, type, value).
fn vcard<'a>(entity: &'a Value, name: &str) -> Option<&'a Value> {
    assert_eq!(entity["vcardArray"][0], "vcard");
    entity["vcardArray"][1]
        .as_array()?
        .iter()
        .find(|p| p[0] == name)
        .map(|p| &p[3])
}

async fn rfc9083_section_5_3_domain(db: Db) {
    let env = world(db).await;
    let roid = ok(env.reg.lookup_domain(&n("example.test."), NOW).await)
        .map(|d| d.roid)
        .unwrap_or_else(|| panic!("example.test is registered"));
    let server = start_rdap(env.reg.clone(), rdap_config()).await;

    let v = assert_rdap(&get(server.addr, "/domain/example.test").await);
    assert_eq!(v["objectClassName"], "domain");
    assert_eq!(v["handle"], roid);
    assert_eq!(v["ldhName"], "example.test");
    assert!(v.get("unicodeName").is_none());
    assert_eq!(statuses(&v), ["active"]);
    assert_eq!(event(&v, "registration").as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(event(&v, "expiration").as_deref(), Some("2025-01-01T00:00:00Z"));
    assert_eq!(event(&v, "last changed").as_deref(), Some("2024-01-02T00:00:00Z"));
    assert_eq!(event(&v, "transfer"), None);
    assert_eq!(
        event(&v, "last update of RDAP database").as_deref(),
        Some("2024-01-21T00:00:00Z")
    );
    self_link(&v, &format!("{BASE}/domain/example.test"));
    assert_eq!(v["port43"], WHOIS_NAME);

    // Name servers: the glue host with its addresses, the external one without.
    let ns = v["nameservers"].as_array().cloned().unwrap_or_default();
    assert_eq!(ns.len(), 2, "{v}");
    let glue = ns
        .iter()
        .find(|s| s["ldhName"] == "ns1.example.test")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(glue["objectClassName"], "nameserver");
    assert_eq!(glue["ipAddresses"], json!({"v4": ["192.0.2.1"], "v6": ["2001:db8::1"]}));
    assert!(glue["handle"].as_str().is_some_and(|h| h.starts_with('H')));
    self_link(glue, &format!("{BASE}/nameserver/ns1.example.test"));
    let external = ns
        .iter()
        .find(|s| s["ldhName"] == "ns.external.net")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(external.get("ipAddresses").is_none());

    // DNSSEC (RFC 9083 §5.3 secureDNS).
    assert_eq!(
        v["secureDNS"],
        json!({
            "delegationSigned": true,
            "maxSigLife": 604800,
            "dsData": [{"keyTag": 12345, "algorithm": 13, "digestType": 2, "digest": "39".repeat(32)}],
        })
    );

    // Entities: the registrar, the redacted registrant, the contact that discloses some.
    let rar = entity(&v, "rar-a");
    assert_eq!(rar["objectClassName"], "entity");
    assert_eq!(rar["roles"], json!(["registrar"]));
    assert_eq!(rar["publicIds"][0]["identifier"], "rar-a");
    assert_eq!(vcard(rar, "fn"), Some(&json!("Registrar A")));
    self_link(rar, &format!("{BASE}/entity/rar-a"));

    let registrant = entity(&v, "jd-1");
    assert_eq!(registrant["roles"], json!(["registrant"]));
    assert_eq!(vcard(registrant, "version"), Some(&json!("4.0")));
    assert_eq!(vcard(registrant, "fn"), Some(&json!("")));
    for hidden in ["org", "adr", "tel", "email"] {
        assert_eq!(vcard(registrant, hidden), None, "{hidden}");
    }
    assert_eq!(registrant["remarks"][0]["title"], "REDACTED FOR PRIVACY");
    let text = v.to_string();
    for private in ["Dulles", "+1.7035555555", "2fooBAR", "Example Dr."] {
        assert!(!text.contains(private), "{private} published: {text}");
    }

    let contact = entity(&v, "pub-1");
    assert_eq!(contact["roles"], json!(["administrative", "technical"]));
    assert_eq!(vcard(contact, "fn"), Some(&json!("Jane Doe")));
    assert_eq!(vcard(contact, "org"), Some(&json!("Example Inc.")));
    assert_eq!(vcard(contact, "email"), Some(&json!("jdoe@example.test")));
    assert_eq!(vcard(contact, "tel"), None);
    assert_eq!(contact["remarks"][0]["title"], "REDACTED FOR PRIVACY");

    // Any case, a final dot, HEAD (RFC 7480 §4.1).
    let upper = assert_rdap(&get(server.addr, "/domain/EXAMPLE.TEST.").await);
    assert_eq!(upper["ldhName"], "example.test");
    let head = http(server.addr, "HEAD", "/domain/example.test").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("application/rdap+json"));
    assert!(head.body.is_empty());
    server.stop().await;
}

async fn rfc8056_statuses_of_held_deleted_and_idn_domains(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;

    let hold = assert_rdap(&get(server.addr, "/domain/hold.test").await);
    assert_eq!(statuses(&hold), ["client hold"]);
    assert_eq!(event(&hold, "last changed").as_deref(), Some("2024-01-03T00:00:00Z"));
    assert_eq!(hold["secureDNS"], json!({"delegationSigned": false}));

    // Deleted after its add grace period: still there, in redemption (RFC 3915).
    let gone = assert_rdap(&get(server.addr, "/domain/gone.test").await);
    let s = statuses(&gone);
    for want in ["pending delete", "redemption period", "inactive"] {
        assert!(s.iter().any(|x| x == want), "{want} in {s:?}");
    }
    assert_eq!(s.iter().filter(|x| *x == "pending delete").count(), 1, "{s:?}");

    // Deleted within its add grace period: gone.
    assert_error(&get(server.addr, "/domain/purged.test").await, 404);

    // An IDN, asked for by its U-label (percent-encoded UTF-8) and by its A-label.
    for path in ["/domain/b%C3%BCcher.test", "/domain/xn--bcher-kva.test"] {
        let idn = assert_rdap(&get(server.addr, path).await);
        assert_eq!(idn["ldhName"], "xn--bcher-kva.test");
        assert_eq!(idn["unicodeName"], "bücher.test");
        self_link(&idn, &format!("{BASE}/domain/xn--bcher-kva.test"));
    }
    server.stop().await;
}

async fn rfc9083_section_5_2_nameserver(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;

    let v = assert_rdap(&get(server.addr, "/nameserver/ns1.example.test").await);
    assert_eq!(v["objectClassName"], "nameserver");
    assert!(v["handle"].as_str().is_some_and(|h| h.ends_with("-BANYAN")), "{v}");
    assert_eq!(v["ldhName"], "ns1.example.test");
    assert_eq!(v["ipAddresses"]["v4"], json!(["192.0.2.1"]));
    assert_eq!(v["ipAddresses"]["v6"], json!(["2001:db8::1"]));
    assert_eq!(statuses(&v), ["associated", "active"]);
    assert_eq!(event(&v, "registration").as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(entity(&v, "rar-a")["roles"], json!(["registrar"]));
    self_link(&v, &format!("{BASE}/nameserver/ns1.example.test"));

    let ext = assert_rdap(&get(server.addr, "/nameserver/NS.External.NET").await);
    assert_eq!(ext["ldhName"], "ns.external.net");
    assert!(ext.get("ipAddresses").is_none());

    assert_error(&get(server.addr, "/nameserver/ns9.example.test").await, 404);
    assert_error(&get(server.addr, "/nameserver/ns_1.example.test").await, 400);
    server.stop().await;
}

async fn rfc9083_section_5_1_entities(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;

    let rar = assert_rdap(&get(server.addr, "/entity/rar-a").await);
    assert_eq!(rar["objectClassName"], "entity");
    assert_eq!(rar["handle"], "rar-a");
    assert_eq!(rar["roles"], json!(["registrar"]));
    assert_eq!(rar["status"], json!(["active"]));
    assert_eq!(rar["publicIds"][0]["type"], "IANA Registrar ID");
    assert_eq!(vcard(&rar, "fn"), Some(&json!("Registrar A")));
    assert!(!rar.to_string().contains("100000"), "the balance is private");
    self_link(&rar, &format!("{BASE}/entity/rar-a"));

    let jd = assert_rdap(&get(server.addr, "/entity/jd-1").await);
    assert_eq!(jd["objectClassName"], "entity");
    assert_eq!(jd["handle"], "jd-1");
    assert_eq!(vcard(&jd, "fn"), Some(&json!("")));
    assert_eq!(vcard(&jd, "email"), None);
    assert_eq!(jd["remarks"][0]["title"], "REDACTED FOR PRIVACY");
    assert_eq!(statuses(&jd), ["associated", "active"]);
    assert_eq!(event(&jd, "registration").as_deref(), Some("2024-01-01T00:00:00Z"));
    assert!(!jd.to_string().contains("Jane"), "{jd}");
    self_link(&jd, &format!("{BASE}/entity/jd-1"));

    let public = assert_rdap(&get(server.addr, "/entity/pub-1").await);
    assert_eq!(vcard(&public, "fn"), Some(&json!("Jane Doe")));
    assert_eq!(vcard(&public, "email"), Some(&json!("jdoe@example.test")));
    assert_eq!(vcard(&public, "adr"), None);

    assert_error(&get(server.addr, "/entity/nobody").await, 404);
    server.stop().await;
}

async fn rfc9083_section_6_errors(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;
    let a = server.addr;

    let missing = assert_error(&get(a, "/domain/unknown.test").await, 404);
    assert_eq!(missing["title"], "Not Found");
    // Not under a TLD this registry serves, or not directly under one.
    assert_error(&get(a, "/domain/example.org").await, 404);
    assert_error(&get(a, "/domain/www.example.test").await, 404);
    assert_error(&get(a, "/domain/test").await, 404);
    // Malformed names.
    let bad = assert_error(&get(a, "/domain/bad_name.test").await, 400);
    assert_eq!(bad["title"], "Bad Request");
    assert_error(&get(a, "/domain/a..test").await, 400);
    assert_error(&get(a, "/domain/%FF.test").await, 400);
    assert_error(&get(a, &format!("/domain/{}.test", "a".repeat(64))).await, 400);
    // Queries RFC 9082 defines that this registry does not answer, and unknown paths.
    assert_error(&get(a, "/ip/192.0.2.0/24").await, 501);
    assert_error(&get(a, "/autnum/64496").await, 501);
    assert_error(&get(a, "/entities?fn=Jane*").await, 501);
    assert_error(&get(a, "/nothing/here").await, 404);
    assert_error(&get(a, "/domain/").await, 404);
    assert_error(&http(a, "POST", "/domain/example.test").await, 405);

    let help = assert_rdap(&get(a, "/help").await);
    assert!(help.get("objectClassName").is_none());
    server.stop().await;
}

fn found(v: &Value) -> Vec<String> {
    v["domainSearchResults"]
        .as_array()
        .unwrap_or_else(|| panic!("no domainSearchResults in {v}"))
        .iter()
        .map(|d| {
            assert_eq!(d["objectClassName"], "domain");
            d["ldhName"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn truncated(v: &Value) -> bool {
    v["notices"].as_array().is_some_and(|a| {
        a.iter()
            .any(|n| n["type"] == "result set truncated due to excessive load")
    })
}

async fn rfc9082_section_4_1_domain_search(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;
    let a = server.addr;

    // Four match, three are shown, and the response says it truncated — and, paging
    // (RFC 8977), links to the rest.
    let v = assert_paged(&get(a, "/domains?name=exa*.test").await);
    assert_eq!(found(&v), ["exa1.test", "exa2.test", "exa3.test"]);
    assert!(truncated(&v), "{v}");
    let first = &v["domainSearchResults"][0];
    assert!(first["handle"].as_str().is_some_and(|h| h.starts_with('D')));
    assert_eq!(event(first, "registration").as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(entity(first, "rar-a")["roles"], json!(["registrar"]));
    assert_eq!(entity(first, "jd-1")["roles"], json!(["registrant"]));

    let v = assert_rdap(&get(a, "/domains?name=exam*.test").await);
    assert_eq!(found(&v), ["example.test"]);
    assert!(!truncated(&v));
    assert_eq!(v["domainSearchResults"][0]["secureDNS"]["delegationSigned"], true);

    // Without a suffix: every TLD; with one that is no TLD here: nothing.
    let v = assert_rdap(&get(a, "/domains?name=EXAMPLE*").await);
    assert_eq!(found(&v), ["example.co.uk", "example.test"]);
    let v = assert_rdap(&get(a, "/domains?name=exam*.uk").await);
    assert!(found(&v).is_empty());
    let v = assert_rdap(&get(a, "/domains?name=zzz*.test").await);
    assert!(found(&v).is_empty());

    // Exact names; a domain in redemption is found with its statuses; a purged one is not.
    let v = assert_rdap(&get(a, "/domains?name=gone.test").await);
    assert_eq!(found(&v), ["gone.test"]);
    assert!(statuses(&v["domainSearchResults"][0]).contains(&"redemption period".to_string()));
    let v = assert_rdap(&get(a, "/domains?name=purged*").await);
    assert!(found(&v).is_empty());
    let v = assert_rdap(&get(a, "/domains?name=b%C3%BCcher.test").await);
    assert_eq!(found(&v), ["xn--bcher-kva.test"]);

    // Malformed and unsupported searches.
    assert_error(&get(a, "/domains").await, 400);
    assert_error(&get(a, "/domains?name=*.test").await, 400);
    assert_error(&get(a, "/domains?name=ex*am.test").await, 400);
    assert_error(&get(a, "/domains?name=b%C3%BC*.test").await, 400);
    assert_error(&get(a, "/domains?nsLdhName=ns1.example.test").await, 501);
    assert_error(&get(a, "/domains?nsIp=192.0.2.1").await, 501);
    server.stop().await;
}

/// The "next" link of a paged response: its path and query, below the base URL.
fn next(v: &Value) -> Option<String> {
    let links = v["paging_metadata"]["links"].as_array()?;
    let link = links.iter().find(|l| l["rel"] == "next")?;
    assert_eq!(link["type"], "application/rdap+json");
    let href = link["href"].as_str()?;
    Some(href.strip_prefix(BASE).unwrap_or_else(|| panic!("{href}")).to_string())
}

/// RFC 8977: pages of at most the search limit (3), linked by opaque cursors; `count=true`
/// adds the total; every domain is seen once.
async fn rfc8977_domain_search_pages(db: Db) {
    let env = world(db).await;
    let server = start_rdap(env.reg.clone(), rdap_config()).await;
    let a = server.addr;

    // Five match `ex*` (exa1-3, example.co.uk, example.test): two pages.
    let v = assert_paged(&get(a, "/domains?name=ex*&count=true").await);
    let meta = &v["paging_metadata"];
    assert_eq!(meta["totalCount"], 5, "{v}");
    assert_eq!(meta["pageSize"], 3);
    assert_eq!(meta["pageNumber"], 1);
    let mut seen = found(&v);
    let link = next(&v).unwrap_or_else(|| panic!("no next link: {v}"));
    assert!(link.starts_with("/domains?name=ex%2A&count=true&cursor="), "{link}");
    assert_eq!(
        meta["links"][0]["value"].as_str(),
        Some(format!("{BASE}/domains?name=ex%2A&count=true").as_str())
    );

    let v = assert_paged(&get(a, &link).await);
    assert_eq!(v["paging_metadata"]["pageNumber"], 2);
    assert_eq!(v["paging_metadata"]["pageSize"], 2);
    assert_eq!(v["paging_metadata"]["totalCount"], 5);
    assert!(next(&v).is_none(), "{v}");
    assert!(!truncated(&v));
    seen.extend(found(&v));
    let mut all = ok(env
        .reg
        .search_domains(&"ex*".parse().expect("pattern"), None, 100, NOW)
        .await)
    .domains
    .iter()
    .map(|d| d.name.to_string().trim_end_matches('.').to_string())
    .collect::<Vec<_>>();
    all.sort();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, all, "each domain once, on some page");
    assert_eq!(seen.len(), 5);

    // A search that fits one page pages only when asked to count.
    let v = assert_rdap(&get(a, "/domains?name=exam*.test").await);
    assert_eq!(found(&v), ["example.test"]);
    let v = assert_paged(&get(a, "/domains?name=exam*.test&count=true").await);
    assert_eq!(v["paging_metadata"]["totalCount"], 1);
    assert!(next(&v).is_none());

    // Cursors are this server's: anything else is a bad request.
    assert_error(&get(a, "/domains?name=ex*&cursor=zz").await, 400);
    assert_error(&get(a, "/domains?name=ex*&cursor=3a").await, 400);
    assert_error(&get(a, "/domains?name=ex*&count=maybe").await, 400);
    server.stop().await;
}

fn found_ns(v: &Value) -> Vec<String> {
    v["nameserverSearchResults"]
        .as_array()
        .unwrap_or_else(|| panic!("no nameserverSearchResults in {v}"))
        .iter()
        .map(|d| {
            assert_eq!(d["objectClassName"], "nameserver");
            d["ldhName"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

/// RFC 9082 §3.2.2 name server searches by name (a trailing `*`) and by address, RFC 9083 §8
/// `nameserverSearchResults`, limited and paged like domain searches.
async fn rfc9082_section_3_2_2_nameserver_search(db: Db) {
    let env = world(db).await;
    for i in 1..=3 {
        env.host(&env.a, &format!("ns{i}.exa1.test."), &["192.0.2.77"]).await;
    }
    let server = start_rdap(env.reg.clone(), rdap_config()).await;
    let a = server.addr;

    let v = assert_rdap(&get(a, "/nameservers?name=ns1.example.test").await);
    assert_eq!(found_ns(&v), ["ns1.example.test"]);
    let ns = &v["nameserverSearchResults"][0];
    assert_eq!(ns["ipAddresses"]["v4"], json!(["192.0.2.1"]));
    assert_eq!(ns["ipAddresses"]["v6"], json!(["2001:db8::1"]));
    assert_eq!(ns["links"][0]["href"], format!("{BASE}/nameserver/ns1.example.test"));

    let v = assert_rdap(&get(a, "/nameservers?name=NS1.*").await);
    assert_eq!(found_ns(&v), ["ns1.exa1.test", "ns1.example.test"]);
    let v = assert_rdap(&get(a, "/nameservers?name=ns.ext*").await);
    assert_eq!(found_ns(&v), ["ns.external.net"]);
    let v = assert_rdap(&get(a, "/nameservers?name=zz*").await);
    assert!(found_ns(&v).is_empty());

    // By address: three hosts share 192.0.2.77; the limit is three, so no truncation.
    let v = assert_rdap(&get(a, "/nameservers?ip=192.0.2.77").await);
    assert_eq!(found_ns(&v), ["ns1.exa1.test", "ns2.exa1.test", "ns3.exa1.test"]);
    let v = assert_rdap(&get(a, "/nameservers?ip=2001:db8:0::1").await);
    assert_eq!(found_ns(&v), ["ns1.example.test"]);

    // Five hosts start with "ns": three on the first page, truncated, two on the next.
    let v = assert_paged(&get(a, "/nameservers?name=ns*&count=true").await);
    assert!(truncated(&v), "{v}");
    assert_eq!(v["paging_metadata"]["totalCount"], 5);
    let mut seen = found_ns(&v);
    let link = next(&v).unwrap_or_else(|| panic!("no next link: {v}"));
    let v = assert_paged(&get(a, &link).await);
    assert!(next(&v).is_none());
    seen.extend(found_ns(&v));
    seen.sort();
    assert_eq!(
        seen,
        [
            "ns.external.net",
            "ns1.exa1.test",
            "ns1.example.test",
            "ns2.exa1.test",
            "ns3.exa1.test"
        ]
    );

    assert_error(&get(a, "/nameservers").await, 400);
    assert_error(&get(a, "/nameservers?name=*").await, 400);
    assert_error(&get(a, "/nameservers?name=ns*.example.test").await, 400);
    assert_error(&get(a, "/nameservers?ip=192.0.2").await, 400);
    assert_error(&get(a, "/nameservers?name=ns*&ip=192.0.2.1").await, 400);
    server.stop().await;
}

async fn connections_are_bounded(db: Db) {
    let env = world(db).await;
    let mut config = rdap_config();
    config.max_connections = 1;
    config.idle_timeout = Duration::from_millis(300);
    let server = start_rdap(env.reg.clone(), config).await;
    let server_addr = server.addr;

    // A connection that sends nothing holds the only slot until it has been idle too long,
    // then is closed; the request waiting behind it is answered after that.
    // Timed from before the connection, as the server's idle clock starts at its accept,
    // which may run before this task resumes from `connect`.
    let opened = tokio::time::Instant::now();
    let mut idle = TcpStream::connect(server.addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let waiting = tokio::spawn(async move {
        let r = get(server_addr, "/help").await;
        (r, opened.elapsed())
    });
    let mut rest = Vec::new();
    let n = idle.read_to_end(&mut rest).await.unwrap_or(0);
    assert_eq!(n, 0, "the idle connection got {:?}", String::from_utf8_lossy(&rest));
    let (answered, after) = waiting.await.unwrap_or_else(|e| panic!("{e}"));
    assert_rdap(&answered);
    assert!(
        after >= Duration::from_millis(300),
        "answered after {after:?}, before the slot was free"
    );

    // Stopping with a connection open still returns.
    let _open = TcpStream::connect(server.addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    server.stop().await;
}
