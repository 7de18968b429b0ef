//! The integration suite: one binary, run against SQLite by default and against
//! PostgreSQL when PARINDEX_TEST_DATABASE_URL is set (see the README).

mod admin_forms;
mod audit;
mod backup;
mod bad_input;
mod browser;
mod browser_admin;
mod cli;
mod crash;
mod criteria_check;
mod criteria_import;
mod deadline;
mod demo;
mod directory_import;
mod evidence;
mod excel;
mod fixture;
mod forms;
mod helpers;
mod import_apply;
mod limits;
mod people;
mod phases;
mod print;
mod queue;
mod races;
mod round_api;
mod round_setup;
mod s3;
mod scale;
mod self_assessment;
mod server;
mod sign_in;
mod store;
