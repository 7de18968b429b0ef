//! The unit's self-assessment page (`self_assessment.html`, one `_leaf.html` per leaf):
//! save a leaf, see its points as one types, upload evidence, submit and withdraw.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::leaf_form::LeafForm;
use super::{
    PageForm, PageQuery, PageResult, PageUpload, PageUser, from_htmx, in_place, refusal, render,
    user_ctx,
};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::NoFields;
use crate::http::extract::SignedIn;
use crate::service::self_assessment::{self as service, Preview, SelfAssessmentView};
use crate::service::{ServiceError, Who, evidence};
use crate::store::Refusal;

pub fn router() -> Router<AppState> {
    let base = "/ky/{round}/don-vi/{unit}";
    Router::new()
        .route(&format!("{base}/tu-cham-diem"), get(page))
        .route(&format!("{base}/tu-cham-diem/{{leaf}}"), post(save_leaf))
        .route(
            &format!("{base}/tu-cham-diem/{{leaf}}/tinh-diem"),
            post(preview),
        )
        .route(
            &format!("{base}/tai-lieu"),
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{base}/rut-lai"), post(withdraw))
        .route(&format!("{base}/van-ban"), post(cite))
        .route(&format!("{base}/tai-lieu/{{kind}}/{{id}}/go"), post(remove))
        .route(
            &format!("{base}/tai-lieu/tep/{{id}}/thay"),
            post(replace).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{base}/tai-lieu/dung-lai"), post(reuse))
        // Addresses above the unit's forms, opened as pages: its self-assessment.
        .route(base, get(to_self_assessment))
        .route(
            &format!("{base}/tai-lieu/{{kind}}/{{id}}"),
            get(to_self_assessment),
        )
}

/// The unit's own address, or an evidence item's, opened as a page (a form's address cut
/// back, see `http::method_not_allowed`): its self-assessment page.
async fn to_self_assessment(
    ApiPath(params): ApiPath<BTreeMap<String, String>>,
) -> PageResult<Redirect> {
    let id = |name: &str| {
        params
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| crate::http::error::HttpError::field(name, "phải là một số nguyên."))
    };
    let (round, unit) = (id("round")?, id("unit")?);
    Ok(Redirect::to(&format!(
        "/ky/{round}/don-vi/{unit}/tu-cham-diem"
    )))
}

/// «Dùng tệp đã tải lên»: a file of the unit chosen for one more leaf.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ReuseForm {
    leaf: String,
    file_id: String,
}

async fn reuse(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
    PageForm { user, who, form }: PageForm<ReuseForm>,
) -> PageResult {
    let outcome = match form.file_id.trim().parse::<i64>() {
        Ok(id) => evidence::reuse_file(&state.ctx, &who, (round, unit), id, &form.leaf).await,
        Err(_) => Err(ServiceError::Invalid(
            "Chọn một tệp đã tải lên trong danh sách.".into(),
        )),
    };
    let sent = EvidenceForm::new(form.leaf, "evidence", &headers);
    evidence_outcome(&state, (&user, &who), (round, unit), sent, outcome).await
}

/// A citation typed beside a leaf.
#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
struct CitationForm {
    leaf: String,
    document_number: String,
    issued_on: String,
    summary: String,
    pages: String,
}

impl CitationForm {
    /// What was typed, labelled, to copy when it could not be saved.
    fn kept(&self) -> Vec<(&'static str, String)> {
        [
            ("Số, ký hiệu", &self.document_number),
            ("Ngày ban hành", &self.issued_on),
            ("Trích yếu", &self.summary),
            ("Trang", &self.pages),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(l, v)| (l, v.clone()))
        .collect()
    }
}

/// The fields of a leaf's forms that show a message beside them; a refusal about any
/// other (the leaf's code in the address, the leaves of a citation) stands above its form.
fn shown_beside(form: &str, field: &str) -> bool {
    const LEAF: [&str; 8] = [
        "met",
        "numerator",
        "denominator",
        "points",
        "count",
        "explanation",
        "not_applicable",
        "na_reason",
    ];
    const CITATION: [&str; 4] = ["document_number", "issued_on", "summary", "pages"];
    match form {
        "leaf" => LEAF.contains(&field),
        "citation" => CITATION.contains(&field),
        _ => false,
    }
}

/// A refusal of one of a leaf's forms, as [`answer`] shows it beside that form.
fn refused_beside(
    leaf: &str,
    form: &'static str,
    (status, message): (StatusCode, String),
    field: Option<&'static str>,
) -> LeafError {
    LeafError {
        leaf: leaf.to_string(),
        status,
        message,
        form,
        field: field.filter(|f| shown_beside(form, f)),
        typed: None,
        kept: Vec::new(),
        locked: false,
    }
}

/// A service's refusal of one of a leaf's forms. When it came because the
/// self-assessment is locked (submitted, closed or published while the page was open),
/// the message says so and that what was typed was not saved.
async fn refused_by_service(
    state: &AppState,
    who: &Who,
    (round, unit): (i64, i64),
    leaf: &str,
    form: &'static str,
    e: ServiceError,
) -> PageResult<LeafError> {
    let field = e.field();
    let (status, message) = refusal(e)?;
    let mut error = refused_beside(leaf, form, (status, message), field);
    if matches!(status, StatusCode::FORBIDDEN | StatusCode::CONFLICT)
        && let Some(lock) = service::lock(&state.ctx, who, round, unit).await?
    {
        error.message = locked_message(&lock, who.now);
        error.field = None;
        error.locked = true;
    }
    Ok(error)
}

/// Why a save was not stored, when the self-assessment was locked before it arrived.
fn locked_message(lock: &Refusal, now: chrono::DateTime<chrono::Utc>) -> String {
    use crate::domain::deadline::format_instant;
    let why = match lock {
        Refusal::Submitted(at) => {
            format!("Bản tự đánh giá đã được gửi lúc {}", format_instant(*at))
        }
        Refusal::Published(at) => format!(
            "Kết quả kỳ đánh giá đã được công bố lúc {}",
            format_instant(*at)
        ),
        Refusal::Closed(gate) => match gate.effective_deadline {
            Some(deadline) if deadline < now => {
                format!("Đã hết hạn tự chấm điểm lúc {}", format_instant(deadline))
            }
            _ => gate.message.trim_end_matches('.').to_string(),
        },
        // The others (a sign-off, a publication refused) are no self-assessment's.
        other => other.to_string().trim_end_matches('.').to_string(),
    };
    format!(
        "{why} — nội dung vừa nhập chưa được lưu. Hãy sao chép nội dung dưới đây nếu cần dùng lại."
    )
}

/// The answer to one of a leaf's forms that was not simply done: with htmx, the leaf
/// alone (saved, or with the refusal beside its form) with the refusal's status, for the
/// page's script to swap in place; without, the whole page with the status, landing on
/// the leaf (the form's action carries its anchor).
async fn answer(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (round, unit): (i64, i64),
    (leaf, htmx): (&str, bool),
    outcome: Result<&'static str, LeafError>,
) -> PageResult {
    let view = service::view(&state.ctx, who, round, unit).await?;
    let evidence = evidence_by_leaf(state, who, round, unit).await?;
    let (done, error) = match outcome {
        Ok(form) => (Some(form), None),
        Err(e) => (None, Some(e)),
    };
    if htmx {
        let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
        let html = leaf_fragment(user, &view, leaf, done, error, evidence)?;
        return Ok(in_place(status, html));
    }
    Ok(render_page(who, user, &view, Saved::default(), error, evidence)?.into_response())
}

/// One of a leaf's evidence forms as it arrived: the leaf it lands on, which form
/// (`upload`, `citation`, or `evidence` for a reuse, a removal, a replacement), whether
/// htmx sent it, and what was typed (a citation's), to give back with a refusal.
struct EvidenceForm {
    leaf: String,
    form: &'static str,
    htmx: bool,
    kept: Vec<(&'static str, String)>,
    typed: Option<Value>,
}

impl EvidenceForm {
    fn new(leaf: String, form: &'static str, headers: &HeaderMap) -> EvidenceForm {
        EvidenceForm {
            leaf,
            form,
            htmx: from_htmx(headers),
            kept: Vec::new(),
            typed: None,
        }
    }
}

/// The end of a change to a leaf's evidence: back to the leaf (redirect, or the leaf in
/// place with htmx), or the refusal beside the form with what was typed.
async fn evidence_outcome(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (round, unit): (i64, i64),
    sent: EvidenceForm,
    outcome: Result<(), ServiceError>,
) -> PageResult {
    let EvidenceForm {
        leaf,
        form,
        htmx,
        kept,
        typed,
    } = sent;
    let outcome = match outcome {
        Ok(()) if !htmx => {
            let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}");
            return Ok(Redirect::to(&to).into_response());
        }
        Ok(()) => Ok(form),
        Err(e) => {
            let mut error = refused_by_service(state, who, (round, unit), &leaf, form, e).await?;
            error.kept = kept;
            error.typed = typed;
            Err(error)
        }
    };
    answer(state, (user, who), (round, unit), (&leaf, htmx), outcome).await
}

async fn cite(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
    PageForm { user, who, form }: PageForm<CitationForm>,
) -> PageResult {
    let draft = crate::domain::evidence::CitationDraft {
        document_number: form.document_number.clone(),
        issued_on: form.issued_on.clone(),
        summary: form.summary.clone(),
        pages: form.pages.clone(),
    };
    let leaves = [form.leaf.clone()];
    let outcome = evidence::add_citation(&state.ctx, &who, round, unit, draft, &leaves)
        .await
        .map(|_| ());
    let sent = EvidenceForm {
        kept: form.kept(),
        typed: Some(Value::from_serialize(&form)),
        ..EvidenceForm::new(form.leaf, "citation", &headers)
    };
    evidence_outcome(&state, (&user, &who), (round, unit), sent, outcome).await
}

/// Which leaf to take the item off; absent: every leaf (the item is removed).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RemoveForm {
    leaf: String,
}

async fn remove(
    State(state): State<AppState>,
    ApiPath((round, unit, kind, id)): ApiPath<(i64, i64, String, i64)>,
    headers: HeaderMap,
    PageForm { user, who, form }: PageForm<RemoveForm>,
) -> PageResult {
    let citation = match kind.as_str() {
        "tep" => false,
        "van-ban" => true,
        _ => return Err(ServiceError::NotFound(format!("loại tài liệu «{kind}»")).into()),
    };
    let leaf = (!form.leaf.trim().is_empty()).then(|| form.leaf.trim().to_string());
    let outcome = evidence::remove(
        &state.ctx,
        &who,
        (round, unit),
        (citation, id),
        leaf.as_deref(),
    )
    .await;
    let sent = EvidenceForm::new(form.leaf, "evidence", &headers);
    evidence_outcome(&state, (&user, &who), (round, unit), sent, outcome).await
}

async fn replace(
    State(state): State<AppState>,
    ApiPath((round, unit, id)): ApiPath<(i64, i64, i64)>,
    headers: HeaderMap,
    PageUpload { user, who, upload }: PageUpload,
) -> PageResult {
    let leaf = upload.leaves.first().cloned().unwrap_or_default();
    let outcome = evidence::replace_file(&state.ctx, &who, (round, unit), id, upload)
        .await
        .map(|_| ());
    let sent = EvidenceForm::new(leaf, "evidence", &headers);
    evidence_outcome(&state, (&user, &who), (round, unit), sent, outcome).await
}

/// What the page says after a change, from its query string.
#[derive(Deserialize, Default)]
pub(crate) struct Saved {
    /// The leaf just saved, to show "Đã lưu" beside it.
    #[serde(rename = "luu")]
    pub saved_leaf: Option<String>,
    /// A message after submit or withdraw.
    #[serde(rename = "tb")]
    pub notice: Option<String>,
}

/// A refusal of one of a leaf's forms: the leaf, the status and message, which form
/// and which field it concerns, and what was typed.
struct LeafError {
    leaf: String,
    status: StatusCode,
    message: String,
    /// The form: `leaf` (the score), `upload`, `citation`, or `evidence` (taking a file or
    /// a citation off, replacing a file).
    form: &'static str,
    /// The field of that form the message concerns (as the form names it), if one.
    field: Option<&'static str>,
    /// What was typed, to fill the form again.
    typed: Option<Value>,
    /// What was typed, labelled, to copy when the form is no longer shown (locked).
    kept: Vec<(&'static str, String)>,
    /// The self-assessment was locked before the request arrived.
    locked: bool,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageQuery(saved): PageQuery<Saved>,
) -> PageResult {
    let view = service::view(&state.ctx, &who, round, unit).await?;
    let evidence = evidence_by_leaf(&state, &who, round, unit).await?;
    Ok(render_page(&who, &user, &view, saved, None, evidence)?.into_response())
}

/// The key of [`evidence_by_leaf`] under which every file of the unit is listed.
const ALL_FILES: &str = "*";

/// The unit's evidence files and citations, grouped by the leaves they support; under
/// [`ALL_FILES`], every file of the unit.
pub(crate) async fn evidence_by_leaf(
    state: &AppState,
    who: &Who,
    round: i64,
    unit: i64,
) -> PageResult<BTreeMap<String, Value>> {
    let list = evidence::list(&state.ctx, who, round, unit).await?;
    let mut by_leaf: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for f in &list.files {
        for leaf in &f.leaves {
            let files = &mut by_leaf.entry(leaf.clone()).or_default().0;
            files.push(Value::from_serialize(f));
        }
    }
    for c in &list.citations {
        for leaf in &c.leaves {
            let citations = &mut by_leaf.entry(leaf.clone()).or_default().1;
            citations.push(Value::from_serialize(c));
        }
    }
    // Every file of the unit, under a key no leaf has, for «Dùng tệp đã tải lên».
    let all_files: Vec<Value> = list.files.iter().map(Value::from_serialize).collect();
    Ok(by_leaf
        .into_iter()
        .map(|(leaf, (files, citations))| (leaf, context! { files, citations }))
        .chain([(ALL_FILES.to_string(), context! { files => all_files })])
        .collect())
}

fn editable(user: &SignedIn, view: &SelfAssessmentView) -> bool {
    user.actor.may_edit_self_assessment(view.unit_id)
        && view.access.open
        && view.submitted_at.is_none()
}

/// The refusal the templates show beside its leaf, by leaf code.
fn beside(error: &Option<LeafError>) -> BTreeMap<String, Value> {
    let mut errors = BTreeMap::new();
    if let Some(e) = error {
        errors.insert(
            e.leaf.clone(),
            context! {
                message => e.message.clone(),
                form => e.form,
                field => e.field,
                typed => e.typed.clone(),
                kept => e.kept.clone(),
                locked => e.locked,
            },
        );
    }
    errors
}

fn render_page(
    who: &Who,
    user: &SignedIn,
    view: &SelfAssessmentView,
    saved: Saved,
    error: Option<LeafError>,
    evidence: BTreeMap<String, Value>,
) -> PageResult<(StatusCode, Html<String>)> {
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let errors = beside(&error);
    // The index at the top: each area with its leaves scored (or claimed not applicable)
    // out of those the unit scores itself.
    let areas: Vec<Value> = view
        .nodes
        .iter()
        .filter(|a| a.depth == 1)
        .map(|a| {
            let prefix = format!("{}.", a.node.code);
            let leaves = view.nodes.iter().filter(|n| {
                n.node.code.starts_with(&prefix)
                    && n.node.is_leaf()
                    && !n.node.is_survey()
                    && n.exempt.is_none()
            });
            let (mut total, mut scored) = (0, 0);
            for n in leaves {
                total += 1;
                if n.entry
                    .as_ref()
                    .is_some_and(|e| e.points.is_some() || e.not_applicable)
                {
                    scored += 1;
                }
            }
            let exempt = a.exempt.is_some();
            context! { code => a.node.code.clone(), text => a.node.text.clone(), total, scored, exempt }
        })
        .collect();
    let html = render(
        "self_assessment.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(view),
            editable => editable(user, view),
            may_submit => user.actor.may_submit(view.unit_id) && view.access.open,
            saved_leaf => saved.saved_leaf,
            done_form => Value::from(()),
            notice => saved.notice,
            errors,
            evidence,
            areas,
            now => who.now.to_rfc3339(),
        },
    )?;
    Ok((status, html))
}

async fn save_leaf(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { user, who, form }: PageForm<LeafForm>,
) -> PageResult {
    let htmx = from_htmx(&headers);
    let at = (round, unit);
    let refused = match form.parse(&leaf) {
        Err(e) => Some(refused_beside(
            &leaf,
            "leaf",
            (StatusCode::UNPROCESSABLE_ENTITY, e.message),
            Some(e.field),
        )),
        Ok(save) => match service::save_leaf(&state.ctx, &who, round, unit, save).await {
            Ok(_) => None,
            Err(e) => Some(refused_by_service(&state, &who, at, &leaf, "leaf", e).await?),
        },
    };
    let Some(mut error) = refused else {
        if !htmx {
            let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}");
            return Ok(Redirect::to(&to).into_response());
        }
        return answer(&state, (&user, &who), at, (&leaf, htmx), Ok("leaf")).await;
    };
    let mut typed = form;
    if error.status == StatusCode::CONFLICT && !error.locked {
        // Saved by someone else meanwhile: the message shows their value; the form keeps
        // what this user typed, and the next «Lưu» (having seen it) replaces theirs.
        let view = service::view(&state.ctx, &who, round, unit).await?;
        typed.expected_version = view
            .nodes
            .iter()
            .find(|n| n.node.code == leaf)
            .and_then(|n| n.entry.as_ref())
            .map(|e| e.version.to_string())
            .unwrap_or_default();
    }
    error.kept = typed.kept();
    error.typed = Some(Value::from_serialize(&typed));
    answer(&state, (&user, &who), at, (&leaf, htmx), Err(error)).await
}

/// One leaf again (for htmx): with what was just done (`done`: the form that succeeded),
/// or with its refusal and what was typed.
fn leaf_fragment(
    user: &SignedIn,
    view: &SelfAssessmentView,
    leaf: &str,
    done: Option<&'static str>,
    error: Option<LeafError>,
    evidence: BTreeMap<String, Value>,
) -> PageResult<Html<String>> {
    let node = view
        .nodes
        .iter()
        .find(|n| n.node.code == leaf && n.node.is_leaf());
    let Some(node) = node else {
        return Err(ServiceError::NotFound(format!("tiêu chí thành phần {leaf}")).into());
    };
    let saved_leaf = (done == Some("leaf")).then(|| leaf.to_string());
    let errors = beside(&error);
    render(
        "_leaf.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(view),
            n => Value::from_serialize(node),
            editable => editable(user, view),
            saved_leaf,
            done_form => done,
            errors,
            evidence,
            // The running totals at the top of the page, swapped in beside the leaf.
            oob => true,
            // The unit's files, when they changed, for the other leaves' reuse lists.
            files_changed => matches!(done, Some("upload" | "evidence")),
        },
    )
}

/// The points a leaf form would give, computed on the server as the user types.
pub(super) async fn preview(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { who, form, .. }: PageForm<LeafForm>,
) -> PageResult {
    let text = match form.parse(&leaf) {
        Err(e) => e.message,
        Ok(save) => match service::preview(&state.ctx, &who, round, unit, save).await? {
            Preview::NoSuchLeaf => "Không có tiêu chí này".to_string(),
            Preview::NotApplicable => "Không áp dụng".to_string(),
            Preview::NotScored => "Chưa chấm".to_string(),
            Preview::Points(points) => format!("{} điểm", points.to_vn()),
            Preview::Refused(message) => message,
        },
    };
    Ok(Html(minijinja::HtmlEscape(&text).to_string()).into_response())
}

/// Uploads an evidence file for a leaf from the page's form, then returns to the leaf.
async fn upload(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
    PageUpload { user, who, upload }: PageUpload,
) -> PageResult {
    let sent = upload.leaves.first().cloned().unwrap_or_default();
    let (leaf, outcome) = match evidence::upload_file(&state.ctx, &who, round, unit, upload).await {
        // The leaf as validated, not as sent.
        Ok(stored) => (stored.leaves.first().cloned().unwrap_or(sent), Ok(())),
        Err(e) => (sent, Err(e)),
    };
    let sent = EvidenceForm::new(leaf, "upload", &headers);
    evidence_outcome(&state, (&user, &who), (round, unit), sent, outcome).await
}

async fn withdraw(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageForm { who, .. }: PageForm<NoFields>,
) -> PageResult {
    service::withdraw(&state.ctx, &who, round, unit).await?;
    Ok(Redirect::to(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?tb=da-rut")).into_response())
}
