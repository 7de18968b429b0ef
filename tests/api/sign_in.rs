//! Sign-in, sessions, CSRF, rate limiting and passwords, through the real server.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{Browser, PASSWORD, json_of, small_round, spawn_app, t};

#[tokio::test]
async fn a_user_signs_in_and_out_and_the_session_ends_with_the_cookie() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (status, body) = app.get_json("/api/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );

    let csrf = app.sign_in_as("a.canbo").await;
    let (status, me) = app.get_json("/api/me").await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["user"]["username"].as_str(), me["user"]["role"].as_str()),
        (Some("a.canbo"), Some("officer"))
    );

    // Signing out needs the CSRF token: a page on another site cannot sign anyone out.
    let response = app
        .browser
        .send(app.browser.delete(app.url("/api/session")))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(app.get_json("/api/me").await.0, 200);
    let response = app
        .browser
        .send(
            app.browser
                .delete(app.url("/api/session"))
                .header("x-csrf-token", &csrf),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.get_json("/api/me").await.0, 401);
}

#[tokio::test]
async fn wrong_credentials_say_nothing_about_which_part_was_wrong() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await; // sets the password
    for (username, password) in [("a.canbo", "sai-mat-khau"), ("khong.ton.tai", PASSWORD)] {
        let (status, body) = app
            .post_json(
                "/api/session",
                None,
                json!({ "username": username, "password": password }),
            )
            .await;
        assert_eq!(status, 401);
        assert_eq!(
            body["error"]["message"],
            "Tên đăng nhập hoặc mật khẩu không đúng."
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_sign_in_for_a_while() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await;
    for _ in 0..5 {
        let (status, _) = app
            .post_json(
                "/api/session",
                None,
                json!({ "username": "a.canbo", "password": "doan-bua" }),
            )
            .await;
        assert_eq!(status, 401);
    }
    // Even the right password is refused now.
    let (status, body) = app
        .post_json(
            "/api/session",
            None,
            json!({ "username": "a.canbo", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(
        body["error"]["message"],
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
    );
    app.clock.advance(Duration::minutes(16));
    let (status, _) = app
        .post_json(
            "/api/session",
            None,
            json!({ "username": "a.canbo", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sessions_expire_and_a_password_change_ends_them() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let csrf = app.sign_in_as("a.canbo").await;
    let other_browser = Browser::default();
    app.sign_in_with(&other_browser, "a.canbo").await;

    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let (status, body) = app
        .post_json(
            "/api/me/password",
            Some(&csrf),
            change("sai", "mat-khau-moi-2024"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Mật khẩu hiện tại không đúng."))
    );
    let (status, body) = app
        .post_json("/api/me/password", Some(&csrf), change(PASSWORD, "ngan"))
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Mật khẩu phải có ít nhất 8 ký tự."))
    );
    let (status, _) = app
        .post_json(
            "/api/me/password",
            None,
            change(PASSWORD, "mat-khau-moi-2024"),
        )
        .await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, _) = app
        .post_json(
            "/api/me/password",
            Some(&csrf),
            change(PASSWORD, "mat-khau-moi-2024"),
        )
        .await;
    assert_eq!(status, 204);
    // Every session of the user ended, in every browser.
    assert_eq!(app.get_json("/api/me").await.0, 401);
    let (status, _) = json_of(
        other_browser
            .send(other_browser.get(app.url("/api/me")))
            .await,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post_json(
            "/api/session",
            None,
            json!({ "username": "a.canbo", "password": "mat-khau-moi-2024" }),
        )
        .await;
    assert_eq!(status, 200);
    // Twelve hours later the session is over.
    app.clock.advance(Duration::hours(12));
    assert_eq!(app.get_json("/api/me").await.0, 401);
}

#[tokio::test]
async fn only_an_administrator_resets_passwords() {
    let app = spawn_app_with_two_units().await;
    let officer_b = app
        .store()
        .user_for_sign_in("b.canbo")
        .await
        .expect("lookup")
        .expect("user")
        .0;
    let csrf = app.sign_in_as("a.thutruong").await;
    let path = format!("/api/users/{}/password", officer_b.user_id);
    let (status, body) = app
        .post_json(
            &path,
            Some(&csrf),
            json!({ "new_password": "dat-lai-2024" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let csrf = app.sign_in_as("quantri").await;
    let (status, _) = app
        .post_json(
            &path,
            Some(&csrf),
            json!({ "new_password": "dat-lai-2024" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .post_json(
            "/api/session",
            None,
            json!({ "username": "b.canbo", "password": "dat-lai-2024" }),
        )
        .await;
    assert_eq!(status, 200);
}

async fn spawn_app_with_two_units() -> crate::helpers::TestApp {
    let app = spawn_app().await;
    small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app
}

#[tokio::test]
async fn before_publication_a_unit_sees_only_its_own_line() {
    let app = spawn_app_with_two_units().await;
    app.clock.set(t("01/04/2024"));
    let round = app.store().rounds().await.expect("rounds")[0].0;
    let path = format!("/api/rounds/{round}/results");
    assert_eq!(
        app.get_json(&path).await.0,
        401,
        "signed-out users see nothing"
    );

    app.sign_in_as("a.canbo").await;
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200);
    let units = body["tiers"][0]["units"].as_array().expect("units");
    assert_eq!(units.len(), 1);
    assert_eq!(
        (units[0]["unit_code"].as_str(), units[0]["rank"].as_i64()),
        (Some("A"), Some(0))
    );

    app.sign_in_as("quantri").await;
    assert_eq!(
        app.get_json(&path).await.1["tiers"][0]["units"]
            .as_array()
            .expect("units")
            .len(),
        2
    );

    // Publication opens the ranking to everyone signed in.
    let admin = app
        .store()
        .user_for_sign_in("quantri")
        .await
        .expect("lookup")
        .expect("admin")
        .0;
    let who = parindex::service::Who::new(admin, "127.0.0.1", t("02/04/2024"));
    crate::helpers::signed_off(app.store(), round).await;
    parindex::service::rounds::publish(
        &crate::helpers::ctx(app.store()),
        &who,
        round,
        parindex::service::rounds::PublishOptions {
            confirm: true,
            close_open_phases: true,
            public: false,
        },
    )
    .await
    .expect("publish");
    app.sign_in_as("a.canbo").await;
    let body = app.get_json(&path).await.1;
    let ranks: Vec<i64> = body["tiers"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["rank"].as_i64().expect("rank"))
        .collect();
    assert_eq!(ranks, [1, 1], "two empty units share rank 1");
}

#[tokio::test]
async fn sessions_that_have_ended_are_removed() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from sessions")
            .fetch_one(app.store().pool())
            .await
            .expect("count")
    };
    app.sign_in_with(&Browser::default(), "a.canbo").await;
    app.sign_in_with(&Browser::default(), "quantri").await;
    assert_eq!(count().await, 2);
    // Two days later both have ended; the next sign-in clears them.
    app.clock
        .set(parindex::domain::Clock::now(&app.clock) + Duration::days(2));
    app.sign_in_with(&Browser::default(), "a.canbo").await;
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn the_sign_in_form_refuses_a_post_from_another_site() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await; // gives the account its password
    let no_redirects = crate::helpers::no_redirects();
    let form = [("username", "a.canbo"), ("password", PASSWORD)];
    let host = app.address.trim_start_matches("http://").to_string();
    let ours = format!("http://{host}");
    for (headers, expected) in [
        (vec![("origin", "https://evil.example")], 403),
        (vec![("origin", "null")], 403),
        (vec![("sec-fetch-site", "cross-site")], 403),
        (
            vec![("origin", ours.as_str()), ("sec-fetch-site", "same-origin")],
            303,
        ),
        (vec![], 303),
    ] {
        let mut request = no_redirects.post(app.url("/dang-nhap")).form(&form);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("post");
        assert_eq!(response.status().as_u16(), expected, "{headers:?}");
        let cookie = response.headers().get("set-cookie").is_some();
        assert_eq!(
            cookie,
            expected == 303,
            "{headers:?}: a session only when allowed"
        );
    }
}

/// Signs in with `password` as if from `client` (through the proxy); the status.
async fn attempt(
    app: &crate::helpers::TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> u16 {
    let request = reqwest::Client::new()
        .post(app.url("/api/session"))
        .header("x-forwarded-for", format!("198.51.100.9, {client}"))
        .json(&json!({ "username": username, "password": password }));
    request.send().await.expect("sign-in").status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_per_username_across_addresses_and_the_lock_ends() {
    let app = crate::helpers::spawn_app_behind(vec!["127.0.0.1".parse().expect("ip")]).await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await; // gives the account its password
    // Five wrong passwords from five addresses, the sixth from a sixth: the username is
    // locked, whatever the address (and whatever the case typed).
    for i in 1..=5 {
        let status = attempt(&app, &format!("203.0.113.{i}"), "a.canbo", "sai-mat-khau").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    assert_eq!(
        attempt(&app, "203.0.113.6", "A.CanBo", "sai-mat-khau").await,
        429
    );
    assert_eq!(attempt(&app, "203.0.113.7", "a.canbo", PASSWORD).await, 429);
    // Another account from one of those addresses is not locked.
    app.sign_in_as("quantri").await;
    assert_eq!(attempt(&app, "203.0.113.1", "quantri", PASSWORD).await, 200);
    // Guesses during the lock do not prolong it: once the window has passed since the
    // failures, the right password works.
    app.clock.set(t("01/12/2023 08:10"));
    assert_eq!(
        attempt(&app, "203.0.113.8", "a.canbo", "sai-mat-khau").await,
        429
    );
    app.clock.set(t("01/12/2023 08:16"));
    assert_eq!(attempt(&app, "203.0.113.9", "a.canbo", PASSWORD).await, 200);
    // The session records the client's address, not the proxy's.
    let addresses: Vec<String> = sqlx::query_scalar("select address from sessions")
        .fetch_all(app.store().pool())
        .await
        .expect("sessions");
    assert!(
        addresses.contains(&"203.0.113.9".to_string()),
        "{addresses:?}"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_address_is_ignored() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("a.canbo").await;
    assert_eq!(attempt(&app, "203.0.113.1", "a.canbo", PASSWORD).await, 200);
    let addresses: Vec<String> = sqlx::query_scalar("select address from sessions")
        .fetch_all(app.store().pool())
        .await
        .expect("sessions");
    assert!(addresses.iter().all(|a| a == "127.0.0.1"), "{addresses:?}");
}
