//! Statistics: streaming collectors per interval and scope, wait-time
//! histograms, the metrics of one replication and their aggregation across
//! replications with Student-t confidence intervals.

mod aggregate;
mod collect;
pub mod fit;
mod hist;
mod judge;
mod metrics;
mod names;
mod precision;
mod results;
mod staffing;
pub mod summary;

/// The kinds of segment that name the families of queue metrics.
pub use crate::model::SegmentKind;
pub use aggregate::{AGGREGATE_VALUE_COLUMNS, Aggregate, AggregateValues, BadAggregate, aggregate};
pub use collect::{AgentTotals, Collector, KindTotals, Layout, QueueTotals, SegTotals, SlotTotals};
pub use hist::WaitHistogram;
pub use judge::{Judge, QueueOutcomes};
pub use metrics::{Label, ScopeNames, metric_labels, metric_values};
pub use names::{Direction, Metric, MetricKind, Scope, UnknownName, Work};
pub use precision::{PrecisionCheck, PrecisionOutcome, precision_check};
pub use results::{Replication, Results, aggregate_results, in_pool, layout, scope_names};
pub use staffing::{Confidence, Frame, SlotPlan, Staffed, slot_figure};
