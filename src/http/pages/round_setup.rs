//! Setting a round up from pages: the next round copied from a previous one
//! (`round_new.html`), opening it to units, and moving a phase's window with a preview of
//! what changes for each unit (`round_phases.html`).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, user_ctx};
use crate::domain::deadline::{Phase, format_instant, parse_deadline, parse_opening};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::{NoFields, SignedIn};
use crate::service::round_setup::{self, RoundDraft};
use crate::service::rounds::{self, BandSpec, PhaseSpec, RoundSpec, SetPin};
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/moi", get(new_page).post(create))
        .route("/quan-tri/ky/{round}/mo", post(open))
        .route(
            "/quan-tri/ky/{round}/giai-doan",
            get(phases_page).post(phase_action),
        )
}

#[derive(Deserialize, Default)]
struct NewParams {
    /// The round to copy; the newest when absent.
    #[serde(rename = "tu")]
    from: Option<i64>,
}

async fn new_page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(params): PageQuery<NewParams>,
) -> PageResult {
    let from = match params.from {
        Some(id) => id,
        None => match rounds::list(&state.ctx, &who).await?.first() {
            Some((id, _, _)) => *id,
            None => {
                return Err(ServiceError::NotFound(
                    "kỳ đánh giá nào để sao chép; hãy tạo kỳ đầu tiên qua API hoặc dữ liệu mẫu"
                        .into(),
                )
                .into());
            }
        },
    };
    let draft = round_setup::draft_from(&state.ctx, &who, from).await?;
    show_new(&state, (&user, &who), draft, None).await
}

/// A refusal of the new round's form: its status, the sentence, and the form field it
/// stands beside (`title`, `set_xa`, `closes_explanation`…; none: beside the button).
struct NewRefusal {
    status: StatusCode,
    message: String,
    field: Option<String>,
    /// The year as typed (the draft holds only a year that parses).
    year: String,
}

async fn show_new(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    draft: RoundDraft,
    refused: Option<NewRefusal>,
) -> PageResult {
    let rounds: Vec<Value> = rounds::list(&state.ctx, who)
        .await?
        .into_iter()
        .map(|(id, year, title)| context! { id, year, title })
        .collect();
    let html = render(
        "round_new.html",
        context! {
            user => user_ctx(user),
            draft => Value::from_serialize(&draft),
            rounds,
            error => refused.as_ref().map(|r| r.message.clone()),
            refused_field => refused.as_ref().and_then(|r| r.field.clone()),
            year => refused.as_ref().map_or_else(|| draft.year.to_string(), |r| r.year.clone()),
        },
    )?;
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    Ok((status, html).into_response())
}

/// The form's fields: `tu`, `year`, `title`, `set_<tier code>` («code|version»),
/// `opens_<phase>` and `closes_<phase>`.
type Fields = BTreeMap<String, String>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// The draft as typed over the copy, for the form shown again after a refusal.
fn typed_over(mut draft: RoundDraft, form: &Fields) -> RoundDraft {
    draft.title = field(form, "title").to_string();
    if let Ok(year) = field(form, "year").parse() {
        draft.year = year;
    }
    for tier in &mut draft.tiers {
        if let Some((code, version)) =
            field(form, &format!("set_{}", tier.tier_code)).split_once('|')
        {
            tier.set_code = code.to_string();
            tier.set_version = version.to_string();
        }
    }
    for phase in &mut draft.phases {
        phase.opens = field(form, &format!("opens_{}", phase.phase.as_str())).to_string();
        phase.closes = field(form, &format!("closes_{}", phase.phase.as_str())).to_string();
    }
    draft
}

/// The round the form describes; bands and tie-break are the copied round's.
fn spec_of(
    draft: &RoundDraft,
    form: &Fields,
    bands: Vec<BandSpec>,
) -> Result<RoundSpec, ServiceError> {
    let year_text = field(form, "year");
    let year: i64 = year_text
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            ServiceError::invalid_field(
                "year",
                format!(
                    "Năm (trường «year») phải là một năm từ 2000 đến 2100, không phải «{year_text}»."
                ),
            )
        })?;
    let mut sets = Vec::new();
    for tier in &draft.tiers {
        let chosen = field(form, &format!("set_{}", tier.tier_code));
        let (code, version) = chosen.split_once('|').ok_or_else(|| {
            ServiceError::Invalid(format!("Cần chọn bộ tiêu chí cho khối {}.", tier.tier_name))
        })?;
        sets.push(SetPin {
            tier_code: tier.tier_code.clone(),
            set_code: code.to_string(),
            set_version: version.to_string(),
        });
    }
    let phases = draft
        .phases
        .iter()
        .map(|p| PhaseSpec {
            phase: p.phase,
            opens: field(form, &format!("opens_{}", p.phase.as_str())).to_string(),
            closes: field(form, &format!("closes_{}", p.phase.as_str())).to_string(),
        })
        .collect();
    Ok(RoundSpec {
        year,
        title: field(form, "title").to_string(),
        tie_break: draft.tie_break,
        sets,
        phases,
        bands,
        open: false,
        copied_from: Some(draft.from),
    })
}

/// Creates the round in preparation, then shows its page; a refusal shows the form again
/// with what was typed.
async fn create(
    State(state): State<AppState>,
    PageForm { user, who, form }: PageForm<Fields>,
) -> PageResult {
    let from: i64 = field(&form, "tu").parse().map_err(|_| {
        ServiceError::Invalid("Thiếu kỳ đánh giá để sao chép (trường «tu»).".into())
    })?;
    let draft = round_setup::draft_from(&state.ctx, &who, from).await?;
    let source = state.ctx.store.round(from).await?;
    let bands = source
        .tiers
        .iter()
        .flat_map(|t| {
            t.bands.iter().map(|b| BandSpec {
                tier_code: t.tier_code.clone(),
                label: b.label.clone(),
                min_index: b.min_index,
            })
        })
        .collect();
    let outcome = match spec_of(&draft, &form, bands) {
        Ok(spec) => rounds::create_round(&state.ctx, &who, spec).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/quan-tri/ky/{id}?tb=da-tao")).into_response()),
        Err(e) => {
            let refused_field = new_round_field(&e, &draft, &form);
            let (status, message) = match e {
                e @ ServiceError::NotFound(_) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
                e => refusal(e)?,
            };
            let refused = NewRefusal {
                status,
                message,
                field: refused_field,
                year: field(&form, "year").to_string(),
            };
            show_new(
                &state,
                (&user, &who),
                typed_over(draft, &form),
                Some(refused),
            )
            .await
        }
    }
}

/// The field of the new round's form a refusal is about: the one the service named (a
/// phase's end, `phases[explanation].opens`, is the form's `opens_explanation`), or else
/// the first tier left without a criteria set; none when the form shows no such field.
fn new_round_field(e: &ServiceError, draft: &RoundDraft, form: &Fields) -> Option<String> {
    let Some(named) = e.field() else {
        return draft
            .tiers
            .iter()
            .map(|t| format!("set_{}", t.tier_code))
            .find(|set| !field(form, set).contains('|'));
    };
    let phase_end = named
        .strip_prefix("phases[")
        .and_then(|rest| rest.split_once("]."));
    match phase_end {
        Some((phase, end)) => Some(format!("{end}_{phase}")),
        None => ["title", "year"]
            .contains(&named)
            .then(|| named.to_string()),
    }
}

async fn open(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { who, .. }: PageForm<NoFields>,
) -> PageResult {
    rounds::open_round(&state.ctx, &who, round).await?;
    Ok(Redirect::to(&format!("/quan-tri/ky/{round}?tb=da-mo")).into_response())
}

#[derive(Deserialize, Default)]
struct PhasesParams {
    #[serde(rename = "tb")]
    notice: Option<String>,
}

/// A phase's window as typed, and what to do with it: `xem-truoc` (preview) or `luu`.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PhaseForm {
    phase: String,
    opens: String,
    closes: String,
    action: String,
}

async fn phases_page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<PhasesParams>,
) -> PageResult {
    show_phases(&state, (&user, &who), round, params.notice, None, None).await
}

/// A refusal of a phase form: its status, the sentence, and the field it is shown beside
/// (`opens` or `closes`; none when it concerns the whole form).
struct PhaseRefusal {
    status: StatusCode,
    message: String,
    field: Option<&'static str>,
}

async fn show_phases(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round_id: i64,
    notice: Option<String>,
    typed: Option<(PhaseForm, Option<round_setup::PhasePreview>)>,
    error: Option<PhaseRefusal>,
) -> PageResult {
    let (round, _) = rounds::overview(&state.ctx, who, round_id).await?;
    let (typed, preview) = match typed {
        Some((form, preview)) => (Some(form), preview),
        None => (None, None),
    };
    let phases: Vec<Value> = Phase::ALL
        .iter()
        .map(|p| {
            let w = round.phases.get(p);
            let mine = typed.as_ref().filter(|t| t.phase == p.as_str());
            let form_value =
                |typed: Option<&String>, stored: Option<chrono::DateTime<chrono::Utc>>| {
                    typed.cloned().unwrap_or_else(|| {
                        stored.map_or(String::new(), |t| {
                            t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                                .format("%d/%m/%Y %H:%M")
                                .to_string()
                        })
                    })
                };
            let error = error.as_ref().filter(|_| mine.is_some());
            context! {
                code => p.as_str(),
                name => p.activity(),
                from => w.map(|w| format_instant(w.opens_at)),
                to => w.map(|w| format_instant(w.closes_at)),
                opens => form_value(mine.map(|t| &t.opens), w.map(|w| w.opens_at)),
                closes => form_value(mine.map(|t| &t.closes), w.map(|w| w.closes_at)),
                // A round in preparation runs nothing yet, whatever its dates say.
                current => round.opened_at.is_some() && w.is_some_and(|w| w.contains(who.now)),
                chosen => mine.is_some(),
                error => error.map(|e| e.message.clone()),
                error_field => error.and_then(|e| e.field),
            }
        })
        .collect();
    // A refusal that no phase form can hold (no phase chosen) is shown at the top.
    let general_error = error
        .as_ref()
        .filter(|_| {
            typed
                .as_ref()
                .is_none_or(|t| Phase::parse(&t.phase).is_none())
        })
        .map(|e| e.message.clone());
    let chosen = typed.as_ref().map(|t| {
        context! { phase => t.phase.clone(), opens => t.opens.clone(), closes => t.closes.clone() }
    });
    let html = render(
        "round_phases.html",
        context! {
            user => user_ctx(user),
            round => context! { id => round.id, title => round.title.clone(), published => round.published_at.is_some() },
            phases,
            chosen,
            preview => preview.as_ref().map(Value::from_serialize),
            notice,
            error => general_error,
        },
    )?;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok((status, html).into_response())
}

/// The field of the phase form a refusal is about: the one a rule named, or the date
/// that did not parse.
fn refused_field(e: &ServiceError, form: &PhaseForm) -> Option<&'static str> {
    match e {
        ServiceError::Rejected { field, .. } => *field,
        ServiceError::Invalid(_) if parse_opening(&form.opens).is_none() => Some("opens"),
        ServiceError::Invalid(_) if parse_deadline(&form.closes).is_none() => Some("closes"),
        _ => None,
    }
}

async fn phase_action(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<PhaseForm>,
) -> PageResult {
    let spec = Phase::parse(&form.phase)
        .map(|phase| PhaseSpec {
            phase,
            opens: form.opens.clone(),
            closes: form.closes.clone(),
        })
        .ok_or_else(|| ServiceError::Invalid("Cần chọn giai đoạn (trường «phase»).".into()));
    let outcome = match (spec, form.action.as_str()) {
        (Ok(spec), "luu") => match rounds::set_phase(&state.ctx, &who, round, spec).await {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/quan-tri/ky/{round}/giai-doan?tb=da-luu"))
                        .into_response(),
                );
            }
            Err(e) => Err(e),
        },
        (Ok(spec), _) => rounds::preview_phase(&state.ctx, &who, round, spec)
            .await
            .map(Some),
        (Err(e), _) => Err(e),
    };
    match outcome {
        Ok(preview) => {
            show_phases(
                &state,
                (&user, &who),
                round,
                None,
                Some((form, preview)),
                None,
            )
            .await
        }
        Err(e) => {
            let field = refused_field(&e, &form);
            let (status, message) = refusal(e)?;
            let error = PhaseRefusal {
                status,
                message,
                field,
            };
            show_phases(
                &state,
                (&user, &who),
                round,
                None,
                Some((form, None)),
                Some(error),
            )
            .await
        }
    }
}
