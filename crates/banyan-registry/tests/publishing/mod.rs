//! What the RDAP, WHOIS and lookup tests share: a registry holding one of everything they
//! publish, the servers started on 127.0.0.1:0 and stopped again, and minimal clients (HTTP/1.1
//! and WHOIS over a plain `TcpStream`).
#![allow(dead_code)]

use std::net::SocketAddr;

use banyan_registry::lookup::Clock;
use banyan_registry::rdap::RdapConfig;
use banyan_registry::time::DAY;
use banyan_registry::whois::WhoisConfig;
use banyan_registry::{ContactType, Disclose, DiscloseField, DomainUpdate, Registry, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::common::*;

/// When the tests ask: 20 days after [`T0`], past every add grace period.
pub const NOW: i64 = T0 + 20 * DAY;
/// The base URL the RDAP service is told it has.
pub const BASE: &str = "http://rdap.test";
/// The WHOIS server name.
pub const WHOIS_NAME: &str = "whois.nic.test";
/// The most domains an RDAP search returns here.
pub const SEARCH_LIMIT: usize = 3;

/// The registry the tests publish (all by `rar-a`, "Registrar A", at [`T0`] unless said):
///
/// - contacts `jd-1` (no disclosure: everything redacted) and `pub-1` (discloses its
///   internationalized name and organization and its e-mail);
/// - hosts `ns1.example.test` (glue 192.0.2.1, 2001:db8::1) and `ns.external.net`;
/// - `example.test`: registrant `jd-1`, admin and tech `pub-1`, both hosts, DS 12345/13/2,
///   maxSigLife 604800, updated at T0 + 1 day;
/// - `hold.test`: clientHold (T0 + 2 days), name server `ns.external.net`;
/// - `gone.test`: deleted at T0 + 10 days, so in redemption at [`NOW`];
/// - `purged.test`: deleted within its add grace period, so gone;
/// - `xn--bcher-kva.test` (bücher.test), `exa1.test`, `exa2.test`, `exa3.test` and
///   `example.co.uk`.
pub async fn world(db: Db) -> Env {
    let env = Env::new(db).await;
    let (r, a) = (&env.reg, &env.a);
    env.contact(a, "jd-1").await;
    let mut public = contact_create("pub-1");
    public.disclose = Some(Disclose {
        flag: true,
        fields: vec![DiscloseField::NameInt, DiscloseField::OrgInt, DiscloseField::Email],
    });
    ok(r.create_contact(a, &public, T0).await);

    let mut example = domain_create("example.test.");
    example.registrant = Some("jd-1".into());
    example.contacts = vec![
        (ContactType::Admin, "pub-1".into()),
        (ContactType::Tech, "pub-1".into()),
    ];
    example.ds = vec![ds(12345)];
    example.max_sig_life = Some(604_800);
    ok(r.create_domain(a, &example, T0).await);
    env.host(a, "ns1.example.test.", &["192.0.2.1", "2001:db8::1"]).await;
    env.host(a, "ns.external.net.", &[]).await;
    let add_ns = DomainUpdate {
        add_ns: vec![n("ns1.example.test."), n("ns.external.net.")],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(a, &n("example.test."), &add_ns, T0 + DAY).await);

    plain_domain(r, &env, "hold.test.").await;
    let hold = DomainUpdate {
        add_ns: vec![n("ns.external.net.")],
        add_statuses: vec![Status::ClientHold],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(a, &n("hold.test."), &hold, T0 + 2 * DAY).await);

    plain_domain(r, &env, "gone.test.").await;
    ok(r.delete_domain(a, &n("gone.test."), T0 + 10 * DAY).await);
    plain_domain(r, &env, "purged.test.").await;
    ok(r.delete_domain(a, &n("purged.test."), T0 + DAY).await);

    for name in [
        "xn--bcher-kva.test.",
        "exa1.test.",
        "exa2.test.",
        "exa3.test.",
        "example.co.uk.",
    ] {
        plain_domain(r, &env, name).await;
    }
    env
}

async fn plain_domain(r: &Registry, env: &Env, name: &str) {
    let mut cmd = domain_create(name);
    cmd.registrant = Some("jd-1".into());
    ok(r.create_domain(&env.a, &cmd, T0).await);
}

pub fn rdap_config() -> RdapConfig {
    let mut config = RdapConfig::new(format!("{BASE}/"));
    config.clock = Clock::fixed(NOW);
    config.search_limit = SEARCH_LIMIT;
    config.port43 = Some(WHOIS_NAME.into());
    config
}

pub fn whois_config() -> WhoisConfig {
    let mut config = WhoisConfig::new(WHOIS_NAME);
    config.clock = Clock::fixed(NOW);
    config
}

/// A server running on 127.0.0.1 until [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops the server and waits until it has returned.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("the server failed: {e}"),
            Err(e) => panic!("the server task failed: {e}"),
        }
    }
}

async fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"))
}

fn local(l: &TcpListener) -> SocketAddr {
    l.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}"))
}

pub async fn start_rdap(registry: Registry, config: RdapConfig) -> Running {
    let l = listener().await;
    let addr = local(&l);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(banyan_registry::rdap::serve(l, registry, config, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

pub async fn start_whois(registry: Registry, config: WhoisConfig) -> Running {
    let l = listener().await;
    let addr = local(&l);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(banyan_registry::whois::serve(l, registry, config, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

/// An HTTP response as the minimal client read it.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole response.
pub async fn http(addr: SocketAddr, method: &str, target: &str) -> HttpResponse {
    let mut s = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: rdap.test\r\nAccept: application/rdap+json\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap_or_else(|e| panic!("read: {e}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let response = HttpResponse { status, headers, body };
    if method != "HEAD" {
        if let Some(len) = response.header("content-length") {
            assert_eq!(len.parse::<usize>().ok(), Some(response.body.len()), "Content-Length");
        }
    }
    response
}

pub async fn get(addr: SocketAddr, target: &str) -> HttpResponse {
    http(addr, "GET", target).await
}

/// Sends `query` as a WHOIS query line and reads the answer until the server closes.
pub async fn whois(addr: SocketAddr, query: &[u8]) -> String {
    let mut s = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    s.write_all(query).await.unwrap_or_else(|e| panic!("write: {e}"));
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap_or_else(|e| panic!("read: {e}"));
    String::from_utf8(raw).unwrap_or_else(|e| panic!("the answer is not UTF-8: {e}"))
}
