//! The appraisal council's sign-off (Hội đồng thẩm định ký biên bản thẩm định): the Sở
//! Nội vụ records that the council closed an appraisal round (the day it met, its
//! members, a note), audited. From then on that round's appraisals are refused (409
//! `signed_off`, checked again inside each write's transaction) until the administrator
//! withdraws the sign-off with a reason. Publication needs the sign-off of the last
//! appraisal round the round holds (round 2 when it has a window, else round 1). The
//! minutes (biên bản) list per unit the self-assessed and appraised totals and the leaves
//! the appraisal changed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::scores::appraisal_phase;
use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::Points;
use crate::domain::access::Role;
use crate::domain::collation::sort_vi;
use crate::domain::deadline::{Phase, format_instant, vn_date};
use crate::domain::text::{limit, multiline};
use crate::report::minutes::{
    ChangedLeaf, Council, Member, Minutes, MinutesTier, MinutesUnit, Score,
};
use crate::store::{AppraisalEntry, NewSignOff, Refusal, Round, SelfEntry, Store};

/// The most members a council's list may have.
pub const MAX_MEMBERS: usize = 50;

/// The council's sign-off as the administrator records it.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct SignOffRequest {
    /// The day the council met and signed: «01/02/2024».
    #[schema(
        max_length = 64,
        pattern = r"^(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{4}( ([01][0-9]|2[0-3]):[0-5][0-9])?$"
    )]
    #[validate(length(max = limit::CODE), custom(function = multiline))]
    pub signed_on: String,
    /// The members, a line each: «Nguyễn Văn An — Giám đốc Sở Nội vụ, Chủ tịch Hội đồng».
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::TEXT), custom(function = multiline))]
    pub members: String,
    /// The council's conclusions, if any.
    #[serde(default)]
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::TEXT), custom(function = multiline))]
    pub note: String,
}

/// Why a sign-off is withdrawn (required).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct WithdrawalRequest {
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
}

/// The appraisal round a path names (1 or 2), as its phase.
fn phase_of(n: i64) -> Result<Phase> {
    match n {
        1 | 2 => Ok(appraisal_phase(n)),
        _ => Err(ServiceError::NotFound(format!("thẩm định lần {n}"))),
    }
}

fn number_of(phase: Phase) -> i64 {
    if phase == Phase::AppraisalRound2 {
        2
    } else {
        1
    }
}

/// The last appraisal round a round holds: round 2 when it has a window, else round 1
/// when it has one; none for a round without appraisal.
pub fn last_appraisal(round: &Round) -> Option<Phase> {
    [Phase::AppraisalRound2, Phase::AppraisalRound1]
        .into_iter()
        .find(|p| round.phases.contains_key(p))
}

/// Why an appraisal of `phase` is refused now, when the council has signed it off.
pub(crate) async fn signed_off(
    store: &Store,
    round_id: i64,
    phase: Phase,
) -> Result<Option<String>> {
    Ok(store
        .sign_offs(round_id)
        .await?
        .into_iter()
        .find(|s| s.phase == phase)
        .map(|s| {
            Refusal::SignedOff {
                phase,
                signed_on: s.signed_on.format("%Y-%m-%d").to_string(),
            }
            .to_string()
        }))
}

/// The members typed, a line each, checked.
fn members(text: &str) -> Result<Vec<String>> {
    let lines: Vec<String> = (text.lines().map(str::trim))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if lines.is_empty() {
        return Err(ServiceError::invalid_field(
            "members",
            "Cần ghi thành phần Hội đồng thẩm định: mỗi dòng một thành viên (họ tên — chức vụ, vai trò trong Hội đồng).",
        ));
    }
    if lines.len() > MAX_MEMBERS {
        return Err(ServiceError::invalid_field(
            "members",
            format!(
                "Thành phần Hội đồng có tối đa {MAX_MEMBERS} dòng; đã nhập {} dòng.",
                lines.len()
            ),
        ));
    }
    if let Some(long) = lines
        .iter()
        .find(|l| l.chars().count() as u64 > limit::NAME)
    {
        return Err(ServiceError::invalid_field(
            "members",
            format!(
                "Mỗi dòng thành phần Hội đồng dài tối đa {} ký tự; dòng «{}…» dài {} ký tự.",
                limit::NAME,
                long.chars().take(40).collect::<String>(),
                long.chars().count()
            ),
        ));
    }
    Ok(lines)
}

/// The Sở Nội vụ records the council's sign-off of appraisal round `n`. Refused before
/// that round's window has opened, when it is signed off already, and once published.
pub async fn sign_off(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    n: i64,
    request: SignOffRequest,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check_fields(&request)?;
    let phase = phase_of(n)?;
    let round = ctx.store.round(round_id).await?;
    if let Some(at) = round.published_at {
        return Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; biên bản thẩm định không thay đổi được nữa.",
            crate::domain::deadline::format_date(at)
        )));
    }
    let window = round.phases.get(&phase).ok_or_else(|| {
        ServiceError::NotFound(format!("thời gian thẩm định lần {n} của kỳ đánh giá này"))
    })?;
    if who.now < window.opens_at {
        return Err(ServiceError::NotYet {
            code: "appraisal_not_open",
            message: format!(
                "Thẩm định lần {n} bắt đầu lúc {} (giờ Việt Nam): Hội đồng ký biên bản sau khi đã thẩm định.",
                format_instant(window.opens_at)
            ),
        });
    }
    let typed = request.signed_on.trim();
    let signed_on = NaiveDate::parse_from_str(typed, "%d/%m/%Y").map_err(|_| {
        ServiceError::invalid_field(
            "signed_on",
            if typed.is_empty() {
                "Cần nhập ngày Hội đồng họp, ký biên bản (dd/mm/yyyy).".to_string()
            } else {
                format!("«{typed}» không phải là ngày hợp lệ; nhập dd/mm/yyyy, ví dụ 01/02/2024.")
            },
        )
    })?;
    let opened = vn_date(window.opens_at.timestamp());
    let today = vn_date(who.now.timestamp());
    if signed_on < opened || signed_on > today {
        return Err(ServiceError::invalid_field(
            "signed_on",
            format!(
                "Ngày ký biên bản phải từ ngày bắt đầu thẩm định lần {n} ({}) đến hôm nay ({}).",
                opened.format("%d/%m/%Y"),
                today.format("%d/%m/%Y")
            ),
        ));
    }
    let members = members(&request.members)?;
    let sign_off = NewSignOff {
        phase,
        signed_on,
        members: members.join("\n"),
        note: request.note.trim().to_string(),
    };
    Ok(ctx
        .store
        .sign_off(round_id, &sign_off, who.audit(), who.now)
        .await?)
}

/// The administrator withdraws a sign-off, with the reason: the appraisals of that round
/// may be written again while its window is open, and the council signs again.
pub async fn withdraw(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    n: i64,
    request: WithdrawalRequest,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check_fields(&request)?;
    let phase = phase_of(n)?;
    let reason = super::admin::required("reason", &request.reason, "lý do hủy lần ký")?;
    let round = ctx.store.round(round_id).await?;
    if let Some(at) = round.published_at {
        return Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; biên bản thẩm định không thay đổi được nữa.",
            crate::domain::deadline::format_date(at)
        )));
    }
    Ok(ctx
        .store
        .withdraw_sign_off(round_id, phase, &reason, who.audit(), who.now)
        .await?)
}

/// One appraisal round as the sign-off page shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AppraisalRoundStatus {
    /// 1 or 2.
    pub n: i64,
    /// When its window opens and closes, as people read it.
    pub opens: String,
    pub closes: String,
    /// Its window has opened: the council may sign.
    pub opened: bool,
    /// Its window is over.
    pub over: bool,
    pub sign_off: Option<crate::store::SignOff>,
    /// The members of the council that signed, a line each.
    pub members: Vec<String>,
    /// Publication needs its sign-off: the last appraisal round of the round.
    pub last: bool,
    /// Units with leaves no appraisal round has decided yet (exemptions left out).
    pub units_not_appraised: usize,
}

/// A round's appraisal rounds and their sign-offs.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SignOffs {
    pub round_id: i64,
    pub title: String,
    pub published: bool,
    pub rounds: Vec<AppraisalRoundStatus>,
}

/// Refuses anyone but administrators and viewers (the council's leaders read the minutes).
fn require_office(who: &Who) -> Result<()> {
    if matches!(who.actor.role, Role::Admin | Role::Viewer) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) và lãnh đạo mới xem được biên bản thẩm định.".into(),
        ))
    }
}

/// The sign-offs of a round's appraisal rounds, for administrators and viewers.
pub async fn status(ctx: &Context, who: &Who, round_id: i64) -> Result<SignOffs> {
    require_office(who)?;
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let signed = store.sign_offs(round_id).await?;
    let last = last_appraisal(&round);
    let mut rounds = Vec::new();
    for phase in [Phase::AppraisalRound1, Phase::AppraisalRound2] {
        let Some(w) = round.phases.get(&phase) else {
            continue;
        };
        let n = number_of(phase);
        let sign_off = signed.iter().find(|s| s.phase == phase).cloned();
        rounds.push(AppraisalRoundStatus {
            members: (sign_off.iter())
                .flat_map(|s| s.members.lines().map(str::to_string))
                .collect(),
            n,
            opens: format_instant(w.opens_at),
            closes: format_instant(w.closes_at),
            opened: who.now >= w.opens_at,
            over: who.now > w.closes_at,
            sign_off,
            last: last == Some(phase),
            units_not_appraised: units_not_appraised(store, &round, n).await?,
        });
    }
    Ok(SignOffs {
        round_id,
        title: round.title.clone(),
        published: round.published_at.is_some(),
        rounds,
    })
}

/// How many units of the round have leaves (self-scored, not exempt) that no appraisal
/// round up to `n` has decided.
async fn units_not_appraised(store: &Store, round: &Round, n: i64) -> Result<usize> {
    let decided: std::collections::BTreeSet<(i64, String)> =
        (store.appraisal_marks(round.id).await?)
            .into_iter()
            .filter(|m| m.3 && m.1 <= n)
            .map(|m| (m.0, m.2))
            .collect();
    let exemptions = store.exemptions(round.id, None).await?;
    let mut count = 0;
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        for unit in store.round_units(round.id, Some(tier.tier_id)).await? {
            let exempt: Vec<crate::store::Exemption> = (exemptions.iter())
                .filter(|e| e.unit_id == unit.id)
                .cloned()
                .collect();
            let left = set.leaves().any(|l| {
                !l.is_survey()
                    && crate::store::covering(&exempt, &l.code).is_none()
                    && !decided.contains(&(unit.id, l.code.clone()))
            });
            count += usize::from(left);
        }
    }
    Ok(count)
}

/// A leaf's score as the unit gave it.
fn own_score(entry: Option<&SelfEntry>) -> Score {
    match entry {
        Some(e) if e.not_applicable => Score::NotApplicable,
        Some(SelfEntry {
            points: Some(p), ..
        }) => Score::Points(*p),
        _ => Score::Empty,
    }
}

/// The minutes of one unit: its leaves as it scored them and as appraised up to
/// appraisal round `n` (round 2 over round 1), exempt and survey leaves left out.
fn unit_minutes(
    set: &crate::domain::CriteriaSet,
    own: &BTreeMap<String, SelfEntry>,
    appraised: &BTreeMap<(String, i64), AppraisalEntry>,
    exempt: &[crate::store::Exemption],
    n: i64,
) -> (Points, Points, Vec<ChangedLeaf>) {
    let (mut self_total, mut appraised_total, mut changed) =
        (Points::ZERO, Points::ZERO, Vec::new());
    for leaf in set.leaves() {
        if leaf.is_survey() || crate::store::covering(exempt, &leaf.code).is_some() {
            continue;
        }
        let mine = own_score(own.get(&leaf.code));
        let decided = (1..=n).rev().find_map(|r| {
            appraised
                .get(&(leaf.code.clone(), r))
                .filter(|a| a.points.is_some() || a.not_applicable)
        });
        let theirs = match decided {
            Some(a) if a.not_applicable => Score::NotApplicable,
            Some(a) => Score::Points(a.points.unwrap_or_default()),
            None => mine,
        };
        if mine != Score::NotApplicable {
            self_total = self_total + mine.counted();
        }
        if theirs != Score::NotApplicable {
            appraised_total = appraised_total + theirs.counted();
        }
        if let Some(a) = decided
            && theirs != mine
        {
            let own_input = own.get(&leaf.code).and_then(|e| e.input);
            let figures = crate::domain::criteria::corrected_figures(own_input, a.input).map(|f| {
                let unit = own_input.and_then(|i| i.figures()).unwrap_or("—".into());
                format!("đơn vị {unit}, thẩm định {f}")
            });
            changed.push(ChangedLeaf {
                code: leaf.code.clone(),
                text: leaf.text.clone(),
                self_score: mine,
                appraised: theirs,
                figures,
                comment: a.comment.clone(),
            });
        }
    }
    (self_total, appraised_total, changed)
}

/// Units read at a time for the minutes: a national round's are written chunk by chunk.
const CHUNK: usize = 200;

/// The minutes of appraisal round `n`, for administrators and viewers: signed, or a
/// draft until the council signs.
pub async fn minutes(ctx: &Context, who: &Who, round_id: i64, n: i64) -> Result<Minutes> {
    require_office(who)?;
    let phase = phase_of(n)?;
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    if !round.phases.contains_key(&phase) {
        return Err(ServiceError::NotFound(format!(
            "thời gian thẩm định lần {n} của kỳ đánh giá này"
        )));
    }
    let signed = store
        .sign_offs(round_id)
        .await?
        .into_iter()
        .find(|s| s.phase == phase)
        .map(|s| Council {
            signed_on: s.signed_on,
            members: s.members.lines().map(Member::parse).collect(),
            note: s.note,
        });
    let submitted = store.submissions(round_id).await?;
    let exemptions = store.exemptions(round_id, None).await?;
    let mut tiers = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let mut units = store.round_units(round_id, Some(tier.tier_id)).await?;
        sort_vi(&mut units, |u| &u.name);
        let mut lines = Vec::with_capacity(units.len());
        for chunk in units.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().map(|u| u.id).collect();
            let own = store.round_self_entries(round_id, &ids).await?;
            let appraised = store.round_appraisal_entries(round_id, &ids).await?;
            for unit in chunk {
                let exempt: Vec<crate::store::Exemption> = (exemptions.iter())
                    .filter(|e| e.unit_id == unit.id)
                    .cloned()
                    .collect();
                let (self_total, appraised_total, changed) = unit_minutes(
                    &set,
                    own.get(&unit.id).unwrap_or(&BTreeMap::new()),
                    appraised.get(&unit.id).unwrap_or(&BTreeMap::new()),
                    &exempt,
                    n,
                );
                lines.push(MinutesUnit {
                    unit_id: unit.id,
                    unit_code: unit.code.clone(),
                    unit_name: unit.name.clone(),
                    not_submitted: !submitted.contains_key(&unit.id),
                    self_total,
                    appraised_total,
                    difference: appraised_total - self_total,
                    changed,
                });
            }
        }
        tiers.push(MinutesTier {
            tier_name: tier.tier_name.clone(),
            units: lines,
        });
    }
    Ok(Minutes {
        round_id,
        year: round.year,
        title: round.title.clone(),
        appraisal_round: n,
        signed,
        tiers,
    })
}
