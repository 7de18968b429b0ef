//! Departments appraising the criteria they own (phân công thẩm định): the administrator
//! assigns an area or a criterion of a tier's set, in a round, to an appraising department
//! (a unit of the directory: legal documents to the Sở Tư pháp, e-government to the Sở
//! Thông tin và Truyền thông). The department's appraisers then appraise those nodes in
//! every unit of the tier without a scope set per person (see
//! [`crate::domain::access::Actor::may_appraise`]); a criterion assigned apart from its area
//! goes to its own department. Assignments change until publication, each audited; a
//! round created by copying another copies them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::exemptions::{NodeChoice, shortened};
use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::access::{Actor, Assignments, Role};
use crate::domain::collation::sort_vi;
use crate::domain::criteria::covers;
use crate::domain::text::{limit, one_line};
use crate::domain::{CriteriaSet, Points};
use crate::store::{Round, Store};

/// What a round assigns in each of its tiers, by tier id.
pub(crate) async fn round_assignments(
    store: &Store,
    round_id: i64,
) -> Result<BTreeMap<i64, Assignments>> {
    let mut by_tier: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
    for a in store.assignments(round_id).await? {
        (by_tier.entry(a.tier_id).or_default()).push((a.node_code, a.department_id));
    }
    Ok(by_tier
        .into_iter()
        .map(|(tier, nodes)| (tier, Assignments::new(nodes)))
        .collect())
}

/// What the round assigns in `unit_id`'s tier, as `actor`'s access needs it: read only for
/// an appraiser of a department, the one person whose access depends on it.
pub(crate) async fn assignments_for(
    store: &Store,
    actor: &Actor,
    round_id: i64,
    unit_id: i64,
) -> Result<Assignments> {
    if actor.role != Role::Appraiser || actor.department_id.is_none() {
        return Ok(Assignments::default());
    }
    Ok(store.unit_assignments(round_id, unit_id).await?)
}

/// An assignment as the administrator asks it: a node of a tier's set, and the
/// department.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct AssignmentRequest {
    /// The tier's code («so»).
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: String,
    /// An area («2») or a criterion («7.3») of the tier's set.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub node_code: String,
    /// The appraising department: a unit of the directory (its id).
    pub department_id: Option<i64>,
}

/// The round, unpublished, for a change of its assignments.
async fn changeable(ctx: &Context, round_id: i64) -> Result<Round> {
    let round = ctx.store.round(round_id).await?;
    if let Some(at) = round.published_at {
        return Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; phân công thẩm định không thay đổi được nữa.",
            crate::domain::deadline::format_date(at)
        )));
    }
    Ok(round)
}

/// The tier of the round named by `tier_code`, with its set.
async fn round_tier(
    ctx: &Context,
    round: &Round,
    tier_code: &str,
) -> Result<(crate::store::RoundTier, std::sync::Arc<CriteriaSet>)> {
    let tier = (round.tiers.iter())
        .find(|t| t.tier_code.eq_ignore_ascii_case(tier_code.trim()))
        .ok_or_else(|| {
            ServiceError::NotFound(format!("khối «{}» trong kỳ đánh giá này", tier_code.trim()))
        })?;
    let set = ctx.store.criteria_set(tier.set_id).await?.set;
    Ok((tier.clone(), set))
}

/// Assigns an area or a criterion of a tier's set to a department (or to another one).
pub async fn assign(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    request: AssignmentRequest,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check_fields(&request)?;
    let round = changeable(ctx, round_id).await?;
    let (tier, set) = round_tier(ctx, &round, &request.tier_code).await?;
    let code = request.node_code.trim();
    let node = set.node(code).ok_or_else(|| {
        ServiceError::invalid_field(
            "node_code",
            if code.is_empty() {
                "Cần chọn lĩnh vực hoặc tiêu chí được phân công.".to_string()
            } else {
                format!(
                    "Bộ tiêu chí {} {} của {} không có tiêu chí «{code}».",
                    set.code, set.version, tier.tier_name
                )
            },
        )
    })?;
    if node.depth() > 2 {
        return Err(ServiceError::invalid_field(
            "node_code",
            format!(
                "Phân công theo lĩnh vực hoặc tiêu chí: «{code}» là tiêu chí thành phần; hãy chọn tiêu chí {} chứa nó.",
                node.parent_code().unwrap_or(code)
            ),
        ));
    }
    if !set
        .leaves()
        .any(|l| covers(&node.code, &l.code) && !l.is_survey())
    {
        return Err(ServiceError::invalid_field(
            "node_code",
            format!(
                "{} {} được chấm bằng điều tra xã hội học: không có gì để thẩm định.",
                what(&node.code),
                node.code
            ),
        ));
    }
    let department = request.department_id.ok_or_else(|| {
        ServiceError::invalid_field("department_id", "Cần chọn cơ quan thẩm định.")
    })?;
    let unit = ctx.store.unit(department).await.map_err(|_| {
        ServiceError::invalid_field(
            "department_id",
            format!("Không có đơn vị #{department} trong danh mục."),
        )
    })?;
    if unit.active == 0 {
        return Err(ServiceError::invalid_field(
            "department_id",
            format!(
                "{} đã ngừng hoạt động: hãy chọn cơ quan đang hoạt động.",
                unit.name
            ),
        ));
    }
    ctx.store
        .assign(
            (round_id, tier.tier_id, &node.code),
            Some(unit.id),
            who.audit(),
            who.now,
        )
        .await?;
    Ok(())
}

/// Takes an assignment back: the node is appraised by the council's appraisers again
/// (and by those whose own scope reaches it).
pub async fn unassign(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    tier_code: &str,
    node_code: &str,
) -> Result<()> {
    require_admin(&who.actor)?;
    let round = changeable(ctx, round_id).await?;
    let (tier, _) = round_tier(ctx, &round, tier_code).await?;
    let removed = ctx
        .store
        .assign(
            (round_id, tier.tier_id, node_code),
            None,
            who.audit(),
            who.now,
        )
        .await?;
    if !removed {
        return Err(ServiceError::NotFound(format!(
            "phân công thẩm định {node_code} của {}",
            tier.tier_name
        )));
    }
    Ok(())
}

/// «Lĩnh vực» for an area's code, «Tiêu chí» for a criterion's.
fn what(code: &str) -> &'static str {
    if code.contains('.') {
        "Tiêu chí"
    } else {
        "Lĩnh vực"
    }
}

/// One node assigned to a department, as the page and the API list it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentLine {
    pub tier_code: String,
    pub tier_name: String,
    pub node_code: String,
    pub node_text: String,
    pub max: Points,
    pub department_id: i64,
    pub department_name: String,
    /// Leaves the department appraises under it (self-scored, per unit).
    pub leaves: usize,
}

/// A department's work in the round: what it is assigned, its appraisers, and how far
/// they are.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentWork {
    pub department_id: i64,
    pub department_name: String,
    /// «Lĩnh vực 2 (Khối sở, ban, ngành)»…
    pub nodes: Vec<String>,
    /// Its appraisers' names and usernames; none yet: nobody appraises what it is given.
    pub appraisers: Vec<(String, String)>,
    /// Leaves to appraise across the round's units (exemptions left out).
    pub leaves: usize,
    /// Of those, the leaves an appraisal round has decided.
    pub appraised: usize,
}

/// A tier of the round with the nodes of its set an assignment may name.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AssignableTier {
    pub tier_code: String,
    pub tier_name: String,
    pub set: String,
    /// Its areas and criteria with something to appraise.
    pub nodes: Vec<NodeChoice>,
}

/// A round's assignments, each department's work, and what the form may choose from.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentsView {
    pub round_id: i64,
    pub title: String,
    pub published: bool,
    pub lines: Vec<AssignmentLine>,
    pub departments: Vec<DepartmentWork>,
    pub tiers: Vec<AssignableTier>,
    /// (unit id, name) of the units that may be chosen as a department, by tier, in
    /// Vietnamese order; departments with appraisers first.
    pub choices: Vec<(String, Vec<(i64, String)>)>,
}

/// The assignments of a round, for administrators and viewers.
pub async fn list(ctx: &Context, who: &Who, round_id: i64) -> Result<AssignmentsView> {
    if !matches!(who.actor.role, Role::Admin | Role::Viewer) {
        return Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) và lãnh đạo mới xem được phân công thẩm định.".into(),
        ));
    }
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let assignments = store.assignments(round_id).await?;
    let by_tier = round_assignments(store, round_id).await?;
    let users = store.users().await?;
    let exemptions = store.exemptions(round_id, None).await?;
    let marks = store.appraisal_marks(round_id).await?;
    let decided: std::collections::BTreeSet<(i64, &str)> = marks
        .iter()
        .filter(|m| m.3)
        .map(|m| (m.0, m.2.as_str()))
        .collect();
    let (mut lines, mut tiers) = (Vec::new(), Vec::new());
    let mut work: BTreeMap<i64, DepartmentWork> = BTreeMap::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let assigned = by_tier.get(&tier.tier_id).cloned().unwrap_or_default();
        let appraised = |n: &crate::domain::Node| {
            n.is_leaf() && !n.is_survey() && assigned.department_of(&n.code).is_some()
        };
        for a in assignments.iter().filter(|a| a.tier_id == tier.tier_id) {
            let node = set.node(&a.node_code);
            // The leaves it gives the department: those not given apart to another.
            let leaves = (set.leaves())
                .filter(|l| covers(&a.node_code, &l.code) && appraised(l))
                .filter(|l| assigned.department_of(&l.code) == Some(a.department_id))
                .count();
            lines.push(AssignmentLine {
                tier_code: tier.tier_code.clone(),
                tier_name: tier.tier_name.clone(),
                node_code: a.node_code.clone(),
                node_text: node.map(|n| n.text.clone()).unwrap_or_default(),
                max: node.map(|n| n.max).unwrap_or_default(),
                department_id: a.department_id,
                department_name: a.department_name.clone(),
                leaves,
            });
            let entry = work
                .entry(a.department_id)
                .or_insert_with(|| DepartmentWork {
                    department_id: a.department_id,
                    department_name: a.department_name.clone(),
                    nodes: Vec::new(),
                    appraisers: (users.iter())
                        .filter(|u| u.role == "appraiser" && u.active != 0)
                        .filter(|u| u.department_unit_id == Some(a.department_id))
                        .map(|u| (u.display_name.clone(), u.username.clone()))
                        .collect(),
                    leaves: 0,
                    appraised: 0,
                });
            entry.nodes.push(format!(
                "{} {} ({})",
                what(&a.node_code),
                a.node_code,
                tier.tier_name
            ));
        }
        // Each department's leaves in each unit of the tier, and how many are decided.
        for unit in store.round_units(round_id, Some(tier.tier_id)).await? {
            let exempt: Vec<crate::store::Exemption> = (exemptions.iter())
                .filter(|e| e.unit_id == unit.id)
                .cloned()
                .collect();
            for leaf in set.leaves().filter(|l| appraised(l)) {
                if crate::store::covering(&exempt, &leaf.code).is_some() {
                    continue;
                }
                let Some(department) = assigned.department_of(&leaf.code) else {
                    continue;
                };
                if let Some(w) = work.get_mut(&department) {
                    w.leaves += 1;
                    if decided.contains(&(unit.id, leaf.code.as_str())) {
                        w.appraised += 1;
                    }
                }
            }
        }
        tiers.push(AssignableTier {
            tier_code: tier.tier_code.clone(),
            tier_name: tier.tier_name.clone(),
            set: format!("{} {}", set.code, set.version),
            nodes: (set.nodes.iter())
                .filter(|n| n.depth() <= 2)
                .filter(|n| {
                    set.leaves()
                        .any(|l| covers(&n.code, &l.code) && !l.is_survey())
                })
                .map(|n| NodeChoice {
                    code: n.code.clone(),
                    text: shortened(&n.text, 90),
                    depth: n.depth(),
                    max: n.max,
                })
                .collect(),
        });
    }
    let mut departments: Vec<DepartmentWork> = work.into_values().collect();
    sort_vi(&mut departments, |d| &d.department_name);
    Ok(AssignmentsView {
        round_id,
        title: round.title.clone(),
        published: round.published_at.is_some(),
        lines,
        departments,
        tiers,
        choices: department_choices(store, &users).await?,
    })
}

/// The units that may be chosen as a department: those with appraisers first, then every
/// active unit by tier, each list in Vietnamese order.
async fn department_choices(
    store: &Store,
    users: &[crate::store::User],
) -> Result<Vec<(String, Vec<(i64, String)>)>> {
    let mut units = store.units(None).await?;
    units.retain(|u| u.active != 0);
    sort_vi(&mut units, |u| &u.name);
    let staffed: Vec<(i64, String)> = (units.iter())
        .filter(|u| {
            (users.iter()).any(|a| a.role == "appraiser" && a.department_unit_id == Some(u.id))
        })
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let mut choices = Vec::new();
    if !staffed.is_empty() {
        choices.push(("Cơ quan có thành viên thẩm định".to_string(), staffed));
    }
    for tier in store.tiers().await? {
        let of_tier: Vec<(i64, String)> = (units.iter())
            .filter(|u| u.tier_id == tier.id)
            .map(|u| (u.id, u.name.clone()))
            .collect();
        if !of_tier.is_empty() {
            choices.push((tier.name, of_tier));
        }
    }
    Ok(choices)
}

/// The department `actor` appraises for and what the round gives it, for the top of
/// their queue: (department name, «2. Cải cách thể chế (Khối sở, ban, ngành)»…).
pub async fn own_work(
    ctx: &Context,
    actor: &Actor,
    round_id: i64,
) -> Result<Option<(String, Vec<String>)>> {
    let Some(department) = actor
        .department_id
        .filter(|_| actor.role == Role::Appraiser)
    else {
        return Ok(None);
    };
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let name = store.unit(department).await?.name;
    let mut nodes = Vec::new();
    for a in store.assignments(round_id).await? {
        if a.department_id != department {
            continue;
        }
        let Some(tier) = round.tiers.iter().find(|t| t.tier_id == a.tier_id) else {
            continue;
        };
        let set = store.criteria_set(tier.set_id).await?.set;
        let text = set
            .node(&a.node_code)
            .map_or(String::new(), |n| n.text.clone());
        nodes.push(format!(
            "{} {}. {text} ({})",
            what(&a.node_code),
            a.node_code,
            tier.tier_name
        ));
    }
    Ok(Some((name, nodes)))
}
