//! Printing a reply: dig's sectioned layout, `+short`, and RFC 8427 JSON. Pure functions
//! from a parsed message and a few facts about the exchange to text.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use banyan_wire::edns::EdnsOption;
use banyan_wire::message::RecordView;
use banyan_wire::text::hex_encode;
use banyan_wire::{Message, RData, Record, RecordType};
use serde_json::{json, Map, Value};

use crate::dig_args::Sections;

/// The transport a reply came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// UDP.
    Udp,
    /// TCP (RFC 7766), with the 2-octet length prefix.
    Tcp,
    /// DNS over TLS (RFC 7858).
    Tls,
    /// DNS over HTTPS (RFC 8484).
    Https,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Https => "HTTPS",
        }
    }
}

/// Facts about the exchange that are not in the message.
#[derive(Debug, Clone)]
pub struct ExchangeInfo {
    /// The server that answered.
    pub server: SocketAddr,
    /// How the answer came.
    pub protocol: Protocol,
    /// From sending the query that was answered to receiving the answer.
    pub elapsed: Duration,
    /// Octets received.
    pub size: usize,
    /// The command-line arguments, for the `; <<>> Banyan <<>>` line.
    pub command_line: String,
    /// Whether the query asked for recursion (for dig's "recursion not available" warning).
    pub recursion_desired: bool,
}

/// A record as owned data; RDATA that does not parse as its type is shown in the RFC 3597
/// generic form rather than dropped, so the user still sees what the server sent.
fn owned(view: &RecordView<'_>) -> Record {
    view.to_record().unwrap_or_else(|_| Record {
        name: view.name.to_name(),
        class: view.class,
        ttl: view.ttl,
        data: RData::Unknown {
            rtype: view.rtype,
            data: view.rdata_bytes().to_vec(),
        },
    })
}

/// dig's layout, with the parts `sections` leaves on.
pub fn dig(msg: &Message<'_>, info: &ExchangeInfo, sections: &Sections) -> String {
    let mut out = String::new();
    let h = msg.header();
    if sections.cmd {
        let _ = writeln!(
            out,
            "\n; <<>> Banyan {} <<>> {}",
            env!("CARGO_PKG_VERSION"),
            info.command_line
        );
    }
    if sections.comments {
        out.push_str(";; Got answer:\n");
        let _ = writeln!(
            out,
            ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
            h.opcode(),
            msg.rcode(),
            h.id
        );
        let flags: Vec<&str> = [
            (h.qr, "qr"),
            (h.aa, "aa"),
            (h.tc, "tc"),
            (h.rd, "rd"),
            (h.ra, "ra"),
            (h.ad, "ad"),
            (h.cd, "cd"),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| *name)
        .collect();
        let _ = writeln!(
            out,
            ";; flags: {}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
            flags.join(" "),
            h.qdcount,
            h.ancount,
            h.nscount,
            h.arcount
        );
        if info.recursion_desired && !h.ra {
            out.push_str(";; WARNING: recursion requested but not available\n");
        }
        out.push('\n');
        if let Some(opt) = msg.opt_record() {
            out.push_str(";; OPT PSEUDOSECTION:\n");
            match msg.edns() {
                Some(Ok(edns)) => {
                    let _ = writeln!(
                        out,
                        "; EDNS: version: {}, flags:{}; udp: {}",
                        edns.version,
                        if edns.dnssec_ok { " do" } else { "" },
                        edns.udp_payload_size
                    );
                    for option in &edns.options {
                        match option {
                            // The server's `+why` explanation, shown as text.
                            EdnsOption::Unknown { code, data } if *code == banyan_auth::WHY_OPTION => {
                                let _ = writeln!(out, ";; WHY: {}", String::from_utf8_lossy(data));
                            }
                            _ => {
                                let _ = writeln!(out, "; {option}");
                            }
                        }
                    }
                }
                _ => {
                    let _ = writeln!(out, "; EDNS: malformed options: {}", hex_encode(opt.rdata_bytes()));
                }
            }
        }
    }
    if sections.question && h.qdcount > 0 {
        if sections.comments {
            out.push_str(";; QUESTION SECTION:\n");
        }
        for q in msg.questions() {
            let _ = writeln!(out, "{}", q.to_question());
        }
        if sections.comments {
            out.push('\n');
        }
    }
    let tsig = msg.tsig_record().map(|r| owned(&r));
    let shown = [
        (sections.answer, "ANSWER", msg.answers()),
        (sections.authority, "AUTHORITY", msg.authority()),
        (sections.additional, "ADDITIONAL", msg.additional()),
    ];
    for (on, title, records) in shown {
        let records: Vec<Record> = records
            .filter(|r| r.rtype != RecordType::OPT && r.rtype != RecordType::TSIG)
            .map(|r| owned(&r))
            .collect();
        if !on || records.is_empty() {
            continue;
        }
        if sections.comments {
            let _ = writeln!(out, ";; {title} SECTION:");
        }
        for r in &records {
            let _ = writeln!(out, "{r}");
        }
        if sections.comments {
            out.push('\n');
        }
    }
    if let (true, Some(tsig)) = (sections.additional, tsig) {
        if sections.comments {
            out.push_str(";; TSIG PSEUDOSECTION:\n");
        }
        let _ = writeln!(out, "{tsig}");
        if sections.comments {
            out.push('\n');
        }
    }
    if sections.stats {
        let _ = writeln!(out, ";; Query time: {} msec", info.elapsed.as_millis());
        let _ = writeln!(
            out,
            ";; SERVER: {}#{}({})",
            info.server.ip(),
            info.server.port(),
            info.protocol.as_str()
        );
        let _ = writeln!(out, ";; MSG SIZE  rcvd: {}\n", info.size);
    }
    out
}

/// `+short`: the RDATA of each answer record, one per line.
pub fn short(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for r in msg.answers() {
        let _ = writeln!(out, "{}", owned(&r).data);
    }
    out
}

/// RFC 8427 JSON: the header fields by their RFC 1035 names, the question, and each section
/// as an array of RR objects (`NAME`, `TYPE`, `TYPEname`, `CLASS`, `CLASSname`, `TTL`,
/// `RDLENGTH`, `RDATAHEX` and `rdata<TYPE>` in presentation form). The OPT record stays
/// in `additionalRRs` as RFC 8427 §2.3 has it.
pub fn json(msg: &Message<'_>, wire: &[u8], info: &ExchangeInfo) -> String {
    let h = msg.header();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ID", json!(h.id));
    put("QR", json!(u8::from(h.qr)));
    put("Opcode", json!(h.opcode));
    put("AA", json!(u8::from(h.aa)));
    put("TC", json!(u8::from(h.tc)));
    put("RD", json!(u8::from(h.rd)));
    put("RA", json!(u8::from(h.ra)));
    put("AD", json!(u8::from(h.ad)));
    put("CD", json!(u8::from(h.cd)));
    put("RCODE", json!(msg.rcode().0));
    put("RCODEname", json!(msg.rcode().to_string()));
    put("QDCOUNT", json!(h.qdcount));
    put("ANCOUNT", json!(h.ancount));
    put("NSCOUNT", json!(h.nscount));
    put("ARCOUNT", json!(h.arcount));
    if let Some(q) = msg.question() {
        put("QNAME", json!(q.qname.to_string()));
        put("QTYPE", json!(q.qtype.0));
        put("QTYPEname", json!(q.qtype.to_string()));
        put("QCLASS", json!(q.qclass.0));
        put("QCLASSname", json!(q.qclass.to_string()));
    }
    put("answerRRs", Value::Array(msg.answers().map(|r| rr_json(&r)).collect()));
    put(
        "authorityRRs",
        Value::Array(msg.authority().map(|r| rr_json(&r)).collect()),
    );
    put(
        "additionalRRs",
        Value::Array(msg.additional().map(|r| rr_json(&r)).collect()),
    );
    put("messageOctetsHEX", json!(hex_encode(wire)));
    // Not in RFC 8427 but what a script comparing servers wants; RFC 8427 §2.1 allows
    // members it does not define.
    put("server", json!(info.server.to_string()));
    put("protocol", json!(info.protocol.as_str()));
    put("queryTimeMs", json!(info.elapsed.as_millis() as u64));
    let mut text = serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default();
    text.push('\n');
    text
}

fn rr_json(view: &RecordView<'_>) -> Value {
    let mut m = Map::new();
    m.insert("NAME".into(), json!(view.name.to_string()));
    m.insert("TYPE".into(), json!(view.rtype.0));
    m.insert("TYPEname".into(), json!(view.rtype.to_string()));
    m.insert("CLASS".into(), json!(view.class.0));
    m.insert("TTL".into(), json!(view.ttl));
    m.insert("RDLENGTH".into(), json!(view.rdata_bytes().len()));
    m.insert("RDATAHEX".into(), json!(hex_encode(view.rdata_bytes())));
    // OPT's CLASS and TTL are not a class and a TTL (RFC 6891 §6.1.2), and its RDATA has no
    // presentation form.
    if view.rtype != RecordType::OPT {
        m.insert("CLASSname".into(), json!(view.class.to_string()));
        m.insert(format!("rdata{}", view.rtype), json!(owned(view).data.to_string()));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::edns::{Edns, EdnsOption};
    use banyan_wire::message::BuildSection;
    use banyan_wire::rdata::A;
    use banyan_wire::{Class, Header, MessageBuilder, Name};

    fn reply() -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                id: 4242,
                qr: true,
                aa: true,
                rd: true,
                ..Header::default()
            },
        );
        let name = Name::parse("www.example.", None).unwrap();
        b.question(&name, RecordType::A, Class::IN).unwrap();
        for ip in [[192, 0, 2, 1], [192, 0, 2, 2]] {
            let r = Record {
                name: name.clone(),
                class: Class::IN,
                ttl: 300,
                data: RData::A(A(ip.into())),
            };
            b.push(BuildSection::Answer, &r).unwrap();
        }
        b.edns(&Edns {
            dnssec_ok: true,
            options: vec![EdnsOption::Nsid(b"ns1".to_vec())],
            ..Edns::default()
        })
        .unwrap();
        b.finish();
        buf
    }

    fn info() -> ExchangeInfo {
        ExchangeInfo {
            server: "127.0.0.1:5300".parse().unwrap(),
            protocol: Protocol::Udp,
            elapsed: Duration::from_millis(3),
            size: 99,
            command_line: "@127.0.0.1 www.example.".into(),
            recursion_desired: true,
        }
    }

    const ALL: Sections = Sections {
        cmd: true,
        comments: true,
        question: true,
        answer: true,
        authority: true,
        additional: true,
        stats: true,
    };

    #[test]
    fn dig_layout() {
        let wire = reply();
        let msg = Message::parse(&wire).unwrap();
        let text = dig(&msg, &info(), &ALL);
        let expected = "
; <<>> Banyan 0.1.0 <<>> @127.0.0.1 www.example.
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242
;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1
;; WARNING: recursion requested but not available

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags: do; udp: 1232
; NSID: 6E7331 (\"ns1\")
;; QUESTION SECTION:
;www.example.\t\tIN\tA

;; ANSWER SECTION:
www.example.\t300\tIN\tA\t192.0.2.1
www.example.\t300\tIN\tA\t192.0.2.2

;; Query time: 3 msec
;; SERVER: 127.0.0.1#5300(UDP)
;; MSG SIZE  rcvd: 99

";
        assert_eq!(text, expected);
    }

    #[test]
    fn noall_answer_is_just_the_records() {
        let wire = reply();
        let msg = Message::parse(&wire).unwrap();
        let only_answer = Sections {
            cmd: false,
            comments: false,
            question: false,
            answer: true,
            authority: false,
            additional: false,
            stats: false,
        };
        assert_eq!(
            dig(&msg, &info(), &only_answer),
            "www.example.\t300\tIN\tA\t192.0.2.1\nwww.example.\t300\tIN\tA\t192.0.2.2\n"
        );
        assert_eq!(short(&msg), "192.0.2.1\n192.0.2.2\n");
    }

    #[test]
    fn rfc8427_json_members() {
        let wire = reply();
        let msg = Message::parse(&wire).unwrap();
        let v: Value = serde_json::from_str(&json(&msg, &wire, &info())).unwrap();
        assert_eq!(v["ID"], 4242);
        assert_eq!(
            (v["QR"].as_u64(), v["AA"].as_u64(), v["RA"].as_u64()),
            (Some(1), Some(1), Some(0))
        );
        assert_eq!(v["QNAME"], "www.example.");
        assert_eq!((v["QTYPE"].as_u64(), v["QTYPEname"].as_str()), (Some(1), Some("A")));
        assert_eq!(v["answerRRs"][1]["rdataA"], "192.0.2.2");
        assert_eq!(v["answerRRs"][0]["RDATAHEX"], "C0000201");
        assert_eq!(v["additionalRRs"][0]["TYPEname"], "OPT");
        assert_eq!(v["messageOctetsHEX"].as_str().unwrap().len(), wire.len() * 2);
    }

    #[test]
    fn undecodable_rdata_is_shown_generic() {
        // An A record with 3 octets of RDATA: the parse of the message checks bounds only,
        // typing the RDATA fails, and the record is shown in RFC 3597 form.
        let mut buf = Vec::new();
        let b = MessageBuilder::new(
            &mut buf,
            Header {
                qr: true,
                ..Header::default()
            },
        );
        b.finish();
        buf[7] = 1; // ANCOUNT
        buf.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 9, 0, 3, 1, 2, 3]);
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(short(&msg), "\\# 3 010203\n");
    }
}
