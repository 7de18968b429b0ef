//! The directory import from its page: after a dry run without errors, one button applies
//! the same file, held on the server under a token that expires and that only the session
//! which checked it can use.

use crate::directory_import::{C, directory_workbook};
use crate::helpers::{Browser, TestApp, small_round, spawn_app, t};

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
    let file = directory_workbook(
        &[[C::S("C"), C::S("UBND xã Mỹ Khánh"), C::S("t")]],
        &[[
            C::S("c.thutruong"),
            C::S("Đặng Văn Chính"),
            C::S("Thủ trưởng đơn vị"),
            C::S("C"),
            C::E,
        ]],
    );

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
