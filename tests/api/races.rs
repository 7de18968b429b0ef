//! Races between a write and the change of state it depends on: whoever comes second gets
//! the refusal it would get a second later, and nothing acknowledged is lost. Each race is
//! run many times, on whichever backend the suite runs on.

use std::sync::Arc;

use parindex::domain::deadline::Phase;
use parindex::domain::{LeafInput, Points};
use parindex::service::self_assessment::{LeafSave, save_leaf, submit, withdraw};
use parindex::service::{Context, Pause, Who};
use parindex::store::{AppraisalEntry, AuditFilter};

use crate::helpers::{SmallRound, TestDb, ctx, small_round, t};

const RACES: usize = 20;

fn judged(points: &str, version: Option<i64>) -> LeafSave {
    LeafSave {
        leaf_code: "2.1".into(),
        input: Some(LeafInput::Judged {
            points: points.parse().expect("points"),
        }),
        expected_version: version,
        ..Default::default()
    }
}

/// Audit ids of `action` entries of the unit, in order.
async fn audit_ids(ctx: &Context, unit: i64, action: &str) -> Vec<i64> {
    let filter = AuditFilter {
        unit_id: Some(unit),
        leaf_code: None,
        ..Default::default()
    };
    let mut ids: Vec<i64> = ctx
        .store
        .audit_log(&filter)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.id)
        .collect();
    ids.sort();
    ids
}

/// The version of leaf 2.1 stored now, if any.
async fn stored_version(ctx: &Context, round: i64, unit: i64) -> Option<i64> {
    ctx.store
        .self_entry(round, unit, "2.1")
        .await
        .expect("entry")
        .map(|e| e.version)
}

/// Four saves of leaf 2.1 at once, each expecting `version`.
fn spawn_saves(
    ctx: &Context,
    officer: &Who,
    round: i64,
    unit: i64,
    version: Option<i64>,
) -> Vec<tokio::task::JoinHandle<parindex::service::Result<i64>>> {
    ["0.25", "0.5", "0.75", "1"]
        .into_iter()
        .map(|points| {
            let (ctx, who) = (ctx.clone(), officer.clone());
            tokio::spawn(async move {
                save_leaf(&ctx, &who, round, unit, judged(points, version))
                    .await
                    .map(|e| e.version)
            })
        })
        .collect()
}

/// The versions the saves acknowledged.
async fn acknowledged(
    saves: Vec<tokio::task::JoinHandle<parindex::service::Result<i64>>>,
) -> Vec<i64> {
    let mut versions = Vec::new();
    for s in saves {
        if let Ok(v) = s.await.expect("join") {
            versions.push(v);
        }
    }
    versions
}

/// How many saves of the unit the audit log holds after entry `after`.
async fn saves_after(ctx: &Context, unit: i64, after: i64) -> usize {
    audit_ids(ctx, unit, "self_assessment.save")
        .await
        .into_iter()
        .filter(|id| *id > after)
        .count()
}

async fn round(db: &TestDb) -> SmallRound {
    small_round(&db.store, &[("A", "UBND phường An Khánh")], vec![]).await
}

#[tokio::test]
async fn no_save_is_stored_after_the_head_submits() {
    let db = TestDb::new().await;
    let r = round(&db).await;
    let ctx = ctx(&db.store);
    let unit = r.units[0];
    let now = t("05/01/2024");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let head = Who::new(r.heads[0].clone(), "127.0.0.1", now);
    let mut late = Vec::new();
    let mut lost = 0;
    for race in 0..RACES {
        let version = stored_version(&ctx, r.round, unit).await;
        let saves = spawn_saves(&ctx, &officer, r.round, unit, version);
        let submitted = {
            let (ctx, who) = (ctx.clone(), head.clone());
            tokio::spawn(async move { submit(&ctx, &who, r.round, unit, true).await })
        };
        let acknowledged = acknowledged(saves).await;
        submitted.await.expect("join").expect("submit");
        let last_submit = *audit_ids(&ctx, unit, "self_assessment.submit")
            .await
            .last()
            .expect("submit");
        if saves_after(&ctx, unit, last_submit).await > 0 {
            late.push(race);
        }
        let stored = stored_version(&ctx, r.round, unit).await;
        if acknowledged.iter().any(|v| Some(*v) > stored) {
            lost += 1;
        }
        withdraw(&ctx, &head, r.round, unit)
            .await
            .expect("withdraw");
    }
    assert_eq!(
        (late.len(), lost),
        (0, 0),
        "saves stored after the submission in races {late:?}"
    );
}

#[tokio::test]
async fn no_appraisal_is_stored_after_publication() {
    let db = TestDb::new().await;
    let r = round(&db).await;
    let ctx = ctx(&db.store);
    let unit = r.units[0];
    // Appraisal round 1 is open (the unit's self-assessment is locked by its deadline).
    let now = t("20/01/2024");
    let appraiser = Who::new(r.appraiser.clone(), "127.0.0.1", now);
    let admin = Who::new(r.admin.clone(), "127.0.0.1", now);
    // The council signed off the last appraisal round (2): round 1's appraisals race the
    // publication alone.
    crate::helpers::signed_off(&db.store, r.round).await;
    let appraisals = (0..8).map(|i| {
        let (ctx, who) = (ctx.clone(), appraiser.clone());
        tokio::spawn(async move {
            let entry = AppraisalEntry {
                leaf_code: "2.1".into(),
                appraisal_round: 1,
                points: Some(Points::from_hundredths(25 * (i % 8))),
                comment: format!("Lần {i}"),
                ..Default::default()
            };
            parindex::service::scores::save_appraisal(&ctx, &who, r.round, unit, entry).await
        })
    });
    let appraisals: Vec<_> = appraisals.collect();
    let published = {
        let (ctx, who) = (ctx.clone(), admin.clone());
        tokio::spawn(async move {
            let options = parindex::service::rounds::PublishOptions {
                confirm: true,
                close_open_phases: true,
                public: false,
            };
            parindex::service::rounds::publish(&ctx, &who, r.round, options).await
        })
    };
    for a in appraisals {
        let _ = a.await.expect("join");
    }
    published.await.expect("join").expect("publish");
    let publish_id = {
        let log = ctx
            .store
            .audit_log(&AuditFilter::default())
            .await
            .expect("audit");
        log.iter()
            .find(|e| e.action == "round.publish")
            .expect("published")
            .id
    };
    let after = audit_ids(&ctx, unit, "appraisal.round1.save")
        .await
        .into_iter()
        .filter(|id| *id > publish_id)
        .count();
    assert_eq!(after, 0, "appraisals stored after publication");
    let _ = Phase::AppraisalRound1;
}

#[tokio::test]
async fn no_evidence_is_stored_after_the_head_submits() {
    let db = TestDb::new().await;
    let r = round(&db).await;
    let ctx = ctx(&db.store);
    let unit = r.units[0];
    let now = t("05/01/2024");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let head = Who::new(r.heads[0].clone(), "127.0.0.1", now);
    let mut late = Vec::new();
    for race in 0..RACES {
        let uploads: Vec<_> = (0..4)
            .map(|i| {
                let (ctx, who) = (ctx.clone(), officer.clone());
                tokio::spawn(async move {
                    let bytes = format!("%PDF-1.4\n% {race} {i}\n%%EOF\n");
                    let file = parindex::files::Received::from_bytes(bytes.as_bytes())
                        .await
                        .expect("temporary file");
                    let upload = parindex::service::evidence::Upload {
                        file_name: format!("Báo cáo {race}-{i}.pdf"),
                        file,
                        leaves: vec!["2.1".into()],
                    };
                    parindex::service::evidence::upload_file(&ctx, &who, r.round, unit, upload)
                        .await
                })
            })
            .collect();
        let submitted = {
            let (ctx, who) = (ctx.clone(), head.clone());
            tokio::spawn(async move { submit(&ctx, &who, r.round, unit, true).await })
        };
        for u in uploads {
            let _ = u.await.expect("join");
        }
        submitted.await.expect("join").expect("submit");
        let last_submit = *audit_ids(&ctx, unit, "self_assessment.submit")
            .await
            .last()
            .expect("submit");
        let after = audit_ids(&ctx, unit, "evidence.file.add")
            .await
            .into_iter()
            .filter(|id| *id > last_submit)
            .count();
        if after > 0 {
            late.push(race);
        }
        withdraw(&ctx, &head, r.round, unit)
            .await
            .expect("withdraw");
    }
    assert!(
        late.is_empty(),
        "evidence stored after the submission in races {late:?}"
    );
}

/// The administrator closes the self-assessment (moves its end before now) while the
/// officer saves: no save is stored after the change, none acknowledged is lost.
#[tokio::test]
async fn no_save_is_stored_after_the_deadline_moves_before_it() {
    use parindex::service::rounds::{PhaseSpec, set_phase};
    let db = TestDb::new().await;
    let r = round(&db).await;
    let ctx = ctx(&db.store);
    let unit = r.units[0];
    let now = t("05/01/2024");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let admin = Who::new(r.admin.clone(), "127.0.0.1", now);
    let window = |closes: &str| PhaseSpec {
        phase: Phase::SelfAssessment,
        opens: "01/12/2023".into(),
        closes: closes.into(),
    };
    let (mut late, mut lost) = (Vec::new(), 0);
    for race in 0..RACES {
        set_phase(&ctx, &admin, r.round, window("07/01/2024"))
            .await
            .expect("reopened");
        let version = stored_version(&ctx, r.round, unit).await;
        let saves = spawn_saves(&ctx, &officer, r.round, unit, version);
        let closed = {
            let (ctx, who) = (ctx.clone(), admin.clone());
            tokio::spawn(async move { set_phase(&ctx, &who, r.round, window("04/01/2024")).await })
        };
        let acknowledged = acknowledged(saves).await;
        closed.await.expect("join").expect("closed");
        let log = ctx
            .store
            .audit_log(&AuditFilter::default())
            .await
            .expect("audit");
        let closed_at = log
            .iter()
            .filter(|e| e.action == "round.phase")
            .map(|e| e.id)
            .max()
            .expect("the phase change");
        if saves_after(&ctx, unit, closed_at).await > 0 {
            late.push(race);
        }
        let stored = stored_version(&ctx, r.round, unit).await;
        if acknowledged.iter().any(|v| Some(*v) > stored) {
            lost += 1;
        }
    }
    assert_eq!(
        (late.len(), lost),
        (0, 0),
        "saves stored after the deadline moved before them in races {late:?}"
    );
}

/// A context whose self-assessment saves wait at `pause` before their transaction.
fn paused(db: &TestDb, pause: &Arc<Pause>) -> Context {
    Context {
        pause_before_save: Some(pause.clone()),
        ..ctx(&db.store)
    }
}

/// The race above, made certain: the save has read everything it works from and waits
/// before its transaction while the head submits. The transaction must refuse it; without
/// the guard's check of the submission inside it, the save is stored after the submission.
#[tokio::test]
async fn a_save_whose_transaction_begins_after_the_submission_is_refused() {
    let db = TestDb::new().await;
    let r = round(&db).await;
    let (round, unit) = (r.round, r.units[0]);
    let now = t("05/01/2024");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let head = Who::new(r.heads[0].clone(), "127.0.0.1", now);
    let plain = ctx(&db.store);
    for race in 0..3 {
        let pause = Arc::new(Pause::default());
        let save = {
            let (ctx, who) = (paused(&db, &pause), officer.clone());
            let version = stored_version(&plain, round, unit).await;
            tokio::spawn(
                async move { save_leaf(&ctx, &who, round, unit, judged("1", version)).await },
            )
        };
        pause.reached().await;
        submit(&plain, &head, round, unit, true)
            .await
            .expect("submit");
        pause.release();
        let refused = save
            .await
            .expect("join")
            .expect_err("a save after the submission");
        assert!(
            refused.to_string().contains("đã phê duyệt và gửi"),
            "race {race}: {refused}"
        );
        let submitted = *audit_ids(&plain, unit, "self_assessment.submit")
            .await
            .last()
            .expect("submit");
        assert_eq!(saves_after(&plain, unit, submitted).await, 0, "race {race}");
        withdraw(&plain, &head, round, unit)
            .await
            .expect("withdraw");
    }
}

/// A save whose points were worked out under the tier's set, and whose transaction begins
/// after a corrigendum switched the tier to a corrected version, is refused: 1,75 points
/// fit 2.1 as it was (maximum 2), not as corrected (maximum 1,5).
#[tokio::test]
async fn a_save_worked_out_under_the_set_a_corrigendum_replaced_is_refused() {
    let db = TestDb::new().await;
    let r = round(&db).await;
    let (round, unit) = (r.round, r.units[0]);
    let now = t("10/12/2023 09:00");
    let text = crate::corrigenda::corrected();
    let set = parindex::domain::criteria_file::parse("kiem-thu-1.1.toml", &text).expect("valid");
    db.store
        .import_criteria_set(&set, &text, crate::helpers::system_audit(), now)
        .await
        .expect("import");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let admin = Who::new(r.admin.clone(), "127.0.0.1", now);
    let pause = Arc::new(Pause::default());
    let save = {
        let (ctx, who) = (paused(&db, &pause), officer.clone());
        tokio::spawn(async move { save_leaf(&ctx, &who, round, unit, judged("1.75", None)).await })
    };
    pause.reached().await;
    let correction = parindex::service::corrigenda::Correction {
        set_version: "1.1".into(),
        reason: "Quyết định số 20/QĐ-SNV đính chính Bộ tiêu chí".into(),
    };
    let plain = ctx(&db.store);
    parindex::service::corrigenda::correct_set(&plain, &admin, round, "t", correction, false)
        .await
        .expect("corrigendum");
    pause.release();
    let refused = save
        .await
        .expect("join")
        .expect_err("a save under the old set");
    assert!(
        refused.to_string().contains("vừa được đính chính"),
        "{refused}"
    );
    assert_eq!(stored_version(&plain, round, unit).await, None);
    // Saved again, under the corrected set, it is refused for what it is.
    let again = save_leaf(&plain, &officer, round, unit, judged("1.75", None)).await;
    assert!(
        again.is_err(),
        "1,75 is above the corrected maximum: {again:?}"
    );
    save_leaf(&plain, &officer, round, unit, judged("1.5", None))
        .await
        .expect("a save under the corrected set");
}
