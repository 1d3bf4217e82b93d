//! The use cases over the layers: each job takes a checked scenario and
//! options, runs what it needs, and returns results for `report` to write.

pub mod backtest;
pub mod bench;
pub mod compare;
pub mod fit;
pub mod memory;
pub mod precision;
pub mod run;
pub mod schedule;
pub mod shard;
pub mod staff;
pub mod sweep;
pub mod trials;
