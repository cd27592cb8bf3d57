//! Zones that change while served, and how the change travels (issue "propagation"):
//! zones managed in the store (changed by dynamic UPDATE, RFC 2136) and secondary zones
//! (copied from their primaries by IXFR/AXFR, RFC 1995/5936, when the SOA timers or a
//! NOTIFY say so, RFC 1996). Every change is one store transaction first, then a new
//! catalog swapped in, then NOTIFY to the zone's own secondaries.
//!
//! What the store holds is a zone's content as changed by its owner or primary: for a zone
//! signed online (`dnssec = {…}`) the signatures are made when it is served, again
//! incrementally after each change, and are not stored.

mod client;
mod secondary;
pub mod timers;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use banyan_auth::{apply_update, update_reply, Catalog, SerialPolicy, UpdateRule, JOURNAL_LIMIT};
use banyan_store::{Store, StoreError, ZoneKind};
use banyan_wire::tsig::{self, KeyRing, TsigKey};
use banyan_wire::{Class, Message, Name, Rcode, Record, RecordType};
use banyan_zone::{diff, Zone, ZoneBuilder, ZoneDiff};
use tokio::sync::Notify;

pub use client::ExchangeError;

use crate::reload::ZoneSigning;

/// NOTIFY attempts per secondary and change before giving up (RFC 1996 §3.6 leaves the
/// count to the implementation; BIND retries 5 times, Knot `notify-retries` is 5; we are
/// more patient because a secondary that misses a NOTIFY only learns of the change at its
/// next refresh).
pub const NOTIFY_ATTEMPTS: u32 = 8;

/// The wait before the first NOTIFY retry; it doubles after each (RFC 1996 §3.6), up to
/// [`NOTIFY_MAX_INTERVAL`].
pub const NOTIFY_FIRST_INTERVAL: Duration = Duration::from_secs(1);

/// The longest wait between two NOTIFY attempts.
pub const NOTIFY_MAX_INTERVAL: Duration = Duration::from_secs(60);

/// How often the managed zones' serials are read from the store, to serve changes another
/// process made there (one indexed row per zone: cheap).
pub const STORE_WATCH: Duration = Duration::from_secs(1);

/// What a zone kept in the store is.
#[derive(Clone, Debug)]
pub enum Role {
    /// Its content is changed here, by UPDATE (`managed = true`).
    Managed,
    /// A copy of a primary's (`primaries = […]`).
    Secondary {
        /// The primaries, asked in order.
        primaries: Vec<SocketAddr>,
        /// The TSIG key for SOA queries and transfers toward them (`transfer_key`).
        key: Option<TsigKey>,
    },
}

/// One zone kept in the store and how it changes (`[[auth.zone]]` with `managed` or
/// `primaries`).
#[derive(Clone, Debug)]
pub struct DynamicZone {
    /// The zone's origin.
    pub origin: Name,
    /// Managed here or a secondary.
    pub role: Role,
    /// Secondaries told of each change by NOTIFY.
    pub notify: Vec<SocketAddr>,
    /// The key NOTIFY messages are signed with, if any.
    pub notify_key: Option<TsigKey>,
    /// Who may change what by UPDATE (empty: nobody).
    pub update_policy: Vec<UpdateRule>,
    /// How an UPDATE moves the serial.
    pub serial_policy: SerialPolicy,
    /// Signed online when set.
    pub signing: Option<ZoneSigning>,
}

impl DynamicZone {
    /// A zone managed here, with no secondaries, no UPDATE rights, unsigned.
    pub fn managed(origin: Name) -> DynamicZone {
        DynamicZone {
            origin,
            role: Role::Managed,
            notify: Vec::new(),
            notify_key: None,
            update_policy: Vec::new(),
            serial_policy: SerialPolicy::Increment,
            signing: None,
        }
    }

    /// A secondary of `primaries`.
    pub fn secondary(origin: Name, primaries: Vec<SocketAddr>, key: Option<TsigKey>) -> DynamicZone {
        DynamicZone {
            role: Role::Secondary { primaries, key },
            ..DynamicZone::managed(origin)
        }
    }
}

/// Why the zones in the store could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PropagationError {
    /// The store failed.
    #[error("the zone store: {0}")]
    Store(#[from] StoreError),
    /// A managed zone is not in the store.
    #[error("zone {0} is configured as managed but is not in the store (import it with `banyan zone import`)")]
    NotInStore(Name),
    /// A zone in the store does not make a zone.
    #[error("zone {zone} in the store: {what}")]
    BadZone {
        /// The zone.
        zone: Name,
        /// What is wrong.
        what: String,
    },
}

/// The state of one zone kept in the store.
struct ZoneState {
    config: DynamicZone,
    /// The content as stored (unsigned); `None` for a secondary not transferred yet. The
    /// lock serialises changes to the zone: an UPDATE and a transfer never interleave.
    data: tokio::sync::Mutex<Option<Zone>>,
    /// Secondary: the refresh clock.
    timers: std::sync::Mutex<timers::Timers>,
    /// Secondary: wakes its refresh task (NOTIFY in, shutdown).
    wake: Notify,
}

/// The zones kept in the store, and the catalog they are served from.
pub struct Propagation {
    store: Store,
    catalog: Arc<ArcSwap<Catalog>>,
    /// Held by whoever builds a new catalog (also the file reloads), so two changes are
    /// never built from the same old snapshot.
    write: Arc<std::sync::Mutex<()>>,
    keys: KeyRing,
    zones: HashMap<Name, Arc<ZoneState>>,
    stop: tokio::sync::watch::Receiver<bool>,
    /// The addresses the server listens on: outgoing NOTIFYs, SOA queries and transfers
    /// leave from the one of the target's family, as NSD and Knot do by default, so that a
    /// peer's access list by address sees the address it was configured with.
    sources: Vec<IpAddr>,
    /// Also serve every other managed zone of the store, as it appears, changes and goes
    /// ([`crate::StoreConfig::all_managed`]).
    all_managed: bool,
    /// Those zones, with the serial served.
    hosted: std::sync::Mutex<HashMap<Name, u32>>,
    /// Wakes the store watcher before its next look: a NOTIFY from the store's writer.
    look_now: Notify,
}

impl Propagation {
    /// Opens the store at `url` and loads every zone of `zones` from it into the catalog (managed zones must be
    /// there; secondaries may not be yet) and returns the manager. Call
    /// [`Propagation::start`] inside the runtime to begin refreshing and notifying.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open(
        url: &str,
        zones: Vec<DynamicZone>,
        all_managed: bool,
        listen: &[SocketAddr],
        keys: KeyRing,
        catalog: Arc<ArcSwap<Catalog>>,
        write: Arc<std::sync::Mutex<()>>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<Propagation, PropagationError> {
        let store = Store::open(url).await?;
        let now = unix_now();
        let mut states = HashMap::new();
        let mut p = Propagation {
            store,
            catalog,
            write,
            keys,
            zones: HashMap::new(),
            stop,
            sources: listen.iter().map(SocketAddr::ip).collect(),
            all_managed,
            hosted: std::sync::Mutex::new(HashMap::new()),
            look_now: Notify::new(),
        };
        for config in zones {
            let origin = config.origin.clone();
            let stored = p.store.load(&origin).await?;
            let (zone, refreshed) = match stored {
                Some(s) => (
                    Some(
                        zone_from_records(&origin, &s.records).map_err(|what| PropagationError::BadZone {
                            zone: origin.clone(),
                            what,
                        })?,
                    ),
                    s.info.refreshed,
                ),
                None if matches!(config.role, Role::Managed) => return Err(PropagationError::NotInStore(origin)),
                None => (None, None),
            };
            let soa = zone.as_ref().and_then(Zone::soa);
            let timers = timers::Timers::new(soa.as_ref(), refreshed, now);
            let journal = match &zone {
                // Signatures are not stored, so the stored changes are not the served
                // ones: a signed zone's journal starts empty after a restart.
                Some(_) if config.signing.is_none() => p.store.journal(&origin).await?,
                _ => Vec::new(),
            };
            if let Some(zone) = &zone {
                let served = serve_version(&config, zone, None, now as u32);
                let expired = matches!(config.role, Role::Secondary { .. }) && timers.expired(now);
                p.publish(&origin, served, journal, expired);
            }
            states.insert(
                origin,
                Arc::new(ZoneState {
                    config,
                    data: tokio::sync::Mutex::new(zone),
                    timers: std::sync::Mutex::new(timers),
                    wake: Notify::new(),
                }),
            );
        }
        p.zones = states;
        if all_managed {
            // Served from the first answer on; a zone that does not load is said now and
            // tried again at each look.
            for e in p.reload_hosted().await {
                eprintln!("store: {e}");
            }
        }
        Ok(p)
    }

    /// Starts the refresh task of every secondary and tells the secondaries of every
    /// managed zone that it may have changed while we were down (as BIND does at load).
    pub(crate) fn start(self: &Arc<Self>) {
        let mut watching = self.all_managed;
        if watching {
            tokio::spawn(watch_store(self.clone()));
        }
        for state in self.zones.values() {
            match &state.config.role {
                Role::Secondary { .. } => {
                    tokio::spawn(secondary::run(self.clone(), state.clone()));
                }
                Role::Managed => self.notify_all(&state.config.origin),
            }
            if matches!(state.config.role, Role::Managed) && !watching {
                // Another process may change a managed zone in the store (the registry
                // publishing a TLD, `banyan zone import`, a second server sharing PostgreSQL):
                // look for a new serial every STORE_WATCH.
                watching = true;
                tokio::spawn(watch_store(self.clone()));
            }
            if let Some(signing) = &state.config.signing {
                let every =
                    Duration::from_secs(u64::from(signing.validity / banyan_dnssec::REFRESH_DIVISOR / 4).max(1))
                        .min(crate::RESIGN_CHECK_INTERVAL);
                tokio::spawn(resign_loop(self.clone(), state.clone(), every));
            }
        }
    }

    /// Reads every managed zone's serial from the store and serves the ones whose stored
    /// serial differs from the one held (changed by another writer: `banyan zone import`, the
    /// registry publishing a TLD), telling their secondaries. Returns the errors, one per zone
    /// that failed (it keeps its version). Called every [`STORE_WATCH`] and on SIGHUP.
    pub(crate) async fn reload_managed(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let now = unix_now();
        for state in self.zones.values().filter(|s| matches!(s.config.role, Role::Managed)) {
            let origin = &state.config.origin;
            let mut data = state.data.lock().await;
            let held = data.as_ref().and_then(Zone::soa).map(|s| s.serial);
            // The serial alone first: a look every second must cost a row, not the zone.
            match self.store.info(origin).await {
                Ok(Some(info)) if Some(info.serial) == held => continue,
                Ok(_) => {}
                Err(e) => {
                    errors.push(format!("{origin}: {e}"));
                    continue;
                }
            }
            let stored = match self.store.load(origin).await {
                Ok(Some(stored)) => stored,
                Ok(None) => {
                    errors.push(format!("{origin}: no longer in the store; keeping the version served"));
                    continue;
                }
                Err(e) => {
                    errors.push(format!("{origin}: {e}"));
                    continue;
                }
            };
            if Some(stored.info.serial) == held {
                continue;
            }
            let zone = match zone_from_records(origin, &stored.records) {
                Ok(z) => z,
                Err(e) => {
                    errors.push(format!("{origin}: in the store: {e}"));
                    continue;
                }
            };
            let before = self.catalog.load().zones().find(|z| z.origin() == origin).cloned();
            let served = serve_version(&state.config, &zone, before.as_ref(), now as u32);
            let changes = before.map(|old| diff(&old, &served)).into_iter().collect();
            self.publish(origin, served, changes, false);
            *data = Some(zone);
            drop(data);
            self.notify_all(origin);
        }
        errors
    }

    /// Re-signs every zone signed online whose signatures near expiry at `now` (see
    /// [`Propagation::resign_if_due`]); returns how many were.
    pub(crate) async fn resign_all_if_due(&self, now: u32) -> usize {
        let mut done = 0;
        for state in self.zones.values() {
            if self.resign_if_due(state, now).await {
                done += 1;
            }
        }
        done
    }

    /// Re-signs the zone (as `serve_version` does, incrementally) when its earliest signature
    /// enters the refresh window at `now`, so that a zone nobody changes stays signed.
    /// Returns true when it did.
    async fn resign_if_due(&self, state: &ZoneState, now: u32) -> bool {
        let Some(signing) = &state.config.signing else {
            return false;
        };
        let origin = &state.config.origin;
        let mut data = state.data.lock().await;
        let Some(stored) = data.as_ref() else {
            return false;
        };
        let served = self.catalog.load().zones().find(|z| z.origin() == origin).cloned();
        let Some(served) = served else { return false };
        if !banyan_dnssec::needs_resigning(&served, &signing.options(now), now) {
            return false;
        }
        // New signatures are a new version: the serial moves (as Knot and BIND do when they
        // re-sign), stored first, so secondaries transfer them and a restart keeps counting.
        let Some(bumped) = bump_serial(stored, state.config.serial_policy, u64::from(now)) else {
            return false;
        };
        let (next, change) = bumped;
        if let Err(e) = self.store.apply(origin, &change, i64::from(now)).await {
            eprintln!("re-sign {origin}: the new serial was not stored: {e}");
            return false;
        }
        let fresh = serve_version(&state.config, &next, Some(&served), now);
        let served_change = diff(&served, &fresh);
        let expired = self.catalog.load().is_expired(origin);
        self.publish(origin, fresh, vec![served_change], expired);
        *data = Some(next);
        drop(data);
        self.notify_all(origin);
        true
    }

    /// Where to send from to reach `target`: our listening address of its family (any port),
    /// or the wildcard address when we listen on none of that family or on the wildcard.
    pub(crate) fn local_for(&self, target: SocketAddr) -> SocketAddr {
        let ip = self
            .sources
            .iter()
            .copied()
            .find(|ip| ip.is_ipv4() == target.is_ipv4())
            .unwrap_or(if target.is_ipv4() {
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            });
        SocketAddr::new(ip, 0)
    }

    /// The zones kept in the store (their origins), configured or found there.
    pub fn origins(&self) -> Vec<Name> {
        let mut out: Vec<Name> = self.zones.keys().cloned().collect();
        out.extend(self.hosted.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned());
        out
    }

    /// With [`crate::StoreConfig::all_managed`]: serves every managed zone of the store that
    /// is not configured here (a zone the dashboard created, say) — a new one at once, a
    /// changed one when its stored serial moved (with the change in its IXFR journal), and
    /// stops serving one deleted from the store. These zones are only served: no UPDATE,
    /// NOTIFY or signing here (their writer does that). Returns the errors, one per zone.
    pub(crate) async fn reload_hosted(&self) -> Vec<String> {
        if !self.all_managed {
            return Vec::new();
        }
        let infos = match self.store.zones().await {
            Ok(infos) => infos,
            Err(e) => return vec![format!("listing the store's zones: {e}")],
        };
        let held = self.hosted.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut errors = Vec::new();
        let mut now_held = HashMap::new();
        let found = infos
            .iter()
            .filter(|i| i.kind == ZoneKind::Managed && !self.zones.contains_key(&i.name));
        for info in found {
            let origin = &info.name;
            if held.get(origin) == Some(&info.serial) {
                now_held.insert(origin.clone(), info.serial);
                continue;
            }
            let loaded = match self.store.load(origin).await {
                Ok(Some(stored)) => zone_from_records(origin, &stored.records).map(|z| (z, stored.info.serial)),
                Ok(None) => continue,
                Err(e) => Err(e.to_string()),
            };
            match loaded {
                Ok((zone, serial)) => {
                    let before = self.catalog.load().zones().find(|z| z.origin() == origin).cloned();
                    let changes = before.map(|old| diff(&old, &zone)).into_iter().collect();
                    self.publish(origin, zone, changes, false);
                    now_held.insert(origin.clone(), serial);
                }
                Err(e) => {
                    errors.push(format!("{origin}: in the store: {e}"));
                    if let Some(&serial) = held.get(origin) {
                        now_held.insert(origin.clone(), serial);
                    }
                }
            }
        }
        let gone: Vec<&Name> = held.keys().filter(|n| !now_held.contains_key(*n)).collect();
        if let Some((first, rest)) = gone.split_first() {
            let _one = self.write.lock().unwrap_or_else(|e| e.into_inner());
            let current = self.catalog.load_full();
            let next = rest
                .iter()
                .fold(current.without_zone(first), |c, origin| c.without_zone(origin));
            self.catalog.store(Arc::new(next));
        }
        *self.hosted.lock().unwrap_or_else(|e| e.into_inner()) = now_held;
        errors
    }

    /// Swaps in a catalog where `origin` is served as `zone`, with `diffs` added to its
    /// journal (or the journal replaced by them when `fresh`).
    fn publish(&self, origin: &Name, zone: Zone, diffs: Vec<ZoneDiff>, expired: bool) {
        let _one = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.catalog.load_full();
        let mut journal = current.journal(origin).map(|j| (**j).clone()).unwrap_or_default();
        for d in diffs {
            journal.push(d);
        }
        journal.trim(JOURNAL_LIMIT);
        let mut next = current.with_zone(zone, Some(Arc::new(journal)));
        if expired {
            next = next.with_expired(origin, true);
        }
        self.catalog.store(Arc::new(next));
    }

    /// Marks `origin` expired (answered SERVFAIL) or serving again.
    fn set_expired(&self, origin: &Name, expired: bool) {
        let _one = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.catalog.load_full();
        if current.is_expired(origin) != expired {
            self.catalog.store(Arc::new(current.with_expired(origin, expired)));
        }
    }

    /// A NOTIFY for `zone` was accepted (RFC 1996 §3.11): refresh it now.
    ///
    /// For a managed zone, or one that is not configured here with
    /// [`crate::StoreConfig::all_managed`]: the store's writer says it changed or is new (see
    /// `AuthConfig::notifiers`), so the store is looked at now rather than at the next
    /// [`STORE_WATCH`].
    pub fn notified(&self, zone: &Name) {
        match self.zones.get(zone) {
            Some(state) if matches!(state.config.role, Role::Secondary { .. }) => {
                state
                    .timers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .notified(unix_now());
                state.wake.notify_one();
            }
            // A managed zone: its writer (the registry publishing a TLD) says the store holds
            // a new version.
            Some(_) => self.look_now.notify_one(),
            None if self.all_managed => self.look_now.notify_one(),
            None => {}
        }
    }

    /// Sends NOTIFY for `origin` to each of its secondaries, each on its own task, retried
    /// until acknowledged or [`NOTIFY_ATTEMPTS`] have gone unanswered.
    fn notify_all(&self, origin: &Name) {
        let Some(state) = self.zones.get(origin) else { return };
        let soa = self
            .catalog
            .load()
            .zones()
            .find(|z| z.origin() == origin)
            .and_then(|z| z.records().find(|r| r.rtype() == RecordType::SOA));
        for &target in &state.config.notify {
            let task = notify_until_acknowledged(
                self.local_for(target),
                target,
                origin.clone(),
                soa.clone(),
                state.config.notify_key.clone(),
            );
            let mut stop = self.stop.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = task => {}
                    _ = stop.changed() => {}
                }
            });
        }
    }

    /// Answers a dynamic UPDATE (RFC 2136 §3) and, when it changed the zone, stores the
    /// change, serves it and notifies the secondaries before replying (an acknowledged
    /// update is durable). The reply is TSIG-signed when the request was.
    pub async fn update(&self, request: &[u8], now: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let signed = match tsig::verify_request(request, &self.keys, now) {
            Ok(s) => s,
            Err(failure) => {
                // RFC 8945 §5.2: NOTAUTH with the TSIG error, nothing applied.
                update_reply(request, Rcode::NOTAUTH, &mut out);
                tsig::append_error(&mut out, &failure, now);
                return out;
            }
        };
        let rcode = self.apply(request, signed.as_ref().map(|s| &s.key.name), now).await;
        update_reply(request, rcode, &mut out);
        if let Some(s) = &signed {
            tsig::sign_response(&mut out, &s.key, &s.mac, now);
        }
        out
    }

    async fn apply(&self, request: &[u8], signer: Option<&Name>, now: u64) -> Rcode {
        let Some(origin) = Message::parse(request)
            .ok()
            .and_then(|m| m.question())
            .map(|q| q.qname.to_name())
        else {
            return Rcode::FORMERR;
        };
        let Some(state) = self.zones.get(&origin) else {
            // A zone served from a file is not ours to change; one not served at all, we
            // are not authoritative for (RFC 2136 §3.1.1).
            let served = self.catalog.load().zones().any(|z| *z.origin() == origin);
            return if served { Rcode::REFUSED } else { Rcode::NOTAUTH };
        };
        if !matches!(state.config.role, Role::Managed) {
            // RFC 2136 §6 lets a secondary forward; like NSD (and Knot by default) we refuse.
            return Rcode::REFUSED;
        }
        let mut data = state.data.lock().await;
        let Some(current) = data.as_ref() else {
            return Rcode::SERVFAIL;
        };
        let (next, change) = match apply_update(
            current,
            request,
            signer,
            &state.config.update_policy,
            state.config.serial_policy,
            now,
        ) {
            Err(rcode) => return rcode,
            // Prerequisites held, nothing to change: the serial stays (RFC 2136 §3.7).
            Ok(None) => return Rcode::NOERROR,
            Ok(Some(change)) => change,
        };
        if let Err(e) = self.store.apply(&origin, &change, now as i64).await {
            eprintln!("update {origin}: not stored, not applied: {e}");
            return Rcode::SERVFAIL;
        }
        let _ = self.store.trim_history(&origin, JOURNAL_LIMIT).await;
        self.serve_change(state, current, &next, vec![change]);
        *data = Some(next);
        drop(data);
        self.notify_all(&origin);
        Rcode::NOERROR
    }

    /// Serves `next` (the new stored version of a zone that was `previous`, reached by
    /// `changes`): unsigned, `changes` go to the journal as they are; signed online, the zone
    /// is re-signed and the journal gets the one difference between the versions served.
    fn serve_change(&self, state: &ZoneState, previous: &Zone, next: &Zone, changes: Vec<ZoneDiff>) {
        let origin = &state.config.origin;
        match &state.config.signing {
            None => self.publish(origin, next.clone(), changes, false),
            Some(_) => {
                let served_before = self.catalog.load().zones().find(|z| z.origin() == origin).cloned();
                let before = served_before.unwrap_or_else(|| previous.clone());
                let served = serve_version(&state.config, next, Some(&before), unix_now() as u32);
                let served_change = diff(&before, &served);
                self.publish(origin, served, vec![served_change], false);
            }
        }
    }
}

/// Looks at the managed zones' serials in the store every [`STORE_WATCH`] and serves the ones
/// another writer changed, until the server stops.
async fn watch_store(p: Arc<Propagation>) {
    let mut stop = p.stop.clone();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(STORE_WATCH) => {}
            _ = p.look_now.notified() => {}
            _ = stop.changed() => return,
        }
        for e in p.reload_managed().await {
            eprintln!("store: {e}");
        }
        for e in p.reload_hosted().await {
            eprintln!("store: {e}");
        }
    }
}

/// Sends NOTIFY for `zone` from `local` to `target` until it is acknowledged or
/// [`NOTIFY_ATTEMPTS`] went unanswered, waiting longer after each (RFC 1996 §3.6).
async fn notify_until_acknowledged(
    local: SocketAddr,
    target: SocketAddr,
    zone: Name,
    soa: Option<Record>,
    key: Option<TsigKey>,
) {
    let mut wait = NOTIFY_FIRST_INTERVAL;
    for attempt in 1..=NOTIFY_ATTEMPTS {
        match client::notify(local, target, &zone, soa.as_ref(), key.as_ref()).await {
            Ok(()) => return,
            Err(e) if attempt == NOTIFY_ATTEMPTS => {
                eprintln!("notify {zone} to {target}: giving up after {attempt} attempts: {e}");
                return;
            }
            Err(_) => {}
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(NOTIFY_MAX_INTERVAL);
    }
}

/// Tells each of `targets` that `zone` changed (RFC 1996 NOTIFY, unsigned, from an address
/// the system picks), each on its own task on the current tokio runtime, retried until
/// acknowledged: for a process that writes zones into a store others serve (the registry
/// publishing a TLD, the dashboard saving a record), so they read it at once.
pub fn notify_in_background(zone: &Name, targets: &[SocketAddr]) {
    for &target in targets {
        let local = if target.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        tokio::spawn(notify_until_acknowledged(local, target, zone.clone(), None, None));
    }
}

/// Looks every `every` whether the zone needs re-signing, until the server stops.
async fn resign_loop(p: Arc<Propagation>, state: Arc<ZoneState>, every: Duration) {
    let mut stop = p.stop.clone();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if p.resign_if_due(&state, unix_now() as u32).await {
            eprintln!("re-sign: {}: signatures near expiry made again", state.config.origin);
        }
    }
}

/// What is served for the stored `zone`: itself, or signed (keeping what it can of
/// `previous`, the version served before) at `now`. A signing failure serves the zone unsigned
/// and says so.
fn serve_version(config: &DynamicZone, zone: &Zone, previous: Option<&Zone>, now: u32) -> Zone {
    match &config.signing {
        None => zone.clone(),
        Some(signing) => match signing.sign(zone, previous, now) {
            Ok(signed) => signed,
            Err(e) => {
                eprintln!("{e}; serving {} unsigned", config.origin);
                zone.clone()
            }
        },
    }
}

/// `zone` with its SOA serial moved on by `policy`, and the change (old SOA out, new in).
fn bump_serial(zone: &Zone, policy: SerialPolicy, now: u64) -> Option<(Zone, ZoneDiff)> {
    let old = zone
        .records()
        .find(|r| r.rtype() == RecordType::SOA && r.name == *zone.origin())?;
    let mut new = old.clone();
    if let banyan_wire::RData::SOA(soa) = &mut new.data {
        soa.serial = policy.next(soa.serial, now);
    }
    let change = ZoneDiff {
        removed: vec![old],
        added: vec![new],
    };
    let mut next = zone.clone();
    if change.apply(&mut next) > 0 {
        return None;
    }
    Some((next, change))
}

/// Builds a zone from the records of the store or a transfer.
pub fn zone_from_records(origin: &Name, records: &[Record]) -> Result<Zone, String> {
    let class = records.first().map_or(Class::IN, |r| r.class);
    let mut builder = ZoneBuilder::new(origin.clone(), class, records.len());
    for r in records {
        builder.add(r).map_err(|e| format!("{} {}: {e}", r.name, r.rtype()))?;
    }
    let (zone, _) = builder.finish();
    if zone.soa().is_none() {
        return Err("no SOA at the apex".into());
    }
    Ok(zone)
}

/// Seconds since 1970, as TSIG counts them (RFC 8945 §5.2.3): read at the I/O edge and
/// handed to the pure code.
pub(crate) fn tsig_now() -> u64 {
    client::now()
}

/// Seconds since 1970.
fn unix_now() -> i64 {
    client::now() as i64
}

// Keep the role type and the store's kind in step.
impl From<&Role> for ZoneKind {
    fn from(role: &Role) -> ZoneKind {
        match role {
            Role::Managed => ZoneKind::Managed,
            Role::Secondary { .. } => ZoneKind::Secondary,
        }
    }
}
