//! The audit log (`audit.html`) for administrators: in time order (newest first, or oldest
//! first when asked), a page at a time with links both ways that keep the filters, filtered
//! by dates, unit, account, action and leaf; each entry with its round, its unit and the
//! names of the accounts, its action named once in Vietnamese. A date that is no date
//! gives the form back as typed, the message beside that field (422).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageQuery, PageResult, PageUser, render, user_ctx};
use crate::domain::deadline::{parse_deadline_or_explain, parse_opening_or_explain};
use crate::domain::text::filled;
use crate::http::AppState;
use crate::service::admin;
use crate::store::{AuditFilter, AuditPage};

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/nhat-ky", get(page))
}

/// Entries on one page.
const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filter {
    /// One unit's entries (its id); empty for every unit.
    #[serde(rename = "don_vi", deserialize_with = "empty_is_none")]
    unit: Option<i64>,
    /// One leaf's entries.
    #[serde(rename = "tieu_chi")]
    leaf: Option<String>,
    /// One account's entries (its username).
    #[serde(rename = "nguoi")]
    actor: Option<String>,
    /// One action (its code).
    #[serde(rename = "thao_tac")]
    action: Option<String>,
    /// From this day, dd/mm/yyyy.
    #[serde(rename = "tu_ngay")]
    from: Option<String>,
    /// To the end of this day, dd/mm/yyyy.
    #[serde(rename = "den_ngay")]
    until: Option<String>,
    /// «cu»: oldest first; otherwise newest first.
    #[serde(rename = "thu_tu")]
    order: Option<String>,
    /// The entries earlier than this one (its id): the next page when newest first.
    #[serde(rename = "truoc", deserialize_with = "empty_is_none")]
    before: Option<i64>,
    /// The entries later than this one: the next page when oldest first.
    #[serde(rename = "sau", deserialize_with = "empty_is_none")]
    after: Option<i64>,
}

/// A select's "every unit" option sends an empty value.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A field of the filter form and what is wrong with it.
type FieldError = (&'static str, String);

/// A day typed in a filter, checked: the field is named when it is no date.
fn day(
    text: &Option<String>,
    field: &'static str,
    label: &str,
    parse: fn(&str) -> Result<chrono::DateTime<chrono::Utc>, String>,
) -> Result<Option<i64>, FieldError> {
    match filled(text) {
        None => Ok(None),
        Some(t) => parse(&t)
            .map(|d| Some(d.timestamp()))
            .map_err(|e| (field, format!("{label}: {e}"))),
    }
}

/// The range of days typed, as unix seconds from (inclusive) and until (exclusive).
fn range(filter: &Filter) -> Result<(Option<i64>, Option<i64>), FieldError> {
    let from = day(&filter.from, "tu_ngay", "Từ ngày", parse_opening_or_explain)?;
    // The end of the day typed: entries before the next second.
    let until = day(
        &filter.until,
        "den_ngay",
        "Đến ngày",
        parse_deadline_or_explain,
    )?
    .map(|t| t + 1);
    if let (Some(f), Some(u)) = (from, until)
        && u <= f
    {
        return Err((
            "den_ngay",
            "«Đến ngày» phải từ «Từ ngày» trở về sau.".to_string(),
        ));
    }
    Ok((from, until))
}

/// The filters as a query string, for the links of the pager and of the order.
fn query_of(filter: &Filter, oldest_first: bool) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("tu_ngay", &filter.from),
        ("den_ngay", &filter.until),
        ("nguoi", &filter.actor),
        ("thao_tac", &filter.action),
        ("tieu_chi", &filter.leaf),
    ] {
        if let Some(v) = filled(value) {
            query.append_pair(name, &v);
        }
    }
    if let Some(unit) = filter.unit {
        query.append_pair("don_vi", &unit.to_string());
    }
    if oldest_first {
        query.append_pair("thu_tu", "cu");
    }
    query.finish()
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(filter): PageQuery<Filter>,
) -> PageResult {
    let oldest_first = filter.order.as_deref().map(str::trim) == Some("cu");
    let checked = range(&filter);
    let (from, until) = checked.clone().unwrap_or_default();
    let wanted = AuditFilter {
        unit_id: filter.unit,
        leaf_code: filled(&filter.leaf),
        actor: filled(&filter.actor),
        action: filled(&filter.action),
        from,
        until,
        ..Default::default()
    };
    let reading = AuditPage {
        oldest_first,
        earlier_than: filter.before,
        later_than: filter.after,
        // A date that is no date lists nothing: the form comes back as typed, its message
        // beside the field.
        limit: if checked.is_ok() { PAGE + 1 } else { 0 },
    };
    let (mut entries, units) = admin::audit_log(&state.ctx, &who, &wanted, &reading).await?;
    let error = checked.err();
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    // Read from a cursor towards the start of the list (a previous page): turned round.
    let backwards = match (filter.after, filter.before) {
        (Some(_), _) => !oldest_first,
        (None, Some(_)) => oldest_first,
        (None, None) => false,
    };
    let cursor = filter.after.or(filter.before).is_some();
    let (has_previous, has_next) = if backwards {
        entries.reverse();
        (more, true)
    } else {
        (cursor, more)
    };
    let (first, last) = (
        entries.first().map(|e| e.entry.id),
        entries.last().map(|e| e.entry.id),
    );
    // Newest first, the next page is earlier («truoc»); oldest first, later («sau»).
    let (next_key, previous_key) = if oldest_first {
        ("sau", "truoc")
    } else {
        ("truoc", "sau")
    };
    let query = query_of(&filter, oldest_first);
    let link = |key: &str, id: Option<i64>| {
        id.map(|id| {
            format!(
                "?{query}{}{key}={id}",
                if query.is_empty() { "" } else { "&" }
            )
        })
    };
    let next = has_next.then(|| link(next_key, last)).flatten();
    let previous = has_previous.then(|| link(previous_key, first)).flatten();
    let rows: Vec<Value> = entries
        .iter()
        .map(|l| {
            let e = &l.entry;
            context! {
                at => e.at,
                actor => &e.actor,
                action => admin::action_label(&e.action),
                round => l.round_title.clone().or(e.round_id.map(|id| format!("kỳ #{id}"))),
                unit => l.unit_name.clone().or(e.unit_id.map(|id| format!("đơn vị #{id}"))),
                leaf_code => &e.leaf_code,
                old_value => &e.old_value,
                new_value => l.subject.as_ref().or(e.new_value.as_ref()),
                address => &e.address,
            }
        })
        .collect();
    let actions: Vec<Value> = admin::ACTIONS
        .iter()
        .map(|(code, label)| context! { code, label })
        .collect();
    let (error_field, error_message) = match &error {
        Some((field, message)) => (Some(*field), Some(message.clone())),
        None => (None, None),
    };
    let html = render(
        "audit.html",
        context! {
            user => user_ctx(&user),
            entries => rows,
            units => Value::from_serialize(&units),
            actions,
            unit_id => filter.unit,
            leaf => filled(&filter.leaf).unwrap_or_default(),
            actor => filled(&filter.actor).unwrap_or_default(),
            action => filled(&filter.action).unwrap_or_default(),
            from => filled(&filter.from).unwrap_or_default(),
            until => filled(&filter.until).unwrap_or_default(),
            oldest_first,
            error_field,
            error => error_message,
            next,
            previous,
            first_page => (has_previous).then(|| format!("?{query}")),
            reordered => format!(
                "?{}",
                query_of(&filter, !oldest_first)
            ),
        },
    )?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}
