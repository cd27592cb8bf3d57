//! The WHOIS service over TCP (RFC 3912): one query line, the answer, the connection closed.

#[macro_use]
mod common;
mod publishing;

use std::time::Duration;

use banyan_registry::time::DAY;
use banyan_registry::whois;
use common::*;
use publishing::*;

on_each_backend!(
    rfc3912_domain_answers,
    rfc3912_nameserver_and_unknown_answers,
    rfc3912_bad_query_lines,
    rfc3912_delegation_check_findings_as_lines,
);

/// The answer's lines, CR LF ends checked (RFC 3912 §2).
fn lines(answer: &str) -> Vec<&str> {
    assert!(answer.ends_with("\r\n"), "{answer:?}");
    assert!(!answer.replace("\r\n", "").contains('\n'), "bare LF in {answer:?}");
    answer.split("\r\n").collect()
}

fn has(answer: &str, line: &str) {
    assert!(lines(answer).contains(&line), "no line {line:?} in:\n{answer}");
}

fn lacks(answer: &str, text: &str) {
    assert!(!answer.contains(text), "{text:?} in:\n{answer}");
}

const FOOTER: &str = ">>> Last update of WHOIS database: 2024-01-21T00:00:00Z <<<";

async fn rfc3912_domain_answers(db: Db) {
    let env = world(db).await;
    let example = ok(env.reg.lookup_domain(&n("example.test."), NOW).await)
        .unwrap_or_else(|| panic!("example.test is registered"));
    let server = start_whois(env.reg.clone(), whois_config()).await;

    let answer = whois(server.addr, b"example.test\r\n").await;
    let expected_head = format!(
        "Domain Name: EXAMPLE.TEST\r\n\
         Registry Domain ID: {}\r\n\
         Registrar WHOIS Server: whois.nic.test\r\n\
         Registrar URL: \r\n\
         Updated Date: 2024-01-02T00:00:00Z\r\n\
         Creation Date: 2024-01-01T00:00:00Z\r\n\
         Registry Expiry Date: 2025-01-01T00:00:00Z\r\n\
         Registrar: Registrar A\r\n\
         Registrar IANA ID: rar-a\r\n\
         Domain Status: ok https://icann.org/epp#ok\r\n\
         Registry Registrant ID: jd-1\r\n\
         Registrant Name: REDACTED FOR PRIVACY\r\n\
         Registrant Organization: REDACTED FOR PRIVACY\r\n\
         Registrant Street: REDACTED FOR PRIVACY\r\n\
         Registrant City: REDACTED FOR PRIVACY\r\n\
         Registrant State/Province: REDACTED FOR PRIVACY\r\n\
         Registrant Postal Code: REDACTED FOR PRIVACY\r\n\
         Registrant Country: REDACTED FOR PRIVACY\r\n\
         Registrant Phone: REDACTED FOR PRIVACY\r\n\
         Registrant Fax: REDACTED FOR PRIVACY\r\n\
         Registrant Email: REDACTED FOR PRIVACY\r\n\
         Registry Admin ID: pub-1\r\n\
         Admin Name: Jane Doe\r\n\
         Admin Organization: Example Inc.\r\n\
         Admin Street: REDACTED FOR PRIVACY\r\n\
         Admin City: REDACTED FOR PRIVACY\r\n\
         Admin State/Province: REDACTED FOR PRIVACY\r\n\
         Admin Postal Code: REDACTED FOR PRIVACY\r\n\
         Admin Country: REDACTED FOR PRIVACY\r\n\
         Admin Phone: REDACTED FOR PRIVACY\r\n\
         Admin Fax: REDACTED FOR PRIVACY\r\n\
         Admin Email: jdoe@example.test\r\n\
         Registry Tech ID: pub-1\r\n",
        example.roid
    );
    assert!(
        answer.starts_with(&expected_head),
        "got:\n{answer}\nwanted:\n{expected_head}"
    );
    has(&answer, "Tech Name: Jane Doe");
    has(&answer, "Tech Email: jdoe@example.test");
    has(&answer, "Name Server: NS1.EXAMPLE.TEST");
    has(&answer, "Name Server: NS.EXTERNAL.NET");
    has(&answer, "DNSSEC: signedDelegation");
    has(&answer, FOOTER);
    lacks(&answer, "Dulles");
    lacks(&answer, "+1.7035555555");
    lacks(&answer, "2fooBAR");

    // "domain NAME", any case, a bare LF, the `=` flag.
    for q in [
        &b"domain EXAMPLE.test\r\n"[..],
        b"example.test.\n",
        b"=example.test\r\n",
    ] {
        let again = whois(server.addr, q).await;
        assert!(again.starts_with("Domain Name: EXAMPLE.TEST\r\n"), "{again}");
    }

    let hold = whois(server.addr, b"hold.test\r\n").await;
    has(&hold, "Domain Status: clientHold https://icann.org/epp#clientHold");
    has(&hold, "DNSSEC: unsigned");
    has(&hold, "Name Server: NS.EXTERNAL.NET");
    lacks(&hold, "epp#ok");

    let gone = whois(server.addr, b"gone.test\r\n").await;
    has(
        &gone,
        "Domain Status: pendingDelete https://icann.org/epp#pendingDelete",
    );
    has(
        &gone,
        "Domain Status: redemptionPeriod https://icann.org/epp#redemptionPeriod",
    );
    has(&gone, "Updated Date: 2024-01-11T00:00:00Z");

    let idn = whois(server.addr, "bücher.test\r\n".as_bytes()).await;
    assert!(idn.starts_with("Domain Name: XN--BCHER-KVA.TEST\r\n"), "{idn}");
    server.stop().await;
}

async fn rfc3912_nameserver_and_unknown_answers(db: Db) {
    let env = world(db).await;
    let server = start_whois(env.reg.clone(), whois_config()).await;

    let ns = whois(server.addr, b"nameserver ns1.example.test\r\n").await;
    assert_eq!(
        lines(&ns)[..4],
        [
            "Server Name: NS1.EXAMPLE.TEST",
            "IP Address: 192.0.2.1",
            "IP Address: 2001:db8::1",
            "Registrar: Registrar A",
        ]
    );
    has(&ns, FOOTER);
    // A bare name that is a host, not a domain.
    let bare = whois(server.addr, b"ns.external.net\r\n").await;
    assert!(
        bare.starts_with("Server Name: NS.EXTERNAL.NET\r\nRegistrar: Registrar A\r\n"),
        "{bare}"
    );

    for (q, name) in [
        (&b"unknown.test\r\n"[..], "UNKNOWN.TEST"),
        (b"purged.test\r\n", "PURGED.TEST"),
        (b"example.org\r\n", "EXAMPLE.ORG"),
        (b"nameserver ns9.example.test\r\n", "NS9.EXAMPLE.TEST"),
        (b"domain ns1.example.test\r\n", "NS1.EXAMPLE.TEST"),
        (b"bad_name.test\r\n", "BAD_NAME.TEST"),
        (b"bad\x07name\r\n", "BAD?NAME"),
    ] {
        let answer = whois(server.addr, q).await;
        assert_eq!(lines(&answer)[0], format!("No match for \"{name}\"."));
        has(&answer, FOOTER);
    }

    // The same answers without a socket.
    let text = ok(whois::answer(&env.reg, &whois_config(), "unknown.test").await);
    assert!(text.starts_with("No match for \"UNKNOWN.TEST\".\r\n"), "{text}");
    server.stop().await;
}

async fn rfc3912_bad_query_lines(db: Db) {
    let env = world(db).await;
    let mut config = whois_config();
    // Short, for the silent client at the end; long enough that a loaded machine's slow
    // client is not dropped mid-test.
    config.read_timeout = Duration::from_secs(1);
    let server = start_whois(env.reg.clone(), config).await;

    let mut long = vec![b'a'; 600];
    long.extend_from_slice(b"\r\n");
    let answer = whois(server.addr, &long).await;
    assert_eq!(answer, "Error: the query is longer than 512 octets.\r\n");

    let answer = whois(server.addr, b"\xff\xfe.test\r\n").await;
    assert_eq!(answer, "Error: the query is not UTF-8 text.\r\n");

    // 512 octets is still a query.
    let mut longest = vec![b'a'; 512];
    longest.extend_from_slice(b"\r\n");
    let answer = whois(server.addr, &longest).await;
    assert!(answer.starts_with("No match for"), "{answer}");

    // A client that sends no line is dropped after the read timeout, without an answer.
    let silent = whois(server.addr, b"").await;
    assert_eq!(silent, "");
    server.stop().await;
}

/// What the last delegation check found: one `Delegation check: DATE: FINDING` line each, the
/// same words as RDAP's remark; a later clean check removes them.
async fn rfc3912_delegation_check_findings_as_lines(db: Db) {
    let env = world(db).await;
    let name = n("example.test.");
    let findings = vec![
        "ns1.example.test (192.0.2.1): no answer (lame delegation)".to_string(),
        "DS 7 13 2: matches no DNSKEY served for the zone".to_string(),
    ];
    ok(env.reg.record_delegation_check(&name, NOW - DAY, &findings).await);
    let server = start_whois(env.reg.clone(), whois_config()).await;
    let answer = whois(server.addr, b"example.test\r\n").await;
    let all = lines(&answer);
    let at = all
        .iter()
        .position(|l| *l == "DNSSEC: signedDelegation")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(
        all[at + 1..at + 3],
        [
            "Delegation check: 2024-01-20T00:00:00Z: ns1.example.test (192.0.2.1): no answer (lame delegation)",
            "Delegation check: 2024-01-20T00:00:00Z: DS 7 13 2: matches no DNSKEY served for the zone",
        ]
    );
    // RDAP shows the same findings, from the same record.
    let record = ok(env.reg.lookup_domain_record(&name, NOW).await).unwrap_or_else(|| panic!("registered"));
    let found = record.delegation.unwrap_or_else(|| panic!("findings kept"));
    assert_eq!(found.rdap_description()[1..], findings[..]);

    ok(env.reg.record_delegation_check(&name, NOW, &[]).await);
    let clean = whois(server.addr, b"example.test\r\n").await;
    lacks(&clean, "Delegation check");
    server.stop().await;
}
