//! ccsim: a discrete-event simulator of chat contact centers.
//!
//! `engine` knows time, events and random streams; `scenario` reads and checks
//! the input; `model` is the center and the chat life; `stats` collects and
//! aggregates; `report` writes files.

pub mod analytic;
pub mod bench;
pub mod compare;
pub mod engine;
pub mod estimate;
pub mod limits;
pub mod memory;
pub mod model;
pub mod progress;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod staff;
pub mod stats;
pub mod sweep;
pub mod warnings;
