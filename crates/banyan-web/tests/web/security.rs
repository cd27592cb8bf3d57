//! What must be refused: other people's domains, forms without the session's CSRF token,
//! expired sessions, revoked tokens, password guessing. Each refusal leaves the zone store
//! and the registry as they were.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// A with `newsite.test` registered and one A record (serial 2); B signed up.
async fn two_users(lab: &Lab) -> (String, String) {
    let a = lab.sign_up("alice@example.com").await;
    assert_eq!(lab.register(&a, "newsite.test").await.status(), StatusCode::SEE_OTHER);
    let csrf = lab.csrf(&a).await;
    let resp = lab
        .post(
            "/domains/newsite.test/records",
            Some(&a),
            &[("csrf", &csrf), ("name", "www"), ("type", "A"), ("value", "192.0.2.1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let b = lab.sign_up("bob@example.com").await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_b_cannot_reach_user_a_domain_by_url_or_form() {
    let lab = Lab::start().await;
    let (_, b) = two_users(&lab).await;
    let before = lab.at_registry("newsite.test.").await;
    let zone_before = lab.zone_text("newsite.test.").await;
    let csrf = lab.csrf(&b).await;
    // A's record id, computed as the dashboard does.
    let zone = lab.store.load(&n("newsite.test.")).await.expect("store").expect("zone");
    let record = zone
        .records
        .iter()
        .find(|r| r.name == n("www.newsite.test."))
        .expect("www");
    let www = banyan_web::records::record_id(record);

    for path in [
        "/domains/newsite.test",
        "/domains/NEWSITE.test.",
        "/domains/newsite.test?done=saved",
    ] {
        assert_eq!(lab.get(path, Some(&b)).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/domains/newsite.test/records".into(),
            vec![
                ("csrf", &csrf),
                ("name", "evil"),
                ("type", "A"),
                ("value", "192.0.2.66"),
            ],
        ),
        (
            format!("/domains/newsite.test/records/{www}"),
            vec![("csrf", &csrf), ("name", "www"), ("type", "A"), ("value", "192.0.2.66")],
        ),
        (
            format!("/domains/newsite.test/records/{www}/delete"),
            vec![("csrf", &csrf)],
        ),
        ("/domains/newsite.test/renew".into(), vec![("csrf", &csrf)]),
    ];
    for (path, fields) in &attempts {
        let resp = lab.post(path, Some(&b), fields).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Registering or transferring A's name does not give it to B either.
    let resp = lab
        .post(
            "/domains/register",
            Some(&b),
            &[("csrf", &csrf), ("name", "newsite.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page = body_text(lab.get("/domains", Some(&b)).await).await;
    assert!(!page.contains("newsite.test"), "{page}");

    assert_eq!(lab.serial("newsite.test.").await, Some(2));
    assert_eq!(lab.zone_text("newsite.test.").await, zone_before);
    assert_eq!(lab.at_registry("newsite.test.").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_b_cannot_reach_user_a_domain_through_the_api() {
    let lab = Lab::start().await;
    let (a, _) = two_users(&lab).await;
    let before = lab.at_registry("newsite.test.").await;
    let b = crate::api::api_account(&lab, "carol@example.com").await;
    let a_csrf = lab.csrf(&a).await;
    // A's token, to learn a record id the way A would.
    let resp = lab
        .post("/account/tokens", Some(&a), &[("csrf", &a_csrf), ("label", "a")])
        .await;
    let page = body_text(resp).await;
    let at = page.find("banyan_").expect("token shown");
    let a_token: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let www = record_id(&lab, &a_token, "newsite.test", "www", "A").await;

    let t = Some(b.as_str());
    let calls = [
        (Method::GET, "/api/domains/newsite.test".to_owned(), None),
        (Method::GET, "/api/domains/newsite.test/records".to_owned(), None),
        (
            Method::POST,
            "/api/domains/newsite.test/records".to_owned(),
            Some(json!({ "name": "evil", "type": "A", "value": "192.0.2.66" })),
        ),
        (
            Method::PUT,
            format!("/api/domains/newsite.test/records/{www}"),
            Some(json!({ "name": "www", "type": "A", "value": "192.0.2.66" })),
        ),
        (Method::DELETE, format!("/api/domains/newsite.test/records/{www}"), None),
        (Method::POST, "/api/domains/newsite.test/renew".to_owned(), None),
    ];
    for (method, path, body) in calls {
        let (s, v) = lab.api(method.clone(), &path, t, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {v}");
    }
    // A's token ids are not B's to revoke.
    let (_, tokens) = lab.api(Method::GET, "/api/tokens", Some(&a_token), None).await;
    let a_token_id = tokens[0]["id"].as_i64().expect("id");
    let (s, _) = lab
        .api(Method::DELETE, &format!("/api/tokens/{a_token_id}"), t, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = lab
        .api(Method::GET, "/api/domains/newsite.test", Some(&a_token), None)
        .await;
    assert_eq!(s, StatusCode::OK);

    assert_eq!(lab.serial("newsite.test.").await, Some(2));
    assert_eq!(lab.at_registry("newsite.test.").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_missing_or_wrong_is_403_and_changes_nothing() {
    let lab = Lab::start().await;
    let (a, b) = two_users(&lab).await;
    let before = lab.at_registry("newsite.test.").await;
    let b_csrf = lab.csrf(&b).await;
    let record = [("name", "x"), ("type", "A"), ("value", "192.0.2.9")];
    for csrf in [None, Some(""), Some("0000"), Some(b_csrf.as_str())] {
        let mut fields: Vec<(&str, &str)> = record.to_vec();
        if let Some(c) = csrf {
            fields.push(("csrf", c));
        }
        let resp = lab.post("/domains/newsite.test/records", Some(&a), &fields).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        let resp = lab.post("/domains/newsite.test/renew", Some(&a), &fields).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        let resp = lab
            .post(
                "/domains/register",
                Some(&a),
                &[("name", "other.test"), ("csrf", csrf.unwrap_or(""))],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        let resp = lab
            .post(
                "/account/tokens",
                Some(&a),
                &[("label", "x"), ("csrf", csrf.unwrap_or(""))],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        let resp = lab.post("/logout", Some(&a), &[("csrf", csrf.unwrap_or(""))]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{csrf:?}");
    }
    assert_eq!(lab.serial("newsite.test.").await, Some(2));
    assert_eq!(lab.serial("other.test.").await, None);
    assert_eq!(lab.at_registry("newsite.test.").await, before);
    assert_eq!(lab.at_registry("other.test.").await, None);
    assert!(!body_text(lab.get("/account", Some(&a)).await).await.contains("revoke"));
    // Still signed in: the refused logout did nothing.
    assert_eq!(lab.get("/domains", Some(&a)).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_is_refused() {
    let lab = Lab::start().await;
    let (a, _) = two_users(&lab).await;
    let csrf = lab.csrf(&a).await;
    lab.clock.advance(12 * 3600 - 1);
    assert_eq!(lab.get("/domains", Some(&a)).await.status(), StatusCode::OK);
    lab.clock.advance(1);
    let resp = lab.get("/domains/newsite.test", Some(&a)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    let resp = lab
        .post(
            "/domains/newsite.test/records",
            Some(&a),
            &[("csrf", &csrf), ("name", "late"), ("type", "A"), ("value", "192.0.2.9")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    assert_eq!(lab.serial("newsite.test.").await, Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_is_refused() {
    let lab = Lab::start().await;
    let (a, _) = two_users(&lab).await;
    let csrf = lab.csrf(&a).await;
    let page = body_text(
        lab.post("/account/tokens", Some(&a), &[("csrf", &csrf), ("label", "ci")])
            .await,
    )
    .await;
    let at = page.find("banyan_").expect("token shown once");
    let token: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let (s, _) = lab
        .api(Method::GET, "/api/domains/newsite.test/records", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK);

    let (_, tokens) = lab.api(Method::GET, "/api/tokens", Some(&token), None).await;
    let id = tokens[0]["id"].as_i64().expect("id");
    let resp = lab
        .post(&format!("/account/tokens/{id}/revoke"), Some(&a), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/domains/newsite.test/records",
            Some(&token),
            Some(json!({ "name": "x", "type": "A", "value": "192.0.2.9" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, _) = lab.api(Method::GET, "/api/domains", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = lab
        .api(Method::GET, "/api/domains", Some("banyan_nonsense"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(lab.serial("newsite.test.").await, Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_throttle_per_client_and_per_account() {
    let lab = Lab::start().await;
    lab.sign_up("alice@example.com").await;
    lab.sign_up("bob@example.com").await;
    let login = |email: &'static str, pw: &'static str, from: &'static str| {
        let lab = &lab;
        async move {
            lab.post_from("/login", None, &[("email", email), ("password", pw)], from)
                .await
                .status()
        }
    };
    // Per account: five failures from five addresses lock the account, even for the right
    // password from a sixth.
    for i in 0..5 {
        let from = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1", "10.0.0.5:1"][i];
        assert_eq!(
            login("alice@example.com", "wrong password", from).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login("alice@example.com", PASSWORD, "10.0.0.6:1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Bob is not affected.
    assert_eq!(
        login("bob@example.com", PASSWORD, "10.0.0.6:1").await,
        StatusCode::SEE_OTHER
    );
    // After the window, Alice may try again.
    lab.clock.advance(300);
    assert_eq!(
        login("alice@example.com", PASSWORD, "10.0.0.6:1").await,
        StatusCode::SEE_OTHER
    );

    // Per client address: five failures on assorted accounts lock the address out.
    for email in ["a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"] {
        assert_eq!(
            login(email, "wrong password", "10.9.9.9:1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let resp = lab
        .post_from(
            "/login",
            None,
            &[("email", "bob@example.com"), ("password", PASSWORD)],
            "10.9.9.9:2",
        )
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    // The API login shares the throttle.
    let (s, _) = lab
        .api(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": "alice@example.com", "password": "nope" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
