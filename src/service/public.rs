//! The published results open to everyone (công khai), without sign-in: which rounds are
//! shown (the administrator's choice per round, only once published), and what they show,
//! read only from the results kept at publication, never computed again.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::report::RoundResults;
use crate::store::Store;

/// A published round shown on the public pages.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicRound {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub published_at: DateTime<Utc>,
}

/// How long an instance trusts its list of shown rounds before reading it again. The
/// instance that switches a round's flag forgets its list at once; another instance (behind
/// the same proxy, on the same database) follows within this time.
pub const SHOWN_FOR: Duration = Duration::from_secs(1);

/// The rounds shown on the public pages, as last read from the database: a public request
/// costs a lock and a lookup, not a query; the list is read again at most every
/// [`SHOWN_FOR`], and at once after a switch or a publication on this instance.
#[derive(Default)]
pub struct Shown {
    read: RwLock<Option<(Instant, Arc<Vec<PublicRound>>)>>,
}

impl Shown {
    /// The rounds shown now, newest first.
    pub async fn rounds(&self, store: &Store) -> Result<Arc<Vec<PublicRound>>> {
        if let Ok(read) = self.read.read()
            && let Some((at, rounds)) = read.as_ref()
            && at.elapsed() < SHOWN_FOR
        {
            return Ok(rounds.clone());
        }
        let asked = Instant::now();
        let rounds: Arc<Vec<PublicRound>> = Arc::new(
            store
                .public_rounds()
                .await?
                .into_iter()
                .map(|(id, year, title, published_at)| PublicRound {
                    id,
                    year,
                    title,
                    published_at,
                })
                .collect(),
        );
        if let Ok(mut read) = self.read.write() {
            // A list read before a switch never replaces one read after it.
            if read.as_ref().is_none_or(|(at, _)| *at <= asked) {
                *read = Some((asked, rounds.clone()));
            }
        }
        Ok(rounds)
    }

    /// The round `round_id` if it is shown.
    pub async fn round(&self, store: &Store, round_id: i64) -> Result<Option<PublicRound>> {
        Ok(self
            .rounds(store)
            .await?
            .iter()
            .find(|r| r.id == round_id)
            .cloned())
    }

    /// Forgets the list: the next request reads it again.
    pub fn forget(&self) {
        if let Ok(mut read) = self.read.write() {
            *read = None;
        }
    }
}

/// Shows (`true`) or hides a round's published results on the public pages; administrators
/// only, audited (`round.public`). It may be chosen before publication too: nothing is
/// shown until the round is published.
pub async fn set_public(ctx: &Context, who: &Who, round_id: i64, public: bool) -> Result<()> {
    require_admin(&who.actor)?;
    ctx.store
        .set_round_public(round_id, public, who.audit(), who.now)
        .await?;
    ctx.shown.forget();
    Ok(())
}

/// The results of a shown round exactly as they were kept at its publication; `None` when
/// the round is not shown (missing, unpublished, or hidden: the public pages never say
/// which).
pub async fn published_results(
    ctx: &Context,
    round_id: i64,
) -> Result<Option<(PublicRound, RoundResults)>> {
    let Some(round) = ctx.shown.round(&ctx.store, round_id).await? else {
        return Ok(None);
    };
    let Some(text) = ctx.store.published_results(round_id).await? else {
        return Ok(None);
    };
    let results = serde_json::from_str(&text)
        .map_err(|e| ServiceError::Internal(format!("published results: {e}")))?;
    Ok(Some((round, results)))
}
