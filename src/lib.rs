//! ccsim: a discrete-event simulator of chat contact centers.
//!
//! The layers, each using only those before it (docs/design.md,
//! "Architecture"): `engine` knows time, events and random streams;
//! `scenario` reads and checks the input; `model` is the center and the chat
//! life; `history` reads a real center's records; `stats` collects and
//! aggregates; `analytic` holds the queueing formulas and estimates, and
//! calibrates a model to a history; `jobs` are the use cases (run, staff, sweep,
//! merge, compare, bench) over them; `report` writes and reads files, and
//! knows the results but not the jobs. Below them all, `error` is the one
//! error type and the exit codes, which every layer may name.

pub mod analytic;
pub mod engine;
pub mod error;
pub mod history;
pub mod jobs;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;
