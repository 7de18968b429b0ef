//! A national-scale round for the benchmarks: thousands of units in three tiers, a criteria
//! set per tier with `leaves` leaves in ten areas, every unit's self-scores, a first
//! appraisal of a tenth of the leaves, submissions, and accounts for the client.
//!
//! Units and accounts go through the store's own functions; the half million score rows
//! are written by one `insert … select` per table over the units and a table of the leaf
//! codes, as a migration would, through the store's pool: seeding takes seconds on either
//! backend.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use parindex::domain::Percent;
use parindex::domain::criteria_file;
use parindex::domain::deadline::{Phase, Window};
use parindex::domain::results::{Band, TieBreak};
use parindex::store::{Backend, NewAudit, NewRound, NewSignOff, Store};

/// The tiers of a national round and their share of the units, in thousandths.
const TIERS: [(&str, &str, usize); 3] = [
    ("so", "Khối sở, ban, ngành", 60),
    ("huyen", "Khối UBND quận, huyện", 140),
    ("xa", "Khối UBND xã, phường, thị trấn", 800),
];

/// The password of every account the generator makes.
pub const PASSWORD: &str = "parindex-bench-1";

/// What the generator made.
pub struct Seeded {
    pub round_id: i64,
    pub units: usize,
    pub leaves: usize,
    /// Self-score rows written.
    pub entries: i64,
    /// The administrator's username.
    pub admin: String,
    /// Officers of units that have not submitted, with their unit: the saving clients.
    pub officers: Vec<(String, i64)>,
    /// The codes of the leaves, in the set's order.
    pub leaf_codes: Vec<String>,
}

fn audit() -> NewAudit {
    NewAudit {
        actor: "Máy sinh dữ liệu đo hiệu năng".into(),
        address: Some("bench".into()),
        ..Default::default()
    }
}

/// The leaf codes of a set of `leaves` leaves in ten areas: "1.1", "1.2", …, "10.n".
fn leaf_codes(leaves: usize) -> Vec<(usize, Vec<String>)> {
    let areas = leaves.clamp(1, 10);
    (1..=areas)
        .map(|a| {
            // The first areas take the remainder: 105 leaves are 11 + 11 + … + 10.
            let count = leaves / areas + usize::from(a <= leaves % areas);
            (a, (1..=count).map(|i| format!("{a}.{i}")).collect())
        })
        .collect()
}

/// A criteria file of `leaves` leaves worth one point each, judged by the unit.
fn criteria_text(tier: &str, tier_name: &str, leaves: usize) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "[set]\ncode = \"QG-{}\"\nversion = \"2025\"\ntitle = \"Bộ chỉ số CCHC năm 2025 — {tier_name}\"\ntier = \"{tier}\"\ntotal = {leaves}\n",
        tier.to_uppercase()
    );
    for (area, codes) in leaf_codes(leaves) {
        let _ = writeln!(
            text,
            "[[node]]\ncode = \"{area}\"\ntext = \"Lĩnh vực {area} của cải cách hành chính\"\nmax = {}\n",
            codes.len()
        );
        for code in codes {
            let _ = writeln!(
                text,
                "[[node]]\ncode = \"{code}\"\ntext = \"Tiêu chí thành phần {code}: mức độ thực hiện nhiệm vụ được giao trong năm\"\nmax = 1\nmethod = \"judged\"\nguidance = \"Hoàn thành đầy đủ: 1 điểm; chưa đầy đủ: tùy mức độ.\"\n"
            );
        }
    }
    text
}

/// Seeds a national round of `units` units and `leaves` leaves per set into an empty
/// `store`, its self-assessment open at `now`; `officers` units of the last tier are left
/// unsubmitted, each with an officer account, for the saving clients.
pub async fn seed(
    store: &Store,
    units: usize,
    leaves: usize,
    officers: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let hash = parindex::service::auth::hash_password(PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut pinned = Vec::new();
    let mut unit_ids: Vec<(String, i64)> = Vec::with_capacity(units);
    let mut placed = 0;
    for (position, (tier, name, share)) in TIERS.iter().enumerate() {
        store.upsert_tier(tier, name, position as i64).await?;
        let text = criteria_text(tier, name, leaves);
        let set = criteria_file::parse(&format!("{tier}.toml"), &text).map_err(|p| {
            anyhow::anyhow!(
                "{}",
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let id = store
            .import_criteria_set(&set, &text, audit(), now)
            .await?
            .id();
        store.publish_criteria_set(id, audit(), now).await?;
        pinned.push((tier.to_string(), id));
        // The last tier takes what the shares leave over.
        let count = if position + 1 == TIERS.len() {
            units - placed
        } else {
            units * share / 1000
        };
        let kind = match *tier {
            "so" => "Sở",
            "huyen" => "UBND huyện",
            _ => "UBND xã",
        };
        for i in 1..=count {
            let code = format!("{}-{i:04}", tier.to_uppercase());
            let id = store
                .upsert_unit(&code, &format!("{kind} số {i}"), tier)
                .await?;
            unit_ids.push((tier.to_string(), id));
        }
        placed += count;
    }
    let day = |d: i64| now + Duration::days(d);
    let window = |from: i64, to: i64| Window {
        opens_at: day(from),
        closes_at: day(to),
    };
    let bands = vec![
        Band {
            label: "Tốt".into(),
            min_index: Percent::from_hundredths(8000),
        },
        Band {
            label: "Khá".into(),
            min_index: Percent::from_hundredths(0),
        },
    ];
    let round_id = store
        .create_round(
            &NewRound {
                year: 2025,
                title: "Chỉ số CCHC năm 2025 (toàn quốc, dữ liệu đo hiệu năng)".into(),
                tie_break: TieBreak::AppraisedTotal,
                sets: pinned.clone(),
                phases: vec![
                    (Phase::SelfAssessment, window(-10, 30)),
                    (Phase::AppraisalRound1, window(31, 50)),
                    (Phase::Explanation, window(51, 60)),
                    (Phase::AppraisalRound2, window(61, 80)),
                ],
                bands: pinned
                    .iter()
                    .map(|(t, _)| (t.clone(), bands.clone()))
                    .collect(),
                opened: true,
                copied_from: None,
            },
            audit(),
            now,
        )
        .await?;

    let admin = "bench.quantri".to_string();
    let id = store
        .create_user(&admin, "Quản trị đo hiệu năng", "admin", None, now)
        .await?;
    store.set_password_hash(id, &hash, false).await?;
    // The saving clients' units: the last ones of the last tier, left unsubmitted.
    let mut clients = Vec::new();
    for (i, (_, unit)) in unit_ids.iter().rev().take(officers).enumerate() {
        let username = format!("bench.canbo{:03}", i + 1);
        let id = store
            .create_user(
                &username,
                &format!("Cán bộ {}", i + 1),
                "officer",
                Some(*unit),
                now,
            )
            .await?;
        store.set_password_hash(id, &hash, false).await?;
        clients.push((username, *unit));
    }

    let codes: Vec<String> = leaf_codes(leaves)
        .into_iter()
        .flat_map(|(_, c)| c)
        .collect();
    let entries = seed_scores(
        store,
        round_id,
        &codes,
        &clients.iter().map(|(_, u)| *u).collect::<Vec<_>>(),
        now,
    )
    .await?;
    Ok(Seeded {
        round_id,
        units,
        leaves: codes.len(),
        entries,
        admin,
        officers: clients,
        leaf_codes: codes,
    })
}

/// Records the council's sign-off of the round's last appraisal (round 2), which
/// publication needs. Straight in the store: the appraisal's window is still ahead, and the
/// service refuses a sign-off before it opens.
pub async fn sign_off(store: &Store, round_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sign_off = NewSignOff {
        phase: Phase::AppraisalRound2,
        signed_on: parindex::domain::deadline::vn_date(now.timestamp()),
        members: "Nguyễn Văn An — Giám đốc Sở Nội vụ, Chủ tịch Hội đồng".into(),
        note: String::new(),
    };
    store.sign_off(round_id, &sign_off, audit(), now).await?;
    Ok(())
}

/// Writes a self-score for every unit and leaf of round `round_id`, a first appraisal of
/// every tenth leaf, and a submission for every unit but `open_units`; returns the number
/// of self-score rows. Points vary with the unit and the leaf (0 to 1 point).
async fn seed_scores(
    store: &Store,
    round_id: i64,
    leaf_codes: &[String],
    open_units: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let pool = store.pool();
    let at = now.timestamp();
    sqlx::query(
        "create table if not exists bench_leaves (ord bigint primary key, code text not null)",
    )
    .execute(pool)
    .await?;
    let mut tx = pool.begin().await?;
    for (ord, code) in leaf_codes.iter().enumerate() {
        sqlx::query("insert into bench_leaves (ord, code) values ($1, $2)")
            .bind(ord as i64)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    let entries = sqlx::query(
        r"insert into self_entries (round_id, unit_id, leaf_code, input_kind, judged_h, points_h,
              explanation, not_applicable, na_reason, version, updated_at)
          select $1, u.id, l.code, 'judged', (u.id * 37 + l.ord * 11) % 101,
              (u.id * 37 + l.ord * 11) % 101,
              'Báo cáo kết quả thực hiện số 12/BC-UBND', 0, '', 1, $2
          from units u cross join bench_leaves l",
    )
    .bind(round_id)
    .bind(at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        r"insert into appraisal_entries (round_id, unit_id, leaf_code, appraisal_round, points_h,
              not_applicable, comment, explanation_requested, updated_at)
          select $1, u.id, l.code, 1,
              case when (u.id * 37 + l.ord * 11) % 101 >= 25 then (u.id * 37 + l.ord * 11) % 101 - 25 else 0 end,
              0, 'Minh chứng chưa đầy đủ', 0, $2
          from units u cross join bench_leaves l where l.ord % 10 = 0",
    )
    .bind(round_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into submissions (round_id, unit_id, submitted_at) select $1, id, $2 from units",
    )
    .bind(round_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    for unit in open_units {
        sqlx::query("delete from submissions where round_id = $1 and unit_id = $2")
            .bind(round_id)
            .bind(unit)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if store.backend() == Backend::Postgres {
        // Fresh statistics, as autovacuum would gather after a bulk load: without them the
        // planner takes half a million rows for none and joins them row by row.
        sqlx::query("analyze").execute(pool).await?;
    }
    Ok(entries as i64)
}

/// The floor of the results: each unit's sums over the same rows, as one aggregate: the
/// self-scores, and the appraised scores where an appraisal exists.
pub async fn bare_aggregate(store: &Store, round_id: i64) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    sqlx::query_as(
        r"select s.unit_id, cast(sum(s.points_h) as bigint),
              cast(sum(coalesce(a.points_h, s.points_h)) as bigint)
          from self_entries s
          left join appraisal_entries a on a.round_id = s.round_id and a.unit_id = s.unit_id
              and a.leaf_code = s.leaf_code and a.appraisal_round = 1
          where s.round_id = $1
          group by s.unit_id",
    )
    .bind(round_id)
    .fetch_all(store.pool())
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn leaves_are_spread_over_ten_areas() {
        let codes = super::leaf_codes(105);
        assert_eq!(codes.len(), 10);
        assert_eq!(codes[0].1.len(), 11);
        assert_eq!(codes[9].1.len(), 10);
        assert_eq!(codes.iter().map(|(_, c)| c.len()).sum::<usize>(), 105);
        assert_eq!(super::leaf_codes(3).len(), 3);
    }

    #[test]
    fn the_generated_set_is_a_valid_criteria_file() {
        let text = super::criteria_text("xa", "Khối UBND xã", 100);
        let set = parindex::domain::criteria_file::parse("xa.toml", &text).expect("valid");
        assert_eq!(set.leaves().count(), 100);
        assert_eq!(set.total, parindex::domain::Points::whole(100));
    }
}
