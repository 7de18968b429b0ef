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
use crate::service::rounds::{self, PhaseSpec, RoundSpec, SetPin};
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

/// The new round's form as typed, kept as text so that a refusal shows it again as it
/// was typed; [`RoundSpec::try_from`] parses it.
#[derive(Deserialize, Clone)]
struct NewRoundForm {
    /// The round copied: its tiers, bands and tie-break are the new round's.
    #[serde(rename = "tu")]
    from: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    opens_self_assessment: String,
    #[serde(default)]
    closes_self_assessment: String,
    #[serde(default)]
    opens_appraisal_round1: String,
    #[serde(default)]
    closes_appraisal_round1: String,
    #[serde(default)]
    opens_explanation: String,
    #[serde(default)]
    closes_explanation: String,
    #[serde(default)]
    opens_appraisal_round2: String,
    #[serde(default)]
    closes_appraisal_round2: String,
    /// The other fields: each tier's criteria set, `set_<tier code>` = «code|version».
    /// The tiers are the copied round's, known only once it is read, so their fields
    /// cannot be named here; [`NewRoundForm::set_of`] reads them.
    #[serde(flatten)]
    sets: BTreeMap<String, String>,
}

impl NewRoundForm {
    /// A phase's window as typed: (opens, closes).
    fn window(&self, phase: Phase) -> (&str, &str) {
        let (opens, closes) = match phase {
            Phase::SelfAssessment => (&self.opens_self_assessment, &self.closes_self_assessment),
            Phase::AppraisalRound1 => (&self.opens_appraisal_round1, &self.closes_appraisal_round1),
            Phase::Explanation => (&self.opens_explanation, &self.closes_explanation),
            Phase::AppraisalRound2 => (&self.opens_appraisal_round2, &self.closes_appraisal_round2),
        };
        (opens.trim(), closes.trim())
    }

    /// The criteria set chosen for a tier, (code, version); none when none was.
    fn set_of(&self, tier_code: &str) -> Option<(&str, &str)> {
        self.sets
            .get(&format!("set_{tier_code}"))
            .and_then(|v| v.trim().split_once('|'))
    }

    /// The draft as typed over the copy, for the form shown again after a refusal.
    fn typed_over(&self, mut draft: RoundDraft) -> RoundDraft {
        draft.title = self.title.trim().to_string();
        if let Ok(year) = self.year.trim().parse() {
            draft.year = year;
        }
        for tier in &mut draft.tiers {
            if let Some((code, version)) = self.set_of(&tier.tier_code) {
                tier.set_code = code.to_string();
                tier.set_version = version.to_string();
            }
        }
        for phase in &mut draft.phases {
            let (opens, closes) = self.window(phase.phase);
            phase.opens = opens.to_string();
            phase.closes = closes.to_string();
        }
        draft
    }
}

/// The round the form describes, over the round it copies: its tiers (each must have a
/// set chosen), its phases, and its bands and tie-break as they were. The dates are the
/// service's to parse, which names the phase a bad one belongs to.
impl TryFrom<(&NewRoundForm, &RoundDraft)> for RoundSpec {
    type Error = ServiceError;

    fn try_from((form, draft): (&NewRoundForm, &RoundDraft)) -> Result<Self, ServiceError> {
        let year_text = form.year.trim();
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
        let sets = draft
            .tiers
            .iter()
            .map(|tier| {
                let (code, version) = form.set_of(&tier.tier_code).ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "Cần chọn bộ tiêu chí cho khối {}.",
                        tier.tier_name
                    ))
                })?;
                Ok(SetPin {
                    tier_code: tier.tier_code.clone(),
                    set_code: code.to_string(),
                    set_version: version.to_string(),
                })
            })
            .collect::<Result<_, ServiceError>>()?;
        let phases = draft
            .phases
            .iter()
            .map(|p| {
                let (opens, closes) = form.window(p.phase);
                PhaseSpec {
                    phase: p.phase,
                    opens: opens.to_string(),
                    closes: closes.to_string(),
                }
            })
            .collect();
        Ok(RoundSpec {
            year,
            title: form.title.trim().to_string(),
            tie_break: draft.tie_break,
            sets,
            phases,
            bands: draft.copied_bands.clone(),
            open: false,
            copied_from: Some(draft.from),
        })
    }
}

/// Creates the round in preparation, then shows its page; a refusal shows the form again
/// with what was typed.
async fn create(
    State(state): State<AppState>,
    PageForm { user, who, form }: PageForm<NewRoundForm>,
) -> PageResult {
    let draft = round_setup::draft_from(&state.ctx, &who, form.from).await?;
    let outcome = match RoundSpec::try_from((&form, &draft)) {
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
                year: form.year.trim().to_string(),
            };
            show_new(&state, (&user, &who), form.typed_over(draft), Some(refused)).await
        }
    }
}

/// The field of the new round's form a refusal is about: the one the service named (a
/// phase's end, `phases[explanation].opens`, is the form's `opens_explanation`), or else
/// the first tier left without a criteria set; none when the form shows no such field.
fn new_round_field(e: &ServiceError, draft: &RoundDraft, form: &NewRoundForm) -> Option<String> {
    let Some(named) = e.field() else {
        return draft
            .tiers
            .iter()
            .find(|t| form.set_of(&t.tier_code).is_none())
            .map(|t| format!("set_{}", t.tier_code));
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

/// A phase's window as typed, and which button sent it.
#[derive(Deserialize, Clone)]
struct PhaseForm {
    #[serde(default)]
    phase: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
    /// No default: a form without its button is refused (422), never taken for a preview.
    action: PhaseAction,
}

/// The phase form's buttons.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
enum PhaseAction {
    /// «Xem trước»: what the new window changes for each unit; nothing saved.
    #[serde(rename = "xem-truoc")]
    Preview,
    /// «Lưu thời gian mới», from the preview.
    #[serde(rename = "luu")]
    Save,
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
    let outcome = match (spec, form.action) {
        (Ok(spec), PhaseAction::Save) => {
            match rounds::set_phase(&state.ctx, &who, round, spec).await {
                Ok(()) => {
                    return Ok(
                        Redirect::to(&format!("/quan-tri/ky/{round}/giai-doan?tb=da-luu"))
                            .into_response(),
                    );
                }
                Err(e) => Err(e),
            }
        }
        (Ok(spec), PhaseAction::Preview) => rounds::preview_phase(&state.ctx, &who, round, spec)
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

#[cfg(test)]
mod tests {
    use super::{NewRoundForm, RoundSpec};
    use crate::domain::deadline::Phase;
    use crate::http::extract::parse_urlencoded;
    use crate::service::round_setup::{DraftPhase, DraftTier, RoundDraft};

    fn draft() -> RoundDraft {
        let tier = |code: &str, name: &str| DraftTier {
            tier_code: code.into(),
            tier_name: name.into(),
            set_code: "CU".into(),
            set_version: "1".into(),
            choices: Vec::new(),
            bands: Vec::new(),
        };
        RoundDraft {
            from: 7,
            from_title: "Chỉ số CCHC năm 2023".into(),
            year: 2024,
            title: "Chỉ số CCHC năm 2024".into(),
            tie_break: Default::default(),
            tiers: vec![tier("so", "Khối sở"), tier("xa", "Khối xã")],
            phases: vec![DraftPhase {
                phase: Phase::SelfAssessment,
                name: Phase::SelfAssessment.activity(),
                opens: "01/12/2024 00:00".into(),
                closes: "07/01/2025 23:59".into(),
            }],
            copied_bands: Vec::new(),
        }
    }

    #[test]
    fn the_new_round_form_parses_into_the_round_it_describes() {
        let form: NewRoundForm = parse_urlencoded(
            "csrf=x&tu=7&title=+K%E1%BB%B3+2024+&year=2024&set_so=MOI%7C2&set_xa=CU%7C1\
             &opens_self_assessment=02%2F12%2F2024&closes_self_assessment=08%2F01%2F2025"
                .as_bytes(),
        )
        .expect("parses");
        assert_eq!(form.from, 7);
        let spec = RoundSpec::try_from((&form, &draft())).expect("a round");
        assert_eq!((spec.year, spec.title.as_str()), (2024, "Kỳ 2024"));
        let sets: Vec<_> = spec
            .sets
            .iter()
            .map(|s| {
                (
                    s.tier_code.as_str(),
                    s.set_code.as_str(),
                    s.set_version.as_str(),
                )
            })
            .collect();
        assert_eq!(sets, [("so", "MOI", "2"), ("xa", "CU", "1")]);
        assert_eq!(spec.phases.len(), 1);
        assert_eq!(
            (
                spec.phases[0].opens.as_str(),
                spec.phases[0].closes.as_str()
            ),
            ("02/12/2024", "08/01/2025")
        );
        assert_eq!((spec.open, spec.copied_from), (false, Some(7)));
    }

    #[test]
    fn a_new_round_form_refused_names_what_is_wrong() {
        let parse = |text: &str| parse_urlencoded::<NewRoundForm>(text.as_bytes());
        let e = parse("year=2024").err().expect("no round to copy");
        assert!(e.message.contains("«tu»"), "{}", e.message);
        let e = parse("tu=bảy").err().expect("no number");
        assert!(e.message.contains("«tu»"), "{}", e.message);
        let form = parse("tu=7&year=20x4&set_so=A%7C1&set_xa=A%7C1").expect("parses");
        let e = RoundSpec::try_from((&form, &draft())).expect_err("no year");
        assert_eq!(e.field(), Some("year"));
        assert!(e.to_string().contains("«20x4»"), "{e}");
        let form = parse("tu=7&year=2024&set_so=A%7C1&set_xa=A").expect("parses");
        let e = RoundSpec::try_from((&form, &draft())).expect_err("no set for xa");
        assert!(e.to_string().contains("Khối xã"), "{e}");
        assert_eq!(
            form.typed_over(draft()).tiers[0].set_code,
            "A",
            "the choice typed, shown again"
        );
    }
}
