//! Scenario files: parsing, validation, durations and distributions.
//!
//! [`load`] turns a TOML file into a resolved, checked [`Scenario`]: every
//! default applied, every name resolved to an index, every file input read.
//! Nothing downstream re-validates; the model trusts these types.
//!
//! The way through: `schema` is the file as serde reads it; pass 1 checks
//! each field on its own, single values in `fields`, then per section in
//! `settings` (`[simulation]`, `[service_level]`, `[chat]`, `[routing]`),
//! `groups`, `reasons`, `replay` (the top-level `arrivals`) and
//! `interval_tables` (the `forecast` and `staffing` CSV files); pass 2, in
//! `parse`, resolves names and cross-references. `key_path` names the key at
//! the position of a TOML error.

mod away;
pub mod dist;
pub mod duration;
mod error;
mod fields;
mod groups;
mod interval_tables;
mod key_path;
pub mod limits;
mod parse;
mod reasons;
mod replay;
mod scheduling;
mod schema;
mod settings;
mod write;

pub use away::{Break, BreakAt, Shrinkage};
pub use dist::{Dist, parse_dist};
pub use error::ScenarioError;
pub use interval_tables::read_requirement;
pub use parse::{load, parse_str};
pub use write::resolved_toml;

use crate::engine::{DAY_SECS, SimDuration, SimTime};
use std::path::PathBuf;

/// A resolved, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file it was read from (used in messages and to resolve paths).
    pub path: PathBuf,
    pub simulation: Simulation,
    pub service_level: ServiceLevel,
    /// Silence after which the agent disconnects a non-responsive customer, seconds.
    pub inactivity_timeout: f64,
    pub routing: Routing,
    /// Skill names, in order of first appearance in the groups' `skills` lists.
    pub skills: Vec<String>,
    pub reasons: Vec<Reason>,
    pub groups: Vec<Group>,
    /// `Some` when the scenario replays `arrivals.csv` exactly; then every
    /// reason's `volume` is all zeros and unused.
    pub replay: Option<Vec<ReplayArrival>>,
    /// `[forecast_error]`: the multipliers shared by every reason (both 0,
    /// and always 0 under a replay, when the table is absent).
    pub forecast_error: ForecastError,
    /// `[queue_cap]`, per skill (index into [`Scenario::skills`]): the most
    /// chats that may wait in its queue; a new chat arriving when that many
    /// wait and no agent can take it at once is blocked (docs/design.md §2).
    /// `None`: no cap (the default).
    pub queue_cap: Vec<Option<u32>>,
    /// `[scheduling]`: the shift rules `ccsim schedule` builds a roster from
    /// (`None`: absent; a run ignores it).
    pub scheduling: Option<Scheduling>,
}

/// `[forecast_error]`: random multipliers of the forecast volumes that every
/// reason shares (a reason's own is [`Reason::volume_cv`]). Each multiplier
/// is a gamma variable with mean 1 and the coefficient of variation given,
/// 0 meaning exactly 1 (no draw).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ForecastError {
    /// CV of one daily multiplier shared by every reason (per replication and day).
    pub cv: f64,
    /// CV of a multiplier drawn for each reason, day and open interval on its own.
    pub per_interval_cv: f64,
}

impl ForecastError {
    /// True when no multiplier is drawn at all, for any reason.
    pub fn is_off(&self, reasons: &[Reason]) -> bool {
        self.cv == 0.0 && self.per_interval_cv == 0.0 && reasons.iter().all(|r| r.volume_cv == 0.0)
    }
    /// The CV of a reason's daily multiplier, its own (`volume_cv`) times the
    /// shared one: for independent mean-1 factors, 1 + CV² multiplies, so
    /// CV² = a² + b² + a²b².
    pub fn day_cv(&self, volume_cv: f64) -> f64 {
        ((1.0 + volume_cv * volume_cv) * (1.0 + self.cv * self.cv) - 1.0).sqrt()
    }
    /// The variance of a day's count of a reason with `volume_cv` and the
    /// expected chats `profile` per open interval (λ = their sum):
    /// λ + (1 + c²)(λ² + p²·Σλᵢ²) − λ², with c the daily CV ([`Self::day_cv`])
    /// and p `per_interval_cv`; λ + c²λ² without per-interval error.
    pub fn day_count_variance(&self, volume_cv: f64, profile: &[f64]) -> f64 {
        let lambda: f64 = profile.iter().sum();
        let squares: f64 = profile.iter().map(|l| l * l).sum();
        let c2 = self.day_cv(volume_cv).powi(2);
        let p2 = self.per_interval_cv * self.per_interval_cv;
        lambda + c2 * lambda * lambda + (1.0 + c2) * p2 * squares
    }
}

impl Scenario {
    /// True when some skill's queue has a cap: chats can be blocked, and
    /// the `blocked` and `block_rate` metrics are written.
    pub fn blocking(&self) -> bool {
        self.queue_cap.iter().any(Option::is_some)
    }
    /// True when some reason's customers retry (`retry` with p > 0): the
    /// `retries` metric and the `retry_of` column of `chats.csv` are written.
    pub fn retrials(&self) -> bool {
        self.reasons.iter().any(|r| r.retry.is_some())
    }
    /// True when some reason's customers misroute (`misroute` with p > 0):
    /// the `misrouted` metric is written.
    pub fn misrouting(&self) -> bool {
        self.reasons.iter().any(|r| r.misroute.is_some())
    }

    /// Whether some group has breaks, absenteeism or shrinkage: then the
    /// hours metrics (`scheduled_hours` … `shrinkage_share`) are written.
    pub fn shrinks(&self) -> bool {
        self.groups.iter().any(|g| g.takes_breaks() || g.absenteeism > 0.0 || g.shrinkage.is_some())
    }
}

/// Values per open interval: one profile for every day, or one for each day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayProfiles<T>(Vec<Vec<T>>);

impl<T> DayProfiles<T> {
    /// The same profile every day.
    pub fn every_day(profile: Vec<T>) -> Self {
        DayProfiles(vec![profile])
    }
    /// One profile per day, in day order (at least one).
    pub fn per_day(profiles: Vec<Vec<T>>) -> Self {
        assert!(!profiles.is_empty(), "at least one day profile");
        DayProfiles(profiles)
    }
    /// The profile of day `day` (0-based).
    pub fn day(&self, day: u32) -> &[T] {
        &self.0[day as usize % self.0.len()]
    }
    /// True when every day has the same profile.
    pub fn is_every_day(&self) -> bool {
        self.0.len() == 1
    }
    /// The profiles: one, or one per day.
    pub fn profiles(&self) -> &[Vec<T>] {
        &self.0
    }
}

impl DayProfiles<f64> {
    /// The mean over days of interval `i`.
    pub fn mean_at(&self, i: usize) -> f64 {
        self.0.iter().map(|p| p[i]).sum::<f64>() / self.0.len() as f64
    }
}

/// The `[simulation]` table. Clock times are seconds after midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Opening time each day, seconds after midnight (on the interval grid).
    pub start: u32,
    /// Closing time each day, seconds after midnight, `start < end <= 86400` (on the grid).
    pub end: u32,
    pub days: u32,
    /// Reporting and forecast interval, seconds: 900, 1800 or 3600.
    pub interval: u32,
    /// Offset from the first day's start before which chats are not counted, seconds.
    pub warmup: f64,
    pub replications: u32,
    pub seed: u64,
    /// The real date of day 1, for the dates of a traced run's `history.csv`
    /// (`None`: 2024-01-01, a Monday, like day 1 of a fitted week).
    pub first_date: Option<crate::engine::Date>,
}

impl Simulation {
    /// Number of intervals between `start` and `end`.
    pub fn open_intervals(&self) -> usize {
        ((self.end - self.start) / self.interval) as usize
    }
    /// True when days run back to back (`00:00`–`24:00`) with no drain between them.
    pub fn back_to_back(&self) -> bool {
        self.start == 0 && self.end == DAY_SECS
    }
    /// When open interval `i` starts, seconds after midnight.
    pub fn interval_start(&self, i: usize) -> u32 {
        self.start + i as u32 * self.interval
    }
    /// Intervals in a day (24 h), open or not.
    pub fn intervals_per_day(&self) -> usize {
        (DAY_SECS / self.interval) as usize
    }
    /// The reporting interval as simulated time.
    pub fn interval_length(&self) -> SimDuration {
        SimDuration::from_whole_secs(self.interval.into())
    }
    /// The first day's opening: time 0 of output files (`chats.csv`,
    /// `arrivals.csv`), and where the warm-up is counted from.
    pub fn origin(&self) -> SimTime {
        SimTime::of_day(0, self.start)
    }
    /// The end of the warm-up: nothing before it is counted (the distant
    /// past without a warm-up).
    pub fn warmup_end(&self) -> SimTime {
        if self.warmup > 0.0 { self.origin().after_secs(self.warmup) } else { SimTime::PAST }
    }
}

/// The `[service_level]` table; durations in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLevel {
    pub threshold: f64,
    pub goal: f64,
    pub max_abandon: Option<f64>,
    pub short_abandon: f64,
    /// By skill, its own goal (`goals = { billing = 0.85 }`), which `staff`
    /// holds each interval to besides `goal`; empty when none is given.
    pub skill_goals: Vec<Option<f64>>,
}

/// What `wrapup_blocks` blocks while a disposition is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapupBlocks {
    /// No new offer to the agent while any disposition is pending.
    Agent,
    /// Only the slot in wrap-up waits.
    Slot,
}

/// The per-agent operating rules of `[chat]`, after a group's overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRules {
    pub max_concurrent: u32,
    /// Work speed of each chat while the agent works 1, 2, … chats; `len() >= max_concurrent`.
    pub speed: Vec<f64>,
    pub accept: Dist,
    pub refuse: f64,
    pub wrapup: Dist,
    pub wrapup_blocks: WrapupBlocks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentSelect {
    LeastBusy,
    LongestIdle,
    FillFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueSelect {
    Priority,
    Oldest,
    SkillOrder,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub agent_select: AgentSelect,
    pub queue_select: QueueSelect,
}

/// A contact reason: its arrivals and the customer's behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub name: String,
    /// Index into [`Scenario::skills`].
    pub skill: usize,
    /// Expected chats per open interval (Poisson means), each profile `open_intervals()` long:
    /// from `rate`, `volume` (a list, or one list per day) or the top-level `forecast` CSV
    /// (per day when it has a `day` column; intervals and days without a row are 0).
    pub volume: DayProfiles<f64>,
    /// CV of the reason's own daily volume multiplier (gamma, mean 1; 0: none).
    pub volume_cv: f64,
    pub handle: Dist,
    pub auth: Dist,
    pub auth_fail: f64,
    pub patience: Dist,
    pub priority: i32,
    pub nonresponsive: Option<Nonresponsive>,
    pub transfer: Option<Transfer>,
    pub commitment: Option<Commitment>,
    /// Retrials: the share of abandoned or blocked customers who try again,
    /// and after how long (`None`: off, also for `p = 0`).
    pub retry: Option<Retry>,
    /// Misrouting: the share of customers who pick another reason instead
    /// of this one (`None`: off, also for `p = 0`).
    pub misroute: Option<Misroute>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Nonresponsive {
    /// Probability the customer goes silent during the work.
    pub p: f64,
    /// Probability the customer answers a prompt before the timeout.
    pub returns: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub p: f64,
    /// Target skill index.
    pub to: usize,
    /// Handle of the new segment (else the reason's).
    pub handle: Option<Dist>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Commitment {
    pub p: f64,
    /// Delay from the resolved chat's end to the follow-up, seconds.
    pub after: f64,
    pub skill: usize,
    pub handle: Option<Dist>,
}

/// A reason's `retry`: a new chat (a first attempt or a retry) that
/// abandons or is blocked comes back with probability `p`, `after` later,
/// as a new arrival of the same customer (docs/design.md §2 item 11).
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Above 0 and at most [`limits::MAX_RETRY_P`].
    pub p: f64,
    /// Delay from giving up to trying again, seconds.
    pub after: Dist,
}

/// A reason's `misroute`: a new chat picks reason `to` instead with
/// probability `p`, queues for its skill, and is transferred to this
/// reason's skill after `triage` (docs/design.md §2 item 12).
#[derive(Debug, Clone, PartialEq)]
pub struct Misroute {
    /// Above 0 and below 1.
    pub p: f64,
    /// The reason picked instead (index into [`Scenario::reasons`]; never this one).
    pub to: usize,
    /// Agent work, at speed 1, after authentication until the agent sees
    /// the chat is misrouted, seconds.
    pub triage: Dist,
}

/// An agent group: the skills it serves, its staffing and its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// Skill indices in the group's own order (used by `skill_order` and ties).
    pub skills: Vec<usize>,
    pub staffing: Staffing,
    pub rules: AgentRules,
    /// The probability that a scheduled agent does not come in on a day
    /// (0 to below 1; 0: off). Drawn per agent slot, day and replication
    /// (docs/design.md §2 item 9, §2.1).
    pub absenteeism: f64,
    /// Breaks each agent takes each day (docs/design.md §2 item 9); empty: none.
    pub breaks: Vec<Break>,
    /// The largest share of the group's scheduled agents that staggered
    /// breaks may take away at once (above 0, at most 1; default 1).
    pub max_on_break: f64,
    /// Unplanned shrinkage (`None`: off, as with a share of 0).
    pub shrinkage: Option<Shrinkage>,
}

impl Group {
    /// Its agents take breaks: the group's `breaks`, or a roster shift's own.
    pub fn takes_breaks(&self) -> bool {
        !self.breaks.is_empty() || self.shift_breaks().next().is_some()
    }

    /// Each roster shift's breaks, with the shift (its index among the
    /// group's `shifts` and itself).
    pub fn shift_breaks(&self) -> impl Iterator<Item = (usize, &Shift, &ShiftBreak)> {
        let shifts: &[Shift] = match &self.staffing {
            Staffing::Shifts(s) => s,
            _ => &[],
        };
        shifts.iter().enumerate().flat_map(|(i, s)| s.breaks.iter().map(move |b| (i, s, b)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Staffing {
    /// The same number logged in from `start` to `end` every day.
    Constant(u32),
    /// A number per open interval, each profile `open_intervals()` long: from `agents`
    /// (a list, or one list per day) or the top-level `staffing` CSV (per day when it
    /// has a `day` column; intervals and days without a row are 0).
    PerInterval(DayProfiles<u32>),
    /// Shifts; times are seconds after midnight, `start < end <= 86400`.
    Shifts(Vec<Shift>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub start: u32,
    pub end: u32,
    pub agents: u32,
    /// The days it is worked, 0-based and ascending (`None`: every day).
    pub days: Option<Vec<u32>>,
    /// Its breaks at fixed clock times, in time order, inside the shift and
    /// not overlapping: the shift's agents are off duty during them.
    pub breaks: Vec<ShiftBreak>,
}

impl Shift {
    /// True when the shift is worked on day `day` (0-based).
    pub fn on_day(&self, day: u32) -> bool {
        self.days.as_ref().is_none_or(|d| d.binary_search(&day).is_ok())
    }
    /// True when its agents are on duty (not on a break) at `t`, seconds after midnight.
    pub fn working_at(&self, t: u32) -> bool {
        self.start <= t && t < self.end && !self.breaks.iter().any(|b| b.start <= t && t < b.start + b.length)
    }
}

/// A break of a shift, at a clock time (seconds after midnight), `length` seconds long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShiftBreak {
    pub start: u32,
    pub length: u32,
}

/// `[scheduling]`: the rules of `ccsim schedule` (docs/design.md §1.2).
/// Times are seconds; all of them whole quarter hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduling {
    pub templates: Vec<Template>,
    /// The most part-time shifts may be of a group's shifts on a day (0 to 1; 1: no limit).
    pub max_part_time: f64,
    /// The most agents of a group on duty at once (breaks included), if limited.
    pub max_agents: Option<u32>,
    /// Cost of an agent working beyond the requirement, per agent-interval.
    pub over_cost: f64,
    /// Cost of an agent missing from the requirement, per agent-interval;
    /// `None`: coverage is a hard constraint.
    pub under_cost: Option<f64>,
}

/// A shift template: a length, the starts allowed, the days, the cost and its breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    /// Seconds.
    pub length: u32,
    /// Earliest and latest start, seconds after midnight, and the step between starts.
    pub earliest: u32,
    pub latest: u32,
    pub step: u32,
    /// Weekdays it may be worked, 0 = Monday … 6 = Sunday, ascending.
    pub weekdays: Vec<u32>,
    pub cost_per_hour: f64,
    pub cost_per_shift: f64,
    /// Shifts of this template per group and day, at least and at most.
    pub min: u32,
    pub max: Option<u32>,
    pub part_time: bool,
    /// The groups it may staff (indices; every group when the key is absent).
    pub groups: Vec<usize>,
    pub breaks: Vec<TemplateBreak>,
}

impl Template {
    /// What one shift of it costs.
    pub fn cost(&self) -> f64 {
        self.cost_per_hour * f64::from(self.length) / 3600.0 + self.cost_per_shift
    }
    /// Its allowed starts, seconds after midnight.
    pub fn starts(&self) -> impl Iterator<Item = u32> + '_ {
        (self.earliest..=self.latest).step_by(self.step as usize)
    }
}

/// A template's break: its length and the window it must lie in, counted
/// from the shift's start (it starts at or after `from` and ends by `to`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemplateBreak {
    pub length: u32,
    pub from: u32,
    pub to: u32,
}

impl Simulation {
    /// The weekday of day `day` (0-based), 0 = Monday: from `first_date`
    /// (default 2024-01-01, a Monday).
    pub fn weekday(&self, day: u32) -> u32 {
        let first = self.first_date.unwrap_or(crate::engine::Date(19_723)); // 2024-01-01
        first.plus(day as i32).weekday()
    }
}

/// One replayed chat of `arrivals.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayArrival {
    /// Seconds from the first day's start.
    pub time: f64,
    /// Reason index.
    pub reason: usize,
    pub handle: Option<f64>,
    pub auth: Option<f64>,
    pub patience: Option<f64>,
}
