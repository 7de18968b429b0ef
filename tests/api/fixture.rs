//! A small round whose results are worked out by hand below; the stored round, written
//! through the same services the app uses, must give exactly these totals, indexes,
//! shared ranks and classifications.

use parindex::domain::Clock;
use parindex::domain::access::Actor;
use parindex::domain::results::Band;
use parindex::domain::{LeafInput, ManualClock, Percent, Points};
use parindex::service::Who;
use parindex::service::results::round_results;
use parindex::service::scores::{save_appraisal, set_extra, set_survey_score};
use parindex::service::self_assessment::{LeafSave, save_leaf};
use parindex::store::{AppraisalEntry, ExtraCount, Store};

use crate::helpers::{SmallRound, TestDb, ctx, small_round, t};

fn p(s: &str) -> Points {
    s.parse().expect("points")
}

fn rate(n: i64, d: i64) -> Option<LeafInput> {
    Some(LeafInput::Rate {
        numerator: Points::whole(n),
        denominator: Points::whole(d),
    })
}

struct Writer<'a> {
    store: &'a Store,
    clock: ManualClock,
    r: &'a SmallRound,
}

impl Writer<'_> {
    /// The unit's officer saves a leaf (`None`: not applicable) during self-assessment.
    async fn self_score(&self, unit: usize, leaf: &str, input: Option<LeafInput>) {
        self.clock.set(t("05/01/2024"));
        let save = LeafSave {
            leaf_code: leaf.into(),
            input,
            not_applicable: input.is_none(),
            na_reason: if input.is_none() {
                "Không có hồ sơ trễ hạn".into()
            } else {
                String::new()
            },
            ..Default::default()
        };
        save_leaf(
            &ctx(self.store),
            &Who::new(self.r.officers[unit].clone(), "127.0.0.1", self.clock.now()),
            self.r.round,
            self.r.units[unit],
            save,
        )
        .await
        .expect("self-score");
    }

    /// The appraiser sets a score in appraisal round 1 (January) or 2 (March).
    async fn appraise(&self, unit: usize, leaf: &str, appraisal_round: i64, points: Option<&str>) {
        self.clock.set(if appraisal_round == 1 {
            t("20/01/2024")
        } else {
            t("01/03/2024")
        });
        let entry = AppraisalEntry {
            leaf_code: leaf.into(),
            appraisal_round,
            points: points.map(p),
            comment: "Điều chỉnh theo tài liệu kiểm chứng".into(),
            explanation_requested: points.is_none(),
            ..Default::default()
        };
        save_appraisal(
            &ctx(self.store),
            &Who::new(self.r.appraiser.clone(), "127.0.0.1", self.clock.now()),
            self.r.round,
            self.r.units[unit],
            entry,
        )
        .await
        .expect("appraise");
    }

    fn admin(&self) -> &Actor {
        &self.r.admin
    }

    async fn survey(&self, unit: usize, points: &str) {
        set_survey_score(
            &ctx(self.store),
            &Who::new(self.admin().clone(), "127.0.0.1", self.clock.now()),
            self.r.round,
            self.r.units[unit],
            "3.1",
            p(points),
        )
        .await
        .expect("survey");
    }

    async fn extra(&self, unit: usize, kind: &str, item: &str, count: i64) {
        set_extra(
            &ctx(self.store),
            &Who::new(self.admin().clone(), "127.0.0.1", self.clock.now()),
            self.r.round,
            self.r.units[unit],
            ExtraCount {
                kind: kind.into(),
                item_code: item.into(),
                occurrences: count,
                note: "Quyết định kiểm thử".into(),
            },
        )
        .await
        .expect("extra");
    }
}

/// code | rank | self | appraised | survey | bonus − penalty | final | applicable max | index | band
async fn table(store: &Store, round: i64, now: &str) -> (bool, Vec<String>) {
    let results = round_results(store, round, t(now)).await.expect("results");
    let tier = &results.tiers[0];
    let rows = tier
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
    (tier.provisional, rows)
}

#[tokio::test]
async fn the_stored_round_gives_the_results_worked_out_by_hand() {
    let db = TestDb::new().await;
    let store = &db.store;
    let band = |label: &str, min: i64| Band {
        label: label.into(),
        min_index: Percent::from_hundredths(min),
    };
    let r = small_round(
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
    let w = Writer {
        store,
        clock: ManualClock::at(t("01/12/2023")),
        r: &r,
    };
    let (a, b, c, d) = (0, 1, 2, 3);

    // A: 1.1 đạt → 1; 1.2 100/100 → 1,5; 1.3 không áp dụng; 2.1 1,75; 2.2 one late report → 0,75.
    //    Appraisal: 2.1 → 1,25 in round 1, then 1,5 in round 2 (the latest counts); in round 2
    //    1.1 only gets an explanation request, which decides nothing (1 stands).
    //    Self 5; appraised 1 + 1,5 + 1,5 + 0,75 = 4,75; survey 2,5; bonus 0,5 → final 7,75.
    //    Applicable maximum 10 − 1,5 = 8,5 → index 7,75 / 8,5 = 91,176…% → 91,18%.
    w.self_score(a, "1.1", Some(LeafInput::YesNo { met: true }))
        .await;
    w.self_score(a, "1.2", rate(100, 100)).await;
    w.self_score(a, "1.3", None).await;
    w.self_score(a, "2.1", Some(LeafInput::Judged { points: p("1.75") }))
        .await;
    w.self_score(a, "2.2", Some(LeafInput::Occurrences { count: 1 }))
        .await;
    w.appraise(a, "2.1", 1, Some("1.25")).await;
    w.survey(a, "2.5").await;
    w.extra(a, "bonus", "T1", 1).await;

    // B: 1.1 → 1; 1.2 90/100 → half of 1,5 = 0,75; 1.3 7/9 × 1,5 = 1,1666… → 1,17;
    //    2.1 2; 2.2 none late → 1. Self = appraised = 5,92; survey 2,4 → final 8,32; index 83,20%.
    w.self_score(b, "1.1", Some(LeafInput::YesNo { met: true }))
        .await;
    w.self_score(b, "1.2", rate(90, 100)).await;
    w.self_score(b, "1.3", rate(7, 9)).await;
    w.self_score(b, "2.1", Some(LeafInput::Judged { points: p("2") }))
        .await;
    w.self_score(b, "2.2", Some(LeafInput::Occurrences { count: 0 }))
        .await;
    w.survey(b, "2.4").await;

    // C: 1.1 không đạt → 0; 1.2 → 1,5; 1.3 9/9 → 1,5; 2.1 2; 2.2 → 1. Self 6; survey 2,32
    //    → final 8,32; index 83,20%: the same as B, so B and C share rank 2.
    w.self_score(c, "1.1", Some(LeafInput::YesNo { met: false }))
        .await;
    w.self_score(c, "1.2", rate(50, 50)).await;
    w.self_score(c, "1.3", rate(9, 9)).await;
    w.self_score(c, "2.1", Some(LeafInput::Judged { points: p("2") }))
        .await;
    w.self_score(c, "2.2", Some(LeafInput::Occurrences { count: 0 }))
        .await;
    w.survey(c, "2.32").await;

    // D did not submit: nothing self-scored, so every leaf counts 0; survey 1,5; three
    //    penalties of 0,5 capped at 1 → final 0,5; index 5%. Rank 4 (three units are ahead).
    w.survey(d, "1.5").await;
    w.extra(d, "penalty", "D1", 3).await;

    // During appraisal round 1 the table is provisional (tạm tính).
    let (provisional, _) = table(store, r.round, "25/01/2024").await;
    assert!(provisional);

    w.appraise(a, "2.1", 2, Some("1.5")).await;
    w.appraise(a, "1.1", 2, None).await;

    let (provisional, rows) = table(store, r.round, "01/04/2024").await;
    assert!(!provisional, "appraisal round 1 has closed");
    assert_eq!(
        rows,
        [
            "A | 1 | 5 | 4.75 | 2.5 | +0.5 -0 | 7.75 | 8.5 | 91,18 | Nhóm A",
            // Equal rank: Vietnamese order puts "Ân Hòa" before "Bình Hòa" (bytes would not).
            "C | 2 | 6 | 6 | 2.32 | +0 -0 | 8.32 | 10 | 83,20 | Nhóm B",
            "B | 2 | 5.92 | 5.92 | 2.4 | +0 -0 | 8.32 | 10 | 83,20 | Nhóm B",
            "D | 4 | 0 | 0 | 1.5 | +0 -1 | 0.5 | 10 | 5,00 | Nhóm D",
        ]
    );
    // Component indexes of A: area 1 2,5/2,5; area 2 2,25/3; area 3 2,5/3.
    let results = round_results(store, r.round, t("01/04/2024"))
        .await
        .expect("results");
    let a_areas: Vec<(String, Option<String>)> = results.tiers[0].units[0]
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
