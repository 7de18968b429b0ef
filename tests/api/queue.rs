//! The appraiser's queue over the API: each unit in scope with where it stands in the
//! appraisal and the leaves of the appraiser's areas left, filtered by status and name.

use serde_json::json;

use crate::helpers::{Browser, TestApp, json_of, send_json, small_round, spawn_app, t};

async fn queue(
    app: &TestApp,
    browser: &Browser,
    round: i64,
    query: &str,
) -> (u16, serde_json::Value) {
    let url = app.url(&format!("/api/rounds/{round}/appraisal-queue{query}"));
    json_of(browser.send(browser.get(url)).await).await
}

/// (unit name, status, left, leaves) of each line.
fn lines(body: &serde_json::Value) -> Vec<(String, String, i64, i64)> {
    body["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|l| {
            (
                l["unit_name"].as_str().expect("name").to_string(),
                l["status"].as_str().expect("status").to_string(),
                l["left"].as_i64().expect("left"),
                l["leaves"].as_i64().expect("leaves"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_queue_follows_a_unit_from_submission_to_done_within_the_appraisers_area() {
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
    let (round, a) = (r.round, r.units[0]);
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, _) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &format!("/api/users/{}/scopes", r.appraiser.user_id),
        json!({ "area_code": "1" }),
    )
    .await;
    assert_eq!(status, 204);

    app.clock.set(t("05/01/2024"));
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &head_csrf,
        "POST",
        &format!("/api/rounds/{round}/units/{a}/submit?confirm_gaps=true"),
        json!({}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = queue(&app, &appraiser, round, "").await;
    assert_eq!(status, 200, "{body}");
    let area_1 = 3; // leaves 1.1, 1.2, 1.3: the appraiser's area only
    assert_eq!(
        lines(&body),
        vec![
            (
                "UBND phường An Khánh".into(),
                "submitted".into(),
                area_1,
                area_1
            ),
            (
                "UBND phường Bình Thủy".into(),
                "not_submitted".into(),
                area_1,
                area_1
            ),
        ]
    );

    // Round 1: one leaf, then all, one of them sent back for an explanation.
    app.clock.set(t("10/01/2024"));
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let appraise = |n: i64, leaf: &'static str, body: serde_json::Value| {
        let (app, appraiser, csrf) = (&app, &appraiser, &csrf);
        async move {
            let path = format!("/api/rounds/{round}/units/{a}/appraisal/{n}/{leaf}");
            let (status, answer) = send_json(app, appraiser, csrf, "PUT", &path, body).await;
            assert_eq!(status, 204, "{leaf}: {answer}");
        }
    };
    appraise(
        1,
        "1.1",
        json!({ "points": "0", "comment": "Không có kế hoạch" }),
    )
    .await;
    let (_, body) = queue(&app, &appraiser, round, "").await;
    assert_eq!(lines(&body)[0].1, "in_round1");
    assert_eq!(lines(&body)[0].2, 2);
    appraise(1, "1.2", json!({ "points": "0", "comment": "Không đạt" })).await;
    appraise(
        1,
        "1.3",
        json!({ "points": "0", "comment": "Thiếu số liệu", "explanation_requested": true }),
    )
    .await;
    let (_, body) = queue(&app, &appraiser, round, "").await;
    assert_eq!(lines(&body)[0].1, "explanation_requested");
    assert_eq!(
        (
            lines(&body)[0].2,
            body["units"][0]["explanations_requested"].as_i64()
        ),
        (1, Some(1))
    );

    // The unit answers; round 2 appraises the leaf again: done.
    app.clock.set(t("05/02/2024"));
    let officer = Browser::default();
    let o_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let (status, body) = send_json(
        &app,
        &officer,
        &o_csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{a}/explanations/1.3"),
        json!({ "text": "Số liệu có tại báo cáo số 9/BC-UBND" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    app.sign_in_with(&appraiser, "thamdinh").await;
    let (_, body) = queue(&app, &appraiser, round, "").await;
    assert_eq!(lines(&body)[0].1, "answered");
    app.clock.set(t("20/02/2024"));
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let path = format!("/api/rounds/{round}/units/{a}/appraisal/2/1.3");
    let (status, answer) = send_json(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &path,
        json!({ "points": "1", "comment": "Đã giải trình" }),
    )
    .await;
    assert_eq!(status, 204, "{answer}");
    let (_, body) = queue(&app, &appraiser, round, "").await;
    assert_eq!(
        lines(&body)[0],
        ("UBND phường An Khánh".into(), "done".into(), 0, area_1)
    );
    // Locked by the deadline without submitting: appraised as it stands, but never
    // shown as submitted.
    assert_eq!(lines(&body)[1].1, "not_submitted");
    assert_eq!(body["units"][1]["locked"], true);

    // Filters: a status, a name typed without tones; counts before the status filter.
    let (_, body) = queue(&app, &appraiser, round, "?status=done").await;
    assert_eq!(lines(&body).len(), 1);
    assert_eq!(
        (
            body["counts"]["done"].as_i64(),
            body["counts"]["not_submitted"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let (_, body) = queue(&app, &appraiser, round, "?q=binh%20thuy").await;
    assert_eq!(lines(&body)[0].0, "UBND phường Bình Thủy");
    assert_eq!(lines(&body).len(), 1);
    let (status, _) = queue(&app, &appraiser, round, "?status=xong").await;
    assert_eq!(status, 422);
    app.sign_in_with(&officer, "a.canbo").await;
    let (status, _) = queue(&app, &officer, round, "").await;
    assert_eq!(status, 403, "units have no queue");
}
