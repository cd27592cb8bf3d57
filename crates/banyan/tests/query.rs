//! End-to-end tests of `banyan query` against a fake server on loopback. Every test names
//! its server with `@` so that nothing is ever sent to the machine's configured resolver.

mod fake_server;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use banyan_wire::edns::Edns;
use banyan_wire::{Header, Rcode};
use fake_server::{records, reply, FakeServer, Reply, Via};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn banyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args(args)
        .output()
        .expect("run banyan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A server that answers www.example.test A with two addresses, NS authority and glue.
fn example_server(ip: IpAddr) -> std::io::Result<FakeServer> {
    FakeServer::start(ip, |q, _| {
        vec![reply(
            q,
            &Reply {
                answers: records(&[
                    "www.example.test. 300 IN A 192.0.2.1",
                    "www.example.test. 300 IN A 192.0.2.2",
                ]),
                authority: records(&["example.test. 3600 IN NS ns1.example.test."]),
                additional: records(&["ns1.example.test. 3600 IN A 192.0.2.53"]),
                header: Header {
                    aa: true,
                    ..Header::default()
                },
                edns: Some(Edns::default()),
                ..Reply::default()
            },
        )]
    })
}

fn at(server: &FakeServer) -> String {
    format!("@{}", server.addr.ip())
}

fn port(server: &FakeServer) -> String {
    server.addr.port().to_string()
}

#[test]
fn answer_in_dig_layout() {
    let s = example_server(LOCALHOST).unwrap();
    let o = banyan(&["query", &at(&s), "-p", &port(&s), "www.example.test", "A"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for expected in [
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ",
        ";; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 1, ADDITIONAL: 2\n",
        ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n",
        ";; QUESTION SECTION:\n;www.example.test.\t\tIN\tA\n",
        ";; ANSWER SECTION:\nwww.example.test.\t300\tIN\tA\t192.0.2.1\nwww.example.test.\t300\tIN\tA\t192.0.2.2\n",
        ";; AUTHORITY SECTION:\nexample.test.\t3600\tIN\tNS\tns1.example.test.\n",
        ";; ADDITIONAL SECTION:\nns1.example.test.\t3600\tIN\tA\t192.0.2.53\n",
        ";; Query time: ",
        &format!(";; SERVER: 127.0.0.1#{}(UDP)\n", s.addr.port()),
        ";; MSG SIZE  rcvd: ",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // The query: one UDP datagram, RD set, EDNS with 1232 octets and DO clear, and the ID
    // printed is the one sent.
    let queries = s.queries();
    assert_eq!(queries.len(), 1);
    let (via, header, edns) = &queries[0];
    assert_eq!(*via, Via::Udp);
    assert!(header.rd && !header.qr);
    let edns = edns.as_ref().expect("EDNS sent");
    assert_eq!((edns.udp_payload_size, edns.dnssec_ok), (1232, false));
    assert!(out.contains(&format!("id: {}\n", header.id)));
}

#[test]
fn short_prints_only_rdata() {
    let s = example_server(LOCALHOST).unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "www.example.test", "+short"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "192.0.2.1\n192.0.2.2\n");
}

#[test]
fn noall_answer_prints_only_answer_records() {
    let s = example_server(LOCALHOST).unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "www.example.test", "A", "+noall", "+answer"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "www.example.test.\t300\tIN\tA\t192.0.2.1\nwww.example.test.\t300\tIN\tA\t192.0.2.2\n"
    );
}

#[test]
fn json_is_rfc8427_style() {
    let s = example_server(LOCALHOST).unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "www.example.test", "+json", "+dnssec"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["QR"], 1);
    assert_eq!(v["AA"], 1);
    assert_eq!(v["RCODE"], 0);
    assert_eq!(v["ANCOUNT"], 2);
    assert_eq!(v["QNAME"], "www.example.test.");
    assert_eq!(v["QTYPEname"], "A");
    assert_eq!(v["QCLASS"], 1);
    let answers = v["answerRRs"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["NAME"], "www.example.test.");
    assert_eq!(answers[0]["TYPE"], 1);
    assert_eq!(answers[0]["TTL"], 300);
    assert_eq!(answers[0]["rdataA"], "192.0.2.1");
    assert_eq!(v["authorityRRs"][0]["rdataNS"], "ns1.example.test.");
    assert_eq!(v["ID"], s.queries()[0].1.id);
    // +dnssec set DO.
    assert!(s.queries()[0].2.as_ref().unwrap().dnssec_ok);
}

#[test]
fn truncated_udp_answer_is_retried_over_tcp() {
    let many: Vec<String> = (1..=40)
        .map(|i| format!("big.example.test. 60 IN A 10.0.0.{i}"))
        .collect();
    let s = FakeServer::start(LOCALHOST, move |q, via| {
        let lines: Vec<&str> = many.iter().map(String::as_str).collect();
        let r = match via {
            Via::Udp => Reply {
                header: Header {
                    tc: true,
                    ..Header::default()
                },
                edns: Some(Edns::default()),
                ..Reply::default()
            },
            Via::Tcp => Reply {
                answers: records(&lines),
                edns: Some(Edns::default()),
                ..Reply::default()
            },
        };
        vec![reply(q, &r)]
    })
    .unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "big.example.test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains(";; Truncated, retrying in TCP mode."), "{out}");
    assert!(out.contains(&format!("#{}(TCP)", s.addr.port())), "{out}");
    assert!(out.contains("ANSWER: 40,"), "{out}");
    for i in 1..=40 {
        assert!(
            out.contains(&format!("big.example.test.\t60\tIN\tA\t10.0.0.{i}\n")),
            "{out}"
        );
    }
    let vias: Vec<Via> = s.queries().iter().map(|q| q.0).collect();
    assert_eq!(vias, [Via::Udp, Via::Tcp]);
}

#[test]
fn tcp_option_goes_straight_to_tcp() {
    let s = example_server(LOCALHOST).unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "www.example.test", "+tcp", "+short"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "192.0.2.1\n192.0.2.2\n");
    let vias: Vec<Via> = s.queries().iter().map(|q| q.0).collect();
    assert_eq!(vias, [Via::Tcp]);
}

#[test]
fn silent_server_gives_exit_1_quickly() {
    let s = FakeServer::start(LOCALHOST, |_, _| Vec::new()).unwrap();
    let server = format!("@{}", s.addr);
    let start = Instant::now();
    let o = banyan(&["query", &server, "www.example.test", "+timeout=1", "+tries=1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The options were obeyed: the default (5 s, 3 tries) would take 15 s; the margin is for
    // a loaded machine starting a debug build.
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(stderr(&o).contains("no reply"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn bad_usage_gives_exit_2_with_the_reason() {
    for (args, reason) in [
        (vec!["query", "@127.0.0.1"], "missing NAME"),
        (
            vec!["query", "@127.0.0.1", "x.test", "+frobnicate"],
            "unknown option \"+frobnicate\"",
        ),
        (vec!["query", "@[::1", "x.test"], "bad server"),
        (vec!["query", "@127.0.0.1", "-p", "0", "x.test"], "bad port"),
        (vec!["query", "@127.0.0.1", "x.test", "+timeout=soon"], "+timeout"),
        (vec!["query", "@127.0.0.1", "a..b"], "bad NAME"),
        (
            vec!["query", "@127.0.0.1", "x.test", "A", "IN", "y.test"],
            "unexpected argument",
        ),
    ] {
        let o = banyan(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(reason), "{args:?}: {}", stderr(&o));
    }
    // Clap's own usage errors use the same code.
    assert_eq!(banyan(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn reply_with_wrong_id_is_ignored() {
    let s = FakeServer::start(LOCALHOST, |q, _| {
        let forged = Reply {
            id: Some(q.id().wrapping_add(1)),
            answers: records(&["www.example.test. 300 IN A 192.0.2.66"]),
            ..Reply::default()
        };
        let genuine = Reply {
            answers: records(&["www.example.test. 300 IN A 192.0.2.1"]),
            ..Reply::default()
        };
        vec![reply(q, &forged), reply(q, &genuine)]
    })
    .unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "www.example.test", "+short", "+tries=1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "192.0.2.1\n");
    assert!(stderr(&o).contains("ID mismatch"), "{}", stderr(&o));
}

#[test]
fn rcode_is_shown_and_still_exit_0() {
    let s = FakeServer::start(LOCALHOST, |q, _| {
        let r = Reply {
            header: Header {
                rcode: Rcode::NXDOMAIN.0 as u8,
                aa: true,
                ..Header::default()
            },
            authority: records(&[
                "example.test. 300 IN SOA ns1.example.test. admin.example.test. 1 7200 3600 1209600 300",
            ]),
            ..Reply::default()
        };
        vec![reply(q, &r)]
    })
    .unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "nope.example.test", "+norec"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("status: NXDOMAIN"), "{out}");
    assert!(
        out.contains(";; AUTHORITY SECTION:\nexample.test.\t300\tIN\tSOA\t"),
        "{out}"
    );
    assert!(!s.queries()[0].1.rd, "+norec clears RD");
}

#[test]
fn unicode_name_is_sent_as_a_labels() {
    let s = FakeServer::start(LOCALHOST, |q, _| vec![reply(q, &Reply::default())]).unwrap();
    let server = format!("@{}", s.addr);
    let o = banyan(&["query", &server, "bücher.example", "AAAA", "+noall", "+question"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), ";xn--bcher-kva.example.\t\tIN\tAAAA\n");
}

#[test]
fn ipv6_loopback_server() {
    let s = match example_server(IpAddr::V6(Ipv6Addr::LOCALHOST)) {
        Ok(s) => s,
        Err(e) => {
            println!("note: skipping the IPv6 test, cannot bind [::1]: {e}");
            return;
        }
    };
    let o = banyan(&["query", "@::1", "-p", &port(&s), "www.example.test", "+short"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "192.0.2.1\n192.0.2.2\n");
    let bracketed = format!("@[::1]:{}", s.addr.port());
    let o = banyan(&["query", &bracketed, "www.example.test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!(";; SERVER: ::1#{}(UDP)", s.addr.port())));
}

#[test]
fn normalize_sorts_and_reports_bad_lines() {
    use std::io::Write;
    use std::process::Stdio;
    let run = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .arg("normalize")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run(";; comment\nB.test. 60 IN A 192.0.2.2\n\na.test. 60 IN A 192.0.2.1\nb.test. 60 IN A 192.0.2.2\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "a.test.\t60\tIN\tA\t192.0.2.1\nb.test.\t60\tIN\tA\t192.0.2.2\n"
    );
    let o = run("a.test. 60 IN A 192.0.2.1\nthis is not a record\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    // Hidden from --help.
    let help = stdout(&banyan(&["--help"]));
    assert!(help.contains("query") && !help.contains("normalize"), "{help}");
}
