//! The administrator's account forms: a refused form comes back with what was typed and
//! the message beside its field; a new account's first password survives a refresh (post,
//! redirect, get: held for the session, never in an address); a password reset and a
//! disabling ask first.

use crate::helpers::{
    Browser, TestApp, audit_count, get_page, no_redirects, post_form, small_round, spawn_app,
};

/// A page that must be there (200).
async fn get(app: &TestApp, browser: &Browser, path: &str) -> String {
    let (status, page) = get_page(app, browser, path).await;
    assert_eq!(status, 200, "{path}");
    page
}

/// The password shown on an account's page, if any.
fn shown_password(page: &str) -> Option<String> {
    let rest = page.split("<code class=\"password\">").nth(1)?;
    Some(rest.split("</code>").next()?.to_string())
}

#[tokio::test]
async fn a_new_accounts_first_password_is_shown_again_on_refresh_and_only_to_its_session() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let users = app.store().users().await.expect("users").len();

    let (status, location, _) = post_form(
        &app,
        &admin,
        "/quan-tri/nguoi-dung",
        &[
            ("csrf", &csrf),
            ("username", "tran.thamdinh"),
            ("display_name", "Trần Thẩm Định"),
            ("role", "appraiser"),
            ("unit_code", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let location = location.expect("redirect");
    assert!(location.ends_with("?tb=da-tao"), "{location}");
    let first_page = get(&app, &admin, &location).await;
    let password = shown_password(&first_page).expect("the first password");
    assert_eq!(password.chars().count(), 12);
    assert!(!location.contains(&password), "never in the address");
    // A refresh: the same password again, no second account, no duplicate-user error.
    let again = get(&app, &admin, &location).await;
    assert_eq!(shown_password(&again).as_deref(), Some(password.as_str()));
    assert!(again.contains("Đã tạo tài khoản"));
    assert_eq!(app.store().users().await.expect("users").len(), users + 1);
    // Another administrator's session does not see it.
    let other = Browser::default();
    app.sign_in_with(&other, "quantri").await;
    let theirs = get(&app, &other, &location).await;
    assert_eq!(shown_password(&theirs), None);
    assert!(theirs.contains("Nếu chưa kịp ghi lại, hãy đặt lại mật khẩu"));
    // The password works.
    let (status, _) = app
        .post_json(
            "/api/session",
            None,
            serde_json::json!({ "username": "tran.thamdinh", "password": password }),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_password_reset_asks_first_and_its_password_survives_a_refresh() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!("/quan-tri/nguoi-dung/{}/mat-khau", r.officers[0].user_id);
    let before = audit_count(&app).await;
    let (status, _, page) = post_form(&app, &admin, &path, &[("csrf", &csrf)]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("id=\"loi-reset\""), "beside the box: {page}");
    assert!(page.contains("Đặt lại mật khẩu cần xác nhận"));
    assert_eq!(audit_count(&app).await, before, "nothing reset");

    let (status, location, _) =
        post_form(&app, &admin, &path, &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(status, 303);
    let location = location.expect("redirect");
    let page = get(&app, &admin, &location).await;
    let password = shown_password(&page).expect("the new password");
    assert!(page.contains("Đã đặt lại mật khẩu"));
    let again = get(&app, &admin, &location).await;
    assert_eq!(shown_password(&again).as_ref(), Some(&password));
    // Held sealed: the database (and a backup taken now) never holds it readable.
    let held: Vec<String> = sqlx::query_scalar("select body from held_values")
        .fetch_all(app.store().pool())
        .await
        .expect("held values");
    assert!(!held.is_empty(), "the password is held for the refresh");
    assert!(
        held.iter().all(|body| !body.contains(&password)),
        "a held password is stored readable"
    );
    assert_eq!(audit_count(&app).await, before + 1, "reset once");
    // The audit entry names the account as people know it, not «người dùng #id».
    let said: String = sqlx::query_scalar(
        "select new_value from audit_log where action = 'user.password_reset' order by id desc",
    )
    .fetch_one(app.store().pool())
    .await
    .expect("the reset's entry");
    let officer = &r.officers[0].username;
    assert!(said.ends_with(&format!("({officer})")), "{said}");
}

#[tokio::test]
async fn a_refused_account_edit_keeps_every_typed_value_beside_the_error() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let id = r.officers[0].user_id;
    let path = format!("/quan-tri/nguoi-dung/{id}");
    let before = audit_count(&app).await;

    let (status, _, page) = post_form(
        &app,
        &admin,
        &path,
        &[
            ("csrf", &csrf),
            ("display_name", "Nguyễn Văn Mới"),
            ("role", "head"),
            ("unit_code", "A"),
            ("valid_until", "31/02/2025"),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("value=\"Nguyễn Văn Mới\""), "{page}");
    assert!(page.contains("<option value=\"head\" selected>"), "{page}");
    assert!(page.contains("value=\"31/02/2025\""));
    let beside = page
        .split("id=\"loi-valid_until\"")
        .nth(1)
        .expect("beside the date");
    assert!(beside.contains("«31/02/2025»"), "{beside}");
    assert!(page.contains(&format!("action=\"/quan-tri/nguoi-dung/{id}#thong-tin\"")));

    // Disabling asks first, with the typed values kept; confirmed, it is saved.
    let disable = [
        ("csrf", csrf.as_str()),
        ("display_name", "Nguyễn Văn Mới"),
        ("role", "officer"),
        ("unit_code", "A"),
        ("valid_until", "31/12/2025"),
    ];
    let (status, _, page) = post_form(&app, &admin, &path, &disable).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("id=\"loi-active\""), "{page}");
    assert!(page.contains("name=\"confirm_disable\""));
    assert!(page.contains("value=\"31/12/2025\""));
    assert_eq!(audit_count(&app).await, before, "nothing saved yet");
    let user = app.store().user(id).await.expect("user");
    assert_eq!(user.active, 1);
    let mut confirmed = disable.to_vec();
    confirmed.push(("confirm_disable", "1"));
    let (status, _, _) = post_form(&app, &admin, &path, &confirmed).await;
    assert_eq!(status, 303);
    let user = app.store().user(id).await.expect("user");
    assert_eq!(
        (user.active, user.display_name.as_str()),
        (0, "Nguyễn Văn Mới")
    );
}

#[tokio::test]
async fn a_refused_scope_keeps_what_was_chosen_beside_the_error() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!("/quan-tri/nguoi-dung/{}/pham-vi", r.appraiser.user_id);
    let (status, _, page) = post_form(
        &app,
        &admin,
        &path,
        &[
            ("csrf", &csrf),
            ("unit_id", "mot"),
            ("tier_code", "t"),
            ("area_code", "2"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    let form = page
        .split("id=\"pham-vi\"")
        .nth(1)
        .expect("the scope section");
    assert!(form.contains("id=\"loi-scope\""), "{form}");
    assert!(form.contains("«unit_id»"), "{form}");
    assert!(form.contains("<option value=\"t\" selected>"), "{form}");
    assert!(form.contains("<option value=\"mot\" selected>"), "{form}");
}

#[tokio::test]
async fn a_disabled_account_with_its_right_password_is_told_to_contact_the_department() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    // The officer's password, then the account disabled.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let id = r.officers[0].user_id;
    let (status, _, _) = post_form(
        &app,
        &admin,
        &format!("/quan-tri/nguoi-dung/{id}"),
        &[
            ("csrf", &csrf),
            ("display_name", "a.canbo"),
            ("role", "officer"),
            ("unit_code", "A"),
            ("valid_until", ""),
            ("confirm_disable", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let sign_in = |password: &'static str| {
        let app = &app;
        async move {
            let response = no_redirects()
                .post(app.url("/dang-nhap"))
                .form(&[
                    ("username", "a.canbo"),
                    ("password", password),
                    ("tiep", "/"),
                ])
                .send()
                .await
                .expect("sign in");
            (
                response.status().as_u16(),
                response.text().await.expect("page"),
            )
        }
    };
    let (status, page) = sign_in(crate::helpers::PASSWORD).await;
    assert_eq!(status, 401, "{page}");
    assert!(
        page.contains("Tài khoản đã bị khóa. Liên hệ Sở Nội vụ nếu cần mở lại."),
        "{page}"
    );
    // A wrong password says what it says for everyone.
    let (status, page) = sign_in("sai-mat-khau-roi").await;
    assert_eq!(status, 401);
    assert!(
        page.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
        "{page}"
    );
    assert!(!page.contains("bị khóa"));
}

#[tokio::test]
async fn a_round_in_preparation_is_not_shown_as_running() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(crate::helpers::t("05/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    // A second round in preparation whose self-assessment dates cover today.
    let spec = serde_json::json!({
        "year": 2024, "title": "Kỳ thử nghiệm", "open": false,
        "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
        "phases": [{ "phase": "self_assessment", "opens": "01/01/2024", "closes": "31/01/2024" }],
    });
    let (status, body) =
        crate::helpers::send_json(&app, &admin, &csrf, "POST", "/api/rounds/new", spec).await;
    assert_eq!(status, 201, "{body}");
    let home = get(&app, &admin, "/").await;
    let sections: Vec<&str> = home.split("<section class=\"card\">").collect();
    let running = sections
        .iter()
        .find(|s| s.contains("Chỉ số CCHC năm 2023"))
        .expect("the opened round");
    assert!(running.contains("(đang diễn ra)"), "{running}");
    let prepared = sections
        .iter()
        .find(|s| s.contains("Kỳ thử nghiệm"))
        .expect("the round in preparation");
    assert!(prepared.contains("Đang chuẩn bị"), "{prepared}");
    assert!(!prepared.contains("đang diễn ra"), "{prepared}");
}

#[tokio::test]
async fn the_404_page_has_the_menu_and_the_user_bar() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let response = admin.send(admin.get(app.url("/khong-co-trang-nay"))).await;
    assert_eq!(response.status(), 404);
    let page = response.text().await.expect("page");
    assert!(page.contains("<h1>Không tìm thấy trang</h1>"), "{page}");
    assert!(
        page.contains("Đăng xuất") && page.contains("Nhật ký thay đổi"),
        "{page}"
    );
    // Signed out: the same words, no user bar; the API keeps its JSON.
    let (status, body) = app.get_json("/api/khong-co").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let anonymous = reqwest::get(app.url("/khong-co-trang-nay"))
        .await
        .expect("get");
    assert_eq!(anonymous.status(), 404);
    let page = anonymous.text().await.expect("page");
    assert!(page.contains("Không tìm thấy trang") && !page.contains("Đăng xuất"));
}

#[tokio::test]
async fn a_leafs_history_names_its_actions_in_vietnamese() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(crate::helpers::t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let (status, body) = crate::helpers::send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!(
            "/api/rounds/{}/units/{}/self-assessment/2.1",
            r.round, r.units[0]
        ),
        serde_json::json!({ "input": { "kind": "judged", "points": "1" } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let page = get(
        &app,
        &officer,
        &format!("/ky/{}/don-vi/{}/lich-su/2.1", r.round, r.units[0]),
    )
    .await;
    assert!(page.contains("Lưu tự chấm điểm"), "{page}");
    assert!(!page.contains("self_assessment.save"), "{page}");
}

/// The part of a page from the element with `id` on.
fn from_id<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    &page[at..]
}

/// The message beside the field refused (`loi-{id}`), which is marked invalid and
/// described by it.
fn beside<'a>(page: &'a str, id: &str) -> &'a str {
    let id = format!("loi-{id}");
    let message = from_id(page, &id);
    assert!(
        page.contains(&format!("aria-invalid=\"true\" aria-describedby=\"{id}\"")),
        "{id} not described: {page}"
    );
    &message[..message.find("</p>").expect("message end")]
}

/// A refused directory form: the message beside the field, the form's action on its
/// anchor, and no refusal at the top of the page.
fn assert_beside(page: &str, (form, field): (&str, &str), needle: &str) {
    let message = beside(page, &format!("{form}-{field}"));
    assert!(
        message.contains(needle),
        "«{needle}» beside {field}: {message}"
    );
    let section = from_id(page, form);
    assert!(
        section.contains(&format!("#{form}\"")),
        "the action's anchor"
    );
    let top = &page[..page.find("id=\"khoi\"").expect("the tier section")];
    assert!(
        !top.contains("role=\"alert\""),
        "a refusal at the top: {top}"
    );
}

#[tokio::test]
async fn each_directory_form_shows_its_refusal_beside_the_field_with_what_was_typed() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = audit_count(&app).await;

    // A tier: no code; then a position that is not a number.
    let tier = |code: &'static str, position: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("code", code),
            ("name", "Khối UBND xã"),
            ("position", position),
        ]
    };
    let (status, _, page) = post_form(&app, &admin, "/quan-tri/khoi", &tier("", "2")).await;
    assert_eq!(status, 422, "{page}");
    assert_beside(&page, ("khoi", "code"), "Cần nhập mã khối.");
    assert!(page.contains("value=\"Khối UBND xã\"") && page.contains("value=\"2\""));
    let (status, _, page) = post_form(&app, &admin, "/quan-tri/khoi", &tier("xa", "hai")).await;
    assert_eq!(status, 422, "{page}");
    assert_beside(&page, ("khoi", "position"), "«hai»");
    assert!(page.contains("value=\"xa\"") && page.contains("value=\"hai\""));

    // A unit: an unknown tier (404, as over the API), then no name.
    let unit = [
        ("csrf", csrf.as_str()),
        ("code", "B"),
        ("name", "UBND phường Hưng Lợi"),
        ("tier_code", "khong-co"),
    ];
    let (status, _, page) = post_form(&app, &admin, "/quan-tri/don-vi", &unit).await;
    assert_eq!(status, 404, "{page}");
    assert_beside(&page, ("don-vi", "tier_code"), "khong-co");
    assert!(
        page.contains("<option value=\"khong-co\" selected>"),
        "{page}"
    );
    assert!(page.contains("value=\"UBND phường Hưng Lợi\""));
    let unit = [
        ("csrf", csrf.as_str()),
        ("code", "B"),
        ("name", " "),
        ("tier_code", "t"),
    ];
    let (status, _, page) = post_form(&app, &admin, "/quan-tri/don-vi", &unit).await;
    assert_eq!(status, 422, "{page}");
    assert_beside(&page, ("don-vi", "name"), "Cần nhập tên đơn vị.");
    assert!(
        from_id(&page, "u-code").starts_with("id=\"u-code\" name=\"code\" size=\"8\" value=\"B\"")
    );

    // An account: a username taken (409), an officer without a unit, a role unknown.
    let user = |username: &'static str, role: &'static str, unit: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("username", username),
            ("display_name", "Trần Văn Bình"),
            ("role", role),
            ("unit_code", unit),
        ]
    };
    for ((username, role, unit), (status, field, needle)) in [
        (("A.CANBO", "officer", "A"), (409, "username", "«a.canbo»")),
        (
            ("tran.binh", "officer", ""),
            (422, "unit_code", "cần chọn đơn vị"),
        ),
        (
            ("tran.binh", "chu-tich", ""),
            (422, "role", "Vai trò phải là"),
        ),
        (
            ("tran.binh", "viewer", "A"),
            (422, "unit_code", "Chỉ cán bộ"),
        ),
    ] {
        let fields = user(username, role, unit);
        let (got, _, page) = post_form(&app, &admin, "/quan-tri/nguoi-dung", &fields).await;
        assert_eq!(got, status, "{username} {role}: {page}");
        assert_beside(&page, ("nguoi-dung", field), needle);
        assert!(page.contains("value=\"Trần Văn Bình\""), "{page}");
        assert!(page.contains(&format!("value=\"{username}\"")), "{page}");
    }
    assert_eq!(audit_count(&app).await, before, "nothing saved");

    // The API keeps its statuses and codes, and names the field where the service does.
    let (status, body) = crate::helpers::send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/tiers",
        serde_json::json!({ "code": " ", "name": "Khối xã" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (Some("invalid_input"), Some("code"))
    );
    let (status, body) = crate::helpers::send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/users",
        serde_json::json!({ "username": "a.canbo", "display_name": "A", "role": "officer", "unit_code": "A" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (status, body) = crate::helpers::send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        serde_json::json!({ "code": "C", "name": "C", "tier_code": "khong-co" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn a_refused_new_round_shows_the_message_beside_the_field_with_what_was_typed() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let from = r.round.to_string();
    let form = |title: &'static str, year: &'static str, closes: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("tu", from.as_str()),
            ("title", title),
            ("year", year),
            ("set_t", "KIEM-THU|1"),
            ("opens_self_assessment", "01/12/2024 00:00"),
            ("closes_self_assessment", closes),
            ("opens_appraisal_round1", "08/01/2025 00:00"),
            ("closes_appraisal_round1", "31/01/2025 23:59"),
            ("opens_explanation", "01/02/2025 00:00"),
            ("closes_explanation", "10/02/2025 23:59"),
            ("opens_appraisal_round2", "11/02/2025 00:00"),
            ("closes_appraisal_round2", "28/02/2025 23:59"),
        ]
    };
    for ((title, year, closes), (id, needle)) in [
        (
            ("  ", "2024", "07/01/2025 23:59"),
            ("title", "Cần nhập tên kỳ đánh giá."),
        ),
        (
            ("Kỳ 2024", "hai nghìn", "07/01/2025 23:59"),
            ("year", "«hai nghìn»"),
        ),
        (
            ("Kỳ 2024", "2024", "31/13/2025"),
            ("closes_self_assessment", "31/13/2025"),
        ),
        (
            ("Kỳ 2024", "2024", "10/01/2025 17:00"),
            ("opens_appraisal_round1", "không được bắt đầu trước khi"),
        ),
    ] {
        let (status, _, page) =
            post_form(&app, &admin, "/quan-tri/ky/moi", &form(title, year, closes)).await;
        assert_eq!(status, 422, "{id}: {page}");
        let message = beside(&page, id);
        assert!(message.contains(needle), "{id}: {message}");
        assert!(page.contains("action=\"/quan-tri/ky/moi#ky-moi\""));
        assert!(page.contains(&format!("value=\"{year}\"")), "{page}");
        assert!(page.contains(&format!("value=\"{closes}\"")), "{page}");
        assert_eq!(
            page.matches("role=\"alert\"").count(),
            1,
            "one message: {page}"
        );
    }
    // Over the API the same refusal names the phase's end.
    let spec = serde_json::json!({
        "year": 2024, "title": "Kỳ 2024", "open": false,
        "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
        "phases": [
            { "phase": "self_assessment", "opens": "01/12/2024", "closes": "10/01/2025" },
            { "phase": "appraisal_round1", "opens": "08/01/2025", "closes": "31/01/2025" },
        ],
    });
    let (status, body) =
        crate::helpers::send_json(&app, &admin, &csrf, "POST", "/api/rounds/new", spec).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (Some("phase_order"), Some("phases[appraisal_round1].opens"))
    );
}

#[tokio::test]
async fn a_new_round_without_a_set_for_a_tier_says_so_beside_the_tier_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let rounds = app.store().rounds().await.expect("rounds").len();
    let from = r.round.to_string();
    for set in [None, Some("KIEM-THU")] {
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("tu", from.as_str()),
            ("title", "Chỉ số CCHC năm 2024 (thử)"),
            ("year", "2024"),
            ("opens_self_assessment", "02/12/2024 07:30"),
            ("closes_self_assessment", "07/01/2025 23:59"),
        ];
        form.extend(set.map(|s| ("set_t", s)));
        let (status, _, page) = post_form(&app, &admin, "/quan-tri/ky/moi", &form).await;
        assert_eq!(status, 422, "{set:?}: {page}");
        let message = beside(&page, "set_t");
        assert!(
            message.contains("Cần chọn bộ tiêu chí cho khối"),
            "{message}"
        );
        assert!(
            page.contains("value=\"Chỉ số CCHC năm 2024 (thử)\""),
            "{page}"
        );
        assert!(page.contains("value=\"02/12/2024 07:30\""), "{page}");
        assert_eq!(page.matches("role=\"alert\"").count(), 1, "{page}");
    }
    // Without the round it copies, the form is refused as a whole, naming the field.
    let (status, _, page) = post_form(
        &app,
        &admin,
        "/quan-tri/ky/moi",
        &[
            ("csrf", csrf.as_str()),
            ("title", "Kỳ mới"),
            ("year", "2024"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("«tu»"), "{page}");
    assert_eq!(
        app.store().rounds().await.expect("rounds").len(),
        rounds,
        "nothing created"
    );
}

#[tokio::test]
async fn a_form_address_opened_as_a_page_goes_to_the_page_it_belongs_to() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let unit_page = format!("/ky/{round}/don-vi/{unit}");
    let self_assessment = format!("{unit_page}/tu-cham-diem");
    let user = format!("/quan-tri/nguoi-dung/{}", r.appraiser.user_id);
    // (who, the form's address, the first step, where it ends)
    let cases = [
        (
            &admin,
            "/quan-tri/don-vi".to_string(),
            "/quan-tri".to_string(),
            "/quan-tri".to_string(),
        ),
        (
            &admin,
            "/quan-tri/nhap-danh-muc".into(),
            "/quan-tri".into(),
            "/quan-tri".into(),
        ),
        (
            &admin,
            format!("/quan-tri/ky/{round}/don-vi/bo"),
            format!("/quan-tri/ky/{round}/don-vi"),
            format!("/quan-tri/ky/{round}/don-vi"),
        ),
        (
            &admin,
            format!("/quan-tri/ky/{round}/mo"),
            format!("/quan-tri/ky/{round}"),
            format!("/quan-tri/ky/{round}"),
        ),
        (
            &admin,
            format!("{user}/pham-vi/xoa"),
            format!("{user}/pham-vi"),
            user.clone(),
        ),
        (
            &officer,
            format!("{unit_page}/gui"),
            unit_page.clone(),
            self_assessment.clone(),
        ),
        (
            &officer,
            format!("{self_assessment}/2.1/tinh-diem"),
            format!("{self_assessment}/2.1"),
            self_assessment.clone(),
        ),
        (
            &officer,
            format!("{unit_page}/tai-lieu/tep/7/go"),
            format!("{unit_page}/tai-lieu/tep/7"),
            self_assessment.clone(),
        ),
        (
            &officer,
            format!("{unit_page}/giai-trinh/2.1/tai-lieu"),
            format!("{unit_page}/giai-trinh/2.1"),
            format!("{unit_page}/giai-trinh"),
        ),
        (&officer, "/dang-xuat".into(), "/".into(), "/".into()),
    ];
    for (browser, form, step, end) in cases {
        let response = browser.send(no_redirects().get(app.url(&form))).await;
        assert_eq!(response.status(), 303, "{form}");
        let location = response.headers()["location"].to_str().expect("location");
        assert_eq!(location, step, "{form}");
        let followed = browser.send(browser.get(app.url(&form))).await;
        assert_eq!(followed.status(), 200, "{form}");
        assert_eq!(followed.url().path(), end, "{form}");
    }
    // The API keeps its 405, and another method than GET on a page's form address too.
    let (status, body) = app.get_json("/api/rounds/new").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let response = admin
        .send(reqwest::Client::new().put(app.url("/quan-tri/don-vi")))
        .await;
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn every_error_page_has_the_menu_and_the_user_bar_of_whoever_is_signed_in() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    // An officer on the administrator's page: 403, with the officer's own menu.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let response = officer.send(officer.get(app.url("/quan-tri"))).await;
    assert_eq!(response.status(), 403);
    let page = response.text().await.expect("page");
    assert!(page.contains("Chỉ quản trị (Sở Nội vụ)"), "{page}");
    assert!(
        page.contains("Đăng xuất") && page.contains("a.canbo") && page.contains("Trang chủ"),
        "{page}"
    );
    assert!(
        !page.contains("Nhật ký thay đổi"),
        "not the administrator's menu"
    );
    // A round opened twice: 409, with the administrator's menu.
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, _, page) = post_form(
        &app,
        &admin,
        &format!("/quan-tri/ky/{}/mo", r.round),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Kỳ đánh giá đã mở"), "{page}");
    assert!(
        page.contains("Đăng xuất") && page.contains("Nhật ký thay đổi"),
        "{page}"
    );
    // Signed out, a page form's wrong method: the words, no user bar.
    let response = reqwest::Client::new()
        .put(app.url("/quan-tri/khoi"))
        .send()
        .await
        .expect("put");
    assert_eq!(response.status(), 405);
    let page = response.text().await.expect("page");
    assert!(page.contains("không nhận yêu cầu dạng đó") && !page.contains("Đăng xuất"));
}
