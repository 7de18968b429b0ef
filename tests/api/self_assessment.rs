//! The deadline lock and the self-assessment rules on the server, with a moved clock,
//! through the stored round.

use chrono::Duration;
use parindex::domain::access::Actor;
use parindex::domain::deadline::{OverrideKind, Phase, parse_opening};
use parindex::domain::{Clock, LeafInput, ManualClock};
use parindex::service::ServiceError;
use parindex::service::Who;
use parindex::service::access::self_assessment_access;
use parindex::service::rounds::grant_override;
use parindex::service::self_assessment::{LeafSave, save_leaf, submit, withdraw};
use parindex::store::{AuditFilter, NewOverride};

use crate::helpers::{SmallRound, TestDb, ctx, small_round, t};

const ADDRESS: &str = "127.0.0.1";

async fn round_closing_7_january(db: &TestDb) -> SmallRound {
    small_round(
        &db.store,
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await
}

/// `actor` asking from the test address at the clock's instant.
fn who(actor: &Actor, clock: &ManualClock) -> Who {
    Who::new(actor.clone(), ADDRESS, clock.now())
}

fn judged(leaf: &str, points: &str, expected_version: Option<i64>) -> LeafSave {
    LeafSave {
        leaf_code: leaf.into(),
        input: Some(LeafInput::Judged {
            points: points.parse().expect("points"),
        }),
        expected_version,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_unit_cannot_write_after_the_deadline_unless_an_extension_was_granted() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let s = &db.store;
    let (unit, officer) = (r.units[0], &r.officers[0]);
    let clock = ManualClock::at(t("07/01/2024"));

    // 23:59:59 on 7 January, Vietnam time: still on time.
    let v1 = save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "1.5", None),
    )
    .await
    .expect("on time");
    assert_eq!(v1.version, 1);

    // One second later: locked, with the reason and the time.
    clock.advance(Duration::seconds(1));
    let err = save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "2", Some(1)),
    )
    .await
    .expect_err("locked");
    assert!(matches!(err, ServiceError::Locked(_)));
    assert_eq!(err.code(), "deadline_closed");
    assert_eq!(
        err.to_string(),
        "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
    // A late save from a page left open, naming an older version, hears of the deadline
    // too, not of someone else's save.
    let err = save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "2", None),
    )
    .await
    .expect_err("locked");
    assert_eq!(err.code(), "deadline_closed", "{err}");
    // Nothing changed.
    let entries = s.self_entries(r.round, unit).await.expect("entries");
    assert_eq!(
        (entries["2.1"].points, entries["2.1"].version),
        (Some("1.5".parse().expect("points")), 1)
    );

    // An extension for this unit only, until 17:00 on 10 January.
    grant_override(
        &ctx(s),
        &who(&r.admin, &clock),
        r.round,
        unit,
        NewOverride {
            phase: Phase::SelfAssessment,
            kind: OverrideKind::Extension,
            until: t("10/01/2024 17:00"),
            reason: "Sự cố hệ thống mạng".into(),
        },
    )
    .await
    .expect("extension");
    let gate = self_assessment_access(s, &clock, r.round, unit)
        .await
        .expect("access");
    assert!(gate.open);
    assert_eq!(
        gate.message,
        "Được gia hạn đến 17:00 ngày 10/01/2024 (giờ Việt Nam). Lý do: Sự cố hệ thống mạng"
    );
    save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "2", Some(1)),
    )
    .await
    .expect("extended");
    // The other unit is still locked.
    let other = save_leaf(
        &ctx(s),
        &who(&r.officers[1], &clock),
        r.round,
        r.units[1],
        judged("2.1", "2", None),
    )
    .await;
    assert!(matches!(other, Err(ServiceError::Locked(_))));

    // After the extension ends: locked again.
    clock.set(t("10/01/2024 17:00") + Duration::seconds(1));
    let err = save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "1", Some(2)),
    )
    .await
    .expect_err("locked");
    assert!(
        err.to_string()
            .starts_with("Đã hết thời gian gia hạn tự chấm điểm lúc 17:00 ngày 10/01/2024"),
        "{err}"
    );

    // A reopening lets the unit write again until its own deadline.
    clock.set(t("15/01/2024 09:00"));
    grant_override(
        &ctx(s),
        &who(&r.admin, &clock),
        r.round,
        unit,
        NewOverride {
            phase: Phase::SelfAssessment,
            kind: OverrideKind::Reopening,
            until: t("16/01/2024"),
            reason: "Bổ sung tài liệu kiểm chứng theo yêu cầu".into(),
        },
    )
    .await
    .expect("reopening");
    save_leaf(
        &ctx(s),
        &who(officer, &clock),
        r.round,
        unit,
        judged("2.1", "1", Some(2)),
    )
    .await
    .expect("reopened");

    // Every save is in the audit log with who, the old and new value, and the address.
    let log = s
        .audit_log(&AuditFilter {
            unit_id: Some(unit),
            leaf_code: Some("2.1".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    let changes: Vec<(Option<&str>, Option<&str>)> = log
        .iter()
        .rev()
        .map(|e| (e.old_value.as_deref(), e.new_value.as_deref()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (None, Some("1,5 điểm")),
            (Some("1,5 điểm"), Some("2 điểm")),
            (Some("2 điểm"), Some("1 điểm"))
        ]
    );
    assert!(
        log.iter()
            .all(|e| e.actor.contains("a.canbo") && e.address.as_deref() == Some(ADDRESS))
    );
    // The extension and the reopening are in the log too, with their reasons.
    let unit_log = s
        .audit_log(&AuditFilter {
            unit_id: Some(unit),
            ..Default::default()
        })
        .await
        .expect("audit");
    let grants: Vec<&str> = unit_log
        .iter()
        .filter(|e| e.action.starts_with("override."))
        .filter_map(|e| e.new_value.as_deref())
        .collect();
    assert_eq!(grants.len(), 2);
    assert!(
        grants
            .iter()
            .any(|g| g.contains("lý do: Sự cố hệ thống mạng")),
        "{grants:?}"
    );
}

#[tokio::test]
async fn extensions_must_be_explained_and_lie_ahead() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let s = &db.store;
    let now = t("06/01/2024");
    let (round, unit) = (r.round, r.units[0]);
    let (ctx, who) = (ctx(s), Who::new(r.admin.clone(), ADDRESS, now));
    let grant = |kind, until: &str, reason: &'static str| {
        let until = t(until);
        let (ctx, who) = (&ctx, &who);
        async move {
            grant_override(
                ctx,
                who,
                round,
                unit,
                NewOverride {
                    phase: Phase::SelfAssessment,
                    kind,
                    until,
                    reason: reason.into(),
                },
            )
            .await
        }
    };
    assert_eq!(
        grant(OverrideKind::Extension, "10/01/2024", " ")
            .await
            .expect_err("reason")
            .to_string(),
        "Cần ghi rõ lý do gia hạn hoặc mở lại."
    );
    assert!(
        grant(OverrideKind::Extension, "05/01/2024", "x")
            .await
            .expect_err("past")
            .to_string()
            .starts_with("Hạn mới (23:59 ngày 05/01/2024) phải sau thời điểm hiện tại")
    );
    assert!(
        grant(OverrideKind::Extension, "07/01/2024 12:00", "x")
            .await
            .expect_err("shorter")
            .to_string()
            .starts_with("Hạn gia hạn (12:00 ngày 07/01/2024) phải sau hạn chót chung")
    );
    assert!(
        s.overrides(r.round, r.units[0], Phase::SelfAssessment)
            .await
            .expect("overrides")
            .is_empty()
    );
}

#[tokio::test]
async fn before_the_window_opens_nothing_can_be_written() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let clock = ManualClock::at(parse_opening("01/12/2023").expect("date") - Duration::seconds(1));
    let err = save_leaf(
        &ctx(&db.store),
        &who(&r.officers[0], &clock),
        r.round,
        r.units[0],
        judged("2.1", "1", None),
    )
    .await
    .expect_err("not yet");
    assert_eq!(
        err.to_string(),
        "Chưa đến thời gian tự chấm điểm: bắt đầu lúc 00:00 ngày 01/12/2023."
    );
}

#[tokio::test]
async fn only_the_units_own_people_write_and_only_its_head_submits() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let s = &db.store;
    let clock = ManualClock::at(t("20/12/2023"));
    let (unit, other) = (r.units[0], r.units[1]);
    for (name, actor) in [
        ("officer of B", &r.officers[1]),
        ("admin", &r.admin),
        ("appraiser", &r.appraiser),
    ] {
        let err = save_leaf(
            &ctx(s),
            &who(actor, &clock),
            r.round,
            unit,
            judged("2.1", "1", None),
        )
        .await
        .expect_err(name);
        assert_eq!(err.code(), "forbidden", "{name}");
    }
    assert!(
        s.self_entries(r.round, unit)
            .await
            .expect("entries")
            .is_empty()
    );

    // The head may also score; the officer may not submit.
    save_leaf(
        &ctx(s),
        &who(&r.heads[0], &clock),
        r.round,
        unit,
        judged("2.1", "1", None),
    )
    .await
    .expect("head scores");
    assert_eq!(
        submit(&ctx(s), &who(&r.officers[0], &clock), r.round, unit, true)
            .await
            .expect_err("officer")
            .code(),
        "forbidden"
    );
    assert_eq!(
        submit(&ctx(s), &who(&r.heads[1], &clock), r.round, unit, true)
            .await
            .expect_err("other head")
            .code(),
        "forbidden"
    );
    submit(&ctx(s), &who(&r.heads[0], &clock), r.round, unit, true)
        .await
        .expect("submit");
    assert!(
        s.submission(r.round, unit)
            .await
            .expect("submission")
            .is_some()
    );
    assert!(
        s.submission(r.round, other)
            .await
            .expect("submission")
            .is_none()
    );

    // Once submitted, the content is what the head approved: no more edits until withdrawn.
    let err = save_leaf(
        &ctx(s),
        &who(&r.officers[0], &clock),
        r.round,
        unit,
        judged("2.1", "2", Some(1)),
    )
    .await
    .expect_err("submitted");
    assert_eq!(err.code(), "conflict");
    assert!(
        err.to_string()
            .starts_with("Thủ trưởng đơn vị đã phê duyệt và gửi lúc"),
        "{err}"
    );
    withdraw(&ctx(s), &who(&r.heads[0], &clock), r.round, unit)
        .await
        .expect("withdraw");
    save_leaf(
        &ctx(s),
        &who(&r.officers[0], &clock),
        r.round,
        unit,
        judged("2.1", "2", Some(1)),
    )
    .await
    .expect("edit again");

    // After the deadline neither submitting nor withdrawing is possible.
    submit(&ctx(s), &who(&r.heads[0], &clock), r.round, unit, true)
        .await
        .expect("submit again");
    clock.set(t("08/01/2024 00:00"));
    assert_eq!(
        withdraw(&ctx(s), &who(&r.heads[0], &clock), r.round, unit)
            .await
            .expect_err("late")
            .code(),
        "deadline_closed"
    );
    assert_eq!(
        submit(&ctx(s), &who(&r.heads[1], &clock), r.round, other, true)
            .await
            .expect_err("late")
            .code(),
        "deadline_closed"
    );
}

#[tokio::test]
async fn inputs_must_fit_the_leaf_and_a_second_editor_never_overwrites_the_first() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let s = &db.store;
    let clock = ManualClock::at(t("20/12/2023"));
    let (unit, officer) = (r.units[0], &r.officers[0]);
    let ctx = ctx(s);
    let save = |leaf: LeafSave| {
        let who = Who::new(officer.clone(), ADDRESS, clock.now());
        let ctx = &ctx;
        async move { save_leaf(ctx, &who, r.round, unit, leaf).await }
    };

    let err = save(judged("2.1", "1.3", None))
        .await
        .expect_err("not a step");
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        (
            "invalid_input",
            "Điểm phải từ 0 đến 2 và là bội số của 0,25."
        )
    );

    let survey = LeafSave {
        leaf_code: "3.1".into(),
        input: Some(LeafInput::Judged {
            points: "2".parse().expect("p"),
        }),
        ..Default::default()
    };
    assert_eq!(
        save(survey).await.expect_err("survey").code(),
        "invalid_input"
    );

    let na_not_allowed = LeafSave {
        leaf_code: "1.1".into(),
        not_applicable: true,
        na_reason: "x".into(),
        ..Default::default()
    };
    assert_eq!(
        save(na_not_allowed).await.expect_err("n/a").to_string(),
        "Tiêu chí 1.1 không được khai báo «Không áp dụng»."
    );

    let na_without_reason = LeafSave {
        leaf_code: "1.3".into(),
        not_applicable: true,
        ..Default::default()
    };
    assert_eq!(
        save(na_without_reason)
            .await
            .expect_err("reason")
            .to_string(),
        "Cần ghi lý do không áp dụng."
    );

    assert_eq!(
        save(judged("9.9", "1", None))
            .await
            .expect_err("unknown")
            .code(),
        "not_found"
    );

    // Two officers open the empty leaf; the first saves, the second is refused and shown the value.
    save(judged("2.1", "1.5", None)).await.expect("first");
    let err = save(judged("2.1", "0.5", None)).await.expect_err("second");
    assert_eq!(err.code(), "conflict");
    assert!(
        err.to_string().contains("giá trị hiện tại: 1,5 điểm"),
        "{err}"
    );
    // The same for an edit from a stale version.
    save(judged("2.1", "1.75", Some(1))).await.expect("edit");
    let err = save(judged("2.1", "0.25", Some(1)))
        .await
        .expect_err("stale");
    assert!(
        err.to_string().contains("giá trị hiện tại: 1,75 điểm"),
        "{err}"
    );
    assert_eq!(
        s.self_entries(r.round, unit).await.expect("entries")["2.1"].points,
        Some("1.75".parse().expect("p"))
    );
    assert!(
        s.self_entries(r.round, r.units[1])
            .await
            .expect("entries")
            .is_empty()
    );
}

#[tokio::test]
async fn concurrent_first_saves_of_one_leaf_keep_exactly_one() {
    let db = TestDb::new().await;
    let r = round_closing_7_january(&db).await;
    let clock = ManualClock::at(t("20/12/2023"));
    let tries = (0..8).map(|i| {
        let (s, clock, officer) = (db.store.clone(), clock.clone(), r.officers[0].clone());
        let (round, unit) = (r.round, r.units[0]);
        tokio::spawn(async move {
            let points = ["0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"][i];
            save_leaf(
                &ctx(&s),
                &who(&officer, &clock),
                round,
                unit,
                judged("2.1", points, None),
            )
            .await
            .map(|_| points)
        })
    });
    let mut saved = Vec::new();
    for task in tries {
        match task.await.expect("task") {
            Ok(points) => saved.push(points),
            Err(e) => assert_eq!(e.code(), "conflict", "{e}"),
        }
    }
    assert_eq!(saved.len(), 1, "exactly one first save wins: {saved:?}");
    let entry = &db
        .store
        .self_entries(r.round, r.units[0])
        .await
        .expect("entries")["2.1"];
    assert_eq!(
        (entry.points.map(|p| p.to_string()), entry.version),
        (Some(saved[0].to_string()), 1)
    );
}

/// The head's submission with gaps needs an explicit confirmation, over the API as on the
/// page; the review lists the gaps leaf by leaf for the unit's people.
#[tokio::test]
async fn submitting_with_gaps_needs_a_confirmation_that_names_them() {
    let app = crate::helpers::spawn_app().await;
    let r =
        crate::helpers::small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = crate::helpers::Browser::default();
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{unit}");
    let save = reqwest::Client::new()
        .put(app.url(&format!("{base}/self-assessment/2.1")))
        .header("x-csrf-token", &officer_csrf)
        .json(&serde_json::json!({"input": {"kind": "judged", "points": "1"}}));
    assert_eq!(officer.send(save).await.status(), 200);

    let (status, review) = crate::helpers::json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/review"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{review}");
    let codes = |list: &str| -> Vec<String> {
        review[list]
            .as_array()
            .expect("list")
            .iter()
            .map(|l| l["code"].as_str().expect("code").to_string())
            .collect()
    };
    assert_eq!(codes("without_explanation"), ["2.1"]);
    assert_eq!(codes("without_evidence"), ["2.1"]);
    assert!(!codes("not_scored").contains(&"2.1".to_string()));
    assert!(codes("not_scored").len() >= 3, "{review}");

    let submitted = || async { app.store().submission(round, unit).await.expect("read") };
    let head = crate::helpers::Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let submit = |query: &str| {
        head.post(app.url(&format!("{base}/submit{query}")))
            .header("x-csrf-token", &head_csrf)
    };
    let refused = head.send(submit("")).await;
    assert_eq!(refused.status(), 409);
    let body: serde_json::Value = refused.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "gaps_not_confirmed");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("1 tiêu chí chưa có giải trình")
            && message.contains("1 tiêu chí chưa có tài liệu kiểm chứng"),
        "{message}"
    );
    assert!(submitted().await.is_none());

    // The page's form refuses the same way without the box ticked, then submits with it.
    let page = head
        .send(
            head.post(app.url(&format!("/ky/{round}/don-vi/{unit}/gui")))
                .form(&[("csrf", head_csrf.as_str())]),
        )
        .await;
    assert_eq!(page.status(), 409);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("Bản tự đánh giá còn thiếu")
    );
    assert!(submitted().await.is_none());
    assert_eq!(head.send(submit("?confirm_gaps=true")).await.status(), 204);
    assert!(submitted().await.is_some());
}
