//! parindex: the administrative-reform index (Chỉ số CCHC) of a province's public bodies.
//!
//! Layers: [`domain`] (plain Rust rules), [`store`] (SQL on SQLite or PostgreSQL),
//! [`http`] (axum routes), [`demo`] (Cần Thơ sample data), [`cli`] (the `parindex` command).

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod excel;
pub mod files;
pub mod http;
pub mod report;
pub mod service;
pub mod startup;
pub mod store;
