//! EDNS Client Subnet on the resolver's side (RFC 7871): off unless configured, for privacy
//! (§2, §11.1). When on, queries for the client's question carry the client's address
//! truncated to a configured prefix (§7.1.2), and answers an authority tailored to that
//! subnet (a non-zero SCOPE PREFIX-LENGTH, §7.2.1) are kept apart from the shared caches,
//! each under the client's address truncated to the scope (§7.3.1), so a client in another
//! subnet never gets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use banyan_wire::edns::ClientSubnet;
use banyan_wire::{Class, Name, RecordType};

use crate::answer::Answer;

/// When and how much of a client's address is sent upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsConfig {
    /// Bits of an IPv4 client address sent (RFC 7871 §11.1 recommends at most 24).
    pub ipv4_prefix: u8,
    /// Bits of an IPv6 client address sent (§11.1 recommends at most 56).
    pub ipv6_prefix: u8,
    /// The zones whose servers are sent the option (§12.1: only to those that use it);
    /// empty: every query for the client's question.
    pub zones: Vec<Name>,
}

impl Default for EcsConfig {
    fn default() -> EcsConfig {
        EcsConfig {
            ipv4_prefix: 24,
            ipv6_prefix: 56,
            zones: Vec::new(),
        }
    }
}

impl EcsConfig {
    /// The option sent for a client at `client`: its address truncated to the prefix
    /// (IPv4-mapped IPv6 clients as IPv4).
    pub fn subnet_for(&self, client: IpAddr) -> ClientSubnet {
        let client = match client {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        };
        let prefix = if client.is_ipv4() {
            self.ipv4_prefix.min(32)
        } else {
            self.ipv6_prefix.min(128)
        };
        ClientSubnet::new(client, prefix)
    }

    /// Whether a query for `qname` goes with the option.
    pub fn sent_for(&self, qname: &Name) -> bool {
        self.zones.is_empty() || self.zones.iter().any(|z| qname.is_subdomain_of(z))
    }
}

/// The question an answer answers, with the client's DO and CD bits.
type Key = (Name, RecordType, Class, bool, bool);

/// One tailored answer: the network it is valid for and until when.
struct Entry {
    network: ClientSubnet,
    stored: Instant,
    expires: Instant,
    answer: Answer,
}

/// Answers tailored to a client subnet (RFC 7871 §7.3.1), kept per question under the
/// client's address truncated to the answer's scope (or to the source prefix when the
/// scope is longer, §7.3.1). Bounded: at most [`EcsCache::MAX_PER_QUESTION`] subnets per
/// question and [`EcsCache::MAX_QUESTIONS`] questions; past that, older entries go.
#[derive(Default)]
pub struct EcsCache {
    entries: Mutex<HashMap<Key, Vec<Entry>>>,
}

impl EcsCache {
    /// Subnets kept per question.
    pub const MAX_PER_QUESTION: usize = 64;
    /// Questions kept.
    pub const MAX_QUESTIONS: usize = 10_000;

    /// Keeps `answer`, asked with `sent` and answered with `scope`, for the question `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn store(
        &self,
        qname: &Name,
        qtype: RecordType,
        qclass: Class,
        flags: (bool, bool),
        sent: ClientSubnet,
        scope: u8,
        answer: &Answer,
        now: Instant,
    ) {
        let ttl = answer
            .answer
            .iter()
            .chain(&answer.authority)
            .map(|s| s.ttl)
            .min()
            .unwrap_or(0);
        if ttl == 0 {
            return;
        }
        let network = ClientSubnet::new(sent.address, scope.min(sent.source_prefix));
        let key = (qname.to_lowercase(), qtype, qclass, flags.0, flags.1);
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= EcsCache::MAX_QUESTIONS && !map.contains_key(&key) {
            map.retain(|_, list| list.iter().any(|e| e.expires > now));
            if map.len() >= EcsCache::MAX_QUESTIONS {
                return;
            }
        }
        let list = map.entry(key).or_default();
        list.retain(|e| e.expires > now && e.network != network);
        if list.len() >= EcsCache::MAX_PER_QUESTION {
            list.remove(0);
        }
        list.push(Entry {
            network,
            stored: now,
            expires: now + Duration::from_secs(u64::from(ttl)),
            answer: answer.clone(),
        });
    }

    /// The tailored answer for a client whose option would be `client` (its truncated
    /// address), with the TTLs counted down; `None` when none covers it.
    pub fn get(
        &self,
        qname: &Name,
        qtype: RecordType,
        qclass: Class,
        flags: (bool, bool),
        client: ClientSubnet,
        now: Instant,
    ) -> Option<Answer> {
        let key = (qname.to_lowercase(), qtype, qclass, flags.0, flags.1);
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = map
            .get(&key)?
            .iter()
            .rev()
            .find(|e| e.expires > now && ClientSubnet::new(client.address, e.network.source_prefix) == e.network)?;
        let elapsed = u32::try_from(now.saturating_duration_since(e.stored).as_secs()).unwrap_or(u32::MAX);
        let mut answer = e.answer.clone();
        for set in answer.answer.iter_mut().chain(answer.authority.iter_mut()) {
            set.ttl = set.ttl.saturating_sub(elapsed);
        }
        Some(answer)
    }

    /// Number of questions with tailored answers kept.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rrset::RRset;
    use banyan_wire::Record;

    fn answer(addr: &str) -> Answer {
        let r = Record::from_text(&format!("cdn.example. 60 IN A {addr}"), None, None).unwrap();
        let set = RRset::from_records(&r.name.clone(), &[r]).unwrap();
        Answer {
            rcode: banyan_wire::Rcode::NOERROR,
            answer: vec![set],
            ..crate::resolution::servfail()
        }
    }

    #[test]
    fn rfc7871_section_7_1_2_the_address_is_truncated() {
        let config = EcsConfig::default();
        let s = config.subnet_for("192.0.2.77".parse().unwrap());
        assert_eq!((s.address, s.source_prefix), ("192.0.2.0".parse().unwrap(), 24));
        let s = config.subnet_for("2001:db8:1:2:3::1".parse().unwrap());
        assert_eq!((s.address, s.source_prefix), ("2001:db8:1::".parse().unwrap(), 56));
        let s = config.subnet_for("::ffff:10.1.2.3".parse().unwrap());
        assert_eq!(s.address, "10.1.2.0".parse::<IpAddr>().unwrap());
        let only = EcsConfig {
            zones: vec!["example.".parse().unwrap()],
            ..EcsConfig::default()
        };
        assert!(only.sent_for(&"cdn.example.".parse().unwrap()));
        assert!(!only.sent_for(&"cdn.example.net.".parse().unwrap()));
    }

    #[test]
    fn rfc7871_section_7_3_1_tailored_answers_are_kept_per_scope() {
        let cache = EcsCache::default();
        let now = Instant::now();
        let config = EcsConfig::default();
        let name: Name = "cdn.example.".parse().unwrap();
        let ask = |client: &str, at: Instant| {
            cache
                .get(
                    &name,
                    RecordType::A,
                    Class::IN,
                    (false, false),
                    config.subnet_for(client.parse().unwrap()),
                    at,
                )
                .map(|a| a.answer[0].ttl)
        };
        // Asked for 10.1.2.0/24, valid for the /16.
        let sent = config.subnet_for("10.1.2.3".parse().unwrap());
        cache.store(
            &name,
            RecordType::A,
            Class::IN,
            (false, false),
            sent,
            16,
            &answer("198.51.100.1"),
            now,
        );
        assert_eq!(ask("10.1.200.9", now), Some(60), "same /16");
        assert_eq!(ask("10.2.0.1", now), None, "another /16");
        assert_eq!(
            ask("10.1.2.3", now + Duration::from_secs(20)),
            Some(40),
            "TTL counts down"
        );
        assert_eq!(ask("10.1.2.3", now + Duration::from_secs(61)), None, "expired");
        // A scope longer than the source prefix: kept for the source prefix (§7.3.1).
        let other = config.subnet_for("192.0.2.1".parse().unwrap());
        cache.store(
            &name,
            RecordType::A,
            Class::IN,
            (false, false),
            other,
            28,
            &answer("192.0.2.100"),
            now,
        );
        assert_eq!(ask("192.0.2.200", now), Some(60));
        assert_eq!(ask("10.1.2.3", now), Some(60), "the first entry stays");
        assert_eq!(cache.len(), 1);
    }
}
