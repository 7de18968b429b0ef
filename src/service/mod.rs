//! Use cases that join the domain and the store: the rules (deadline, criteria, method,
//! who may do what) are checked here, on the server, whatever the way of writing (page,
//! API, import). Each use case takes the [`Context`] (what it may reach) and a [`Who`] (who
//! asks, from where, at which instant), then its own arguments.

pub mod access;
pub mod admin;
pub mod analysis;
pub mod auth;
pub mod changes;
pub mod corrigenda;
pub mod dashboard;
pub mod departments;
pub mod evidence;
pub mod exemptions;
pub mod explanations;
pub mod exports;
pub mod imports;
pub mod members;
pub mod notices;
pub mod progress;
pub mod public;
pub mod queue;
pub mod results;
pub mod round_setup;
pub mod rounds;
pub mod scores;
mod sealed;
pub mod self_assessment;
pub mod sign_off;
pub mod units;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::Clock;
use crate::domain::access::Actor;
use crate::files::FileStore;
use crate::store::{NewAudit, Store, StoreError};

/// What every use case may reach: the database, the clock, the evidence files, and the
/// rounds shown on the public pages as this instance last read them. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub files: FileStore,
    pub shown: Arc<public::Shown>,
    /// Whether this instance e-mails notices, and the bell of its sender.
    pub outbox: Arc<notices::Outbox>,
    /// The latest results of each round this instance computed, with their data version.
    pub results: Arc<results::Cache>,
    /// For tests only, never set by the server: where a self-assessment save waits, after
    /// it has read what it works its points out from and before its transaction, so that a
    /// test can put a submission or a corrigendum inside that window every time.
    pub pause_before_save: Option<Arc<Pause>>,
}

/// A point where a use case waits until a test releases it (see
/// [`Context::pause_before_save`]).
#[derive(Default)]
pub struct Pause {
    reached: tokio::sync::Notify,
    released: tokio::sync::Notify,
}

impl Pause {
    /// Called by the use case: says it is here, then waits to be released.
    async fn here(&self) {
        self.reached.notify_one();
        self.released.notified().await;
    }

    /// Waits until a use case is at the pause.
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Lets the use case waiting at the pause go on.
    pub fn release(&self) {
        self.released.notify_one();
    }
}

impl Context {
    pub fn new(store: Store, clock: Arc<dyn Clock>, files: FileStore) -> Context {
        Context {
            store,
            clock,
            files,
            shown: Arc::default(),
            outbox: notices::no_mail(),
            results: Arc::default(),
            pause_before_save: None,
        }
    }

    /// `actor` asking from `address`, now.
    pub fn who(&self, actor: Actor, address: impl Into<String>) -> Who {
        Who::new(actor, address, self.clock.now())
    }
}

/// Who asks, from which address, and the one instant the whole request is judged at (the
/// deadline check and the stored time agree).
#[derive(Clone, Debug)]
pub struct Who {
    pub actor: Actor,
    pub address: String,
    pub now: DateTime<Utc>,
}

impl Who {
    pub fn new(actor: Actor, address: impl Into<String>, now: DateTime<Utc>) -> Who {
        Who {
            actor,
            address: address.into(),
            now,
        }
    }

    /// An audit entry made by this person from this address.
    pub fn audit(&self) -> NewAudit {
        NewAudit::by(&self.actor, &self.address)
    }
}

/// Why a use case was refused. Each has a stable code for the API and a Vietnamese
/// message for people.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The deadline engine said no; the message says why and until when.
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Invalid(String),
    /// Input refused by a named rule (phases out of order…) or about one field (a date of
    /// issue, a reason): 422 like `Invalid`, with the rule's own stable code
    /// (`invalid_input` where none is more precise) and the field, named as the API names
    /// it (`issued_on`, `na_reason`), for the pages to show the message beside it.
    #[error("{message}")]
    Rejected {
        code: &'static str,
        /// The form field the refusal is about, where one is (`opens`, `closes`…).
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("Không tìm thấy {0}.")]
    NotFound(String),
    /// Not signed in, or the credentials were wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but this role may not do this to this unit.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    RateLimited(String),
    /// An action that needs an explicit confirmation it did not get (a submission with
    /// gaps, a publication): its stable code, and the message naming what to confirm.
    #[error("{message}")]
    Unconfirmed { code: &'static str, message: String },
    /// Asked before the round has reached the state it needs (the decision that publishes
    /// the results, before they are published): 409 with its stable code
    /// (`not_published`).
    #[error("{message}")]
    NotYet { code: &'static str, message: String },
    /// An upload larger than the configured limit; the message gives the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A write to a leaf the unit is exempt from in the round (409 `exempt`).
    #[error("{0}")]
    Exempt(String),
    /// An appraisal of a round the council has signed off (409 `signed_off`).
    #[error("{0}")]
    SignedOff(String),
    #[error(transparent)]
    Store(StoreError),
    /// Something failed that is not the user's doing (a file could not be built, the
    /// random source failed); logged with its detail, answered with a generic message.
    #[error("{0}")]
    Internal(String),
    /// The evidence file store failed (disk, bucket): not the user's fault.
    #[error(transparent)]
    Files(#[from] crate::files::FileStoreError),
}

impl ServiceError {
    /// Invalid input of one field (`invalid_input`, 422), named as the API names it.
    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError::Rejected {
            code: "invalid_input",
            field: Some(field),
            message: message.into(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Locked(_) => "deadline_closed",
            ServiceError::Invalid(_) => "invalid_input",
            ServiceError::Rejected { code, .. } => code,
            ServiceError::Conflict(_) => "conflict",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Unauthenticated(_) => "unauthenticated",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::RateLimited(_) => "rate_limited",
            ServiceError::Unconfirmed { code, .. } | ServiceError::NotYet { code, .. } => code,
            ServiceError::TooLarge(_) => "file_too_large",
            ServiceError::Exempt(_) => "exempt",
            ServiceError::SignedOff(_) => "signed_off",
            ServiceError::Files(_) | ServiceError::Internal(_) => "internal",
            ServiceError::Store(StoreError::NotFound(_)) => "not_found",
            ServiceError::Store(StoreError::Conflict(_)) => "conflict",
            ServiceError::Store(StoreError::Invalid(_)) => "invalid_input",
            ServiceError::Store(StoreError::Refused(_)) => "conflict",
            ServiceError::Store(_) => "internal",
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::Invalid(m) => ServiceError::Invalid(m),
            // The same refusal as the service's own check would have given a moment later.
            StoreError::Refused(r @ crate::store::Refusal::Closed(_)) => {
                ServiceError::Locked(r.to_string())
            }
            StoreError::Refused(r @ crate::store::Refusal::Exempt { .. }) => {
                ServiceError::Exempt(r.to_string())
            }
            StoreError::Refused(r @ crate::store::Refusal::SignedOff { .. }) => {
                ServiceError::SignedOff(r.to_string())
            }
            StoreError::Refused(r @ crate::store::Refusal::NotSignedOff { .. }) => {
                ServiceError::NotYet {
                    code: "not_signed_off",
                    message: r.to_string(),
                }
            }
            StoreError::Refused(r) => ServiceError::Conflict(r.to_string()),
            other => ServiceError::Store(other),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

impl ServiceError {
    /// The field an invalid input concerns, when one does.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ServiceError::Rejected { field, .. } => *field,
            _ => None,
        }
    }
}

/// Refuses a request whose fields break the rules they declare (lengths, characters; see
/// [`crate::domain::text`]): 422 `invalid_input`, a sentence per field in Vietnamese, and
/// the (first) field named for the API and for the page to show the message beside it.
pub(crate) fn check<T: validator::Validate>(request: &T) -> Result<()> {
    request.validate().map_err(|e| refused_fields(&e))
}

/// Like [`check`], and when one field alone breaks its rules the refusal names it
/// ([`ServiceError::invalid_field`]), for a form to show the message beside that field.
pub(crate) fn check_fields<T: validator::Validate>(request: &T) -> Result<()> {
    request.validate().map_err(|e| {
        let message = crate::domain::text::explain(&e);
        let mut fields = e.errors().iter();
        match (fields.next(), fields.next()) {
            (
                Some((
                    std::borrow::Cow::Borrowed(field),
                    validator::ValidationErrorsKind::Field(_),
                )),
                None,
            ) => ServiceError::invalid_field(field, message),
            _ => ServiceError::Invalid(message),
        }
    })
}

/// Refuses one field's value that breaks its rule (`rule` is one of
/// [`crate::domain::text`]'s checks), as [`check`] does.
pub(crate) fn check_field(
    field: &'static str,
    rule: std::result::Result<(), validator::ValidationError>,
) -> Result<()> {
    rule.map_err(|e| {
        let mut errors = validator::ValidationErrors::new();
        errors.add(field, e);
        refused_fields(&errors)
    })
}

fn refused_fields(errors: &validator::ValidationErrors) -> ServiceError {
    use crate::domain::text::{explain, first_field};
    ServiceError::Rejected {
        code: "invalid_input",
        field: first_field(errors),
        message: explain(errors),
    }
}

/// Refuses anyone but an administrator (cán bộ Sở Nội vụ).
pub(crate) fn require_admin(actor: &crate::domain::access::Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) mới được thực hiện thao tác này.".into(),
        ))
    }
}
