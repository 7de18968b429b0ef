//! The directory import from its page: after a dry run without errors, one button applies
//! the same file, held on the server under a token that expires and that only the session
//! which checked it can use; what it applied (new accounts' first passwords) is shown after
//! a redirect, again on refresh, to that session only and for 15 minutes.

use crate::directory_import::{C, directory_workbook};
use crate::helpers::{Browser, TestApp, no_redirects, small_round, spawn_app, t};

/// Posts the import form: a file (with or without the dry-run box) or a held token.
async fn post(
    app: &TestApp,
    admin: &Browser,
    csrf: &str,
    file: Option<(Vec<u8>, bool)>,
    held: Option<&str>,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_string());
    if let Some((bytes, dry_run)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("Danh mục.xlsx"),
        );
        if dry_run {
            form = form.text("dry_run", "on");
        }
    }
    if let Some(token) = held {
        form = form.text("held", token.to_string());
    }
    let response = admin
        .send(
            admin
                .post(app.url("/quan-tri/nhap-danh-muc"))
                .multipart(form),
        )
        .await;
    let status = response.status().as_u16();
    (
        status,
        response.text().await.expect("page").replace("&#x2f;", "/"),
    )
}

/// A workbook with a new commune, C, and its head's new account.
fn commune_and_its_head() -> Vec<u8> {
    directory_workbook(
        &[[C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")]],
        &[[
            C::S("c.thutruong"),
            C::S("Đặng Văn Chính"),
            C::S("Thủ trưởng đơn vị"),
            C::S("C"),
            C::E,
        ]],
    )
}

fn held_token(html: &str) -> Option<String> {
    let rest = html.split("name=\"held\" value=\"").nth(1)?;
    Some(rest.split('"').next()?.to_string())
}

#[tokio::test]
async fn a_checked_directory_file_is_applied_with_one_button_until_its_token_expires() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let file = commune_and_its_head();

    // A dry run with errors offers no button.
    let bad = directory_workbook(
        &[],
        &[[C::S("x"), C::S("X"), C::S("Cán bộ đơn vị"), C::S("X"), C::E]],
    );
    let (status, html) = post(&app, &admin, &csrf, Some((bad, true)), None).await;
    assert_eq!(status, 422);
    assert_eq!(held_token(&html), None);

    // Without errors: the button, with a token; nothing written yet.
    let (status, html) = post(&app, &admin, &csrf, Some((file.clone(), true)), None).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nhập tệp này (2 thay đổi)"), "{html}");
    let token = held_token(&html).expect("token");
    assert!(app.store().unit_by_code("C").await.is_err());

    // Another session cannot use the token.
    let other = Browser::default();
    let other_csrf = app.sign_in_with(&other, "quantri").await;
    let (status, html) = post(&app, &other, &other_csrf, None, Some(&token)).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("không còn được giữ"), "{html}");
    assert!(app.store().unit_by_code("C").await.is_err());

    // The button applies the same file, once.
    let (status, html) = post(&app, &admin, &csrf, None, Some(&token)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã nhập từ Excel: 2 thay đổi"), "{html}");
    assert!(html.contains("Đặng Văn Chính"), "{html}");
    assert!(app.store().unit_by_code("C").await.is_ok());
    let (status, _) = post(&app, &admin, &csrf, None, Some(&token)).await;
    assert_eq!(status, 409, "a token is used once");

    // A token expires after 15 minutes.
    let second = directory_workbook(&[[C::S("D"), C::S("UBND xã Nhơn Ái"), C::S("t")]], &[]);
    let (_, html) = post(&app, &admin, &csrf, Some((second, true)), None).await;
    let token = held_token(&html).expect("token");
    app.clock.set(t("20/01/2024 09:16"));
    let (status, html) = post(&app, &admin, &csrf, None, Some(&token)).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("quá 15 phút"), "{html}");
    assert!(app.store().unit_by_code("D").await.is_err());
}

/// The first passwords the directory page shows, by username.
fn first_passwords(html: &str) -> Vec<(String, String)> {
    let Some(table) = html.split("id=\"mat-khau-moi\"").nth(1) else {
        return Vec::new();
    };
    let table = table.split("</table>").next().unwrap_or_default();
    table
        .split("<tr><td>")
        .skip(1)
        .filter_map(|row| {
            let username = row.split("</td>").next()?.to_string();
            let password = row.split("<code>").nth(1)?.split("</code>").next()?;
            Some((username, password.to_string()))
        })
        .collect()
}

#[tokio::test]
async fn an_applied_import_shows_its_first_passwords_again_on_refresh_and_only_to_its_session() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("20/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let apply = async |admin: &Browser, csrf: &str, file: Vec<u8>| {
        let (_, html) = post(&app, admin, csrf, Some((file, true)), None).await;
        let token = held_token(&html).expect("token");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("held", token);
        let response = admin
            .send(
                no_redirects()
                    .post(app.url("/quan-tri/nhap-danh-muc"))
                    .multipart(form),
            )
            .await;
        assert_eq!(response.status(), 303, "post, redirect, get");
        response.headers()["location"]
            .to_str()
            .expect("location")
            .to_string()
    };
    let page = async |admin: &Browser, path: &str| {
        let response = admin.send(admin.get(app.url(path))).await;
        assert_eq!(response.status(), 200);
        response.text().await.expect("page").replace("&#x2f;", "/")
    };
    let file = commune_and_its_head();
    let location = apply(&admin, &csrf, file).await;
    assert_eq!(location, "/quan-tri?tb=da-nhap#nhap");
    let shown = page(&admin, &location).await;
    let passwords = first_passwords(&shown);
    assert_eq!(passwords.len(), 1, "{shown}");
    assert_eq!(passwords[0].0, "c.thutruong");
    assert!(shown.contains("Đã nhập từ Excel: 2 thay đổi"), "{shown}");
    assert!(shown.contains("Lần đăng nhập đầu tiên họ phải đổi mật khẩu này."));
    assert!(!shown.contains("nên đổi"));
    assert!(!location.contains(&passwords[0].1), "never in the address");
    // A refresh: the same passwords, nothing imported twice.
    let again = page(&admin, &location).await;
    assert_eq!(first_passwords(&again), passwords);
    // Another administrator's session: not shown, and says why.
    let other = Browser::default();
    app.sign_in_with(&other, "quantri").await;
    let theirs = page(&other, &location).await;
    assert!(first_passwords(&theirs).is_empty());
    assert!(theirs.contains("chỉ hiển thị trong 15 phút"), "{theirs}");
    // The password is the account's, to be changed at the first sign-in.
    let (status, body) = app
        .post_json(
            "/api/session",
            None,
            serde_json::json!({ "username": "c.thutruong", "password": passwords[0].1 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Signed out and in again: gone.
    let response = admin
        .send(
            no_redirects()
                .post(app.url("/dang-xuat"))
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(response.status(), 303);
    let csrf = app.sign_in_with(&admin, "quantri").await;
    assert!(first_passwords(&page(&admin, &location).await).is_empty());

    // Another import, then 16 minutes: gone too.
    let file = directory_workbook(
        &[],
        &[[
            C::S("d.xem"),
            C::S("Đỗ Thị Xem"),
            C::S("Người xem"),
            C::E,
            C::E,
        ]],
    );
    let location = apply(&admin, &csrf, file).await;
    assert_eq!(first_passwords(&page(&admin, &location).await).len(), 1);
    app.clock.set(t("20/01/2024 09:16"));
    assert!(first_passwords(&page(&admin, &location).await).is_empty());
}
