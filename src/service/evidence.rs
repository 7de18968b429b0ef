//! A unit's evidence (tài liệu kiểm chứng): uploaded files and citations of issued
//! documents, each supporting one or more leaves. The same rules as for self-scores hold
//! on the server: only the unit's own people write, only while the self-assessment is
//! open and not submitted, and only for leaves the unit scores itself.

use bytes::Bytes;

use crate::domain::CriteriaSet;
use crate::domain::access::Actor;
use crate::domain::evidence::{Citation, CitationDraft, FileRefusal, check_file};
use crate::files::{FileStoreError, Received};
use crate::store::{EvidenceCitation, EvidenceFile, EvidenceList, Guard, NewEvidenceFile};
use futures_util::stream::BoxStream;

use super::access::{ensure_answerable, ensure_editable, ensure_viewable, unit_in_round};
use super::{Context, Result, ServiceError, Who};
use crate::domain::text::{limit, one_line};

/// A file as received: the name the browser sent, its content (in a temporary file), the
/// leaves it supports.
#[derive(Debug, validator::Validate)]
pub struct Upload {
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub file_name: String,
    pub file: Received,
    #[validate(custom(function = crate::domain::text::leaf_codes))]
    pub leaves: Vec<String>,
}

fn refuse_writer(actor: &Actor, unit_id: i64) -> Result<()> {
    if actor.may_edit_self_assessment(unit_id) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ cán bộ và thủ trưởng của đơn vị mới được thêm tài liệu kiểm chứng cho đơn vị."
                .into(),
        ))
    }
}

/// The leaves named, checked against the unit's criteria set (leaves the unit scores
/// itself; survey leaves have no evidence from the unit), without repeats, in the set's
/// order.
fn checked_leaves(set: &CriteriaSet, leaves: &[String]) -> Result<Vec<String>> {
    let wanted: Vec<&str> = leaves
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(ServiceError::Invalid(
            "Cần chọn ít nhất một tiêu chí thành phần mà tài liệu này chứng minh.".into(),
        ));
    }
    for code in &wanted {
        let node = set.node(code).filter(|n| n.is_leaf()).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "«{code}» không phải tiêu chí thành phần trong bộ tiêu chí {} của đơn vị.",
                set.code
            ))
        })?;
        if node.is_survey() {
            return Err(ServiceError::Invalid(format!(
                "Tiêu chí {code} chấm theo kết quả điều tra xã hội học; đơn vị không nộp tài liệu kiểm chứng cho tiêu chí này."
            )));
        }
    }
    Ok(set
        .nodes
        .iter()
        .filter(|n| wanted.contains(&n.code.as_str()))
        .map(|n| n.code.clone())
        .collect())
}

/// Whether `who` may upload a file for the unit now: the checks of [`upload_file`] that
/// need no file, so that a refused upload is refused before its body is read.
pub async fn may_upload(ctx: &Context, who: &Who, round_id: i64, unit_id: i64) -> Result<()> {
    refuse_writer(&who.actor, unit_id)?;
    let (round, unit, _) = unit_in_round(&ctx.store, round_id, unit_id).await?;
    ensure_editable(&ctx.store, &round, &unit, who.now).await
}

/// Stores an uploaded file (once per content, whatever its name) and records it as
/// supporting the leaves named.
pub async fn upload_file(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    upload: Upload,
) -> Result<EvidenceFile> {
    let store = &ctx.store;
    let actor = &who.actor;
    refuse_writer(actor, unit_id)?;
    super::check(&upload)?;
    let now = who.now;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_editable(store, &round, &unit, now).await?;
    let leaves = checked_leaves(&set, &upload.leaves)?;
    let file = checked_and_stored(ctx, &upload).await?;
    Ok(store
        .add_evidence_file(
            &Guard::self_assessment(round_id, unit_id),
            &file,
            &leaves,
            who.audit(),
            now,
        )
        .await?)
}

/// The file checked (its kind read from its bytes, its size within the limit) and its
/// bytes in the file store; the row to record it by.
async fn checked_and_stored(ctx: &Context, upload: &Upload) -> Result<NewEvidenceFile> {
    let files = &ctx.files;
    let received = &upload.file;
    let kind = received.kind().await.map_err(FileStoreError::from)?;
    let checked = check_file(
        &upload.file_name,
        kind,
        received.size(),
        files.max_upload_bytes(),
    )
    .map_err(|refusal| match refusal {
        FileRefusal::TooLarge { .. } => ServiceError::TooLarge(refusal.to_string()),
        other => ServiceError::Invalid(other.to_string()),
    })?;
    // Bytes first, then the row: a failure in between leaves an unreferenced object
    // (harmless, and reused if the same file comes again), never a row without bytes.
    files.put(received).await?;
    Ok(NewEvidenceFile {
        content_hash: received.hash().to_string(),
        original_name: checked.name,
        media_type: checked.kind.media_type().to_string(),
        size_bytes: i64::try_from(checked.size_bytes).unwrap_or(i64::MAX),
    })
}

/// Whether `who` may add a file to the unit's explanation of `leaf` now: the checks of
/// [`upload_supplementary`] that need no file.
pub async fn may_upload_supplementary(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf: &str,
) -> Result<()> {
    refuse_writer(&who.actor, unit_id)?;
    ensure_answerable(&ctx.store, round_id, unit_id, leaf, who.now).await
}

/// Supplementary evidence (tài liệu bổ sung) with an explanation: a file supporting a
/// leaf the appraisers asked about, added while the unit may still answer them, after
/// its self-assessment has closed.
pub async fn upload_supplementary(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf: &str,
    upload: Upload,
) -> Result<EvidenceFile> {
    refuse_writer(&who.actor, unit_id)?;
    super::check(&upload)?;
    ensure_answerable(&ctx.store, round_id, unit_id, leaf, who.now).await?;
    let file = checked_and_stored(ctx, &upload).await?;
    Ok(ctx
        .store
        .add_evidence_file(
            &Guard::in_phase(
                round_id,
                unit_id,
                crate::domain::deadline::Phase::Explanation,
            ),
            &file,
            &[leaf.to_string()],
            who.audit(),
            who.now,
        )
        .await?)
}

/// Records a citation of an issued document as supporting the leaves named.
pub async fn add_citation(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    draft: CitationDraft,
    leaves: &[String],
) -> Result<EvidenceCitation> {
    let store = &ctx.store;
    let actor = &who.actor;
    refuse_writer(actor, unit_id)?;
    super::check(&draft)?;
    super::check_field("leaves", crate::domain::text::leaf_codes(leaves))?;
    let now = who.now;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_editable(store, &round, &unit, now).await?;
    let leaves = checked_leaves(&set, leaves)?;
    // A date of issue is judged against the day in Vietnam, where the document was issued.
    let today = crate::domain::deadline::vn_date(now.timestamp());
    let citation = Citation::check(draft, today)
        .map_err(|r| ServiceError::invalid_field(r.field, r.message))?;
    Ok(store
        .add_evidence_citation(
            &Guard::self_assessment(round_id, unit_id),
            &citation,
            &leaves,
            who.audit(),
            now,
        )
        .await?)
}

/// Takes a file or a citation (`citation`) of the unit off `leaf`, or off every leaf;
/// one supporting no leaf any more is removed from the unit's evidence. Only while the
/// unit may still write its self-assessment, audited per leaf. The bytes stay in the file
/// store: other rows (another leaf, another unit, an answer) may hold the same content.
pub async fn remove(
    ctx: &Context,
    who: &Who,
    (round_id, unit_id): (i64, i64),
    (citation, id): (bool, i64),
    leaf: Option<&str>,
) -> Result<()> {
    let store = &ctx.store;
    refuse_writer(&who.actor, unit_id)?;
    let (round, unit, _) = unit_in_round(store, round_id, unit_id).await?;
    ensure_editable(store, &round, &unit, who.now).await?;
    let leaf = leaf.map(str::trim).filter(|l| !l.is_empty());
    let removed = store
        .unlink_evidence(
            &Guard::self_assessment(round_id, unit_id),
            (citation, id),
            leaf,
            who.audit(),
            who.now,
        )
        .await?;
    if removed == 0 {
        let what = if citation {
            "văn bản trích dẫn"
        } else {
            "tệp"
        };
        return Err(ServiceError::NotFound(match leaf {
            Some(leaf) => format!("{what} số {id} gắn với tiêu chí {leaf} của đơn vị"),
            None => format!("{what} số {id} của đơn vị"),
        }));
    }
    Ok(())
}

/// Uses a file the unit already uploaded (for another leaf) on `leaf` too: «Dùng tệp đã
/// tải lên», without sending it again. Only while the unit may still write its
/// self-assessment; audited on the leaf. Using it on a leaf it already supports is done.
pub async fn reuse_file(
    ctx: &Context,
    who: &Who,
    (round_id, unit_id): (i64, i64),
    id: i64,
    leaf: &str,
) -> Result<()> {
    let store = &ctx.store;
    refuse_writer(&who.actor, unit_id)?;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_editable(store, &round, &unit, who.now).await?;
    let leaves = checked_leaves(&set, &[leaf.to_string()])?;
    let Some(leaf) = leaves.first() else {
        return Err(ServiceError::Invalid("Chọn tiêu chí dùng tệp.".into()));
    };
    let guard = Guard::self_assessment(round_id, unit_id);
    if !(store.link_evidence_file(&guard, id, leaf, who.audit(), who.now)).await? {
        return Err(ServiceError::NotFound(format!("tệp số {id} của đơn vị")));
    }
    Ok(())
}

/// Replaces a file by another supporting the same leaves: the new file is stored and
/// linked first, then the old one taken off, so that a failure in between leaves both,
/// never neither.
pub async fn replace_file(
    ctx: &Context,
    who: &Who,
    (round_id, unit_id): (i64, i64),
    old_id: i64,
    mut upload: Upload,
) -> Result<EvidenceFile> {
    refuse_writer(&who.actor, unit_id)?;
    let old = ctx
        .store
        .evidence_file(round_id, unit_id, old_id)
        .await
        .map_err(|_| ServiceError::NotFound(format!("tệp số {old_id} của đơn vị")))?;
    upload.leaves = old.leaves.clone();
    let stored = upload_file(ctx, who, round_id, unit_id, upload).await?;
    remove(ctx, who, (round_id, unit_id), (false, old_id), None).await?;
    Ok(stored)
}

/// A unit's evidence, for whoever may read its self-assessment.
pub async fn list(ctx: &Context, who: &Who, round_id: i64, unit_id: i64) -> Result<EvidenceList> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_view_unit(unit_id) {
        return Err(forbidden_view());
    }
    let (round, _, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let mut list = store.evidence(round_id, unit_id).await?;
    // Leaves in the set's order ("1.2" before "1.10"), as they were given back on upload.
    let position = |code: &String| set.nodes.iter().position(|n| &n.code == code);
    for leaves in list
        .files
        .iter_mut()
        .map(|f| &mut f.leaves)
        .chain(list.citations.iter_mut().map(|c| &mut c.leaves))
    {
        leaves.sort_by_key(position);
    }
    Ok(list)
}

/// One file and its bytes as the store delivers them, for whoever may read the unit's
/// self-assessment.
pub async fn download(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    file_id: i64,
) -> Result<(EvidenceFile, BoxStream<'static, std::io::Result<Bytes>>)> {
    let store = &ctx.store;
    let files = &ctx.files;
    let actor = &who.actor;
    if !actor.may_view_unit(unit_id) {
        return Err(forbidden_view());
    }
    let (round, _, _) = unit_in_round(store, round_id, unit_id).await?;
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let file = store.evidence_file(round_id, unit_id, file_id).await?;
    let bytes = match files.stream(&file.content_hash).await {
        Ok(bytes) => bytes,
        // Recorded, but its bytes are gone from the disk or the bucket: not the reader's
        // doing, yet something they can act on, so said plainly rather than as a 500.
        Err(FileStoreError::Missing(hash)) => {
            tracing::error!(
                file_id,
                round_id,
                unit_id,
                hash,
                "evidence object missing from the file store"
            );
            return Err(ServiceError::NotFound(format!(
                "nội dung của tệp «{}» trong kho lưu trữ (tệp có thể đã bị xoá khỏi kho). \
                 Vui lòng tải tệp lên lại hoặc báo quản trị hệ thống",
                file.original_name
            )));
        }
        Err(e) => return Err(e.into()),
    };
    Ok((file, bytes))
}

fn forbidden_view() -> ServiceError {
    ServiceError::Forbidden(
        "Tài khoản này không được xem tài liệu kiểm chứng của đơn vị này.".into(),
    )
}
