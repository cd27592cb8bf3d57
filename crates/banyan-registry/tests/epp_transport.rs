//! The EPP server loop and client over real TLS on 127.0.0.1, with a small in-memory
//! registry as the handler (RFC 5730 §2, RFC 5734).
//!
//! Every wait is bounded: the client gives up after `WAIT`, and tests wait on events (a
//! response, a closed connection), never on the clock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banyan_registry::epp::client::{ClientError, EppClient};
use banyan_registry::epp::frame::FrameError;
use banyan_registry::epp::server::{serve, BoxFuture, Handler, Limits, Request, Session};
use banyan_registry::epp::*;
use rustls::ClientConfig;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(10);

/// Domains by name, with their sponsoring registrar.
#[derive(Default)]
struct MemoryRegistry {
    domains: Mutex<HashMap<String, String>>,
    /// Told when a logged-in session ends, with the registrar's ID.
    closed: tokio::sync::Notify,
    closed_ids: Mutex<Vec<String>>,
}

impl MemoryRegistry {
    fn passwords(client_id: &str) -> Option<&'static str> {
        match client_id {
            "registrar1" => Some("secret-one"),
            "registrar2" => Some("secret-two"),
            _ => None,
        }
    }

    fn domain(&self, session: &Session, command: DomainCommand) -> Response {
        let Ok(mut domains) = self.domains.lock() else {
            return Response::new(ResultCode::COMMAND_FAILED);
        };
        match command {
            DomainCommand::Check { names } => Response::success().with_res_data(ResData::Domain(DomainResData::Check(
                names
                    .into_iter()
                    .map(|name| {
                        let taken = domains.contains_key(&name);
                        CheckResult {
                            name,
                            available: !taken,
                            reason: taken.then(|| "In use".to_string()),
                        }
                    })
                    .collect(),
            ))),
            DomainCommand::Create(c) => {
                if domains.contains_key(&c.name) {
                    return Response::new(ResultCode::OBJECT_EXISTS);
                }
                domains.insert(c.name.clone(), session.client_id.clone());
                Response::success().with_res_data(ResData::Domain(DomainResData::Create {
                    name: c.name,
                    cr_date: "2024-01-01T00:00:00.0Z".into(),
                    ex_date: Some("2025-01-01T00:00:00.0Z".into()),
                }))
            }
            DomainCommand::Info(i) => match domains.get(&i.name) {
                None => Response::new(ResultCode::OBJECT_DOES_NOT_EXIST),
                Some(owner) => {
                    Response::success().with_res_data(ResData::Domain(DomainResData::Info(Box::new(DomainInfData {
                        name: i.name.clone(),
                        roid: format!("{}-TEST", i.name.len()),
                        statuses: vec![ObjectStatus::new(Status::Ok)],
                        cl_id: owner.clone(),
                        ..DomainInfData::default()
                    }))))
                }
            },
            _ => Response::new(ResultCode::UNIMPLEMENTED_COMMAND),
        }
    }
}

impl Handler for MemoryRegistry {
    fn greeting(&self) -> Greeting {
        Greeting::new("Banyan test registry")
    }

    fn login<'a>(&'a self, login: &'a Login, _peer: SocketAddr) -> BoxFuture<'a, Result<String, EppError>> {
        Box::pin(async move {
            match Self::passwords(&login.client_id) {
                Some(pw) if pw == login.password => Ok(login.client_id.clone()),
                _ => Err(EppError::standard(ResultCode::AUTHENTICATION_ERROR)),
            }
        })
    }

    fn handle<'a>(&'a self, session: &'a Session, request: Request) -> BoxFuture<'a, Response> {
        Box::pin(async move {
            match request.command {
                Command::Domain(d) => self.domain(session, d),
                Command::Poll(PollOp::Req) => Response::new(ResultCode::COMPLETED_NO_MESSAGES),
                _ => Response::new(ResultCode::UNIMPLEMENTED_COMMAND),
            }
        })
    }

    fn session_closed<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(mut ids) = self.closed_ids.lock() {
                ids.push(session.client_id.clone());
            }
            self.closed.notify_one();
        })
    }
}

struct Server {
    addr: SocketAddr,
    registry: Arc<MemoryRegistry>,
    client_tls: Arc<ClientConfig>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(limits: Limits) -> Self {
        let cert = tls::self_signed(&["epp.test"]).expect("certificate");
        let server_tls = tls::server_config(vec![cert.cert_der.clone()], cert.private_key()).expect("server");
        let client_tls = tls::client_config(std::slice::from_ref(&cert.cert_der)).expect("client");
        Self::start_with(limits, server_tls, client_tls).await
    }

    async fn start_with(limits: Limits, server_tls: Arc<rustls::ServerConfig>, client_tls: Arc<ClientConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let registry = Arc::new(MemoryRegistry::default());
        let handler: Arc<dyn Handler> = registry.clone();
        let task = tokio::spawn(serve(listener, server_tls, handler, limits));
        Self {
            addr,
            registry,
            client_tls,
            task,
        }
    }

    async fn connect(&self) -> EppClient {
        EppClient::connect(self.addr, "epp.test", Arc::clone(&self.client_tls))
            .await
            .expect("connect")
            .with_timeout(WAIT)
    }

    async fn logged_in(&self, who: &str, pw: &str) -> EppClient {
        let mut c = self.connect().await;
        let r = c.login(who, pw).await.expect("login");
        assert_eq!(r.code(), ResultCode::COMPLETED);
        c
    }
}

fn check(name: &str) -> Command {
    Command::Domain(DomainCommand::Check {
        names: vec![name.to_string()],
    })
}

fn create(name: &str) -> Command {
    Command::Domain(DomainCommand::Create(DomainCreate {
        name: name.to_string(),
        period: Some(Period::years(1)),
        ns: vec![],
        registrant: None,
        contacts: vec![],
        auth_info: AuthInfo::password("2fooBAR"),
    }))
}

fn available(r: &Response) -> bool {
    match &r.res_data {
        Some(ResData::Domain(DomainResData::Check(cd))) => cd[0].available,
        other => panic!("{other:?}"),
    }
}

/// True once the server has closed the connection: the next read ends.
async fn closed(c: &mut EppClient) -> bool {
    matches!(
        c.read_raw().await,
        Err(ClientError::Frame(
            FrameError::Closed | FrameError::Io(_) | FrameError::Truncated
        ))
    )
}

fn raw_response(bytes: &[u8]) -> Response {
    Response::parse(bytes).expect("response")
}

#[tokio::test]
async fn greeting_login_and_a_domain_round_trip() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    assert_eq!(c.greeting().sv_id, "Banyan test registry");
    assert!(c.greeting().obj_uris.iter().any(|u| u == DOMAIN_NS));
    assert_eq!(c.hello().await.expect("hello").versions, ["1.0"]);

    c.login("registrar1", "secret-one").await.expect("login");
    let r = c.command(check("example.test")).await.expect("check");
    assert!(r.cl_trid.is_some());
    assert!(!r.sv_trid.is_empty());
    assert!(available(&r));
    assert!(r.sv_trid.starts_with("BANYAN-"));

    let r = c.command(create("example.test")).await.expect("create");
    assert_eq!(r.code(), ResultCode::COMPLETED);
    assert!(matches!(
        r.res_data,
        Some(ResData::Domain(DomainResData::Create { .. }))
    ));
    assert!(!available(&c.command(check("example.test")).await.expect("check")));
    let r = c.command(create("example.test")).await.expect("create");
    assert_eq!(r.code(), ResultCode::OBJECT_EXISTS);

    let r = c
        .command(Command::Domain(DomainCommand::Info(DomainInfo {
            name: "example.test".into(),
            hosts: HostsFilter::All,
            auth_info: None,
        })))
        .await
        .expect("info");
    let Some(ResData::Domain(DomainResData::Info(d))) = r.res_data else {
        panic!("{r:?}")
    };
    assert_eq!(d.cl_id, "registrar1");

    let r = c.command(Command::Poll(PollOp::Req)).await.expect("poll");
    assert_eq!(r.code(), ResultCode::COMPLETED_NO_MESSAGES);

    let r = c.logout().await.expect("logout");
    assert_eq!(r.code(), ResultCode::COMPLETED_ENDING_SESSION);

    // The handler hears that the session ended.
    tokio::time::timeout(WAIT, server.registry.closed.notified())
        .await
        .expect("session_closed called");
    assert_eq!(*server.registry.closed_ids.lock().expect("lock"), ["registrar1"]);
}

#[tokio::test]
async fn logout_ends_the_connection() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.logged_in("registrar1", "secret-one").await;
    let logout = Frame::Command {
        cl_trid: Some("LOGOUT-1".into()),
        command: Command::Logout,
        extensions: CommandExtensions::default(),
    };
    let r = c.transact(&logout).await.expect("logout");
    assert_eq!(r.code(), ResultCode::COMPLETED_ENDING_SESSION);
    assert_eq!(r.cl_trid.as_deref(), Some("LOGOUT-1"));
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn bad_logins_are_2200_and_the_third_closes_with_2501() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    for _ in 0..2 {
        match c.login("registrar1", "wrong-password").await {
            Err(ClientError::Refused { code, .. }) => {
                assert_eq!(code, ResultCode::AUTHENTICATION_ERROR)
            }
            other => panic!("{other:?}"),
        }
    }
    match c.login("registrar1", "wrong-password").await {
        Err(ClientError::Refused { code, .. }) => {
            assert_eq!(code, ResultCode::AUTHENTICATION_ERROR_CLOSING)
        }
        other => panic!("{other:?}"),
    }
    assert!(closed(&mut c).await);

    // Someone else still gets in, and a good login after one bad one works.
    let mut c = server.connect().await;
    assert!(c.login("nobody", "whatever1").await.is_err());
    c.login("registrar2", "secret-two").await.expect("login");
}

#[tokio::test]
async fn commands_before_login_are_2002() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    let r = c.command(check("example.test")).await.expect("answer");
    assert_eq!(r.code(), ResultCode::COMMAND_USE_ERROR);
    assert!(r.cl_trid.is_some());
    let r = c.command(Command::Poll(PollOp::Req)).await.expect("answer");
    assert_eq!(r.code(), ResultCode::COMMAND_USE_ERROR);
    // The session is still usable.
    c.login("registrar1", "secret-one").await.expect("login");
    // And a second login is a use error too.
    match c.login("registrar1", "secret-one").await {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, ResultCode::COMMAND_USE_ERROR),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_xml_is_2001_and_the_session_goes_on() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.logged_in("registrar1", "secret-one").await;

    let r = raw_response(&c.send_raw(b"<epp><command>").await.expect("answer"));
    assert_eq!(r.code(), ResultCode::COMMAND_SYNTAX_ERROR);
    assert!(r.cl_trid.is_none());
    assert!(!r.sv_trid.is_empty());

    let r = raw_response(&c.send_raw(b"\xff\xfe garbage").await.expect("answer"));
    assert_eq!(r.code(), ResultCode::COMMAND_SYNTAX_ERROR);

    // A command the server cannot carry out but whose clTRID it can read.
    let doc =
        br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><frobnicate/><clTRID>T-42</clTRID></command></epp>"#;
    let r = raw_response(&c.send_raw(doc).await.expect("answer"));
    assert_eq!(r.code(), ResultCode::UNKNOWN_COMMAND);
    assert_eq!(r.cl_trid.as_deref(), Some("T-42"));

    // Still logged in.
    let r = c.command(check("still.test")).await.expect("check");
    assert_eq!(r.code(), ResultCode::COMPLETED);
}

#[tokio::test]
async fn oversize_frames_are_2001_then_2500() {
    let limits = Limits {
        max_frame: 1024,
        max_discard: 64 * 1024,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let mut c = server.logged_in("registrar1", "secret-one").await;

    // Within the discard limit: read away, answered 2001, the session goes on.
    let big = vec![b' '; 4096];
    let r = raw_response(&c.send_raw(&big).await.expect("answer"));
    assert_eq!(r.code(), ResultCode::COMMAND_SYNTAX_ERROR);
    assert!(r.message().contains("4096"), "{}", r.message());
    assert_eq!(
        c.command(check("a.test")).await.expect("check").code(),
        ResultCode::COMPLETED
    );

    // Past it: 2500 and the connection closes.
    let mut header = (10u32 * 1024 * 1024).to_be_bytes().to_vec();
    header.extend_from_slice(b"<epp");
    c.write_unframed(&header).await.expect("write");
    let r = raw_response(&c.read_raw().await.expect("answer"));
    assert_eq!(r.code(), ResultCode::COMMAND_FAILED_CLOSING);
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn a_length_below_four_closes_with_2500() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    c.write_unframed(&[0, 0, 0, 2]).await.expect("write");
    let r = raw_response(&c.read_raw().await.expect("answer"));
    assert_eq!(r.code(), ResultCode::COMMAND_FAILED_CLOSING);
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn two_sessions_at_once() {
    let server = Server::start(Limits::default()).await;
    let mut a = server.logged_in("registrar1", "secret-one").await;
    let mut b = server.logged_in("registrar2", "secret-two").await;

    let (ra, rb) = tokio::join!(a.command(create("one.test")), b.command(create("two.test")));
    assert_eq!(ra.expect("a").code(), ResultCode::COMPLETED);
    assert_eq!(rb.expect("b").code(), ResultCode::COMPLETED);

    // Each sees the other's registration, and the transaction IDs stay apart.
    let (ra, rb) = tokio::join!(a.command(check("two.test")), b.command(check("one.test")));
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert!(!available(&ra) && !available(&rb));
    assert_ne!(ra.sv_trid, rb.sv_trid);

    assert_eq!(
        a.logout().await.expect("logout").code(),
        ResultCode::COMPLETED_ENDING_SESSION
    );
    // b is unaffected.
    assert_eq!(
        b.command(check("three.test")).await.expect("check").code(),
        ResultCode::COMPLETED
    );
}

#[tokio::test]
async fn the_session_limit_refuses_with_2502() {
    let limits = Limits {
        max_sessions: 1,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let first = server.logged_in("registrar1", "secret-one").await;
    match EppClient::connect(server.addr, "epp.test", Arc::clone(&server.client_tls)).await {
        Err(ClientError::Refused { code, .. }) => {
            assert_eq!(code, ResultCode::SESSION_LIMIT_EXCEEDED_CLOSING)
        }
        other => panic!("{other:?}"),
    }
    // The slot frees when the first session ends; the server may not have seen the
    // logout's close yet, so ask again until it has, within WAIT.
    first.logout().await.expect("logout");
    let again = tokio::time::timeout(WAIT, async {
        loop {
            match EppClient::connect(server.addr, "epp.test", Arc::clone(&server.client_tls)).await {
                Ok(c) => return c,
                Err(ClientError::Refused { .. }) => tokio::task::yield_now().await,
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await;
    assert!(again.is_ok(), "the slot never freed");
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    let limits = Limits {
        // Long enough for a loaded machine's client to log in before it runs out.
        idle_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let mut c = server.logged_in("registrar1", "secret-one").await;
    // Waits for the server to act: it closes well within the client's WAIT.
    assert!(closed(&mut c).await);
}

#[tokio::test]
async fn unannounced_objects_and_extensions_are_refused() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    let mut login = Login::new("registrar1", "secret-one");
    login.obj_uris = vec![DOMAIN_NS.to_string()];
    login.ext_uris = vec![];
    c.login_with(login).await.expect("login");

    let r = c
        .command(Command::Host(HostCommand::Info {
            name: "ns1.example.test".into(),
        }))
        .await
        .expect("answer");
    assert_eq!(r.code(), ResultCode::UNIMPLEMENTED_OBJECT_SERVICE);

    let ext = CommandExtensions {
        sec_dns: Some(SecDnsExtension::Create(SecDnsData {
            max_sig_life: None,
            ds_data: vec![DsData {
                key_tag: 1,
                alg: 13,
                digest_type: 2,
                digest: "ABCD".into(),
                key_data: None,
            }],
            key_data: vec![],
        })),
        rgp: None,
    };
    let r = c.command_with(create("ds.test"), ext).await.expect("answer");
    assert_eq!(r.code(), ResultCode::UNIMPLEMENTED_EXTENSION);
}

#[tokio::test]
async fn login_offers_are_checked_against_the_greeting() {
    let server = Server::start(Limits::default()).await;
    let mut c = server.connect().await;
    let mut login = Login::new("registrar1", "secret-one");
    login.version = "2.0".into();
    match c.login_with(login).await {
        Err(ClientError::Refused { code, .. }) => {
            assert_eq!(code, ResultCode::UNIMPLEMENTED_PROTOCOL_VERSION)
        }
        other => panic!("{other:?}"),
    }
    let mut login = Login::new("registrar1", "secret-one");
    login.obj_uris.push("urn:example:obj".into());
    match c.login_with(login).await {
        Err(ClientError::Refused { code, .. }) => {
            assert_eq!(code, ResultCode::UNIMPLEMENTED_OBJECT_SERVICE)
        }
        other => panic!("{other:?}"),
    }
    // Those are not authentication failures: the connection is still open.
    c.login("registrar1", "secret-one").await.expect("login");
}

#[tokio::test]
async fn mutual_tls_with_a_lab_authority() {
    let ca = tls::Authority::generate("Banyan test CA").expect("ca");
    let server_cert = ca.issue(&["epp.test"]).expect("server cert");
    let client_cert = ca.issue(&["registrar1.test"]).expect("client cert");
    let trusted = [ca.certificate().cert_der.clone()];
    let server_tls =
        tls::server_config_with_client_auth(vec![server_cert.cert_der.clone()], server_cert.private_key(), &trusted)
            .expect("server tls");

    // Without a client certificate the handshake fails.
    let anonymous = tls::client_config(&trusted).expect("client tls");
    let server = Server::start_with(Limits::default(), server_tls, anonymous).await;
    assert!(
        EppClient::connect(server.addr, "epp.test", Arc::clone(&server.client_tls))
            .await
            .is_err()
    );

    // With one, the session works.
    let with_cert =
        tls::client_config_with_cert(&trusted, vec![client_cert.cert_der.clone()], client_cert.private_key())
            .expect("client tls");
    let mut c = EppClient::connect(server.addr, "epp.test", with_cert)
        .await
        .expect("connect");
    c.login("registrar1", "secret-one").await.expect("login");
}
