//! The lab the dashboard's tests run in: a real registry (SQLite in a temporary directory)
//! behind its real EPP server over TLS on 127.0.0.1 (ephemeral port), a real zone store and
//! dashboard database in the same directory, a [`ManualClock`] for the dashboard, and helpers
//! to drive the router with `tower::ServiceExt::oneshot`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, Response, StatusCode};
use axum::Router;
use banyan_registry::epp::server::Limits;
use banyan_registry::epp::tls;
use banyan_registry::service::{run_epp, ManualClock as RegistryClock, RegistryHandler};
use banyan_registry::{ContactCreate, DomainCreate, PostalInfo, PostalType, RegistrarId, Registry, TldPolicy};
use banyan_store::Store;
use banyan_web::{
    router, AppState, HostedNameServer, LoginLimit, ManualClock, PasswordCost, Price, RegistryEndpoint, WebConfig,
};
use banyan_wire::Name;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// 2024-01-01T00:00:00Z.
pub const T0: i64 = 1_704_067_200;
pub const PASSWORD: &str = "correct horse battery";
pub const OUR_ID: &str = "rar-web";
pub const OTHER_ID: &str = "rar-other";

pub fn n(s: &str) -> Name {
    Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub struct Lab {
    pub app: Router,
    pub state: AppState,
    pub clock: ManualClock,
    pub store: Store,
    pub registry: Registry,
    pub ours: RegistrarId,
    pub other: RegistrarId,
    task: JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Lab {
    pub async fn start() -> Lab {
        Lab::start_with(|_| {}).await
    }

    /// As [`Lab::start`], with `configure` applied to the dashboard's configuration last.
    pub async fn start_with(configure: impl FnOnce(&mut WebConfig)) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = |file: &str| format!("sqlite://{}/{file}", dir.path().display());
        let registry = Registry::open(&url("registry.db"), vec![TldPolicy::new(n("test."))])
            .await
            .expect("registry");
        let ours = registry
            .create_registrar(OUR_ID, "Web Registrar", "secret-web", &[n("test.")], 100_000)
            .await
            .expect("registrar");
        let other = registry
            .create_registrar(OTHER_ID, "Other Registrar", "secret-oth", &[n("test.")], 100_000)
            .await
            .expect("registrar");
        let cert = tls::self_signed(&["epp.test", "127.0.0.1"]).expect("certificate");
        let server_tls = tls::server_config(vec![cert.cert_der.clone()], cert.private_key()).expect("server tls");
        let handler = RegistryHandler::new(registry.clone(), RegistryClock::new(T0).clock());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(run_epp(listener, server_tls, handler, Limits::default()));

        let store = Store::open(&url("zones.db")).await.expect("store");
        let mut config = WebConfig::new(url("web.db"));
        config.registries.push(RegistryEndpoint {
            tlds: vec![n("test.")],
            addr,
            server_name: "127.0.0.1".into(),
            trusted: vec![cert.cert_der.clone()],
            client_id: OUR_ID.into(),
            password: "secret-web".into(),
        });
        config.name_servers = vec![
            HostedNameServer {
                name: n("ns1.dns.example."),
                addrs: Vec::new(),
            },
            HostedNameServer {
                name: n("ns2.dns.example."),
                addrs: Vec::new(),
            },
        ];
        config.prices.insert(
            "test.".into(),
            Price {
                minor_units: 1200,
                currency: "EUR".into(),
            },
        );
        config.password_cost = PasswordCost::insecure_for_tests();
        config.login_limit = LoginLimit {
            failures: 5,
            window: Duration::from_secs(300),
        };
        config.epp_timeout = Duration::from_secs(20);
        configure(&mut config);
        let clock = ManualClock::new(T0);
        let state = AppState::open(config, store.clone(), Arc::new(clock.clone()))
            .await
            .expect("dashboard state");
        Lab {
            app: router(state.clone()),
            state,
            clock,
            store,
            registry,
            ours,
            other,
            task,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(req).await.expect("infallible")
    }

    /// A GET with the session cookie (if any).
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    /// A form POST with the session cookie (if any).
    pub async fn post(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Response<Body> {
        self.post_from(path, cookie, fields, "127.0.0.1:40000").await
    }

    /// A form POST from the client address `from`.
    pub async fn post_from(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
        from: &str,
    ) -> Response<Body> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let mut req = b.body(Body::from(form_encode(fields))).expect("request");
        let addr: SocketAddr = from.parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(addr));
        self.send(req).await
    }

    /// A JSON API call with a bearer token (if any).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        let mut req = req;
        req.extensions_mut()
            .insert(ConnectInfo("127.0.0.1:40001".parse::<SocketAddr>().expect("address")));
        let resp = self.send(req).await;
        let status = resp.status();
        let text = body_text(resp).await;
        let value = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        (status, value)
    }

    /// Signs up `email` through the form; returns the `Cookie` header value of its session.
    pub async fn sign_up(&self, email: &str) -> String {
        let resp = self
            .post(
                "/signup",
                None,
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("name", "Jane Doe"),
                    ("city", "Utrecht"),
                    ("country", "NL"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
        session_cookie(&resp).expect("session cookie")
    }

    /// The CSRF token of the session, read from the account page's forms.
    pub async fn csrf(&self, cookie: &str) -> String {
        let page = body_text(self.get("/account", Some(cookie)).await).await;
        hidden_value(&page, "csrf").expect("csrf field")
    }

    /// Registers `name` through the dashboard form as the session `cookie`.
    pub async fn register(&self, cookie: &str, name: &str) -> Response<Body> {
        let csrf = self.csrf(cookie).await;
        self.post("/domains/register", Some(cookie), &[("csrf", &csrf), ("name", name)])
            .await
    }

    /// The zone's serial in the store.
    pub async fn serial(&self, zone: &str) -> Option<u32> {
        self.store.info(&n(zone)).await.expect("store").map(|i| i.serial)
    }

    /// The zone's records in the store, as text lines.
    pub async fn zone_text(&self, zone: &str) -> Vec<String> {
        self.store
            .load(&n(zone))
            .await
            .expect("store")
            .map(|z| z.records.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    /// The domain's expiry and sponsor at the registry.
    pub async fn at_registry(&self, name: &str) -> Option<(i64, String)> {
        self.registry
            .info_domain(&self.ours, &n(name), None, T0)
            .await
            .ok()
            .map(|i| (i.ex_date, i.cl_id.as_str().to_owned()))
    }

    /// A domain registered by the other registrar, with authInfo `auth`.
    pub async fn other_domain(&self, name: &str, auth: &str) {
        let contact = ContactCreate {
            id: "other-holder".into(),
            postal: vec![PostalInfo {
                kind: PostalType::Int,
                name: "John Roe".into(),
                org: None,
                street: Vec::new(),
                city: "Paris".into(),
                sp: None,
                pc: None,
                cc: "FR".into(),
            }],
            voice: None,
            fax: None,
            email: "john@example.test".into(),
            auth_info: "contact-pw".into(),
            disclose: None,
        };
        let _ = self
            .registry
            .create_contact(&self.other, &contact, T0 - 90 * 86_400)
            .await;
        let create = DomainCreate {
            name: n(name),
            period_years: 1,
            registrant: Some("other-holder".into()),
            contacts: Vec::new(),
            ns: Vec::new(),
            auth_info: auth.into(),
            ds: Vec::new(),
            max_sig_life: None,
        };
        // Created long enough ago for a transfer (the registry refuses one within 60 days).
        self.registry
            .create_domain(&self.other, &create, T0 - 90 * 86_400)
            .await
            .expect("other registrar's domain");
    }
}

pub async fn body_text(resp: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22).await.expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// The `name=value` of the session cookie a response sets.
pub fn session_cookie(resp: &Response<Body>) -> Option<String> {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("banyan_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub fn location(resp: &Response<Body>) -> String {
    resp.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The value of the first `<input … name="NAME" value="…">` in a page.
pub fn hidden_value(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &page[at + name.len() + 15..];
    rest.split('"').next().map(str::to_owned)
}

/// `application/x-www-form-urlencoded` (every octet but unreserved ones percent-encoded).
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The id of the record `fqdn type value` in the API listing of `zone`.
pub async fn record_id(lab: &Lab, token: &str, zone: &str, name: &str, rtype: &str) -> String {
    let (status, v) = lab
        .api(Method::GET, &format!("/api/domains/{zone}/records"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["name"] == name && r["type"] == rtype)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("no {name} {rtype} in {v}"))
        .to_owned()
}
