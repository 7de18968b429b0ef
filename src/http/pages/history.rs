//! The history of one leaf of a unit (`history.html`), from the audit log.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::self_assessment;

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/don-vi/{unit}/lich-su/{leaf}", get(page))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
) -> PageResult {
    let (unit_name, entries) =
        self_assessment::leaf_history_of(&state.ctx, &who, round, unit, &leaf).await?;
    // Each action named in Vietnamese («Lưu tự chấm điểm»), never its code.
    let mut entries = serde_json::to_value(&entries).unwrap_or_default();
    if let Some(list) = entries.as_array_mut() {
        for e in list {
            let label = e["action"]
                .as_str()
                .map(|code| crate::service::admin::action_label(code).to_string());
            if let Some(label) = label {
                e["action"] = serde_json::Value::String(label);
            }
        }
    }
    let html = render(
        "history.html",
        context! { user => user_ctx(&user), entries => Value::from_serialize(&entries), leaf, unit_name, round, unit },
    )?;
    Ok(html.into_response())
}
