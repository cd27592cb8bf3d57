//! The pages: sign-up, search, registration, records, renewal, transfer.

use axum::http::StatusCode;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_sign_up_search_register_add_a_record() {
    let lab = Lab::start().await;
    let cookie = lab.sign_up("jane@example.com").await;

    let page = body_text(lab.get("/?q=newsite", Some(&cookie)).await).await;
    assert!(page.contains("newsite.test"), "{page}");
    assert!(page.contains("available"), "{page}");
    assert!(page.contains("12.00 EUR"), "{page}");

    let resp = lab.register(&cookie, "newsite.test").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
    assert_eq!(location(&resp), "/domains/newsite.test?done=registered");
    assert_eq!(lab.serial("newsite.test.").await, Some(1));
    let zone = lab.zone_text("newsite.test.").await;
    assert!(zone.iter().any(|r| r.contains("NS\tns1.dns.example.")), "{zone:?}");
    let (_, sponsor) = lab.at_registry("newsite.test.").await.expect("at the registry");
    assert_eq!(sponsor, OUR_ID);

    // Taken now.
    let page = body_text(lab.get("/?q=newsite.test", Some(&cookie)).await).await;
    assert!(page.contains("taken"), "{page}");

    let page = body_text(lab.get("/domains/newsite.test?done=registered", Some(&cookie)).await).await;
    assert!(page.contains("Expires: 2025-01-01"), "{page}");
    assert!(page.contains("ns1.dns.example"), "{page}");

    let csrf = lab.csrf(&cookie).await;
    let resp = lab
        .post(
            "/domains/newsite.test/records",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "www"),
                ("type", "A"),
                ("ttl", "300"),
                ("value", "192.0.2.80"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
    assert_eq!(location(&resp), "/domains/newsite.test?done=saved&serial=2");
    assert_eq!(lab.serial("newsite.test.").await, Some(2));
    let zone = lab.zone_text("newsite.test.").await;
    assert!(
        zone.contains(&"www.newsite.test.\t300\tIN\tA\t192.0.2.80".to_owned()),
        "{zone:?}"
    );
    let page = body_text(lab.get(&location(&resp), Some(&cookie)).await).await;
    assert!(page.contains("serial 2"), "{page}");
    assert!(page.contains("192.0.2.80"), "{page}");
}

/// The add row's fields sit in table cells outside `<form id="add">`, so a browser posts
/// only those that name the form (`form="add"`): the type menu once did not, and every add
/// made in a browser was refused with "choose a type" (found by tests/browser/flow.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_record_fields_all_belong_to_the_add_form() {
    let lab = Lab::start().await;
    let cookie = lab.sign_up("jane@example.com").await;
    assert_eq!(
        lab.register(&cookie, "newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    let form = page.find("<form id=\"add\"").expect("the add form");
    let row = &page[page[..form].rfind("<tr>").expect("the add row")..form];
    let mut named = Vec::new();
    for (at, _) in row.match_indices('<') {
        let tag = &row[at..at + row[at..].find('>').expect("a whole tag")];
        if !(tag.starts_with("<input") || tag.starts_with("<select")) {
            continue;
        }
        assert!(
            tag.contains("form=\"add\""),
            "a field of the add row outside its form: {tag}"
        );
        let name = tag.split("name=\"").nth(1).and_then(|n| n.split('"').next());
        named.push(name.expect("a named field").to_owned());
    }
    assert_eq!(named, ["name", "type", "ttl", "value"], "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_form_errors_are_shown_per_field_and_change_nothing() {
    let lab = Lab::start().await;
    let cookie = lab.sign_up("jane@example.com").await;
    assert_eq!(
        lab.register(&cookie, "newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = lab.csrf(&cookie).await;
    let resp = lab
        .post(
            "/domains/newsite.test/records",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "www"),
                ("type", "A"),
                ("ttl", "9999999"),
                ("value", "300.1.2.3"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(resp).await;
    assert!(page.contains("not an IPv4 address"), "{page}");
    assert!(page.contains("604800"), "{page}");
    assert!(page.contains("300.1.2.3"), "the typed value is kept: {page}");
    let resp = lab
        .post(
            "/domains/newsite.test/records",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "www.elsewhere.test."),
                ("type", "TXT"),
                ("value", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(resp).await.contains("outside the zone"));
    assert_eq!(lab.serial("newsite.test.").await, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_delete_renew_through_forms() {
    let lab = Lab::start().await;
    let cookie = lab.sign_up("jane@example.com").await;
    assert_eq!(
        lab.register(&cookie, "newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = lab.csrf(&cookie).await;
    let add = |name: &'static str, t: &'static str, v: &'static str| {
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        let lab = &lab;
        async move {
            lab.post(
                "/domains/newsite.test/records",
                Some(&cookie),
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("type", t),
                    ("ttl", "3600"),
                    ("value", v),
                ],
            )
            .await
        }
    };
    assert_eq!(add("www", "A", "192.0.2.1").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        add("@", "MX", "10 mail.newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    let resp = add("www", "CNAME", "elsewhere.example").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(resp).await.contains("CNAME"));
    assert_eq!(lab.serial("newsite.test.").await, Some(3));

    // The page's own edit form for www: its inputs name the form `r-ID`, ID the record's id.
    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    let id = record_form_id(&page, "192.0.2.1");
    let resp = lab
        .post(
            &format!("/domains/newsite.test/records/{id}"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "www"),
                ("type", "A"),
                ("ttl", "60"),
                ("value", "192.0.2.2"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
    let zone = lab.zone_text("newsite.test.").await;
    assert!(
        zone.contains(&"www.newsite.test.\t60\tIN\tA\t192.0.2.2".to_owned()),
        "{zone:?}"
    );
    assert!(!zone.iter().any(|r| r.contains("192.0.2.1")), "{zone:?}");

    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    let id = record_form_id(&page, "10 mail.newsite.test.");
    let resp = lab
        .post(
            &format!("/domains/newsite.test/records/{id}/delete"),
            Some(&cookie),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(lab.serial("newsite.test.").await, Some(5));
    assert!(!lab.zone_text("newsite.test.").await.iter().any(|r| r.contains("MX")));

    let (before, _) = lab.at_registry("newsite.test.").await.expect("registered");
    let resp = lab
        .post("/domains/newsite.test/renew", Some(&cookie), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
    let (after, _) = lab.at_registry("newsite.test.").await.expect("registered");
    assert_eq!(after - before, 365 * 86_400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_in_with_auth_info() {
    let lab = Lab::start().await;
    lab.other_domain("moving.test.", "moveme-123").await;
    let cookie = lab.sign_up("jane@example.com").await;
    let csrf = lab.csrf(&cookie).await;

    let resp = lab
        .post(
            "/domains/transfer",
            Some(&cookie),
            &[("csrf", &csrf), ("name", "moving.test"), ("auth_info", "wrong-code")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let page = body_text(lab.get("/domains", Some(&cookie)).await).await;
    assert!(!page.contains("moving.test"), "{page}");

    let resp = lab
        .post(
            "/domains/transfer",
            Some(&cookie),
            &[("csrf", &csrf), ("name", "moving.test"), ("auth_info", "moveme-123")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", body_text(resp).await);
    let page = body_text(lab.get("/domains", Some(&cookie)).await).await;
    assert!(
        page.contains("moving.test") && page.contains("transfer pending"),
        "{page}"
    );
    let info = lab
        .registry
        .info_domain(&lab.other, &n("moving.test."), None, T0)
        .await
        .expect("info");
    assert!(
        info.statuses
            .iter()
            .any(|s| format!("{s:?}").contains("PendingTransfer")),
        "{:?}",
        info.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_on_a_phone_and_log_out() {
    let lab = Lab::start().await;
    for path in ["/", "/signup", "/login"] {
        let resp = lab.get(path, None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let page = body_text(resp).await;
        assert!(page.contains("<meta name=\"viewport\""), "{path}");
        assert!(!page.contains("<script"), "{path}");
    }
    let page = body_text(lab.get("/?q=newsite.nope", None).await).await;
    assert!(page.contains("no registry here runs"), "{page}");

    let resp = lab
        .post(
            "/signup",
            None,
            &[
                ("email", "bad"),
                ("password", "short"),
                ("name", ""),
                ("city", "X"),
                ("country", "N1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(resp).await;
    for m in ["e-mail address", "at least 10", "enter your name", "two-letter"] {
        assert!(page.contains(m), "{m}: {page}");
    }

    let cookie = lab.sign_up("jane@example.com").await;
    let resp = lab
        .post("/login", None, &[("email", "JANE@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let set = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(attr), "{set}");
    }
    let csrf = lab.csrf(&cookie).await;
    let resp = lab.post("/logout", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = lab.get("/domains", Some(&cookie)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
}

/// The id of the record whose value input shows `value` on a domain page.
fn record_form_id(page: &str, value: &str) -> String {
    let at = page
        .find(&format!("value=\"{value}\""))
        .unwrap_or_else(|| panic!("{value} on the page"));
    let marker = "form=\"r-";
    let start = page[..at].rfind(marker).expect("a record form") + marker.len();
    page[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_over_tcp_and_shuts_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let lab = Lab::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(banyan_web::serve(listener, lab.state.clone(), async {
        let _ = stopped.await;
    }));
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(20), tcp.read_to_string(&mut answer))
        .await
        .expect("answer in time")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("name=\"viewport\""), "{answer}");
    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(20), server)
        .await
        .expect("stops in time")
        .expect("joins")
        .expect("serves");
}
