//! Accounts as the administrator runs them over the API: the least-privileged default, a
//! first password changed before anything else, editing, disabling, expiry, and an
//! appraiser's scopes down to a whole tier.

use serde_json::json;

use crate::helpers::{Browser, audit_count, json_of, send_json, small_round, spawn_app};

/// Signs in with a password; the status and body of the answer.
async fn sign_in(
    app: &crate::helpers::TestApp,
    browser: &Browser,
    username: &str,
    password: &str,
) -> (u16, serde_json::Value) {
    let request = browser
        .post(app.url("/api/session"))
        .json(&json!({ "username": username, "password": password }));
    json_of(browser.send(request).await).await
}

#[tokio::test]
async fn a_new_account_is_a_viewer_and_changes_its_first_password_before_anything_else() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;

    let (status, created) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/users",
        json!({ "username": "moi.nguoi", "display_name": "Người Mới" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let password = created["first_password"].as_str().expect("first password");
    assert_eq!(password.chars().count(), 12);
    let (_, directory) = json_of(admin.send(admin.get(app.url("/api/directory"))).await).await;
    let account = directory["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "moi.nguoi")
        .expect("listed")
        .clone();
    assert_eq!(account["role"], "viewer", "the least privileged role");
    assert_eq!(account["must_change_password"], 1);

    // Signed in with the first password: only the change itself is allowed.
    let newcomer = Browser::default();
    let (status, body) = sign_in(&app, &newcomer, "moi.nguoi", password).await;
    assert_eq!(status, 200, "{body}");
    let token = body["csrf_token"].as_str().expect("csrf").to_string();
    let (status, body) = json_of(newcomer.send(newcomer.get(app.url("/api/rounds"))).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let page = newcomer.send(newcomer.get(app.url("/"))).await;
    assert_eq!(
        page.url().path(),
        "/doi-mat-khau",
        "pages lead to the change"
    );
    let (status, _) = json_of(newcomer.send(newcomer.get(app.url("/api/me"))).await).await;
    assert_eq!(status, 200);
    let (status, body) = send_json(
        &app,
        &newcomer,
        &token,
        "POST",
        "/api/me/password",
        json!({ "current_password": password, "new_password": "mat-khau-cua-toi" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = sign_in(&app, &newcomer, "moi.nguoi", "mat-khau-cua-toi").await;
    assert_eq!(status, 200);
    let (status, _) = json_of(newcomer.send(newcomer.get(app.url("/api/rounds"))).await).await;
    assert_eq!(status, 200, "free once changed");

    // A reset by the administrator forces the change again and ends the sessions.
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/users/{}/password", created["id"]),
        json!({ "new_password": "dat-lai-2024-x" }),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = json_of(newcomer.send(newcomer.get(app.url("/api/me"))).await).await;
    assert_eq!(status, 401, "sessions ended");
    sign_in(&app, &newcomer, "moi.nguoi", "dat-lai-2024-x").await;
    let (status, body) = json_of(newcomer.send(newcomer.get(app.url("/api/rounds"))).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );
    drop(r);
}

#[tokio::test]
async fn an_administrator_edits_disables_and_enables_accounts_but_not_their_own() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/api/users/{}", r.officers[0].user_id);

    let before = audit_count(&app).await;
    let (status, body) = send_json(&app, &admin, &csrf, "PUT", &path, json!({ "display_name": "Trần Văn A", "role": "officer", "unit_code": "A", "valid_until": "31/03/2024", "active": false })).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(audit_count(&app).await, before + 1);
    let (status, _) = json_of(officer.send(officer.get(app.url("/api/me"))).await).await;
    assert_eq!(status, 401, "a disabled account's session ends at once");
    let (status, _) = sign_in(&app, &officer, "a.canbo", crate::helpers::PASSWORD).await;
    assert_eq!(status, 401, "and it cannot sign in");
    let account = app.store().user(r.officers[0].user_id).await.expect("user");
    assert_eq!(
        (account.display_name.as_str(), account.active),
        ("Trần Văn A", 0)
    );
    let until = account.expires_at.expect("expiry");
    assert_eq!(
        parindex::domain::deadline::vn_date(until).to_string(),
        "2024-03-31"
    );

    let (status, _) = send_json(&app, &admin, &csrf, "PUT", &path, json!({ "display_name": "Trần Văn A", "role": "officer", "unit_code": "A", "valid_until": "", "active": true })).await;
    assert_eq!(status, 204);
    let (status, _) = sign_in(&app, &officer, "a.canbo", crate::helpers::PASSWORD).await;
    assert_eq!(status, 200, "enabled again");

    // Refusals: an officer without a unit, a date that is no date, one's own account.
    let before = audit_count(&app).await;
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &path,
        json!({ "display_name": "A", "role": "officer", "active": true }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Cán bộ và thủ trưởng đơn vị cần chọn đơn vị."))
    );
    let (status, _) = send_json(&app, &admin, &csrf, "PUT", &path, json!({ "display_name": "A", "role": "officer", "unit_code": "A", "valid_until": "31/02/2024", "active": true })).await;
    assert_eq!(status, 422);
    let own = format!("/api/users/{}", r.admin.user_id);
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &own,
        json!({ "display_name": "Quản trị", "role": "admin", "active": false }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &own,
        json!({ "display_name": "Quản trị", "role": "viewer", "active": true }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(audit_count(&app).await, before, "refusals change nothing");

    // Nor can an administrator end their own account's validity.
    let (status, body) = send_json(&app, &admin, &csrf, "PUT", &own, json!({ "display_name": "Quản trị", "role": "admin", "valid_until": "30/11/2023", "active": true })).await;
    assert_eq!(status, 422, "{body}");

    // Only an administrator edits accounts.
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, _) = send_json(
        &app,
        &head,
        &head_csrf,
        "PUT",
        &path,
        json!({ "display_name": "X", "role": "admin", "active": true }),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_appraiser_limited_to_a_tier_sees_its_units_and_those_added_later_only() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND phường Bình Thủy"),
        ],
        vec![],
    )
    .await;
    // Appraisal round 1: appraisers read the self-assessments of the units in scope.
    app.clock.set(crate::helpers::t("10/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let scopes = format!("/api/users/{}/scopes", r.appraiser.user_id);
    let view = |unit: i64| {
        app.url(&format!(
            "/api/rounds/{}/units/{unit}/self-assessment",
            r.round
        ))
    };
    let status_of = |unit: i64| {
        let appraiser = appraiser.clone();
        let url = view(unit);
        async move { appraiser.send(appraiser.get(url)).await.status().as_u16() }
    };

    // A tier with no unit yet limits without allowing anything (never «everything»).
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/tiers",
        json!({ "code": "xa", "name": "Khối xã" }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &scopes,
        json!({ "tier_code": "xa" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(status_of(r.units[0]).await, 403);

    // The whole tier "t": both of its units, and one added to it afterwards.
    send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &scopes,
        json!({ "tier_code": "t" }),
    )
    .await;
    assert_eq!(status_of(r.units[0]).await, 200);
    assert_eq!(status_of(r.units[1]).await, 200);
    let (_, created) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        json!({ "code": "C", "name": "UBND phường Cái Khế", "tier_code": "t" }),
    )
    .await;
    let later = created["id"].as_i64().expect("id");
    let (_, created) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        json!({ "code": "X1", "name": "UBND xã Mỹ Khánh", "tier_code": "xa" }),
    )
    .await;
    let other_tier = created["id"].as_i64().expect("id");
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "DELETE",
        &scopes,
        json!({ "tier_code": "xa" }),
    )
    .await;
    assert_eq!(status, 204);
    assert!(
        app.store()
            .actor(r.appraiser.user_id)
            .await
            .expect("actor")
            .may_appraise_unit(later)
    );
    assert!(
        !app.store()
            .actor(r.appraiser.user_id)
            .await
            .expect("actor")
            .may_appraise_unit(other_tier)
    );

    // Refused: a unit and a tier at once, an unknown tier, removing a scope not held.
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &scopes,
        json!({ "tier_code": "t", "unit_id": r.units[0] }),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &scopes,
        json!({ "tier_code": "khong-co" }),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "DELETE",
        &scopes,
        json!({ "unit_id": r.units[0] }),
    )
    .await;
    assert_eq!(status, 404);

    // The last scope removed: every unit again.
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "DELETE",
        &scopes,
        json!({ "tier_code": "t" }),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(status_of(r.units[0]).await, 200);
    assert!(
        app.store()
            .user_scopes(r.appraiser.user_id)
            .await
            .expect("scopes")
            .is_empty()
    );
}

#[tokio::test]
async fn signing_out_ends_at_the_plain_sign_in_page_and_an_ended_session_comes_back() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let no_redirects = crate::helpers::no_redirects();
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let page = app.url("/ky/1/don-vi/1/tu-cham-diem");
    let response = officer
        .send(
            no_redirects
                .post(app.url("/dang-xuat"))
                .header("referer", page.as_str())
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/dang-nhap"),
        "a sign-out is no ended session"
    );
    assert!(officer.cookie().is_none(), "the session cookie is removed");

    // Without a session, a page sends to the sign-in page, which brings back to it.
    let response = officer.send(no_redirects.get(page.clone())).await;
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/dang-nhap?tiep=%2Fky%2F1%2Fdon%2Dvi%2F1%2Ftu%2Dcham%2Ddiem")
    );
    // An htmx request gets a 401, never the sign-in page to put inside the page.
    let response = officer
        .send(
            no_redirects
                .post(app.url("/ky/1/don-vi/1/tu-cham-diem/1.1"))
                .header("hx-request", "true"),
        )
        .await;
    assert_eq!(response.status(), 401);
    // The return address stays on this site; a page of it is where sign-in leads.
    let request = no_redirects.post(app.url("/dang-nhap")).form(&[
        ("username", "a.canbo"),
        ("password", crate::helpers::PASSWORD),
        ("tiep", "/ky/1/don-vi/1/giai-trinh"),
    ]);
    let response = officer.send(request).await;
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/ky/1/don-vi/1/giai-trinh")
    );
    for outside in ["//example.com", "/\\example.com", "https://example.com"] {
        let request = no_redirects.post(app.url("/dang-nhap")).form(&[
            ("username", "a.canbo"),
            ("password", crate::helpers::PASSWORD),
            ("tiep", outside),
        ]);
        let response = officer.send(request).await;
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/"),
            "{outside}"
        );
    }
}
