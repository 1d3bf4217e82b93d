//! Statistics: streaming collectors per interval and scope, wait-time
//! histograms, the metrics of one replication and their aggregation across
//! replications with Student-t confidence intervals.

mod aggregate;
mod collect;
mod hist;
mod metrics;
pub mod summary;

pub use aggregate::{AGGREGATE_VALUE_COLUMNS, Aggregate, AggregateValues, aggregate};
pub use collect::{AgentTotals, Collector, KindTotals, Layout, QueueTotals, SegTotals, SlotTotals};
pub use hist::WaitHistogram;
pub use metrics::{Label, MetricKind, ScopeNames, metric_labels, metric_values};
