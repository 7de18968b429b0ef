//! Setting a round up over the API, as the pages do: the next round drafted from the last,
//! created in preparation and invisible to units until opened, and a phase's move previewed
//! unit by unit before it is saved.

use serde_json::json;

use crate::helpers::{Browser, audit_count, json_of, send_json, small_round, spawn_app, t};

#[tokio::test]
async fn the_next_round_is_drafted_a_year_on_and_stays_hidden_from_units_until_opened() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;

    let (status, draft) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{}/next-draft", r.round))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["year"], 2024);
    assert_eq!(draft["title"], "Chỉ số CCHC năm 2024");
    assert_eq!(draft["tiers"][0]["set_code"], "KIEM-THU");
    assert_eq!(draft["phases"][0]["opens"], "01/12/2024 00:00");
    assert_eq!(draft["phases"][0]["closes"], "07/01/2025 23:59");
    assert_eq!(draft["phases"][3]["closes"], "15/03/2025 23:59");
    let (status, _) = json_of(
        officer
            .send(officer.get(app.url(&format!("/api/rounds/{}/next-draft", r.round))))
            .await,
    )
    .await;
    assert_eq!(status, 403, "administrators only");

    // Created as drafted, in preparation.
    let next = crate::helpers::create_next_round(&app, &admin, &csrf, r.round).await;

    let listed = |browser: Browser| {
        let url = app.url("/api/rounds");
        async move {
            let (_, rounds) = json_of(browser.send(browser.get(url)).await).await;
            rounds
                .as_array()
                .expect("rounds")
                .iter()
                .map(|r| r["id"].as_i64().expect("id"))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(admin.clone()).await, vec![next, r.round]);
    assert_eq!(
        listed(officer.clone()).await,
        vec![r.round],
        "hidden from units"
    );
    let unit_url = app.url(&format!(
        "/api/rounds/{next}/units/{}/self-assessment",
        r.units[0]
    ));
    let (status, body) = json_of(officer.send(officer.get(unit_url.clone())).await).await;
    assert_eq!(status, 404, "{body}");
    // Neither its results, its workbooks nor a leaf's history show to anyone but the
    // administrator.
    let viewer = Browser::default();
    app.sign_in_with(&viewer, "lanhdao").await;
    for (who, path) in [
        (&officer, format!("/api/rounds/{next}/results")),
        (&viewer, format!("/api/rounds/{next}/results")),
        (&viewer, format!("/api/rounds/{next}/export/ranking.xlsx")),
        (
            &officer,
            format!("/api/rounds/{next}/units/{}/history/1.1", r.units[0]),
        ),
    ] {
        let status = who.send(who.get(app.url(&path))).await.status().as_u16();
        assert_eq!(status, 404, "{path}");
    }
    let status = admin
        .send(admin.get(app.url(&format!("/api/rounds/{next}/results"))))
        .await
        .status();
    assert_eq!(status, 200, "the administrator prepares it");
    let home = officer
        .send(officer.get(app.url("/")))
        .await
        .text()
        .await
        .expect("home");
    assert!(!home.contains("năm 2024"), "not on the unit's home page");

    // Opened: the unit sees it; opening twice is refused.
    let open = format!("/api/rounds/{next}/open");
    let (status, _) = send_json(&app, &officer, "x", "POST", &open, json!({})).await;
    assert_eq!(status, 403);
    let (status, _) = send_json(&app, &admin, &csrf, "POST", &open, json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(listed(officer.clone()).await, vec![next, r.round]);
    let (status, _) = json_of(officer.send(officer.get(unit_url)).await).await;
    assert_eq!(status, 200);
    let (status, body) = send_json(&app, &admin, &csrf, "POST", &open, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
}

#[tokio::test]
async fn moving_a_phase_is_previewed_unit_by_unit_with_extensions_kept_and_nothing_saved() {
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
    app.clock.set(t("20/12/2023 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/rounds/{}/units/{}/overrides", r.round, r.units[1]),
        json!({ "phase": "self_assessment", "kind": "extension", "until": "20/01/2024", "reason": "Công văn số 5/UBND" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    let preview = |closes: &'static str| {
        let (app, admin, csrf) = (&app, &admin, &csrf);
        async move {
            let (status, body) = send_json(
                app,
                admin,
                csrf,
                "POST",
                &format!("/api/rounds/{}/phases/preview", r.round),
                json!({ "phase": "self_assessment", "opens": "01/12/2023", "closes": closes }),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    // Appraisal round 1 moved on first: the self-assessment may not run into it.
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &format!("/api/rounds/{}/phases", r.round),
        json!({ "phase": "appraisal_round1", "opens": "21/01/2024", "closes": "31/01/2024" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let before = audit_count(&app).await;
    let later = preview("14/01/2024").await;
    assert_eq!(
        (later["gaining"].as_i64(), later["losing"].as_i64()),
        (Some(1), Some(0))
    );
    let units = later["units"].as_array().expect("units");
    assert_eq!(units[0]["unit_name"], "UBND phường An Khánh");
    assert_eq!(units[0]["change"], "gains");
    assert_eq!(units[0]["before"], "23:59 ngày 07/01/2024");
    assert_eq!(units[0]["after"], "23:59 ngày 14/01/2024");
    // B's own extension runs past both windows: its deadline stays, so it is not listed.
    assert_eq!(units.len(), 1, "{later}");
    assert_eq!(later["unchanged"], 1);

    let earlier = preview("03/01/2024").await;
    assert_eq!(
        (earlier["gaining"].as_i64(), earlier["losing"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(earlier["units"][0]["change"], "loses");
    assert_eq!(earlier["units"].as_array().map(Vec::len), Some(1));

    // A preview saves nothing; a window ending before it starts is refused.
    assert_eq!(audit_count(&app).await, before);
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("07/01/2024")
    );
    let (status, _) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/rounds/{}/phases/preview", r.round),
        json!({ "phase": "self_assessment", "opens": "10/01/2024", "closes": "03/01/2024" }),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn the_progress_page_counts_units_by_status_and_filters_them() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND phường Bình Thủy"),
            ("C", "UBND phường Cái Khế"),
            ("D", "UBND phường Hưng Lợi"),
        ],
        vec![],
    )
    .await;
    let round = r.round;
    app.clock.set(t("05/01/2024"));
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "a.thutruong").await;
    let path = format!(
        "/api/rounds/{round}/units/{}/submit?confirm_gaps=true",
        r.units[0]
    );
    assert_eq!(
        send_json(&app, &head, &csrf, "POST", &path, json!({}))
            .await
            .0,
        204
    );
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "b.canbo").await;
    let path = format!(
        "/api/rounds/{round}/units/{}/self-assessment/2.1",
        r.units[1]
    );
    let (status, _) = send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &path,
        json!({ "input": { "kind": "judged", "points": "1" } }),
    )
    .await;
    assert_eq!(status, 200);

    // After the deadline, C is extended; B and D are late.
    app.clock.set(t("08/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!("/api/rounds/{round}/units/{}/overrides", r.units[2]);
    let (status, _) = send_json(&app, &admin, &csrf, "POST", &path, json!({ "phase": "self_assessment", "kind": "reopening", "until": "12/01/2024 17:00", "reason": "Công văn 7/UBND" })).await;
    assert_eq!(status, 204);
    let page = |query: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let url = app.url(&format!("/quan-tri/ky/{round}{query}"));
            let response = admin.send(admin.get(url)).await;
            assert_eq!(response.status(), 200);
            response.text().await.expect("page").replace("&#x2f;", "/")
        }
    };
    let all = page("").await;
    for expected in [
        "Đã gửi: <strong>1</strong>",
        "Quá hạn: <strong>2</strong>",
        "Đang gia hạn: <strong>1</strong>",
        "Mở lại đến 17:00 ngày 12/01/2024",
    ] {
        assert!(all.contains(expected), "«{expected}» missing");
    }
    let late = page("?trang_thai=late").await;
    assert!(late.contains("UBND phường Bình Thủy") && late.contains("UBND phường Hưng Lợi"));
    assert!(!late.contains(">UBND phường An Khánh<"));
    let found = page("?tim=cai%20khe").await;
    assert!(found.contains(">UBND phường Cái Khế<"));
    assert!(!found.contains(">UBND phường Bình Thủy<"));

    // The ranking says which units never submitted, beside their rank.
    let (status, results) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/results"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let notes: Vec<(String, serde_json::Value)> = results["tiers"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| {
            (
                u["unit_code"].as_str().expect("code").to_string(),
                u["note"].clone(),
            )
        })
        .collect();
    for (code, note) in notes {
        let expected = if code == "A" {
            json!(null)
        } else {
            json!("Không gửi tự đánh giá")
        };
        assert_eq!(note, expected, "{code}");
    }
    let ranking = page_of(&app, &admin, &format!("/ky/{round}/ket-qua")).await;
    assert!(ranking.contains("Không gửi tự đánh giá"));
}

async fn page_of(app: &crate::helpers::TestApp, browser: &Browser, path: &str) -> String {
    browser
        .send(browser.get(app.url(path)))
        .await
        .text()
        .await
        .expect("page")
}
