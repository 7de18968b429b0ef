//! The audit log page (/quan-tri/nhat-ky) as an administrator reads it: each entry with its
//! round's title, its unit's name and accounts by name (never «người dùng #7»), its action
//! named once; in time order, with previous and next pages that keep every filter; a date
//! that is no date gives the form back as typed, the message beside that field (422).

use chrono::Duration;

use parindex::store::NewAudit;

use crate::helpers::{Browser, SmallRound, TestApp, small_round, spawn_app, t};

/// The page at `query` for the administrator: its status and its text.
async fn page(app: &TestApp, admin: &Browser, query: &str) -> (u16, String) {
    let response = admin
        .send(admin.get(app.url(&format!("/quan-tri/nhat-ky{query}"))))
        .await;
    let status = response.status().as_u16();
    let html = response.text().await.expect("page");
    (status, html.replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// The markers («mục 7») of the rows of a page, in the order shown.
fn markers(html: &str) -> Vec<u32> {
    html.split("<tr><td>")
        .skip(1)
        .filter_map(|row| {
            let rest = row.split("mục ").nth(1)?;
            rest.split('<').next()?.parse().ok()
        })
        .collect()
}

/// A link of the page: the address in the `href` of the anchor whose text has `text`.
fn link(html: &str, text: &str) -> Option<String> {
    let before = &html[..html.find(text)?];
    let href = &before[before.rfind("href=\"")? + 6..];
    Some(href.split('"').next()?.split('#').next()?.to_string())
}

/// A round of two units, and the administrator signed in.
async fn setup() -> (TestApp, SmallRound, Browser) {
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
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    (app, r, admin)
}

/// Entry `n` by unit A's officer on leaf 2.1 of unit A, written at `at`.
async fn write(app: &TestApp, r: &SmallRound, n: u32, at: chrono::DateTime<chrono::Utc>) {
    let entry = NewAudit {
        action: "self_assessment.save".into(),
        round_id: Some(r.round),
        unit_id: Some(r.units[0]),
        leaf_code: Some("2.1".into()),
        new_value: Some(format!("mục {n}")),
        ..NewAudit::by(&r.officers[0], "10.0.0.7")
    };
    app.store().append_audit(entry, at).await.expect("audit");
}

#[tokio::test]
async fn entries_show_their_round_unit_and_names_with_the_action_said_once() {
    let (app, r, admin) = setup().await;
    write(&app, &r, 1, t("05/01/2024 09:00")).await;
    // A password reset of unit B's officer, as entries made before names were written
    // at the source read: «người dùng #id».
    let (target, _) = app
        .store()
        .user_for_sign_in("b.canbo")
        .await
        .expect("user")
        .expect("b.canbo");
    app.store()
        .reset_password(
            target.user_id,
            "x",
            NewAudit {
                new_value: Some(format!("người dùng #{}", target.user_id)),
                ..NewAudit::by(&r.admin, "10.0.0.1")
            },
            t("06/01/2024 10:00"),
        )
        .await
        .expect("reset");

    let (status, html) = page(&app, &admin, "").await;
    assert_eq!(status, 200);
    let saved = html
        .split("<tr><td>")
        .skip(1)
        .find(|row| row.contains("mục 1"))
        .expect("the save's row");
    assert!(saved.contains("<td>Chỉ số CCHC năm 2023</td>"), "{saved}");
    assert!(saved.contains("<td>UBND phường An Khánh</td>"), "{saved}");
    assert!(
        saved.contains("a.canbo (a.canbo)"),
        "the officer by name: {saved}"
    );
    let reset = html
        .split("<tr><td>")
        .skip(1)
        .find(|row| row.contains("Đặt lại mật khẩu"))
        .expect("the reset's row");
    assert!(reset.contains("<td>b.canbo (b.canbo)</td>"), "{reset}");
    let table = &html[html.find("id=\"nhat-ky\"").expect("table")..];
    assert!(!table.contains("người dùng #"), "{table}");
    // The action in Vietnamese, once: never its code beside it.
    assert_eq!(saved.matches("Lưu tự chấm điểm").count(), 1, "{saved}");
    assert!(!table.contains("self_assessment.save"), "{table}");
    assert!(!table.contains("user.password_reset"), "{table}");

    // An account by its username: the officer's entry only.
    let (_, theirs) = page(&app, &admin, "?nguoi=a.canbo").await;
    assert_eq!(markers(&theirs), vec![1]);
    assert!(!theirs.contains("Đặt lại mật khẩu</td>"));
}

#[tokio::test]
async fn pages_go_both_ways_keeping_every_filter() {
    let (app, r, admin) = setup().await;
    let start = t("02/01/2024 08:00");
    for n in 1..=230 {
        write(&app, &r, n, start + Duration::minutes(i64::from(n))).await;
    }
    // Entries the filters leave out: another unit, another account, another day.
    let other = NewAudit {
        action: "self_assessment.save".into(),
        round_id: Some(r.round),
        unit_id: Some(r.units[1]),
        leaf_code: Some("2.1".into()),
        new_value: Some("mục 999".into()),
        ..NewAudit::by(&r.officers[1], "10.0.0.8")
    };
    app.store()
        .append_audit(other, start + Duration::minutes(5))
        .await
        .expect("audit");
    write(&app, &r, 998, t("20/01/2024 08:00")).await;

    let filters = format!(
        "?tu_ngay=02/01/2024&den_ngay=03/01/2024&don_vi={}&nguoi=a.canbo&thao_tac=self_assessment.save&tieu_chi=2.1",
        r.units[0]
    );
    let kept = |href: &str| {
        for part in filters.trim_start_matches('?').split('&') {
            let encoded = part.replace('/', "%2F");
            assert!(href.contains(&encoded), "{part} kept in {href}");
        }
    };
    let (status, first) = page(&app, &admin, &filters).await;
    assert_eq!(status, 200);
    let newest: Vec<u32> = (131..=230).rev().collect();
    assert_eq!(markers(&first), newest, "newest first, 100 a page");
    assert!(link(&first, "Trang trước").is_none());
    let next = link(&first, "Trang sau").expect("a next page");
    kept(&next);
    let (_, second) = page(&app, &admin, &next).await;
    assert_eq!(markers(&second), (31..=130).rev().collect::<Vec<_>>());
    let next = link(&second, "Trang sau").expect("a third page");
    kept(&next);
    let (_, third) = page(&app, &admin, &next).await;
    assert_eq!(markers(&third), (1..=30).rev().collect::<Vec<_>>());
    assert!(link(&third, "Trang sau").is_none(), "the last page");
    let back = link(&third, "Trang trước").expect("a previous page");
    kept(&back);
    let (_, again) = page(&app, &admin, &back).await;
    assert_eq!(markers(&again), markers(&second), "back to the second page");
    let back = link(&again, "Trang trước").expect("a previous page");
    kept(&back);
    let (_, top) = page(&app, &admin, &back).await;
    assert_eq!(markers(&top), newest);

    // Oldest first: the same entries the other way, the order kept in the links.
    let oldest = link(&first, "xếp cũ nhất trước").expect("a link to the other order");
    kept(&oldest);
    let (_, first) = page(&app, &admin, &oldest).await;
    assert_eq!(markers(&first), (1..=100).collect::<Vec<_>>());
    let next = link(&first, "Trang sau").expect("a next page");
    kept(&next);
    assert!(next.contains("thu_tu=cu"), "{next}");
    let (_, second) = page(&app, &admin, &next).await;
    assert_eq!(markers(&second), (101..=200).collect::<Vec<_>>());
    let back = link(&second, "Trang trước").expect("a previous page");
    assert!(back.contains("thu_tu=cu"), "{back}");
    let (_, again) = page(&app, &admin, &back).await;
    assert_eq!(markers(&again), (1..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn entries_are_listed_in_the_order_they_happened() {
    let (app, r, admin) = setup().await;
    // Written out of time order (a command or an import dates its entries): the page
    // follows their times, not the order they were stored in.
    write(&app, &r, 2, t("05/01/2024 10:00")).await;
    write(&app, &r, 3, t("05/01/2024 11:00")).await;
    write(&app, &r, 1, t("04/01/2024 09:00")).await;
    write(&app, &r, 4, t("05/01/2024 11:00")).await;
    let query = format!("?don_vi={}", r.units[0]);
    let (_, newest) = page(&app, &admin, &query).await;
    assert_eq!(markers(&newest), vec![4, 3, 2, 1]);
    let (_, oldest) = page(&app, &admin, &format!("{query}&thu_tu=cu")).await;
    assert_eq!(markers(&oldest), vec![1, 2, 3, 4]);
    assert!(oldest.contains("cũ nhất trước"));
}

#[tokio::test]
async fn a_date_that_is_no_date_keeps_the_filters_and_names_its_field() {
    let (app, r, admin) = setup().await;
    write(&app, &r, 1, t("05/01/2024 09:00")).await;
    let (status, html) = page(
        &app,
        &admin,
        &format!(
            "?tu_ngay=31/02/2024&den_ngay=05/01/2024&don_vi={}&nguoi=a.canbo&thao_tac=self_assessment.save&tieu_chi=2.1&thu_tu=cu",
            r.units[1]
        ),
    )
    .await;
    assert_eq!(status, 422);
    // The message beside «Từ ngày», in Vietnamese, the field marked.
    let field = &html[html.find("id=\"tu_ngay\"").expect("the field")..];
    let field = &field[..field.find("</div>").expect("its end")];
    assert!(field.contains("value=\"31/02/2024\""), "{field}");
    assert!(field.contains("aria-invalid=\"true\""), "{field}");
    assert!(field.contains("class=\"field-error\""), "{field}");
    assert!(
        field.contains("Từ ngày: «31/02/2024» không phải là ngày giờ hợp lệ"),
        "{field}"
    );
    // Every other filter as typed.
    assert!(html.contains("id=\"den_ngay\" name=\"den_ngay\" value=\"05/01/2024\""));
    assert!(html.contains(&format!("<option value=\"{}\" selected>", r.units[1])));
    assert!(html.contains("id=\"nguoi\" name=\"nguoi\" value=\"a.canbo\""));
    assert!(html.contains("<option value=\"self_assessment.save\" selected>"));
    assert!(html.contains("id=\"tieu_chi\" name=\"tieu_chi\" value=\"2.1\""));
    assert!(html.contains("<option value=\"cu\" selected>"));
    assert!(
        markers(&html).is_empty(),
        "nothing listed for a filter not understood"
    );

    // The end before the start: named on «đến ngày».
    let (status, html) = page(&app, &admin, "?tu_ngay=05/01/2024&den_ngay=04/01/2024").await;
    assert_eq!(status, 422);
    let field = &html[html.find("id=\"den_ngay\"").expect("the field")..];
    let field = &field[..field.find("</div>").expect("its end")];
    assert!(field.contains("class=\"field-error\""), "{field}");
    assert!(html.contains("id=\"tu_ngay\" name=\"tu_ngay\" value=\"05/01/2024\""));
}
