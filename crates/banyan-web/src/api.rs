//! The JSON API under `/api/`: everything the pages do, for scripts. Clients authenticate
//! with a bearer token (RFC 6750 §2.1) made on the account page or with `POST /api/login`;
//! errors are `{"error": TEXT, "fields": {FIELD: TEXT}}` with the status of
//! [`WebError::status`]. The routes are listed once, in [`routes`], which both the router and
//! the test against the OpenAPI document (`/api/openapi.json`) read.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actions::{self, SignUp};
use crate::error::WebError;
use crate::records::{Edit, RecordForm};
use crate::session::{ApiUser, ClientIp};
use crate::state::AppState;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(WebError::BadRequest(e.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let mut body = json!({ "error": self.0.public_message() });
        if let WebError::Invalid(fields) = &self.0 {
            body["fields"] = json!(fields);
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(retry_after) = self.0.retry_after() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
        // RFC 6750 §3: a 401 names the scheme.
        if matches!(self.0, WebError::Unauthenticated) {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"banyan\""));
        }
        response
    }
}

type ApiResult = Result<Response, ApiError>;

fn ok(value: Value) -> ApiResult {
    Ok(Json(value).into_response())
}

fn created(value: Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// One API route: its method and path (axum's `{param}` syntax, which OpenAPI shares).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRoute {
    /// The method.
    pub method: Method,
    /// The path.
    pub path: &'static str,
}

/// Every API route with its handler: the router is built from this list.
pub fn routes() -> Vec<(ApiRoute, MethodRouter<AppState>)> {
    let r = |method: Method, path: &'static str, handler: MethodRouter<AppState>| (ApiRoute { method, path }, handler);
    vec![
        r(Method::GET, "/api/openapi.json", get(openapi)),
        r(Method::POST, "/api/accounts", post(sign_up)),
        r(Method::POST, "/api/login", post(login)),
        r(Method::GET, "/api/account", get(account)),
        r(Method::GET, "/api/tokens", get(list_tokens)),
        r(Method::POST, "/api/tokens", post(create_token)),
        r(Method::DELETE, "/api/tokens/{id}", delete(revoke_token)),
        r(Method::GET, "/api/search", get(search)),
        r(Method::GET, "/api/domains", get(list_domains)),
        r(Method::POST, "/api/domains", post(register)),
        r(Method::GET, "/api/domains/{name}", get(domain)),
        r(Method::POST, "/api/domains/{name}/renew", post(renew)),
        r(Method::POST, "/api/transfers", post(transfer)),
        r(Method::GET, "/api/domains/{name}/propagation", get(propagation)),
        r(Method::GET, "/api/lookup", get(lookup)),
        r(Method::GET, "/api/domains/{name}/records", get(list_records)),
        r(Method::POST, "/api/domains/{name}/records", post(add_record)),
        r(Method::PUT, "/api/domains/{name}/records/{id}", put(edit_record)),
        r(
            Method::DELETE,
            "/api/domains/{name}/records/{id}",
            delete(delete_record),
        ),
    ]
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

async fn sign_up(State(state): State<AppState>, body: Result<Json<SignUp>, JsonRejection>) -> ApiResult {
    let Json(form) = body?;
    let id = actions::sign_up(&state, &form).await?;
    created(json!({ "id": id }))
}

/// `POST /api/login`: e-mail and password for a new token.
#[derive(Debug, Deserialize)]
struct Login {
    email: String,
    password: String,
    #[serde(default)]
    label: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Result<Json<Login>, JsonRejection>,
) -> ApiResult {
    let Json(l) = body?;
    let user = actions::log_in(&state, &l.email, &l.password, ip).await?;
    let label = l.label.unwrap_or_else(|| "API login".to_owned());
    let (id, token) = crate::dashboard::create_token(&state, user.id, &label).await?;
    created(json!({ "id": id, "token": token }))
}

async fn account(ApiUser(user): ApiUser) -> ApiResult {
    ok(json!({ "email": user.email, "name": user.name, "city": user.city, "country": user.country }))
}

async fn list_tokens(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult {
    ok(json!(state.db().tokens(user.id).await?))
}

#[derive(Debug, Deserialize)]
struct NewToken {
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<NewToken>, JsonRejection>,
) -> ApiResult {
    let Json(t) = body?;
    let (id, token) = crate::dashboard::create_token(&state, user.id, &t.label).await?;
    created(json!({ "id": id, "token": token }))
}

async fn revoke_token(State(state): State<AppState>, ApiUser(user): ApiUser, Path(id): Path<i64>) -> ApiResult {
    if !state.db().revoke_token(user.id, id, state.now()).await? {
        return Err(WebError::NotFound.into());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(State(state): State<AppState>, ApiUser(_): ApiUser, Query(q): Query<SearchQuery>) -> ApiResult {
    ok(json!(actions::search(&state, &q.q).await?))
}

async fn list_domains(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult {
    let rows = actions::domains(&state, &user).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| json!({ "name": r.name.trim_end_matches('.'), "state": r.state }))
        .collect();
    ok(json!(list))
}

#[derive(Debug, Deserialize)]
struct NameBody {
    name: String,
}

async fn register(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<NameBody>, JsonRejection>,
) -> ApiResult {
    let Json(b) = body?;
    let expires = actions::register(&state, &user, &b.name).await?;
    let name = actions::parse_domain(&b.name)?;
    created(json!({ "name": crate::registrar::epp_name(&name), "expires": expires }))
}

async fn domain(State(state): State<AppState>, ApiUser(user): ApiUser, Path(name): Path<String>) -> ApiResult {
    ok(json!(actions::details(&state, &user, &name).await?))
}

async fn renew(State(state): State<AppState>, ApiUser(user): ApiUser, Path(name): Path<String>) -> ApiResult {
    let expires = actions::renew(&state, &user, &name).await?;
    ok(json!({ "expires": expires }))
}

#[derive(Debug, Deserialize)]
struct TransferBody {
    name: String,
    auth_info: String,
}

async fn transfer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> ApiResult {
    let Json(b) = body?;
    let status = actions::transfer_in(&state, &user, &b.name, &b.auth_info).await?;
    created(json!({ "name": b.name.trim().trim_end_matches('.').to_lowercase(), "status": status.as_str() }))
}

async fn list_records(State(state): State<AppState>, ApiUser(user): ApiUser, Path(name): Path<String>) -> ApiResult {
    let (serial, records) = actions::records(&state, &user, &name).await?;
    ok(json!({ "serial": serial, "records": records }))
}

/// A record in a request body; `ttl` may be a number or a string.
#[derive(Debug, Deserialize)]
struct RecordBody {
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    rtype: String,
    #[serde(default)]
    ttl: Option<Value>,
    #[serde(default)]
    value: String,
}

impl RecordBody {
    fn form(self) -> RecordForm {
        let ttl = match self.ttl {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        };
        RecordForm {
            name: self.name,
            rtype: self.rtype,
            ttl,
            value: self.value,
        }
    }
}

async fn add_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    body: Result<Json<RecordBody>, JsonRejection>,
) -> ApiResult {
    let Json(b) = body?;
    let serial = actions::edit(&state, &user, &name, &Edit::Add(b.form())).await?;
    created(json!({ "serial": serial }))
}

async fn edit_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((name, id)): Path<(String, String)>,
    body: Result<Json<RecordBody>, JsonRejection>,
) -> ApiResult {
    let Json(b) = body?;
    let serial = actions::edit(&state, &user, &name, &Edit::Replace { id, form: b.form() }).await?;
    ok(json!({ "serial": serial }))
}

async fn delete_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult {
    let serial = actions::edit(&state, &user, &name, &Edit::Delete { id }).await?;
    ok(json!({ "serial": serial }))
}

async fn propagation(State(state): State<AppState>, ApiUser(user): ApiUser, Path(name): Path<String>) -> ApiResult {
    ok(json!(crate::propagation::for_user(&state, &user, &name).await?))
}

#[derive(Debug, Deserialize)]
struct LookupQuery {
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    rtype: String,
}

/// Public, as the page is; counted against the lookup limit per client address.
async fn lookup(State(state): State<AppState>, ClientIp(ip): ClientIp, Query(q): Query<LookupQuery>) -> ApiResult {
    let name = crate::lookup::parse_name(&q.name)?;
    let rtype = crate::lookup::parse_type(&q.rtype)?;
    ok(json!(crate::lookup::run(&state, ip, &name, rtype).await?))
}
