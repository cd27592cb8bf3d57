//! The DoT/DoH upstream client against a fake encrypted server on loopback: replies come
//! back, connections are reused, queries are padded to 128 octets (RFC 8467 §4.1), and the
//! certificate is checked against the configured CA and name.

#![allow(clippy::unwrap_used)]

mod encrypted_fake;

use std::time::Duration;

use banyan_server::upstream_tls::{Client, Endpoint, Protocol, Trust};
use banyan_wire::edns::Edns;
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, RecordType};
use encrypted_fake::{answer_with, EncryptedFake};

fn query(id: u16, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Header {
            id,
            rd: true,
            ..Header::default()
        },
    );
    b.question(&Name::parse(name, None).unwrap(), RecordType::A, Class::IN)
        .unwrap();
    b.edns(&Edns::default()).unwrap();
    b.finish();
    out
}

fn first_a(reply: &[u8]) -> String {
    let msg = Message::parse(reply).unwrap();
    let rec = msg.answers().next().unwrap();
    std::net::Ipv4Addr::from(<[u8; 4]>::try_from(rec.rdata_bytes()).unwrap()).to_string()
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn dot_reuses_one_connection_and_pads_queries() {
    let fake = EncryptedFake::start("dns.test", answer_with([192, 0, 2, 7])).await;
    let client = Client::new(Duration::from_secs(30));
    let ep = Endpoint {
        addr: fake.dot,
        protocol: Protocol::Tls,
        tls_name: "dns.test".into(),
        trust: Trust::Ca(fake.cert_file.clone()),
    };
    for (id, name) in [(1, "a.example."), (2, "b.example."), (3, "c.example.")] {
        let reply = client.exchange(&ep, &query(id, name), T).await.unwrap();
        assert_eq!(Message::parse(&reply).unwrap().id(), id);
        assert_eq!(first_a(&reply), "192.0.2.7");
    }
    assert_eq!(fake.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(client.connections_opened(), 1);
    for q in fake.seen.lock().unwrap().iter() {
        assert_eq!(q.len() % 128, 0, "query of {} octets is not padded", q.len());
    }
}

#[tokio::test]
async fn doh_post_and_get_share_one_http2_connection() {
    let fake = EncryptedFake::start("dns.test", answer_with([192, 0, 2, 8])).await;
    let client = Client::new(Duration::from_secs(30));
    let ip = fake.doh.ip();
    let mut ep = Endpoint::from_url(
        &format!("https://dns.test:{}/dns-query", fake.doh.port()),
        ip,
        Trust::Ca(fake.cert_file.clone()),
    )
    .unwrap();
    let reply = client.exchange(&ep, &query(9, "www.example."), T).await.unwrap();
    assert_eq!(first_a(&reply), "192.0.2.8");
    // Concurrent queries are streams of the same connection.
    let (qa, qb) = (query(10, "x.example."), query(11, "y.example."));
    let (a, b) = tokio::join!(client.exchange(&ep, &qa, T), client.exchange(&ep, &qb, T));
    assert_eq!(Message::parse(&a.unwrap()).unwrap().id(), 10);
    assert_eq!(Message::parse(&b.unwrap()).unwrap().id(), 11);
    ep.protocol = Protocol::Https {
        path: "/dns-query".into(),
        get: true,
    };
    let reply = client.exchange(&ep, &query(12, "get.example."), T).await.unwrap();
    assert_eq!(first_a(&reply), "192.0.2.8");
    assert_eq!(fake.seen.lock().unwrap().len(), 4);
    // GET is another endpoint key, hence its own connection: two in all.
    assert_eq!(client.connections_opened(), 2);
    // A wrong path is an HTTP error, not a DNS answer.
    ep.protocol = Protocol::Https {
        path: "/elsewhere".into(),
        get: false,
    };
    let err = client.exchange(&ep, &query(13, "z.example."), T).await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
}

#[tokio::test]
async fn certificate_is_checked_unless_told_not_to() {
    let fake = EncryptedFake::start("dns.test", answer_with([192, 0, 2, 9])).await;
    let client = Client::new(Duration::from_secs(30));
    let wrong_name = Endpoint {
        addr: fake.dot,
        protocol: Protocol::Tls,
        tls_name: "other.test".into(),
        trust: Trust::Ca(fake.cert_file.clone()),
    };
    assert!(client.exchange(&wrong_name, &query(1, "a.example."), T).await.is_err());
    // Another certificate as the CA: refused too.
    let other = EncryptedFake::start("dns.test", answer_with([192, 0, 2, 9])).await;
    let wrong_ca = Endpoint {
        tls_name: "dns.test".into(),
        trust: Trust::Ca(other.cert_file.clone()),
        ..wrong_name.clone()
    };
    assert!(client.exchange(&wrong_ca, &query(2, "a.example."), T).await.is_err());
    let by_address = Endpoint {
        tls_name: "127.0.0.1".into(),
        trust: Trust::Ca(fake.cert_file.clone()),
        ..wrong_name.clone()
    };
    assert!(client.exchange(&by_address, &query(3, "a.example."), T).await.is_ok());
    let opportunistic = Endpoint {
        trust: Trust::Insecure,
        ..wrong_name
    };
    let reply = client
        .exchange(&opportunistic, &query(4, "a.example."), T)
        .await
        .unwrap();
    assert_eq!(first_a(&reply), "192.0.2.9");
}

#[tokio::test]
async fn idle_connections_are_closed_and_replaced() {
    let fake = EncryptedFake::start("dns.test", answer_with([192, 0, 2, 10])).await;
    // A zero idle limit: every connection is stale by the next query.
    let client = Client::new(Duration::ZERO);
    let ep = Endpoint {
        addr: fake.dot,
        protocol: Protocol::Tls,
        tls_name: "dns.test".into(),
        trust: Trust::Ca(fake.cert_file.clone()),
    };
    client.exchange(&ep, &query(1, "a.example."), T).await.unwrap();
    client.exchange(&ep, &query(2, "a.example."), T).await.unwrap();
    assert_eq!(client.connections_opened(), 2);
}
