//! The OpenAPI 3.0 description of the JSON API, served at `/api/openapi.json`. Written out by
//! hand, so it says what each route takes and gives; a test checks that it names every route
//! of [`crate::api::routes`].

use serde_json::{json, Value};

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn errors() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
        "409": { "$ref": "#/components/responses/Error" },
        "422": { "$ref": "#/components/responses/Error" },
        "502": { "$ref": "#/components/responses/Error" }
    })
}

fn op(summary: &str, secured: bool, params: Value, request: Option<Value>, status: &str, response: Value) -> Value {
    let mut responses = errors();
    responses[status] = response;
    let mut o = json!({ "summary": summary, "parameters": params, "responses": responses });
    if let Some(r) = request {
        o["requestBody"] = r;
    }
    if !secured {
        o["security"] = json!([]);
    }
    o
}

/// `operation` with more error statuses than [`errors`] lists.
fn with_errors(mut operation: Value, statuses: &[&str]) -> Value {
    for status in statuses {
        operation["responses"][*status] = json!({ "$ref": "#/components/responses/Error" });
    }
    operation
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

/// The document.
pub fn document() -> Value {
    let name = path_param("name", "the domain, e.g. newsite.test");
    let id = path_param("id", "the record's id, as listed");
    let serial = json!({ "type": "object", "properties": { "serial": { "type": "integer" } } });
    let token =
        json!({ "type": "object", "properties": { "id": { "type": "integer" }, "token": { "type": "string" } } });
    // Built apart: one `json!` for the whole document would pass the macro recursion limit.
    let propagation_schema = json!({ "type": "object", "properties": {
                    "domain": { "type": "string" },
                    "latest_serial": { "type": "integer", "nullable": true, "description": "the serial in the zone store" },
                    "servers": { "type": "array", "items": { "type": "object", "properties": {
                        "name": { "type": "string" }, "address": { "type": "string", "nullable": true },
                        "serial": { "type": "integer", "nullable": true }, "error": { "type": "string", "nullable": true },
                        "up_to_date": { "type": "boolean" } } } },
                    "all_up_to_date": { "type": "boolean" },
                    "last_change": { "type": "object", "nullable": true, "properties": {
                        "serial": { "type": "integer" }, "time": { "type": "integer", "description": "Unix seconds" },
                        "time_rfc3339": { "type": "string", "format": "date-time" }, "old_ttl": { "type": "integer" } } },
                    "cache_expiry": { "type": "integer", "nullable": true, "description": "Unix seconds until which cached copies of replaced data may live" },
                    "cache_expiry_rfc3339": { "type": "string", "format": "date-time", "nullable": true },
                    "cache_expired": { "type": "boolean", "nullable": true },
                    "checked_at": { "type": "integer" } } });
    let lookup_schema = json!({ "type": "object", "properties": {
                    "name": { "type": "string" }, "qtype": { "type": "string" },
                    "steps": { "type": "array", "items": { "type": "object", "properties": {
                        "zone": { "type": "string" }, "server": { "type": "string", "nullable": true },
                        "address": { "type": "string" }, "question": { "type": "string" }, "tcp": { "type": "boolean" },
                        "ms": { "type": "integer", "nullable": true },
                        "kind": { "type": "string", "description": "referral, answer, cname, nxdomain, nodata, minimised, lame, truncated, timeout" },
                        "said": { "type": "string" }, "detail": { "type": "array", "items": { "type": "string" } } } } },
                    "rcode": { "type": "string" },
                    "answer": { "type": "array", "items": { "type": "string" } },
                    "authority": { "type": "array", "items": { "type": "string" } },
                    "upstream_queries": { "type": "integer", "nullable": true },
                    "total_ms": { "type": "integer", "nullable": true },
                    "resolver": { "type": "object", "nullable": true, "properties": {
                        "address": { "type": "string" }, "rcode": { "type": "string", "nullable": true },
                        "answer": { "type": "array", "items": { "type": "string" } },
                        "ttl": { "type": "integer", "nullable": true }, "authoritative_ttl": { "type": "integer", "nullable": true },
                        "cache": { "type": "object", "properties": {
                            "verdict": { "type": "string", "enum": ["cached", "fresh", "unknown"] },
                            "age": { "type": "integer", "description": "seconds since it was fetched, when cached" } } },
                        "ms": { "type": "integer", "nullable": true }, "error": { "type": "string", "nullable": true } } } } });
    let propagation_path = json!({
        "get": op("Propagation of the latest change: the SOA serial each authoritative server serves, asked live (RFC 1035 §4.3.5), against the store's (RFC 1982 order), and until when caches may keep replaced data (TTL of what the change replaced, RFC 2308 §5 for negative answers)", true,
            json!([name.clone()]), None, "200", ok("the propagation", reference("Propagation")))
    });
    let lookup_path = json!({
        "get": with_errors(op("Resolve a name from the root, with every server asked (root, TLD, authoritative), and the configured resolver's answer with whether it came from its cache (its TTL below the authoritative one). Public; 429 past the per-address limit; 503 when lookups are not configured", false,
            json!([
                { "name": "name", "in": "query", "required": true, "schema": { "type": "string" }, "description": "the name, e.g. www.example.test" },
                { "name": "type", "in": "query", "required": false, "schema": { "type": "string", "default": "A" }, "description": "the record type" }
            ]),
            None, "200", ok("the trace", reference("Lookup"))),
            &["429", "503"])
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Banyan registrar API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Register domains through EPP (RFC 5730-5733) and edit the records of hosted zones. Every change of records is one new SOA serial (RFC 1982)."
        },
        "security": [ { "bearer": [] } ],
        "paths": {
            "/api/openapi.json": {
                "get": op("This document", false, json!([]), None, "200", json!({ "description": "OpenAPI 3 document" }))
            },
            "/api/accounts": {
                "post": op("Sign up", false, json!([]), Some(body(reference("SignUp"))), "201",
                    ok("the account", json!({ "type": "object", "properties": { "id": { "type": "integer" } } })))
            },
            "/api/login": {
                "post": op("Log in with e-mail and password for a new token (throttled: 429 after repeated failures)", false, json!([]),
                    Some(body(reference("Login"))), "201", ok("a new token, shown only now", token.clone()))
            },
            "/api/account": {
                "get": op("The account", true, json!([]), None, "200", ok("the account", reference("Account")))
            },
            "/api/tokens": {
                "get": op("The account's API tokens", true, json!([]), None, "200",
                    ok("tokens (never the secrets)", json!({ "type": "array", "items": reference("TokenInfo") }))),
                "post": op("Make an API token", true, json!([]),
                    Some(body(json!({ "type": "object", "required": ["label"], "properties": { "label": { "type": "string" } } }))),
                    "201", ok("the token, shown only now", token))
            },
            "/api/tokens/{id}": {
                "delete": op("Revoke a token", true, json!([path_param("id", "the token's number")]), None, "204",
                    json!({ "description": "revoked" }))
            },
            "/api/search": {
                "get": op("Availability and price of a name across the registries' TLDs (EPP domain:check)", true,
                    json!([{ "name": "q", "in": "query", "required": true, "schema": { "type": "string" }, "description": "a label (newsite) or a name (newsite.test)" }]),
                    None, "200", ok("candidates", json!({ "type": "array", "items": reference("Availability") })))
            },
            "/api/domains": {
                "get": op("The account's domains", true, json!([]), None, "200",
                    ok("domains", json!({ "type": "array", "items": { "type": "object", "properties": {
                        "name": { "type": "string" }, "state": { "type": "string", "enum": ["registered", "transfer-pending"] } } } }))),
                "post": op("Register a name: hosts its zone here and creates it at the registry (EPP domain:create)", true, json!([]),
                    Some(body(json!({ "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } }))),
                    "201", ok("registered", json!({ "type": "object", "properties": {
                        "name": { "type": "string" }, "expires": { "type": "string", "nullable": true } } })))
            },
            "/api/domains/{name}": {
                "get": op("A domain: registry status (EPP domain:info), expiry, zone serial and records", true, json!([name.clone()]),
                    None, "200", ok("the domain", reference("DomainDetails")))
            },
            "/api/domains/{name}/renew": {
                "post": op("Renew for the configured period (EPP domain:renew)", true, json!([name.clone()]), None, "200",
                    ok("the new expiry", json!({ "type": "object", "properties": { "expires": { "type": "string", "nullable": true } } })))
            },
            "/api/transfers": {
                "post": op("Transfer a domain here with its authorization code (EPP domain:transfer op=request)", true, json!([]),
                    Some(body(json!({ "type": "object", "required": ["name", "auth_info"], "properties": {
                        "name": { "type": "string" }, "auth_info": { "type": "string" } } }))),
                    "201", ok("the transfer's status", json!({ "type": "object", "properties": {
                        "name": { "type": "string" }, "status": { "type": "string" } } })))
            },
            "/api/domains/{name}/propagation": propagation_path,
            "/api/lookup": lookup_path,
            "/api/domains/{name}/records": {
                "get": op("The zone's records and serial", true, json!([name.clone()]), None, "200",
                    ok("records", json!({ "type": "object", "properties": {
                        "serial": { "type": "integer" }, "records": { "type": "array", "items": reference("Record") } } }))),
                "post": op("Add a record: one change, a new serial", true, json!([name.clone()]), Some(body(reference("RecordInput"))),
                    "201", ok("the new serial", serial.clone()))
            },
            "/api/domains/{name}/records/{id}": {
                "put": op("Replace a record: one change, a new serial", true, json!([name.clone(), id.clone()]),
                    Some(body(reference("RecordInput"))), "200", ok("the new serial", serial.clone())),
                "delete": op("Delete a record: one change, a new serial", true, json!([name, id]), None, "200",
                    ok("the new serial", serial))
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "an API token from the account page or POST /api/login (RFC 6750)" }
            },
            "responses": {
                "Error": { "description": "the request failed; nothing was changed", "content": { "application/json": { "schema": reference("Error") } } }
            },
            "schemas": {
                "Error": { "type": "object", "properties": {
                    "error": { "type": "string" },
                    "fields": { "type": "object", "additionalProperties": { "type": "string" }, "description": "messages by field: name, type, ttl, value, form" } } },
                "SignUp": { "type": "object", "required": ["email", "password", "name", "city", "country"], "properties": {
                    "email": { "type": "string" }, "password": { "type": "string", "minLength": 10 },
                    "name": { "type": "string" }, "city": { "type": "string" },
                    "country": { "type": "string", "minLength": 2, "maxLength": 2 } } },
                "Login": { "type": "object", "required": ["email", "password"], "properties": {
                    "email": { "type": "string" }, "password": { "type": "string" }, "label": { "type": "string" } } },
                "Account": { "type": "object", "properties": {
                    "email": { "type": "string" }, "name": { "type": "string" }, "city": { "type": "string" }, "country": { "type": "string" } } },
                "TokenInfo": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "label": { "type": "string" }, "created": { "type": "integer" },
                    "revoked": { "type": "integer", "nullable": true } } },
                "Availability": { "type": "object", "properties": {
                    "name": { "type": "string" }, "available": { "type": "boolean" },
                    "reason": { "type": "string", "nullable": true }, "price": { "type": "string", "nullable": true } } },
                "Record": { "type": "object", "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "fqdn": { "type": "string" },
                    "type": { "type": "string" }, "ttl": { "type": "integer" }, "value": { "type": "string" },
                    "editable": { "type": "boolean" } } },
                "RecordInput": { "type": "object", "required": ["type", "value"], "properties": {
                    "name": { "type": "string", "description": "relative to the zone; @ or empty for the apex" },
                    "type": { "type": "string", "enum": ["A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV", "NS", "DS"] },
                    "ttl": { "type": "integer", "minimum": 0, "maximum": 604800, "default": 3600 },
                    "value": { "type": "string", "description": "presentation form (RFC 1035 §5.1); names absolute" } } },
                "Propagation": propagation_schema,
                "Lookup": lookup_schema,
                "DomainDetails": { "type": "object", "properties": {
                    "name": { "type": "string" }, "state": { "type": "string" },
                    "registry": { "type": "object", "nullable": true, "properties": {
                        "statuses": { "type": "array", "items": { "type": "string" } },
                        "expires": { "type": "string", "nullable": true }, "created": { "type": "string", "nullable": true },
                        "name_servers": { "type": "array", "items": { "type": "string" } },
                        "sponsor": { "type": "string" }, "auth_info": { "type": "string", "nullable": true } } },
                    "registry_error": { "type": "string", "nullable": true },
                    "serial": { "type": "integer", "nullable": true },
                    "records": { "type": "array", "items": reference("Record") } } }
            }
        }
    })
}
