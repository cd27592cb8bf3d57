//! Names answered without asking anybody: RFC 6761 special-use names (`localhost`,
//! `invalid`, `test`, …) and RFC 6303 locally served reverse zones, as Unbound's default
//! local zones do.
//!
//! API CONTRACT (stub: bodies to be written).

use banyan_wire::{Class, NameBuf, RecordType};

use crate::answer::Answer;

/// The locally served zones.
#[derive(Clone, Debug, Default)]
pub struct LocalZones {
    _zones: Vec<banyan_wire::Name>,
}

impl LocalZones {
    /// Unbound's default set (see `unbound.conf(5)`, "local-zone" defaults).
    pub fn defaults() -> LocalZones {
        todo!()
    }

    /// No local zones: every name is resolved (`--no-default-local-zones`).
    pub fn none() -> LocalZones {
        LocalZones::default()
    }

    /// The local answer for a question (lowercase `qname`), or `None` when the name is not
    /// in a local zone.
    pub fn answer(&self, qname: &NameBuf, qtype: RecordType, qclass: Class) -> Option<Answer> {
        let _ = (qname, qtype, qclass);
        todo!()
    }
}
