//! Storage rules that hold on both backends.

use parindex::domain::criteria_file;
use parindex::store::{AuditFilter, ImportOutcome, StoreError};

use crate::criteria_check::VALID;
use crate::helpers::{TestDb, small_round, system_audit, t};

#[tokio::test]
async fn a_published_criteria_set_version_never_changes() {
    let db = TestDb::new().await;
    let s = &db.store;
    let set = criteria_file::parse("a.toml", VALID).expect("valid");
    let id = s
        .import_criteria_set(&set, VALID, system_audit(), t("01/11/2023"))
        .await
        .expect("import")
        .id();
    // The same content again, however it is formatted: unchanged.
    let reformatted = VALID.replace(
        "max = 1.5\nmethod = \"tiered\"",
        "max = \"1,5\"\nmethod = \"tiered\"",
    );
    let again = criteria_file::parse("a.toml", &reformatted).expect("valid");
    assert_eq!(again.content_hash(), set.content_hash());
    assert_eq!(
        s.import_criteria_set(&again, &reformatted, system_audit(), t("02/11/2023"))
            .await
            .expect("same"),
        ImportOutcome::Unchanged(id)
    );

    // A draft may still be corrected.
    let edited_text = VALID.replace(
        "Ban hành kế hoạch CCHC năm kịp thời",
        "Ban hành kế hoạch CCHC năm đúng hạn",
    );
    let edited = criteria_file::parse("a.toml", &edited_text).expect("valid");
    assert_ne!(edited.content_hash(), set.content_hash());
    assert_eq!(
        s.import_criteria_set(&edited, &edited_text, system_audit(), t("03/11/2023"))
            .await
            .expect("draft"),
        ImportOutcome::Replaced(id)
    );

    // Once published, different content under the same code and version is refused.
    s.publish_criteria_set(id, system_audit(), t("15/11/2023"))
        .await
        .expect("publish");
    let err = s
        .import_criteria_set(&set, VALID, system_audit(), t("16/11/2023"))
        .await
        .expect_err("published");
    assert!(matches!(err, StoreError::Conflict(_)));
    assert_eq!(
        err.to_string(),
        "Bộ tiêu chí KIEM-THU phiên bản 1 đã công bố ngày 15/11/2023 nên không thể thay đổi; hãy tạo phiên bản mới."
    );
    // The database itself refuses to change a published set, whoever writes.
    for sql in [
        "update criteria_nodes set max_h = 9900 where set_id = $1",
        "delete from criteria_nodes where set_id = $1",
        "update criteria_sets set source = '' where id = $1",
        "update criteria_sets set published_at = null where id = $1",
        "delete from criteria_sets where id = $1",
    ] {
        let result = sqlx::query(sql).bind(id).execute(s.pool()).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
    let stored = s.criteria_set(id).await.expect("load");
    assert_eq!(*stored.set, edited);
    assert_eq!(stored.content_hash, edited.content_hash());

    // A new version is a new set, and the diff names what changed.
    let v2_text = edited_text
        .replace("version = \"1\"", "version = \"2\"")
        .replace("per_occurrence = 0.25", "per_occurrence = 0.5");
    let v2 = criteria_file::parse("b.toml", &v2_text).expect("valid");
    assert!(matches!(
        s.import_criteria_set(&v2, &v2_text, system_audit(), t("16/11/2023"))
            .await
            .expect("v2"),
        ImportOutcome::Created(_)
    ));
    let diff = v2.diff_from(&stored.set);
    assert!(diff.added.is_empty() && diff.removed.is_empty());
    assert_eq!(
        diff.changed
            .iter()
            .map(|c| (c.code.as_str(), c.fields.clone()))
            .collect::<Vec<_>>(),
        vec![("2.2", vec!["method"])]
    );
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database_itself() {
    let db = TestDb::new().await;
    let s = &db.store;
    let fixture = small_round(s, &[("A", "Đơn vị A")], vec![]).await;
    let (round, unit, set_id) = (fixture.round, fixture.units[0], fixture.set_id);
    // Creating the round was logged; now one more change.
    let before = s.audit_log(&AuditFilter::default()).await.expect("log");
    assert!(
        before
            .iter()
            .any(|e| e.action == "round.create" && e.round_id == Some(round)),
        "{before:#?}"
    );
    let clock = parindex::domain::ManualClock::at(t("01/02/2024"));
    parindex::service::scores::set_survey_score(
        &crate::helpers::ctx(s),
        &parindex::service::Who::new(
            fixture.admin.clone(),
            "10.0.0.9",
            parindex::domain::Clock::now(&clock),
        ),
        round,
        unit,
        "3.1",
        "2".parse().expect("p"),
    )
    .await
    .expect("survey");
    let after = s.audit_log(&AuditFilter::default()).await.expect("log");
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(
        (
            after[0].action.as_str(),
            after[0].new_value.as_deref(),
            after[0].address.as_deref()
        ),
        ("survey.set", Some("2 điểm"), Some("10.0.0.9"))
    );
    for sql in [
        "update audit_log set actor = 'someone else'",
        "delete from audit_log",
    ] {
        let result = sqlx::query(sql).execute(s.pool()).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
    let log = s.audit_log(&AuditFilter::default()).await.expect("log");
    assert_eq!(log.len(), after.len());
    assert!(log[0].actor.contains("quantri"));
    // Creating the round published the set it pins.
    assert!(
        s.criteria_set(set_id)
            .await
            .expect("set")
            .published_at
            .is_some()
    );
}

#[tokio::test]
async fn a_criteria_set_code_differing_only_in_case_is_refused() {
    let db = TestDb::new().await;
    let s = &db.store;
    let set = criteria_file::parse("a.toml", VALID).expect("valid");
    s.import_criteria_set(&set, VALID, system_audit(), t("01/11/2023"))
        .await
        .expect("import");
    for version in ["1", "2"] {
        let text = VALID
            .replace("code = \"KIEM-THU\"", "code = \"kiem-thu\"")
            .replace("version = \"1\"", &format!("version = \"{version}\""));
        let lower = criteria_file::parse("b.toml", &text).expect("valid");
        let err = s
            .import_criteria_set(&lower, &text, system_audit(), t("02/11/2023"))
            .await
            .expect_err("the same code to people");
        assert_eq!(
            err.to_string(),
            "Mã bộ tiêu chí «kiem-thu» trùng với bộ «KIEM-THU» đã có (chỉ khác chữ hoa, chữ thường); hãy dùng đúng mã «KIEM-THU»."
        );
    }
}

/// What the results read of a unit's entries follows the rules leaf by leaf, on both
/// backends (SQLite reads them packed one row per unit, PostgreSQL row by row): the latest
/// appraisal that decides something counts, a comment decides nothing, not-applicable can
/// be claimed by the unit and decided or undone by an appraiser.
#[tokio::test]
async fn the_scores_read_for_results_apply_the_latest_deciding_appraisal() {
    use parindex::domain::Points;
    let db = TestDb::new().await;
    let s = &db.store;
    parindex::demo::load(s, &parindex::domain::SystemClock)
        .await
        .expect("demo");
    let rounds = s.rounds().await.expect("rounds");
    let round_id = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    let round = s.round(round_id).await.expect("round");
    let tier = &round.tiers[0];
    let set = s.criteria_set(tier.set_id).await.expect("set").set.clone();
    let unit = s.units(Some(tier.tier_id)).await.expect("units")[0].id;
    let scores = || async {
        s.unit_scores(round_id, tier.tier_id, tier.set_id)
            .await
            .expect("scores")
            .into_iter()
            .find(|u| u.unit_id == unit)
            .expect("unit")
    };
    let before = scores().await;
    let leaves: Vec<String> = set
        .leaves()
        .filter(|l| !l.is_survey() && !before.not_applicable.contains(&l.code))
        .map(|l| l.code.clone())
        .take(6)
        .collect();
    assert_eq!(leaves.len(), 6);
    let pool = s.pool();
    let run = |sql: &'static str, leaf: &str, points: Option<i64>, na: i64| {
        let leaf = leaf.to_string();
        async move {
            sqlx::query(sql)
                .bind(round_id)
                .bind(unit)
                .bind(leaf)
                .bind(points)
                .bind(na)
                .execute(pool)
                .await
                .expect(sql);
        }
    };
    const APPRAISE: &str = "insert into appraisal_entries (round_id, unit_id, leaf_code, appraisal_round, points_h, not_applicable, updated_at) values ($1, $2, $3, 1, $4, $5, 0)";
    const APPRAISE_AGAIN: &str = "insert into appraisal_entries (round_id, unit_id, leaf_code, appraisal_round, points_h, not_applicable, updated_at) values ($1, $2, $3, 2, $4, $5, 0)";
    const SELF: &str = "update self_entries set points_h = $4, not_applicable = $5 where round_id = $1 and unit_id = $2 and leaf_code = $3";
    // No appraisal of the unit at all, then the cases, written round 2 first.
    sqlx::query("delete from appraisal_entries where round_id = $1 and unit_id = $2")
        .bind(round_id)
        .bind(unit)
        .execute(pool)
        .await
        .expect("clear");
    run(SELF, &leaves[0], Some(100), 0).await;
    run(APPRAISE, &leaves[0], None, 1).await;
    run(APPRAISE_AGAIN, &leaves[1], Some(50), 0).await;
    run(APPRAISE, &leaves[1], None, 1).await;
    run(APPRAISE_AGAIN, &leaves[2], None, 0).await;
    run(APPRAISE, &leaves[2], Some(25), 0).await;
    run(SELF, &leaves[3], None, 1).await;
    run(SELF, &leaves[4], None, 0).await;
    run(APPRAISE, &leaves[4], Some(75), 0).await;
    run(SELF, &leaves[5], Some(40), 1).await;
    run(APPRAISE_AGAIN, &leaves[5], Some(100), 0).await;
    let after = scores().await;
    let p = |h: i64| Some(Points::from_hundredths(h));
    let got = |leaf: &String| {
        (
            after.self_scores.get(leaf).copied(),
            after.appraised.get(leaf).copied(),
            after.not_applicable.contains(leaf),
        )
    };
    // Decided not applicable by the appraiser: nothing counts, whatever the unit gave.
    assert_eq!(got(&leaves[0]), (p(100), p(0), true));
    let own = |leaf: &String| before.self_scores.get(leaf).copied();
    // Not applicable in round 1, scored in round 2: round 2 counts.
    assert_eq!(got(&leaves[1]), (own(&leaves[1]), p(50), false));
    // Scored in round 1, only commented in round 2: round 1 stands.
    assert_eq!(got(&leaves[2]), (own(&leaves[2]), p(25), false));
    // Claimed not applicable by the unit, no appraisal.
    assert_eq!(got(&leaves[3]), (None, None, true));
    // Left empty by the unit, scored by the appraiser.
    assert_eq!(got(&leaves[4]), (None, p(75), false));
    // Claimed not applicable with points, scored in round 2: it applies again.
    assert_eq!(got(&leaves[5]), (p(40), p(100), false));
    // The rest of the unit's scores are read as they were.
    for leaf in set
        .leaves()
        .map(|l| &l.code)
        .filter(|c| !leaves.contains(c))
    {
        assert_eq!(
            after.self_scores.get(leaf),
            before.self_scores.get(leaf),
            "{leaf}"
        );
        assert_eq!(after.appraised.get(leaf), None, "{leaf}");
    }
}
