//! Exemptions (giảm tiêu chí đánh giá): the administrator exempts a unit of a round from
//! an area, a criterion or a leaf of its criteria set, with the reason the province's guide
//! gives. Every leaf under the node then counts as not applicable for the unit (out of its
//! points and its maximum, see [`crate::store::Store::unit_scores`]); the unit cannot score
//! it, nor an appraiser appraise it. Exemptions change until the self-assessment closes
//! (afterwards only for a unit whose self-assessment is reopened or extended), never after
//! publication, each change audited; a round copied from another copies them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access::self_assessment_access_at;
use super::members::open_to_changes;
use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::collation::compare_vi;
use crate::domain::deadline::{Phase, format_instant};
use crate::domain::text::{limit, multiline, one_line};
use crate::domain::{CriteriaSet, Points};
use crate::store::{ExemptionChange, Round};

/// An administrator's exemption of one unit from one node.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct ExemptionRequest {
    pub unit_id: i64,
    /// The node: an area («3»), a criterion («7.3») or a leaf («1.2.1»).
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub node_code: String,
    /// Why, as the province's guide says (required).
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
}

/// Taking an exemption back: why (required).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct RemovalRequest {
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
}

/// Refuses a change of `unit_id`'s exemptions in `round` at `now`: after publication
/// never; once the self-assessment has closed, only while the unit's own self-assessment
/// is open again (a reopening or an extension).
async fn ensure_changeable(
    ctx: &Context,
    round: &Round,
    unit_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(at) = round.published_at {
        return Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; giảm tiêu chí không thay đổi được nữa.",
            crate::domain::deadline::format_date(at)
        )));
    }
    // As the round's members: in preparation, or its self-assessment not closed.
    if open_to_changes(round, now) {
        return Ok(());
    }
    if self_assessment_access_at(&ctx.store, round, unit_id, now)
        .await?
        .open
    {
        return Ok(());
    }
    let closed = round
        .phases
        .get(&Phase::SelfAssessment)
        .map(|w| format_instant(w.closes_at))
        .unwrap_or_default();
    Err(ServiceError::Locked(format!(
        "Thời gian tự chấm điểm đã kết thúc lúc {closed}: chỉ thay đổi giảm tiêu chí của đơn vị \
         khi đơn vị được mở lại hoặc gia hạn tự chấm điểm."
    )))
}

/// The set `unit_id` is scored on in `round`, or the refusal saying it is not a member.
async fn member_set(
    ctx: &Context,
    round: &Round,
    unit_id: i64,
) -> Result<(crate::store::Unit, std::sync::Arc<CriteriaSet>)> {
    let unit = ctx.store.unit(unit_id).await?;
    let tier = ctx
        .store
        .member_tier(round.id, unit_id)
        .await?
        .and_then(|id| round.tiers.iter().find(|t| t.tier_id == id))
        .ok_or_else(|| {
            ServiceError::invalid_field(
                "unit_id",
                format!("{} không tham gia kỳ đánh giá này.", unit.name),
            )
        })?;
    Ok((unit, ctx.store.criteria_set(tier.set_id).await?.set))
}

/// Exempts a unit from a node (or changes the reason of an exemption).
pub async fn set(ctx: &Context, who: &Who, round_id: i64, request: ExemptionRequest) -> Result<()> {
    require_admin(&who.actor)?;
    super::check_fields(&request)?;
    let reason = super::admin::required("reason", &request.reason, "lý do giảm tiêu chí")?;
    let round = ctx.store.round(round_id).await?;
    let (unit, set) = member_set(ctx, &round, request.unit_id).await?;
    let code = request.node_code.trim();
    let node = set.node(code).ok_or_else(|| {
        ServiceError::invalid_field(
            "node_code",
            if code.is_empty() {
                "Cần chọn tiêu chí được giảm.".to_string()
            } else {
                format!(
                    "Bộ tiêu chí {} {} không có tiêu chí «{code}».",
                    set.code, set.version
                )
            },
        )
    })?;
    ensure_changeable(ctx, &round, unit.id, who.now).await?;
    let existing = ctx.store.exemptions(round_id, Some(unit.id)).await?;
    if let Some(above) = existing
        .iter()
        .find(|e| e.node_code != node.code && crate::store::covers(&e.node_code, &node.code))
    {
        return Err(ServiceError::Conflict(format!(
            "{} đã được giảm tiêu chí {}, gồm cả {}.",
            unit.name, above.node_code, node.code
        )));
    }
    // Exemptions below it are part of it from now on: taken back in the same transaction,
    // so the list never holds a leaf and its area both.
    let mut changes = vec![(unit.id, node.code.clone(), ExemptionChange::Set { reason })];
    changes.extend(
        (existing.iter())
            .filter(|e| e.node_code != node.code && crate::store::covers(&node.code, &e.node_code))
            .map(|e| (unit.id, e.node_code.clone(), ExemptionChange::Remove)),
    );
    let audit = crate::store::NewAudit {
        new_value: Some(format!("gộp vào giảm {}", node.code)),
        ..who.audit()
    };
    ctx.store
        .change_exemptions(round_id, &changes, audit, who.now)
        .await?;
    Ok(())
}

/// Takes an exemption back: the unit is evaluated on the node again.
pub async fn remove(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    node_code: &str,
    request: RemovalRequest,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check_fields(&request)?;
    let reason = super::admin::required("reason", &request.reason, "lý do bỏ giảm tiêu chí")?;
    let round = ctx.store.round(round_id).await?;
    let unit = ctx.store.unit(unit_id).await?;
    let exists = ctx
        .store
        .exemptions(round_id, Some(unit_id))
        .await?
        .into_iter()
        .any(|e| e.node_code == node_code);
    if !exists {
        return Err(ServiceError::NotFound(format!(
            "giảm tiêu chí {node_code} của {}",
            unit.name
        )));
    }
    ensure_changeable(ctx, &round, unit_id, who.now).await?;
    let audit = crate::store::NewAudit {
        new_value: Some(format!("lý do bỏ giảm: {reason}")),
        ..who.audit()
    };
    let change = (unit_id, node_code.to_string(), ExemptionChange::Remove);
    ctx.store
        .change_exemptions(round_id, &[change], audit, who.now)
        .await?;
    Ok(())
}

/// One exemption as the administrator's page and the API list it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExemptionLine {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub tier_name: String,
    pub node_code: String,
    pub node_text: String,
    /// The points taken out of the unit's maximum (the node's maximum).
    pub max: Points,
    pub reason: String,
    /// When it was set, as people read it.
    pub set_at: String,
    /// It may still be taken back or changed now.
    pub changeable: bool,
}

/// `text` cut to `chars` characters at a word, with «…» where it was cut.
pub(crate) fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(chars).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':', ' ']))
}

/// A node that may be chosen for an exemption, as the form lists it (its text shortened
/// to fit a list).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NodeChoice {
    pub code: String,
    pub text: String,
    pub depth: usize,
    pub max: Points,
}

/// A tier of the round: its units and the nodes of its set.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TierChoices {
    pub tier_code: String,
    pub tier_name: String,
    pub set: String,
    /// (unit id, code, name), in Vietnamese order.
    pub units: Vec<(i64, String, String)>,
    pub nodes: Vec<NodeChoice>,
}

/// A round's exemptions and what the form may choose from.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Exemptions {
    pub round_id: i64,
    pub title: String,
    pub published: bool,
    /// Every unit's exemptions may change now (see [`open_to_changes`]).
    pub open: bool,
    /// When the self-assessment closes (or closed), as people read it.
    pub self_assessment_closes: Option<String>,
    pub lines: Vec<ExemptionLine>,
    pub tiers: Vec<TierChoices>,
}

/// The exemptions of a round, for administrators and viewers (lãnh đạo).
pub async fn list(ctx: &Context, who: &Who, round_id: i64) -> Result<Exemptions> {
    use crate::domain::access::Role;
    if !matches!(who.actor.role, Role::Admin | Role::Viewer) {
        return Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) và lãnh đạo mới xem được danh sách giảm tiêu chí.".into(),
        ));
    }
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let open = open_to_changes(&round, who.now);
    let exemptions = store.exemptions(round_id, None).await?;
    let mut tiers = Vec::with_capacity(round.tiers.len());
    let mut lines = Vec::with_capacity(exemptions.len());
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let mut units = store.round_units(round_id, Some(tier.tier_id)).await?;
        crate::domain::collation::sort_vi(&mut units, |u| &u.name);
        for unit in &units {
            for e in exemptions.iter().filter(|e| e.unit_id == unit.id) {
                let changeable = round.published_at.is_none()
                    && (open
                        || self_assessment_access_at(store, &round, unit.id, who.now)
                            .await?
                            .open);
                let node = set.node(&e.node_code);
                lines.push(ExemptionLine {
                    unit_id: unit.id,
                    unit_code: unit.code.clone(),
                    unit_name: unit.name.clone(),
                    tier_name: tier.tier_name.clone(),
                    node_code: e.node_code.clone(),
                    node_text: node.map(|n| n.text.clone()).unwrap_or_default(),
                    max: node.map(|n| n.max).unwrap_or_default(),
                    reason: e.reason.clone(),
                    set_at: format_instant(e.set_at),
                    changeable,
                });
            }
        }
        tiers.push(TierChoices {
            tier_code: tier.tier_code.clone(),
            tier_name: tier.tier_name.clone(),
            set: format!("{} {}", set.code, set.version),
            units: units.into_iter().map(|u| (u.id, u.code, u.name)).collect(),
            nodes: set
                .nodes
                .iter()
                .map(|n| NodeChoice {
                    code: n.code.clone(),
                    text: shortened(&n.text, 90),
                    depth: n.depth(),
                    max: n.max,
                })
                .collect(),
        });
    }
    lines.sort_by(|a, b| {
        compare_vi(&a.unit_name, &b.unit_name).then_with(|| a.node_code.cmp(&b.node_code))
    });
    Ok(Exemptions {
        round_id,
        title: round.title.clone(),
        published: round.published_at.is_some(),
        open,
        self_assessment_closes: round
            .phases
            .get(&Phase::SelfAssessment)
            .map(|w| format_instant(w.closes_at)),
        lines,
        tiers,
    })
}

/// One exemption an imported file sets: new, or with a new reason.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportedExemption {
    /// The row of the file, as Excel numbers it.
    pub row: usize,
    pub unit_code: String,
    pub unit_name: String,
    pub node_code: String,
    pub node_text: String,
    /// The reason recorded before; none for a new exemption.
    pub old_reason: Option<String>,
    pub reason: String,
}

/// What an exemptions workbook does (or, on a dry run, would do).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExemptionImport {
    /// True when nothing was written (Kiểm tra trước).
    pub dry_run: bool,
    pub changes: Vec<ImportedExemption>,
    /// Rows that say what is recorded already.
    pub unchanged: usize,
}

/// The round's units as the import reads them, by code in capitals.
async fn import_units(
    ctx: &Context,
    round: &Round,
) -> Result<std::collections::HashMap<String, crate::excel::exemption_import::ImportUnit>> {
    let mut units = std::collections::HashMap::new();
    for tier in &round.tiers {
        let set = ctx.store.criteria_set(tier.set_id).await?.set;
        for u in ctx.store.round_units(round.id, Some(tier.tier_id)).await? {
            let unit = crate::excel::exemption_import::ImportUnit {
                id: u.id,
                code: u.code.clone(),
                name: u.name,
                set: set.clone(),
            };
            units.insert(u.code.to_uppercase(), unit);
        }
    }
    Ok(units)
}

/// Checks an exemptions workbook (sheet «Giảm tiêu chí»: unit code, node code, reason);
/// unless `dry_run`, sets every exemption it lists in one transaction, each audited. Rows
/// for exemptions already recorded with the same reason change nothing; exemptions the
/// file does not list stay. Every row is checked as the form checks one, and the file is
/// refused with every problem listed.
pub async fn import(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<ExemptionImport> {
    require_admin(&who.actor)?;
    let round = ctx.store.round(round_id).await?;
    if let Some(at) = round.published_at {
        return Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; giảm tiêu chí không thay đổi được nữa.",
            crate::domain::deadline::format_date(at)
        )));
    }
    let units = import_units(ctx, &round).await?;
    let rows =
        tokio::task::spawn_blocking(move || crate::excel::exemption_import::read(&bytes, &units))
            .await
            .map_err(|e| ServiceError::Internal(format!("import task: {e}")))?
            .map_err(|problems| ServiceError::Invalid(super::imports::problem_list(&problems)))?;
    let existing = ctx.store.exemptions(round_id, None).await?;
    let (mut changes, mut unchanged, mut problems) = (Vec::new(), 0, Vec::new());
    for row in &rows {
        let old = existing
            .iter()
            .find(|e| e.unit_id == row.unit_id && e.node_code == row.node_code);
        if old.is_some_and(|e| e.reason == row.reason) {
            unchanged += 1;
            continue;
        }
        // A node above it exempt already, recorded or in the same file.
        let above = existing
            .iter()
            .filter(|e| e.unit_id == row.unit_id)
            .map(|e| e.node_code.as_str())
            .chain(
                rows.iter()
                    .filter(|r| r.unit_id == row.unit_id)
                    .map(|r| r.node_code.as_str()),
            )
            .find(|n| *n != row.node_code && crate::store::covers(n, &row.node_code));
        if let Some(above) = above {
            problems.push(format!(
                "Dòng {}: {} được giảm tiêu chí {above}, gồm cả {}; bỏ dòng này.",
                row.row, row.unit_name, row.node_code
            ));
            continue;
        }
        if let Err(e) = ensure_changeable(ctx, &round, row.unit_id, who.now).await {
            problems.push(format!("Dòng {} ({}): {e}", row.row, row.unit_name));
            continue;
        }
        changes.push(ImportedExemption {
            row: row.row,
            unit_code: row.unit_code.clone(),
            unit_name: row.unit_name.clone(),
            node_code: row.node_code.clone(),
            node_text: row.node_text.clone(),
            old_reason: old.map(|e| e.reason.clone()),
            reason: row.reason.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(super::imports::problem_list(
            &problems,
        )));
    }
    if !dry_run && !changes.is_empty() {
        let writes: Vec<(i64, String, ExemptionChange)> = rows
            .iter()
            .filter(|r| changes.iter().any(|c| c.row == r.row))
            .map(|r| {
                let set = ExemptionChange::Set {
                    reason: r.reason.clone(),
                };
                (r.unit_id, r.node_code.clone(), set)
            })
            .collect();
        ctx.store
            .change_exemptions(round_id, &writes, who.audit(), who.now)
            .await?;
    }
    Ok(ExemptionImport {
        dry_run,
        changes,
        unchanged,
    })
}

/// The round's exemptions as the import's template lists them.
pub async fn template_rows(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<Vec<crate::excel::exemption_import::ExemptionRow>> {
    let view = list(ctx, who, round_id).await?;
    Ok(view
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| crate::excel::exemption_import::ExemptionRow {
            row: i + 2,
            unit_id: l.unit_id,
            unit_code: l.unit_code,
            unit_name: l.unit_name,
            node_code: l.node_code,
            node_text: l.node_text,
            reason: l.reason,
        })
        .collect())
}
