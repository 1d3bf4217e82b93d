//! The command line: each command's arguments and printing, one file each.
//! The work is in the library's jobs; files are written through its report
//! layer.

pub mod args;
pub mod backtest;
pub mod bench;
pub mod check;
pub mod compare;
pub mod erlang;
pub mod fit;
pub mod merge;
pub mod progress;
pub mod run;
pub mod schedule;
pub mod staff;
pub mod sweep;
