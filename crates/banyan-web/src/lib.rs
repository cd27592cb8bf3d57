//! `banyan-web`: the registrar dashboard — once a domain is registered with this registrar,
//! the page where its holder modifies its records — and its JSON API.
//!
//! What it does: accounts (sign-up, log-in with Argon2id password hashes, server-side
//! sessions with an HttpOnly cookie and a CSRF token per session, a login throttle), domain
//! search, registration, renewal and transfer-in through EPP (RFC 5730-5733) with the
//! registries configured, hosting each registered domain's zone in the zone store with the
//! registrar's name servers, and editing its A, AAAA, CNAME, MX, TXT, CAA, SRV, NS and DS
//! records — each save one change in the store with the SOA serial moved by RFC 1982
//! arithmetic. Each domain page has a propagation panel ([`propagation`]: the SOA serial
//! each authoritative server serves, asked live, against the store's, and when caches let go
//! of replaced data), and a public lookup page ([`lookup`]: a name resolved from the root,
//! drawn server by server as SVG, beside the configured resolver's answer). HTML pages
//! rendered on the server (one small inline script refreshes the propagation panel), and the
//! same operations as a JSON API with bearer tokens and an OpenAPI 3 document.
//!
//! What it does not do: serve DNS (the authoritative servers read the store), run a registry
//! (it is an EPP client), send mail, or take payments (prices are shown, not charged).
//!
//! Layout: [`records`] (the sans-I/O record editor), [`throttle`] (the sans-I/O login
//! throttle), [`credentials`], [`database`], [`registrar`] (EPP), [`dns_exchange`] (one DNS
//! question over UDP/TCP), [`propagation`] and [`lookup`] (the two DNS views), [`trace_svg`]
//! (the lookup's drawing, a pure function), [`actions`] (the operations both front ends
//! share), [`dashboard`] and [`pages`] (HTML), [`api`] and [`openapi`] (JSON); [`panels`]
//! holds the hooks for further pages.

#![forbid(unsafe_code)]

pub mod actions;
pub mod api;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod dashboard;
pub mod database;
pub mod dns_exchange;
pub mod error;
pub mod lookup;
pub mod notify;
pub mod openapi;
pub mod pages;
pub mod panels;
pub mod propagation;
pub mod records;
pub mod registrar;
pub mod session;
pub mod state;
pub mod throttle;
pub mod trace_svg;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;

use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tokio::net::TcpListener;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    HostedNameServer, LoginLimit, PasswordCost, Price, RegistryEndpoint, SoaTemplate, TraceConfig, WebConfig,
};
pub use error::WebError;
pub use state::AppState;

/// Every route of the dashboard: the HTML pages and the JSON API.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] with `extra` routes merged in: the hook for pages added later (the lookup /
/// trace page, see [`panels`]); link them from the navigation with [`AppState::add_page`].
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let mut api: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for (route, handler) in api::routes() {
        let merged = match api.remove(route.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        api.insert(route.path, merged);
    }
    let mut router = Router::new()
        .route("/", get(dashboard::home))
        .route("/signup", get(dashboard::signup_page).post(dashboard::signup))
        .route("/login", get(dashboard::login_page).post(dashboard::login))
        .route("/logout", post(dashboard::logout))
        .route("/domains", get(dashboard::domains))
        .route("/domains/register", post(dashboard::register))
        .route("/domains/transfer", post(dashboard::transfer))
        .route("/domains/{name}", get(dashboard::domain))
        .route("/domains/{name}/propagation", get(dashboard::propagation))
        .route("/lookup", get(dashboard::lookup))
        .route("/domains/{name}/renew", post(dashboard::renew))
        .route("/domains/{name}/records", post(dashboard::add_record))
        .route("/domains/{name}/records/{id}", post(dashboard::edit_record))
        .route("/domains/{name}/records/{id}/delete", post(dashboard::delete_record))
        .route("/account", get(dashboard::account))
        .route("/account/tokens", post(dashboard::new_token))
        .route("/account/tokens/{id}/revoke", post(dashboard::revoke_token));
    for (path, handler) in api {
        router = router.route(path, handler);
    }
    router.merge(extra).with_state(state)
}

/// Serves the dashboard on `listener` until `shutdown` completes, then finishes the requests
/// in flight. Client addresses are recorded for the login throttle.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
