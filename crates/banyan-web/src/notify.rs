//! Telling the hosted name servers that a zone changed (RFC 1996): after every change the
//! dashboard writes to the zone store (a new zone, a record saved), a NOTIFY for the zone
//! goes to each hosted name server with a DNS address ([`crate::WebConfig::dns_servers`]),
//! so a server that takes its zones from the store (Banyan's `[auth] all_managed`, which
//! accepts NOTIFY from the dashboard's address) or a secondary (BIND, NSD, Knot) reads the
//! zone at once instead of at its next look. Sent in the background, retried until
//! acknowledged: the change is saved whether or not a server answers.

use std::net::SocketAddr;

use banyan_wire::Name;

use crate::state::AppState;

/// The DNS addresses of the hosted name servers: the servers every zone made here names.
pub fn targets(state: &AppState) -> Vec<SocketAddr> {
    let config = state.config();
    config
        .dns_servers
        .iter()
        .filter(|(name, _)| config.name_servers.iter().any(|ns| &ns.name == name))
        .map(|(_, at)| *at)
        .collect()
}

/// NOTIFYs the hosted name servers that `zone` changed.
pub fn changed(state: &AppState, zone: &Name) {
    banyan_server::notify_in_background(zone, &targets(state));
}
