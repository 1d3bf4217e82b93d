//! Output: CSV writers, the trace recorder and the atomic output folder.

mod csv_out;
mod outdir;
mod trace;

pub use csv_out::{
    TraceNames, fmt_num, write_chats, write_events, write_intervals, write_replications, write_summary, write_text,
};
pub use outdir::OutputDir;
pub use trace::{EventRow, Trace};
