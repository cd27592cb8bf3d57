//! What a visitor and a signed-in holder can do, independent of how they ask (HTML forms or
//! the JSON API): sign up, log in, search, register, renew, transfer in, read a domain's
//! status, list and edit its records. Every domain operation first checks that the account
//! holds the domain; one that does not gets [`WebError::NotFound`], as for a name not held here.

use std::net::IpAddr;

use banyan_registry::epp::TransferStatus;
use banyan_store::ZoneKind;
use banyan_wire::rdata::Soa;
use banyan_wire::{Class, Name, RData, Record};
use serde::{Deserialize, Serialize};

use crate::credentials;
use crate::database::{DomainRow, DomainState, NewUser, User, ZoneChange};
use crate::error::WebError;
use crate::propagation;
use crate::records::{self, Edit, FieldErrors, PlanError, RecordView};
use crate::registrar::{epp_name, DomainStatus, Registrant};
use crate::state::AppState;
use crate::throttle::Verdict;

/// What sign-up asks for. The name, city and country make the registrant contact the
/// registries require (RFC 5733 §2.4: a name and an address with city and country code).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SignUp {
    /// The login name.
    #[serde(default)]
    pub email: String,
    /// At least [`credentials::MIN_PASSWORD_LEN`] characters.
    #[serde(default)]
    pub password: String,
    /// The holder's name.
    #[serde(default)]
    pub name: String,
    /// The holder's city.
    #[serde(default)]
    pub city: String,
    /// The holder's country, ISO 3166 alpha-2.
    #[serde(default)]
    pub country: String,
}

/// One candidate name of a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// The name, without the final dot.
    pub name: String,
    /// Whether the registry would register it (RFC 5731 §3.1.1 `avail`).
    pub available: bool,
    /// Why not, when the registry said.
    pub reason: Option<String>,
    /// The price of a year, e.g. `12.00 EUR`, when the price list has the TLD.
    pub price: Option<String>,
}

/// A domain's page: the holder's record of it, the registry's, and the zone.
#[derive(Clone, Debug, Serialize)]
pub struct DomainDetails {
    /// The name, without the final dot.
    pub name: String,
    /// Registered, or transfer pending.
    pub state: DomainState,
    /// What the registry says; `None` with `registry_error` set when it could not be asked.
    pub registry: Option<DomainStatus>,
    /// Why the registry could not be asked.
    pub registry_error: Option<String>,
    /// The hosted zone's serial, when the zone is hosted here.
    pub serial: Option<u32>,
    /// The zone's records.
    pub records: Vec<RecordView>,
}

/// Parses a domain name as typed (any case, final dot optional, Unicode allowed).
pub fn parse_domain(text: &str) -> Result<Name, WebError> {
    let t = text.trim().trim_end_matches('.');
    if t.is_empty() {
        return Err(WebError::BadRequest("enter a domain name".into()));
    }
    Name::from_unicode(t)
        .map(|n| n.to_lowercase())
        .map_err(|e| WebError::BadRequest(format!("{t:?} is not a valid domain name: {e}")))
}

/// The key of a domain in the dashboard's database: lowercase, with the final dot.
fn key(name: &Name) -> String {
    name.to_lowercase().to_string()
}

fn lowercase_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates an account (nothing is sent to the registries until the first registration).
pub async fn sign_up(state: &AppState, form: &SignUp) -> Result<i64, WebError> {
    let mut errors = FieldErrors::new();
    let email = lowercase_email(&form.email);
    let valid_email = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !email.contains(char::is_whitespace));
    if !valid_email || email.len() > 254 {
        errors.add("email", "enter an e-mail address such as jane@example.com");
    }
    let pw_len = form.password.chars().count();
    if pw_len < credentials::MIN_PASSWORD_LEN {
        errors.add(
            "password",
            format!("use at least {} characters", credentials::MIN_PASSWORD_LEN),
        );
    } else if pw_len > credentials::MAX_PASSWORD_LEN {
        errors.add(
            "password",
            format!("at most {} characters", credentials::MAX_PASSWORD_LEN),
        );
    }
    for (field, value, what) in [("name", &form.name, "your name"), ("city", &form.city, "your city")] {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 255 {
            errors.add(field, format!("enter {what}"));
        }
    }
    let country = form.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        errors.add("country", "a two-letter country code, e.g. NL");
    }
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    let hash = hash_password(state, form.password.clone()).await?;
    let new = NewUser {
        email: &email,
        name: form.name.trim(),
        city: form.city.trim(),
        country: &country,
        password_hash: &hash,
    };
    state.db().create_user(&new, state.now()).await
}

async fn hash_password(state: &AppState, password: String) -> Result<String, WebError> {
    let cost = state.config().password_cost;
    // Argon2 is slow on purpose: off the async worker threads.
    tokio::task::spawn_blocking(move || credentials::hash_password(&password, cost))
        .await
        .map_err(|e| WebError::Password(e.to_string()))?
}

/// Checks a login against the throttle and the password: [`WebError::RateLimited`] while
/// the client address or the account has too many recent failures (the password is then not
/// even checked), [`WebError::Unauthenticated`] for a wrong e-mail or password.
pub async fn log_in(state: &AppState, email: &str, password: &str, client: Option<IpAddr>) -> Result<User, WebError> {
    let email = lowercase_email(email);
    let ip_key = format!("ip:{}", client.map_or_else(|| "unknown".to_owned(), |a| a.to_string()));
    let account_key = format!("account:{email}");
    let keys = [ip_key.as_str(), account_key.as_str()];
    let now = state.now();
    if let Verdict::Limited { retry_after } = state.throttle(|t| t.check(&keys, now)) {
        return Err(WebError::RateLimited { retry_after });
    }
    let user = state.db().user_by_email(&email).await?;
    // An unknown address costs a hash check too, so timing does not tell which exist.
    let hash = user
        .as_ref()
        .map_or_else(|| state.decoy_hash().to_owned(), |u| u.password_hash.clone());
    let cost = state.config().password_cost;
    let given = password.to_owned();
    let good = tokio::task::spawn_blocking(move || credentials::verify_password(&given, &hash, cost))
        .await
        .map_err(|e| WebError::Password(e.to_string()))?;
    match user {
        Some(u) if good => {
            state.throttle(|t| t.clear(&account_key));
            Ok(u)
        }
        _ => {
            state.throttle(|t| t.failed(&keys, now));
            Err(WebError::Unauthenticated)
        }
    }
}

/// Starts a session for `user`: returns the session ID for the cookie (the database keeps
/// only its digest) and the session's expiry.
pub async fn start_session(state: &AppState, user: &User) -> Result<(String, i64), WebError> {
    let id = credentials::random_secret();
    let csrf = credentials::random_secret();
    let now = state.now();
    let lifetime = i64::try_from(state.config().session_lifetime.as_secs()).unwrap_or(i64::MAX);
    let expires = now.saturating_add(lifetime);
    state
        .db()
        .create_session(user.id, &credentials::digest(&id), &csrf, now, expires)
        .await?;
    Ok((id, expires))
}

/// Searches for names: `query` is a label (`newsite`: tried under every TLD) or a name
/// (`newsite.test`: that name first, then its first label under the other TLDs). One
/// domain:check per registry (RFC 5731 §3.1.1).
pub async fn search(state: &AppState, query: &str) -> Result<Vec<Availability>, WebError> {
    let name = parse_domain(query)?;
    let config = state.config();
    let label = name
        .labels()
        .next()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| WebError::BadRequest("enter a name".into()))?;
    let mut candidates: Vec<Name> = Vec::new();
    if config.registry_for(&name).is_some() {
        candidates.push(name.clone());
    }
    if name.label_count() == 1 || config.registry_for(&name).is_some() {
        for tld in config.tlds() {
            if let Ok(c) = tld.prepend(&label) {
                let c = c.to_lowercase();
                if !candidates.contains(&c) {
                    candidates.push(c);
                }
            }
        }
    }
    if candidates.is_empty() {
        return Err(WebError::BadRequest(format!(
            "no registry here runs the TLD of {}; try one of: {}",
            epp_name(&name),
            config.tlds().map(epp_name).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut out: Vec<Availability> = Vec::new();
    for registry in 0..config.registries.len() {
        let names: Vec<&Name> = candidates
            .iter()
            .filter(|c| config.registry_for(c).is_some_and(|(i, _)| i == registry))
            .collect();
        if names.is_empty() {
            continue;
        }
        let texts: Vec<String> = names.iter().map(|n| epp_name(n)).collect();
        let results = state.registrar().check(registry, &texts).await?;
        for (n, r) in names.iter().zip(results) {
            let price = config
                .registry_for(n)
                .and_then(|(_, tld)| config.price(tld))
                .map(ToString::to_string);
            out.push(Availability {
                name: epp_name(n),
                available: r.available,
                reason: r.reason,
                price,
            });
        }
    }
    // The order the candidates were made in: the name asked for first.
    out.sort_by_key(|a| candidates.iter().position(|c| epp_name(c) == a.name));
    Ok(out)
}

/// The registry for `name` and the TLD, if `name` is directly below the TLD (registrable).
fn registry_of(state: &AppState, name: &Name) -> Result<usize, WebError> {
    match state.config().registry_for(name) {
        Some((i, tld)) if name.label_count() == tld.label_count() + 1 => Ok(i),
        Some((_, tld)) => Err(WebError::BadRequest(format!(
            "only names directly below {} can be registered",
            epp_name(tld)
        ))),
        None => Err(WebError::BadRequest(format!(
            "no registry here runs the TLD of {}",
            epp_name(name)
        ))),
    }
}

/// The records of a new hosted zone: SOA and the hosted name servers (RFC 1035 §3.3.13,
/// §3.3.11).
pub fn initial_zone(state: &AppState, name: &Name) -> Result<Vec<Record>, WebError> {
    let config = state.config();
    let first = config
        .name_servers
        .first()
        .ok_or_else(|| WebError::Config("no hosted name servers".into()))?;
    let soa = &config.soa;
    let rname = Name::parse(&soa.rname, Some(name))
        .map_err(|e| WebError::Config(format!("SOA mailbox {:?}: {e}", soa.rname)))?;
    let mut records = vec![Record {
        name: name.clone(),
        class: Class::IN,
        ttl: soa.ttl,
        data: RData::SOA(Soa {
            mname: first.name.clone(),
            rname,
            serial: soa.first_serial,
            refresh: soa.refresh,
            retry: soa.retry,
            expire: soa.expire,
            minimum: soa.minimum,
        }),
    }];
    for ns in &config.name_servers {
        records.push(Record {
            name: name.clone(),
            class: Class::IN,
            ttl: config.ns_ttl,
            data: RData::NS(ns.name.clone()),
        });
    }
    Ok(records)
}

/// The account's registrant contact, its ID made and saved on first use.
async fn registrant(state: &AppState, user: &User) -> Result<Registrant, WebError> {
    let id = match &user.contact_id {
        Some(id) => id.clone(),
        None => {
            // 3-16 characters (RFC 5730 clIDType): "bw" and 12 random hex digits.
            let id = format!("bw{}", &credentials::random_secret()[..12]);
            state.db().set_contact(user.id, &id).await?;
            id
        }
    };
    Ok(Registrant {
        id,
        name: user.name.clone(),
        city: user.city.clone(),
        country: user.country.clone(),
        email: user.email.clone(),
    })
}

/// Registers `name` for `user`: holds the name in the dashboard's database, creates the
/// hosted zone (SOA and NS of the hosted name servers), then registers it through EPP with
/// those name servers. A refusal by the registry undoes the first two steps.
pub async fn register(state: &AppState, user: &User, name_text: &str) -> Result<Option<String>, WebError> {
    let name = parse_domain(name_text)?;
    let registry = registry_of(state, &name)?;
    let now = state.now();
    let registrant = registrant(state, user).await?;
    state
        .db()
        .add_domain(&key(&name), user.id, DomainState::Registered, now)
        .await?;
    let result = async {
        if state.store().info(&name).await?.is_some() {
            return Err(WebError::Conflict(format!(
                "a zone for {} is already hosted here",
                epp_name(&name)
            )));
        }
        state
            .store()
            .replace(&name, ZoneKind::Managed, &initial_zone(state, &name)?, now)
            .await?;
        crate::notify::changed(state, &name);
        let auth_info = &credentials::random_secret()[..16];
        let r = state
            .registrar()
            .register(
                registry,
                &epp_name(&name),
                &registrant,
                &state.config().name_servers,
                auth_info,
            )
            .await;
        if r.is_err() {
            state.store().delete(&name).await?;
        }
        r
    }
    .await;
    if result.is_err() {
        state.db().remove_domain(&key(&name)).await?;
    }
    result
}

/// The domain `name_text` as held by `user`, or [`WebError::NotFound`].
pub async fn owned(state: &AppState, user: &User, name_text: &str) -> Result<(Name, DomainRow), WebError> {
    let name = parse_domain(name_text).map_err(|_| WebError::NotFound)?;
    match state.db().owned_domain(user.id, &key(&name)).await? {
        Some(row) => Ok((name, row)),
        None => Err(WebError::NotFound),
    }
}

/// The account's domains.
pub async fn domains(state: &AppState, user: &User) -> Result<Vec<DomainRow>, WebError> {
    state.db().domains(user.id).await
}

/// A domain's registry status and hosted zone. A transfer in that the registry has completed
/// (this registrar is now the sponsor) turns the domain `registered`.
pub async fn details(state: &AppState, user: &User, name_text: &str) -> Result<DomainDetails, WebError> {
    let (name, row) = owned(state, user, name_text).await?;
    let registry = registry_of(state, &name)?;
    let (status, error) = match state.registrar().info(registry, &epp_name(&name)).await {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.public_message())),
    };
    let mut domain_state = row.state;
    if domain_state == DomainState::TransferPending {
        let ours = &state.config().registries[registry].client_id;
        if status.as_ref().is_some_and(|s| &s.sponsor == ours) {
            state.db().set_domain_state(&row.name, DomainState::Registered).await?;
            domain_state = DomainState::Registered;
        }
    }
    let zone = state.store().load(&name).await?;
    Ok(DomainDetails {
        name: epp_name(&name),
        state: domain_state,
        registry: status,
        registry_error: error,
        serial: zone.as_ref().map(|z| z.info.serial),
        records: zone.map(|z| records::view(&name, &z.records)).unwrap_or_default(),
    })
}

/// Renews `name` by the configured period (RFC 5731 §3.2.3); returns the new expiry.
pub async fn renew(state: &AppState, user: &User, name_text: &str) -> Result<Option<String>, WebError> {
    let (name, _) = owned(state, user, name_text).await?;
    let registry = registry_of(state, &name)?;
    state.registrar().renew(registry, &epp_name(&name)).await
}

/// Requests the transfer of `name` to this registrar with its authInfo (RFC 5731 §3.2.4),
/// holds it for `user`, and hosts its zone here (SOA and the hosted name servers) unless a
/// zone for it is already hosted. Returns the transfer status.
pub async fn transfer_in(
    state: &AppState,
    user: &User,
    name_text: &str,
    auth_info: &str,
) -> Result<TransferStatus, WebError> {
    let name = parse_domain(name_text)?;
    let registry = registry_of(state, &name)?;
    if auth_info.trim().is_empty() {
        return Err(WebError::Invalid(FieldErrors::one(
            "auth_info",
            "enter the authorization code the current registrar gave you",
        )));
    }
    let now = state.now();
    state
        .db()
        .add_domain(&key(&name), user.id, DomainState::TransferPending, now)
        .await?;
    let result = state
        .registrar()
        .transfer_in(registry, &epp_name(&name), auth_info.trim())
        .await;
    let transfer = match result {
        Ok(t) => t,
        Err(e) => {
            state.db().remove_domain(&key(&name)).await?;
            return Err(e);
        }
    };
    if matches!(
        transfer.tr_status,
        TransferStatus::ClientApproved | TransferStatus::ServerApproved
    ) {
        state
            .db()
            .set_domain_state(&key(&name), DomainState::Registered)
            .await?;
    }
    if state.store().info(&name).await?.is_none() {
        state
            .store()
            .replace(&name, ZoneKind::Managed, &initial_zone(state, &name)?, now)
            .await?;
        crate::notify::changed(state, &name);
    }
    Ok(transfer.tr_status)
}

/// The records of a held domain's zone, and its serial.
pub async fn records(state: &AppState, user: &User, name_text: &str) -> Result<(u32, Vec<RecordView>), WebError> {
    let (name, _) = owned(state, user, name_text).await?;
    let zone = state.store().load(&name).await?.ok_or(WebError::NotFound)?;
    Ok((zone.info.serial, records::view(&name, &zone.records)))
}

/// Makes one edit of a held domain's zone as one change in the store, the SOA serial moved
/// by one (RFC 1982); returns the new serial. A change made meanwhile by someone else makes
/// the store refuse ([`WebError::Store`] with a serial mismatch, answered 409). The change's
/// time and the TTL of what it replaced are recorded for the propagation panel.
pub async fn edit(state: &AppState, user: &User, name_text: &str, edit: &Edit) -> Result<u32, WebError> {
    let (name, _) = owned(state, user, name_text).await?;
    let zone = state.store().load(&name).await?.ok_or(WebError::NotFound)?;
    let change = records::plan(&name, &zone.records, edit).map_err(|e| match e {
        PlanError::Invalid(f) => WebError::Invalid(f),
        PlanError::NoSuchRecord(_) => WebError::NotFound,
        PlanError::NotEditable => {
            WebError::BadRequest("the SOA and apex NS records are the registrar's and cannot be edited".into())
        }
        other => WebError::Conflict(other.to_string()),
    })?;
    let now = state.now();
    state.store().apply(&name, &change.diff, now).await?;
    crate::notify::changed(state, &name);
    // For the propagation panel: when caches may let go of what this change replaced.
    let record = ZoneChange {
        serial: change.serial,
        changed: now,
        old_ttl: propagation::stale_ttl(&zone.records, &change.diff),
    };
    // The change stands in the store whatever happens here; a failure only loses the
    // panel's cache horizon for it, so it does not turn a saved edit into an error.
    let _ = state.db().record_change(&key(&name), record).await;
    Ok(change.serial)
}
