//! The domain: criteria sets, scoring, results and ranking, deadlines. Plain Rust: no SQL,
//! no HTTP, so every rule here is unit- and property-tested on its own.

pub mod access;
pub mod changes;
pub mod collation;
pub mod criteria;
pub mod criteria_file;
pub mod deadline;
pub mod evidence;
pub mod points;
pub mod results;
pub mod text;

pub use criteria::{CriteriaSet, LeafInput, Method, Node};
pub use deadline::{Clock, ManualClock, Phase, SystemClock};
pub use points::{Percent, Points};
