//! Per-TLD policy: grace periods (RFC 3915 §3.1), fees, limits and the TTL of the records the
//! TLD zone gets. Configuration, not data: given to [`crate::Registry::open`].

use banyan_wire::Name;

use crate::time::DAY;

/// Fees of one TLD, in the smallest unit of the registry's currency, charged to the
/// registrar's balance in the same transaction as the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fees {
    /// Per year of a create.
    pub create: i64,
    /// Per year of a renew, and of each automatic renewal.
    pub renew: i64,
    /// Per year added by a transfer (charged to the gaining registrar at the request,
    /// refunded if it is rejected or cancelled).
    pub transfer: i64,
    /// A restore out of redemption (RFC 3915); any renewal it needs is charged on top.
    pub restore: i64,
}

impl Default for Fees {
    /// 8.00 a year for create, renew and transfer, 40.00 for a restore (in cents).
    fn default() -> Fees {
        Fees {
            create: 800,
            renew: 800,
            transfer: 800,
            restore: 4000,
        }
    }
}

/// The policy of one TLD. Periods are in seconds; [`TldPolicy::new`] gives the usual gTLD
/// values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TldPolicy {
    /// The TLD (or any zone the registry delegates from, e.g. `co.uk.`).
    pub name: Name,
    /// After a create: a delete refunds the create fee and frees the name at once.
    /// Default 5 days.
    pub add_grace: i64,
    /// After a renew: a delete refunds it. Default 5 days.
    pub renew_grace: i64,
    /// After an automatic renewal, counted from the old expiry: a delete refunds it.
    /// Default 45 days.
    pub auto_renew_grace: i64,
    /// After a transfer: a delete refunds it. Default 5 days.
    pub transfer_grace: i64,
    /// How long a transfer waits for the losing registrar before the registry approves it.
    /// Default 5 days.
    pub transfer_pending: i64,
    /// After a delete (outside add grace) or an expiry without renewal: restorable by the
    /// sponsor, out of the zone. Default 30 days.
    pub redemption: i64,
    /// After redemption, before the purge. Default 5 days.
    pub pending_delete: i64,
    /// After a restore request (RFC 3915 §2, the `pendingRestore` state): how long the
    /// registry waits for the restore report (RFC 3915 §4.2.5) that completes the restore;
    /// without one the domain goes back to its redemption period. Default 7 days (ICANN's
    /// RGP).
    pub pending_restore: i64,
    /// Whether a domain reaching its expiry is renewed for a year, charged to its sponsor
    /// (when its balance allows and no RenewProhibited status is set), or expires into
    /// redemption. Default true.
    pub auto_renew: bool,
    /// The longest period of a create, renew or transfer, and the furthest an expiry may lie
    /// ahead of now, in years (RFC 5731 §2.6 allows 1-99). Default 10.
    pub max_years: u32,
    /// Fees.
    pub fees: Fees,
    /// TTL of the NS, DS and glue records in the TLD zone. Default 3600 (one hour).
    pub ttl: u32,
    /// Whether a domain create or an update of name servers or DS data checks the
    /// delegation over DNS first ([`crate::delegation`]), and what a problem found does.
    /// Default [`DelegationPolicy::Off`].
    pub delegation_checks: DelegationPolicy,
    /// How old, in seconds, the last delegation check of a domain in the zone may grow before
    /// [`crate::service::run_rechecks`] checks it again (with the checks of
    /// [`crate::delegation`]) and keeps what it found for RDAP and WHOIS. `None` (the default)
    /// re-checks nothing; a value below 60 is taken as 60. Independent of
    /// [`TldPolicy::delegation_checks`], which decides only about EPP commands.
    pub recheck_interval: Option<i64>,
}

/// What the registry does with a delegation check (lame servers, RFC 1034 §4.2.2; DS records
/// matching no DNSKEY, RFC 4035 §2.4) when a registrar sets or changes a domain's name
/// servers or DS data over EPP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DelegationPolicy {
    /// No check, no network I/O (the default).
    #[default]
    Off,
    /// Check, carry the command out anyway, and report what was found: in the EPP response's
    /// `<msg>` and, kept with the domain, as an RDAP remark.
    Warn,
    /// Check, and refuse the command (EPP 2306, each finding an `<extValue>`) when anything
    /// was found; nothing is written.
    Reject,
}

impl DelegationPolicy {
    /// The configuration value: `off`, `warn` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            DelegationPolicy::Off => "off",
            DelegationPolicy::Warn => "warn",
            DelegationPolicy::Reject => "reject",
        }
    }

    /// The policy named by a configuration value.
    pub fn parse(s: &str) -> Option<DelegationPolicy> {
        [DelegationPolicy::Off, DelegationPolicy::Warn, DelegationPolicy::Reject]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

impl TldPolicy {
    /// The policy for `name` with the defaults documented on each field.
    pub fn new(name: Name) -> TldPolicy {
        TldPolicy {
            name,
            add_grace: 5 * DAY,
            renew_grace: 5 * DAY,
            auto_renew_grace: 45 * DAY,
            transfer_grace: 5 * DAY,
            transfer_pending: 5 * DAY,
            redemption: 30 * DAY,
            pending_delete: 5 * DAY,
            pending_restore: 7 * DAY,
            auto_renew: true,
            max_years: 10,
            fees: Fees::default(),
            ttl: 3600,
            delegation_checks: DelegationPolicy::Off,
            recheck_interval: None,
        }
    }
}
