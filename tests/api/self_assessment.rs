//! The deadline lock on the server, with a moved clock, through the stored round.

use chrono::Duration;
use parindex::domain::deadline::{OverrideKind, Phase, parse_opening};
use parindex::domain::{Clock, LeafInput, ManualClock};
use parindex::service::ServiceError;
use parindex::service::self_assessment::{LeafSave, save_leaf, self_assessment_access};
use parindex::store::{AuditFilter, NewAudit, Store};

use crate::helpers::{TestDb, small_round, t};

struct Round {
    db: TestDb,
    round: i64,
    unit: i64,
    other_unit: i64,
}

impl Round {
    fn store(&self) -> &Store {
        &self.db.store
    }
}

async fn round_closing_7_january() -> Round {
    let db = TestDb::new().await;
    let r = small_round(
        &db.store,
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    Round {
        round: r.round,
        unit: r.units[0],
        other_unit: r.units[1],
        db,
    }
}

fn judged(leaf: &str, points: &str, expected_version: Option<i64>) -> LeafSave {
    LeafSave {
        leaf_code: leaf.into(),
        input: Some(LeafInput::Judged(points.parse().expect("points"))),
        expected_version,
        ..Default::default()
    }
}

fn officer() -> NewAudit {
    NewAudit {
        actor: "Cán bộ CCHC".into(),
        address: Some("127.0.0.1".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_unit_cannot_write_after_the_deadline_unless_an_extension_was_granted() {
    let r = round_closing_7_january().await;
    let clock = ManualClock::at(t("07/01/2024"));

    // 23:59:59 on 7 January, Vietnam time: still on time.
    let v1 = save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1.5", None),
        officer(),
    )
    .await
    .expect("on time");
    assert_eq!(v1, 1);

    // One second later: locked, with the reason and the time.
    clock.advance(Duration::seconds(1));
    let err = save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "2", Some(1)),
        officer(),
    )
    .await
    .expect_err("locked");
    assert!(matches!(err, ServiceError::Locked(_)));
    assert_eq!(err.code(), "deadline_closed");
    assert_eq!(
        err.to_string(),
        "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
    // Nothing changed.
    let entries = r
        .store()
        .self_entries(r.round, r.unit)
        .await
        .expect("entries");
    assert_eq!(entries["2.1"].points, Some("1.5".parse().expect("points")));
    assert_eq!(entries["2.1"].version, 1);

    // An extension for this unit only, until 17:00 on 10 January.
    r.store()
        .grant_override(
            r.round,
            r.unit,
            Phase::SelfAssessment,
            OverrideKind::Extension,
            t("10/01/2024 17:00"),
            "Sự cố hệ thống mạng",
            None,
            clock.now(),
        )
        .await
        .expect("extension");
    let gate = self_assessment_access(r.store(), &clock, r.round, r.unit)
        .await
        .expect("access");
    assert!(gate.open);
    assert_eq!(
        gate.message,
        "Được gia hạn đến 17:00 ngày 10/01/2024 (giờ Việt Nam). Lý do: Sự cố hệ thống mạng"
    );
    save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "2", Some(1)),
        officer(),
    )
    .await
    .expect("extended");
    // The other unit is still locked.
    let other = save_leaf(
        r.store(),
        &clock,
        r.round,
        r.other_unit,
        judged("2.1", "2", None),
        officer(),
    )
    .await;
    assert!(matches!(other, Err(ServiceError::Locked(_))));

    // After the extension ends: locked again.
    clock.set(t("10/01/2024 17:00") + Duration::seconds(1));
    let err = save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1", Some(2)),
        officer(),
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
    r.store()
        .grant_override(
            r.round,
            r.unit,
            Phase::SelfAssessment,
            OverrideKind::Reopening,
            t("16/01/2024"),
            "Bổ sung tài liệu kiểm chứng theo yêu cầu",
            None,
            clock.now(),
        )
        .await
        .expect("reopening");
    save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1", Some(2)),
        officer(),
    )
    .await
    .expect("reopened");

    // Every save is in the audit log with the old and new value.
    let log = r
        .store()
        .audit_log(&AuditFilter {
            unit_id: Some(r.unit),
            leaf_code: Some("2.1".into()),
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
            (None, Some("1.5")),
            (Some("1.5"), Some("2")),
            (Some("2"), Some("1"))
        ]
    );
}

#[tokio::test]
async fn before_the_window_opens_nothing_can_be_written() {
    let r = round_closing_7_january().await;
    let clock = ManualClock::at(parse_opening("01/12/2023").expect("date") - Duration::seconds(1));
    let err = save_leaf(
        r.store(),
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1", None),
        officer(),
    )
    .await
    .expect_err("not yet");
    assert_eq!(
        err.to_string(),
        "Chưa đến thời gian tự chấm điểm: bắt đầu lúc 00:00 ngày 01/12/2023."
    );
}

#[tokio::test]
async fn inputs_must_fit_the_leaf_and_a_second_editor_never_overwrites_the_first() {
    let r = round_closing_7_january().await;
    let clock = ManualClock::at(t("20/12/2023"));
    let s = r.store();

    let err = save_leaf(
        s,
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1.3", None),
        officer(),
    )
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
        input: Some(LeafInput::Judged("2".parse().expect("p"))),
        ..Default::default()
    };
    assert_eq!(
        save_leaf(s, &clock, r.round, r.unit, survey, officer())
            .await
            .expect_err("survey")
            .code(),
        "invalid_input"
    );

    let na_not_allowed = LeafSave {
        leaf_code: "1.1".into(),
        not_applicable: true,
        na_reason: "x".into(),
        ..Default::default()
    };
    let err = save_leaf(s, &clock, r.round, r.unit, na_not_allowed, officer())
        .await
        .expect_err("n/a");
    assert_eq!(
        err.to_string(),
        "Tiêu chí 1.1 không được khai báo «Không áp dụng»."
    );

    let na_without_reason = LeafSave {
        leaf_code: "1.3".into(),
        not_applicable: true,
        ..Default::default()
    };
    assert_eq!(
        save_leaf(s, &clock, r.round, r.unit, na_without_reason, officer())
            .await
            .expect_err("reason")
            .to_string(),
        "Cần ghi lý do không áp dụng."
    );

    let unknown = save_leaf(
        s,
        &clock,
        r.round,
        r.unit,
        judged("9.9", "1", None),
        officer(),
    )
    .await
    .expect_err("unknown");
    assert_eq!(unknown.code(), "not_found");

    // Two officers open the empty leaf; the first saves, the second is refused and shown the value.
    save_leaf(
        s,
        &clock,
        r.round,
        r.unit,
        judged("2.1", "1.5", None),
        officer(),
    )
    .await
    .expect("first");
    let err = save_leaf(
        s,
        &clock,
        r.round,
        r.unit,
        judged("2.1", "0.5", None),
        officer(),
    )
    .await
    .expect_err("second");
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("giá trị hiện tại: 1.5"), "{err}");
    assert_eq!(
        s.self_entries(r.round, r.unit).await.expect("entries")["2.1"].points,
        Some("1.5".parse().expect("p"))
    );
    assert!(
        s.self_entries(r.round, r.other_unit)
            .await
            .expect("entries")
            .is_empty()
    );
}
