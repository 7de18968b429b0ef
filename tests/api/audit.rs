//! The audit log page: a page at a time, filtered by date, unit, account and action, with
//! actions and values in Vietnamese, and gzip-compressed for slow connections.

use serde_json::json;

use crate::helpers::{Browser, send_json, small_round, spawn_app, t};

#[tokio::test]
async fn the_audit_log_is_paged_filtered_vietnamese_and_compressed() {
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
    let round = r.round;
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    // 120 saves of unit A: more than one page.
    for i in 0..120 {
        let points = ["1", "1.25", "1.5"][i % 3];
        let path = format!(
            "/api/rounds/{round}/units/{}/self-assessment/2.1",
            r.units[0]
        );
        let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, json!({ "input": { "kind": "judged", "points": points }, "expected_version": (i > 0).then_some(i) })).await;
        assert_eq!(status, 200, "{body}");
    }
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let page = |query: String| {
        let admin = &admin;
        let url = app.url(&format!("/quan-tri/nhat-ky{query}"));
        async move {
            let response = admin.send(admin.get(url)).await;
            assert_eq!(response.status(), 200);
            response.text().await.expect("page").replace("&#x2f;", "/")
        }
    };
    let rows = |html: &str| html.matches("<tr><td>").count();

    let first = page(format!("?don_vi={}", r.units[0])).await;
    assert_eq!(rows(&first), 100, "a page holds 100 entries");
    assert!(first.contains("Lưu tự chấm điểm"), "actions in Vietnamese");
    assert!(first.contains("1,25 điểm"), "values with decimal commas");
    assert!(!first.contains("<td>self_assessment.save</td>"));
    let next = first
        .split("truoc=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to the next page")
        .to_string();
    let second = page(format!("?don_vi={}&truoc={next}", r.units[0])).await;
    assert_eq!(rows(&second), 20);
    assert!(!second.contains("Trang sau"));

    // Filters: an account, an action, dates; a date that is none is named.
    let theirs = page("?nguoi=quantri".into()).await;
    assert_eq!(rows(&theirs), 0, "the administrator changed nothing");
    assert!(theirs.contains("Không có thay đổi nào"));
    let created = page("?thao_tac=round.create".into()).await;
    assert_eq!(rows(&created), 1);
    assert!(created.contains("Tạo kỳ đánh giá"));
    let before = page("?den_ngay=04/01/2024&don_vi=".to_string() + &r.units[0].to_string()).await;
    assert!(
        before.contains("Không có thay đổi nào"),
        "nothing before the saves"
    );
    let response = admin
        .send(admin.get(app.url("/quan-tri/nhat-ky?tu_ngay=31/02/2024")))
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.expect("page").contains("tu_ngay"));

    // Compressed for a browser that accepts gzip.
    let response = admin
        .send(
            admin
                .get(app.url("/quan-tri/nhat-ky"))
                .header("accept-encoding", "gzip"),
        )
        .await;
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
}
