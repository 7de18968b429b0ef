//! The published results open to everyone, without sign-in (`public_index.html`,
//! `public_round.html`): the rounds the administrator chose to show once published, and for
//! each its ranking per tier, component indexes by area, the tier's average and best per
//! area, charts, and the ranking workbook. Only what was kept at publication is read
//! ([`public::published_results`]); a round that does not exist, is not published or is not
//! shown is the same 404.
//!
//! A published round never changes: each page is rendered once per (round, publication)
//! and kept, with its gzip, in memory ([`PublicPages`]); a request costs a lookup in the
//! list of shown rounds (read again from the database at most every second, see
//! [`public::Shown`]) and in this map. Answers are cached by browsers and proxies
//! (`Cache-Control: public`) under an `ETag`, and a matching `If-None-Match` is a 304. They
//! never set a cookie and never depend on one: the same bytes for everyone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::{Value, context};
use sha2::{Digest, Sha256};

use super::charts::{AreaBars, Bar, area_chart, index_chart};
use super::{PageError, PageResult, not_found_page, render};
use crate::domain::Percent;
use crate::domain::deadline::{format_date, vn_date};
use crate::domain::results::area_spread;
use crate::http::AppState;
use crate::http::error::HttpError;
use crate::report::{RoundResults, TierResults};
use crate::service::public::{self, PublicRound};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cong-khai", get(index))
        .route("/cong-khai/{round}", get(round_page))
        .route("/cong-khai/{round}/xep-hang.xlsx", get(workbook))
}

/// How long a browser or a proxy may keep a round's page or workbook without asking again:
/// what was published never changes. Hiding a round takes effect at once on the server;
/// a copy already kept elsewhere may be shown until it is this old.
const ROUND_CACHE: &str = "public, max-age=3600";
/// The list of rounds changes with each publication: kept a minute.
const INDEX_CACHE: &str = "public, max-age=60";
/// Nothing but the application's own style sheet and icon: no script at all.
const PUBLIC_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// An answer rendered once and kept: its bytes (and their gzip), its validators.
pub(crate) struct Rendered {
    content_type: &'static str,
    body: Bytes,
    gzip: Option<Bytes>,
    /// The strong validator of `body` and of `gzip` (`"…"`, `"…-gz"`), or a weak one for
    /// both (a workbook is built again with another creation time by another instance).
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    cache: &'static str,
    disposition: Option<HeaderValue>,
}

/// What a kept answer is: a round's page or workbook, at its publication.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kept {
    Page(i64, i64),
    Workbook(i64, i64),
}

/// The list of shown rounds as last read, and the page rendered from it.
type KeptIndex = (Arc<Vec<PublicRound>>, Arc<Rendered>);

/// The public answers rendered so far (one page and one workbook per published round),
/// and the list of rounds as last rendered.
#[derive(Default)]
pub(crate) struct PublicPages {
    kept: Mutex<HashMap<Kept, Arc<Rendered>>>,
    index: Mutex<Option<KeptIndex>>,
}

impl PublicPages {
    fn get(&self, key: Kept) -> Option<Arc<Rendered>> {
        self.kept.lock().ok()?.get(&key).cloned()
    }

    fn keep(&self, key: Kept, rendered: Rendered) -> Arc<Rendered> {
        let rendered = Arc::new(rendered);
        if let Ok(mut kept) = self.kept.lock() {
            kept.insert(key, rendered.clone());
        }
        rendered
    }
}

/// The validator of what `parts` name (round, publication, flag, build), and of the body.
fn digest(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A page kept with its gzip; its validator covers the round, its publication, the flag
/// that shows it, the build and the bytes themselves.
fn html(page: String, cache: &'static str, key: &[u8]) -> Result<Rendered, HttpError> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(page.as_bytes())
        .map_err(|e| HttpError::internal(&e))?;
    let gzip = gz.finish().map_err(|e| HttpError::internal(&e))?;
    let tag = digest(&[key, b"public=1", page.as_bytes()]);
    Ok(Rendered {
        content_type: "text/html; charset=utf-8",
        body: Bytes::from(page),
        gzip: Some(Bytes::from(gzip)),
        etag: header_value(format!("\"{tag}\""))?,
        etag_gzip: header_value(format!("\"{tag}-gz\""))?,
        cache,
        disposition: None,
    })
}

fn header_value(text: String) -> Result<HeaderValue, HttpError> {
    HeaderValue::try_from(text).map_err(|e| HttpError::internal(&e))
}

/// Whether the client takes gzip (`Accept-Encoding`, a `q=0` refusing it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim_end_matches(['0', '.']).is_empty())
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `etag`, ours weak or strong.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.to_str().unwrap_or_default();
    crate::http::assets::matches(headers, ours.strip_prefix("W/").unwrap_or(ours))
}

/// The kept answer, or 304 when the client has it already.
fn answer(rendered: &Rendered, request: &HeaderMap) -> Response {
    let gzip = rendered.gzip.as_ref().filter(|_| accepts_gzip(request));
    let etag = if gzip.is_some() {
        &rendered.etag_gzip
    } else {
        &rendered.etag
    };
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(header::ETAG, etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(rendered.cache),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PUBLIC_POLICY),
    );
    if rendered.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if not_modified(request, etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    if let Some(disposition) = &rendered.disposition {
        headers.insert(header::CONTENT_DISPOSITION, disposition.clone());
    }
    let body = match gzip {
        Some(gzip) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gzip.clone()
        }
        None => rendered.body.clone(),
    };
    (headers, body).into_response()
}

/// The round an address names, if it is shown: anything else (not a number, no such round,
/// not published, hidden) is `None`, answered with the same «not found» page.
async fn shown(state: &AppState, round: &str) -> Result<Option<PublicRound>, PageError> {
    let Ok(id) = round.parse::<i64>() else {
        return Ok(None);
    };
    Ok(state.ctx.shown.round(&state.ctx.store, id).await?)
}

/// `/cong-khai`: the published rounds shown, newest first.
async fn index(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let rounds = state.ctx.shown.rounds(&state.ctx.store).await?;
    let kept = state.public.index.lock().ok().and_then(|k| {
        k.as_ref()
            .filter(|(of, _)| Arc::ptr_eq(of, &rounds))
            .map(|(_, r)| r.clone())
    });
    let rendered = match kept {
        Some(rendered) => rendered,
        None => {
            let listed: Vec<Value> = rounds
                .iter()
                .map(|r| {
                    context! {
                        id => r.id,
                        year => r.year,
                        title => r.title.clone(),
                        published => format_date(r.published_at),
                    }
                })
                .collect();
            let page = render(
                "public_index.html",
                context! { rounds => listed, issuer => state.issuer.clone() },
            )?;
            let key: Vec<u8> = rounds
                .iter()
                .flat_map(|r| [r.id, r.published_at.timestamp()])
                .flat_map(i64::to_le_bytes)
                .collect();
            let rendered = Arc::new(html(page.0, INDEX_CACHE, &key)?);
            if let Ok(mut kept) = state.public.index.lock() {
                *kept = Some((rounds, rendered.clone()));
            }
            rendered
        }
    };
    Ok(answer(&rendered, &headers))
}

/// `/cong-khai/{round}`: one shown round's published results.
async fn round_page(
    State(state): State<AppState>,
    Path(round): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    kept_or_made(
        &state,
        &round,
        &headers,
        Kept::Page,
        async |shown, results| {
            let page = render(
                "public_round.html",
                context! {
                    results => context! {
                        round_id => results.round_id,
                        title => results.title.clone(),
                        year => results.year,
                    },
                    published => format_date(shown.published_at),
                    tiers => results.tiers.iter().map(tier_view).collect::<Vec<_>>(),
                    issuer => state.issuer.clone(),
                },
            )?;
            Ok(html(page.0, ROUND_CACHE, &key_bytes(shown))?)
        },
    )
    .await
}

/// The answer `kind` of the round `round` names, kept or made now (by `make`, from the
/// published results) and kept; the «not found» page for a round not shown.
async fn kept_or_made(
    state: &AppState,
    round: &str,
    headers: &HeaderMap,
    kind: fn(i64, i64) -> Kept,
    make: impl AsyncFnOnce(&PublicRound, RoundResults) -> Result<Rendered, PageError>,
) -> PageResult {
    let Some(shown) = shown(state, round).await? else {
        return Ok(not_found_page());
    };
    let key = kind(shown.id, shown.published_at.timestamp());
    if let Some(rendered) = state.public.get(key) {
        return Ok(answer(&rendered, headers));
    }
    let Some((shown, results)) = public::published_results(&state.ctx, shown.id).await? else {
        return Ok(not_found_page());
    };
    let rendered = make(&shown, results).await?;
    Ok(answer(&state.public.keep(key, rendered), headers))
}

fn key_bytes(round: &PublicRound) -> Vec<u8> {
    [round.id, round.published_at.timestamp()]
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .collect()
}

/// What the page shows of a tier: its ranking, each unit's component index per area, the
/// tier's average and best per area, and both charts.
fn tier_view(tier: &TierResults) -> Value {
    let spreads: Vec<_> = tier
        .areas
        .iter()
        .map(|a| area_spread(&tier.units, &a.code))
        .collect();
    let units: Vec<Value> = tier
        .units
        .iter()
        .map(|u| {
            let areas: Vec<Option<Percent>> = tier
                .areas
                .iter()
                .map(|a| u.areas.iter().find(|r| r.code == a.code)?.index)
                .collect();
            context! {
                rank => u.rank,
                name => u.unit_name.clone(),
                note => u.note.clone(),
                total => u.final_total,
                max => u.applicable_max,
                index => u.index,
                classification => u.classification.clone(),
                areas => Value::from_serialize(&areas),
            }
        })
        .collect();
    // The ranked units: one that nothing applies to has no index to draw.
    let bars: Vec<Bar> = tier
        .units
        .iter()
        .filter(|u| u.rank > 0)
        .map(|u| Bar {
            label: format!("{}. {}", u.rank, u.unit_name),
            value: Some(u.index),
        })
        .collect();
    let area_bars: Vec<AreaBars> = tier
        .areas
        .iter()
        .zip(&spreads)
        .map(|(a, s)| AreaBars {
            label: format!("{}. {}", a.code, a.text),
            average: s.average,
            best: s.best,
        })
        .collect();
    context! {
        code => tier.tier_code.clone(),
        name => tier.tier_name.clone(),
        set_code => tier.set_code.clone(),
        set_version => tier.set_version.clone(),
        count => tier.units.len(),
        units,
        areas => Value::from_serialize(&tier.areas),
        averages => Value::from_serialize(spreads.iter().map(|s| s.average).collect::<Vec<_>>()),
        bests => Value::from_serialize(spreads.iter().map(|s| s.best).collect::<Vec<_>>()),
        index_chart => Value::from_safe_string(index_chart(
            &format!("Chỉ số CCHC các đơn vị {}", lower_first(&tier.tier_name)),
            &bars,
        )),
        area_chart => Value::from_safe_string(area_chart(
            &format!("Chỉ số thành phần trung bình và cao nhất {}", lower_first(&tier.tier_name)),
            &area_bars,
        )),
    }
}

/// «Khối sở, ban, ngành» → «khối sở, ban, ngành», inside a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `/cong-khai/{round}/xep-hang.xlsx`: the ranking workbook of a shown round, built from
/// the published results as the signed-in export builds it, dated in the year it was
/// published, and signed by no one by name (the title of the signer stays).
async fn workbook(
    State(state): State<AppState>,
    Path(round): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    kept_or_made(
        &state,
        &round,
        &headers,
        Kept::Workbook,
        async |shown, results| Ok(build_workbook(&state, shown, results).await?),
    )
    .await
}

async fn build_workbook(
    state: &AppState,
    shown: &PublicRound,
    results: RoundResults,
) -> Result<Rendered, HttpError> {
    let annex = crate::excel::annex::Annex {
        signer_name: String::new(),
        ..(*state.annex).clone()
    };
    let issuer = state.issuer.clone();
    let day = vn_date(shown.published_at.timestamp());
    let file_name = format!("Xếp hạng {}.xlsx", results.title);
    let bytes = tokio::task::spawn_blocking(move || {
        crate::excel::ranking_workbook(&results, &issuer, &annex, day)
    })
    .await
    .map_err(|e| HttpError::internal(&e))?
    .map_err(|e| HttpError::internal(&e))?;
    let tag = format!(
        "W/\"{}\"",
        digest(&[&key_bytes(shown), b"public=1", b"xlsx"])
    );
    Ok(Rendered {
        content_type: crate::http::download::XLSX,
        body: Bytes::from(bytes),
        gzip: None,
        etag: header_value(tag.clone())?,
        etag_gzip: header_value(tag)?,
        cache: ROUND_CACHE,
        disposition: Some(header_value(crate::http::download::content_disposition(
            &file_name,
        ))?),
    })
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    fn with(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn gzip_is_sent_only_to_whoever_takes_it() {
        let accepts = |v| super::accepts_gzip(&with(header::ACCEPT_ENCODING, v));
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, gzip;q=0.8"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0.000, br"));
        assert!(!accepts("identity"));
        assert!(!super::accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let etag = HeaderValue::from_static("\"abc\"");
        let matches = |v| super::not_modified(&with(header::IF_NONE_MATCH, v), &etag);
        assert!(matches("\"abc\""));
        assert!(matches("W/\"abc\""));
        assert!(matches("\"x\", \"abc\""));
        assert!(matches("*"));
        assert!(!matches("\"abcd\""));
    }
}
