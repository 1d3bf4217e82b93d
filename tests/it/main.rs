//! ccsim's integration tests: one test binary, a module per behaviour, one
//! set of helpers in `common`. Each module says what it checks; the data
//! they read lie in `tests/data/` and `tests/baselines/`.

mod common;

mod absenteeism;
mod arrivals_csv;
mod backtest;
mod bad_input;
mod blocking;
mod breaks;
mod chart_figures;
mod charts;
mod compare;
mod conservation;
mod consistency;
mod crn;
mod decisions;
mod determinism;
mod erlang_c;
mod erlang_cli;
mod fit;
mod forecast_error;
mod hostile;
mod input_files;
mod intervals;
mod layers;
mod limits;
mod misroute;
mod mutations;
mod precision;
mod readme;
mod resume;
mod retrials;
mod routing;
mod rules;
mod schedule;
mod shard;
mod shrinkage;
mod slurm;
mod staff;
mod sweep;
mod validation;
mod wait_metrics;
