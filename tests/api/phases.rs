//! Phase windows are checked: each phase ends after it opens, and the phases follow one
//! another (self-assessment, appraisal round 1, explanation, appraisal round 2). A refusal
//! names both phases and their dates, from the API (422, a stable code) and from the page
//! (the form back with what was typed, the message beside the field). The preview lists
//! only the units whose deadline changes, with the save button first.

use serde_json::json;

use crate::helpers::{Browser, audit_count, send_json, small_round, spawn_app, t};

const TWO_UNITS: &[(&str, &str)] = &[("A", "UBND phường An Khánh"), ("B", "UBND phường Cái Khế")];

#[tokio::test]
async fn out_of_order_phases_are_refused_by_the_api_naming_both_phases() {
    let app = spawn_app().await;
    let r = small_round(app.store(), TWO_UNITS, vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let phases = format!("/api/rounds/{}/phases", r.round);
    let before = audit_count(&app).await;

    // The self-assessment moved past the opening of appraisal round 1 (08/01/2024).
    let late = json!({ "phase": "self_assessment", "opens": "01/12/2023", "closes": "14/01/2024" });
    for (method, path) in [
        ("PUT", phases.clone()),
        ("POST", format!("{phases}/preview")),
    ] {
        let (status, body) = send_json(&app, &admin, &csrf, method, &path, late.clone()).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["error"]["code"], "phase_order", "{body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("thẩm định lần 1 bắt đầu lúc 00:00 ngày 08/01/2024")
                && message.contains("tự chấm điểm kết thúc lúc 23:59 ngày 14/01/2024"),
            "{message}"
        );
    }
    // Appraisal round 1 opening before the self-assessment closes; the explanation window
    // before round 1 closes; round 2 before the explanation window closes.
    for (phase, opens, closes, earlier) in [
        (
            "appraisal_round1",
            "05/01/2024",
            "31/01/2024",
            "tự chấm điểm",
        ),
        ("explanation", "30/01/2024", "15/02/2024", "thẩm định lần 1"),
        ("appraisal_round2", "10/02/2024", "15/03/2024", "giải trình"),
    ] {
        let (status, body) = send_json(
            &app,
            &admin,
            &csrf,
            "PUT",
            &phases,
            json!({ "phase": phase, "opens": opens, "closes": closes }),
        )
        .await;
        assert_eq!(status, 422, "{phase}: {body}");
        assert_eq!(body["error"]["code"], "phase_order");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("bắt đầu lúc 00:00 ngày {opens}"))
                && message.contains(&format!("{earlier} kết thúc lúc")),
            "{message}"
        );
    }
    // A window that ends as it opens, or before.
    for closes in ["01/02/2024 00:00", "31/01/2024"] {
        let (status, body) = send_json(
            &app,
            &admin,
            &csrf,
            "PUT",
            &phases,
            json!({ "phase": "explanation", "opens": "01/02/2024", "closes": closes }),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "phase_ends_before_opening");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("message")
                .contains("bắt đầu lúc 00:00 ngày 01/02/2024"),
            "{body}"
        );
    }
    assert_eq!(
        audit_count(&app).await,
        before,
        "nothing refused was written"
    );
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("07/01/2024")
    );

    // In the right order it goes through: round 1 moved on first, then the self-assessment.
    let moved =
        json!({ "phase": "appraisal_round1", "opens": "15/01/2024", "closes": "31/01/2024" });
    let (status, body) = send_json(&app, &admin, &csrf, "PUT", &phases, moved).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = send_json(&app, &admin, &csrf, "PUT", &phases, late).await;
    assert_eq!(status, 204, "{body}");
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("14/01/2024")
    );
}

#[tokio::test]
async fn a_new_round_with_phases_out_of_order_is_refused() {
    let app = spawn_app().await;
    small_round(app.store(), TWO_UNITS, vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let spec = |round1_opens: &str| {
        json!({
            "year": 2024, "title": "Chỉ số CCHC năm 2024", "open": false,
            "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
            "phases": [
                { "phase": "self_assessment", "opens": "01/12/2024", "closes": "07/01/2025" },
                { "phase": "appraisal_round1", "opens": round1_opens, "closes": "31/01/2025" },
            ],
        })
    };
    let before = audit_count(&app).await;
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/rounds/new",
        spec("02/01/2025"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "phase_order");
    assert_eq!(audit_count(&app).await, before);
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/rounds/new",
        spec("08/01/2025"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// Posts the phase form of the page (`action`: `xem-truoc` or `luu`).
async fn post_phase(
    app: &crate::helpers::TestApp,
    admin: &Browser,
    csrf: &str,
    round: i64,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let response = admin
        .send(
            admin
                .post(app.url(&format!("/quan-tri/ky/{round}/giai-doan")))
                .form(&form),
        )
        .await;
    let status = response.status().as_u16();
    // minijinja escapes "/" in text as "&#x2f;"; browsers show it as "/".
    let html = response.text().await.expect("page").replace("&#x2f;", "/");
    (status, html)
}

#[tokio::test]
async fn the_phase_form_comes_back_with_what_was_typed_and_the_refusal_beside_the_date() {
    let app = spawn_app().await;
    let r = small_round(app.store(), TWO_UNITS, vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = audit_count(&app).await;
    for action in ["xem-truoc", "luu"] {
        let (status, html) = post_phase(
            &app,
            &admin,
            &csrf,
            r.round,
            &[
                ("phase", "self_assessment"),
                ("opens", "02/12/2023 08:00"),
                ("closes", "14/01/2024 17:00"),
                ("action", action),
            ],
        )
        .await;
        assert_eq!(status, 422, "{action}");
        let form = html
            .split("id=\"gd-self_assessment\"")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("the self-assessment's form");
        // What was typed, both dates, in the form the page lands on.
        assert!(form.contains("value=\"02/12/2023 08:00\""), "{form}");
        assert!(form.contains("value=\"14/01/2024 17:00\""), "{form}");
        assert!(form.contains("giai-doan#gd-self_assessment"), "{form}");
        // The refusal beside the closing date, naming both phases and their dates.
        let beside = form
            .split("id=\"closes-self_assessment-loi\"")
            .nth(1)
            .expect("a message beside the closing date");
        assert!(
            beside.contains("tự chấm điểm kết thúc lúc 17:00 ngày 14/01/2024")
                && beside.contains("thẩm định lần 1 bắt đầu lúc 00:00 ngày 08/01/2024"),
            "{beside}"
        );
        assert!(
            form.contains("aria-describedby=\"closes-self_assessment-loi\""),
            "{form}"
        );
    }
    // A date that is no date: beside the opening field.
    let (status, html) = post_phase(
        &app,
        &admin,
        &csrf,
        r.round,
        &[
            ("phase", "appraisal_round1"),
            ("opens", "32/01/2024"),
            ("closes", "31/01/2024"),
            ("action", "luu"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let beside = html
        .split("id=\"opens-appraisal_round1-loi\"")
        .nth(1)
        .expect("beside the opening date");
    assert!(
        beside.contains("«32/01/2024» không phải là ngày"),
        "{beside}"
    );
    assert!(html.contains("value=\"32/01/2024\""));
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn a_phase_form_without_its_button_is_refused_not_taken_for_a_preview() {
    let app = spawn_app().await;
    let r = small_round(app.store(), TWO_UNITS, vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = audit_count(&app).await;
    for (action, said) in [
        (None, "Trường «action»: cần nhập."),
        (Some(""), "Trường «action»: giá trị không hợp lệ."),
        (Some("save"), "Trường «action»: giá trị không hợp lệ."),
        (Some("LUU"), "Trường «action»: giá trị không hợp lệ."),
    ] {
        let mut fields = vec![("phase", "self_assessment"), ("closes", "05/01/2024 23:59")];
        fields.extend(action.map(|a| ("action", a)));
        let (status, html) = post_phase(&app, &admin, &csrf, r.round, &fields).await;
        assert_eq!(status, 422, "{action:?}: {html}");
        assert!(html.contains(said), "{action:?}: {html}");
        assert!(!html.contains("id=\"xem-truoc\""), "no preview: {html}");
    }
    assert_eq!(audit_count(&app).await, before, "nothing saved");
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("07/01/2024"),
    );
}

#[tokio::test]
async fn the_preview_lists_only_units_whose_deadline_changes_with_the_save_button_first() {
    let app = spawn_app().await;
    let r = small_round(app.store(), TWO_UNITS, vec![]).await;
    app.clock.set(t("03/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    // B has its own extension to 20/01/2024, past both windows.
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
    let (status, html) = post_phase(
        &app,
        &admin,
        &csrf,
        r.round,
        &[
            ("phase", "self_assessment"),
            ("opens", "01/12/2023"),
            ("closes", "05/01/2024"),
            ("action", "xem-truoc"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let preview = html
        .split("id=\"xem-truoc\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("preview");
    assert!(preview.contains("UBND phường An Khánh"), "{preview}");
    assert!(
        !preview.contains("UBND phường Cái Khế"),
        "a unit whose deadline stays is not listed: {preview}"
    );
    assert!(preview.contains("1 đơn vị không đổi hạn"), "{preview}");
    let save = preview.find("value=\"luu\"").expect("save button");
    let table = preview.find("<table").expect("table");
    assert!(save < table, "the save button comes before the list");
    assert!(
        preview.contains("name=\"closes\" value=\"05/01/2024\""),
        "{preview}"
    );

    // The API says the same.
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/rounds/{}/phases/preview", r.round),
        json!({ "phase": "self_assessment", "opens": "01/12/2023", "closes": "05/01/2024" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["units"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["units"][0]["change"], "loses");
    assert_eq!(body["unchanged"], 1);

    // The save button stores what was previewed.
    let (status, html) = post_phase(
        &app,
        &admin,
        &csrf,
        r.round,
        &[
            ("phase", "self_assessment"),
            ("opens", "01/12/2023"),
            ("closes", "05/01/2024"),
            ("action", "luu"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã lưu thời gian mới"));
    let round = app.store().round(r.round).await.expect("round");
    assert_eq!(
        round.phases[&parindex::domain::deadline::Phase::SelfAssessment].closes_at,
        t("05/01/2024")
    );
}
