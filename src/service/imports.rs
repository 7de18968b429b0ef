//! Imports from Excel. Each has a template, a dry run that shows what would change, and
//! all-or-nothing writes: an invalid file changes nothing.

use std::collections::HashMap;

use serde::Serialize;

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::Points;
use crate::excel::survey_import::{self, ImportUnit};
use crate::store::Store;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyChange {
    pub unit_code: String,
    pub unit_name: String,
    pub leaf_code: String,
    pub old: Option<Points>,
    pub new: Points,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// True when nothing was written (Kiểm tra trước).
    pub dry_run: bool,
    pub changes: Vec<SurveyChange>,
}

/// The units of a round with their survey leaves, by unit code.
async fn round_units(store: &Store, round_id: i64) -> Result<Vec<(String, ImportUnit)>> {
    let round = store.round(round_id).await?;
    let stored = store.survey_scores(round_id).await?;
    let mut out = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let survey_leaves: std::collections::BTreeMap<String, Points> = set
            .leaves()
            .filter(|n| n.is_survey())
            .map(|n| (n.code.clone(), n.max))
            .collect();
        let leaf_texts: std::collections::BTreeMap<String, String> = set
            .leaves()
            .filter(|n| n.is_survey())
            .map(|n| (n.code.clone(), n.text.clone()))
            .collect();
        let mut units = store.round_units(round_id, Some(tier.tier_id)).await?;
        crate::domain::collation::sort_vi(&mut units, |u| &u.name);
        for u in units {
            out.push((
                u.code.clone(),
                ImportUnit {
                    scores: stored
                        .range((u.id, String::new())..)
                        .take_while(|((unit, _), _)| *unit == u.id)
                        .map(|((_, leaf), p)| (leaf.clone(), *p))
                        .collect(),
                    id: u.id,
                    name: u.name,
                    survey_leaves: survey_leaves.clone(),
                    tier_name: tier.tier_name.clone(),
                    leaf_texts: leaf_texts.clone(),
                },
            ));
        }
    }
    Ok(out)
}

/// The most problems of a file listed; the rest are counted. A hostile file can have
/// millions, and the answer must stay readable (and small).
pub const MAX_PROBLEMS_LISTED: usize = 200;

/// The problems of a file, one a line, at most [`MAX_PROBLEMS_LISTED`] of them, each cut
/// to a readable length.
pub(super) fn problem_list(problems: &[String]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(MAX_PROBLEMS_LISTED)
        .map(|p| match p.char_indices().nth(500) {
            Some((cut, _)) => format!("{}…", &p[..cut]),
            None => p.clone(),
        })
        .collect();
    if problems.len() > MAX_PROBLEMS_LISTED {
        lines.push(format!(
            "… và {} lỗi khác; hãy sửa các lỗi trên rồi kiểm tra lại.",
            problems.len() - MAX_PROBLEMS_LISTED
        ));
    }
    lines.join("\n")
}

/// What the survey template lists: the round's units with their survey leaves.
pub async fn survey_template_units(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<Vec<(String, ImportUnit)>> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    round_units(store, round_id).await
}

/// Checks a survey workbook; unless `dry_run`, writes every score in one transaction.
pub async fn import_survey(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<ImportReport> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    let round = store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể nhập điểm.".into(),
        ));
    }
    let units: HashMap<String, ImportUnit> =
        round_units(store, round_id).await?.into_iter().collect();
    let scores = tokio::task::spawn_blocking(move || survey_import::read(&bytes, &units))
        .await
        .map_err(|e| ServiceError::Internal(format!("import task: {e}")))?
        .map_err(|problems| ServiceError::Invalid(problem_list(&problems)))?;
    let existing = store.survey_scores(round_id).await?;
    let changes: Vec<SurveyChange> = scores
        .iter()
        .map(|s| SurveyChange {
            unit_code: s.unit_code.clone(),
            unit_name: s.unit_name.clone(),
            leaf_code: s.leaf_code.clone(),
            old: existing.get(&(s.unit_id, s.leaf_code.clone())).copied(),
            new: s.points,
        })
        .filter(|c| c.old != Some(c.new))
        .collect();
    if !dry_run {
        let rows: Vec<(i64, String, Points)> = scores
            .iter()
            .filter(|s| existing.get(&(s.unit_id, s.leaf_code.clone())) != Some(&s.points))
            .map(|s| (s.unit_id, s.leaf_code.clone(), s.points))
            .collect();
        store
            .set_survey_scores(round_id, &rows, who.audit(), who.now)
            .await?;
    }
    Ok(ImportReport { dry_run, changes })
}

/// A stored criteria set, as a workbook; for administrators and viewers.
pub async fn criteria_set_for_export(
    ctx: &Context,
    who: &Who,
    set_id: i64,
) -> Result<(std::sync::Arc<crate::domain::CriteriaSet>, Option<String>)> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !matches!(
        actor.role,
        crate::domain::access::Role::Admin | crate::domain::access::Role::Viewer
    ) {
        return Err(ServiceError::Forbidden(
            "Chỉ quản trị và người xem mới tải được bộ tiêu chí.".into(),
        ));
    }
    let set = store.criteria_set(set_id).await?.set;
    // A set may be imported before its tier exists: then the code alone names it.
    let tier = store.tier_by_code(&set.tier).await.ok().map(|t| t.name);
    Ok((set, tier))
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CriteriaImport {
    pub code: String,
    pub version: String,
    pub title: String,
    pub tier: String,
    pub content_hash: String,
    pub leaves: usize,
    /// What the import does: "created", "replaced" (a draft) or "unchanged" — on a dry
    /// run, what it would do.
    pub outcome: &'static str,
    pub dry_run: bool,
    /// The stored version the file is compared with: the same version when it exists,
    /// otherwise the latest stored version of the same set ("CCHC-SO 2022").
    pub compared_with: Option<String>,
    pub diff: Option<crate::domain::criteria::SetDiff>,
}

/// Imports a criteria set from its workbook; a published version never changes. A dry
/// run says what would happen and how the set differs from the stored one.
pub async fn import_criteria(
    ctx: &Context,
    who: &Who,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<CriteriaImport> {
    let store = &ctx.store;
    let actor = &who.actor;
    use crate::store::{ImportOutcome, ImportPlan};
    require_admin(actor)?;
    let (set, text) = tokio::task::spawn_blocking(move || {
        crate::excel::criteria_workbook::import("bo-tieu-chi.xlsx", &bytes)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("import task: {e}")))?
    .map_err(|problems| ServiceError::Invalid(problem_list(&problems)))?;

    // Compare with the same version if stored, else the latest version of the same set.
    let plan = store.criteria_import_plan(&set).await?;
    let compare_id = match plan {
        ImportPlan::Replace(id) | ImportPlan::Unchanged(id) => Some(id),
        ImportPlan::Create => store
            .criteria_sets()
            .await?
            .into_iter()
            .filter(|(_, code, ..)| *code == set.code)
            .map(|(id, ..)| id)
            .max(),
    };
    let (compared_with, diff) = match compare_id {
        None => (None, None),
        Some(id) => {
            let older = store.criteria_set(id).await?.set;
            (
                Some(format!("{} {}", older.code, older.version)),
                Some(set.diff_from(&older)),
            )
        }
    };
    let outcome = if dry_run {
        match plan {
            ImportPlan::Create => "created",
            ImportPlan::Replace(_) => "replaced",
            ImportPlan::Unchanged(_) => "unchanged",
        }
    } else {
        match store
            .import_criteria_set(&set, &text, who.audit(), who.now)
            .await?
        {
            ImportOutcome::Created(_) => "created",
            ImportOutcome::Replaced(_) => "replaced",
            ImportOutcome::Unchanged(_) => "unchanged",
        }
    };
    Ok(CriteriaImport {
        leaves: set.leaves().count(),
        content_hash: set.content_hash(),
        code: set.code,
        version: set.version,
        title: set.title,
        tier: set.tier,
        outcome,
        dry_run,
        compared_with,
        diff,
    })
}

/// A stored criteria set as the administration page lists it.
#[derive(Clone, Debug, Serialize)]
pub struct CriteriaSetSummary {
    pub id: i64,
    pub code: String,
    pub version: String,
    pub title: String,
    pub tier: String,
    pub leaves: usize,
    pub total: crate::domain::Points,
    pub content_hash: String,
    /// dd/mm/yyyy, when published (pinned by a round).
    pub published: Option<String>,
}

/// Every stored set, by code then newest version first; for administrators.
pub async fn criteria_sets(ctx: &Context, who: &Who) -> Result<Vec<CriteriaSetSummary>> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let mut out = Vec::new();
    for (id, ..) in store.criteria_sets().await? {
        let stored = store.criteria_set(id).await?;
        out.push(CriteriaSetSummary {
            id,
            leaves: stored.set.leaves().count(),
            total: stored.set.total,
            published: stored
                .published_at
                .map(crate::domain::deadline::format_date),
            content_hash: stored.content_hash,
            code: stored.set.code.clone(),
            version: stored.set.version.clone(),
            title: stored.set.title.clone(),
            tier: stored.set.tier.clone(),
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code).then(b.version.cmp(&a.version)));
    Ok(out)
}

/// How two stored sets differ (newer compared with older); for administrators.
pub async fn compare_criteria_sets(
    ctx: &Context,
    who: &Who,
    older: i64,
    newer: i64,
) -> Result<(String, String, crate::domain::criteria::SetDiff)> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    let (a, b) = (
        store.criteria_set(older).await?.set,
        store.criteria_set(newer).await?.set,
    );
    Ok((
        format!("{} {}", a.code, a.version),
        format!("{} {}", b.code, b.version),
        b.diff_from(&a),
    ))
}

/// One field that an import changes: its Vietnamese name, the old and the new value.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: String,
}

/// A unit or account that an import creates or changes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DirectoryChange {
    /// The sheet and row (as Excel shows it) the change comes from.
    pub sheet: &'static str,
    pub row: usize,
    /// The unit code or username.
    pub key: String,
    /// "create" or "update".
    pub action: &'static str,
    pub fields: Vec<FieldChange>,
}

/// A password made for a new account, shown once to the administrator who imported it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NewPassword {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DirectoryReport {
    pub dry_run: bool,
    pub changes: Vec<DirectoryChange>,
    /// Rows that match what is stored already.
    pub unchanged: usize,
    /// Only after a real import: the first password of each new account.
    pub passwords: Vec<NewPassword>,
    /// The rounds still open to changes that each new unit joins (a sentence per unit);
    /// rounds whose self-assessment has closed never take new units this way.
    pub joins: Vec<String>,
}

/// What the units-and-users template holds: the directory as it is now (tier codes, units
/// in Vietnamese order, accounts by name), for [`crate::excel::directory_import::template`].
pub async fn directory_template(ctx: &Context, who: &Who) -> Result<DirectoryTemplate> {
    let (store, actor) = (&ctx.store, &who.actor);
    use crate::excel::directory_import::{TemplateUnit, TemplateUser};
    require_admin(actor)?;
    let tiers = store.tiers().await?;
    let tier_code = tier_codes(&tiers);
    // Accounts of a unit that no longer operates still show its code.
    let code_of: HashMap<i64, String> = store
        .all_units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.code))
        .collect();
    let mut units = store.units(None).await?;
    crate::domain::collation::sort_vi(&mut units, |u| &u.name);
    let pairs = store.all_predecessors().await?;
    let units: Vec<TemplateUnit> = units
        .into_iter()
        .map(|u| {
            let mut predecessors: Vec<String> = (pairs.iter())
                .filter(|(unit, _)| *unit == u.id)
                .filter_map(|(_, p)| code_of.get(p).cloned())
                .collect();
            predecessors.sort();
            TemplateUnit {
                tier_code: tier_code.get(&u.tier_id).cloned().unwrap_or_default(),
                code: u.code,
                name: u.name,
                predecessors,
            }
        })
        .collect();
    let mut users = store.users().await?;
    crate::domain::collation::sort_vi(&mut users, |u| &u.display_name);
    let users: Vec<TemplateUser> = users
        .into_iter()
        .filter_map(|u| {
            Some(TemplateUser {
                role: crate::domain::access::Role::parse(&u.role)?,
                // An appraiser's department in the same column.
                unit_code: (u.unit_id.or(u.department_unit_id))
                    .and_then(|id| code_of.get(&id).cloned()),
                valid_until: u.expires_at.map(crate::domain::deadline::vn_date),
                email: u.email,
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect();
    Ok(DirectoryTemplate {
        tier_codes: tiers.into_iter().map(|t| t.code).collect(),
        units,
        users,
    })
}

/// The directory as the template shows it.
pub struct DirectoryTemplate {
    pub tier_codes: Vec<String>,
    /// (code, name, tier code)
    pub units: Vec<crate::excel::directory_import::TemplateUnit>,
    pub users: Vec<crate::excel::directory_import::TemplateUser>,
}

/// Each tier's code by its id.
fn tier_codes(tiers: &[crate::store::Tier]) -> HashMap<i64, String> {
    tiers.iter().map(|t| (t.id, t.code.clone())).collect()
}

/// The criteria template: the sample set shipped with parindex (CCHC-SO 2023), in the
/// import layout; for administrators.
pub fn criteria_template(who: &Who) -> Result<(crate::domain::CriteriaSet, Option<String>)> {
    require_admin(&who.actor)?;
    let (name, text) = crate::demo::CRITERIA_FILES[1];
    let set = crate::domain::criteria_file::parse(name, text).map_err(|_| {
        ServiceError::Internal("the shipped sample criteria set does not parse".into())
    })?;
    let tier = crate::demo::tier_name(&set.tier).map(str::to_string);
    Ok((set, tier))
}

/// A first password people can read out and type: 12 characters from 55 (no 0/O, 1/l/I),
/// about 69 bits. Bytes beyond the largest multiple of 55 are drawn again, so that every
/// character is equally likely.
pub(super) fn first_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const LIMIT: u8 = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(12);
    while out.len() < 12 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
        out.extend(
            bytes
                .iter()
                .filter(|b| **b < LIMIT)
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
                .take(12 - out.len()),
        );
    }
    Ok(out)
}

/// An account the import will create (no stored username) or update.
struct PlannedUser<'a> {
    row: &'a crate::excel::directory_import::UserRow,
    stored: Option<String>,
    expires_at: Option<i64>,
    summary: String,
    previous: Option<String>,
}

/// What the changed fields held before, for the audit log ("Vai trò: Người xem; …").
fn previous(fields: &[FieldChange]) -> Option<String> {
    let before: Vec<String> = fields
        .iter()
        .filter_map(|f| {
            f.old.as_ref().map(|old| {
                let old = if old.is_empty() { "(trống)" } else { old };
                format!("{}: {old}", f.field)
            })
        })
        .collect();
    (!before.is_empty()).then(|| before.join("; "))
}

/// Checks a units-and-users workbook; unless `dry_run`, writes it all in one transaction.
/// New accounts get a first password each, returned once in the report.
pub async fn import_directory(
    ctx: &Context,
    who: &Who,
    bytes: Vec<u8>,
    dry_run: bool,
    join_open_rounds: bool,
) -> Result<DirectoryReport> {
    let store = &ctx.store;
    let actor = &who.actor;
    use crate::excel::directory_import::{self, Known};
    require_admin(actor)?;
    let tiers = store.tiers().await?;
    let units = store.all_units().await?;
    let known = Known {
        tier_codes: tiers.iter().map(|t| t.code.clone()).collect(),
        units: units
            .iter()
            .map(|u| (u.code.to_uppercase(), (u.code.clone(), u.active == 1)))
            .collect(),
    };
    let dir = tokio::task::spawn_blocking(move || directory_import::read(&bytes, &known))
        .await
        .map_err(|e| ServiceError::Internal(format!("import task: {e}")))?
        .map_err(|problems| ServiceError::Invalid(problem_list(&problems)))?;

    let tier_of = tier_codes(&tiers);
    let tier_code = |id: i64| tier_of.get(&id).cloned().unwrap_or_default();
    let unit_by_code: HashMap<&str, &crate::store::Unit> =
        units.iter().map(|u| (u.code.as_str(), u)).collect();
    let code_of: HashMap<i64, &str> = units.iter().map(|u| (u.id, u.code.as_str())).collect();
    let pairs = store.all_predecessors().await?;
    let mut changes = Vec::new();
    let mut unchanged = 0;
    let mut unit_writes = Vec::new();
    for row in &dir.units {
        let old = unit_by_code.get(row.code.as_str());
        let mut fields = Vec::new();
        let mut field = |field, old: Option<String>, new: &str| {
            if old.as_deref() != Some(new) {
                fields.push(FieldChange {
                    field,
                    old,
                    new: new.to_string(),
                });
            }
        };
        field("Tên đơn vị", old.map(|u| u.name.clone()), &row.name);
        field("Mã khối", old.map(|u| tier_code(u.tier_id)), &row.tier_code);
        let mut predecessors_changed = false;
        if let Some(new) = &row.predecessors {
            let mut recorded: Vec<String> = old
                .map(|u| {
                    (pairs.iter())
                        .filter(|(unit, _)| *unit == u.id)
                        .filter_map(|(_, p)| code_of.get(p).map(|c| c.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            recorded.sort();
            let mut wanted = new.clone();
            wanted.sort();
            if recorded != wanted {
                predecessors_changed = true;
                field(
                    "Đơn vị tiền thân",
                    Some(recorded.join(", ")),
                    &wanted.join(", "),
                );
            }
        }
        if fields.is_empty() {
            unchanged += 1;
            continue;
        }
        unit_writes.push(crate::store::UnitWrite {
            code: row.code.clone(),
            name: row.name.clone(),
            tier_code: row.tier_code.clone(),
            predecessors: row.predecessors.clone().filter(|_| predecessors_changed),
            previous: previous(&fields),
        });
        changes.push(DirectoryChange {
            sheet: directory_import::UNITS,
            row: row.row,
            key: row.code.clone(),
            action: if old.is_some() { "update" } else { "create" },
            fields,
        });
    }

    // No circle of predecessors, with the file's replacing those recorded for its units.
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    for (unit, p) in &pairs {
        if let (Some(u), Some(p)) = (code_of.get(unit), code_of.get(p)) {
            graph.entry(u.to_string()).or_default().push(p.to_string());
        }
    }
    for row in &dir.units {
        if let Some(predecessors) = &row.predecessors {
            graph.insert(row.code.clone(), predecessors.clone());
        }
    }
    let mut circles = Vec::new();
    for row in dir.units.iter().filter(|r| r.predecessors.is_some()) {
        let (mut seen, mut todo) = (std::collections::HashSet::new(), graph[&row.code].clone());
        while let Some(code) = todo.pop() {
            if code == row.code {
                circles.push(format!(
                    "Trang «{}», dòng {}: đơn vị «{}» sẽ là tiền thân của chính nó (qua các đơn vị tiền thân của nó); mỗi đơn vị chỉ được hình thành từ đơn vị khác.",
                    directory_import::UNITS,
                    row.row,
                    row.code
                ));
                break;
            }
            if seen.insert(code.clone()) {
                todo.extend(graph.get(&code).cloned().unwrap_or_default());
            }
        }
    }
    if !circles.is_empty() {
        return Err(ServiceError::Invalid(problem_list(&circles)));
    }

    // New units join the rounds still open to changes that rank their tier.
    let joinable = super::members::joinable(ctx, who.now).await?;
    let mut new_units = Vec::new();
    let mut joins = Vec::new();
    for w in &unit_writes {
        if unit_by_code.contains_key(w.code.as_str()) {
            continue;
        }
        let rounds: Vec<&str> = (joinable.iter())
            .filter(|r| r.tiers.iter().any(|(code, _)| *code == w.tier_code))
            .map(|r| r.title.as_str())
            .collect();
        if join_open_rounds && !rounds.is_empty() {
            joins.push(format!("{} ({}): {}", w.name, w.code, rounds.join(", ")));
            new_units.push(w.code.clone());
        }
    }

    let users = store.users().await?;
    // Usernames are matched whatever their case: "NguyenA" stored is "nguyena" in the file.
    let user_by_name: HashMap<String, &crate::store::User> = users
        .iter()
        .map(|u| (u.username.to_lowercase(), u))
        .collect();
    let date_text = |d: Option<chrono::NaiveDate>| {
        d.map_or("không thời hạn".to_string(), |d| {
            d.format("%d/%m/%Y").to_string()
        })
    };
    let stored_date = |t: Option<i64>| t.map(crate::domain::deadline::vn_date);
    let mut planned = Vec::new();
    for row in &dir.users {
        let old = user_by_name.get(&row.username);
        let role_label = |r: &str| {
            crate::domain::access::Role::parse(r).map_or(r.to_string(), |r| r.label().into())
        };
        let mut fields = Vec::new();
        let creating = old.is_none();
        let mut field = |field, old: Option<String>, new: String| {
            if old.as_ref() != Some(&new) && !(creating && new.is_empty()) {
                fields.push(FieldChange { field, old, new });
            }
        };
        field(
            "Họ và tên",
            old.map(|u| u.display_name.clone()),
            row.display_name.clone(),
        );
        field(
            "Vai trò",
            old.map(|u| role_label(&u.role)),
            row.role.label().into(),
        );
        field(
            "Mã đơn vị",
            old.map(|u| {
                (u.unit_id.or(u.department_unit_id))
                    .and_then(|id| code_of.get(&id).map(|c| c.to_string()))
                    .unwrap_or_default()
            }),
            row.unit_code.clone().unwrap_or_default(),
        );
        field(
            "Hiệu lực đến",
            old.map(|u| date_text(stored_date(u.expires_at))),
            date_text(row.valid_until),
        );
        if let Some(email) = &row.email {
            field(
                "Thư điện tử",
                old.map(|u| u.email.clone().unwrap_or_default()),
                email.clone(),
            );
        }
        if fields.is_empty() {
            unchanged += 1;
            continue;
        }
        if old.is_some_and(|u| u.id == actor.user_id)
            && fields
                .iter()
                .any(|f| matches!(f.field, "Vai trò" | "Hiệu lực đến" | "Mã đơn vị"))
        {
            return Err(ServiceError::Invalid(format!(
                "Trang «{}», dòng {}: không đổi vai trò, đơn vị hay thời hạn của chính tài khoản đang nhập tệp; hãy nhờ một quản trị khác.",
                directory_import::USERS,
                row.row
            )));
        }
        let expires_at = match row.valid_until {
            None => None,
            Some(d) => Some(
                crate::domain::deadline::end_of_day(d)
                    .ok_or_else(|| ServiceError::Invalid(format!("Ngày {d} không hợp lệ.")))?
                    .timestamp(),
            ),
        };
        let summary = format!(
            "{}: {}, {}{}, hiệu lực đến {}",
            row.username,
            row.display_name,
            row.role.label(),
            row.unit_code
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            date_text(row.valid_until)
        );
        planned.push(PlannedUser {
            row,
            stored: old.map(|u| u.username.clone()),
            expires_at,
            summary,
            previous: previous(&fields),
        });
        changes.push(DirectoryChange {
            sheet: directory_import::USERS,
            row: row.row,
            key: old.map_or(row.username.clone(), |u| u.username.clone()),
            action: if old.is_some() { "update" } else { "create" },
            fields,
        });
    }

    let mut passwords = Vec::new();
    if !dry_run && !changes.is_empty() {
        // A first password for each new account, hashed on every core at once (argon2 is
        // slow on purpose: one at a time, a thousand accounts would take minutes).
        let mut hashes = HashMap::new();
        let new_accounts: Vec<&PlannedUser> =
            planned.iter().filter(|p| p.stored.is_none()).collect();
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        for batch in new_accounts.chunks(cores) {
            let firsts = batch
                .iter()
                .map(|_| first_password())
                .collect::<Result<Vec<_>>>()?;
            let hashed = futures_util::future::try_join_all(
                firsts.iter().map(|p| super::auth::hash_password(p)),
            )
            .await?;
            for ((p, password), hash) in batch.iter().zip(firsts).zip(hashed) {
                hashes.insert(p.row.username.clone(), hash);
                passwords.push(NewPassword {
                    username: p.row.username.clone(),
                    display_name: p.row.display_name.clone(),
                    password,
                });
            }
        }
        let mut user_writes = Vec::new();
        for PlannedUser {
            row,
            stored,
            expires_at,
            summary,
            previous,
        } in planned
        {
            let password_hash = if stored.is_none() {
                hashes.remove(&row.username)
            } else {
                None
            };
            user_writes.push(crate::store::UserWrite {
                username: stored.unwrap_or_else(|| row.username.clone()),
                display_name: row.display_name.clone(),
                role: row.role.as_str().into(),
                unit_code: row.unit_code.clone().filter(|_| row.role.is_unit_role()),
                department_code: (row.unit_code.clone())
                    .filter(|_| row.role == crate::domain::access::Role::Appraiser),
                email: row.email.clone(),
                expires_at,
                password_hash,
                summary,
                previous,
            });
        }
        store
            .apply_directory(&unit_writes, &user_writes, who.audit(), who.now)
            .await?;
        for code in &new_units {
            let unit = store.unit_by_code(code).await?;
            super::members::join_open_rounds(ctx, who, unit.id).await?;
        }
    }
    Ok(DirectoryReport {
        dry_run,
        changes,
        unchanged,
        passwords,
        joins,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_passwords_are_twelve_readable_characters_and_differ() {
        let a = super::first_password().expect("password");
        let b = super::first_password().expect("password");
        assert_eq!(a.chars().count(), 12);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
