//! qgate decides whether a change may go in and whether a kanban task may move.
//!
//! The library is the whole tool; `main.rs` only maps the command line onto [`app::run`].
//! Data flows one way: a [`workspace::Workspace`] (files, git, board, config) is handed to the
//! [`engine`], which runs the [`checks`] and builds a [`report::Report`]; emitters in
//! [`report`] turn that report into text, JSON or JUnit, and the exit code is derived from it
//! in one place ([`report::Report::exit_code`]).

pub mod app;
pub mod audit;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod config;
pub mod engine;
pub mod fsutil;
pub mod git;
pub mod hooks;
pub mod kanban;
pub mod listing;
pub mod merge;
pub mod perf;
pub mod report;
pub mod scan;
pub mod score;
pub mod suppress;
pub mod text;
pub mod watch;
pub mod workspace;
