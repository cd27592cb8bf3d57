//! The dashboard's HTML, rendered on the server with `maud` (every interpolated value is
//! escaped). No front-end build: forms and links, a little inline CSS, a viewport declaration
//! so the pages read on a phone, and one small inline script — the propagation panel's
//! refresh every two seconds, without which the panel is simply as of page load.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::actions::{Availability, DomainDetails};
use crate::database::{DomainRow, DomainState, Session, TokenInfo};
use crate::lookup::{CacheVerdict, Lookup};
use crate::panels::ExtraPage;
use crate::propagation::{rfc3339, Propagation};
use crate::records::{FieldErrors, RecordForm, EDITABLE_TYPES};

/// The style sheet: one column, readable widths; on a phone the records and propagation
/// tables (`table.stack`) become one card per row, each cell labelled (`data-label`), so
/// nothing has to scroll sideways.
const CSS: &str = "
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.45}
header{background:#1d4d2f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}
header a,header button{color:#fff;text-decoration:none;background:none;border:0;font:inherit;cursor:pointer;padding:0}
header .brand{font-weight:700;margin-right:auto}
main{max-width:60rem;margin:0 auto;padding:1rem}
form.inline{display:inline}
input,select,button{font:inherit;padding:.35rem .5rem;margin:.15rem 0;max-width:100%}
button{background:#1d4d2f;color:#fff;border:0;border-radius:.25rem;cursor:pointer}
button.danger{background:#9b1c1c}
label{display:block;margin:.4rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;vertical-align:top}
td input{width:100%;box-sizing:border-box;min-width:5rem}
.error{color:#9b1c1c}
.notice{background:#e6f4ea;border:1px solid #b7dfc2;padding:.5rem;border-radius:.25rem}
.current{color:#1d6b35}.behind{color:#9b1c1c}
svg.trace{max-width:100%;height:auto;font-family:ui-monospace,monospace}
.alert{background:#fdecec;border:1px solid #f5c2c2;padding:.5rem;border-radius:.25rem}
.muted{color:#666}
code{word-break:break-all}
@media (max-width:40rem){
table.stack thead{display:none}
table.stack tr{display:block;border-bottom:1px solid #ccc;padding:.4rem 0}
table.stack td{display:flex;gap:.5rem;border:0;padding:.15rem 0;align-items:center}
table.stack td::before{content:attr(data-label);flex:0 0 5.5rem;color:#666}
table.stack td form{display:inline}
}
";

/// Who the page is for: the session (for the navigation and CSRF tokens) and extra links.
#[derive(Clone, Copy, Debug)]
pub struct Chrome<'a> {
    /// The session, when signed in.
    pub session: Option<&'a Session>,
    /// Links added by [`crate::router_with`].
    pub extra: &'a [ExtraPage],
}

/// A whole page: head, navigation, `content`.
pub fn layout(chrome: Chrome<'_>, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Banyan registrar" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    a.brand href="/" { "Banyan registrar" }
                    a href="/" { "Search" }
                    a href="/lookup" { "Lookup" }
                    @for page in chrome.extra {
                        a href=(page.path) { (page.label) }
                    }
                    @if let Some(s) = chrome.session {
                        a href="/domains" { "Domains" }
                        a href="/account" { "Account" }
                        form.inline method="post" action="/logout" {
                            (csrf_field(s))
                            button type="submit" { "Log out" }
                        }
                    } @else {
                        a href="/login" { "Log in" }
                        a href="/signup" { "Sign up" }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// The hidden CSRF field every state-changing form carries.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

fn field_error(errors: Option<&FieldErrors>, field: &str) -> Markup {
    html! {
        @if let Some(m) = errors.and_then(|e| e.get(field)) {
            span.error role="alert" { " " (m) }
        }
    }
}

/// The home page: the search form and, after a search, the results.
pub fn home(chrome: Chrome<'_>, query: &str, results: Option<Result<Vec<Availability>, String>>) -> Markup {
    let content = html! {
        h1 { "Find your domain" }
        form method="get" action="/" {
            label { "Name " input type="search" name="q" value=(query) placeholder="newsite or newsite.test" required; }
            button type="submit" { "Search" }
        }
        @match results {
            None => {}
            Some(Err(message)) => p.alert { (message) }
            Some(Ok(list)) => {
                div.scroll { table {
                    thead { tr { th { "Name" } th { "Status" } th { "Price / year" } th {} } }
                    tbody {
                        @for a in &list {
                            tr {
                                td { (a.name) }
                                td {
                                    @if a.available { "available" }
                                    @else { "taken" @if let Some(r) = &a.reason { span.muted { " (" (r) ")" } } }
                                }
                                td { (a.price.as_deref().unwrap_or("price on request")) }
                                td {
                                    @if a.available {
                                        @if let Some(s) = chrome.session {
                                            form.inline method="post" action="/domains/register" {
                                                (csrf_field(s))
                                                input type="hidden" name="name" value=(a.name);
                                                button type="submit" { "Register" }
                                            }
                                        } @else {
                                            a href="/signup" { "Sign up to register" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    layout(chrome, "Search", content)
}

/// Values a sign-up form is re-shown with (never the password).
#[derive(Clone, Debug, Default)]
pub struct SignUpValues {
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
}

/// The sign-up page.
pub fn signup(
    chrome: Chrome<'_>,
    values: &SignUpValues,
    errors: Option<&FieldErrors>,
    message: Option<&str>,
) -> Markup {
    let content = html! {
        h1 { "Sign up" }
        @if let Some(m) = message { p.alert { (m) } }
        form method="post" action="/signup" {
            label { "E-mail " input type="email" name="email" value=(values.email) required autocomplete="username"; (field_error(errors, "email")) }
            label { "Password " input type="password" name="password" required minlength="10" autocomplete="new-password"; (field_error(errors, "password")) }
            label { "Your name " input type="text" name="name" value=(values.name) required autocomplete="name"; (field_error(errors, "name")) }
            label { "City " input type="text" name="city" value=(values.city) required; (field_error(errors, "city")) }
            label { "Country code " input type="text" name="country" value=(values.country) required maxlength="2" size="2" placeholder="NL"; (field_error(errors, "country")) }
            p.muted { "Your name, city, country and e-mail become the registrant contact of the names you register." }
            button type="submit" { "Create account" }
        }
        p { "Have an account? " a href="/login" { "Log in" } }
    };
    layout(chrome, "Sign up", content)
}

/// The log-in page.
pub fn login(chrome: Chrome<'_>, email: &str, message: Option<&str>) -> Markup {
    let content = html! {
        h1 { "Log in" }
        @if let Some(m) = message { p.alert role="alert" { (m) } }
        form method="post" action="/login" {
            label { "E-mail " input type="email" name="email" value=(email) required autocomplete="username"; }
            label { "Password " input type="password" name="password" required autocomplete="current-password"; }
            button type="submit" { "Log in" }
        }
        p { "New here? " a href="/signup" { "Sign up" } }
    };
    layout(chrome, "Log in", content)
}

fn state_text(state: DomainState) -> &'static str {
    match state {
        DomainState::Registered => "registered",
        DomainState::TransferPending => "transfer pending",
    }
}

/// The domains list, with the transfer-in form.
pub fn domains(chrome: Chrome<'_>, session: &Session, rows: &[DomainRow], message: Option<&str>) -> Markup {
    let content = html! {
        h1 { "Your domains" }
        @if let Some(m) = message { p.alert role="alert" { (m) } }
        @if rows.is_empty() {
            p { "No domains yet. " a href="/" { "Search for one" } "." }
        } @else {
            div.scroll { table {
                thead { tr { th { "Name" } th { "State" } } }
                tbody {
                    @for r in rows {
                        @let name = r.name.trim_end_matches('.');
                        tr { td { a href={ "/domains/" (name) } { (name) } } td { (state_text(r.state)) } }
                    }
                }
            } }
        }
        h2 { "Transfer a domain here" }
        form method="post" action="/domains/transfer" {
            (csrf_field(session))
            label { "Domain " input type="text" name="name" required placeholder="example.test"; }
            label { "Authorization code " input type="text" name="auth_info" required autocomplete="off"; }
            button type="submit" { "Request transfer" }
        }
    };
    layout(chrome, "Domains", content)
}

/// A failed record form, re-shown with its values and messages.
#[derive(Clone, Debug)]
pub struct FormProblem {
    /// The record being edited (its id), or `None` for the add form.
    pub record: Option<String>,
    /// The values typed.
    pub form: RecordForm,
    /// The messages.
    pub errors: FieldErrors,
}

/// The add row's type menu. Its cells are outside the `<form id="add">` (a form cannot
/// span table cells), so each field names its form with `form="add"`; without it a browser
/// leaves the field out of the post.
fn type_select(selected: &str) -> Markup {
    html! {
        select form="add" name="type" aria-label="type" {
            @for t in EDITABLE_TYPES {
                @let t = t.to_string();
                option value=(t) selected[t.eq_ignore_ascii_case(selected)] { (t) }
            }
        }
    }
}

/// A domain's page: status, renew, records with their forms, and the panels.
pub fn domain(
    chrome: Chrome<'_>,
    session: &Session,
    d: &DomainDetails,
    notice: Option<&str>,
    problem: Option<&FormProblem>,
    panels: Markup,
) -> Markup {
    let base = format!("/domains/{}", d.name);
    let add_values = problem
        .filter(|p| p.record.is_none())
        .map(|p| p.form.clone())
        .unwrap_or_default();
    let add_errors = problem.filter(|p| p.record.is_none()).map(|p| &p.errors);
    let content = html! {
        h1 { (d.name) }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(p) = problem {
            p.alert role="alert" { "Not saved: " (p.errors) }
        }
        h2 { "Registration" }
        p { "State here: " (state_text(d.state)) }
        @if let Some(r) = &d.registry {
            ul {
                li { "Expires: " (r.expires.as_deref().unwrap_or("unknown")) }
                li { "Status: " (r.statuses.join(", ")) }
                li { "Name servers: " (r.name_servers.join(", ")) }
                @if let Some(a) = &r.auth_info { li { "Transfer code: " code { (a) } } }
            }
            form method="post" action={ (base) "/renew" } {
                (csrf_field(session))
                button type="submit" { "Renew for a year" }
            }
        }
        @if let Some(e) = &d.registry_error { p.alert { "The registry could not be asked: " (e) } }
        h2 { "Records" }
        @if let Some(serial) = d.serial { p.muted { "Zone serial " (serial) } }
        div.scroll { table.stack {
            thead { tr { th { "Name" } th { "Type" } th { "TTL" } th { "Value" } th {} } }
            tbody {
                @for r in &d.records {
                    @if r.editable {
                        @let mine = problem.filter(|p| p.record.as_deref() == Some(r.id.as_str()));
                        @let f = mine.map(|p| p.form.clone()).unwrap_or_else(|| RecordForm {
                            name: r.name.clone(), rtype: r.rtype.clone(), ttl: r.ttl.to_string(), value: r.value.clone() });
                        @let form_id = format!("r-{}", r.id);
                        tr {
                            td data-label="Name" { input form=(form_id) name="name" value=(f.name) aria-label="name"; (field_error(mine.map(|p| &p.errors), "name")) }
                            td data-label="Type" { input form=(form_id) name="type" value=(f.rtype) aria-label="type" size="5"; (field_error(mine.map(|p| &p.errors), "type")) }
                            td data-label="TTL" { input form=(form_id) name="ttl" value=(f.ttl) aria-label="TTL" size="6"; (field_error(mine.map(|p| &p.errors), "ttl")) }
                            td data-label="Value" { input form=(form_id) name="value" value=(f.value) aria-label="value"; (field_error(mine.map(|p| &p.errors), "value")) }
                            td data-label="" {
                                form id=(form_id) method="post" action={ (base) "/records/" (r.id) } {
                                    (csrf_field(session))
                                    button type="submit" { "Save" }
                                }
                                form method="post" action={ (base) "/records/" (r.id) "/delete" } {
                                    (csrf_field(session))
                                    button.danger type="submit" { "Delete" }
                                }
                            }
                        }
                    } @else {
                        tr.muted {
                            td data-label="Name" { (r.name) } td data-label="Type" { (r.rtype) }
                            td data-label="TTL" { (r.ttl) } td data-label="Value" { code { (r.value) } }
                            td data-label="" { "managed by the registrar" }
                        }
                    }
                }
                tr {
                    td data-label="Name" { input form="add" name="name" value=(add_values.name) placeholder="www" aria-label="name"; (field_error(add_errors, "name")) }
                    td data-label="Type" { (type_select(&add_values.rtype)) (field_error(add_errors, "type")) }
                    td data-label="TTL" { input form="add" name="ttl" value=(add_values.ttl) placeholder="3600" aria-label="TTL" size="6"; (field_error(add_errors, "ttl")) }
                    td data-label="Value" { input form="add" name="value" value=(add_values.value) placeholder="192.0.2.1" aria-label="value"; (field_error(add_errors, "value")) (field_error(add_errors, "form")) }
                    td data-label="" {
                        form id="add" method="post" action={ (base) "/records" } {
                            (csrf_field(session))
                            button type="submit" { "Add" }
                        }
                    }
                }
            }
        } }
        p.muted { "Names are relative to " (d.name) " (@ is the domain itself). Names in values are absolute." }
        (panels)
    };
    layout(chrome, &d.name, content)
}

/// The account page: API tokens; `new_token` is shown once, right after it is made.
pub fn account(chrome: Chrome<'_>, session: &Session, tokens: &[TokenInfo], new_token: Option<&str>) -> Markup {
    let content = html! {
        h1 { "Account" }
        p { "Signed in as " (session.user.email) }
        h2 { "API tokens" }
        p.muted { "Use a token as " code { "Authorization: Bearer TOKEN" } " with the " a href="/api/openapi.json" { "JSON API" } "." }
        @if let Some(t) = new_token {
            p.notice role="status" { "New token (shown only now): " code { (t) } }
        }
        @if !tokens.is_empty() {
            div.scroll { table {
                thead { tr { th { "Label" } th { "Created" } th { "State" } th {} } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { (t.label) }
                            td { (t.created) }
                            td { @if t.revoked.is_some() { "revoked" } @else { "active" } }
                            td {
                                @if t.revoked.is_none() {
                                    form.inline method="post" action={ "/account/tokens/" (t.id) "/revoke" } {
                                        (csrf_field(session))
                                        button.danger type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        form method="post" action="/account/tokens" {
            (csrf_field(session))
            label { "Label " input type="text" name="label" required placeholder="deploy script"; }
            button type="submit" { "Create token" }
        }
    };
    layout(chrome, "Account", content)
}

/// An error page.
pub fn error(chrome: Chrome<'_>, status: u16, message: &str) -> Markup {
    layout(
        chrome,
        "Error",
        html! {
            h1 { "Error " (status) }
            p.alert role="alert" { (message) }
            p { a href="/" { "Back to the start" } }
        },
    )
}

/// The propagation panel's refresh: every two seconds, the panel's content fetched again from
/// the address in its `data-src` (the session cookie goes along) and swapped in. A failed
/// fetch leaves the panel as it was.
const PROPAGATION_REFRESH: &str = "(function(){var el=document.getElementById('propagation');\
if(!el||!window.fetch)return;setInterval(function(){\
fetch(el.getAttribute('data-src'),{credentials:'same-origin'})\
.then(function(r){return r.ok?r.text():null})\
.then(function(t){if(t!==null)el.innerHTML=t}).catch(function(){})},2000)})();";

/// The propagation panel on a domain's page: `body` (from [`propagation`]) in the element
/// the refresh script updates from `/domains/{domain}/propagation`.
pub fn propagation_panel(domain: &str, body: Markup) -> Markup {
    html! {
        div #propagation data-src={ "/domains/" (domain) "/propagation" } aria-live="polite" { (body) }
        script { (PreEscaped(PROPAGATION_REFRESH)) }
    }
}

/// The panel's body when the check itself failed.
pub fn propagation_error(message: &str) -> Markup {
    html! { p.alert { "The propagation check failed: " (message) } }
}

/// The panel's body: one row per authoritative server (its name, address and serial in
/// `data-` attributes for scripts and browser tests), the store's serial, and the cache
/// horizon of the latest changes.
pub fn propagation(p: &Propagation) -> Markup {
    let latest = p.latest_serial.map_or_else(|| "unknown".to_owned(), |s| s.to_string());
    html! {
        @if p.servers.is_empty() {
            p.muted { "The zone names no name servers to ask." }
        } @else {
            div.scroll { table.stack #propagation-servers data-latest=[p.latest_serial] {
                thead { tr { th { "Server" } th { "Address" } th { "Serial it serves" } th { "Has the latest change" } } }
                tbody {
                    @for s in &p.servers {
                        tr data-server=(s.name) data-address=[s.address.as_deref()] data-serial=[s.serial]
                            data-current=(if s.up_to_date { "true" } else { "false" }) {
                            td data-label="Server" { (s.name) }
                            td data-label="Address" { (s.address.as_deref().unwrap_or("—")) }
                            td data-label="Serial" {
                                @if let Some(serial) = s.serial { (serial) }
                                @if let Some(e) = &s.error { span.error { (e) } }
                            }
                            td data-label="Latest?" {
                                @if s.up_to_date { span.current { "yes" } }
                                @else { span.behind { "not yet" } }
                            }
                        }
                    }
                }
            } }
        }
        p { "Serial in the zone store: " strong { (latest) } "." }
        @match (&p.last_change, p.cache_expiry, p.cache_expired) {
            (Some(c), Some(until), Some(expired)) => {
                p #cache-expiry data-expiry=(until) data-expired=(if expired { "true" } else { "false" }) {
                    "Latest change: serial " (c.serial) " at " (c.time_rfc3339) ". "
                    @if expired {
                        "Cached copies of the previous data: expired (at " (rfc3339(until)) ")."
                    } @else {
                        "Cached copies of the previous data may live until " strong { (rfc3339(until)) } "."
                    }
                }
                @if !p.all_up_to_date && !expired {
                    p.muted { "A server that is behind still hands out the previous data; resolvers may keep what it gives them for up to " (c.old_ttl) " s after it catches up." }
                }
            }
            _ => { p.muted { "No record change made here yet, so no previous data to wait out." } }
        }
        p.muted { "Checked at " (rfc3339(p.checked_at)) "." }
    }
}

/// The lookup page: the form, and after a lookup its drawing and answers. `configured` is
/// false when the dashboard has no trace configuration.
pub fn lookup(
    chrome: Chrome<'_>,
    name: &str,
    rtype: &str,
    configured: bool,
    result: Option<Result<Lookup, String>>,
) -> Markup {
    let content = html! {
        h1 { "Look up a name" }
        @if !configured {
            p.alert role="status" { "Lookups are not configured on this dashboard." }
        } @else {
            form method="get" action="/lookup" {
                label { "Name " input type="text" name="name" value=(name) placeholder="www.example.test" required; }
                label { "Type " input type="text" name="type" value=(rtype) placeholder="A" size="6"; }
                button type="submit" { "Look up" }
            }
            p.muted { "The name is resolved here from the root, each server asked drawn in turn; the resolver's own answer comes last, with whether it came from its cache (its TTL below the authoritative one)." }
        }
        @match result {
            None => {}
            Some(Err(message)) => p.alert role="alert" { (message) }
            Some(Ok(l)) => {
                h2 { (l.name) " " (l.qtype) }
                p {
                    "Result: " strong { (l.rcode) }
                    @if let Some(q) = l.upstream_queries { ", " (q) " queries" }
                    @if let Some(ms) = l.total_ms { " in " (ms) " ms" }
                    "."
                }
                div.scroll #trace { (crate::trace_svg::draw(&l.steps, l.resolver.as_ref())) }
                @if !l.answer.is_empty() || !l.authority.is_empty() {
                    h2 { "Answer from the authoritative servers" }
                    pre { @for line in l.answer.iter().chain(&l.authority) { (line) "\n" } }
                }
                @if let Some(r) = &l.resolver {
                    h2 { "The resolver's answer" }
                    @if let Some(e) = &r.error { p.alert { (r.address) ": " (e) } }
                    @else {
                        p #resolver-answer data-cache=(match r.cache { CacheVerdict::Cached { .. } => "cached", CacheVerdict::Fresh => "fresh", CacheVerdict::Unknown => "unknown" }) {
                            (r.address) " said " (r.rcode.as_deref().unwrap_or("?")) ". "
                            @match r.cache {
                                CacheVerdict::Cached { age } => { "From its cache: fetched about " (age) " s ago (TTL " (r.ttl.unwrap_or(0)) " left of " (r.authoritative_ttl.unwrap_or(0)) ")." }
                                CacheVerdict::Fresh => { "Fetched just now (full TTL " (r.ttl.unwrap_or(0)) ")." }
                                CacheVerdict::Unknown => { "Whether it came from its cache cannot be told." }
                            }
                        }
                        @if !r.answer.is_empty() { pre { @for line in &r.answer { (line) "\n" } } }
                    }
                }
            }
        }
    };
    layout(chrome, "Lookup", content)
}
