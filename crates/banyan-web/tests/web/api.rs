//! The JSON API and its OpenAPI document.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// Signs up through the API and logs in for a token.
pub async fn api_account(lab: &Lab, email: &str) -> String {
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({ "email": email, "password": PASSWORD, "name": "Api User", "city": "Oslo", "country": "no" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": email, "password": PASSWORD, "label": "tests" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["token"].as_str().expect("token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_register_and_edit_records() {
    let lab = Lab::start().await;
    let token = api_account(&lab, "api@example.com").await;
    let t = Some(token.as_str());

    let (s, v) = lab.api(Method::GET, "/api/search?q=apisite", t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["name"], "apisite.test");
    assert_eq!(v[0]["available"], true);
    assert_eq!(v[0]["price"], "12.00 EUR");

    let (s, v) = lab
        .api(Method::POST, "/api/domains", t, Some(json!({ "name": "apisite.test" })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        v["expires"].as_str().is_some_and(|e| e.starts_with("2025-01-01")),
        "{v}"
    );
    let (s, v) = lab
        .api(Method::POST, "/api/domains", t, Some(json!({ "name": "apisite.test" })))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    let (s, v) = lab.api(Method::GET, "/api/domains", t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!([{ "name": "apisite.test", "state": "registered" }]));

    let (s, v) = lab
        .api(
            Method::POST,
            "/api/domains/apisite.test/records",
            t,
            Some(json!({ "name": "www", "type": "AAAA", "ttl": 600, "value": "2001:db8::80" })),
        )
        .await;
    assert_eq!((s, v), (StatusCode::CREATED, json!({ "serial": 2 })));
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/domains/apisite.test/records",
            t,
            Some(json!({ "name": "www", "type": "CNAME", "value": "x.example" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["fields"]["type"].as_str().is_some_and(|m| m.contains("CNAME")), "{v}");

    let id = record_id(&lab, &token, "apisite.test", "www", "AAAA").await;
    let (s, v) = lab
        .api(
            Method::PUT,
            &format!("/api/domains/apisite.test/records/{id}"),
            t,
            Some(json!({ "name": "www", "type": "AAAA", "ttl": "60", "value": "2001:db8::81" })),
        )
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({ "serial": 3 })));
    let id = record_id(&lab, &token, "apisite.test", "www", "AAAA").await;
    let (s, v) = lab
        .api(
            Method::DELETE,
            &format!("/api/domains/apisite.test/records/{id}"),
            t,
            None,
        )
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({ "serial": 4 })));
    assert_eq!(lab.serial("apisite.test.").await, Some(4));

    let (s, v) = lab.api(Method::GET, "/api/domains/apisite.test", t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["serial"], 4);
    assert_eq!(v["registry"]["sponsor"], OUR_ID);
    assert!(
        v["registry"]["statuses"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );

    let (s, v) = lab.api(Method::POST, "/api/domains/apisite.test/renew", t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["expires"].as_str().is_some_and(|e| e.starts_with("2026-01-01")),
        "{v}"
    );

    let (s, v) = lab.api(Method::GET, "/api/account", t, None).await;
    assert_eq!((s, v["country"].clone()), (StatusCode::OK, json!("NO")));
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/domains",
            t,
            Some(json!({ "name": "sub.apisite.test" })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = lab
        .api(Method::POST, "/api/domains", t, Some(json!({ "nom": "x" })))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_transfer_in() {
    let lab = Lab::start().await;
    lab.other_domain("moving.test.", "moveme-123").await;
    let token = api_account(&lab, "api@example.com").await;
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/transfers",
            Some(&token),
            Some(json!({ "name": "moving.test", "auth_info": "moveme-123" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "pending");
    let (_, v) = lab.api(Method::GET, "/api/domains", Some(&token), None).await;
    assert_eq!(v, json!([{ "name": "moving.test", "state": "transfer-pending" }]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_api_route() {
    let lab = Lab::start().await;
    let (s, doc) = lab.api(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let routes = banyan_web::api::routes();
    for (route, _) in &routes {
        let method = route.method.as_str().to_ascii_lowercase();
        assert!(
            doc["paths"][route.path][&method].is_object(),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
        // And the router has it: not the router's own 404/405 (which carry no JSON).
        let path = route.path.replace("{name}", "x.test").replace("{id}", "1");
        let (status, body) = lab.api(route.method.clone(), &path, None, None).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{} {path}", route.method);
        assert!(!body.is_null(), "{} {path}: {status}", route.method);
    }
    // …and the document names nothing else.
    let described: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(described, routes.len());
}
