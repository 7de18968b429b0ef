//! Criteria sets (`criteria_sets.html`): every stored version with its workbook, two
//! versions compared, and a set imported from a Department of Home Affairs workbook.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::import_form::run_import;
use super::{PageImport, PageQuery, PageResult, PageUser, lines, render, status_with, user_ctx};
use crate::domain::criteria::SetDiff;
use crate::http::AppState;
use crate::http::extract::SignedIn;
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::Who;
use crate::service::imports::{self, CriteriaImport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/bo-tieu-chi", get(page))
        .route(
            "/quan-tri/bo-tieu-chi/nhap",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

/// Two versions to compare (their ids).
#[derive(Deserialize, Default)]
struct Compare {
    #[serde(rename = "cu")]
    older: Option<i64>,
    #[serde(rename = "moi")]
    newer: Option<i64>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(compare): PageQuery<Compare>,
) -> PageResult {
    show(&state, &user, &who, compare, Ok(None)).await
}

/// The Vietnamese name of a field that changed between two versions of a leaf.
fn field_label(field: &str) -> &'static str {
    match field {
        "text" => "nội dung",
        "max" => "điểm tối đa",
        "method" => "cách chấm",
        "guidance" => "hướng dẫn chấm",
        "evidence" => "tài liệu kiểm chứng",
        "na_allowed" => "không áp dụng",
        _ => "khác",
    }
}

/// A diff of two versions for the page: added, removed and changed leaves.
fn diff_ctx(diff: &SetDiff) -> Value {
    let node = |n: &crate::domain::Node| {
        context! { code => &n.code, text => &n.text, max => n.max.to_vn() }
    };
    let changed = diff.changed.iter().map(|c| {
        let fields: Vec<&str> = c.fields.iter().map(|f| field_label(f)).collect();
        context! {
            code => &c.code,
            text => &c.after.text,
            fields => fields.join(", "),
            max_before => c.before.max.to_vn(),
            max_after => c.after.max.to_vn(),
        }
    });
    context! {
        added => diff.added.iter().map(node).collect::<Vec<_>>(),
        removed => diff.removed.iter().map(node).collect::<Vec<_>>(),
        changed => changed.collect::<Vec<_>>(),
        empty => diff.is_empty(),
    }
}

fn report_ctx(r: &CriteriaImport) -> Value {
    context! {
        code => &r.code,
        version => &r.version,
        title => &r.title,
        tier => &r.tier,
        leaves => r.leaves,
        hash => r.content_hash.get(..12).unwrap_or(&r.content_hash),
        outcome => r.outcome,
        dry_run => r.dry_run,
        compared_with => &r.compared_with,
        diff => r.diff.as_ref().map(diff_ctx),
    }
}

async fn show(
    state: &AppState,
    user: &SignedIn,
    who: &Who,
    compare: Compare,
    outcome: Result<Option<CriteriaImport>, (axum::http::StatusCode, String)>,
) -> PageResult {
    let sets = imports::criteria_sets(&state.ctx, who).await?;
    let comparison = match (compare.older, compare.newer) {
        (Some(older), Some(newer)) => {
            let (a, b, diff) =
                imports::compare_criteria_sets(&state.ctx, who, older, newer).await?;
            Some(context! { older => a, newer => b, diff => diff_ctx(&diff) })
        }
        _ => None,
    };
    let (report, error) = match outcome {
        Ok(report) => (report, None),
        Err(error) => (None, Some(error)),
    };
    let html = render(
        "criteria_sets.html",
        context! {
            user => user_ctx(user),
            sets => Value::from_serialize(&sets),
            comparison,
            cu => compare.older,
            moi => compare.newer,
            report => report.as_ref().map(report_ctx),
            error_lines => lines(&error),
        },
    )?;
    Ok((status_with(&error), html).into_response())
}

/// A criteria set from its workbook.
async fn import(
    State(state): State<AppState>,
    PageImport { user, who, upload }: PageImport,
) -> PageResult {
    let (ctx, who) = (&state.ctx, &who);
    let outcome = run_import(upload, async |bytes, dry_run| {
        imports::import_criteria(ctx, who, bytes, dry_run).await
    })
    .await?;
    show(&state, &user, who, Compare::default(), outcome.map(Some)).await
}
