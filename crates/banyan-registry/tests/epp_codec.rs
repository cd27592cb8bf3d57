//! The EPP codec against the RFCs' own examples (typed in under `tests/data/epp/`, each
//! naming its section), round trips through the writers, result codes for bad frames, and
//! robustness against truncated and mangled input.

use std::net::IpAddr;
use std::path::PathBuf;

use banyan_registry::epp::*;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/epp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/epp");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).expect("read");
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Parses a client fixture, checks that writing it and parsing again gives the same frame,
/// and returns the command parts.
fn command(name: &str) -> (Option<String>, Command, CommandExtensions) {
    let frame = Frame::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = Frame::parse(frame.to_xml().as_bytes())
        .unwrap_or_else(|e| panic!("{name} written back: {e}\n{}", frame.to_xml()));
    assert_eq!(frame, again, "{name} round trip");
    match frame {
        Frame::Command {
            cl_trid,
            command,
            extensions,
        } => (cl_trid, command, extensions),
        Frame::Hello => panic!("{name} is a hello"),
    }
}

/// Parses a server fixture as a response and checks the round trip.
fn response(name: &str) -> Response {
    let r = Response::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again =
        Response::parse(r.to_xml().as_bytes()).unwrap_or_else(|e| panic!("{name} written back: {e}\n{}", r.to_xml()));
    assert_eq!(r, again, "{name} round trip");
    r
}

fn domain(name: &str) -> DomainCommand {
    match command(name).1 {
        Command::Domain(d) => d,
        other => panic!("{name}: {other:?}"),
    }
}

fn host(name: &str) -> HostCommand {
    match command(name).1 {
        Command::Host(h) => h,
        other => panic!("{name}: {other:?}"),
    }
}

fn contact(name: &str) -> ContactCommand {
    match command(name).1 {
        Command::Contact(c) => c,
        other => panic!("{name}: {other:?}"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

#[test]
fn rfc5730_section_2_3_hello() {
    let frame = Frame::parse(&fixture("rfc5730-2.3-hello.xml")).expect("hello");
    assert_eq!(frame, Frame::Hello);
    assert_eq!(Frame::parse(Frame::Hello.to_xml().as_bytes()), Ok(Frame::Hello));
}

#[test]
fn rfc5730_section_2_4_greeting() {
    let msg = ServerMessage::parse(&fixture("rfc5730-2.4-greeting.xml")).expect("greeting");
    let ServerMessage::Greeting(g) = msg else {
        panic!("not a greeting")
    };
    assert_eq!(g.sv_id, "Example EPP server epp.example.com");
    assert_eq!(g.sv_date, "2000-06-08T22:00:00.0Z");
    assert_eq!(g.versions, ["1.0"]);
    assert_eq!(g.langs, ["en", "fr"]);
    assert_eq!(g.obj_uris.len(), 3);
    assert_eq!(g.ext_uris, ["http://custom/obj1ext-1.0"]);
    assert_eq!(g.dcp.access, DcpAccess::All);
    assert_eq!(
        g.dcp.statements,
        [DcpStatement {
            purposes: vec![DcpPurpose::Admin, DcpPurpose::Prov],
            recipients: vec![DcpRecipient::Ours, DcpRecipient::Public],
            retention: DcpRetention::Stated,
        }]
    );
    let again = ServerMessage::parse(g.to_xml().as_bytes()).expect("written greeting");
    assert_eq!(again, ServerMessage::Greeting(g));
}

#[test]
fn rfc5730_section_2_9_1_1_login() {
    let (cl_trid, cmd, _) = command("rfc5730-2.9.1.1-login.xml");
    assert_eq!(cl_trid.as_deref(), Some("ABC-12345"));
    let Command::Login(l) = cmd else { panic!("{cmd:?}") };
    assert_eq!(l.client_id, "ClientX");
    assert_eq!(l.password, "foo-BAR2");
    assert_eq!(l.new_password.as_deref(), Some("bar-FOO2"));
    assert_eq!((l.version.as_str(), l.lang.as_str()), ("1.0", "en"));
    assert_eq!(
        l.obj_uris,
        [
            "urn:ietf:params:xml:ns:obj1",
            "urn:ietf:params:xml:ns:obj2",
            "urn:ietf:params:xml:ns:obj3"
        ]
    );
    assert_eq!(l.ext_uris, ["http://custom/obj1ext-1.0"]);
    // The password stays out of Debug output.
    assert!(!format!("{l:?}").contains("foo-BAR2"));
}

#[test]
fn rfc5730_section_2_9_1_2_logout() {
    assert_eq!(command("rfc5730-2.9.1.2-logout.xml").1, Command::Logout);
    let r = response("rfc5730-2.9.1.2-logout-response.xml");
    assert_eq!(r.code(), ResultCode::COMPLETED_ENDING_SESSION);
    assert!(r.code().closes_session());
}

#[test]
fn rfc5730_section_2_9_2_3_poll() {
    assert_eq!(command("rfc5730-2.9.2.3-poll-req.xml").1, Command::Poll(PollOp::Req));
    let (trid, cmd, _) = command("rfc5730-2.9.2.3-poll-ack.xml");
    assert_eq!(trid.as_deref(), Some("ABC-12346"));
    assert_eq!(cmd, Command::Poll(PollOp::Ack("12345".into())));

    let r = response("rfc5730-2.9.2.3-poll-response.xml");
    assert_eq!(r.code(), ResultCode::COMPLETED_ACK_TO_DEQUEUE);
    assert_eq!(
        r.msg_q,
        Some(MsgQ {
            count: 5,
            id: "12345".into(),
            q_date: Some("2000-06-08T22:00:00.0Z".into()),
            msg: Some("Transfer requested.".into()),
        })
    );
    let Some(ResData::Domain(DomainResData::Transfer(t))) = r.res_data else {
        panic!("{:?}", r.res_data)
    };
    assert_eq!(t.tr_status, TransferStatus::Pending);
    assert_eq!(t.re_id, "ClientX");
    assert_eq!(t.ex_date.as_deref(), Some("2002-09-08T22:00:00.0Z"));
}

#[test]
fn rfc5731_section_3_1_1_check() {
    assert_eq!(
        domain("rfc5731-3.1.1-check.xml"),
        DomainCommand::Check {
            names: vec!["example.com".into(), "example.net".into(), "example.org".into()]
        }
    );
    let r = response("rfc5731-3.1.1-check-response.xml");
    assert_eq!(r.cl_trid.as_deref(), Some("ABC-12345"));
    assert_eq!(r.sv_trid, "54322-XYZ");
    let Some(ResData::Domain(DomainResData::Check(cd))) = r.res_data else {
        panic!()
    };
    assert_eq!(cd.len(), 3);
    assert!(cd[0].available);
    assert!(!cd[1].available);
    assert_eq!(cd[1].reason.as_deref(), Some("In use"));
}

#[test]
fn rfc5731_section_3_1_2_info() {
    let DomainCommand::Info(i) = domain("rfc5731-3.1.2-info.xml") else {
        panic!()
    };
    assert_eq!(i.name, "example.com");
    assert_eq!(i.hosts, HostsFilter::All);
    assert_eq!(i.auth_info, Some(AuthInfo::password("2fooBAR")));

    let r = response("rfc5731-3.1.2-info-response.xml");
    let Some(ResData::Domain(DomainResData::Info(d))) = r.res_data else {
        panic!()
    };
    assert_eq!(d.roid, "EXAMPLE1-REP");
    assert_eq!(d.statuses, [ObjectStatus::new(Status::Ok)]);
    assert_eq!(d.registrant.as_deref(), Some("jd1234"));
    assert_eq!(d.contacts.len(), 2);
    assert_eq!(d.contacts[1].kind, ContactType::Tech);
    assert_eq!(d.ns, ["ns1.example.com", "ns1.example.net"]);
    assert_eq!(d.hosts, ["ns1.example.com", "ns2.example.com"]);
    assert_eq!(d.cl_id, "ClientX");
    assert_eq!(d.ex_date.as_deref(), Some("2005-04-03T22:00:00.0Z"));
    assert_eq!(d.auth_info, Some(AuthInfo::password("2fooBAR")));
}

#[test]
fn rfc5731_section_3_1_3_transfer_query() {
    let DomainCommand::Transfer(t) = domain("rfc5731-3.1.3-transfer-query.xml") else {
        panic!()
    };
    assert_eq!(t.op, TransferOp::Query);
    assert_eq!(
        t.auth_info,
        Some(AuthInfo {
            password: "2fooBAR".into(),
            roid: Some("JD1234-REP".into())
        })
    );
    let r = response("rfc5731-3.1.3-transfer-response.xml");
    assert!(matches!(r.res_data, Some(ResData::Domain(DomainResData::Transfer(_)))));
}

#[test]
fn rfc5731_section_3_2_1_create() {
    let DomainCommand::Create(c) = domain("rfc5731-3.2.1-create.xml") else {
        panic!()
    };
    assert_eq!(c.name, "example.com");
    assert_eq!(c.period, Some(Period::years(2)));
    assert_eq!(c.ns, ["ns1.example.net", "ns2.example.net"]);
    assert_eq!(c.registrant.as_deref(), Some("jd1234"));
    assert_eq!(
        c.contacts,
        [
            DomainContact {
                kind: ContactType::Admin,
                id: "sh8013".into()
            },
            DomainContact {
                kind: ContactType::Tech,
                id: "sh8013".into()
            }
        ]
    );
    assert_eq!(c.auth_info.password, "2fooBAR");
    let r = response("rfc5731-3.2.1-create-response.xml");
    assert_eq!(
        r.res_data,
        Some(ResData::Domain(DomainResData::Create {
            name: "example.com".into(),
            cr_date: "1999-04-03T22:00:00.0Z".into(),
            ex_date: Some("2001-04-03T22:00:00.0Z".into()),
        }))
    );
}

#[test]
fn rfc5731_section_3_2_2_delete() {
    assert_eq!(
        domain("rfc5731-3.2.2-delete.xml"),
        DomainCommand::Delete {
            name: "example.com".into()
        }
    );
}

#[test]
fn rfc5731_section_3_2_3_renew() {
    assert_eq!(
        domain("rfc5731-3.2.3-renew.xml"),
        DomainCommand::Renew(DomainRenew {
            name: "example.com".into(),
            cur_exp_date: "2000-04-03".into(),
            period: Some(Period::years(5)),
        })
    );
    let r = response("rfc5731-3.2.3-renew-response.xml");
    assert!(matches!(r.res_data, Some(ResData::Domain(DomainResData::Renew { .. }))));
}

#[test]
fn rfc5731_section_3_2_4_transfer_request() {
    let DomainCommand::Transfer(t) = domain("rfc5731-3.2.4-transfer-request.xml") else {
        panic!()
    };
    assert_eq!(t.op, TransferOp::Request);
    assert_eq!(t.period, Some(Period::years(1)));
}

#[test]
fn rfc5731_section_3_2_5_update() {
    let DomainCommand::Update(u) = domain("rfc5731-3.2.5-update.xml") else {
        panic!()
    };
    assert_eq!(u.add.ns, ["ns2.example.com"]);
    assert_eq!(u.add.contacts[0].id, "mak21");
    assert_eq!(
        u.add.statuses,
        [ObjectStatus {
            status: Status::ClientHold,
            lang: Some("en".into()),
            text: Some("Payment overdue.".into()),
        }]
    );
    assert_eq!(u.rem.ns, ["ns1.example.com"]);
    assert_eq!(u.rem.statuses, [ObjectStatus::new(Status::ClientUpdateProhibited)]);
    let chg = u.chg.expect("chg");
    assert_eq!(chg.registrant, Some(Some("sh8013".into())));
    assert_eq!(chg.auth_info, Some(Some(AuthInfo::password("2BARfoo"))));
}

#[test]
fn rfc5732_section_3_host_commands() {
    assert_eq!(
        host("rfc5732-3.1.1-check.xml"),
        HostCommand::Check {
            names: vec![
                "ns1.example.com".into(),
                "ns2.example.com".into(),
                "ns3.example.com".into()
            ]
        }
    );
    assert_eq!(
        host("rfc5732-3.1.2-info.xml"),
        HostCommand::Info {
            name: "ns1.example.com".into()
        }
    );
    assert_eq!(
        host("rfc5732-3.2.1-create.xml"),
        HostCommand::Create(HostCreate {
            name: "ns1.example.com".into(),
            addrs: vec![ip("192.0.2.2"), ip("192.0.2.29"), ip("1080:0:0:0:8:800:200C:417A")],
        })
    );
    assert_eq!(
        host("rfc5732-3.2.2-delete.xml"),
        HostCommand::Delete {
            name: "ns1.example.com".into()
        }
    );
    let HostCommand::Update(u) = host("rfc5732-3.2.5-update.xml") else {
        panic!()
    };
    assert_eq!(u.add.addrs, [ip("192.0.2.22")]);
    assert_eq!(u.add.statuses, [ObjectStatus::new(Status::ClientUpdateProhibited)]);
    assert_eq!(u.rem.addrs, [ip("1080::8:800:200c:417a")]);
    assert_eq!(u.new_name.as_deref(), Some("ns2.example.com"));
}

#[test]
fn rfc5732_section_3_1_2_info_response() {
    let r = response("rfc5732-3.1.2-info-response.xml");
    let Some(ResData::Host(HostResData::Info(h))) = r.res_data else {
        panic!()
    };
    assert_eq!(h.roid, "NS1_EXAMPLE1-REP");
    assert_eq!(h.statuses.len(), 2);
    assert_eq!(h.addrs.len(), 3);
    assert!(h.addrs[2].is_ipv6());
    assert_eq!(h.cl_id, "ClientY");
}

#[test]
fn rfc5733_section_3_contact_commands() {
    assert_eq!(
        contact("rfc5733-3.1.1-check.xml"),
        ContactCommand::Check {
            ids: vec!["sh8013".into(), "sah8013".into(), "8013sah".into()]
        }
    );
    assert_eq!(
        contact("rfc5733-3.1.2-info.xml"),
        ContactCommand::Info {
            id: "sh8013".into(),
            auth_info: Some(AuthInfo::password("2fooBAR"))
        }
    );
    assert!(matches!(
        contact("rfc5733-3.1.3-transfer-query.xml"),
        ContactCommand::Transfer {
            op: TransferOp::Query,
            ..
        }
    ));
    assert!(matches!(
        contact("rfc5733-3.2.4-transfer-request.xml"),
        ContactCommand::Transfer {
            op: TransferOp::Request,
            ..
        }
    ));
    assert_eq!(
        contact("rfc5733-3.2.2-delete.xml"),
        ContactCommand::Delete { id: "sh8013".into() }
    );
}

#[test]
fn rfc5733_section_3_2_1_create() {
    let ContactCommand::Create(c) = contact("rfc5733-3.2.1-create.xml") else {
        panic!()
    };
    assert_eq!(c.id, "sh8013");
    let pi = &c.postal_info[0];
    assert_eq!(pi.kind, PostalInfoType::Int);
    assert_eq!(pi.name, "John Doe");
    assert_eq!(pi.org.as_deref(), Some("Example Inc."));
    assert_eq!(pi.addr.street, ["123 Example Dr.", "Suite 100"]);
    assert_eq!(pi.addr.city, "Dulles");
    assert_eq!(pi.addr.sp.as_deref(), Some("VA"));
    assert_eq!(pi.addr.pc.as_deref(), Some("20166-6503"));
    assert_eq!(pi.addr.cc, "US");
    assert_eq!(
        c.voice,
        Some(Phone {
            number: "+1.7035555555".into(),
            ext: Some("1234".into())
        })
    );
    assert_eq!(c.fax.as_ref().map(|f| f.number.as_str()), Some("+1.7035555556"));
    assert_eq!(c.email, "jdoe@example.com");
    assert_eq!(
        c.disclose,
        Some(Disclose {
            flag: false,
            voice: true,
            email: true,
            ..Disclose::default()
        })
    );
    let r = response("rfc5733-3.2.1-create-response.xml");
    assert!(matches!(
        r.res_data,
        Some(ResData::Contact(ContactResData::Create { .. }))
    ));
}

#[test]
fn rfc5733_section_3_2_5_update() {
    let ContactCommand::Update(u) = contact("rfc5733-3.2.5-update.xml") else {
        panic!()
    };
    assert_eq!(u.add, [ObjectStatus::new(Status::ClientDeleteProhibited)]);
    let chg = u.chg.expect("chg");
    assert_eq!(chg.postal_info[0].org, Some(None), "empty org removes it");
    assert_eq!(
        chg.postal_info[0].addr.as_ref().map(|a| a.street.clone()),
        Some(vec!["124 Example Dr.".to_string(), "Suite 200".to_string()])
    );
    assert_eq!(
        chg.voice,
        Some(Some(Phone {
            number: "+1.7034444444".into(),
            ext: None
        }))
    );
    assert_eq!(chg.fax, Some(None), "empty fax removes it");
    assert!(chg.disclose.expect("disclose").flag);
}

#[test]
fn rfc5733_section_3_1_2_info_response() {
    let r = response("rfc5733-3.1.2-info-response.xml");
    let Some(ResData::Contact(ContactResData::Info(c))) = r.res_data else {
        panic!()
    };
    assert_eq!(c.roid, "SH8013-REP");
    assert_eq!(c.postal_info.len(), 1);
    assert_eq!(c.email, "jdoe@example.com");
    assert_eq!(c.cr_id.as_deref(), Some("ClientX"));
    assert!(c.disclose.is_some());
}

#[test]
fn rfc5910_section_5_1_2_info_response() {
    let r = response("rfc5910-5.1.2-info-response.xml");
    let ds = r.extension.sec_dns.expect("secDNS:infData");
    assert_eq!(
        ds.ds_data,
        [DsData {
            key_tag: 12345,
            alg: 3,
            digest_type: 1,
            digest: "49FD46E6C4B45C55D4AC".into(),
            key_data: None,
        }]
    );
}

#[test]
fn rfc5910_section_5_2_1_create() {
    let (_, cmd, ext) = command("rfc5910-5.2.1-create-ds.xml");
    assert!(matches!(cmd, Command::Domain(DomainCommand::Create(_))));
    let Some(SecDnsExtension::Create(d)) = ext.sec_dns else {
        panic!("{ext:?}")
    };
    assert_eq!(d.max_sig_life, Some(604_800));
    assert_eq!(d.ds_data[0].key_tag, 12345);

    let (_, _, ext) = command("rfc5910-5.2.1-create-ds-key.xml");
    let Some(SecDnsExtension::Create(d)) = ext.sec_dns else {
        panic!()
    };
    assert_eq!(
        d.ds_data[0].key_data,
        Some(KeyData {
            flags: 257,
            protocol: 3,
            alg: 1,
            pub_key: "AQPJ////4Q==".into()
        })
    );

    let (_, _, ext) = command("rfc5910-5.2.1-create-key.xml");
    let Some(SecDnsExtension::Create(d)) = ext.sec_dns else {
        panic!()
    };
    assert!(d.ds_data.is_empty());
    assert_eq!(d.key_data.len(), 1);
}

#[test]
fn rfc5910_section_5_2_5_update() {
    let (_, cmd, ext) = command("rfc5910-5.2.5-update-add-rem.xml");
    let Command::Domain(DomainCommand::Update(u)) = cmd else {
        panic!()
    };
    assert!(u.add.is_empty() && u.rem.is_empty() && u.chg.is_none());
    let Some(SecDnsExtension::Update(s)) = ext.sec_dns else {
        panic!()
    };
    assert!(!s.urgent);
    let Some(SecDnsRem::DsData(rem)) = &s.rem else { panic!() };
    assert_eq!(rem[0].digest, "38EC35D5B3A34B33C99B");
    assert_eq!(s.add.as_ref().map(|a| a.ds_data[0].key_tag), Some(12346));
    assert_eq!(s.chg_max_sig_life, Some(605_900));

    let (_, _, ext) = command("rfc5910-5.2.5-update-rem-all.xml");
    let Some(SecDnsExtension::Update(s)) = ext.sec_dns else {
        panic!()
    };
    assert_eq!(s.rem, Some(SecDnsRem::All));

    let (_, _, ext) = command("rfc5910-5.2.5-update-urgent.xml");
    let Some(SecDnsExtension::Update(s)) = ext.sec_dns else {
        panic!()
    };
    assert!(s.urgent);
}

#[test]
fn rfc3915_section_4_2_5_restore() {
    let (_, cmd, ext) = command("rfc3915-4.2.5-restore-request.xml");
    let Command::Domain(DomainCommand::Update(u)) = cmd else {
        panic!()
    };
    assert_eq!(u.chg, Some(DomainChg::default()));
    assert_eq!(ext.rgp, Some(RgpUpdate::RestoreRequest));

    let (_, _, ext) = command("rfc3915-4.2.5-report-request.xml");
    let Some(RgpUpdate::RestoreReport(report)) = ext.rgp else {
        panic!("{:?}", ext.rgp)
    };
    assert_eq!(
        report.pre_data,
        "Pre-delete registration data goes here. Both XML and free text are allowed."
    );
    assert_eq!(report.del_time, "2003-07-10T22:00:00.0Z");
    assert_eq!(report.res_time, "2003-07-20T22:00:00.0Z");
    assert_eq!(report.res_reason, "Registrant error.");
    assert_eq!(report.statements.len(), 2);
    assert!(report.statements[1].starts_with("The information in this report is true"));
    assert_eq!(report.other.as_deref(), Some("Supporting information goes here."));

    let r = response("rfc3915-4.2.5-restore-response.xml");
    assert_eq!(
        r.extension.rgp,
        Some(RgpResponse::Update(vec![RgpStatus::PendingRestore]))
    );
    let r = response("rfc3915-4.1.2-info-response.xml");
    assert_eq!(
        r.extension.rgp,
        Some(RgpResponse::Info(vec![RgpStatus::RedemptionPeriod]))
    );
}

#[test]
fn prefixes_are_the_clients_choice() {
    // The same create as RFC 5731 §3.2.1 with other prefixes: EPP under `e:`, the domain
    // mapping as the default namespace.
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<e:epp xmlns:e="urn:ietf:params:xml:ns:epp-1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <e:command>
    <e:create>
      <create xmlns="urn:ietf:params:xml:ns:domain-1.0" xsi:schemaLocation="x y">
        <name>example.com</name>
        <period unit="y">2</period>
        <ns><hostObj>ns1.example.net</hostObj><hostObj>ns2.example.net</hostObj></ns>
        <registrant>jd1234</registrant>
        <contact type="admin">sh8013</contact>
        <contact type="tech">sh8013</contact>
        <authInfo><pw>2fooBAR</pw></authInfo>
      </create>
    </e:create>
    <e:clTRID>ABC-12345</e:clTRID>
  </e:command>
</e:epp>"#;
    let frame = Frame::parse(doc.as_bytes()).expect("parses");
    assert_eq!(
        frame,
        Frame::parse(&fixture("rfc5731-3.2.1-create.xml")).expect("fixture")
    );
}

fn code_of(doc: &str) -> (ResultCode, Option<String>) {
    let err = Frame::parse(doc.as_bytes()).expect_err(doc);
    assert!(!err.message.is_empty());
    (err.code, err.cl_trid)
}

fn wrap(command: &str) -> String {
    format!(r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command>{command}<clTRID>ABC-1</clTRID></command></epp>"#)
}

const D: &str = r#"xmlns:domain="urn:ietf:params:xml:ns:domain-1.0""#;

#[test]
fn rfc5730_section_3_result_codes_for_bad_frames() {
    let trid = Some("ABC-1".to_string());
    // Not XML, or not EPP: 2001, no transaction ID to be had.
    assert_eq!(code_of("<epp"), (ResultCode::COMMAND_SYNTAX_ERROR, None));
    assert_eq!(code_of("<foo/>"), (ResultCode::COMMAND_SYNTAX_ERROR, None));
    assert_eq!(
        code_of(r#"<epp xmlns="urn:other"><hello/></epp>"#),
        (ResultCode::COMMAND_SYNTAX_ERROR, None)
    );
    // An element EPP does not define under <command>: 2000, with the clTRID.
    assert_eq!(
        code_of(&wrap("<frobnicate/>")),
        (ResultCode::UNKNOWN_COMMAND, trid.clone())
    );
    // An object nobody implements: 2307.
    assert_eq!(
        code_of(&wrap(r#"<info><x:info xmlns:x="urn:example:obj"/></info>"#)),
        (ResultCode::UNIMPLEMENTED_OBJECT_SERVICE, trid.clone())
    );
    // An extension nobody implements: 2103.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<delete><domain:delete {D}><domain:name>a.test</domain:name></domain:delete></delete><extension><x:y xmlns:x="urn:example:ext"/></extension>"#
        ))),
        (ResultCode::UNIMPLEMENTED_EXTENSION, trid.clone())
    );
    // A required element missing: 2003.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<create><domain:create {D}><domain:name>a.test</domain:name></domain:create></create>"#
        ))),
        (ResultCode::REQUIRED_PARAMETER_MISSING, trid.clone())
    );
    assert_eq!(
        code_of(&wrap(r#"<poll op="ack"/>"#)),
        (ResultCode::REQUIRED_PARAMETER_MISSING, trid.clone())
    );
    // Bad values: 2005.
    for bad in [
        format!(
            r#"<renew><domain:renew {D}><domain:name>a.test</domain:name><domain:curExpDate>2000-13-01</domain:curExpDate></domain:renew></renew>"#
        ),
        format!(
            r#"<check><domain:check {D}><domain:name>a b.test</domain:name></domain:check></check>"#
        ),
        r#"<create><host:create xmlns:host="urn:ietf:params:xml:ns:host-1.0"><host:name>ns.a.test</host:name><host:addr ip="v6">192.0.2.1</host:addr></host:create></create>"#.to_string(),
        format!(
            r#"<update><domain:update {D}><domain:name>a.test</domain:name><domain:add><domain:status s="bogus"/></domain:add></domain:update></update>"#
        ),
        r#"<transfer op="steal"><domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.test</domain:name></domain:transfer></transfer>"#.to_string(),
    ] {
        assert_eq!(
            code_of(&wrap(&bad)),
            (ResultCode::PARAMETER_VALUE_SYNTAX_ERROR, trid.clone()),
            "{bad}"
        );
    }
    // Options this server does not implement: 2102.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<create><domain:create {D}><domain:name>a.test</domain:name><domain:ns><domain:hostAttr><domain:hostName>ns.a.test</domain:hostName></domain:hostAttr></domain:ns><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>"#
        ))),
        (ResultCode::UNIMPLEMENTED_OPTION, trid.clone())
    );
    // The restore report is implemented now (RFC 3915 §4.2.5): one without its
    // <rgp:report> lacks a required element, 2003.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<update><domain:update {D}><domain:name>a.test</domain:name></domain:update></update><extension><rgp:update xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"><rgp:restore op="report"/></rgp:update></extension>"#
        ))),
        (ResultCode::REQUIRED_PARAMETER_MISSING, trid.clone())
    );
    // An extension on the wrong command: 2002.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<delete><domain:delete {D}><domain:name>a.test</domain:name></domain:delete></delete><extension><rgp:update xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"><rgp:restore op="request"/></rgp:update></extension>"#
        ))),
        (ResultCode::COMMAND_USE_ERROR, trid.clone())
    );
    // Host objects have no renew: 2001 (a schema would refuse it).
    assert_eq!(
        code_of(&wrap(
            r#"<renew><host:renew xmlns:host="urn:ietf:params:xml:ns:host-1.0"><host:name>ns.a.test</host:name></host:renew></renew>"#
        )),
        (ResultCode::COMMAND_SYNTAX_ERROR, trid.clone())
    );
    // An update that changes nothing: 2003.
    assert_eq!(
        code_of(&wrap(&format!(
            r#"<update><domain:update {D}><domain:name>a.test</domain:name></domain:update></update>"#
        ))),
        (ResultCode::REQUIRED_PARAMETER_MISSING, trid)
    );
}

fn sample_responses() -> Vec<Response> {
    let status = ObjectStatus {
        status: Status::ClientHold,
        lang: Some("en".into()),
        text: Some("Payment <overdue> & \"late\"".into()),
    };
    let mut error = Response::new(ResultCode::PARAMETER_VALUE_POLICY_ERROR);
    error.results[0].msg = "Name <reserved> & blocked".into();
    error.results[0].values.push(ResultValue {
        ns: DOMAIN_NS.into(),
        name: "name".into(),
        text: "nic.test".into(),
    });
    error.results[0].ext_values.push(ExtValue {
        value: ResultValue {
            ns: EPP_NS.into(),
            name: "clTRID".into(),
            text: "x".into(),
        },
        reason: "too short".into(),
    });
    error.cl_trid = Some("ABC-1".into());
    error.sv_trid = "SV-1".into();
    let with_trid = |mut r: Response| {
        r.cl_trid = Some("ABC-2".into());
        r.sv_trid = "SV-2".into();
        r
    };
    vec![
        error,
        with_trid(Response::new(ResultCode::COMPLETED_NO_MESSAGES)),
        with_trid(
            Response::success().with_res_data(ResData::Domain(DomainResData::Info(Box::new(DomainInfData {
                name: "example.test".into(),
                roid: "D1-TEST".into(),
                statuses: vec![status.clone()],
                ns: vec!["ns1.example.test".into()],
                hosts: vec!["ns1.example.test".into()],
                cl_id: "registrar1".into(),
                auth_info: Some(AuthInfo::password("p<&>w")),
                ..DomainInfData::default()
            })))),
        ),
        with_trid(
            Response::success()
                .with_res_data(ResData::Host(HostResData::Check(vec![CheckResult {
                    name: "ns1.example.test".into(),
                    available: false,
                    reason: Some("In use".into()),
                }])))
                .with_extension(ResponseExtensions {
                    sec_dns: Some(SecDnsData {
                        max_sig_life: Some(86400),
                        ds_data: vec![DsData {
                            key_tag: 1,
                            alg: 13,
                            digest_type: 2,
                            digest: "AB".into(),
                            key_data: Some(KeyData {
                                flags: 257,
                                protocol: 3,
                                alg: 13,
                                pub_key: "AAAA".into(),
                            }),
                        }],
                        key_data: vec![],
                    }),
                    rgp: Some(RgpResponse::Info(vec![RgpStatus::AddPeriod])),
                }),
        ),
        with_trid(
            Response::new(ResultCode::COMPLETED_ACK_TO_DEQUEUE)
                .with_msg_q(MsgQ {
                    count: 1,
                    id: "7".into(),
                    q_date: Some("2024-01-01T00:00:00.0Z".into()),
                    msg: Some("Pending action completed.".into()),
                })
                .with_res_data(ResData::Contact(ContactResData::PendingAction(PendingActionData {
                    name: "sh8013".into(),
                    pa_result: true,
                    pa_cl_trid: Some("ABC-12345".into()),
                    pa_sv_trid: "54321-XYZ".into(),
                    pa_date: "1999-04-04T22:00:00.0Z".into(),
                }))),
        ),
        with_trid(
            Response::success().with_res_data(ResData::Host(HostResData::Info(Box::new(HostInfData {
                name: "ns1.example.test".into(),
                roid: "H1-TEST".into(),
                statuses: vec![ObjectStatus::new(Status::Linked)],
                addrs: vec![ip("192.0.2.1"), ip("2001:db8::1")],
                cl_id: "registrar1".into(),
                ..HostInfData::default()
            })))),
        ),
        with_trid(
            Response::new(ResultCode::COMPLETED_ACTION_PENDING).with_res_data(ResData::Contact(
                ContactResData::Transfer(TransferData {
                    name: "sh8013".into(),
                    tr_status: TransferStatus::Pending,
                    re_id: "ClientX".into(),
                    re_date: "2000-06-08T22:00:00.0Z".into(),
                    ac_id: "ClientY".into(),
                    ac_date: "2000-06-13T22:00:00.0Z".into(),
                    ex_date: None,
                }),
            )),
        ),
    ]
}

#[test]
fn responses_round_trip_and_escape() {
    for r in sample_responses() {
        let xml = r.to_xml();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
        for required in [
            "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">",
            "<response>",
            "<result code=",
            "<msg>",
            "<trID>",
            "<svTRID>",
        ] {
            assert!(xml.contains(required), "{required} missing in {xml}");
        }
        let back = Response::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(back, r, "{xml}");
    }
    let xml = sample_responses()[0].to_xml();
    assert!(xml.contains("Name &lt;reserved&gt; &amp; blocked"));
    assert!(xml.contains(
        "<value><domain:name xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">nic.test</domain:name></value>"
    ));
}

#[test]
fn errors_become_responses_with_the_clients_trid() {
    let err = Frame::parse(wrap("<frobnicate/>").as_bytes()).expect_err("unknown");
    let mut r = Response::from_error(&err);
    r.sv_trid = "SV-9".into();
    let back = Response::parse(r.to_xml().as_bytes()).expect("parses");
    assert_eq!(back.code(), ResultCode::UNKNOWN_COMMAND);
    assert_eq!(back.cl_trid.as_deref(), Some("ABC-1"));
    assert_eq!(back.sv_trid, "SV-9");
}

#[test]
fn commands_written_by_hand_round_trip() {
    let frames = vec![
        Frame::Command {
            cl_trid: Some("T-1".into()),
            command: Command::Login(Box::new(Login::new("registrar1", "secret-pw"))),
            extensions: CommandExtensions::default(),
        },
        Frame::Command {
            cl_trid: None,
            command: Command::Domain(DomainCommand::Update(DomainUpdate {
                name: "example.test".into(),
                add: DomainAddRem::default(),
                rem: DomainAddRem {
                    statuses: vec![ObjectStatus::new(Status::ClientHold)],
                    ..DomainAddRem::default()
                },
                chg: Some(DomainChg {
                    registrant: Some(None),
                    auth_info: Some(None),
                }),
            })),
            extensions: CommandExtensions {
                sec_dns: Some(SecDnsExtension::Update(SecDnsUpdate {
                    urgent: true,
                    rem: Some(SecDnsRem::All),
                    add: None,
                    chg_max_sig_life: None,
                })),
                rgp: Some(RgpUpdate::RestoreRequest),
            },
        },
        Frame::Command {
            cl_trid: Some("T-3".into()),
            command: Command::Domain(DomainCommand::Info(DomainInfo {
                name: "example.test".into(),
                hosts: HostsFilter::None,
                auth_info: None,
            })),
            extensions: CommandExtensions::default(),
        },
        Frame::Command {
            cl_trid: Some("T-4".into()),
            command: Command::Contact(ContactCommand::Update(Box::new(ContactUpdate {
                id: "c-1&<2>".into(),
                add: vec![],
                rem: vec![ObjectStatus::new(Status::ClientTransferProhibited)],
                chg: Some(ContactChg {
                    postal_info: vec![PostalInfoChg {
                        kind: PostalInfoType::Loc,
                        name: Some("Zoë \"Z\" <Ü>".into()),
                        org: Some(Some("Org & Co".into())),
                        addr: None,
                    }],
                    voice: Some(None),
                    fax: None,
                    email: Some("z@example.test".into()),
                    auth_info: None,
                    disclose: Some(Disclose {
                        flag: false,
                        name: vec![PostalInfoType::Int, PostalInfoType::Loc],
                        addr: vec![PostalInfoType::Loc],
                        ..Disclose::default()
                    }),
                }),
            }))),
            extensions: CommandExtensions::default(),
        },
    ];
    for f in frames {
        let xml = f.to_xml();
        assert_eq!(Frame::parse(xml.as_bytes()).as_ref(), Ok(&f), "{xml}");
    }
}

fn is_server_frame(name: &str) -> bool {
    name.contains("response") || name.contains("greeting")
}

/// Parses `bytes` with the parser for the fixture's side; true when it parsed.
fn parses(name: &str, bytes: &[u8]) -> bool {
    if is_server_frame(name) {
        ServerMessage::parse(bytes).is_ok()
    } else {
        Frame::parse(bytes).is_ok()
    }
}

#[test]
fn every_prefix_of_every_fixture_is_handled_without_panic() {
    for (name, bytes) in all_fixtures() {
        assert!(parses(&name, &bytes), "{name}");
        for end in 0..bytes.len() {
            // An error or a frame, never a panic; a prefix that ends inside the root
            // element is never a frame.
            let ok = parses(&name, &bytes[..end]);
            if end + 10 < bytes.len() {
                assert!(!ok, "{name}[..{end}] parsed");
            }
        }
    }
}

#[test]
fn fixtures_with_bytes_flipped_are_handled_without_panic() {
    let specials = [b'<', b'>', b'&', b'"', 0xff];
    for (name, bytes) in all_fixtures() {
        for i in (0..bytes.len()).step_by(11) {
            for s in specials {
                let mut m = bytes.clone();
                m[i] = s;
                let _ = parses(&name, &m);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Frame::parse(&bytes);
        let _ = ServerMessage::parse(&bytes);
    }

    #[test]
    fn splices_of_fixtures_never_panic(a in 0usize..64, b in 0usize..64, cut_a in 0usize..4096, cut_b in 0usize..4096) {
        let fx = all_fixtures();
        let (x, y) = (&fx[a % fx.len()].1, &fx[b % fx.len()].1);
        let mut doc = x[..cut_a % x.len()].to_vec();
        doc.extend_from_slice(&y[cut_b % y.len()..]);
        let _ = Frame::parse(&doc);
        let _ = ServerMessage::parse(&doc);
    }

    #[test]
    fn text_survives_escaping(text in "\\PC{1,40}") {
        let mut r = Response::success();
        r.results[0].msg = text.clone();
        r.sv_trid = "SV".into();
        let back = Response::parse(r.to_xml().as_bytes()).expect("parses");
        // Leading and trailing XML white space is not significant in EPP tokens.
        prop_assert_eq!(back.message(), text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')));
    }
}

/// A restore report around `inner` (the content of `<rgp:report>`).
fn report_frame(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><update>
<domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.test</domain:name><domain:chg/></domain:update>
</update><extension><rgp:update xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"><rgp:restore op="report"><rgp:report>{inner}</rgp:report></rgp:restore></rgp:update></extension></command></epp>"#
    )
}

const REPORT_TAIL: &str =
    "<rgp:delTime>2024-01-10T22:00:00Z</rgp:delTime><rgp:resTime>2024-01-20T22:00:00Z</rgp:resTime>\
<rgp:resReason>Registrant error.</rgp:resReason>";

#[test]
fn rfc3915_section_4_2_5_report_contents() {
    // preData may hold XML: kept as XML text, and written back it parses to the same.
    let xml = report_frame(&format!(
        "<rgp:preData><rgp:other>name &amp; data</rgp:other></rgp:preData><rgp:postData>now</rgp:postData>{REPORT_TAIL}\
         <rgp:statement>one</rgp:statement>"
    ));
    let frame = Frame::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let Frame::Command { extensions, .. } = &frame else {
        panic!("{frame:?}")
    };
    let Some(RgpUpdate::RestoreReport(r)) = &extensions.rgp else {
        panic!("{extensions:?}")
    };
    assert_eq!(r.pre_data, "<rgp:other>name &amp; data</rgp:other>");
    assert_eq!(r.statements, vec!["one".to_string()]);
    assert_eq!(r.other, None);
    assert_eq!(Frame::parse(frame.to_xml().as_bytes()).ok(), Some(frame.clone()));

    let code = |inner: &str| match Frame::parse(report_frame(inner).as_bytes()) {
        Ok(f) => panic!("parsed: {f:?}"),
        Err(e) => e.code.0,
    };
    // No statement: 2003; three: 2001; a delTime that is no dateTime: 2005.
    assert_eq!(
        code(&format!(
            "<rgp:preData>a</rgp:preData><rgp:postData>b</rgp:postData>{REPORT_TAIL}"
        )),
        2003
    );
    let three = "<rgp:statement>1</rgp:statement>".repeat(3);
    assert_eq!(
        code(&format!(
            "<rgp:preData>a</rgp:preData><rgp:postData>b</rgp:postData>{REPORT_TAIL}{three}"
        )),
        2001
    );
    let bad_time = REPORT_TAIL.replace("2024-01-10T22:00:00Z", "yesterday");
    assert_eq!(
        code(&format!(
            "<rgp:preData>a</rgp:preData><rgp:postData>b</rgp:postData>{bad_time}<rgp:statement>1</rgp:statement>"
        )),
        2005
    );
    // A report without <rgp:report>: 2003.
    let bare = report_frame("").replace("<rgp:report></rgp:report>", "");
    assert_eq!(Frame::parse(bare.as_bytes()).err().map(|e| e.code.0), Some(2003));
}
