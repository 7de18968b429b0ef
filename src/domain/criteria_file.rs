//! Reading criteria set files (TOML, see `criteria/FORMAT.md`) and checking every rule,
//! reporting each problem with its place: file, node code, field.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;

use super::criteria::{CriteriaSet, ExtraGroup, ExtraItem, Leaf, Method, Node, RateTier};
use super::points::Points;

/// One problem found in a criteria file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// The node (or bonus/penalty item) code, when the problem belongs to one.
    pub node: Option<String>,
    pub field: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(node) = &self.node {
            write!(f, ", mục {node}")?;
        }
        if let Some(field) = self.field {
            write!(f, ", trường «{field}»")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    set: RawSet,
    #[serde(default, rename = "node")]
    nodes: Vec<RawNode>,
    bonus: Option<RawGroup>,
    penalty: Option<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    code: String,
    version: String,
    title: String,
    tier: String,
    total: Points,
    step: Option<Points>,
    issued_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    code: String,
    #[serde(default)]
    text: String,
    max: Option<Points>,
    method: Option<String>,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    evidence: String,
    numerator: Option<String>,
    denominator: Option<String>,
    tiers: Option<Vec<RawTier>>,
    step: Option<Points>,
    per_occurrence: Option<Points>,
    occurrence: Option<String>,
    #[serde(default)]
    na_allowed: bool,
    na_hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    min_rate: Points,
    fraction: Points,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    cap: Points,
    #[serde(default, rename = "item")]
    items: Vec<ExtraItem>,
}

impl<'de> Deserialize<'de> for ExtraItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            code: String,
            text: String,
            points: Points,
        }
        let r = Raw::deserialize(d)?;
        Ok(ExtraItem {
            code: r.code,
            text: r.text,
            points: r.points,
        })
    }
}

const DEFAULT_STEP: Points = Points::from_hundredths(25);
const METHODS: &str = "yes_no, tiered, proportional, judged, deduction, survey";

/// Collects problems while checking one file.
struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report(
        &mut self,
        node: Option<&str>,
        field: Option<&'static str>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            node: node.map(str::to_string),
            field,
            message: message.into(),
        });
    }
}

/// Parses and checks a criteria file. `file` names it in messages. Returns every problem
/// found, not only the first, so an author can fix a file in one pass.
pub fn parse(file: &str, text: &str) -> Result<CriteriaSet, Vec<Problem>> {
    let mut c = Checker {
        file,
        problems: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let place = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (dòng {line})")
                })
                .unwrap_or_default();
            c.report(
                None,
                None,
                format!("không đọc được tệp{place}: {}", e.message()),
            );
            return Err(c.problems);
        }
    };

    let set_step = raw.set.step.unwrap_or(DEFAULT_STEP);
    check_set_header(&mut c, &raw.set, set_step);

    let mut nodes = Vec::with_capacity(raw.nodes.len());
    let mut seen: HashSet<String> = HashSet::new();
    // The ancestors of the node being read: tree order means each node's parent is the
    // last node read one level up (children follow their parent, before its next sibling).
    let mut path: Vec<&str> = Vec::new();
    for rn in &raw.nodes {
        if let Some(node) = check_node(&mut c, rn, set_step, &seen) {
            nodes.push(node);
        }
        if is_well_formed_code(&rn.code) {
            let depth = rn.code.split('.').count();
            path.truncate(depth - 1);
            if let Some((parent, _)) = rn.code.rsplit_once('.')
                && seen.contains(parent)
                && path.last() != Some(&parent)
            {
                c.report(
                    Some(&rn.code),
                    Some("code"),
                    format!(
                        "sai thứ tự: mục {} phải nằm ngay trong nhóm các mục con của {parent}",
                        rn.code
                    ),
                );
            }
            path.push(&rn.code);
        }
        seen.insert(rn.code.clone());
    }
    if raw.nodes.is_empty() {
        c.report(None, Some("node"), "bộ tiêu chí không có mục nào");
    }
    check_tree(&mut c, &raw.nodes, &nodes, raw.set.total);
    let bonus = check_group(&mut c, raw.bonus, "bonus");
    let penalty = check_group(&mut c, raw.penalty, "penalty");

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(CriteriaSet {
        code: raw.set.code.trim().to_string(),
        version: raw.set.version.trim().to_string(),
        title: raw.set.title.trim().to_string(),
        tier: raw.set.tier.trim().to_string(),
        total: raw.set.total,
        issued_by: raw
            .set
            .issued_by
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        nodes,
        bonus,
        penalty,
    })
}

fn check_set_header(c: &mut Checker, set: &RawSet, step: Points) {
    for (field, value) in [
        ("code", &set.code),
        ("version", &set.version),
        ("title", &set.title),
        ("tier", &set.tier),
    ] {
        if value.trim().is_empty() {
            c.report(None, Some(field), "không được để trống");
        }
    }
    if set.total <= Points::ZERO {
        c.report(None, Some("total"), "tổng điểm phải lớn hơn 0");
    }
    if step <= Points::ZERO {
        c.report(None, Some("step"), "bước điểm phải lớn hơn 0");
    }
}

fn is_well_formed_code(code: &str) -> bool {
    !code.is_empty()
        && code.split('.').all(|seg| {
            !seg.is_empty() && seg.chars().all(|ch| ch.is_ascii_digit()) && !seg.starts_with('0')
        })
}

fn check_node(
    c: &mut Checker,
    rn: &RawNode,
    set_step: Points,
    seen: &HashSet<String>,
) -> Option<Node> {
    let code = rn.code.as_str();
    let at = Some(code);
    let before = c.problems.len();
    if !is_well_formed_code(code) {
        c.report(
            at,
            Some("code"),
            "mã không hợp lệ: phải là các số nguyên dương cách nhau bởi dấu chấm, ví dụ 3.2.1",
        );
    } else if seen.contains(code) {
        c.report(at, Some("code"), "mã bị trùng: mục này đã khai báo ở trên");
    } else if let Some((parent, _)) = code.rsplit_once('.')
        && !seen.contains(parent)
    {
        c.report(
            at,
            Some("code"),
            format!("mục cha {parent} chưa được khai báo ở phía trên"),
        );
    }
    if rn.text.trim().is_empty() {
        c.report(at, Some("text"), "nội dung không được để trống");
    }
    let max = match rn.max {
        None => {
            c.report(at, Some("max"), "thiếu điểm tối đa");
            Points::ZERO
        }
        Some(m) if m <= Points::ZERO => {
            c.report(at, Some("max"), "điểm tối đa phải lớn hơn 0");
            m
        }
        Some(m) => m,
    };
    let leaf = match rn.method.as_deref() {
        None => {
            for (field, present) in [
                ("guidance", !rn.guidance.is_empty()),
                ("evidence", !rn.evidence.is_empty()),
                ("tiers", rn.tiers.is_some()),
                ("per_occurrence", rn.per_occurrence.is_some()),
                ("occurrence", rn.occurrence.is_some()),
                ("step", rn.step.is_some()),
                ("numerator", rn.numerator.is_some()),
                ("denominator", rn.denominator.is_some()),
                ("na_allowed", rn.na_allowed),
                ("na_hint", rn.na_hint.is_some()),
            ] {
                if present {
                    c.report(at, Some(field), "chỉ tiêu chí thành phần (có phương pháp chấm) mới có trường này; thiếu «method»?");
                }
            }
            None
        }
        Some(name) => check_method(c, rn, name, max, set_step).map(|method| Leaf {
            method,
            guidance: rn.guidance.trim().to_string(),
            evidence: rn.evidence.trim().to_string(),
            na_allowed: rn.na_allowed,
            na_hint: rn
                .na_hint
                .as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        }),
    };
    if rn.method.is_some() && leaf.is_none() {
        return None;
    }
    (c.problems.len() == before).then(|| Node {
        code: code.to_string(),
        text: rn.text.trim().to_string(),
        max,
        leaf,
    })
}

fn rate_labels(c: &mut Checker, rn: &RawNode) -> (String, String) {
    let mut label = |field: &'static str, value: &Option<String>| match value {
        Some(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => {
            c.report(
                Some(&rn.code),
                Some(field),
                "phương pháp theo tỷ lệ cần nhãn của tử số và mẫu số",
            );
            String::new()
        }
    };
    (
        label("numerator", &rn.numerator),
        label("denominator", &rn.denominator),
    )
}

fn check_method(
    c: &mut Checker,
    rn: &RawNode,
    name: &str,
    max: Points,
    set_step: Points,
) -> Option<Method> {
    let at = Some(rn.code.as_str());
    let before = c.problems.len();
    let method = match name {
        "yes_no" => Method::YesNo,
        "survey" => Method::Survey,
        "proportional" => {
            let (numerator, denominator) = rate_labels(c, rn);
            Method::Proportional {
                numerator,
                denominator,
            }
        }
        "tiered" => {
            let (numerator, denominator) = rate_labels(c, rn);
            let tiers = check_tiers(c, rn);
            Method::Tiered {
                numerator,
                denominator,
                tiers,
            }
        }
        "judged" => {
            let step = rn.step.unwrap_or(set_step);
            if step <= Points::ZERO {
                c.report(at, Some("step"), "bước điểm phải lớn hơn 0");
            } else if !max.is_multiple_of(step) {
                c.report(
                    at,
                    Some("step"),
                    format!(
                        "bước điểm {} không chia hết điểm tối đa {}",
                        step.to_vn(),
                        max.to_vn()
                    ),
                );
            }
            Method::Judged { step }
        }
        "deduction" => {
            let per = rn.per_occurrence.unwrap_or(Points::ZERO);
            if rn.per_occurrence.is_none() {
                c.report(at, Some("per_occurrence"), "thiếu số điểm trừ cho mỗi lần");
            } else if per <= Points::ZERO || per > max {
                c.report(
                    at,
                    Some("per_occurrence"),
                    format!(
                        "điểm trừ mỗi lần phải lớn hơn 0 và không quá điểm tối đa {}",
                        max.to_vn()
                    ),
                );
            }
            let occurrence = rn
                .occurrence
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("Số lần vi phạm")
                .to_string();
            Method::Deduction {
                per_occurrence: per,
                occurrence,
            }
        }
        other => {
            c.report(
                at,
                Some("method"),
                format!("phương pháp chấm «{other}» không tồn tại; dùng một trong: {METHODS}"),
            );
            return None;
        }
    };
    let misplaced = [
        ("tiers", rn.tiers.is_some() && name != "tiered"),
        ("step", rn.step.is_some() && name != "judged"),
        (
            "per_occurrence",
            rn.per_occurrence.is_some() && name != "deduction",
        ),
        (
            "numerator",
            rn.numerator.is_some() && !matches!(name, "tiered" | "proportional"),
        ),
        (
            "denominator",
            rn.denominator.is_some() && !matches!(name, "tiered" | "proportional"),
        ),
        ("occurrence", rn.occurrence.is_some() && name != "deduction"),
    ];
    for (field, wrong) in misplaced {
        if wrong {
            c.report(
                at,
                Some(field),
                format!("trường này không dùng cho phương pháp «{name}»"),
            );
        }
    }
    if rn.na_hint.is_some() && !rn.na_allowed {
        c.report(
            at,
            Some("na_hint"),
            "có ghi chú không áp dụng nhưng thiếu «na_allowed = true»",
        );
    }
    if name != "survey" && rn.guidance.trim().is_empty() {
        c.report(at, Some("guidance"), "thiếu hướng dẫn chấm điểm");
    }
    (c.problems.len() == before).then_some(method)
}

fn check_tiers(c: &mut Checker, rn: &RawNode) -> Vec<RateTier> {
    let at = Some(rn.code.as_str());
    let Some(raw) = rn.tiers.as_ref().filter(|t| !t.is_empty()) else {
        c.report(
            at,
            Some("tiers"),
            "phương pháp theo mức tỷ lệ cần ít nhất một mức",
        );
        return Vec::new();
    };
    let hundred = Points::whole(100);
    let one = Points::whole(1);
    for (i, t) in raw.iter().enumerate() {
        if t.min_rate < Points::ZERO || t.min_rate > hundred {
            c.report(
                at,
                Some("tiers"),
                format!(
                    "mức {}: tỷ lệ tối thiểu {}% phải từ 0 đến 100",
                    i + 1,
                    t.min_rate.to_vn()
                ),
            );
        }
        if t.fraction <= Points::ZERO || t.fraction > one {
            c.report(
                at,
                Some("tiers"),
                format!(
                    "mức {}: phần điểm {} phải lớn hơn 0 và không quá 1",
                    i + 1,
                    t.fraction.to_vn()
                ),
            );
        }
    }
    for (i, pair) in raw.windows(2).enumerate() {
        if pair[1].min_rate >= pair[0].min_rate {
            c.report(
                at,
                Some("tiers"),
                format!(
                    "các mức phải xếp theo tỷ lệ giảm dần: mức {} ({}%) không nhỏ hơn mức {} ({}%)",
                    i + 2,
                    pair[1].min_rate.to_vn(),
                    i + 1,
                    pair[0].min_rate.to_vn()
                ),
            );
        }
        if pair[1].fraction > pair[0].fraction {
            c.report(
                at,
                Some("tiers"),
                format!(
                    "mức {} cho nhiều điểm hơn mức {} có tỷ lệ cao hơn",
                    i + 2,
                    i + 1
                ),
            );
        }
    }
    raw.iter()
        .map(|t| RateTier {
            min_rate: t.min_rate,
            fraction: t.fraction,
        })
        .collect()
}

/// Parent/children sums, leaves under leaves, areas summing to the total, survey placement.
fn check_tree(c: &mut Checker, raw: &[RawNode], nodes: &[Node], total: Points) {
    let mut children_sum: HashMap<&str, Points> = HashMap::new();
    let mut has_children: HashSet<&str> = HashSet::new();
    for rn in raw {
        if let (Some((parent, _)), Some(max)) = (rn.code.rsplit_once('.'), rn.max) {
            *children_sum.entry(parent).or_default() =
                children_sum.get(parent).copied().unwrap_or_default() + max;
            has_children.insert(parent);
        }
    }
    for rn in raw {
        let code = rn.code.as_str();
        let is_parent = has_children.contains(code);
        if is_parent && rn.method.is_some() {
            c.report(
                Some(code),
                Some("method"),
                "mục có mục con không được có phương pháp chấm; chỉ chấm ở tiêu chí thành phần",
            );
        }
        if !is_parent && rn.method.is_none() {
            c.report(
                Some(code),
                Some("method"),
                format!("tiêu chí thành phần cần phương pháp chấm ({METHODS})"),
            );
        }
        if let (true, Some(max), Some(sum)) = (is_parent, rn.max, children_sum.get(code))
            && *sum != max
        {
            c.report(
                Some(code),
                Some("max"),
                format!(
                    "tổng điểm tối đa của các mục con ({}) khác điểm tối đa của mục ({})",
                    sum.to_vn(),
                    max.to_vn()
                ),
            );
        }
    }
    let areas_sum: Points = raw
        .iter()
        .filter(|n| !n.code.contains('.'))
        .filter_map(|n| n.max)
        .sum();
    if !raw.is_empty() && areas_sum != total {
        c.report(
            None,
            Some("total"),
            format!(
                "tổng điểm tối đa của các lĩnh vực ({}) khác tổng điểm khai báo ({})",
                areas_sum.to_vn(),
                total.to_vn()
            ),
        );
    }
    // A survey area holds only survey leaves, so that the "appraised" and "survey" totals
    // are cleanly separated by area in the published table.
    let mut area_kinds: HashMap<&str, (bool, bool)> = HashMap::new();
    for n in nodes.iter().filter(|n| n.is_leaf()) {
        let e = area_kinds.entry(n.area_code()).or_default();
        if n.is_survey() {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }
    let mut mixed: Vec<&&str> = area_kinds
        .iter()
        .filter(|(_, (s, o))| *s && *o)
        .map(|(a, _)| a)
        .collect();
    mixed.sort();
    for area in mixed {
        c.report(
            Some(area),
            Some("method"),
            "lĩnh vực trộn tiêu chí điều tra xã hội học với tiêu chí tự chấm",
        );
    }
}

fn check_group(c: &mut Checker, group: Option<RawGroup>, field: &'static str) -> ExtraGroup {
    let Some(g) = group else {
        return ExtraGroup::default();
    };
    if g.cap <= Points::ZERO {
        c.report(None, Some(field), "mức tối đa (cap) phải lớn hơn 0");
    }
    let mut seen = HashSet::new();
    for item in &g.items {
        // "T1" and "t1" are one item to whoever reads the ranking: refused as a repeat.
        if item.code.trim().is_empty() || !seen.insert(item.code.to_uppercase()) {
            c.report(
                Some(&item.code),
                Some(field),
                "mã khoản điểm bị trống hoặc trùng (không phân biệt chữ hoa, chữ thường)",
            );
        }
        if item.text.trim().is_empty() {
            c.report(
                Some(&item.code),
                Some(field),
                "nội dung không được để trống",
            );
        }
        if item.points <= Points::ZERO {
            c.report(
                Some(&item.code),
                Some(field),
                "số điểm mỗi lần phải lớn hơn 0",
            );
        }
    }
    ExtraGroup {
        cap: g.cap,
        items: g.items,
    }
}
