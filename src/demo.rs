//! Cần Thơ demo data: the city's units in three tiers, the 2023 criteria sets, a 2023
//! round whose self-assessment closed and whose first appraisal is done, and a 2024 round
//! open for self-assessment now. Figures are varied but deterministic (seeded by names),
//! so every run of the demo shows the same ranking.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use crate::domain::criteria::{CriteriaSet, Method, Node};
use crate::domain::deadline::{Phase, Window, parse_deadline, parse_opening};
use crate::domain::results::{Band, TieBreak};
use crate::domain::{Clock, LeafInput, Percent, Points, criteria_file};
use crate::report::RoundResults;
use crate::store::{
    AppraisalEntry, ExemptionChange, Guard, NewAudit, NewRound, NewSignOff, SelfInput, Store,
    StoreError,
};

/// The criteria files shipped in `criteria/`, built into the binary so that the demo
/// needs nothing but the executable.
pub const CRITERIA_FILES: [(&str, &str); 4] = [
    (
        "criteria/so-2022.toml",
        include_str!("../criteria/so-2022.toml"),
    ),
    (
        "criteria/so-2023.toml",
        include_str!("../criteria/so-2023.toml"),
    ),
    (
        "criteria/huyen-2023.toml",
        include_str!("../criteria/huyen-2023.toml"),
    ),
    (
        "criteria/xa-2023.toml",
        include_str!("../criteria/xa-2023.toml"),
    ),
];

const TIERS: [(&str, &str); 3] = [
    ("so", "Khối sở, ban, ngành"),
    ("huyen", "Khối UBND quận, huyện"),
    ("xa", "Khối UBND xã, phường, thị trấn"),
];

/// The name of a tier of the demo (and of the sample sets), by its code.
pub fn tier_name(code: &str) -> Option<&'static str> {
    TIERS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

const DEPARTMENTS: [&str; 20] = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Thông tin và Truyền thông",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Giao thông vận tải",
    "Sở Tài nguyên và Môi trường",
    "Sở Công Thương",
    "Sở Y tế",
    "Văn phòng UBND thành phố",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Giáo dục và Đào tạo",
    "Sở Ngoại vụ",
    "Thanh tra thành phố",
    "Ban Dân tộc",
    "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ",
];

const DISTRICTS: [&str; 9] = [
    "UBND quận Ninh Kiều",
    "UBND quận Bình Thủy",
    "UBND quận Cái Răng",
    "UBND quận Ô Môn",
    "UBND quận Thốt Nốt",
    "UBND huyện Phong Điền",
    "UBND huyện Cờ Đỏ",
    "UBND huyện Thới Lai",
    "UBND huyện Vĩnh Thạnh",
];

const COMMUNES: [&str; 22] = [
    "UBND phường An Khánh",
    "UBND phường Hưng Lợi",
    "UBND phường Tân An",
    "UBND phường An Hòa",
    "UBND phường Cái Khế",
    "UBND phường Xuân Khánh",
    "UBND phường Bùi Hữu Nghĩa",
    "UBND phường Long Hòa",
    "UBND phường Trà Nóc",
    "UBND phường Lê Bình",
    "UBND phường Thường Thạnh",
    "UBND phường Hưng Phú",
    "UBND phường Thuận An",
    "UBND phường Trung Kiên",
    "UBND phường Châu Văn Liêm",
    "UBND phường Thới An",
    "UBND xã Nhơn Nghĩa",
    "UBND xã Mỹ Khánh",
    "UBND thị trấn Phong Điền",
    "UBND thị trấn Cờ Đỏ",
    "UBND xã Trường Xuân",
    "UBND thị trấn Thạnh An",
];

/// This unit did not submit its 2023 self-assessment.
const NON_SUBMITTER: &str = "UBND phường Thới An";

/// Units scored on the same seed, so the ranking shows shared ranks.
const TWINS: [(&str, &str); 2] = [
    ("UBND huyện Phong Điền", "UBND quận Bình Thủy"),
    ("Ban Dân tộc", "Sở Ngoại vụ"),
];

/// A small deterministic generator (SplitMix64), seeded from names: the demo must look
/// varied yet be the same on every run and every machine.
struct Rng(u64);

impl Rng {
    fn seeded(parts: &[&str]) -> Rng {
        // FNV-1a over the parts.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in parts.iter().flat_map(|p| p.bytes().chain([0u8])) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn audit(actor: &str) -> NewAudit {
    NewAudit {
        actor: actor.to_string(),
        address: Some("demo".into()),
        ..Default::default()
    }
}

fn unit_code(tier: &str, i: usize) -> String {
    format!("{}-{:02}", tier.to_uppercase(), i + 1)
}

/// Loads the demo into `store`. Refuses to run twice on the same database.
pub async fn load(store: &Store, clock: &dyn Clock) -> Result<String, StoreError> {
    if !store.rounds().await?.is_empty() {
        return Ok(
            "Dữ liệu mẫu đã có sẵn (cơ sở dữ liệu đã có kỳ đánh giá); bỏ qua bước nạp.".into(),
        );
    }
    let now = clock.now();
    for (position, (code, name)) in TIERS.iter().enumerate() {
        store.upsert_tier(code, name, position as i64).await?;
    }
    for (tier, names) in [
        ("so", &DEPARTMENTS[..]),
        ("huyen", &DISTRICTS[..]),
        ("xa", &COMMUNES[..]),
    ] {
        for (i, name) in names.iter().enumerate() {
            store.upsert_unit(&unit_code(tier, i), name, tier).await?;
        }
    }
    load_users(store, now).await?;

    let mut sets = Vec::new();
    for (file, text) in CRITERIA_FILES {
        let set = criteria_file::parse(file, text).map_err(|p| {
            StoreError::Invalid(
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let id = store
            .import_criteria_set(&set, text, audit("Sở Nội vụ (dữ liệu mẫu)"), now)
            .await?
            .id();
        sets.push((id, set));
    }
    let set_2023 = |tier: &str| {
        sets.iter()
            .find(|(_, s)| s.tier == tier && s.version == "2023")
    };
    let mut pinned = Vec::new();
    for (tier, _) in TIERS {
        if let Some((id, set)) = set_2023(tier) {
            pinned.push((tier.to_string(), *id, set.clone()));
        }
    }
    let bands = vec![
        Band {
            label: "Nhóm A".into(),
            min_index: Percent::from_hundredths(9000),
        },
        Band {
            label: "Nhóm B".into(),
            min_index: Percent::from_hundredths(8000),
        },
        Band {
            label: "Nhóm C".into(),
            min_index: Percent::from_hundredths(7000),
        },
        Band {
            label: "Nhóm D".into(),
            min_index: Percent::from_hundredths(0),
        },
    ];
    let window = |open: &str, close: &str| Window {
        opens_at: parse_opening(open).unwrap_or(now),
        closes_at: parse_deadline(close).unwrap_or(now),
    };
    let round_2023 = store
        .create_round(
            &NewRound {
                year: 2023,
                title: "Chỉ số CCHC năm 2023".into(),
                tie_break: TieBreak::AppraisedTotal,
                sets: pinned.iter().map(|(t, id, _)| (t.clone(), *id)).collect(),
                phases: vec![
                    (Phase::SelfAssessment, window("01/12/2023", "07/01/2024")),
                    (Phase::AppraisalRound1, window("08/01/2024", "31/01/2024")),
                    (Phase::Explanation, window("01/02/2024", "15/02/2024")),
                    (Phase::AppraisalRound2, window("16/02/2024", "15/03/2024")),
                ],
                bands: TIERS
                    .iter()
                    .map(|(t, _)| (t.to_string(), bands.clone()))
                    .collect(),
                opened: true,
                copied_from: None,
            },
            audit("Sở Nội vụ (dữ liệu mẫu)"),
            now,
        )
        .await?;

    // 2024: open for self-assessment now, until the end of the day 30 days from now.
    let day = |offset: i64| now + Duration::days(offset);
    let end_of_day =
        |t: DateTime<Utc>| parse_deadline(&crate::domain::deadline::format_date(t)).unwrap_or(t);
    let round_2024 = store
        .create_round(
            &NewRound {
                year: 2024,
                title: "Chỉ số CCHC năm 2024".into(),
                tie_break: TieBreak::AppraisedTotal,
                sets: pinned.iter().map(|(t, id, _)| (t.clone(), *id)).collect(),
                phases: vec![
                    (
                        Phase::SelfAssessment,
                        Window {
                            opens_at: day(-20),
                            closes_at: end_of_day(day(30)),
                        },
                    ),
                    (
                        Phase::AppraisalRound1,
                        Window {
                            opens_at: day(31),
                            closes_at: end_of_day(day(55)),
                        },
                    ),
                    (
                        Phase::Explanation,
                        Window {
                            opens_at: day(56),
                            closes_at: end_of_day(day(70)),
                        },
                    ),
                    (
                        Phase::AppraisalRound2,
                        Window {
                            opens_at: day(71),
                            closes_at: end_of_day(day(90)),
                        },
                    ),
                ],
                bands: TIERS
                    .iter()
                    .map(|(t, _)| (t.to_string(), bands.clone()))
                    .collect(),
                opened: true,
                copied_from: None,
            },
            audit("Sở Nội vụ (dữ liệu mẫu)"),
            now,
        )
        .await?;

    let submitted_at = parse_deadline("05/01/2024 16:30").unwrap_or(now);
    let appraised_at = parse_deadline("25/01/2024 10:00").unwrap_or(now);
    let mut scored = 0usize;
    for (tier, _, set) in &pinned {
        for unit in store
            .round_units(round_2023, Some(store.tier_by_code(tier).await?.id))
            .await?
        {
            let seed_name = TWINS
                .iter()
                .find(|(twin, _)| *twin == unit.name)
                .map_or(unit.name.as_str(), |(_, original)| original);
            let did_not_submit = unit.name == NON_SUBMITTER;
            if !did_not_submit {
                scored +=
                    score_unit(store, round_2023, unit.id, set, seed_name, submitted_at).await?;
                // Submitted by the unit's head where the demo has an account for one: the
                // score sheet's signature names it.
                let head = format!("{}.thutruong", unit.code.to_lowercase());
                let actor_id = store.user_for_sign_in(&head).await?.map(|(a, _)| a.user_id);
                store
                    .submit_self_assessment(
                        &Guard::self_assessment(round_2023, unit.id),
                        NewAudit {
                            actor_id,
                            ..audit("Thủ trưởng đơn vị (dữ liệu mẫu)")
                        },
                        submitted_at,
                    )
                    .await?;
            }
            appraise_unit(
                store,
                round_2023,
                unit.id,
                set,
                seed_name,
                did_not_submit,
                appraised_at,
            )
            .await?;
            survey_and_extras(store, round_2023, unit.id, set, seed_name, appraised_at).await?;
            // A few units have started 2024.
            if Rng::seeded(&[&unit.name, "2024"]).chance(25) {
                scored += score_unit(
                    store,
                    round_2024,
                    unit.id,
                    set,
                    &format!("{seed_name} 2024"),
                    now,
                )
                .await?;
            }
        }
    }
    // The Sở Tư pháp appraises institutional reform (area 2) in every unit of both rounds;
    // the council signed off the 2023 round's first appraisal.
    let justice = store.unit_by_code(&unit_code("so", JUSTICE)).await?.id;
    for round in [round_2023, round_2024] {
        for (tier, _, _) in &pinned {
            let tier_id = store.tier_by_code(tier).await?.id;
            store
                .assign(
                    (round, tier_id, "2"),
                    Some(justice),
                    audit("Sở Nội vụ (dữ liệu mẫu)"),
                    now,
                )
                .await?;
        }
    }
    let council = NewSignOff {
        phase: Phase::AppraisalRound1,
        signed_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default(),
        members: COUNCIL.join("\n"),
        note: "Thống nhất kết quả thẩm định lần 1; đề nghị các đơn vị giải trình các tiêu chí được yêu cầu trước ngày 15/02/2024.".into(),
    };
    store
        .sign_off(
            round_2023,
            &council,
            audit("Sở Nội vụ (dữ liệu mẫu)"),
            parse_deadline("31/01/2024 16:00").unwrap_or(now),
        )
        .await?;
    // The guide's exemptions for 2024: the Office and the Inspectorate handle no
    // administrative procedures, so area 3 and criterion 7.3 are not evaluated for them.
    let members = store.round_units(round_2024, None).await?;
    let mut exemptions = Vec::new();
    for unit in members.iter().filter(|u| EXEMPT.contains(&u.name.as_str())) {
        for node in ["3", "7.3"] {
            let reason = "Không giải quyết thủ tục hành chính (Hướng dẫn số 12/HD-SNV)".into();
            exemptions.push((unit.id, node.to_string(), ExemptionChange::Set { reason }));
        }
    }
    store
        .change_exemptions(
            round_2024,
            &exemptions,
            audit("Sở Nội vụ (dữ liệu mẫu)"),
            now,
        )
        .await?;
    Ok(format!(
        "Đã nạp dữ liệu mẫu Cần Thơ: {} đơn vị trong 3 khối, {} bộ tiêu chí, kỳ 2023 (#{round_2023}, đã thẩm định lần 1, Hội đồng đã ký biên bản) \
         và kỳ 2024 (#{round_2024}, đang tự chấm điểm); {scored} tiêu chí đã tự chấm.",
        DEPARTMENTS.len() + DISTRICTS.len() + COMMUNES.len(),
        sets.len()
    ))
}

/// The position in [`DEPARTMENTS`] of the Sở Tư pháp, which appraises area 2.
const JUSTICE: usize = 1;

/// The council that signed off the 2023 round's first appraisal.
const COUNCIL: [&str; 4] = [
    "Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng",
    "Lê Thị Hồng — Giám đốc Sở Nội vụ, Phó Chủ tịch Hội đồng",
    "Trần Minh Khoa — Giám đốc Sở Tư pháp, Thành viên",
    "Phạm Thị Lan — Trưởng phòng Cải cách hành chính, Sở Nội vụ, Thư ký Hội đồng",
];

/// The units the demo's 2024 round exempts from area 3 and criterion 7.3.
const EXEMPT: [&str; 2] = ["Văn phòng UBND thành phố", "Thanh tra thành phố"];

/// The password of every demo account (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "parindex-demo";

async fn load_users(store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
    // One hash for every demo account: hashing is slow on purpose, and these are not secrets.
    let hash = crate::service::auth::hash_password(DEMO_PASSWORD)
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut users = vec![
        (
            "quantri".to_string(),
            "Cán bộ CCHC Sở Nội vụ".to_string(),
            "admin",
            None,
        ),
        (
            "thamdinh".to_string(),
            "Thành viên Tổ thẩm định".to_string(),
            "appraiser",
            None,
        ),
        (
            "thamdinh.khcn".to_string(),
            "Sở Khoa học và Công nghệ (thẩm định lĩnh vực 7)".to_string(),
            "appraiser",
            None,
        ),
        (
            "lanhdao".to_string(),
            "Lãnh đạo UBND thành phố".to_string(),
            "viewer",
            None,
        ),
    ];
    for (tier, names) in [
        ("so", &DEPARTMENTS[..3]),
        ("huyen", &DISTRICTS[..2]),
        ("xa", &COMMUNES[..2]),
    ] {
        for (i, name) in names.iter().enumerate() {
            let unit = store.unit_by_code(&unit_code(tier, i)).await?;
            let login = unit.code.to_lowercase();
            users.push((
                format!("{login}.canbo"),
                format!("Cán bộ CCHC — {name}"),
                "officer",
                Some(unit.id),
            ));
            users.push((
                format!("{login}.thutruong"),
                format!("Thủ trưởng — {name}"),
                "head",
                Some(unit.id),
            ));
        }
    }
    // An officer of each unit the 2024 round exempts, to see its exemptions.
    for name in EXEMPT {
        if let Some(i) = DEPARTMENTS.iter().position(|d| *d == name) {
            let unit = store.unit_by_code(&unit_code("so", i)).await?;
            users.push((
                format!("{}.canbo", unit.code.to_lowercase()),
                format!("Cán bộ CCHC — {name}"),
                "officer",
                Some(unit.id),
            ));
        }
    }
    for (username, display_name, role, unit) in users {
        let id = store
            .create_user(&username, &display_name, role, unit, now)
            .await?;
        store.set_password_hash(id, &hash, false).await?;
        if username == "thamdinh.khcn" {
            // The department for science and digital affairs appraises only e-government.
            store.add_appraiser_scope(id, None, None, Some("7")).await?;
        }
    }
    // An appraiser of the Sở Tư pháp: no scope of their own, only what each round
    // assigns to the department.
    let justice = store.unit_by_code(&unit_code("so", JUSTICE)).await?;
    let id = store
        .create_user(
            "thamdinh.tuphap",
            &format!("Thành viên thẩm định — {}", justice.name),
            "appraiser",
            None,
            now,
        )
        .await?;
    store.set_password_hash(id, &hash, false).await?;
    store.set_user_department(id, Some(justice.id)).await?;
    Ok(())
}

/// A plausible input for a leaf from a unit of quality `q` (0..=100).
fn plausible_input(node: &Node, rng: &mut Rng, q: u64) -> Option<LeafInput> {
    let leaf = node.leaf.as_ref()?;
    Some(match &leaf.method {
        Method::Survey => return None,
        Method::YesNo => LeafInput::YesNo {
            met: rng.chance(q + 5),
        },
        Method::Tiered { .. } | Method::Proportional { .. } => {
            let denominator = 20 + rng.below(180) as i64;
            // Good units mostly reach 100%; others fall short by up to 40%.
            let shortfall = if rng.chance(q) {
                0
            } else {
                1 + rng.below(40) as i64
            };
            let numerator = denominator * (100 - shortfall) / 100;
            LeafInput::Rate {
                numerator: Points::whole(numerator),
                denominator: Points::whole(denominator),
            }
        }
        Method::Judged { step } => {
            let steps = node.max.hundredths() / step.hundredths().max(1);
            let lost = if rng.chance(q) {
                0
            } else {
                1 + rng.below(steps.max(1) as u64) as i64
            };
            LeafInput::Judged {
                points: Points::from_hundredths((steps - lost).max(0) * step.hundredths()),
            }
        }
        Method::Deduction { .. } => LeafInput::Occurrences {
            count: if rng.chance(q) {
                0
            } else {
                1 + rng.below(3) as i64
            },
        },
    })
}

fn quality(seed_name: &str) -> u64 {
    60 + Rng::seeded(&[seed_name, "quality"]).below(38)
}

async fn score_unit(
    store: &Store,
    round: i64,
    unit: i64,
    set: &CriteriaSet,
    seed_name: &str,
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let q = quality(seed_name);
    let mut count = 0;
    for node in set.leaves() {
        let mut rng = Rng::seeded(&[seed_name, &node.code]);
        let Some(leaf) = &node.leaf else { continue };
        if leaf.method == Method::Survey {
            continue;
        }
        let not_applicable = leaf.na_allowed && rng.chance(30);
        let input = if not_applicable {
            None
        } else {
            plausible_input(node, &mut rng, q)
        };
        let points = input.and_then(|i| node.score(i).ok());
        let entry = SelfInput {
            leaf_code: node.code.clone(),
            input,
            points,
            explanation: if not_applicable {
                String::new()
            } else {
                format!(
                    "Đơn vị tự chấm theo hướng dẫn; tài liệu kiểm chứng: {}",
                    leaf.evidence
                )
            },
            not_applicable,
            na_reason: if not_applicable {
                leaf.na_hint
                    .clone()
                    .unwrap_or_else(|| "Trong năm không phát sinh nội dung này.".into())
            } else {
                String::new()
            },
        };
        store
            .save_self_entry(
                &Guard::self_assessment(round, unit),
                &entry,
                None,
                audit("Cán bộ CCHC (dữ liệu mẫu)"),
                at,
            )
            .await?;
        count += 1;
    }
    Ok(count)
}

async fn appraise_unit(
    store: &Store,
    round: i64,
    unit: i64,
    set: &CriteriaSet,
    seed_name: &str,
    did_not_submit: bool,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let own = store.self_entries(round, unit).await?;
    for node in set.leaves().filter(|n| !n.is_survey()) {
        let mut rng = Rng::seeded(&[seed_name, &node.code, "appraisal"]);
        let self_entry = own.get(&node.code);
        let self_points = self_entry.and_then(|e| e.points).unwrap_or_default();
        let takes_figures = node.leaf.as_ref().is_some_and(|l| l.method.takes_figures());
        // Where the appraiser accepts the unit's score, its figures stand (as the page,
        // prefilled with them, saves them).
        let own_figures = self_entry.and_then(|e| e.input).filter(|_| takes_figures);
        let (points, input, comment, flag) = if did_not_submit {
            (
                Points::ZERO,
                None,
                "Đơn vị không gửi hồ sơ tự đánh giá đúng hạn.".to_string(),
                false,
            )
        } else if self_points > Points::ZERO && rng.chance(12) {
            // The appraiser finds the evidence short and lowers the score to the next value
            // the leaf's method can give: on a rate or count leaf by correcting the figures
            // where some give exactly that score.
            let lowered = lowered_score(node, self_points);
            let corrected = own_figures.and_then(|own| corrected_figures(node, own, lowered));
            let comment = match (corrected.and_then(|c| c.figures()), own_figures) {
                (Some(right), Some(own)) => format!(
                    "Đối chiếu tài liệu kiểm chứng, số liệu đúng là {right} (đơn vị báo cáo {}).",
                    own.figures().unwrap_or_default()
                ),
                _ => "Tài liệu kiểm chứng chưa đầy đủ, chưa chứng minh được kết quả tự chấm."
                    .to_string(),
            };
            (lowered, corrected, comment, rng.chance(50))
        } else {
            (self_points, own_figures, String::new(), false)
        };
        let entry = AppraisalEntry {
            leaf_code: node.code.clone(),
            appraisal_round: 1,
            points: Some(points),
            input,
            not_applicable: self_entry.is_some_and(|e| e.not_applicable) && !did_not_submit,
            comment,
            explanation_requested: flag,
        };
        store
            .save_appraisal(
                &Guard::in_phase(round, unit, Phase::AppraisalRound1),
                &entry,
                audit("Tổ thẩm định (dữ liệu mẫu)"),
                at,
            )
            .await?;
    }
    Ok(())
}

/// Figures close to the unit's `own` that give exactly `points` on `node`: fewer
/// procedures done (a whole one at a time), or more occurrences. None where none do.
fn corrected_figures(node: &Node, own: LeafInput, points: Points) -> Option<LeafInput> {
    let gives = |input: &LeafInput| node.score(*input) == Ok(points);
    match own {
        LeafInput::Rate {
            numerator,
            denominator,
        } => (1..=numerator.hundredths() / 100)
            .map(|fewer| LeafInput::Rate {
                numerator: numerator - Points::whole(fewer),
                denominator,
            })
            .find(gives),
        LeafInput::Occurrences { count } => (count + 1..=count + 100)
            .map(|count| LeafInput::Occurrences { count })
            .find(gives),
        _ => None,
    }
}

/// The next score below `points` that the leaf's method can produce.
fn lowered_score(node: &Node, points: Points) -> Points {
    match node.leaf.as_ref().map(|l| &l.method) {
        Some(Method::Tiered { tiers, .. }) => tiers
            .iter()
            .filter_map(|t| node.max.mul_ratio(t.fraction.hundredths(), 100))
            .filter(|v| *v < points)
            .max()
            .unwrap_or(Points::ZERO),
        Some(Method::Proportional { .. }) => points.mul_ratio(3, 4).unwrap_or_default(),
        Some(Method::Judged { step }) => {
            let half = points.mul_ratio(1, 2).unwrap_or_default();
            Points::from_hundredths(
                half.hundredths() / step.hundredths().max(1) * step.hundredths(),
            )
        }
        Some(Method::Deduction { per_occurrence, .. }) => {
            (points - *per_occurrence).max(Points::ZERO)
        }
        _ => Points::ZERO,
    }
}

async fn survey_and_extras(
    store: &Store,
    round: i64,
    unit: i64,
    set: &CriteriaSet,
    seed_name: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = quality(seed_name);
    for node in set.leaves().filter(|n| n.is_survey()) {
        let mut rng = Rng::seeded(&[seed_name, &node.code, "survey"]);
        // Satisfaction between about 70% and 98% of the maximum, in hundredths of a point.
        let percent = (q + rng.below(10)).min(98) as i64;
        let points = node.max.mul_ratio(percent, 100).unwrap_or_default();
        store
            .set_survey_score(
                &Guard::unpublished(round, unit),
                &node.code,
                points,
                audit("Sở Nội vụ (kết quả điều tra XHH)"),
                at,
            )
            .await?;
    }
    let mut rng = Rng::seeded(&[seed_name, "extras"]);
    if let Some(item) = set.bonus.items.first().filter(|_| rng.chance(20)) {
        store
            .set_extra(
                &Guard::unpublished(round, unit),
                &crate::store::ExtraCount {
                    kind: "bonus".into(),
                    item_code: item.code.clone(),
                    occurrences: 1,
                    note: "Sáng kiến được UBND thành phố công nhận".into(),
                },
                audit("Sở Nội vụ"),
                at,
            )
            .await?;
    }
    if let Some(item) = set.penalty.items.first().filter(|_| rng.chance(10)) {
        store
            .set_extra(
                &Guard::unpublished(round, unit),
                &crate::store::ExtraCount {
                    kind: "penalty".into(),
                    item_code: item.code.clone(),
                    occurrences: 1,
                    note: "Phản ánh có căn cứ được xác minh".into(),
                },
                audit("Sở Nội vụ"),
                at,
            )
            .await?;
    }
    Ok(())
}

/// A plain-text ranking table per tier, for the terminal.
pub fn results_table(results: &RoundResults) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} (kỳ #{})", results.title, results.round_id);
    for tier in &results.tiers {
        let _ = writeln!(
            out,
            "\n{} — bộ tiêu chí {} {}{}",
            tier.tier_name,
            tier.set_code,
            tier.set_version,
            if tier.provisional {
                " (kết quả tạm tính)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "{:>4}  {:<52} {:>8} {:>8} {:>8} {:>8} {:>8}  Xếp loại",
            "Hạng", "Đơn vị", "Tự chấm", "Thẩm định", "Điều tra", "Tổng", "Chỉ số"
        );
        for u in &tier.units {
            let _ = writeln!(
                out,
                "{:>4}  {:<52} {:>8} {:>8} {:>8} {:>8} {:>7}%  {}",
                u.rank,
                u.unit_name,
                u.self_total.to_vn_fixed(),
                u.appraised_total.to_vn_fixed(),
                u.survey_total.to_vn_fixed(),
                u.final_total.to_vn_fixed(),
                u.index.to_vn(),
                u.classification.as_deref().unwrap_or("")
            );
        }
    }
    out
}
