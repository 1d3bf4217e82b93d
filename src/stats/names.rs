//! Names are types: the scopes and metrics of docs/design.md §3 as enums, so
//! that a misspelt metric fails to compile instead of printing "-". Their
//! names in the `scope` and `metric` columns of the output come from
//! `Display`, and files read back parse them with `FromStr`: a name ccsim
//! does not write is refused there, not carried along as a string.
//!
//! What each metric is ([`MetricKind`]: the values it can take) and which
//! way it should move ([`Direction`], for `compare`) are said here, once.

use crate::engine::SimTime;
use crate::model::SegmentKind;
use std::fmt;
use std::str::FromStr;

/// What a row of metrics describes: the whole center, or one reason, skill or group.
/// Ordered as the output lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole center; its key is `all`.
    All,
    Reason,
    Skill,
    Group,
}

impl Scope {
    const EVERY: [Scope; 4] = [Scope::All, Scope::Reason, Scope::Skill, Scope::Group];

    /// The name in the `scope` column.
    pub fn name(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Reason => "reason",
            Scope::Skill => "skill",
            Scope::Group => "group",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scope {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Scope, UnknownName> {
        Scope::EVERY.into_iter().find(|scope| scope.name() == s).ok_or(UnknownName("all, reason, skill or group"))
    }
}

/// A name that is not a scope or metric of ccsim; says what is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected {0}")]
pub struct UnknownName(pub &'static str);

/// Whose handling a handling metric (`handled`, `chat_time`, `wrapup_time`,
/// `aht`) describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Work {
    /// Answered new and transferred-in segments (no prefix).
    Chats,
    /// Answered follow-ups of commitments (`followup_`).
    Followups,
}

/// Every metric ccsim writes. The queue metrics exist for each kind of
/// segment (new chats unprefixed, then `transfer_in_` and `followup_`), the
/// handling metrics for chats and follow-ups (`followup_`), the wait
/// percentiles for new chats only, and `concurrency_<n>` for each number of
/// chats an agent can hold, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    Offered(SegmentKind),
    Answered(SegmentKind),
    Abandoned(SegmentKind),
    ShortAbandoned(SegmentKind),
    Unserved(SegmentKind),
    /// New chats turned away by a full queue (only with a `[queue_cap]`).
    Blocked,
    /// New chats that were retries (only when some reason has `retry`).
    Retries,
    /// New chats that picked the wrong reason (only when some reason has `misroute`).
    Misrouted,
    ServiceLevel(SegmentKind),
    AbandonRate(SegmentKind),
    /// Blocked ÷ offered new chats (only with a `[queue_cap]`).
    BlockRate,
    /// New chats that waited at all (wait > 0) ÷ offered: Erlang C's P(wait).
    PWait,
    Asa(SegmentKind),
    /// Mean wait of answered and abandoned new chats: the ASA of Erlang
    /// calculators (`asa` is over answered chats only).
    WaitMeanAll,
    WaitP50,
    WaitP80,
    WaitP90,
    WaitP95,
    WaitP99,
    WaitMax(SegmentKind),
    AbandonWaitMean(SegmentKind),
    QueueLenMean,
    QueueLenMax,
    Handled(Work),
    ChatTime(Work),
    WrapupTime(Work),
    Aht(Work),
    AuthTime,
    InactiveDisconnectRate,
    TransferRate,
    AuthFailRate,
    Commitments,
    CommitmentsUnserved,
    LoggedInHours,
    Occupancy,
    Utilisation,
    /// Share of logged-in time holding this many chats at once.
    Concurrency(u32),
    Overtime,
    /// Agent-hours the count timeline schedules (with breaks, absenteeism or shrinkage only).
    ScheduledHours,
    /// Scheduled agent-hours of absent agents.
    AbsentHours,
    /// Logged-in agent-hours away on breaks.
    BreakHours,
    /// Logged-in agent-hours in shrinkage spells, not on a break.
    ShrinkageHours,
    /// Logged-in hours less break and shrinkage hours.
    ProductiveHours,
    /// (Absent + break + shrinkage hours) ÷ scheduled hours, at most 1.
    ShrinkageShare,
}

fn prefix(kind: SegmentKind) -> &'static str {
    match kind {
        SegmentKind::New => "",
        SegmentKind::TransferIn => "transfer_in_",
        SegmentKind::Followup => "followup_",
    }
}

impl Metric {
    /// The kind of number the metric is: what `merge` and `compare` check
    /// a value read back against.
    pub fn kind(self) -> MetricKind {
        use Metric::*;
        match self {
            Offered(_) | Answered(_) | Abandoned(_) | ShortAbandoned(_) | Unserved(_) | Blocked | Retries
            | Misrouted | Handled(_) | Commitments | CommitmentsUnserved => MetricKind::Count,
            ServiceLevel(_)
            | BlockRate
            | PWait
            | AbandonRate(_)
            | InactiveDisconnectRate
            | TransferRate
            | AuthFailRate
            | Occupancy
            | Utilisation
            | Concurrency(_)
            | ShrinkageShare => MetricKind::Share,
            Asa(_) | WaitMeanAll | WaitP50 | WaitP80 | WaitP90 | WaitP95 | WaitP99 | WaitMax(_)
            | AbandonWaitMean(_) | ChatTime(_) | WrapupTime(_) | Aht(_) | AuthTime => MetricKind::Time,
            LoggedInHours | Overtime | ScheduledHours | AbsentHours | BreakHours | ShrinkageHours | ProductiveHours => {
                MetricKind::Hours
            }
            QueueLenMean | QueueLenMax => MetricKind::QueueLength,
        }
    }

    /// Which way the metric should move, for `compare`: only the figures a
    /// center is judged by have a good direction.
    pub fn direction(self) -> Direction {
        use Metric::*;
        match self {
            ServiceLevel(SegmentKind::New) => Direction::HigherIsBetter,
            Asa(SegmentKind::New)
            | WaitMeanAll
            | PWait
            | AbandonRate(SegmentKind::New)
            | BlockRate
            | Aht(Work::Chats)
            | InactiveDisconnectRate => Direction::LowerIsBetter,
            _ => Direction::Neutral,
        }
    }

    /// Whether the metric describes agents: written for scope `all` and
    /// each group, never for a reason or skill (which have no agents).
    pub fn describes_agents(self) -> bool {
        matches!(
            self,
            Metric::LoggedInHours
                | Metric::Occupancy
                | Metric::Utilisation
                | Metric::Concurrency(_)
                | Metric::Overtime
                | Metric::ScheduledHours
                | Metric::AbsentHours
                | Metric::BreakHours
                | Metric::ShrinkageHours
                | Metric::ProductiveHours
                | Metric::ShrinkageShare
        )
    }

    /// The prefix of the metric's family: the kind of segment of a queue
    /// metric, or `followup_` for the handling of follow-ups.
    fn prefix(self) -> &'static str {
        use Metric::*;
        match self {
            Offered(k) | Answered(k) | Abandoned(k) | ShortAbandoned(k) | Unserved(k) | ServiceLevel(k)
            | AbandonRate(k) | Asa(k) | WaitMax(k) | AbandonWaitMean(k) => prefix(k),
            Handled(Work::Followups)
            | ChatTime(Work::Followups)
            | WrapupTime(Work::Followups)
            | Aht(Work::Followups) => "followup_",
            _ => "",
        }
    }

    /// The name without its family's prefix (and without the level of `concurrency_<n>`).
    fn base(self) -> &'static str {
        use Metric::*;
        match self {
            Offered(_) => "offered",
            Answered(_) => "answered",
            Abandoned(_) => "abandoned",
            ShortAbandoned(_) => "short_abandoned",
            Unserved(_) => "unserved",
            Blocked => "blocked",
            Retries => "retries",
            Misrouted => "misrouted",
            ServiceLevel(_) => "service_level",
            AbandonRate(_) => "abandon_rate",
            BlockRate => "block_rate",
            PWait => "p_wait",
            Asa(_) => "asa",
            WaitMeanAll => "wait_mean_all",
            WaitP50 => "wait_p50",
            WaitP80 => "wait_p80",
            WaitP90 => "wait_p90",
            WaitP95 => "wait_p95",
            WaitP99 => "wait_p99",
            WaitMax(_) => "wait_max",
            AbandonWaitMean(_) => "abandon_wait_mean",
            QueueLenMean => "queue_len_mean",
            QueueLenMax => "queue_len_max",
            Handled(_) => "handled",
            ChatTime(_) => "chat_time",
            WrapupTime(_) => "wrapup_time",
            Aht(_) => "aht",
            AuthTime => "auth_time",
            InactiveDisconnectRate => "inactive_disconnect_rate",
            TransferRate => "transfer_rate",
            AuthFailRate => "auth_fail_rate",
            Commitments => "commitments",
            CommitmentsUnserved => "commitments_unserved",
            LoggedInHours => "logged_in_hours",
            Occupancy => "occupancy",
            Utilisation => "utilisation",
            Concurrency(_) => "concurrency_",
            Overtime => "overtime",
            ScheduledHours => "scheduled_hours",
            AbsentHours => "absent_hours",
            BreakHours => "break_hours",
            ShrinkageHours => "shrinkage_hours",
            ProductiveHours => "productive_hours",
            ShrinkageShare => "shrinkage_share",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())?;
        f.write_str(self.base())?;
        match self {
            Metric::Concurrency(level) => write!(f, "{level}"),
            _ => Ok(()),
        }
    }
}

impl FromStr for Metric {
    type Err = UnknownName;

    /// Exactly the names `Display` writes (`concurrency_07` is not one).
    fn from_str(s: &str) -> Result<Metric, UnknownName> {
        use Metric::*;
        use SegmentKind::{Followup, New, TransferIn};
        let unknown = UnknownName("a metric of ccsim (docs/design.md §3)");
        let (kind, base) = match (s.strip_prefix("transfer_in_"), s.strip_prefix("followup_")) {
            (Some(base), _) => (TransferIn, base),
            (_, Some(base)) => (Followup, base),
            _ => (New, s),
        };
        let work = match kind {
            New => Some(Work::Chats),
            Followup => Some(Work::Followups),
            TransferIn => None,
        };
        let queue: Option<fn(SegmentKind) -> Metric> = match base {
            "offered" => Some(Offered),
            "answered" => Some(Answered),
            "abandoned" => Some(Abandoned),
            "short_abandoned" => Some(ShortAbandoned),
            "unserved" => Some(Unserved),
            "service_level" => Some(ServiceLevel),
            "abandon_rate" => Some(AbandonRate),
            "asa" => Some(Asa),
            "wait_max" => Some(WaitMax),
            "abandon_wait_mean" => Some(AbandonWaitMean),
            _ => None,
        };
        let handling: Option<fn(Work) -> Metric> = match base {
            "handled" => Some(Handled),
            "chat_time" => Some(ChatTime),
            "wrapup_time" => Some(WrapupTime),
            "aht" => Some(Aht),
            _ => None,
        };
        if let Some(metric) = queue {
            return Ok(metric(kind));
        }
        if let Some(metric) = handling {
            return work.map(metric).ok_or(unknown);
        }
        if kind != New {
            return Err(unknown);
        }
        if let Some(level) = base.strip_prefix("concurrency_") {
            let canonical = level == "0" || (!level.starts_with('0') && level.bytes().all(|b| b.is_ascii_digit()));
            return level.parse().ok().filter(|_| canonical).map(Concurrency).ok_or(unknown);
        }
        Ok(match base {
            "wait_p50" => WaitP50,
            "wait_p80" => WaitP80,
            "wait_p90" => WaitP90,
            "wait_p95" => WaitP95,
            "wait_p99" => WaitP99,
            "blocked" => Blocked,
            "retries" => Retries,
            "misrouted" => Misrouted,
            "block_rate" => BlockRate,
            "p_wait" => PWait,
            "wait_mean_all" => WaitMeanAll,
            "queue_len_mean" => QueueLenMean,
            "queue_len_max" => QueueLenMax,
            "auth_time" => AuthTime,
            "inactive_disconnect_rate" => InactiveDisconnectRate,
            "transfer_rate" => TransferRate,
            "auth_fail_rate" => AuthFailRate,
            "commitments" => Commitments,
            "commitments_unserved" => CommitmentsUnserved,
            "logged_in_hours" => LoggedInHours,
            "occupancy" => Occupancy,
            "utilisation" => Utilisation,
            "overtime" => Overtime,
            "scheduled_hours" => ScheduledHours,
            "absent_hours" => AbsentHours,
            "break_hours" => BreakHours,
            "shrinkage_hours" => ShrinkageHours,
            "productive_hours" => ProductiveHours,
            "shrinkage_share" => ShrinkageShare,
            _ => return Err(unknown),
        })
    }
}

/// Which way a metric should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A drop is bad (service level).
    HigherIsBetter,
    /// A rise is bad (waits, abandonment, handle time, disconnects).
    LowerIsBetter,
    /// Reported, never a regression (occupancy).
    Neutral,
}

/// What kind of number a metric is: the values it can take, and whether it
/// can be undefined (an empty cell). Readers of ccsim's own files (merge,
/// compare) check every value against its metric's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A number of chats or commitments: a whole number ≥ 0, always defined.
    Count,
    /// A ratio of totals, between 0 and 1; undefined when its denominator is 0.
    Share,
    /// Seconds (a wait, a handle time): ≥ 0 and within the simulated clock's
    /// range; undefined without anything to measure.
    Time,
    /// Agent hours summed over agents: ≥ 0, always defined.
    Hours,
    /// A queue length (time-average or maximum): ≥ 0; undefined when nothing was observed.
    QueueLength,
}

/// The largest count or amount a file can hold: 2^53, beyond which an `f64`
/// no longer holds every whole number.
const MAX_AMOUNT: f64 = 9_007_199_254_740_992.0;

/// A share is a ratio of floating-point sums (of times): it may lie a few
/// units in the last place above 1.
const SHARE_SLACK: f64 = 1e-9;

impl MetricKind {
    /// Whether every replication defines the metric, so that its cell in
    /// `replications.csv` is never empty.
    pub fn always_defined(self) -> bool {
        matches!(self, MetricKind::Count | MetricKind::Hours)
    }

    fn max(self) -> f64 {
        match self {
            MetricKind::Share => 1.0 + SHARE_SLACK,
            MetricKind::Time => SimTime::NEVER.secs(),
            _ => MAX_AMOUNT,
        }
    }

    /// The least and the greatest value a metric of this kind can take: a
    /// share from 0 to 1, anything else from 0 (to the most a file can hold).
    pub fn range(self) -> (f64, f64) {
        match self {
            MetricKind::Share => (0.0, 1.0),
            MetricKind::Time => (0.0, SimTime::NEVER.secs()),
            _ => (0.0, MAX_AMOUNT),
        }
    }

    /// A confidence interval around `mean` clipped to [`MetricKind::range`]:
    /// the Student-t interval of a mean near a bound reaches past it
    /// (`service_level` 0.9975 ± 0.0032), which no value can. The clipped
    /// interval still holds the mean (a share's mean may lie a hair above 1).
    pub fn clip(self, (low, high): (f64, f64), mean: f64) -> (f64, f64) {
        let (least, most) = self.range();
        (low.max(least.min(mean)), high.min(most.max(mean)))
    }

    /// The decimals a figure of this kind is printed with for people (files
    /// keep 6): a share to 4 (a hundredth of a point), seconds and queue
    /// lengths to 2, counts and hours to 1. A mean and its interval are
    /// printed alike.
    pub fn decimals(self) -> usize {
        match self {
            MetricKind::Share => 4,
            MetricKind::Time | MetricKind::QueueLength => 2,
            MetricKind::Count | MetricKind::Hours => 1,
        }
    }

    /// Whether `v` can be one replication's value of a metric of this kind.
    pub fn admits(self, v: f64) -> bool {
        self.admits_mean(v) && (self != MetricKind::Count || v.fract() == 0.0)
    }

    /// Whether `v` can be a mean across replications of such values (a
    /// mean of counts need not be whole).
    pub fn admits_mean(self, v: f64) -> bool {
        v.is_finite() && v >= 0.0 && v <= self.max()
    }

    /// What a value (or, with `mean`, a mean) of this kind must be, for messages.
    pub fn expected(self, mean: bool) -> &'static str {
        match (self, mean) {
            (MetricKind::Count, false) => "a count: a whole number from 0 to 2^53",
            (MetricKind::Count, true) => "a mean count: a number from 0 to 2^53",
            (MetricKind::Share, _) => "a share: a number from 0 to 1",
            (MetricKind::Time, _) => "seconds: a number from 0 to 9.2e12",
            (MetricKind::Hours, _) => "hours: a number from 0 to 2^53",
            (MetricKind::QueueLength, _) => "a queue length: a number from 0 to 2^53",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_exactly_as_ccsim_writes_them() {
        use Metric::*;
        use SegmentKind::*;
        for (name, metric) in [
            ("service_level", ServiceLevel(New)),
            ("transfer_in_service_level", ServiceLevel(TransferIn)),
            ("followup_abandon_wait_mean", AbandonWaitMean(Followup)),
            ("followup_handled", Handled(Work::Followups)),
            ("aht", Aht(Work::Chats)),
            ("wait_p95", WaitP95),
            ("p_wait", PWait),
            ("wait_mean_all", WaitMeanAll),
            ("concurrency_0", Concurrency(0)),
            ("concurrency_12", Concurrency(12)),
            ("utilisation", Utilisation),
        ] {
            assert_eq!(name.parse::<Metric>(), Ok(metric), "{name}");
            assert_eq!(metric.to_string(), name);
        }
        for name in [
            "nonsense",
            "concurrency_",
            "concurrency_07",
            "concurrency_x",
            "concurrency_99999999999",
            "transfer_in_handled",
            "followup_wait_p50",
            "transfer_in_p_wait",
            "followup_wait_mean_all",
            "followup_occupancy",
            "transfer_in_concurrency_1",
            "Service_level",
            "",
        ] {
            assert!(name.parse::<Metric>().is_err(), "{name}");
        }
        assert_eq!("group".parse::<Scope>(), Ok(Scope::Group));
        assert!("groups".parse::<Scope>().is_err());
    }

    #[test]
    fn kinds_admit_what_ccsim_writes_and_nothing_else() {
        use MetricKind::*;
        assert_eq!(Metric::Handled(Work::Followups).kind(), Count);
        assert_eq!(Metric::ServiceLevel(SegmentKind::TransferIn).kind(), Share);
        assert_eq!(Metric::Concurrency(12).kind(), Share);
        assert!(Count.admits(0.0) && Count.admits(7.0) && !Count.admits(-7.0) && !Count.admits(1.5));
        assert!(Count.admits_mean(1.5) && !Count.admits(1e308));
        assert!(Share.admits(1.0) && !Share.admits(5.0) && !Share.admits(-0.1));
        assert!(Time.admits(1e9) && !Time.admits(1e13) && !Time.admits(-1.0));
        for k in [Count, Share, Time, Hours, QueueLength] {
            assert!(!k.admits(f64::NAN) && !k.admits(f64::INFINITY) && !k.admits_mean(f64::NAN), "{k:?}");
        }
    }

    #[test]
    fn intervals_clip_to_what_a_metric_can_take() {
        use MetricKind::*;
        assert_eq!(Share.clip((0.994357, 1.000675), 0.997516), (0.994357, 1.0));
        assert_eq!(Share.clip((-0.01, 0.03), 0.01), (0.0, 0.03));
        assert_eq!(Share.clip((0.2, 0.4), 0.3), (0.2, 0.4));
        for k in [Count, Time, Hours, QueueLength] {
            assert_eq!(k.clip((-2.5, 7.5), 2.5), (0.0, 7.5), "{k:?}");
        }
        // never excluding the mean, a hair above 1 or not
        assert_eq!(Share.clip((0.9, 1.1), 1.0 + 1e-12), (0.9, 1.0 + 1e-12));
    }

    #[test]
    fn only_the_figures_a_center_is_judged_by_have_a_direction() {
        use Metric::*;
        assert_eq!(ServiceLevel(SegmentKind::New).direction(), Direction::HigherIsBetter);
        for m in [
            Asa(SegmentKind::New),
            WaitMeanAll,
            PWait,
            AbandonRate(SegmentKind::New),
            Aht(Work::Chats),
            InactiveDisconnectRate,
        ] {
            assert_eq!(m.direction(), Direction::LowerIsBetter, "{m}");
        }
        for m in [Occupancy, ServiceLevel(SegmentKind::TransferIn), Aht(Work::Followups), Offered(SegmentKind::New)] {
            assert_eq!(m.direction(), Direction::Neutral, "{m}");
        }
    }
}
