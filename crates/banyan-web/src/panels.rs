//! Hooks for pages added to the dashboard, so they plug in without reshaping it:
//!
//! - **Domain panels**: implement [`DomainPanel`] and register it with
//!   [`crate::AppState::add_panel`]; every domain page renders every panel, in order, below
//!   the records, and the JSON API is unaffected. The propagation panel
//!   ([`crate::propagation::PropagationPanel`]) is one, registered from the start.
//! - **Extra pages**: build their routes as an `axum::Router<AppState>` and pass it to
//!   [`crate::router_with`]; their links appear in the navigation when listed in
//!   [`ExtraPage`]s. (The lookup page is built in, at `/lookup`.)

use std::future::Future;
use std::pin::Pin;

use banyan_wire::Name;
use maud::Markup;

use crate::database::User;
use crate::state::AppState;

/// A boxed future, as a trait object's async method returns.
pub type PanelFuture<'a> = Pin<Box<dyn Future<Output = Markup> + Send + 'a>>;

/// A section of a domain's page, drawn after the records table: e.g. the propagation panel,
/// which asks each authoritative server for the zone's SOA (RFC 1035 §4.3.5) and compares its
/// serial with the store's (RFC 1982 order).
pub trait DomainPanel: Send + Sync + 'static {
    /// The section's heading.
    fn title(&self) -> &str;

    /// The section's content for `domain`, which `user` holds and whose zone is hosted here.
    /// Errors are the panel's to show inside its own markup.
    fn render<'a>(&'a self, state: &'a AppState, user: &'a User, domain: &'a Name) -> PanelFuture<'a>;
}

/// A page added with [`crate::router_with`], linked from the navigation bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraPage {
    /// The link's text, e.g. `Lookup`.
    pub label: String,
    /// Its path, e.g. `/lookup`.
    pub path: String,
}
