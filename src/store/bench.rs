//! Writing a national round's scores for the benchmarks in a few statements: one
//! `insert … select` per table over the units and a table of the leaf codes.

use chrono::{DateTime, Utc};

use super::{Result, Store, to_ts};

/// Writes a self-score for every unit and leaf of round `round_id`, a first appraisal of
/// every tenth leaf, and a submission for every unit but `open_units`; returns the number
/// of self-score rows. Points vary with the unit and the leaf (0 to 1 point).
pub async fn seed_scores(
    store: &Store,
    round_id: i64,
    leaf_codes: &[String],
    open_units: &[i64],
    now: DateTime<Utc>,
) -> Result<i64> {
    let pool = &store.pool;
    let at = to_ts(now);
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
    if store.backend == super::Backend::Postgres {
        // Fresh statistics, as autovacuum would gather after a bulk load: without them the
        // planner takes half a million rows for none and joins them row by row.
        sqlx::query("analyze").execute(pool).await?;
    }
    Ok(entries as i64)
}

/// The floor of a save: the table the bare endpoint upserts into, as one statement.
pub async fn create_bare_table(store: &Store) -> Result<()> {
    sqlx::query(
        r"create table if not exists bench_bare (unit_id bigint not null, leaf_code text not null,
              points_h bigint, explanation text not null, version bigint not null,
              updated_at bigint not null, primary key (unit_id, leaf_code))",
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// The bare endpoint's work: one upsert of one row, returning its new version.
pub async fn bare_upsert(
    store: &Store,
    unit_id: i64,
    leaf_code: &str,
    points_h: i64,
    explanation: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        r"insert into bench_bare (unit_id, leaf_code, points_h, explanation, version, updated_at)
          values ($1, $2, $3, $4, 1, $5)
          on conflict (unit_id, leaf_code) do update set points_h = excluded.points_h,
              explanation = excluded.explanation, version = bench_bare.version + 1,
              updated_at = excluded.updated_at
          returning version",
    )
    .bind(unit_id)
    .bind(leaf_code)
    .bind(points_h)
    .bind(explanation)
    .bind(to_ts(now))
    .fetch_one(&store.pool)
    .await?)
}

/// The floor of the results: each unit's sums over the same rows, as one aggregate: the
/// self-scores, and the appraised scores where an appraisal exists.
pub async fn bare_aggregate(store: &Store, round_id: i64) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        r"select s.unit_id, cast(sum(s.points_h) as bigint),
              cast(sum(coalesce(a.points_h, s.points_h)) as bigint)
          from self_entries s
          left join appraisal_entries a on a.round_id = s.round_id and a.unit_id = s.unit_id
              and a.leaf_code = s.leaf_code and a.appraisal_round = 1
          where s.round_id = $1
          group by s.unit_id",
    )
    .bind(round_id)
    .fetch_all(&store.pool)
    .await?)
}
