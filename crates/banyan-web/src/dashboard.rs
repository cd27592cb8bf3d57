//! The HTML side: handlers for the pages of [`crate::pages`]. Forms post and redirect
//! (303 See Other, RFC 9110 §15.4.4) so a reload does not post twice; a form with errors is
//! re-shown with the values typed and a message beside each field at fault (422).

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::{self, SignUp};
use crate::credentials;
use crate::error::WebError;
use crate::pages::{self, Chrome, FormProblem, SignUpValues};
use crate::records::{Edit, RecordForm};
use crate::session::{cleared_cookie, session_cookie, ClientIp, MaybeSignedIn, SignedIn};
use crate::state::AppState;

/// An error shown as a page; [`WebError::Unauthenticated`] redirects to the log-in page.
#[derive(Debug)]
pub struct HtmlError(pub WebError);

impl From<WebError> for HtmlError {
    fn from(e: WebError) -> Self {
        HtmlError(e)
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        if matches!(self.0, WebError::Unauthenticated) {
            return see_other("/login");
        }
        let status = self.0.status();
        let chrome = Chrome {
            session: None,
            extra: &[],
        };
        let mut response = (
            status,
            Html(pages::error(chrome, status.as_u16(), &self.0.public_message()).into_string()),
        )
            .into_response();
        if let Some(retry_after) = self.0.retry_after() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

type PageResult = Result<Response, HtmlError>;

/// A 303 redirect to `to`.
fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

fn page(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// The path segment of a domain in URLs: the name without the final dot.
fn segment(name: &str) -> String {
    name.trim_end_matches('.').to_owned()
}

/// Renders with the navigation of `signed` and the extra pages.
fn render(state: &AppState, signed: Option<&SignedIn>, f: impl FnOnce(Chrome<'_>) -> Markup) -> Markup {
    let extra = state.extra_pages();
    f(Chrome {
        session: signed.map(|s| &s.session),
        extra: &extra,
    })
}

/// `?q=` of the home page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// What to search for.
    #[serde(default)]
    pub q: String,
}

/// GET /: the search page.
pub async fn home(
    State(state): State<AppState>,
    MaybeSignedIn(signed): MaybeSignedIn,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let query = q.q.trim();
    let results = if query.is_empty() {
        None
    } else {
        Some(actions::search(&state, query).await.map_err(|e| e.public_message()))
    };
    Ok(page(
        StatusCode::OK,
        render(&state, signed.as_ref(), |c| pages::home(c, query, results)),
    ))
}

/// GET /signup.
pub async fn signup_page(State(state): State<AppState>, MaybeSignedIn(signed): MaybeSignedIn) -> PageResult {
    Ok(page(
        StatusCode::OK,
        render(&state, signed.as_ref(), |c| {
            pages::signup(c, &SignUpValues::default(), None, None)
        }),
    ))
}

fn with_session_cookie(state: &AppState, mut response: Response, id: &str, expires: i64) -> Response {
    if let Some(v) = session_cookie(id, expires - state.now(), state.config().secure_cookies) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    response
}

/// POST /signup: creates the account and signs it in.
pub async fn signup(State(state): State<AppState>, Form(form): Form<SignUp>) -> PageResult {
    let values = SignUpValues {
        email: form.email.clone(),
        name: form.name.clone(),
        city: form.city.clone(),
        country: form.country.clone(),
    };
    match actions::sign_up(&state, &form).await {
        Ok(_) => {}
        Err(WebError::Invalid(errors)) => {
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&state, None, |c| pages::signup(c, &values, Some(&errors), None)),
            ))
        }
        Err(e @ WebError::Conflict(_)) => {
            return Ok(page(
                StatusCode::CONFLICT,
                render(&state, None, |c| pages::signup(c, &values, None, Some(&e.to_string()))),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let user = state
        .db()
        .user_by_email(&form.email.trim().to_lowercase())
        .await?
        .ok_or(WebError::NotFound)?;
    let (id, expires) = actions::start_session(&state, &user).await?;
    Ok(with_session_cookie(&state, see_other("/domains"), &id, expires))
}

/// GET /login.
pub async fn login_page(State(state): State<AppState>, MaybeSignedIn(signed): MaybeSignedIn) -> PageResult {
    Ok(page(
        StatusCode::OK,
        render(&state, signed.as_ref(), |c| pages::login(c, "", None)),
    ))
}

/// The log-in form.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Password.
    #[serde(default)]
    pub password: String,
}

/// POST /login: checks the throttle and the password, starts a session.
pub async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, Form(form): Form<LoginForm>) -> PageResult {
    match actions::log_in(&state, &form.email, &form.password, ip).await {
        Ok(user) => {
            let (id, expires) = actions::start_session(&state, &user).await?;
            Ok(with_session_cookie(&state, see_other("/domains"), &id, expires))
        }
        Err(WebError::Unauthenticated) => Ok(page(
            StatusCode::UNAUTHORIZED,
            render(&state, None, |c| {
                pages::login(c, &form.email, Some("Wrong e-mail or password."))
            }),
        )),
        Err(e @ WebError::RateLimited { .. }) => {
            let mut r = page(
                StatusCode::TOO_MANY_REQUESTS,
                render(&state, None, |c| pages::login(c, &form.email, Some(&e.to_string()))),
            );
            if let WebError::RateLimited { retry_after } = e {
                r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// A form that carries only the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// POST /logout: ends the session.
pub async fn logout(State(state): State<AppState>, signed: SignedIn, Form(form): Form<CsrfForm>) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    state.db().delete_session(&signed.digest).await?;
    let mut r = see_other("/");
    r.headers_mut()
        .insert(SET_COOKIE, cleared_cookie(state.config().secure_cookies));
    Ok(r)
}

/// GET /domains.
pub async fn domains(State(state): State<AppState>, signed: SignedIn) -> PageResult {
    let rows = actions::domains(&state, signed.user()).await?;
    Ok(page(
        StatusCode::OK,
        render(&state, Some(&signed), |c| {
            pages::domains(c, &signed.session, &rows, None)
        }),
    ))
}

/// A form naming a domain.
#[derive(Debug, Default, Deserialize)]
pub struct NameForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain.
    #[serde(default)]
    pub name: String,
}

/// POST /domains/register.
pub async fn register(State(state): State<AppState>, signed: SignedIn, Form(form): Form<NameForm>) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    actions::register(&state, signed.user(), &form.name).await?;
    let name = actions::parse_domain(&form.name)?;
    Ok(see_other(&format!(
        "/domains/{}?done=registered",
        segment(&name.to_string())
    )))
}

/// The transfer form.
#[derive(Debug, Default, Deserialize)]
pub struct TransferForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain.
    #[serde(default)]
    pub name: String,
    /// Its authorization code.
    #[serde(default)]
    pub auth_info: String,
}

/// POST /domains/transfer.
pub async fn transfer(State(state): State<AppState>, signed: SignedIn, Form(form): Form<TransferForm>) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    match actions::transfer_in(&state, signed.user(), &form.name, &form.auth_info).await {
        Ok(_) => {
            let name = actions::parse_domain(&form.name)?;
            Ok(see_other(&format!(
                "/domains/{}?done=transfer",
                segment(&name.to_string())
            )))
        }
        Err(e) if e.status().is_client_error() => {
            let rows = actions::domains(&state, signed.user()).await?;
            let message = e.public_message();
            Ok(page(
                e.status(),
                render(&state, Some(&signed), |c| {
                    pages::domains(c, &signed.session, &rows, Some(&message))
                }),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `?done=` after a change: fixed texts only, so a link cannot put words in the page.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    /// What was done.
    #[serde(default)]
    pub done: String,
    /// The new serial, after a record change.
    #[serde(default)]
    pub serial: Option<u32>,
}

impl Notice {
    fn text(&self) -> Option<String> {
        Some(match self.done.as_str() {
            "registered" => "Registered. The zone is hosted here with the registrar's name servers.".to_owned(),
            "renewed" => "Renewed.".to_owned(),
            "transfer" => "Transfer requested; the registry completes it when the current registrar agrees or the waiting period ends.".to_owned(),
            "saved" => match self.serial {
                Some(s) => format!("Saved: the zone is now at serial {s}."),
                None => "Saved.".to_owned(),
            },
            _ => return None,
        })
    }
}

async fn panels_markup(state: &AppState, signed: &SignedIn, name: &str) -> Markup {
    let Ok(apex) = actions::parse_domain(name) else {
        return html! {};
    };
    let mut parts = Vec::new();
    for panel in state.panels() {
        let body = panel.render(state, signed.user(), &apex).await;
        parts.push((panel.title().to_owned(), body));
    }
    html! {
        @for (title, body) in parts {
            section { h2 { (title) } (body) }
        }
    }
}

async fn domain_response(
    state: &AppState,
    signed: &SignedIn,
    name: &str,
    status: StatusCode,
    notice: Option<&str>,
    problem: Option<&FormProblem>,
) -> PageResult {
    let details = actions::details(state, signed.user(), name).await?;
    let panels = panels_markup(state, signed, name).await;
    Ok(page(
        status,
        render(state, Some(signed), |c| {
            pages::domain(c, &signed.session, &details, notice, problem, panels)
        }),
    ))
}

/// GET /domains/{name}.
pub async fn domain(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Query(notice): Query<Notice>,
) -> PageResult {
    domain_response(&state, &signed, &name, StatusCode::OK, notice.text().as_deref(), None).await
}

/// POST /domains/{name}/renew.
pub async fn renew(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    actions::renew(&state, signed.user(), &name).await?;
    Ok(see_other(&format!("/domains/{}?done=renewed", segment(&name))))
}

/// A record form as posted: the record's fields and the session's CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct RecordPost {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The record, as typed.
    #[serde(flatten)]
    pub record: RecordForm,
}

impl RecordPost {
    fn form(&self) -> RecordForm {
        self.record.clone()
    }
}

async fn save(state: &AppState, signed: &SignedIn, name: &str, edit: Edit, record: Option<String>) -> PageResult {
    let form = match &edit {
        Edit::Add(f) | Edit::Replace { form: f, .. } => f.clone(),
        Edit::Delete { .. } => RecordForm::default(),
    };
    match actions::edit(state, signed.user(), name, &edit).await {
        Ok(serial) => Ok(see_other(&format!(
            "/domains/{}?done=saved&serial={serial}",
            segment(name)
        ))),
        Err(WebError::Invalid(errors)) => {
            let problem = FormProblem { record, form, errors };
            domain_response(
                state,
                signed,
                name,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&problem),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /domains/{name}/records: adds a record.
pub async fn add_record(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Form(post): Form<RecordPost>,
) -> PageResult {
    signed.check_csrf(&post.csrf)?;
    save(&state, &signed, &name, Edit::Add(post.form()), None).await
}

/// POST /domains/{name}/records/{id}: replaces a record.
pub async fn edit_record(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((name, id)): Path<(String, String)>,
    Form(post): Form<RecordPost>,
) -> PageResult {
    signed.check_csrf(&post.csrf)?;
    let edit = Edit::Replace {
        id: id.clone(),
        form: post.form(),
    };
    save(&state, &signed, &name, edit, Some(id)).await
}

/// POST /domains/{name}/records/{id}/delete: deletes a record.
pub async fn delete_record(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    save(&state, &signed, &name, Edit::Delete { id: id.clone() }, Some(id)).await
}

/// GET /account.
pub async fn account(State(state): State<AppState>, signed: SignedIn) -> PageResult {
    let tokens = state.db().tokens(signed.user().id).await?;
    Ok(page(
        StatusCode::OK,
        render(&state, Some(&signed), |c| {
            pages::account(c, &signed.session, &tokens, None)
        }),
    ))
}

/// The new-token form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// A label to tell tokens apart.
    #[serde(default)]
    pub label: String,
}

/// Creates an API token for `user_id`; returns its number and the token (shown once).
pub(crate) async fn create_token(state: &AppState, user_id: i64, label: &str) -> Result<(i64, String), WebError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(WebError::Invalid(crate::records::FieldErrors::one(
            "label",
            "a label of 1 to 100 characters",
        )));
    }
    let token = credentials::new_api_token();
    let id = state
        .db()
        .create_token(user_id, label, &credentials::digest(&token), state.now())
        .await?;
    Ok((id, token))
}

/// POST /account/tokens: makes a token and shows it once (no redirect: it is not stored).
pub async fn new_token(State(state): State<AppState>, signed: SignedIn, Form(form): Form<TokenForm>) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    let (_, token) = create_token(&state, signed.user().id, &form.label).await?;
    let tokens = state.db().tokens(signed.user().id).await?;
    Ok(page(
        StatusCode::OK,
        render(&state, Some(&signed), |c| {
            pages::account(c, &signed.session, &tokens, Some(&token))
        }),
    ))
}

/// POST /account/tokens/{id}/revoke.
pub async fn revoke_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    signed.check_csrf(&form.csrf)?;
    if !state.db().revoke_token(signed.user().id, id, state.now()).await? {
        return Err(WebError::NotFound.into());
    }
    Ok(see_other("/account"))
}

/// GET /domains/{name}/propagation: the propagation panel's content alone (no page around
/// it), which the domain page's script fetches every two seconds. 404 for a domain the
/// account does not hold, as every domain route.
pub async fn propagation(State(state): State<AppState>, signed: SignedIn, Path(name): Path<String>) -> PageResult {
    let p = crate::propagation::for_user(&state, signed.user(), &name).await?;
    let mut r = page(StatusCode::OK, pages::propagation(&p));
    // Live data: a cached copy would defeat the refresh.
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `?name=&type=` of the lookup page.
#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    /// The name to look up.
    #[serde(default)]
    pub name: String,
    /// Its type (`A` when empty).
    #[serde(rename = "type", default)]
    pub rtype: String,
}

/// GET /lookup: the form, and with `?name=` the traced resolution drawn. Public (no log-in),
/// but counted per client address against the lookup limit, as it sends DNS queries.
pub async fn lookup(
    State(state): State<AppState>,
    MaybeSignedIn(signed): MaybeSignedIn,
    ClientIp(ip): ClientIp,
    Query(q): Query<LookupQuery>,
) -> PageResult {
    let configured = state.config().trace.is_some();
    let name_text = q.name.trim();
    let mut status = StatusCode::OK;
    let result = if name_text.is_empty() || !configured {
        None
    } else {
        let outcome = async {
            let name = crate::lookup::parse_name(name_text)?;
            let rtype = crate::lookup::parse_type(&q.rtype)?;
            crate::lookup::run(&state, ip, &name, rtype).await
        }
        .await;
        match outcome {
            Ok(l) => Some(Ok(l)),
            Err(e @ WebError::LookupLimited { .. }) => return Err(e.into()),
            Err(e) => {
                status = e.status();
                Some(Err(e.public_message()))
            }
        }
    };
    Ok(page(
        status,
        render(&state, signed.as_ref(), |c| {
            pages::lookup(c, name_text, q.rtype.trim(), configured, result)
        }),
    ))
}
