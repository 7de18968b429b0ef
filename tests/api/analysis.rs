//! Where each unit lost points (Phân tích điểm bị trừ): the points lost per area add up
//! to the maximum minus the points, exempt and not-applicable leaves are not lost, the
//! tier's average counts the units for which an item applies, and a merged unit's year
//! over year shows its predecessors' figures.

use serde_json::{Value, json};

use crate::exemptions::hundredths;
use crate::helpers::{Browser, SmallRound, TestApp, json_of, send_json, small_round, t};

/// [`scored_round`], published on 01/04/2024.
pub async fn published_round(app: &TestApp) -> (SmallRound, Browser, String) {
    let (r, admin, _) = scored_round(app).await;
    app.clock.set(t("01/04/2024"));
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    crate::helpers::signed_off(app.store(), r.round).await;
    let publish = format!(
        "/api/rounds/{}/publish?confirm=true&close_open_phases=true",
        r.round
    );
    let (status, body) = send_json(app, &admin, &admin_csrf, "POST", &publish, json!({})).await;
    assert_eq!(status, 204, "{body}");
    (r, admin, admin_csrf)
}

/// A round of units A, B and C scored, appraised and surveyed, the clock on 20/01/2024
/// (the self-assessment closed, appraisal round 1 open): A claims 1.3 not applicable and
/// is appraised down on 2.1 with a comment; B is exempt from area 2 (giảm tiêu chí); C
/// scores nothing. Returns the round and the administrator's browser and token.
pub async fn scored_round(app: &TestApp) -> (SmallRound, Browser, String) {
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "Văn phòng UBND thành phố"),
            ("C", "UBND phường Hưng Lợi"),
        ],
        vec![],
    )
    .await;
    let round = r.round;
    app.clock.set(t("20/12/2023"));
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let scores: [(&str, &[(&str, Value)]); 2] = [
        (
            "a",
            &[
                ("1.1", json!({ "input": { "kind": "yes_no", "met": true } })),
                (
                    "1.2",
                    json!({ "input": { "kind": "rate", "numerator": "9", "denominator": "10" } }),
                ),
                (
                    "1.3",
                    json!({ "not_applicable": true, "na_reason": "Không có hồ sơ trễ hạn" }),
                ),
                (
                    "2.1",
                    json!({ "input": { "kind": "judged", "points": "1.75" } }),
                ),
                (
                    "2.2",
                    json!({ "input": { "kind": "occurrences", "count": 1 } }),
                ),
            ],
        ),
        (
            "b",
            &[
                (
                    "1.1",
                    json!({ "input": { "kind": "yes_no", "met": false } }),
                ),
                (
                    "1.2",
                    json!({ "input": { "kind": "rate", "numerator": "10", "denominator": "10" } }),
                ),
                (
                    "1.3",
                    json!({ "input": { "kind": "rate", "numerator": "1", "denominator": "2" } }),
                ),
            ],
        ),
    ];
    for (i, (unit, leaves)) in scores.iter().enumerate() {
        let officer = Browser::default();
        let csrf = app.sign_in_with(&officer, &format!("{unit}.canbo")).await;
        let base = format!("/api/rounds/{round}/units/{}", r.units[i]);
        for (leaf, body) in leaves.iter() {
            let path = format!("{base}/self-assessment/{leaf}");
            let (status, saved) = send_json(app, &officer, &csrf, "PUT", &path, body.clone()).await;
            assert_eq!(status, 200, "{unit} {leaf}: {saved}");
        }
    }
    let exempt = format!("/api/rounds/{round}/units/{}/exemptions/2", r.units[1]);
    let reason = json!({ "reason": "Không giải quyết thủ tục hành chính (Hướng dẫn 12/HD-SNV)" });
    let (status, body) = send_json(app, &admin, &admin_csrf, "PUT", &exempt, reason).await;
    assert!(status < 300, "{body}");

    app.clock.set(t("20/01/2024"));
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let path = format!("/api/rounds/{round}/units/{}/appraisal/1/2.1", r.units[0]);
    let body = json!({ "points": "1.25", "comment": "Chưa đăng tải đủ văn bản chỉ đạo" });
    let (status, saved) = send_json(app, &appraiser, &csrf, "PUT", &path, body).await;
    assert!(status < 300, "{saved}");
    for (i, points) in [(0, "2"), (1, "2.5"), (2, "1")] {
        let path = format!("/api/rounds/{round}/units/{}/survey/3.1", r.units[i]);
        let (status, saved) = send_json(
            app,
            &admin,
            &admin_csrf,
            "PUT",
            &path,
            json!({ "points": points }),
        )
        .await;
        assert!(status < 300, "{saved}");
    }
    (r, admin, admin_csrf)
}

/// The round after `first` (created as its draft proposes, then opened), with a unit M
/// «UBND phường An Khánh mới» formed from A and B, which are retired: returns the new
/// round and M.
pub async fn merged_unit(app: &TestApp, admin: &Browser, csrf: &str, first: i64) -> (i64, i64) {
    let next = crate::helpers::create_next_round(app, admin, csrf, first).await;
    // A and B merge into M, which joins the new round; they are retired.
    let (status, body) = send_json(
        app,
        admin,
        csrf,
        "POST",
        "/api/units",
        json!({ "code": "M", "name": "UBND phường An Khánh mới", "tier_code": "t" }),
    )
    .await;
    assert!(status < 300, "{body}");
    let m = app.store().unit_by_code("M").await.expect("unit").id;
    let (status, body) = send_json(
        app,
        admin,
        csrf,
        "PUT",
        &format!("/api/units/{m}/predecessors"),
        json!({ "predecessors": ["A", "B"] }),
    )
    .await;
    assert!(status < 300, "{body}");
    for code in ["A", "B"] {
        let unit = app.store().unit_by_code(code).await.expect("unit").id;
        let (status, body) = send_json(
            app,
            admin,
            csrf,
            "POST",
            &format!("/api/units/{unit}/retire"),
            json!({ "reason": "Sáp nhập thành UBND phường An Khánh mới" }),
        )
        .await;
        assert!(status < 300, "{body}");
    }
    let (status, body) = send_json(
        app,
        admin,
        csrf,
        "POST",
        &format!("/api/rounds/{next}/open"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{body}");
    (next, m)
}

async fn analysis_of(app: &TestApp, who: &Browser, round: i64, unit: i64) -> Value {
    let url = app.url(&format!("/api/rounds/{round}/units/{unit}/analysis"));
    let (status, body) = json_of(who.send(who.get(url)).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn sum(items: &Value, field: &str) -> i64 {
    (items.as_array().expect("list").iter())
        .map(|i| hundredths(&i[field]))
        .sum()
}

#[tokio::test]
async fn points_lost_add_up_to_the_maximum_minus_the_points_per_area_and_in_all() {
    let app = crate::helpers::spawn_app().await;
    let (r, admin, _) = published_round(&app).await;
    let round = r.round;
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    for (i, unit) in r.units.iter().enumerate() {
        let who = if i == 0 { &officer } else { &admin };
        let a = analysis_of(&app, who, round, *unit).await;
        let line = &a["unit"];
        for area in a["areas"].as_array().expect("areas") {
            let code = area["code"].as_str().expect("code");
            let result = (line["areas"].as_array().expect("areas").iter())
                .find(|x| x["code"] == code)
                .expect("area in the results");
            let (max, points) = (hundredths(&result["max"]), hundredths(&result["points"]));
            assert_eq!(hundredths(&area["max"]), max, "{code}: {a}");
            assert_eq!(hundredths(&area["lost"]), max - points, "{code}: {a}");
            // Here every criterion is a leaf: what the area lists is all that was lost.
            assert_eq!(sum(&area["items"], "lost"), max - points, "{code}: {a}");
            let losses: Vec<i64> = (area["items"].as_array().expect("items").iter())
                .map(|i| hundredths(&i["lost"]))
                .collect();
            assert!(
                losses.windows(2).all(|w| w[0] >= w[1]),
                "most first: {losses:?}"
            );
        }
        let all = hundredths(&line["applicable_max"])
            - hundredths(&line["appraised_total"])
            - hundredths(&line["survey_total"]);
        assert_eq!(hundredths(&a["lost"]), all, "{a}");
        assert_eq!(sum(&a["areas"], "lost"), all, "{a}");
    }

    // A: 1.3 claimed not applicable is not lost; 2.1 was appraised 1,25 of 2 with the
    // appraiser's comment; the tier's average on 2.1 counts A and C (B is exempt).
    let a = analysis_of(&app, &officer, round, r.units[0]).await;
    let items: Vec<&Value> = (a["areas"].as_array().expect("areas").iter())
        .flat_map(|area| area["items"].as_array().expect("items").iter())
        .collect();
    assert!(items.iter().all(|i| i["code"] != "1.3"), "{a}");
    let leaf = items.iter().find(|i| i["code"] == "2.1").expect("2.1 lost");
    assert_eq!(leaf["lost"], "0.75");
    assert_eq!(leaf["note"], "Chưa đăng tải đủ văn bản chỉ đạo");
    // C lost all of 2.1 (2 points): (0,75 + 2) ÷ 2.
    assert_eq!(leaf["tier_average"], "1.38", "{leaf}");
    assert_eq!(a["unit"]["bonus"], "0");
    assert!(
        a["previous"].is_null(),
        "no earlier round: {}",
        a["previous"]
    );

    // B: exempt from area 2, which is not listed at all.
    let b = analysis_of(&app, &admin, round, r.units[1]).await;
    let codes: Vec<&str> = (b["areas"].as_array().expect("areas").iter())
        .map(|x| x["code"].as_str().expect("code"))
        .collect();
    assert!(!codes.contains(&"2"), "{codes:?}");

    // The Sở's view: 2.1 lost by 2 units of the 2 it applies to.
    let (status, office) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/analysis"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{office}");
    let criteria = office["tiers"][0]["criteria"].as_array().expect("criteria");
    let c21 = criteria.iter().find(|c| c["code"] == "2.1").expect("2.1");
    assert_eq!(
        (c21["losing"].as_i64(), c21["applicable"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(c21["lost"], "2.75");
    let counts: Vec<i64> = criteria
        .iter()
        .map(|c| c["losing"].as_i64().unwrap_or(0))
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most units first: {counts:?}"
    );

    // The page and the workbook say the same.
    let page = officer
        .send(officer.get(app.url(&format!("/ky/{round}/don-vi/{}/phan-tich", r.units[0]))))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    for expected in [
        "Phân tích điểm bị trừ",
        "Chưa đăng tải đủ văn bản chỉ đạo",
        "Chưa có kỳ đánh giá trước đã công bố",
        "1,38",
    ] {
        assert!(html.contains(expected), "«{expected}» not on the page");
    }
    for path in [
        format!(
            "/api/rounds/{round}/units/{}/export/analysis.xlsx",
            r.units[0]
        ),
        format!("/api/rounds/{round}/export/analysis.xlsx"),
    ] {
        let who = if path.contains("/units/") {
            &officer
        } else {
            &admin
        };
        let response = who.send(who.get(app.url(&path))).await;
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.expect("bytes");
        let text = crate::membership::workbook_text(&bytes);
        assert!(text.contains("2.1"), "{path}: {text}");
        assert!(
            text.contains("PHÂN TÍCH ĐIỂM BỊ TRỪ") || text.contains("TIÊU CHÍ CÓ NHIỀU ĐƠN VỊ"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_merged_units_year_over_year_shows_its_predecessors_figures() {
    let app = crate::helpers::spawn_app().await;
    let (r, admin, csrf) = published_round(&app).await;
    let first = r.round;
    let (_, results) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{first}/results"))))
            .await,
    )
    .await;
    let line_of = |code: &str| {
        results["tiers"][0]["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["unit_code"] == code)
            .cloned()
            .expect("line")
    };
    let (next, m) = merged_unit(&app, &admin, &csrf, first).await;

    let a = analysis_of(&app, &admin, next, m).await;
    let previous = &a["previous"];
    assert_eq!(previous["round_id"].as_i64(), Some(first), "{a}");
    assert_eq!(previous["from_predecessors"], true);
    assert!(previous["rank_change"].is_null());
    let shown: Vec<(String, String, i64)> = (previous["units"].as_array().expect("units").iter())
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap_or("").to_string(),
                u["index"].as_str().unwrap_or("").to_string(),
                u["rank"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let expected: Vec<(String, String, i64)> = ["A", "B"]
        .iter()
        .map(|code| {
            let line = line_of(code);
            (
                code.to_string(),
                line["index"].as_str().unwrap_or("").to_string(),
                line["rank"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(shown, expected);
    // Each area beside the predecessors' component indexes, in their order.
    let area1 = &previous["areas"][0];
    assert_eq!(area1["code"], "1");
    assert_eq!(area1["previous"][0], line_of("A")["areas"][0]["index"]);
    assert_eq!(area1["previous"][1], line_of("B")["areas"][0]["index"]);

    let html = admin
        .send(admin.get(app.url(&format!("/ky/{next}/don-vi/{m}/phan-tich"))))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains("Đơn vị hình thành từ UBND phường An Khánh, Văn phòng UBND thành phố; số liệu năm trước là của các đơn vị tiền thân"),
        "{html}"
    );

    // C took part both years, in the same tier: no movement while this year's ranking is
    // provisional, then its rank's movement once published.
    let c = analysis_of(&app, &admin, next, r.units[2]).await;
    assert_eq!(c["previous"]["from_predecessors"], false);
    assert!(c["previous"]["rank_change"].is_null(), "{c}");
    crate::helpers::signed_off(app.store(), next).await;
    let publish = format!("/api/rounds/{next}/publish?confirm=true&close_open_phases=true");
    let (status, body) = send_json(&app, &admin, &csrf, "POST", &publish, json!({})).await;
    assert_eq!(status, 204, "{body}");
    let c = analysis_of(&app, &admin, next, r.units[2]).await;
    let before = line_of("C")["rank"].as_i64().expect("rank");
    let now = c["unit"]["rank"].as_i64().expect("rank");
    assert_eq!(
        c["previous"]["rank_change"].as_i64(),
        Some(before - now),
        "{c}"
    );
}
