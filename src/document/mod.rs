//! What the Sở Nội vụ sends out when a round's results are published: the draft decision
//! that publishes them (Word, docx-rs), and the publication package that bundles it with
//! the ranking annex and every unit's score sheet (one zip). The workbooks themselves are
//! `excel`'s; this layer only puts them together.

pub mod decision;
pub mod package;
