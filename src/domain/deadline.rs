//! The deadline engine: may this unit write in this phase at this instant, and if not, why.
//!
//! Instants are UTC; everything shown to people is in Asia/Ho_Chi_Minh. A deadline given as
//! a date alone means the end of that day in Vietnam (23:59:59), and a deadline is inclusive:
//! a write at 23:59:59 is on time, one at 00:00:00 the next day is late.

use std::sync::{Arc, RwLock};

use chrono::{
    DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound as _, TimeZone, Utc,
};
use chrono_tz::Asia::Ho_Chi_Minh;
use serde::{Deserialize, Serialize};

/// The source of "now"; injected so tests can move time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The real clock moved by a fixed offset: for rehearsals and tests of what the clock
/// brings (reminders), on a server started as if at another instant.
#[derive(Clone, Copy, Debug)]
pub struct OffsetClock(pub chrono::Duration);

impl OffsetClock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: DateTime<Utc>) -> OffsetClock {
        OffsetClock(start - Utc::now())
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// A clock that stands still until told to move.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<RwLock<DateTime<Utc>>>);

impl ManualClock {
    pub fn at(instant: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(RwLock::new(instant)))
    }

    pub fn set(&self, instant: DateTime<Utc>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = instant;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.write().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The phases of a round in which units or appraisers write.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Tự đánh giá, tự chấm điểm.
    SelfAssessment,
    /// Thẩm định lần 1.
    AppraisalRound1,
    /// Giải trình.
    Explanation,
    /// Thẩm định lần 2.
    AppraisalRound2,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::SelfAssessment,
        Phase::AppraisalRound1,
        Phase::Explanation,
        Phase::AppraisalRound2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::SelfAssessment => "self_assessment",
            Phase::AppraisalRound1 => "appraisal_round1",
            Phase::Explanation => "explanation",
            Phase::AppraisalRound2 => "appraisal_round2",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The activity, as it reads after "thời gian" / "hạn": "tự chấm điểm", "giải trình"…
    pub fn activity(self) -> &'static str {
        match self {
            Phase::SelfAssessment => "tự chấm điểm",
            Phase::AppraisalRound1 => "thẩm định lần 1",
            Phase::Explanation => "giải trình",
            Phase::AppraisalRound2 => "thẩm định lần 2",
        }
    }
}

/// When a phase is open for everyone: from `opens_at` to `closes_at`, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

impl Window {
    /// Whether `now` lies in the window (both ends included).
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now <= self.closes_at
    }
}

/// Which end of a window a refusal is about, for the form that shows it beside the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowEnd {
    Opens,
    Closes,
}

/// Why a round's windows cannot stand together: its stable code for the API, the phase and
/// the end of its window the administrator has to change, and the sentence that names both
/// phases and their dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowRefusal {
    /// `phase_ends_before_opening` or `phase_order`.
    pub code: &'static str,
    pub phase: Phase,
    pub end: WindowEnd,
    pub message: String,
}

/// Checks that each phase ends after it opens and that the phases follow one another:
/// appraisal round 1 opens no earlier than the self-assessment closes, the explanation
/// window no earlier than appraisal round 1 closes, appraisal round 2 no earlier than the
/// explanation window closes (phases not set are skipped: the next set one is compared).
///
/// With `changed`, only the pairs that involve that phase are checked, so a round stored
/// before this rule existed can still have its other phases moved; the refusal then points
/// at the end of the changed phase's window to move.
pub fn check_windows(
    windows: &std::collections::BTreeMap<Phase, Window>,
    changed: Option<Phase>,
) -> Result<(), WindowRefusal> {
    let concerns = |p: Phase| changed.is_none_or(|c| c == p);
    for (phase, w) in windows {
        if concerns(*phase) && w.closes_at <= w.opens_at {
            return Err(WindowRefusal {
                code: "phase_ends_before_opening",
                phase: *phase,
                end: WindowEnd::Closes,
                message: format!(
                    "Thời gian {activity} phải kết thúc sau khi bắt đầu: đang nhập bắt đầu lúc {} và kết thúc lúc {}.",
                    format_instant(w.opens_at),
                    format_instant(w.closes_at),
                    activity = phase.activity(),
                ),
            });
        }
    }
    let set: Vec<(Phase, &Window)> = Phase::ALL
        .iter()
        .filter_map(|p| windows.get(p).map(|w| (*p, w)))
        .collect();
    for (i, (earlier, ew)) in set.iter().enumerate() {
        for (later, lw) in &set[i + 1..] {
            if !(concerns(*earlier) || concerns(*later)) || lw.opens_at >= ew.closes_at {
                continue;
            }
            let (phase, end) = match changed {
                Some(c) if c == *earlier => (*earlier, WindowEnd::Closes),
                _ => (*later, WindowEnd::Opens),
            };
            return Err(WindowRefusal {
                code: "phase_order",
                phase,
                end,
                message: format!(
                    "{} không được bắt đầu trước khi {} kết thúc: {} bắt đầu lúc {}, còn {} kết thúc lúc {} (giờ Việt Nam). Hãy chọn lại ngày, hoặc dời giai đoạn kia trước.",
                    capitalized(later.activity()),
                    earlier.activity(),
                    later.activity(),
                    format_instant(lw.opens_at),
                    earlier.activity(),
                    format_instant(ew.closes_at),
                ),
            });
        }
    }
    Ok(())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// What the administrator granted one unit for one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// Gia hạn: a later deadline, granted before or after the original one.
    Extension,
    /// Mở lại: the unit may write again, until the new deadline, after it was locked.
    Reopening,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub kind: OverrideKind,
    pub until: DateTime<Utc>,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
}

impl Override {
    /// As a list shows it: «Gia hạn đến 17:00 ngày 09/01/2024».
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            OverrideKind::Extension => "Gia hạn",
            OverrideKind::Reopening => "Mở lại",
        };
        format!("{kind} đến {}", format_instant(self.until))
    }
}

/// The answer of the engine. `message` is the sentence shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Access {
    pub open: bool,
    /// The deadline that applies to this unit, after extensions and reopenings.
    pub effective_deadline: Option<DateTime<Utc>>,
    pub message: String,
}

impl Access {
    /// The same access once the round's results are published (`published_at`): closed,
    /// saying so, whatever a phase or an extension would still allow, so that no page
    /// shows a form that its save would refuse.
    pub fn unless_published(self, published_at: Option<DateTime<Utc>>) -> Access {
        match published_at {
            None => self,
            Some(at) => Access {
                open: false,
                effective_deadline: self.effective_deadline,
                message: format!(
                    "Kết quả kỳ đánh giá đã công bố lúc {}; không thay đổi được nữa.",
                    format_instant(at)
                ),
            },
        }
    }
}

/// Decides whether a unit may write in a phase at `now`.
///
/// The latest override granted (by `granted_at`) replaces the phase's own deadline for
/// that unit, so an administrator can also shorten an extension by granting a new one.
/// A reopening also lets the unit write even before the phase's window would open again.
pub fn access(
    phase: Phase,
    window: Option<&Window>,
    overrides: &[Override],
    now: DateTime<Utc>,
) -> Access {
    let activity = phase.activity();
    let Some(window) = window else {
        return Access {
            open: false,
            effective_deadline: None,
            message: format!("Kỳ đánh giá chưa đặt thời gian {activity}."),
        };
    };
    // The unit's own extension or reopening (the latest granted) counts only where it
    // ends after the phase: moving the phase later never leaves a unit with less time.
    let latest = overrides
        .iter()
        .max_by_key(|o| o.granted_at)
        .filter(|o| o.until > window.closes_at);
    let deadline = latest.map_or(window.closes_at, |o| o.until);
    // Deadlines are whole seconds and inclusive: a write at 23:59:59.4 is still on time.
    let now = now.trunc_subsecs(0);
    let reopened = latest.is_some_and(|o| o.kind == OverrideKind::Reopening);
    if now < window.opens_at && !reopened {
        return Access {
            open: false,
            effective_deadline: Some(deadline),
            message: format!(
                "Chưa đến thời gian {activity}: bắt đầu lúc {}.",
                format_instant(window.opens_at)
            ),
        };
    }
    if now <= deadline {
        let message = match latest {
            None => format!(
                "Hạn chót {activity}: {} (giờ Việt Nam).",
                format_instant(deadline)
            ),
            Some(o) => format!(
                "{} đến {} (giờ Việt Nam). Lý do: {}",
                match o.kind {
                    OverrideKind::Extension => "Được gia hạn",
                    OverrideKind::Reopening => "Được mở lại",
                },
                format_instant(deadline),
                o.reason
            ),
        };
        return Access {
            open: true,
            effective_deadline: Some(deadline),
            message,
        };
    }
    let what = match latest.map(|o| o.kind) {
        None => "Đã hết hạn",
        Some(OverrideKind::Extension) => "Đã hết thời gian gia hạn",
        Some(OverrideKind::Reopening) => "Đã hết thời gian mở lại",
    };
    Access {
        open: false,
        effective_deadline: Some(deadline),
        message: format!(
            "{what} {activity} lúc {}. Liên hệ Sở Nội vụ nếu cần gia hạn.",
            format_instant(deadline)
        ),
    }
}

/// "23:59 ngày 07/01/2024", in Vietnam time.
pub fn format_instant(t: DateTime<Utc>) -> String {
    t.with_timezone(&Ho_Chi_Minh)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

/// "07/01/2024", in Vietnam time.
pub fn format_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Ho_Chi_Minh).format("%d/%m/%Y").to_string()
}

/// Parses a deadline as people write it: "07/01/2024" (end of that day in Vietnam),
/// "07/01/2024 17:00", or ISO "2024-01-07" / "2024-01-07T17:00". Without a time, the
/// end of the day is meant; with one, that minute in Vietnam time.
pub fn parse_deadline(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let (date_part, time_part) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let date = NaiveDate::parse_from_str(date_part, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(date_part, "%Y-%m-%d"))
        .ok()?;
    let time = match time_part {
        None => NaiveTime::from_hms_opt(23, 59, 59)?,
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
            .ok()?,
    };
    vn_local(date.and_time(time))
}

/// The day in Vietnam of a unix time (seconds).
pub fn vn_date(unix: i64) -> NaiveDate {
    DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .with_timezone(&Ho_Chi_Minh)
        .date_naive()
}

/// The last second of a day in Vietnam: what "valid until 31/12/2024" means.
pub fn end_of_day(date: NaiveDate) -> Option<DateTime<Utc>> {
    vn_local(date.and_time(NaiveTime::from_hms_opt(23, 59, 59)?))
}

/// A deadline typed by a person, or the Vietnamese sentence that says what to type.
pub fn parse_deadline_or_explain(s: &str) -> Result<DateTime<Utc>, String> {
    parse_deadline(s).ok_or_else(|| not_a_date(s))
}

/// A window's start typed by a person, or the sentence that says what to type.
pub fn parse_opening_or_explain(s: &str) -> Result<DateTime<Utc>, String> {
    parse_opening(s).ok_or_else(|| not_a_date(s))
}

fn not_a_date(s: &str) -> String {
    format!("«{s}» không phải là ngày giờ hợp lệ; nhập dd/mm/yyyy hoặc dd/mm/yyyy hh:mm.")
}

/// Parses the start of a window: a date alone means the start of that day in Vietnam.
pub fn parse_opening(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.contains([' ', 'T']) {
        return parse_deadline(s);
    }
    let date = NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()?;
    vn_local(date.and_time(NaiveTime::MIN))
}

fn vn_local(t: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Vietnam has had no daylight saving since 1975: every local time is unambiguous.
    Ho_Chi_Minh
        .from_local_datetime(&t)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_deadline(s).expect("valid instant")
    }

    fn window() -> Window {
        Window {
            opens_at: parse_opening("01/12/2023").expect("date"),
            closes_at: t("07/01/2024"),
        }
    }

    #[test]
    fn a_unit_deadline_is_the_later_of_the_phase_end_and_its_extension() {
        let extension = |until: &str| Override {
            kind: OverrideKind::Extension,
            until: t(until),
            reason: "Sự cố mạng".into(),
            granted_at: t("05/01/2024"),
        };
        // The phase moved to 20 January after an extension to 10 January: the 20th holds.
        let moved = Window {
            closes_at: t("20/01/2024"),
            ..window()
        };
        let early = [extension("10/01/2024")];
        let gate = access(Phase::SelfAssessment, Some(&moved), &early, t("15/01/2024"));
        assert!(gate.open, "{}", gate.message);
        assert_eq!(gate.effective_deadline, Some(t("20/01/2024")));
        assert_eq!(
            gate.message,
            "Hạn chót tự chấm điểm: 23:59 ngày 20/01/2024 (giờ Việt Nam)."
        );
        let last_second = access(Phase::SelfAssessment, Some(&moved), &early, t("20/01/2024"));
        assert!(last_second.open);
        let after = t("20/01/2024") + chrono::Duration::seconds(1);
        assert!(!access(Phase::SelfAssessment, Some(&moved), &early, after).open);
        // An extension past the moved phase keeps its own date.
        let late = [extension("25/01/2024")];
        let gate = access(Phase::SelfAssessment, Some(&moved), &late, t("22/01/2024"));
        assert!(gate.open);
        assert_eq!(gate.effective_deadline, Some(t("25/01/2024")));
        assert!(
            gate.message.starts_with("Được gia hạn đến"),
            "{}",
            gate.message
        );
        let after = t("25/01/2024") + chrono::Duration::seconds(1);
        assert!(!access(Phase::SelfAssessment, Some(&moved), &late, after).open);
    }

    #[test]
    fn a_date_alone_is_the_end_of_that_day_in_vietnam() {
        let d = t("07/01/2024");
        assert_eq!(d.to_rfc3339(), "2024-01-07T16:59:59+00:00");
        assert_eq!(format_instant(d), "23:59 ngày 07/01/2024");
        assert_eq!(
            t("2024-01-07 17:00").to_rfc3339(),
            "2024-01-07T10:00:00+00:00"
        );
        assert_eq!(parse_deadline("31/02/2024"), None);
        assert_eq!(parse_deadline("hôm nay"), None);
    }

    #[test]
    fn one_second_before_and_after_the_deadline() {
        let w = window();
        let before = access(Phase::SelfAssessment, Some(&w), &[], w.closes_at);
        assert!(before.open, "{}", before.message);
        let after = access(
            Phase::SelfAssessment,
            Some(&w),
            &[],
            w.closes_at + Duration::seconds(1),
        );
        assert!(!after.open);
        assert_eq!(
            after.message,
            "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
        );
    }

    #[test]
    fn not_yet_open() {
        let w = window();
        let a = access(
            Phase::SelfAssessment,
            Some(&w),
            &[],
            w.opens_at - Duration::seconds(1),
        );
        assert!(!a.open);
        assert_eq!(
            a.message,
            "Chưa đến thời gian tự chấm điểm: bắt đầu lúc 00:00 ngày 01/12/2023."
        );
        assert!(access(Phase::SelfAssessment, Some(&w), &[], w.opens_at).open);
    }

    #[test]
    fn an_extension_moves_the_deadline_and_says_why() {
        let w = window();
        let ext = Override {
            kind: OverrideKind::Extension,
            until: t("10/01/2024 17:00"),
            reason: "Sự cố mất điện kéo dài".into(),
            granted_at: t("05/01/2024"),
        };
        let a = access(
            Phase::SelfAssessment,
            Some(&w),
            std::slice::from_ref(&ext),
            t("09/01/2024"),
        );
        assert!(a.open);
        assert_eq!(
            a.message,
            "Được gia hạn đến 17:00 ngày 10/01/2024 (giờ Việt Nam). Lý do: Sự cố mất điện kéo dài"
        );
        let late = access(
            Phase::SelfAssessment,
            Some(&w),
            &[ext],
            t("10/01/2024 17:00") + Duration::seconds(1),
        );
        assert!(!late.open);
        assert!(
            late.message
                .starts_with("Đã hết thời gian gia hạn tự chấm điểm lúc 17:00 ngày 10/01/2024")
        );
    }

    #[test]
    fn the_latest_override_wins() {
        let w = window();
        let first = Override {
            kind: OverrideKind::Extension,
            until: t("20/01/2024"),
            reason: "a".into(),
            granted_at: t("05/01/2024"),
        };
        let reopen = Override {
            kind: OverrideKind::Reopening,
            until: t("25/01/2024"),
            reason: "Bổ sung tài liệu kiểm chứng".into(),
            granted_at: t("21/01/2024"),
        };
        let a = access(
            Phase::SelfAssessment,
            Some(&w),
            &[reopen.clone(), first.clone()],
            t("24/01/2024"),
        );
        assert!(a.open);
        assert!(
            a.message
                .starts_with("Được mở lại đến 23:59 ngày 25/01/2024")
        );
        assert_eq!(a.effective_deadline, Some(t("25/01/2024")));
        // Between the end of the extension and the reopening the unit was locked.
        assert!(
            !access(
                Phase::SelfAssessment,
                Some(&w),
                &[first],
                t("21/01/2024") - Duration::hours(1)
            )
            .open
        );
    }

    #[test]
    fn the_last_second_counts_whole() {
        let w = window();
        let late_in_the_second = w.closes_at + Duration::milliseconds(999);
        assert!(access(Phase::SelfAssessment, Some(&w), &[], late_in_the_second).open);
        assert!(
            !access(
                Phase::SelfAssessment,
                Some(&w),
                &[],
                late_in_the_second + Duration::milliseconds(1)
            )
            .open
        );
    }

    #[test]
    fn only_a_reopening_opens_before_the_window() {
        let w = window();
        let early = w.opens_at - Duration::days(1);
        let grant = |kind| Override {
            kind,
            until: t("10/01/2024"),
            reason: "x".into(),
            granted_at: early,
        };
        assert!(
            !access(
                Phase::SelfAssessment,
                Some(&w),
                &[grant(OverrideKind::Extension)],
                early
            )
            .open
        );
        assert!(
            access(
                Phase::SelfAssessment,
                Some(&w),
                &[grant(OverrideKind::Reopening)],
                early
            )
            .open
        );
    }

    fn windows(list: &[(Phase, &str, &str)]) -> std::collections::BTreeMap<Phase, Window> {
        list.iter()
            .map(|(p, from, to)| {
                let w = Window {
                    opens_at: parse_opening(from).expect("date"),
                    closes_at: t(to),
                };
                (*p, w)
            })
            .collect()
    }

    #[test]
    fn phases_follow_one_another() {
        let good = windows(&[
            (Phase::SelfAssessment, "01/12/2023", "07/01/2024"),
            (Phase::AppraisalRound1, "08/01/2024", "31/01/2024"),
            (Phase::Explanation, "01/02/2024", "15/02/2024"),
            (Phase::AppraisalRound2, "16/02/2024", "15/03/2024"),
        ]);
        assert_eq!(check_windows(&good, None), Ok(()));
        for p in Phase::ALL {
            assert_eq!(check_windows(&good, Some(p)), Ok(()));
        }

        // The self-assessment moved past the opening of appraisal round 1.
        let mut late = good.clone();
        late.get_mut(&Phase::SelfAssessment).expect("set").closes_at = t("14/01/2024");
        let refusal = check_windows(&late, Some(Phase::SelfAssessment)).expect_err("overlap");
        assert_eq!(refusal.code, "phase_order");
        assert_eq!(
            (refusal.phase, refusal.end),
            (Phase::SelfAssessment, WindowEnd::Closes)
        );
        assert_eq!(
            refusal.message,
            "Thẩm định lần 1 không được bắt đầu trước khi tự chấm điểm kết thúc: thẩm định lần 1 bắt đầu lúc 00:00 ngày 08/01/2024, còn tự chấm điểm kết thúc lúc 23:59 ngày 14/01/2024 (giờ Việt Nam). Hãy chọn lại ngày, hoặc dời giai đoạn kia trước."
        );
        // Seen from the later phase, its opening is what to move.
        let refusal = check_windows(&late, None).expect_err("overlap");
        assert_eq!(
            (refusal.phase, refusal.end),
            (Phase::AppraisalRound1, WindowEnd::Opens)
        );
        // An unrelated phase can still be moved in a round stored out of order.
        assert_eq!(check_windows(&late, Some(Phase::AppraisalRound2)), Ok(()));

        // Without an explanation window, round 2 is compared with round 1.
        let mut skipped = good.clone();
        skipped.remove(&Phase::Explanation);
        skipped
            .get_mut(&Phase::AppraisalRound2)
            .expect("set")
            .opens_at = parse_opening("20/01/2024").expect("date");
        let refusal = check_windows(&skipped, None).expect_err("overlap");
        assert_eq!(refusal.phase, Phase::AppraisalRound2);
        assert!(
            refusal
                .message
                .contains("thẩm định lần 1 kết thúc lúc 23:59 ngày 31/01/2024")
        );

        // Opening the moment the previous phase closes is allowed; ending as it opens is not.
        let mut touching = good.clone();
        touching
            .get_mut(&Phase::AppraisalRound1)
            .expect("set")
            .opens_at = t("07/01/2024");
        assert_eq!(check_windows(&touching, None), Ok(()));
        let mut empty = good;
        let w = empty.get_mut(&Phase::Explanation).expect("set");
        w.closes_at = w.opens_at;
        let refusal = check_windows(&empty, Some(Phase::Explanation)).expect_err("empty");
        assert_eq!(refusal.code, "phase_ends_before_opening");
        assert_eq!(refusal.end, WindowEnd::Closes);
        assert!(
            refusal
                .message
                .starts_with("Thời gian giải trình phải kết thúc sau khi bắt đầu")
        );
    }

    #[test]
    fn manual_clock_moves() {
        let clock = ManualClock::at(t("07/01/2024"));
        clock.advance(Duration::seconds(1));
        assert_eq!(clock.now(), t("08/01/2024 00:00"));
    }
}
