//! Notices (thông báo): what needs a person's attention, in the app and by e-mail.
//!
//! Two sources write them. The acts that concern someone else write theirs as they
//! happen: an extension or reopening granted (to the unit), an explanation answered (to
//! the appraisers in scope), results published (to everyone). What the clock brings is
//! written by the scheduler ([`run_due`], run by every instance every minute): a round
//! opened for self-assessment, its deadline 7, 3 and 1 days ahead (to units not yet
//! submitted, by their own deadline after extensions), and the explanation window opened
//! (to units asked, naming the leaves). Each notice has a key; a person gets one notice
//! per key, whatever the number of instances, ticks and restarts (see
//! [`crate::store::NewNotice`]).
//!
//! Writing a notice never fails the act it follows: a failure is logged.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::domain::deadline::{Phase, access, format_instant};
use crate::store::{NewNotice, Notice, Recipient};

use super::{Context, Result, Who};

/// What this instance does with notices: whether it sends e-mails (SMTP is configured),
/// and the bell that wakes its sender when a notice to e-mail was written.
#[derive(Debug, Default)]
pub struct Outbox {
    pub mail: bool,
    pub wake: tokio::sync::Notify,
}

/// The days before a deadline a unit is reminded, the nearest last.
pub const REMINDER_DAYS: [i64; 3] = [7, 3, 1];

/// Writes `notice` for `recipients`, and wakes the sender when some go out by e-mail.
async fn deliver(
    ctx: &Context,
    notice: NewNotice,
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Result<u64> {
    let written = ctx
        .store
        .add_notices(&notice, recipients, ctx.outbox.mail, now)
        .await?;
    if written > 0 && ctx.outbox.mail {
        ctx.outbox.wake.notify_one();
    }
    Ok(written)
}

/// Logs a failure to write a notice; the act it follows stands.
fn logged(what: &str, result: Result<u64>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not write the notices of {what}");
    }
}

/// A unit was granted an extension or a reopening: its officers and head are told.
pub async fn override_granted(
    ctx: &Context,
    round_id: i64,
    unit_id: i64,
    grant: &crate::store::NewOverride,
    now: DateTime<Utc>,
) {
    let result = async {
        let round = ctx.store.round(round_id).await?;
        let kind = match grant.kind {
            crate::domain::deadline::OverrideKind::Extension => "Gia hạn",
            crate::domain::deadline::OverrideKind::Reopening => "Mở lại",
        };
        let link = match grant.phase {
            Phase::Explanation => format!("/ky/{round_id}/don-vi/{unit_id}/giai-trinh"),
            _ => format!("/ky/{round_id}/don-vi/{unit_id}/tu-cham-diem"),
        };
        let notice = NewNotice {
            kind: "override_granted",
            key: format!(
                "override:{round_id}:{unit_id}:{}:{}",
                grant.phase.as_str(),
                grant.until.timestamp()
            ),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            title: format!("{kind} {}: {}", grant.phase.activity(), round.title),
            body: format!(
                "{} được {} {} đến {} (giờ Việt Nam). Lý do: {}",
                ctx.store.unit(unit_id).await?.name,
                kind.to_lowercase(),
                grant.phase.activity(),
                format_instant(grant.until),
                grant.reason
            ),
            link,
        };
        let recipients = ctx.store.unit_recipients(unit_id, now).await?;
        deliver(ctx, notice, &recipients, now).await
    }
    .await;
    logged("an extension", result);
}

/// A corrigendum changed leaves the unit had scored: its officers and head are asked to
/// review them.
pub async fn criteria_corrected(
    ctx: &Context,
    round_id: i64,
    unit_id: i64,
    (reason, added, removed): (&str, &[String], &[String]),
    now: DateTime<Utc>,
) {
    let result = async {
        let round = ctx.store.round(round_id).await?;
        let leaves: Vec<String> = ctx
            .store
            .revised_entries(round_id, unit_id)
            .await?
            .into_keys()
            .collect();
        let mut body = format!("Sở Nội vụ đã đính chính bộ tiêu chí ({reason}).");
        if !leaves.is_empty() {
            body.push_str(&format!(
                " Tiêu chí đã được sửa — cần xem lại: {}; điểm đã tính lại theo tiêu chí mới, hãy xem và lưu lại từng tiêu chí.",
                leaves.join(", ")
            ));
        }
        if !added.is_empty() {
            body.push_str(&format!(" Tiêu chí mới cần chấm: {}.", added.join(", ")));
        }
        if !removed.is_empty() {
            body.push_str(&format!(
                " Tiêu chí được bỏ (không còn tính điểm): {}.",
                removed.join(", ")
            ));
        }
        let notice = NewNotice {
            kind: "criteria_corrected",
            key: format!("corrected:{round_id}:{}", now.timestamp()),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            title: format!("Bộ tiêu chí được đính chính: {}", round.title),
            body,
            link: format!("/ky/{round_id}/don-vi/{unit_id}/tu-cham-diem"),
        };
        let recipients = ctx.store.unit_recipients(unit_id, now).await?;
        deliver(ctx, notice, &recipients, now).await
    }
    .await;
    logged("a corrigendum", result);
}

/// A unit answered an explanation request on a leaf for the first time: the appraisers who
/// may appraise that leaf of that unit are told (later edits do not tell them again).
pub async fn explanation_answered(
    ctx: &Context,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
    now: DateTime<Utc>,
) {
    let result = async {
        let round = ctx.store.round(round_id).await?;
        let unit = ctx.store.unit(unit_id).await?;
        // What the round assigns in the unit's tier: its departments' appraisers are in
        // scope for their nodes.
        let assigned = ctx.store.unit_assignments(round_id, unit_id).await?;
        let mut recipients = Vec::new();
        for (_, r) in ctx.store.role_recipients(&["appraiser"], now).await? {
            if ctx
                .store
                .actor(r.user_id)
                .await?
                .may_appraise(unit_id, leaf_code, &assigned)
            {
                recipients.push(r);
            }
        }
        let notice = NewNotice {
            kind: "explanation_answered",
            key: format!("answered:{round_id}:{unit_id}:{leaf_code}"),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            title: format!("{} đã giải trình tiêu chí {leaf_code}", unit.name),
            body: format!(
                "{} đã gửi giải trình cho tiêu chí {leaf_code} ({}).{}",
                unit.name,
                round.title,
                round
                    .phases
                    .get(&Phase::AppraisalRound2)
                    .map(|w| format!(
                        " Thẩm định lần 2: {} – {} (giờ Việt Nam).",
                        format_instant(w.opens_at),
                        format_instant(w.closes_at)
                    ))
                    .unwrap_or_default()
            ),
            link: format!("/ky/{round_id}/don-vi/{unit_id}/tham-dinh#tc-{leaf_code}"),
        };
        deliver(ctx, notice, &recipients, now).await
    }
    .await;
    logged("an explanation", result);
}

/// A round's results were published: everyone who may sign in is told, but the one who
/// published.
pub async fn results_published(ctx: &Context, who: &Who, round_id: i64) {
    let now = who.now;
    let result = async {
        let round = ctx.store.round(round_id).await?;
        let recipients: Vec<Recipient> = ctx
            .store
            .role_recipients(&["admin", "officer", "head", "appraiser", "viewer"], now)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| r.user_id != who.actor.user_id)
            .collect();
        let notice = NewNotice {
            kind: "results_published",
            key: format!("published:{round_id}"),
            round_id: Some(round_id),
            unit_id: None,
            title: format!("Đã công bố kết quả: {}", round.title),
            body: format!(
                "Sở Nội vụ đã công bố kết quả {} lúc {} (giờ Việt Nam). Xem xếp hạng, chỉ số của các đơn vị và bảng điểm.",
                round.title,
                format_instant(round.published_at.unwrap_or(now))
            ),
            link: format!("/ky/{round_id}/ket-qua"),
        };
        deliver(ctx, notice, &recipients, now).await
    }
    .await;
    logged("a publication", result);
}

/// Time left as people say it: «6 ngày 15 giờ», «20 giờ», «45 phút».
fn time_left(left: Duration) -> String {
    let (days, hours) = (left.num_days(), left.num_hours() % 24);
    match (days, hours) {
        (0, 0) => format!("{} phút", left.num_minutes().max(1)),
        (0, h) => format!("{h} giờ"),
        (d, 0) => format!("{d} ngày"),
        (d, h) => format!("{d} ngày {h} giờ"),
    }
}

/// The scheduler's work at `now`: the notices the clock brings that nobody has written
/// yet. Returns how many it wrote.
pub async fn run_due(ctx: &Context, now: DateTime<Utc>) -> Result<u64> {
    let store = &ctx.store;
    let mut written = 0;
    for round_id in store.live_rounds().await? {
        let round = store.round(round_id).await?;
        let members = store.round_units(round_id, None).await?;
        let people = store.round_recipients(round_id, now).await?;
        let done = store.round_notice_keys(round_id).await?;
        // Only the recipients who have not had it: a tick with nothing new writes nothing.
        let due = |unit_id: i64, key: &str| -> Vec<Recipient> {
            people
                .get(&unit_id)
                .map(|all| {
                    all.iter()
                        .filter(|r| !done.contains(&(r.user_id, key.to_string())))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(window) = round.phases.get(&Phase::SelfAssessment).copied() {
            let submitted = store.submissions(round_id).await?;
            let overrides = store
                .round_overrides(round_id, Phase::SelfAssessment)
                .await?;
            for unit in &members {
                let gate = access(
                    Phase::SelfAssessment,
                    Some(&window),
                    overrides.get(&unit.id).map_or(&[][..], Vec::as_slice),
                    now,
                );
                let Some(deadline) = gate.effective_deadline.filter(|_| gate.open) else {
                    continue;
                };
                if now >= window.opens_at && now <= window.closes_at {
                    let key = format!("opened:{round_id}");
                    let recipients = due(unit.id, &key);
                    let notice = NewNotice {
                        kind: "round_opened",
                        key,
                        round_id: Some(round_id),
                        unit_id: Some(unit.id),
                        title: format!("Mở tự chấm điểm: {}", round.title),
                        body: format!(
                            "{} đã mở tự đánh giá, chấm điểm từ {}. Hạn chót của {}: {} (giờ Việt Nam).",
                            round.title,
                            format_instant(window.opens_at),
                            unit.name,
                            format_instant(deadline)
                        ),
                        link: format!("/ky/{round_id}/don-vi/{}/tu-cham-diem", unit.id),
                    };
                    written += deliver(ctx, notice, &recipients, now).await?;
                }
                if submitted.contains_key(&unit.id) {
                    continue;
                }
                // The nearest reminder only: a round opened three days before its
                // deadline reminds at three days, not at seven too.
                let left = deadline - now;
                let Some(days) = REMINDER_DAYS
                    .iter()
                    .rev()
                    .copied()
                    .find(|d| left <= Duration::days(*d))
                else {
                    continue;
                };
                let key = format!("deadline:{round_id}:{}:{days}", deadline.timestamp());
                let recipients = due(unit.id, &key);
                let notice = NewNotice {
                    kind: "deadline_near",
                    key,
                    round_id: Some(round_id),
                    unit_id: Some(unit.id),
                    title: format!("Còn dưới {days} ngày đến hạn tự chấm điểm: {}", round.title),
                    body: format!(
                        "{} chưa gửi tự đánh giá, chấm điểm. Hạn chót: {} (giờ Việt Nam), còn {}. Thủ trưởng đơn vị cần phê duyệt và gửi trước hạn.",
                        unit.name,
                        format_instant(deadline),
                        time_left(left)
                    ),
                    link: format!("/ky/{round_id}/don-vi/{}/tu-cham-diem", unit.id),
                };
                written += deliver(ctx, notice, &recipients, now).await?;
            }
        }
        if let Some(window) = round.phases.get(&Phase::Explanation).copied()
            && now >= window.opens_at
        {
            let requests = store.round_explanation_requests(round_id).await?;
            let overrides = store.round_overrides(round_id, Phase::Explanation).await?;
            for (unit_id, leaves) in requests {
                let gate = access(
                    Phase::Explanation,
                    Some(&window),
                    overrides.get(&unit_id).map_or(&[][..], Vec::as_slice),
                    now,
                );
                let Some(deadline) = gate.effective_deadline.filter(|_| gate.open) else {
                    continue;
                };
                // A leaf asked later gives a new notice naming them all.
                let key = format!("explain:{round_id}:{}", leaves.join(","));
                let recipients = due(unit_id, &key);
                let notice = NewNotice {
                    kind: "explanation_requested",
                    key,
                    round_id: Some(round_id),
                    unit_id: Some(unit_id),
                    title: format!("Yêu cầu giải trình: {}", round.title),
                    body: format!(
                        "Hội đồng thẩm định đề nghị đơn vị giải trình {} tiêu chí: {}. Hạn giải trình: {} (giờ Việt Nam).",
                        leaves.len(),
                        leaves.join(", "),
                        format_instant(deadline)
                    ),
                    link: format!("/ky/{round_id}/don-vi/{unit_id}/giai-trinh"),
                };
                written += deliver(ctx, notice, &recipients, now).await?;
            }
        }
    }
    Ok(written)
}

/// Runs [`run_due`] every `every` until the task is dropped; also at start, so notices
/// missed while no instance ran are written at once. A failure is logged and tried again
/// at the next tick.
pub async fn schedule(ctx: Context, every: std::time::Duration) {
    loop {
        match run_due(&ctx, ctx.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(notices = n, "scheduler wrote notices"),
            Err(e) => tracing::warn!(error = %e, "scheduler failed; trying again at the next tick"),
        }
        tokio::time::sleep(every).await;
    }
}

/// A person's notices, newest first (the latest 200), and how many are unread.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub unread: i64,
    pub notices: Vec<Notice>,
    /// The address e-mails go to; none: in the app only.
    pub email: Option<String>,
    /// Whether this person receives notices by e-mail (their own choice).
    pub email_notices: bool,
    /// Whether this server sends e-mails at all (SMTP configured).
    pub mail_configured: bool,
}

pub async fn list(ctx: &Context, who: &Who) -> Result<NoticeList> {
    let (notices, unread) = ctx.store.notices(who.actor.user_id, 200).await?;
    let (email, email_notices) = ctx.store.mail_settings(who.actor.user_id).await?;
    Ok(NoticeList {
        unread,
        notices,
        email,
        email_notices,
        mail_configured: ctx.outbox.mail,
    })
}

/// Marks one of one's notices read (returning the page it is about), or all of them.
pub async fn mark_read(ctx: &Context, who: &Who, id: Option<i64>) -> Result<Option<String>> {
    Ok(ctx
        .store
        .mark_notices_read(who.actor.user_id, id, who.now)
        .await?)
}

/// One turns e-mails of notices on or off for oneself (audited).
pub async fn set_email_notices(ctx: &Context, who: &Who, on: bool) -> Result<()> {
    let entry = crate::store::NewAudit {
        action: "user.email_notices".into(),
        new_value: Some(
            if on {
                "nhận thông báo qua thư điện tử"
            } else {
                "không nhận thông báo qua thư điện tử"
            }
            .into(),
        ),
        ..who.audit()
    };
    Ok(ctx
        .store
        .set_email_notices(who.actor.user_id, on, entry, who.now)
        .await?)
}

/// The shared outbox of an instance that does not send e-mails.
pub fn no_mail() -> Arc<Outbox> {
    Arc::new(Outbox::default())
}
