//! A simulated network for the resolver's tests: each address is a `banyan_auth` catalog
//! answering as a server would, dead addresses never answer, and a virtual clock moves only
//! as the test says (a millisecond per reply, the full timeout per silence).

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use banyan_resolver::{Answer, Outgoing, Resolution, Resolver, Step};
use banyan_wire::{Class, Header, Message, Name, RecordType};
use banyan_zone::{parse_str, ParseOptions, Zone};

pub fn n(s: &str) -> Name {
    Name::parse(s, None).unwrap()
}

pub fn zone(origin: &str, text: &str) -> Zone {
    let mut z = Zone::new(n(origin), Class::IN);
    let opts = ParseOptions {
        origin: Some(n(origin)),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_str(text, Path::new(origin), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

/// The simulated network: who answers at which address, and what was asked.
pub struct Net {
    pub servers: HashMap<IpAddr, Catalog>,
    /// Every query sent: (address, name as sent lowercased, type, over TCP).
    pub log: Vec<(IpAddr, String, RecordType, bool)>,
    /// Servers answering with a configuration of their own (views, ECS); the others with
    /// the default.
    pub configs: HashMap<IpAddr, AuthConfig>,
}

impl Net {
    pub fn new(layout: Vec<(&str, Vec<Zone>)>) -> Net {
        Net {
            servers: layout
                .into_iter()
                .map(|(ip, zones)| (ip.parse().unwrap(), Catalog::new(zones)))
                .collect(),
            log: Vec::new(),
            configs: HashMap::new(),
        }
    }

    /// Runs `res` to its end; the clock advances 1 ms per reply and the full timeout per
    /// silence. Returns the answer.
    pub fn run(&mut self, r: &Resolver, res: &mut Resolution, clock: &mut Instant) -> Answer {
        self.run_capturing(r, res, clock).0
    }

    /// As [`Net::run`], also returning every query sent (with its transport, forward zone
    /// and header flags).
    pub fn run_capturing(
        &mut self,
        r: &Resolver,
        res: &mut Resolution,
        clock: &mut Instant,
    ) -> (Answer, Vec<(Outgoing, Header)>) {
        let mut sent = Vec::new();
        for _ in 0..500 {
            match res.poll(r, *clock) {
                Step::Done(a) => return (a, sent),
                Step::Send(out) => {
                    let msg = Message::parse(&out.message).unwrap();
                    sent.push((out.clone(), *msg.header()));
                    let q = msg.question().unwrap();
                    self.log.push((
                        out.server.ip(),
                        q.qname.to_name().to_lowercase().to_string(),
                        q.qtype,
                        out.tcp,
                    ));
                    let Some(catalog) = self.servers.get(&out.server.ip()) else {
                        *clock += out.timeout;
                        res.on_timeout(r, *clock);
                        continue;
                    };
                    let mut reply = Vec::new();
                    let req = Request {
                        bytes: &out.message,
                        client: "127.0.0.1:5353".parse().unwrap(),
                        transport: if out.tcp { Transport::Tcp } else { Transport::Udp },
                        now: 0,
                    };
                    let default = AuthConfig::default();
                    let config = self.configs.get(&out.server.ip()).unwrap_or(&default);
                    assert_eq!(respond(catalog, config, &req, &mut reply), Action::Reply);
                    *clock += Duration::from_millis(1);
                    res.on_reply(r, *clock, out.server, &reply);
                }
            }
        }
        panic!("resolution did not end");
    }

    pub fn count(&self) -> usize {
        self.log.len()
    }
}
