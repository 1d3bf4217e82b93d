//! Output: CSV writers, charts and the HTML report, the trace recorder and the atomic output folder.

mod charts;
mod csv_out;
mod html;
mod outdir;
mod staffing;
mod trace;

pub use charts::{Chart, ChartData, SIZE, write_charts, write_sweep_charts};
pub use csv_out::{
    TraceNames, fmt_num, write_chats, write_events, write_intervals, write_replications, write_summary, write_sweep,
    write_text,
};
pub use html::write_report;
pub use outdir::OutputDir;
pub use staffing::{write_comparison, write_staff_chart, write_staffing};
pub use trace::{EventRow, Trace};
