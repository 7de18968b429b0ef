//! A small round whose results are worked out by hand below; the stored round must give
//! exactly these totals, indexes, shared ranks and classifications.

use parindex::domain::results::Band;
use parindex::domain::{LeafInput, Percent, Points};
use parindex::service::results::round_results;
use parindex::store::{AppraisalEntry, NewAudit, SelfInput, Store};

use crate::helpers::{TestDb, small_round, t};

fn p(s: &str) -> Points {
    s.parse().expect("points")
}

fn audit() -> NewAudit {
    NewAudit {
        actor: "kiểm thử".into(),
        ..Default::default()
    }
}

/// Saves a self-score computed by the domain from the input, as the app does.
async fn self_score(
    store: &Store,
    round: i64,
    unit: i64,
    set: &parindex::domain::CriteriaSet,
    leaf: &str,
    input: Option<LeafInput>,
) {
    let node = set.node(leaf).expect("leaf");
    let entry = SelfInput {
        leaf_code: leaf.into(),
        input,
        points: input.map(|i| node.score(i).expect("valid input")),
        not_applicable: input.is_none(),
        na_reason: if input.is_none() {
            "Không có hồ sơ trễ hạn".into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    store
        .save_self_entry(round, unit, &entry, None, audit(), t("05/01/2024"))
        .await
        .expect("save");
}

async fn appraise(
    store: &Store,
    round: i64,
    unit: i64,
    leaf: &str,
    appraisal_round: i64,
    points: &str,
) {
    let entry = AppraisalEntry {
        leaf_code: leaf.into(),
        appraisal_round,
        points: Some(p(points)),
        comment: "Điều chỉnh theo tài liệu kiểm chứng".into(),
        ..Default::default()
    };
    store
        .save_appraisal(round, unit, &entry, audit(), t("20/01/2024"))
        .await
        .expect("appraise");
}

fn rate(n: i64, d: i64) -> Option<LeafInput> {
    Some(LeafInput::Rate {
        numerator: Points::whole(n),
        denominator: Points::whole(d),
    })
}

#[tokio::test]
async fn the_stored_round_gives_the_results_worked_out_by_hand() {
    let db = TestDb::new().await;
    let store = &db.store;
    let now = t("01/12/2023");
    let band = |label: &str, min: i64| Band {
        label: label.into(),
        min_index: Percent::from_hundredths(min),
    };
    let fixture = small_round(
        store,
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND xã Bình Hòa"),
            ("C", "UBND xã Ân Hòa"),
            ("D", "UBND phường Thới An"),
        ],
        vec![
            band("Nhóm A", 9000),
            band("Nhóm B", 8000),
            band("Nhóm C", 7000),
            band("Nhóm D", 0),
        ],
    )
    .await;
    let (round, set) = (fixture.round, &fixture.set);
    let [a, b, c, d] = fixture.units[..] else {
        panic!("four units")
    };

    // A: 1.1 đạt → 1; 1.2 100/100 → 1,5; 1.3 không áp dụng; 2.1 1,75; 2.2 one late report → 0,75.
    //    Appraisal: 2.1 → 1,25 in round 1, then 1,5 in round 2 (the latest counts).
    //    Self 5; appraised 1 + 1,5 + 1,5 + 0,75 = 4,75; survey 2,5; bonus 0,5 → final 7,75.
    //    Applicable maximum 10 − 1,5 = 8,5 → index 7,75 / 8,5 = 91,176…% → 91,18%.
    self_score(store, round, a, set, "1.1", Some(LeafInput::YesNo(true))).await;
    self_score(store, round, a, set, "1.2", rate(100, 100)).await;
    self_score(store, round, a, set, "1.3", None).await;
    self_score(
        store,
        round,
        a,
        set,
        "2.1",
        Some(LeafInput::Judged(p("1.75"))),
    )
    .await;
    self_score(store, round, a, set, "2.2", Some(LeafInput::Occurrences(1))).await;
    appraise(store, round, a, "2.1", 1, "1.25").await;
    appraise(store, round, a, "2.1", 2, "1.5").await;
    store
        .set_survey_score(round, a, "3.1", p("2.5"), audit(), now)
        .await
        .expect("survey");
    store
        .set_extra(round, a, "bonus", "T1", 1, "", audit(), now)
        .await
        .expect("bonus");

    // B: 1.1 → 1; 1.2 90/100 → half of 1,5 = 0,75; 1.3 7/9 × 1,5 = 1,1666… → 1,17;
    //    2.1 2; 2.2 none late → 1. Self = appraised = 5,92; survey 2,4 → final 8,32; index 83,20%.
    self_score(store, round, b, set, "1.1", Some(LeafInput::YesNo(true))).await;
    self_score(store, round, b, set, "1.2", rate(90, 100)).await;
    self_score(store, round, b, set, "1.3", rate(7, 9)).await;
    self_score(store, round, b, set, "2.1", Some(LeafInput::Judged(p("2")))).await;
    self_score(store, round, b, set, "2.2", Some(LeafInput::Occurrences(0))).await;
    appraise(store, round, b, "1.1", 1, "1").await;
    store
        .set_survey_score(round, b, "3.1", p("2.4"), audit(), now)
        .await
        .expect("survey");

    // C: 1.1 không đạt → 0; 1.2 → 1,5; 1.3 9/9 → 1,5; 2.1 2; 2.2 → 1. Self 6; survey 2,32
    //    → final 8,32; index 83,20%: the same as B, so B and C share rank 2.
    self_score(store, round, c, set, "1.1", Some(LeafInput::YesNo(false))).await;
    self_score(store, round, c, set, "1.2", rate(50, 50)).await;
    self_score(store, round, c, set, "1.3", rate(9, 9)).await;
    self_score(store, round, c, set, "2.1", Some(LeafInput::Judged(p("2")))).await;
    self_score(store, round, c, set, "2.2", Some(LeafInput::Occurrences(0))).await;
    appraise(store, round, c, "1.1", 1, "0").await;
    store
        .set_survey_score(round, c, "3.1", p("2.32"), audit(), now)
        .await
        .expect("survey");

    // D did not submit: appraised 0 everywhere; survey 1,5; three penalties of 0,5 capped at 1
    //    → final 0,5; index 5%. Rank 4 (three units are ahead).
    appraise(store, round, d, "1.1", 1, "0").await;
    store
        .set_survey_score(round, d, "3.1", p("1.5"), audit(), now)
        .await
        .expect("survey");
    store
        .set_extra(round, d, "penalty", "D1", 3, "", audit(), now)
        .await
        .expect("penalty");

    let results = round_results(store, round).await.expect("results");
    assert_eq!(results.tiers.len(), 1);
    let tier = &results.tiers[0];
    assert!(!tier.provisional);
    // code | rank | self | appraised | survey | bonus − penalty | final | applicable max | index | band
    let table: Vec<String> = tier
        .units
        .iter()
        .map(|u| {
            format!(
                "{} | {} | {} | {} | {} | +{} -{} | {} | {} | {} | {}",
                u.unit_code,
                u.rank,
                u.self_total,
                u.appraised_total,
                u.survey_total,
                u.bonus,
                u.penalty,
                u.final_total,
                u.applicable_max,
                u.index.to_vn(),
                u.classification.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        table,
        [
            "A | 1 | 5 | 4.75 | 2.5 | +0.5 -0 | 7.75 | 8.5 | 91,18 | Nhóm A",
            // Equal rank: Vietnamese order puts "Ân Hòa" before "Bình Hòa" (bytes would not).
            "C | 2 | 6 | 6 | 2.32 | +0 -0 | 8.32 | 10 | 83,20 | Nhóm B",
            "B | 2 | 5.92 | 5.92 | 2.4 | +0 -0 | 8.32 | 10 | 83,20 | Nhóm B",
            "D | 4 | 0 | 0 | 1.5 | +0 -1 | 0.5 | 10 | 5,00 | Nhóm D",
        ]
    );
    // Component indexes of A: area 1 2,5/2,5; area 2 2,25/3; area 3 2,5/3.
    let a_areas: Vec<(String, Option<String>)> = tier.units[0]
        .areas
        .iter()
        .map(|x| (x.code.clone(), x.index.map(|i| i.to_vn())))
        .collect();
    assert_eq!(
        a_areas,
        vec![
            ("1".to_string(), Some("100,00".to_string())),
            ("2".to_string(), Some("75,00".to_string())),
            ("3".to_string(), Some("83,33".to_string())),
        ]
    );
}
