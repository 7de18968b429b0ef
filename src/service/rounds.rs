//! A round's life as the administrator runs it: created, its phases moved, extensions and
//! reopenings granted to single units, its results published. Every rule of these is here.

use chrono::{DateTime, Utc};

use crate::domain::deadline::{
    OverrideKind, Phase, Window, WindowEnd, WindowRefusal, check_windows, format_instant,
    parse_deadline_or_explain, parse_opening_or_explain,
};
use crate::store::{NewOverride, Round};

use super::access::ensure_opened;
use super::progress::{UnitProgress, round_progress};
use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::text::{limit, one_line};
use validator::Validate;

/// A new round as the administrator describes it; dates the Vietnamese way.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema, Validate)]
pub struct RoundSpec {
    pub year: i64,
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub title: String,
    #[serde(default)]
    pub tie_break: crate::domain::results::TieBreak,
    #[validate(nested)]
    pub sets: Vec<SetPin>,
    #[validate(nested)]
    pub phases: Vec<PhaseSpec>,
    #[serde(default)]
    #[validate(nested)]
    pub bands: Vec<BandSpec>,
    /// Opened to units at once (the default); false keeps it in preparation, invisible to
    /// units, until `POST /api/rounds/{round}/open`.
    #[serde(default = "opened_by_default")]
    pub open: bool,
    /// The round this one is copied from, if any: its exemptions (giảm tiêu chí) are
    /// copied for the units this round also evaluates and the nodes its sets still have.
    #[serde(default)]
    pub copied_from: Option<i64>,
}

fn opened_by_default() -> bool {
    true
}

#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema, Validate)]
pub struct SetPin {
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: String,
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub set_code: String,
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub set_version: String,
}

#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema, Validate)]
pub struct PhaseSpec {
    pub phase: crate::domain::deadline::Phase,
    /// "01/12/2023" (start of that day) or "01/12/2023 08:00", Vietnam time.
    #[schema(
        max_length = 64,
        pattern = r"^(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{4}( ([01][0-9]|2[0-3]):[0-5][0-9])?$"
    )]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub opens: String,
    /// "07/01/2024" (end of that day) or "07/01/2024 17:00", Vietnam time.
    #[schema(
        max_length = 64,
        pattern = r"^(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{4}( ([01][0-9]|2[0-3]):[0-5][0-9])?$"
    )]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub closes: String,
}

#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema, Validate)]
pub struct BandSpec {
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: String,
    #[schema(max_length = 255, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub label: String,
    pub min_index: crate::domain::Percent,
}

/// The window a person typed: dates that parse (their order is [`ordered`]'s to check).
fn window(spec: &PhaseSpec) -> Result<Window> {
    Ok(Window {
        opens_at: parse_opening_or_explain(&spec.opens)
            .map_err(|m| ServiceError::invalid_field("opens", m))?,
        closes_at: parse_deadline_or_explain(&spec.closes)
            .map_err(|m| ServiceError::invalid_field("closes", m))?,
    })
}

/// A refusal about one end of `phase`'s window among a new round's phases, its field
/// naming the phase (`phases[appraisal_round1].closes`): they all come in one request.
fn in_phase(e: ServiceError, phase: Phase) -> ServiceError {
    let ServiceError::Rejected {
        code,
        field: Some(end),
        message,
    } = e
    else {
        return e;
    };
    let field = match (phase, end) {
        (Phase::SelfAssessment, "opens") => "phases[self_assessment].opens",
        (Phase::SelfAssessment, _) => "phases[self_assessment].closes",
        (Phase::AppraisalRound1, "opens") => "phases[appraisal_round1].opens",
        (Phase::AppraisalRound1, _) => "phases[appraisal_round1].closes",
        (Phase::Explanation, "opens") => "phases[explanation].opens",
        (Phase::Explanation, _) => "phases[explanation].closes",
        (Phase::AppraisalRound2, "opens") => "phases[appraisal_round2].opens",
        (Phase::AppraisalRound2, _) => "phases[appraisal_round2].closes",
    };
    ServiceError::Rejected {
        code,
        field: Some(field),
        message,
    }
}

/// The round's windows with `phase` moved to `w`, checked: each ends after it opens, and
/// the phases follow one another (see [`check_windows`]); a refusal names both phases.
fn ordered(round: &Round, phase: Phase, w: Window) -> Result<()> {
    let mut windows = round.phases.clone();
    windows.insert(phase, w);
    check_windows(&windows, Some(phase)).map_err(refused)
}

fn refused(r: WindowRefusal) -> ServiceError {
    ServiceError::Rejected {
        code: r.code,
        field: Some(match r.end {
            WindowEnd::Opens => "opens",
            WindowEnd::Closes => "closes",
        }),
        message: r.message,
    }
}

/// Creates a round; the set versions it pins are published from then on.
pub async fn create_round(ctx: &Context, who: &Who, spec: RoundSpec) -> Result<i64> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    super::check_fields(&spec)?;
    let title = super::admin::required("title", &spec.title, "tên kỳ đánh giá")?;
    let mut sets: Vec<(String, i64)> = Vec::new();
    for pin in &spec.sets {
        if sets
            .iter()
            .any(|(tier, _)| tier.eq_ignore_ascii_case(pin.tier_code.trim()))
        {
            return Err(ServiceError::Invalid(format!(
                "Khối «{}» được chọn hai lần; mỗi khối một bộ tiêu chí.",
                pin.tier_code.trim()
            )));
        }
        let stored = store
            .criteria_set_by_version(&pin.set_code, &pin.set_version)
            .await?;
        sets.push((pin.tier_code.trim().to_string(), stored.id));
    }
    let mut phases = Vec::new();
    for p in &spec.phases {
        if phases.iter().any(|(phase, _)| *phase == p.phase) {
            return Err(ServiceError::Invalid(format!(
                "Thời gian {} được nhập hai lần.",
                p.phase.activity()
            )));
        }
        phases.push((p.phase, window(p).map_err(|e| in_phase(e, p.phase))?));
    }
    check_windows(&phases.iter().copied().collect(), None).map_err(|r| {
        let phase = r.phase;
        in_phase(refused(r), phase)
    })?;
    let mut bands: Vec<(String, Vec<crate::domain::results::Band>)> = Vec::new();
    for b in &spec.bands {
        let band = crate::domain::results::Band {
            label: b.label.trim().to_string(),
            min_index: b.min_index,
        };
        match bands.iter_mut().find(|(t, _)| *t == b.tier_code) {
            Some((_, list)) => list.push(band),
            None => bands.push((b.tier_code.clone(), vec![band])),
        }
    }
    let round = crate::store::NewRound {
        year: spec.year,
        title,
        tie_break: spec.tie_break,
        sets,
        phases,
        bands,
        opened: spec.open,
        copied_from: spec.copied_from,
    };
    Ok(store.create_round(&round, who.audit(), who.now).await?)
}

/// A round as `who` may see it: every round for administrators, those opened to units for
/// everyone else (a round in preparation is «not found» to them).
pub async fn round(ctx: &Context, who: &Who, round_id: i64) -> Result<Round> {
    let round = ctx.store.round(round_id).await?;
    ensure_opened(&round, &who.actor)?;
    Ok(round)
}

/// Opens a round in preparation to units: from now on they see it, within its phases.
pub async fn open_round(ctx: &Context, who: &Who, round_id: i64) -> Result<()> {
    require_admin(&who.actor)?;
    if !ctx.store.open_round(round_id, who.audit(), who.now).await? {
        ctx.store.round(round_id).await?;
        return Err(ServiceError::Conflict(
            "Kỳ đánh giá đã mở cho các đơn vị.".into(),
        ));
    }
    Ok(())
}

/// Moves a phase's window for everyone (per-unit changes are extensions and reopenings).
pub async fn set_phase(ctx: &Context, who: &Who, round_id: i64, spec: PhaseSpec) -> Result<()> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&spec)?;
    let w = window(&spec)?;
    let round = store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể đổi thời gian.".into(),
        ));
    }
    ordered(&round, spec.phase, w)?;
    Ok(store
        .set_phase(round_id, spec.phase, w, who.audit(), who.now)
        .await?)
}

/// What moving a phase's window to `spec` would change for each unit; nothing is saved.
pub async fn preview_phase(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    spec: PhaseSpec,
) -> Result<super::round_setup::PhasePreview> {
    require_admin(&who.actor)?;
    super::check(&spec)?;
    let w = window(&spec)?;
    ordered(&ctx.store.round(round_id).await?, spec.phase, w)?;
    super::round_setup::phase_preview(ctx, who, round_id, spec.phase, w).await
}

/// How an administrator publishes: having confirmed, and whether the phases still open
/// are closed now as part of it.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishOptions {
    /// The administrator has read the checklist and publishes.
    #[serde(default)]
    pub confirm: bool,
    /// Close every phase not yet over (its end moved to now) and publish.
    #[serde(default)]
    pub close_open_phases: bool,
    /// Show the results on the public pages (`/cong-khai`, no sign-in) from publication on;
    /// otherwise they stay hidden until `PUT /api/rounds/{round}/public` shows them.
    #[serde(default)]
    pub public: bool,
}

/// A phase not yet over.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PhaseNotOver {
    pub phase: Phase,
    pub name: &'static str,
    /// When it ends, dd/mm/yyyy hh:mm, Vietnam time.
    pub closes: String,
}

/// A unit and how many of something it has (leaves not appraised, questions unanswered).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnitCount {
    pub unit_id: i64,
    pub unit_name: String,
    pub count: usize,
}

/// What the administrator checks before publishing a round.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicationCheck {
    pub published_at: Option<DateTime<Utc>>,
    /// Phases whose window has not ended: publishing closes them, or is refused.
    pub phases_not_over: Vec<PhaseNotOver>,
    /// Units that never submitted their self-assessment.
    pub not_submitted: Vec<UnitCount>,
    /// Units with leaves (not scored by survey) that no appraisal round scored.
    pub not_appraised: Vec<UnitCount>,
    /// Units with explanation requests they have not answered.
    pub unanswered: Vec<UnitCount>,
    /// The council's sign-off publication needs (of the last appraisal round held); none
    /// for a round without appraisal.
    pub sign_off: Option<SignOffCheck>,
}

/// The sign-off of the last appraisal round, and whether it is given.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SignOffCheck {
    /// 1 or 2.
    pub appraisal_round: i64,
    /// The day the council signed (dd/mm/yyyy); none: not signed off, publication is
    /// refused (409 `not_signed_off`).
    pub signed_on: Option<String>,
}

/// The checklist of a round's publication, for administrators.
pub async fn publication_check(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<PublicationCheck> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let phases_not_over = Phase::ALL
        .iter()
        .filter_map(|p| round.phases.get(p).map(|w| (*p, w)))
        .filter(|(_, w)| w.closes_at >= who.now)
        .map(|(phase, w)| PhaseNotOver {
            phase,
            name: phase.activity(),
            closes: crate::domain::deadline::format_instant(w.closes_at),
        })
        .collect();
    let submitted = store.submissions(round_id).await?;
    let (mut not_submitted, mut not_appraised, mut unanswered) =
        (Vec::new(), Vec::new(), Vec::new());
    for unit in round_progress(ctx, who, round_id).await? {
        let count = |count: usize| UnitCount {
            unit_id: unit.unit_id,
            unit_name: unit.unit_name.clone(),
            count,
        };
        if !submitted.contains_key(&unit.unit_id) {
            not_submitted.push(count(0));
        }
        let tier = round.tiers.iter().find(|t| t.tier_name == unit.tier_name);
        if let Some(tier) = tier {
            let set = store.criteria_set(tier.set_id).await?.set;
            let appraised = store.appraisal_entries(round_id, unit.unit_id).await?;
            let exempt = store.exemptions(round_id, Some(unit.unit_id)).await?;
            let missing = set
                .leaves()
                .filter(|n| !n.is_survey() && crate::store::covering(&exempt, &n.code).is_none())
                .filter(|n| !(1..=2).any(|r| appraised.contains_key(&(n.code.clone(), r))))
                .count();
            if missing > 0 {
                not_appraised.push(count(missing));
            }
        }
        let answers = store.explanations(round_id, unit.unit_id).await?;
        let open_questions = store
            .explanation_requests(round_id, unit.unit_id)
            .await?
            .iter()
            .filter(|leaf| answers.get(*leaf).is_none_or(|a| a.trim().is_empty()))
            .count();
        if open_questions > 0 {
            unanswered.push(count(open_questions));
        }
    }
    let signed = store.sign_offs(round_id).await?;
    let sign_off = super::sign_off::last_appraisal(&round).map(|phase| SignOffCheck {
        appraisal_round: if phase == Phase::AppraisalRound2 {
            2
        } else {
            1
        },
        signed_on: (signed.iter())
            .find(|s| s.phase == phase)
            .map(|s| s.signed_on.format("%d/%m/%Y").to_string()),
    });
    Ok(PublicationCheck {
        published_at: round.published_at,
        phases_not_over,
        not_submitted,
        not_appraised,
        unanswered,
        sign_off,
    })
}

/// Publishes a round's results (công bố), for administrators, once they confirm having
/// read the checklist ([`publication_check`]) and the council has signed off the last
/// appraisal round (else 409 `not_signed_off`). While a phase is not over the publication
/// is refused, unless `close_open_phases` closes them now. Publishing twice keeps the
/// first date.
pub async fn publish(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    options: PublishOptions,
) -> Result<()> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let check = publication_check(ctx, who, round_id).await?;
    if check.published_at.is_none() {
        if !options.confirm {
            return Err(ServiceError::Unconfirmed {
                code: "not_confirmed",
                message: "Công bố kết quả cần xác nhận: hãy xem danh sách kiểm tra trước khi công bố rồi xác nhận.".into(),
            });
        }
        if !check.phases_not_over.is_empty() && !options.close_open_phases {
            let names: Vec<String> = check
                .phases_not_over
                .iter()
                .map(|p| format!("{} (đến {})", p.name, p.closes))
                .collect();
            return Err(ServiceError::Conflict(format!(
                "Chưa thể công bố: còn giai đoạn chưa kết thúc: {}. Hãy đóng các giai đoạn này (chọn «Đóng các giai đoạn còn mở và công bố») hoặc chờ đến khi kết thúc.",
                names.join("; ")
            )));
        }
        ensure_signed_off(&check)?;
        let closes_at = who.now - chrono::Duration::seconds(1);
        for p in &check.phases_not_over {
            let opens_at = round_window(store, round_id, p.phase)
                .await?
                .map_or(closes_at, |w| w.opens_at)
                .min(closes_at - chrono::Duration::seconds(1));
            store
                .set_phase(
                    round_id,
                    p.phase,
                    Window {
                        opens_at,
                        closes_at,
                    },
                    who.audit(),
                    who.now,
                )
                .await?;
        }
    }
    let results = async || {
        super::results::as_published(store, round_id, who.now)
            .await
            .map_err(|e| crate::store::StoreError::Snapshot(e.to_string()))
    };
    let last = super::sign_off::last_appraisal(&store.round(round_id).await?);
    store
        .publish_round((round_id, last), who.audit(), who.now, results)
        .await?;
    // Shown on the public pages from now on, when chosen with this publication.
    if check.published_at.is_none() && options.public {
        store
            .set_round_public(round_id, true, who.audit(), who.now)
            .await?;
    }
    ctx.shown.forget();
    super::notices::results_published(ctx, who, round_id).await;
    Ok(())
}

/// Refuses a publication before the council's sign-off of the last appraisal round
/// (409 `not_signed_off`); checked before any phase is closed for it, so a refused
/// publication changes nothing, and again inside the publication's transaction.
fn ensure_signed_off(check: &PublicationCheck) -> Result<()> {
    match check.sign_off {
        Some(SignOffCheck {
            appraisal_round,
            signed_on: None,
        }) => Err(
            crate::store::StoreError::Refused(crate::store::Refusal::NotSignedOff {
                phase: super::scores::appraisal_phase(appraisal_round),
            })
            .into(),
        ),
        _ => Ok(()),
    }
}

async fn round_window(
    store: &crate::store::Store,
    round_id: i64,
    phase: Phase,
) -> Result<Option<Window>> {
    Ok(store.round(round_id).await?.phases.get(&phase).copied())
}

/// Grants one unit an extension (gia hạn) or a reopening (mở lại) of a phase. A reason is
/// required, the new deadline must lie ahead, an extension must end after the phase does,
/// and nothing changes once the results are published.
pub async fn grant_override(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    grant: NewOverride,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check(&grant)?;
    let reason = grant.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ServiceError::Invalid(
            "Cần ghi rõ lý do gia hạn hoặc mở lại.".into(),
        ));
    }
    if grant.until <= who.now {
        return Err(ServiceError::Invalid(format!(
            "Hạn mới ({}) phải sau thời điểm hiện tại.",
            format_instant(grant.until)
        )));
    }
    let round = ctx.store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể gia hạn hay mở lại.".into(),
        ));
    }
    if let (OverrideKind::Extension, Some(w)) = (grant.kind, round.phases.get(&grant.phase))
        && grant.until <= w.closes_at
    {
        return Err(ServiceError::Invalid(format!(
            "Hạn gia hạn ({}) phải sau hạn chót chung ({}).",
            format_instant(grant.until),
            format_instant(w.closes_at)
        )));
    }
    let grant = NewOverride { reason, ..grant };
    ctx.store
        .grant_override(round_id, unit_id, &grant, who.audit(), who.now)
        .await?;
    super::notices::override_granted(ctx, round_id, unit_id, &grant, who.now).await;
    Ok(())
}

/// Every round (id, year, title), newest first: all of them for administrators, those
/// opened to units for everyone else.
pub async fn list(ctx: &Context, who: &Who) -> Result<Vec<(i64, i64, String)>> {
    if who.actor.is_admin() {
        Ok(ctx.store.rounds().await?)
    } else {
        Ok(ctx.store.opened_rounds().await?)
    }
}

/// The appraisal round (1 or 2) whose window is open at `now`, if any.
pub fn open_appraisal_round(round: &Round, now: DateTime<Utc>) -> Option<i64> {
    [(1, Phase::AppraisalRound1), (2, Phase::AppraisalRound2)]
        .into_iter()
        .find(|(_, p)| round.phases.get(p).is_some_and(|w| w.contains(now)))
        .map(|(n, _)| n)
}

/// The round and every unit's progress, for the administrator's page of the round.
pub async fn overview(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<(Round, Vec<UnitProgress>)> {
    require_admin(&who.actor)?;
    let round = ctx.store.round(round_id).await?;
    let progress = round_progress(ctx, who, round_id).await?;
    Ok((round, progress))
}
