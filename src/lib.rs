//! parindex: the administrative-reform index (Chỉ số CCHC) of a province's public bodies.
//!
//! Layers, each using only the ones before it:
//! - [`domain`]: the rules as plain Rust (points, criteria, deadlines, results, access);
//! - [`store`]: all SQL, on SQLite or PostgreSQL; [`files`]: evidence files' bytes (a
//!   folder or an S3-compatible bucket);
//! - [`report`]: what a round's results and details look like to pages and workbooks;
//! - [`excel`]: workbooks written (ranking, details, score sheets) and read (imports);
//! - [`service`]: the use cases and every rule about who may do what, when;
//! - [`http`]: the JSON API and the pages, thin handlers over the services;
//!   [`mail`]: e-mails of notices, sent beside the requests; [`startup`]: the server.
//!
//! Around them: [`config`], [`cli`] (the `parindex` command), [`demo`] (Cần Thơ sample
//! data). The benchmarks are a crate of their own (`bench/`), outside this library.

pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod document;
pub mod domain;
pub mod excel;
pub mod files;
pub mod http;
pub mod mail;
pub mod report;
pub mod service;
pub mod startup;
pub mod store;
