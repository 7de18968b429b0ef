//! The demo a newcomer sees: Cần Thơ's units, a closed and appraised 2023 round with
//! shared ranks and a unit that did not submit, and a 2024 round open now.

use parindex::domain::SystemClock;
use parindex::service::access::self_assessment_access;
use parindex::service::results::round_results;

use crate::helpers::TestDb;

#[tokio::test]
async fn the_demo_shows_a_realistic_round() {
    let db = TestDb::new().await;
    let s = &db.store;
    let summary = parindex::demo::load(s, &SystemClock).await.expect("demo");
    assert!(
        summary.starts_with("Đã nạp dữ liệu mẫu Cần Thơ: 51 đơn vị trong 3 khối"),
        "{summary}"
    );
    // Loading twice does not duplicate anything.
    let again = parindex::demo::load(s, &SystemClock)
        .await
        .expect("demo again");
    assert!(again.contains("bỏ qua"), "{again}");

    let rounds = s.rounds().await.expect("rounds");
    let by_year = |y: i64| rounds.iter().find(|r| r.1 == y).expect("round").0;
    let results = round_results(s, by_year(2023), chrono::Utc::now())
        .await
        .expect("results");
    let sizes: Vec<(String, usize)> = results
        .tiers
        .iter()
        .map(|t| (t.tier_code.clone(), t.units.len()))
        .collect();
    assert_eq!(
        sizes,
        vec![("so".into(), 20), ("huyen".into(), 9), ("xa".into(), 22)]
    );
    for tier in &results.tiers {
        assert!(!tier.provisional, "{} is appraised", tier.tier_name);
        for u in &tier.units {
            assert!(
                u.final_total <= u.applicable_max + u.bonus,
                "{}",
                u.unit_name
            );
            // The demo's bands: Nhóm A from 90%, B from 80%, C from 70%, D below.
            let expected = match u.index.hundredths() {
                9000.. => "Nhóm A",
                8000.. => "Nhóm B",
                7000.. => "Nhóm C",
                _ => "Nhóm D",
            };
            assert_eq!(
                u.classification.as_deref(),
                Some(expected),
                "{}",
                u.unit_name
            );
        }
    }
    // The twin districts share a rank.
    let districts = &results.tiers[1].units;
    let rank_of = |name: &str| {
        districts
            .iter()
            .find(|u| u.unit_name == name)
            .expect(name)
            .rank
    };
    assert_eq!(
        rank_of("UBND huyện Phong Điền"),
        rank_of("UBND quận Bình Thủy")
    );
    // The commune that did not submit is last, with no self-score.
    let communes = &results.tiers[2].units;
    let last = communes.last().expect("units");
    assert_eq!(
        (last.unit_name.as_str(), last.self_total.to_string()),
        ("UBND phường Thới An", "0".to_string())
    );
    // Some leaves were declared not applicable, so some maxima are below 100.
    assert!(
        results
            .tiers
            .iter()
            .flat_map(|t| &t.units)
            .any(|u| u.applicable_max.to_string() != "100")
    );

    // 2024 is open for self-assessment now.
    let unit = s.unit_by_code("SO-01").await.expect("unit");
    let gate = self_assessment_access(s, &SystemClock, by_year(2024), unit.id)
        .await
        .expect("gate");
    assert!(gate.open, "{}", gate.message);
    let gate_2023 = self_assessment_access(s, &SystemClock, by_year(2023), unit.id)
        .await
        .expect("gate");
    assert_eq!(
        gate_2023.message,
        "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
}

#[tokio::test]
async fn the_demos_exempt_office_sees_its_exemptions_in_2024() {
    let app = crate::helpers::spawn_app().await;
    parindex::demo::load(app.store(), &SystemClock)
        .await
        .expect("demo");
    app.clock.set(chrono::Utc::now());
    let rounds = app.store().rounds().await.expect("rounds");
    let round = rounds.iter().find(|r| r.1 == 2024).expect("2024").0;
    let office = app.store().unit_by_code("SO-10").await.expect("SO-10");
    assert_eq!(office.name, "Văn phòng UBND thành phố");
    let officer = crate::helpers::Browser::default();
    app.sign_in_with_password(&officer, "so-10.canbo", parindex::demo::DEMO_PASSWORD)
        .await;
    let path = format!("/api/rounds/{round}/units/{}/self-assessment", office.id);
    let (status, view) =
        crate::helpers::json_of(officer.send(officer.get(app.url(&path))).await).await;
    assert_eq!(status, 200, "{view}");
    let exempt: Vec<&str> = view["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["exempt"]["node_code"] == n["code"])
        .map(|n| n["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(exempt, ["3", "7.3"]);
}

#[tokio::test]
async fn the_demos_justice_department_appraises_institutional_reform() {
    let app = crate::helpers::spawn_app().await;
    parindex::demo::load(app.store(), &SystemClock)
        .await
        .expect("demo");
    app.clock.set(chrono::Utc::now());
    let rounds = app.store().rounds().await.expect("rounds");
    let round_2023 = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    // Its appraiser belongs to the Sở Tư pháp and sees the area the rounds assign to it.
    let appraiser = crate::helpers::Browser::default();
    app.sign_in_with_password(&appraiser, "thamdinh.tuphap", parindex::demo::DEMO_PASSWORD)
        .await;
    let url = app.url(&format!("/api/rounds/{round_2023}/appraisal-queue"));
    let (status, queue) = crate::helpers::json_of(appraiser.send(appraiser.get(url)).await).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["department"]["name"], "Sở Tư pháp");
    let nodes = queue["department"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3, "one per tier: {queue}");
    assert!(
        nodes[0]
            .as_str()
            .expect("node")
            .starts_with("Lĩnh vực 2. Cải cách thể chế"),
        "{queue}"
    );
    assert_eq!(queue["units"].as_array().expect("units").len(), 51);
    // The council signed off the 2023 round's first appraisal; the second is left to sign.
    let signed = app.store().sign_offs(round_2023).await.expect("sign-offs");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].phase, parindex::domain::Phase::AppraisalRound1);
    assert!(signed[0].members.contains("Chủ tịch Hội đồng"));
}
