//! The published results open to everyone (/cong-khai): exactly the published figures,
//! without a session; nothing before publication or while the administrator hides them;
//! the switch is the administrator's alone and audited; answers set no cookie, are cached
//! under an ETag (304) and kept gzip-compressed; the ranking workbook names no official.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use serde_json::{Value, json};

use crate::helpers::{
    Browser, TestApp, audit_count, get_page, json_of, no_redirects, post_form, send_json,
    small_round, spawn_app, spawn_app_configured, t,
};

/// The rows of a tier's public ranking table: (rank, name, index as shown).
fn ranking_rows(page: &str, tier_code: &str) -> Vec<(String, String, String)> {
    let section = page
        .split(&format!("id=\"khoi-{tier_code}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no section for tier {tier_code}"));
    let table = section
        .split("<table class=\"grid ranking public\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the ranking table");
    let cell = |row: &str, label: &str| {
        let after = row
            .split(&format!("data-label=\"{label}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no {label} in {row}"));
        let text = after.split("</td>").next().unwrap_or_default();
        // The cell's own text: before a note or a maximum, without tags.
        let text = text.split("<br>").next().unwrap_or_default();
        let text = text.split("<small").next().unwrap_or_default();
        text.replace("<strong>", "")
            .replace("</strong>", "")
            .trim()
            .to_string()
    };
    table
        .split("<tr>")
        .skip(2) // what precedes the head's row, and the head's row
        .map(|row| {
            (
                cell(row, "Xếp hạng"),
                cell(row, "Tên cơ quan, đơn vị"),
                cell(row, "Chỉ số CCHC (%)"),
            )
        })
        .collect()
}

/// "85.12" → "85,12": the API's decimal as the page writes it.
fn vn(decimal: &str) -> String {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    format!("{whole},{fraction:0<2}")
}

/// The administrator's switch of the public pages, sent by whoever `browser` is.
async fn switch(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    round: i64,
    on: bool,
) -> (u16, Value) {
    let path = format!("/api/rounds/{round}/public");
    send_json(app, browser, csrf, "PUT", &path, json!({ "public": on })).await
}

/// The demo loaded, the clock at today: the id of its 2023 round (appraised, unpublished).
pub(crate) async fn demo_round(app: &TestApp) -> i64 {
    parindex::demo::load(app.store(), &parindex::domain::SystemClock)
        .await
        .expect("demo");
    app.clock.set(chrono::Utc::now());
    app.store()
        .rounds()
        .await
        .expect("rounds")
        .into_iter()
        .find(|r| r.1 == 2023)
        .expect("the 2023 round")
        .0
}

async fn anonymous(app: &TestApp, path: &str) -> reqwest::Response {
    no_redirects()
        .get(app.url(path))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn the_public_page_shows_exactly_the_published_figures_without_a_session() {
    let app = spawn_app().await;
    let round = demo_round(&app).await;
    let admin = Browser::default();
    let csrf = app
        .sign_in_with_password(&admin, "quantri", "parindex-demo")
        .await;
    crate::helpers::signed_off(app.store(), round).await;
    let request = admin
        .post(app.url(&format!(
            "/api/rounds/{round}/publish?confirm=true&close_open_phases=true&public=true"
        )))
        .header("x-csrf-token", &csrf);
    assert_eq!(admin.send(request).await.status(), 204);
    let results = app.url(&format!("/api/rounds/{round}/results"));
    let (status, published) = json_of(admin.send(admin.get(results)).await).await;
    assert_eq!(status, 200, "{published}");

    let response = anonymous(&app, &format!("/cong-khai/{round}")).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("page").replace("&#x2f;", "/");
    let tiers = published["tiers"].as_array().expect("tiers");
    assert_eq!(tiers.len(), 3);
    for tier in tiers {
        let code = tier["tier_code"].as_str().expect("code");
        let expected: Vec<(String, String, String)> = tier["units"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| {
                (
                    u["rank"].as_i64().expect("rank").to_string(),
                    u["unit_name"].as_str().expect("name").to_string(),
                    vn(u["index"].as_str().expect("index")),
                )
            })
            .collect();
        assert!(expected.len() >= 9, "{code}");
        assert_eq!(ranking_rows(&page, code), expected, "tier {code}");
        // The unit that never submitted is noted, as in the signed-in ranking.
        for u in tier["units"].as_array().expect("units") {
            if let Some(note) = u["note"].as_str() {
                assert!(page.contains(note), "{note}");
            }
        }
        // Both charts, drawn on the server.
        let section = page
            .split(&format!("id=\"khoi-{code}\""))
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("section");
        assert_eq!(section.matches("<svg class=\"chart\"").count(), 2, "{code}");
        assert!(section.contains("Trung bình của khối") && section.contains("Cao nhất trong khối"));
    }
    // No script, nothing from elsewhere, nothing of the unit's own work or its people.
    assert!(!page.contains("<script"), "a script on the public page");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    for private in [
        "Giải trình",
        "kiểm chứng",
        "Điểm tự đánh giá",
        "Đăng xuất",
        "csrf",
    ] {
        assert!(!page.contains(private), "«{private}» on the public page");
    }
    for user in app.store().users().await.expect("users") {
        assert!(
            !page.contains(&user.display_name),
            "the name of {} on the public page",
            user.username
        );
    }
}

#[tokio::test]
async fn nothing_is_shown_before_publication_nor_while_hidden_and_only_the_administrator_switches()
{
    let config: parindex::config::Config = toml::from_str(
        r#"
        [annex]
        signer_title = "GIÁM ĐỐC"
        signer_name = "Trần Thị Bình"
        "#,
    )
    .expect("config");
    let app = spawn_app_configured(&config).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND xã Bình Hòa")],
        vec![],
    )
    .await;
    let round = r.round;
    let page = format!("/cong-khai/{round}");
    let workbook = format!("/cong-khai/{round}/xep-hang.xlsx");
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;

    // Before publication: the same «not found» as a round that does not exist.
    let (status, missing) = get_page(&app, &Browser::default(), "/cong-khai/999").await;
    assert_eq!(status, 404);
    for path in [&page, &workbook, &"/cong-khai/abc".to_string()] {
        let (status, body) = get_page(&app, &Browser::default(), path).await;
        assert_eq!((status, &body), (404, &missing), "{path}");
    }
    let (status, index) = get_page(&app, &Browser::default(), "/cong-khai").await;
    assert_eq!(status, 200);
    assert!(
        index.contains("Chưa có kết quả nào được công bố"),
        "{index}"
    );
    // Chosen before publication: still nothing until it is published.
    let (status, body) = switch(&app, &admin, &csrf, round, true).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(get_page(&app, &Browser::default(), &page).await.0, 404);
    let (status, _) = switch(&app, &admin, &csrf, round, false).await;
    assert_eq!(status, 204);

    // Published without choosing: hidden (off until chosen).
    app.clock.set(t("01/04/2024"));
    let csrf = app.sign_in_with(&admin, "quantri").await;
    crate::helpers::signed_off(app.store(), round).await;
    let request = admin
        .post(app.url(&format!(
            "/api/rounds/{round}/publish?confirm=true&close_open_phases=true"
        )))
        .header("x-csrf-token", &csrf);
    assert_eq!(admin.send(request).await.status(), 204);
    let info_url = app.url(&format!("/api/rounds/{round}"));
    let (status, info) = json_of(admin.send(admin.get(info_url.clone())).await).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["public"], Value::Bool(false), "{info}");
    assert!(info["published_at"].is_string(), "{info}");
    for path in [&page, &workbook] {
        let (status, body) = get_page(&app, &Browser::default(), path).await;
        assert_eq!((status, &body), (404, &missing), "{path}");
    }

    // Only the administrator switches it on, with the CSRF token; audited.
    let officer = Browser::default();
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let before = audit_count(&app).await;
    let (status, body) = switch(&app, &officer, &officer_csrf, round, true).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, body) = switch(&app, &admin, "sai-ma", round, true).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("csrf"))
    );
    assert_eq!(audit_count(&app).await, before);
    assert_eq!(get_page(&app, &Browser::default(), &page).await.0, 404);
    let (status, _) = switch(&app, &admin, &csrf, round, true).await;
    assert_eq!(status, 204);
    let log = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit");
    let entry = log
        .iter()
        .rev()
        .find(|e| e.action == "round.public")
        .expect("audited");
    assert_eq!(
        entry.new_value.as_deref(),
        Some("Chỉ số CCHC năm 2023: công khai")
    );
    assert!(entry.actor.contains("quantri"), "{}", entry.actor);
    let (_, info) = json_of(admin.send(admin.get(info_url)).await).await;
    assert_eq!(info["public"], Value::Bool(true), "{info}");

    // Shown at once, to anyone; listed with its date of publication.
    let (status, index) = get_page(&app, &Browser::default(), "/cong-khai").await;
    assert_eq!(status, 200);
    assert!(
        index.contains(&format!("href=\"/cong-khai/{round}\"")),
        "{index}"
    );
    assert!(index.contains("01/04/2024"), "{index}");
    let response = anonymous(&app, &page).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let body = response.text().await.expect("page");
    assert!(body.contains("UBND phường An Khánh") && body.contains("UBND xã Bình Hòa"));
    assert!(headers.get("set-cookie").is_none());
    let cache = headers["cache-control"].to_str().expect("cache-control");
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let etag = headers["etag"].to_str().expect("etag").to_string();

    // With a session cookie: the same bytes, no cookie set, no menu of the user.
    let signed_in = admin.send(no_redirects().get(app.url(&page))).await;
    assert!(signed_in.headers().get("set-cookie").is_none());
    assert_eq!(
        signed_in.headers()["etag"].to_str().ok(),
        Some(etag.as_str())
    );
    assert_eq!(signed_in.text().await.expect("page"), body);

    // The client that has it is told so; gzip for those who take it, under its own tag.
    let again = no_redirects()
        .get(app.url(&page))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);
    assert!(again.headers().get("set-cookie").is_none());
    assert!(again.text().await.expect("body").is_empty());
    let gzip = no_redirects()
        .get(app.url(&page))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert_eq!(gzip.headers()["vary"], "accept-encoding");
    let gz_tag = gzip.headers()["etag"].to_str().expect("etag").to_string();
    assert_ne!(gz_tag, etag);
    let mut inflated = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(Cursor::new(gzip.bytes().await.expect("body"))),
        &mut inflated,
    )
    .expect("gzip");
    assert_eq!(inflated, body);

    // The ranking workbook: the published table, signed by no one by name.
    let response = anonymous(&app, &workbook).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("etag").is_some());
    let bytes = response.bytes().await.expect("workbook");
    let texts = workbook_texts(&bytes);
    assert!(
        texts.iter().any(|t| t == "UBND phường An Khánh"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "GIÁM ĐỐC"), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.contains("Trần Thị Bình")),
        "{texts:?}"
    );
    // The signed-in export names the signer: the public copy only leaves it out.
    let signed = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/ranking.xlsx"))))
        .await
        .bytes()
        .await
        .expect("workbook");
    assert!(
        workbook_texts(&signed)
            .iter()
            .any(|t| t.contains("Trần Thị Bình"))
    );

    // Hidden again from the publication page's switch: gone at once, the same 404.
    let (status, location, _) = post_form(
        &app,
        &admin,
        &format!("/quan-tri/ky/{round}/cong-khai"),
        &[("csrf", csrf.as_str()), ("cong_khai", "khong")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/quan-tri/ky/{round}/cong-bo?tb=da-an#cong-khai").as_str())
    );
    for path in [&page, &workbook] {
        let (status, body) = get_page(&app, &Browser::default(), path).await;
        assert_eq!((status, &body), (404, &missing), "{path}");
    }
    let (_, index) = get_page(&app, &Browser::default(), "/cong-khai").await;
    assert!(!index.contains(&format!("/cong-khai/{round}")), "{index}");
    let (status, shown) = get_page(
        &app,
        &admin,
        &format!("/quan-tri/ky/{round}/cong-bo?tb=da-an"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã ngừng công khai kết quả"), "{shown}");
}

/// Every public address answers without sign-in (never a redirect to the sign-in page),
/// and only for a shown published round; the pages behind them still need a session.
#[tokio::test]
async fn every_public_address_answers_without_sign_in_and_only_for_shown_rounds() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let round = r.round;
    let public = [
        ("/cong-khai".to_string(), 200),
        (format!("/cong-khai/{round}"), 404),
        (format!("/cong-khai/{round}/xep-hang.xlsx"), 404),
    ];
    let check = |shown: bool| {
        let app = &app;
        let public = public.clone();
        async move {
            for (path, hidden) in &public {
                let response = anonymous(app, path).await;
                let expected = if shown { 200 } else { *hidden };
                assert_eq!(response.status().as_u16(), expected, "{path}");
                assert!(response.headers().get("set-cookie").is_none(), "{path}");
                assert!(response.headers().get("location").is_none(), "{path}");
            }
        }
    };
    check(false).await;
    app.clock.set(t("01/04/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    // Published from its page, the public pages ticked (as they are by default).
    crate::helpers::signed_off(app.store(), round).await;
    let (status, _, _) = post_form(
        &app,
        &admin,
        &format!("/quan-tri/ky/{round}/cong-bo"),
        &[
            ("csrf", csrf.as_str()),
            ("dong_giai_doan", "co"),
            ("cong_khai", "co"),
            ("xac_nhan", "co"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    check(true).await;
    let (_, info) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}"))))
            .await,
    )
    .await;
    assert_eq!(info["public"], Value::Bool(true), "{info}");
    // The signed-in pages of the same round still send to the sign-in page.
    for path in [format!("/ky/{round}/ket-qua"), "/".to_string()] {
        let response = anonymous(&app, &path).await;
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()["location"].to_str().expect("location");
        assert!(location.starts_with("/dang-nhap"), "{path}: {location}");
    }
    // The sign-in page and the menu lead to the public pages.
    let (_, sign_in) = get_page(&app, &Browser::default(), "/dang-nhap").await;
    assert!(sign_in.contains("href=\"/cong-khai\""), "{sign_in}");
    let (_, home) = get_page(&app, &admin, "/").await;
    assert!(home.contains("href=\"/cong-khai\""), "the menu");
}

/// Every text cell of every sheet of a workbook.
fn workbook_texts(bytes: &[u8]) -> Vec<String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let mut texts = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for cell in row {
                if let calamine::Data::String(s) = cell {
                    texts.push(s.clone());
                }
            }
        }
    }
    texts
}

#[tokio::test]
async fn a_refused_publication_keeps_the_public_choice_beside_its_form() {
    let app = crate::helpers::spawn_app().await;
    let r =
        crate::helpers::small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(crate::helpers::t("01/04/2024"));
    let admin = crate::helpers::Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let page = format!("/quan-tri/ky/{}/cong-bo", r.round);
    // Not public, not confirmed: refused, and «Công khai» stays unticked.
    let fields = [("csrf", csrf.as_str())];
    let (status, _, html) = crate::helpers::post_form(&app, &admin, &page, &fields).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("name=\"cong_khai\" value=\"co\">"), "{html}");
    assert!(html.contains("class=\"alert form-error\""), "{html}");
    // A first visit ticks it; the switch of a round not yet published says what it does.
    let (_, html) = crate::helpers::get_page(&app, &admin, &page).await;
    assert!(
        html.contains("name=\"cong_khai\" value=\"co\" checked>"),
        "{html}"
    );
    let (_, html) =
        crate::helpers::get_page(&app, &admin, &format!("/quan-tri/ky/{}", r.round)).await;
    assert!(html.contains(">Công khai khi công bố</button>"), "{html}");
}
