//! Output: the schema of ccsim's CSV files, their writers, charts and the HTML report, the trace recorder and the atomic output folder.

mod backtest;
mod backtest_charts;
mod backtest_html;
mod charts;
mod csv_out;
mod figures;
mod fit;
mod fit_charts;
mod fit_html;
mod folder;
mod history_out;
mod html;
mod outdir;
mod schedule;
pub mod schema;
mod staffing;
mod typeset;

pub use backtest::{
    BACKTEST_COLUMNS, BACKTEST_SUMMARY_COLUMNS, BacktestLine, BacktestReport, BacktestSummaryLine, backtest_day,
    write_backtest, write_backtest_summary,
};
pub use backtest_html::write_backtest_report;
pub use charts::{Chart, ChartData, SIZE, write_charts, write_sweep_charts};
pub use csv_out::{
    TraceNames, csv_writer, fmt_num, write_chats, write_events, write_intervals, write_precision, write_replications,
    write_summary, write_sweep, write_text, write_wait_histograms,
};
pub use figures::{fmt_figure, fmt_interval};
pub use fit::{FIT_COLUMNS, WEEKDAYS, write_fit};
pub use fit_html::write_fit_report;
pub use folder::{write_run, write_run_shard, write_trace};
pub use history_out::{DEFAULT_FIRST_DATE, write_history};
pub use html::write_report;
pub use outdir::{MARKER, Marker, OutputDir, OutputError, check_target, remove_temporaries};
pub use schedule::{
    COVERAGE_COLUMNS, ROSTER_COLUMNS, ROUNDS_COLUMNS, SHIFTS_COLUMNS, write_coverage, write_roster, write_rounds,
    write_schedule_charts, write_shifts,
};
pub use staffing::{write_comparison, write_staff_chart, write_staffing};
