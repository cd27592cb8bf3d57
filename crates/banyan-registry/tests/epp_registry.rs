//! The registry over EPP, end to end: a [`Registry`] on a temporary SQLite database behind
//! [`RegistryHandler`], the real server loop over TLS on 127.0.0.1, and the real
//! [`EppClient`] (RFC 5730-5734, RFC 5910, RFC 3915). Time is a [`ManualClock`] the tests
//! move; every network wait is bounded by the client's timeout.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use banyan_registry::epp::client::{ClientError, EppClient};
use banyan_registry::epp::server::Limits;
use banyan_registry::epp::*;
use banyan_registry::service::{run_epp, ManualClock, RegistryHandler};
use banyan_registry::time::DAY;
use common::{ok, Db, Env, BALANCE, CREATE, T0, TRANSFER};
use rustls::ClientConfig;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(20);

struct Lab {
    env: Env,
    clock: ManualClock,
    addr: SocketAddr,
    client_tls: Arc<ClientConfig>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Lab {
    async fn start() -> Lab {
        let env = Env::new(Db::Sqlite).await;
        let cert = tls::self_signed(&["epp.test", "127.0.0.1"]).expect("certificate");
        let server_tls = tls::server_config(vec![cert.cert_der.clone()], cert.private_key()).expect("server tls");
        let client_tls = tls::client_config(std::slice::from_ref(&cert.cert_der)).expect("client tls");
        let clock = ManualClock::new(T0);
        let handler = RegistryHandler::new(env.reg.clone(), clock.clock());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(run_epp(listener, server_tls, handler, Limits::default()));
        Lab {
            env,
            clock,
            addr,
            client_tls,
            task,
        }
    }

    async fn connect(&self) -> EppClient {
        EppClient::connect(self.addr, "127.0.0.1", Arc::clone(&self.client_tls))
            .await
            .expect("connect")
            .with_timeout(WAIT)
    }

    async fn session(&self, id: &str, pw: &str) -> EppClient {
        let mut c = self.connect().await;
        let r = c.login(id, pw).await.expect("login");
        assert_eq!(r.code(), ResultCode::COMPLETED);
        c
    }
}

// ---- commands ----

fn domain_create(name: &str, ns: &[&str], registrant: Option<&str>, auth: &str) -> Command {
    Command::Domain(DomainCommand::Create(DomainCreate {
        name: name.into(),
        period: Some(Period::years(1)),
        ns: ns.iter().map(|s| s.to_string()).collect(),
        registrant: registrant.map(str::to_owned),
        contacts: Vec::new(),
        auth_info: AuthInfo::password(auth),
    }))
}

fn domain_info(name: &str, auth: Option<&str>) -> Command {
    Command::Domain(DomainCommand::Info(DomainInfo {
        name: name.into(),
        hosts: HostsFilter::All,
        auth_info: auth.map(AuthInfo::password),
    }))
}

fn domain_transfer(op: TransferOp, name: &str, auth: Option<&str>) -> Command {
    Command::Domain(DomainCommand::Transfer(DomainTransfer {
        op,
        name: name.into(),
        period: None,
        auth_info: auth.map(AuthInfo::password),
    }))
}

fn domain_update(name: &str, add: DomainAddRem, rem: DomainAddRem) -> Command {
    Command::Domain(DomainCommand::Update(DomainUpdate {
        name: name.into(),
        add,
        rem,
        chg: None,
    }))
}

fn domain_delete(name: &str) -> Command {
    Command::Domain(DomainCommand::Delete { name: name.into() })
}

fn domain_check(names: &[&str]) -> Command {
    Command::Domain(DomainCommand::Check {
        names: names.iter().map(|s| s.to_string()).collect(),
    })
}

fn host_create(name: &str, addrs: &[&str]) -> Command {
    Command::Host(HostCommand::Create(HostCreate {
        name: name.into(),
        addrs: addrs.iter().map(|a| a.parse().expect("address")).collect(),
    }))
}

fn contact_create(id: &str) -> Command {
    Command::Contact(ContactCommand::Create(Box::new(ContactCreate {
        id: id.into(),
        postal_info: vec![PostalInfo {
            kind: PostalInfoType::Int,
            name: "John Doe".into(),
            org: None,
            addr: Address {
                street: vec!["123 Example Dr.".into()],
                city: "Dulles".into(),
                sp: None,
                pc: None,
                cc: "US".into(),
            },
        }],
        voice: Some(Phone {
            number: "+1.7035555555".into(),
            ext: None,
        }),
        fax: None,
        email: "jdoe@example.test".into(),
        auth_info: AuthInfo::password("2fooBAR"),
        disclose: None,
    })))
}

fn status(s: Status) -> ObjectStatus {
    ObjectStatus::new(s)
}

fn ds(tag: u16) -> DsData {
    DsData {
        key_tag: tag,
        alg: 13,
        digest_type: 2,
        digest: "AB".repeat(32),
        key_data: None,
    }
}

// ---- reading responses ----

async fn send(c: &mut EppClient, command: Command) -> Response {
    c.command(command).await.expect("response")
}

async fn send_with(c: &mut EppClient, command: Command, ext: CommandExtensions) -> Response {
    c.command_with(command, ext).await.expect("response")
}

#[track_caller]
fn expect(r: &Response, code: u16) {
    assert_eq!(r.code().0, code, "{}: {:?}", r.message(), r.results);
}

#[track_caller]
fn domain_inf(r: &Response) -> DomainInfData {
    match &r.res_data {
        Some(ResData::Domain(DomainResData::Info(d))) => (**d).clone(),
        other => panic!("domain infData expected: {other:?} ({})", r.message()),
    }
}

#[track_caller]
fn domain_trn(r: &Response) -> TransferData {
    match &r.res_data {
        Some(ResData::Domain(DomainResData::Transfer(t))) => t.clone(),
        other => panic!("domain trnData expected: {other:?} ({})", r.message()),
    }
}

#[track_caller]
fn available(r: &Response) -> Vec<(String, bool)> {
    let list = match &r.res_data {
        Some(ResData::Domain(DomainResData::Check(l)))
        | Some(ResData::Host(HostResData::Check(l)))
        | Some(ResData::Contact(ContactResData::Check(l))) => l,
        other => panic!("chkData expected: {other:?}"),
    };
    list.iter().map(|c| (c.name.clone(), c.available)).collect()
}

fn value_texts(r: &Response) -> Vec<String> {
    r.results
        .iter()
        .flat_map(|x| x.values.iter().map(|v| v.text.clone()))
        .collect()
}

// ---- the scenarios ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc5731_domain_lifecycle_over_epp() {
    let lab = Lab::start().await;
    let mut a = lab.session("rar-a", "secret-a").await;
    let mut b = lab.session("rar-b", "secret-b").await;

    // Objects a domain refers to: a host out of the registry's TLDs and a contact.
    let r = send(&mut a, host_create("ns1.example.net", &[])).await;
    expect(&r, 1000);
    let r = send(&mut a, contact_create("jd1234")).await;
    expect(&r, 1000);

    // Create with a name server and DS data (RFC 5910 §5.2.1).
    let ext = CommandExtensions {
        sec_dns: Some(SecDnsExtension::Create(SecDnsData {
            max_sig_life: None,
            ds_data: vec![ds(12345)],
            key_data: Vec::new(),
        })),
        rgp: None,
    };
    let r = send_with(
        &mut a,
        domain_create("example.test", &["ns1.example.net"], Some("jd1234"), "2fooBAR"),
        ext,
    )
    .await;
    expect(&r, 1000);
    match &r.res_data {
        Some(ResData::Domain(DomainResData::Create { name, cr_date, ex_date })) => {
            assert_eq!(name, "example.test");
            assert_eq!(cr_date, "2024-01-01T00:00:00Z");
            assert_eq!(ex_date.as_deref(), Some("2025-01-01T00:00:00Z"));
        }
        other => panic!("creData expected: {other:?}"),
    }
    assert_eq!(lab.env.balance(&lab.env.a).await, BALANCE - CREATE);

    // The same name again: 2302, quoting the name.
    let r = send(&mut b, domain_create("example.test", &[], None, "2fooBAR")).await;
    expect(&r, 2302);
    assert_eq!(value_texts(&r), vec!["example.test"]);

    // A glue host under the new domain.
    let r = send(&mut a, host_create("ns1.example.test", &["192.0.2.1", "2001:db8::1"])).await;
    expect(&r, 1000);

    // Info by the sponsor: everything, with secDNS and RGP data.
    let r = send(&mut a, domain_info("example.test", None)).await;
    expect(&r, 1000);
    let d = domain_inf(&r);
    assert_eq!(d.cl_id, "rar-a");
    assert_eq!(d.registrant.as_deref(), Some("jd1234"));
    assert_eq!(d.ns, vec!["ns1.example.net"]);
    assert_eq!(d.hosts, vec!["ns1.example.test"]);
    assert_eq!(d.auth_info.map(|a| a.password).as_deref(), Some("2fooBAR"));
    let sec = r.extension.sec_dns.clone().expect("secDNS:infData");
    assert_eq!(sec.ds_data[0].key_tag, 12345);
    assert_eq!(sec.ds_data[0].digest, "AB".repeat(32));
    assert_eq!(r.extension.rgp, Some(RgpResponse::Info(vec![RgpStatus::AddPeriod])));

    // Info by another registrar: the public part; with a wrong authInfo 2202; with the
    // right one everything (RFC 5731 §3.1.2).
    let r = send(&mut b, domain_info("example.test", None)).await;
    expect(&r, 1000);
    let d = domain_inf(&r);
    assert_eq!(d.cl_id, "rar-a");
    assert!(d.registrant.is_none() && d.auth_info.is_none() && d.hosts.is_empty());
    let r = send(&mut b, domain_info("example.test", Some("wrong-pw"))).await;
    expect(&r, 2202);
    let r = send(&mut b, domain_info("example.test", Some("2fooBAR"))).await;
    expect(&r, 1000);
    assert_eq!(domain_inf(&r).registrant.as_deref(), Some("jd1234"));

    // Info of a name nobody has: 2303 with the name.
    let r = send(&mut b, domain_info("nothing.test", None)).await;
    expect(&r, 2303);
    assert_eq!(value_texts(&r), vec!["nothing.test"]);

    // Update by another registrar: 2201.
    let add = DomainAddRem {
        statuses: vec![status(Status::ClientHold)],
        ..DomainAddRem::default()
    };
    let r = send(
        &mut b,
        domain_update("example.test", add.clone(), DomainAddRem::default()),
    )
    .await;
    expect(&r, 2201);
    assert_eq!(value_texts(&r), vec!["example.test"]);

    // Update by the sponsor: name servers swapped, a status added, DS removed.
    let add = DomainAddRem {
        ns: vec!["ns1.example.test".into()],
        statuses: vec![status(Status::ClientHold)],
        ..DomainAddRem::default()
    };
    let rem = DomainAddRem {
        ns: vec!["ns1.example.net".into()],
        ..DomainAddRem::default()
    };
    let ext = CommandExtensions {
        sec_dns: Some(SecDnsExtension::Update(SecDnsUpdate {
            rem: Some(SecDnsRem::All),
            ..SecDnsUpdate::default()
        })),
        rgp: None,
    };
    let r = send_with(&mut a, domain_update("example.test", add, rem), ext).await;
    expect(&r, 1000);
    let r = send(&mut a, domain_info("example.test", None)).await;
    let d = domain_inf(&r);
    assert_eq!(d.ns, vec!["ns1.example.test"]);
    assert!(
        d.statuses.iter().any(|s| s.status == Status::ClientHold),
        "{:?}",
        d.statuses
    );
    assert!(r.extension.sec_dns.is_none(), "every DS removed");
    let rem = DomainAddRem {
        statuses: vec![status(Status::ClientHold)],
        ..DomainAddRem::default()
    };
    let r = send(&mut a, domain_update("example.test", DomainAddRem::default(), rem)).await;
    expect(&r, 1000);

    // A host in use cannot be deleted (2305).
    let r = send(
        &mut a,
        Command::Host(HostCommand::Delete {
            name: "ns1.example.test".into(),
        }),
    )
    .await;
    expect(&r, 2305);

    // Renew (RFC 5731 §3.2.3) against the current expiry; a stale one is refused.
    let renew = |cur: &str| {
        Command::Domain(DomainCommand::Renew(DomainRenew {
            name: "example.test".into(),
            cur_exp_date: cur.into(),
            period: Some(Period::years(2)),
        }))
    };
    let r = send(&mut a, renew("2025-01-01")).await;
    expect(&r, 1000);
    match &r.res_data {
        Some(ResData::Domain(DomainResData::Renew { ex_date, .. })) => {
            assert_eq!(ex_date.as_deref(), Some("2027-01-01T00:00:00Z"))
        }
        other => panic!("renData expected: {other:?}"),
    }
    let r = send(&mut a, renew("2025-01-01")).await;
    assert!(
        !r.is_success(),
        "renewing twice with the same curExpDate: {}",
        r.message()
    );

    // Check (RFC 5731 §3.1.1).
    let r = send(&mut b, domain_check(&["example.test", "free.test"])).await;
    expect(&r, 1000);
    assert_eq!(
        available(&r),
        vec![("example.test".to_string(), false), ("free.test".to_string(), true)]
    );

    // Transfer (RFC 5731 §3.2.4) after the add grace period: B asks with the authInfo...
    lab.clock.advance(6 * DAY);
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "example.test", Some("wrong-pw")),
    )
    .await;
    expect(&r, 2202);
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "example.test", Some("2fooBAR")),
    )
    .await;
    expect(&r, 1001);
    let t = domain_trn(&r);
    assert_eq!(
        (t.tr_status, t.re_id.as_str(), t.ac_id.as_str()),
        (TransferStatus::Pending, "rar-b", "rar-a")
    );
    assert_eq!(t.re_date, "2024-01-07T00:00:00Z");
    assert_eq!(lab.env.balance(&lab.env.b).await, BALANCE - TRANSFER);
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "example.test", Some("2fooBAR")),
    )
    .await;
    expect(&r, 2300);

    // ...A is told by a poll message carrying trnData (RFC 5730 §2.9.2.3, RFC 5731 §3.1.3)...
    let r = send(&mut a, Command::Poll(PollOp::Req)).await;
    expect(&r, 1301);
    let q = r.msg_q.clone().expect("msgQ");
    assert!(q.count >= 1);
    assert!(q.q_date.is_some() && q.msg.is_some(), "{q:?}");
    let t = domain_trn(&r);
    assert_eq!(
        (t.name.as_str(), t.tr_status),
        ("example.test", TransferStatus::Pending)
    );
    let r = send(&mut a, Command::Poll(PollOp::Ack(q.id.clone()))).await;
    expect(&r, 1000);
    assert_eq!(r.msg_q.map(|m| m.count), Some(q.count - 1));
    let r = send(&mut a, Command::Poll(PollOp::Ack(q.id.clone()))).await;
    expect(&r, 2303);
    let r = send(&mut a, Command::Poll(PollOp::Ack("not-a-number".into()))).await;
    expect(&r, 2005);

    // ...the query shows it pending, and A approves: B sponsors the domain.
    let r = send(&mut a, domain_transfer(TransferOp::Query, "example.test", None)).await;
    expect(&r, 1000);
    assert_eq!(domain_trn(&r).tr_status, TransferStatus::Pending);
    let r = send(&mut a, domain_transfer(TransferOp::Approve, "example.test", None)).await;
    expect(&r, 1000);
    assert_eq!(domain_trn(&r).tr_status, TransferStatus::ClientApproved);
    let r = send(&mut b, domain_info("example.test", None)).await;
    let d = domain_inf(&r);
    assert_eq!(d.cl_id, "rar-b");
    assert_eq!(d.ex_date.as_deref(), Some("2028-01-01T00:00:00Z"), "a year added");
    assert!(d.tr_date.is_some());

    // Poll until B's queue is empty (it may hold the approval), then 1300.
    loop {
        let r = send(&mut b, Command::Poll(PollOp::Req)).await;
        if r.code() == ResultCode::COMPLETED_NO_MESSAGES {
            break;
        }
        expect(&r, 1301);
        let id = r.msg_q.map(|m| m.id).expect("msgQ");
        expect(&send(&mut b, Command::Poll(PollOp::Ack(id))).await, 1000);
    }

    a.logout().await.expect("logout");
    b.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc5731_transfer_reject_and_cancel() {
    let lab = Lab::start().await;
    let mut a = lab.session("rar-a", "secret-a").await;
    let mut b = lab.session("rar-b", "secret-b").await;
    expect(
        &send(&mut a, domain_create("second.test", &[], None, "pw-second")).await,
        1000,
    );

    // Within the add grace period: not eligible (2106).
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "second.test", Some("pw-second")),
    )
    .await;
    expect(&r, 2106);
    lab.clock.advance(6 * DAY);

    // Rejected by the sponsor: B is refunded.
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "second.test", Some("pw-second")),
    )
    .await;
    expect(&r, 1001);
    let r = send(&mut b, domain_transfer(TransferOp::Approve, "second.test", None)).await;
    expect(&r, 2201);
    let r = send(&mut a, domain_transfer(TransferOp::Reject, "second.test", None)).await;
    expect(&r, 1000);
    assert_eq!(domain_trn(&r).tr_status, TransferStatus::ClientRejected);
    assert_eq!(lab.env.balance(&lab.env.b).await, BALANCE);

    // Cancelled by the asker.
    let r = send(
        &mut b,
        domain_transfer(TransferOp::Request, "second.test", Some("pw-second")),
    )
    .await;
    expect(&r, 1001);
    let r = send(&mut b, domain_transfer(TransferOp::Cancel, "second.test", None)).await;
    expect(&r, 1000);
    assert_eq!(domain_trn(&r).tr_status, TransferStatus::ClientCancelled);
    assert_eq!(lab.env.balance(&lab.env.b).await, BALANCE);
    let r = send(&mut a, domain_transfer(TransferOp::Approve, "second.test", None)).await;
    expect(&r, 2301);

    // The sponsor is unchanged.
    let r = send(&mut a, domain_info("second.test", None)).await;
    assert_eq!(domain_inf(&r).cl_id, "rar-a");

    // A request without authInfo is a missing parameter (2003).
    let r = send(&mut b, domain_transfer(TransferOp::Request, "second.test", None)).await;
    expect(&r, 2003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc3915_delete_refund_redemption_and_restore() {
    let lab = Lab::start().await;
    let mut a = lab.session("rar-a", "secret-a").await;

    // Within the add grace period: deleted at once (1000) and refunded.
    expect(
        &send(&mut a, domain_create("quick.test", &[], None, "pw-quick")).await,
        1000,
    );
    assert_eq!(lab.env.balance(&lab.env.a).await, BALANCE - CREATE);
    let r = send(&mut a, domain_delete("quick.test")).await;
    expect(&r, 1000);
    assert_eq!(lab.env.balance(&lab.env.a).await, BALANCE);
    let r = send(&mut a, domain_check(&["quick.test"])).await;
    assert_eq!(available(&r), vec![("quick.test".to_string(), true)]);

    // Later: into redemption (1001), not available, restorable.
    expect(
        &send(&mut a, domain_create("late.test", &[], None, "pw-late")).await,
        1000,
    );
    lab.clock.advance(10 * DAY);
    let r = send(&mut a, domain_delete("late.test")).await;
    expect(&r, 1001);
    let r = send(&mut a, domain_info("late.test", None)).await;
    expect(&r, 1000);
    assert_eq!(
        r.extension.rgp,
        Some(RgpResponse::Info(vec![RgpStatus::RedemptionPeriod]))
    );
    assert!(domain_inf(&r)
        .statuses
        .iter()
        .any(|s| s.status == Status::PendingDelete));
    let r = send(&mut a, domain_check(&["late.test"])).await;
    assert_eq!(available(&r), vec![("late.test".to_string(), false)]);

    // RFC 3915 §4.2.5: restore in an update with an empty domain:chg.
    let before = lab.env.balance(&lab.env.a).await;
    let restore = Command::Domain(DomainCommand::Update(DomainUpdate {
        name: "late.test".into(),
        add: DomainAddRem::default(),
        rem: DomainAddRem::default(),
        chg: Some(DomainChg::default()),
    }));
    let ext = CommandExtensions {
        sec_dns: None,
        rgp: Some(RgpUpdate::RestoreRequest),
    };
    let r = send_with(&mut a, restore.clone(), ext.clone()).await;
    expect(&r, 1000);
    // RFC 3915 §4.2.5: upData says the restore awaits its report.
    assert_eq!(
        r.extension.rgp,
        Some(RgpResponse::Update(vec![RgpStatus::PendingRestore]))
    );
    assert!(lab.env.balance(&lab.env.a).await < before, "the restore fee is charged");
    // Restoring what is not in redemption: 2304.
    let r = send_with(&mut a, restore.clone(), ext).await;
    expect(&r, 2304);

    // The restore report completes it (RFC 3915 §2 step 6).
    let report = CommandExtensions {
        sec_dns: None,
        rgp: Some(RgpUpdate::RestoreReport(Box::new(RestoreReport {
            pre_data: "Pre-delete registration data goes here.".into(),
            post_data: "Post-restore registration data goes here.".into(),
            del_time: "2003-07-10T22:00:00.0Z".into(),
            res_time: "2003-07-20T22:00:00.0Z".into(),
            res_reason: "Registrant error.".into(),
            statements: vec!["Not restored to sell it.".into(), "True to our knowledge.".into()],
            other: Some("Supporting information goes here.".into()),
        }))),
    };
    let r = send_with(&mut a, restore.clone(), report.clone()).await;
    expect(&r, 1000);
    assert_eq!(r.extension.rgp, None, "no grace period after the restore");
    let r = send(&mut a, domain_info("late.test", None)).await;
    assert!(!domain_inf(&r)
        .statuses
        .iter()
        .any(|s| s.status == Status::PendingDelete));
    // A second report: nothing awaits it.
    let r = send_with(&mut a, restore, report).await;
    expect(&r, 2304);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc5730_billing_login_and_command_use_errors() {
    let lab = Lab::start().await;
    ok(lab
        .env
        .reg
        .create_registrar("rar-poor", "Poor Registrar", "secret-p", &[common::n("test.")], 100)
        .await);
    let mut poor = lab.session("rar-poor", "secret-p").await;
    let r = send(&mut poor, domain_create("costly.test", &[], None, "pw-costly")).await;
    expect(&r, 2104);
    // Not under a TLD of the registry: 2306.
    let r = send(&mut poor, domain_create("example.org", &[], None, "pw-costly")).await;
    expect(&r, 2306);
    let r = send(&mut poor, Command::Poll(PollOp::Req)).await;
    expect(&r, 1300);

    // A wrong password: 2200 (RFC 5730 §2.9.1.1).
    let mut c = lab.connect().await;
    match c.login("rar-a", "not-it-at-all").await {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, ResultCode::AUTHENTICATION_ERROR),
        other => panic!("2200 expected: {other:?}"),
    }
    // A new password at login (newPW), then the old one no longer works.
    let mut c = lab.connect().await;
    let mut login = Login::new("rar-c", "secret-c");
    login.new_password = Some("secret-c2".into());
    expect(&c.login_with(login).await.expect("login with newPW"), 1000);
    let mut c = lab.connect().await;
    assert!(c.login("rar-c", "secret-c").await.is_err());
    let mut c = lab.connect().await;
    expect(&c.login("rar-c", "secret-c2").await.expect("new password"), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc5733_contact_and_rfc5732_host_lifecycles() {
    let lab = Lab::start().await;
    let mut a = lab.session("rar-a", "secret-a").await;
    let mut b = lab.session("rar-b", "secret-b").await;

    // Contact: create, check, info, update, transfer, delete.
    expect(&send(&mut a, contact_create("sh8013")).await, 1000);
    expect(&send(&mut a, contact_create("sh8013")).await, 2302);
    let check = Command::Contact(ContactCommand::Check {
        ids: vec!["sh8013".into(), "free-id".into()],
    });
    let r = send(&mut a, check).await;
    assert_eq!(
        available(&r),
        vec![("sh8013".to_string(), false), ("free-id".to_string(), true)]
    );
    let info = |auth: Option<&str>| {
        Command::Contact(ContactCommand::Info {
            id: "sh8013".into(),
            auth_info: auth.map(AuthInfo::password),
        })
    };
    let r = send(&mut a, info(None)).await;
    expect(&r, 1000);
    match &r.res_data {
        Some(ResData::Contact(ContactResData::Info(c))) => {
            assert_eq!(c.email, "jdoe@example.test");
            assert_eq!(c.postal_info[0].addr.city, "Dulles");
            assert_eq!(c.cl_id, "rar-a");
        }
        other => panic!("contact infData expected: {other:?}"),
    }
    let update = Command::Contact(ContactCommand::Update(Box::new(ContactUpdate {
        id: "sh8013".into(),
        add: Vec::new(),
        rem: Vec::new(),
        chg: Some(ContactChg {
            postal_info: vec![PostalInfoChg {
                kind: PostalInfoType::Int,
                name: Some("Jane Doe".into()),
                org: None,
                addr: None,
            }],
            email: Some("jane@example.test".into()),
            ..ContactChg::default()
        }),
    })));
    expect(&send(&mut b, update.clone()).await, 2201);
    expect(&send(&mut a, update).await, 1000);
    let r = send(&mut a, info(None)).await;
    match &r.res_data {
        Some(ResData::Contact(ContactResData::Info(c))) => {
            assert_eq!(c.email, "jane@example.test");
            assert_eq!(c.postal_info[0].name, "Jane Doe");
            assert_eq!(c.postal_info[0].addr.city, "Dulles", "the address is kept");
        }
        other => panic!("contact infData expected: {other:?}"),
    }
    let transfer = |op| {
        Command::Contact(ContactCommand::Transfer {
            op,
            id: "sh8013".into(),
            auth_info: Some(AuthInfo::password("2fooBAR")),
        })
    };
    let r = send(&mut b, transfer(TransferOp::Request)).await;
    expect(&r, 1001);
    match &r.res_data {
        Some(ResData::Contact(ContactResData::Transfer(t))) => assert_eq!(t.tr_status, TransferStatus::Pending),
        other => panic!("contact trnData expected: {other:?}"),
    }
    let r = send(&mut a, Command::Poll(PollOp::Req)).await;
    expect(&r, 1301);
    assert!(matches!(
        r.res_data,
        Some(ResData::Contact(ContactResData::Transfer(_)))
    ));
    expect(&send(&mut a, transfer(TransferOp::Reject)).await, 1000);
    let delete = Command::Contact(ContactCommand::Delete { id: "sh8013".into() });
    expect(&send(&mut a, delete.clone()).await, 1000);
    let r = send(&mut a, info(None)).await;
    expect(&r, 2303);
    assert_eq!(value_texts(&r), vec!["sh8013"]);

    // Host: create, info, status, delete refused then done.
    expect(&send(&mut a, host_create("ns2.example.net", &[])).await, 1000);
    // An address on a host outside the registry's TLDs is not glue: 2306.
    expect(
        &send(&mut a, host_create("ns3.example.net", &["192.0.2.3"])).await,
        2306,
    );
    // A host under a domain that does not exist: refused.
    assert!(!send(&mut a, host_create("ns1.nothing.test", &["192.0.2.3"]))
        .await
        .is_success());
    let r = send(
        &mut b,
        Command::Host(HostCommand::Info {
            name: "ns2.example.net".into(),
        }),
    )
    .await;
    expect(&r, 1000);
    match &r.res_data {
        Some(ResData::Host(HostResData::Info(h))) => {
            assert_eq!(h.name, "ns2.example.net");
            assert_eq!(h.cl_id, "rar-a");
        }
        other => panic!("host infData expected: {other:?}"),
    }
    let host_update = |add: Vec<ObjectStatus>, rem: Vec<ObjectStatus>| {
        Command::Host(HostCommand::Update(HostUpdate {
            name: "ns2.example.net".into(),
            add: HostAddRem {
                addrs: Vec::new(),
                statuses: add,
            },
            rem: HostAddRem {
                addrs: Vec::new(),
                statuses: rem,
            },
            new_name: None,
        }))
    };
    let prohibit = vec![status(Status::ClientDeleteProhibited)];
    expect(&send(&mut a, host_update(prohibit.clone(), Vec::new())).await, 1000);
    let delete = Command::Host(HostCommand::Delete {
        name: "ns2.example.net".into(),
    });
    expect(&send(&mut b, delete.clone()).await, 2201);
    expect(&send(&mut a, delete.clone()).await, 2304);
    expect(&send(&mut a, host_update(Vec::new(), prohibit)).await, 1000);
    expect(&send(&mut a, delete.clone()).await, 1000);
    let r = send(
        &mut a,
        Command::Host(HostCommand::Check {
            names: vec!["ns2.example.net".into()],
        }),
    )
    .await;
    assert_eq!(available(&r), vec![("ns2.example.net".to_string(), true)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_name_one_wins() {
    let lab = Lab::start().await;
    let mut a = lab.session("rar-a", "secret-a").await;
    let mut c = lab.session("rar-c", "secret-c").await;
    for round in 0..3 {
        let name = format!("race{round}.test");
        let (ra, rc) = tokio::join!(
            send(&mut a, domain_create(&name, &[], None, "pw-race-a")),
            send(&mut c, domain_create(&name, &[], None, "pw-race-c")),
        );
        let mut codes = vec![ra.code().0, rc.code().0];
        codes.sort();
        assert_eq!(codes, vec![1000, 2302], "{name}: {} / {}", ra.message(), rc.message());
    }
}
