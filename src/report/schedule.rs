//! The output of `schedule`: `shifts.csv`, `roster.csv`, `coverage.csv` and
//! `rounds.csv` (columns in README "Rosters by schedule").

use super::csv_out::fmt_num;
use crate::analytic::roster::{RosterShift, Scheduled};
use crate::model::SegmentKind::New;
use crate::scenario::ShiftBreak;
use crate::scenario::duration::fmt_clock as clock;
use crate::stats::{Metric, Scope, slot_figure};
use std::io;
use std::path::Path;

pub const SHIFTS_COLUMNS: [&str; 8] = ["template", "group", "day", "start", "end", "breaks", "count", "cost"];
pub const ROSTER_COLUMNS: [&str; 7] = ["group", "day", "agent", "template", "start", "end", "breaks"];
pub const COVERAGE_COLUMNS: [&str; 13] = [
    "day",
    "interval",
    "group",
    "requirement",
    "repaired",
    "scheduled",
    "working",
    "effective",
    "over",
    "under",
    "service_level",
    "ci95_low",
    "ci95_high",
];
pub const ROUNDS_COLUMNS: [&str; 8] =
    ["round", "cost", "bound", "gap", "status", "paid_hours", "intervals_short", "kept"];

/// `10:00-10:15;12:30-13:00`.
fn breaks(b: &[ShiftBreak]) -> String {
    b.iter().map(|b| format!("{}-{}", clock(b.start), clock(b.start + b.length))).collect::<Vec<_>>().join(";")
}

/// Every (scheduled group, day, shift) in order.
fn all_shifts(s: &Scheduled) -> impl Iterator<Item = (usize, usize, &RosterShift)> {
    s.roster.days.iter().enumerate().flat_map(|(k, days)| {
        days.iter().enumerate().flat_map(move |(d, day)| day.shifts.iter().map(move |sh| (k, d, sh)))
    })
}

/// `shifts.csv`: a row per group, day and shift of the roster, with how many work it and what they cost.
pub fn write_shifts(path: &Path, s: &Scheduled) -> io::Result<()> {
    let sch = s.scenario.scheduling.as_ref().ok_or_else(|| io::Error::other("no [scheduling]"))?;
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    w.write_record(SHIFTS_COLUMNS).map_err(io::Error::other)?;
    for (k, d, sh) in all_shifts(s) {
        let t = &sch.templates[sh.template];
        w.write_record([
            t.name.clone(),
            s.scenario.groups[s.roster.groups[k]].name.clone(),
            (d + 1).to_string(),
            clock(sh.start),
            clock(sh.end),
            breaks(&sh.breaks),
            sh.count.to_string(),
            fmt_num(Some(t.cost() * f64::from(sh.count))),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// `roster.csv`: a row per agent and day (agents numbered from 1 within a group's day, by start).
pub fn write_roster(path: &Path, s: &Scheduled) -> io::Result<()> {
    let sch = s.scenario.scheduling.as_ref().ok_or_else(|| io::Error::other("no [scheduling]"))?;
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    w.write_record(ROSTER_COLUMNS).map_err(io::Error::other)?;
    for (k, days) in s.roster.days.iter().enumerate() {
        let group = &s.scenario.groups[s.roster.groups[k]].name;
        for (d, day) in days.iter().enumerate() {
            let mut agent = 0u32;
            for sh in &day.shifts {
                for _ in 0..sh.count {
                    agent += 1;
                    w.write_record([
                        group.clone(),
                        (d + 1).to_string(),
                        agent.to_string(),
                        sch.templates[sh.template].name.clone(),
                        clock(sh.start),
                        clock(sh.end),
                        breaks(&sh.breaks),
                    ])
                    .map_err(io::Error::other)?;
                }
            }
        }
    }
    w.flush()
}

/// `coverage.csv`: per day, open interval and scheduled group, the requirement
/// (as given, and as repaired), agents on duty, working (not on a break),
/// effective (working × (1 − absenteeism)), over and under (working against
/// the repaired requirement), and the simulated service level of the
/// interval (all skills) with its 95% CI.
#[allow(clippy::needless_range_loop)] // (day, interval) index several tables at once
pub fn write_coverage(path: &Path, s: &Scheduled) -> io::Result<()> {
    let sc = &s.scenario;
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    w.write_record(COVERAGE_COLUMNS).map_err(io::Error::other)?;
    for d in 0..sc.simulation.days as usize {
        let covers: Vec<Vec<(f64, f64)>> = (0..s.roster.groups.len()).map(|k| s.roster.coverage(sc, k, d)).collect();
        for i in 0..sc.simulation.open_intervals() {
            let sl = slot_figure(&s.results, s.slot(d, i), Scope::All, "all", Metric::ServiceLevel(New));
            for (k, &g) in s.roster.groups.iter().enumerate() {
                let (duty, working) = covers[k][i];
                let need = f64::from(s.covered[g][d][i]);
                w.write_record([
                    (d + 1).to_string(),
                    clock(sc.simulation.interval_start(i)),
                    sc.groups[g].name.clone(),
                    s.requirement[g][d][i].to_string(),
                    s.covered[g][d][i].to_string(),
                    fmt_num(Some(duty)),
                    fmt_num(Some(working)),
                    fmt_num(Some(working * (1.0 - sc.groups[g].absenteeism))),
                    fmt_num(Some((working - need).max(0.0))),
                    fmt_num(Some((need - working).max(0.0))),
                    fmt_num(sl.and_then(|a| a.mean)),
                    fmt_num(sl.and_then(|a| a.ci95).map(|c| c.0)),
                    fmt_num(sl.and_then(|a| a.ci95).map(|c| c.1)),
                ])
                .map_err(io::Error::other)?;
            }
        }
    }
    w.flush()
}

/// `rounds.csv`: each solve-and-simulate round of the repair loop.
pub fn write_rounds(path: &Path, s: &Scheduled) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    w.write_record(ROUNDS_COLUMNS).map_err(io::Error::other)?;
    for (r, round) in s.rounds.iter().enumerate() {
        w.write_record([
            (r + 1).to_string(),
            fmt_num(Some(round.cost)),
            fmt_num(Some(round.bound)),
            fmt_num(Some(round.gap)),
            round.status.to_string(),
            fmt_num(Some(round.paid_hours)),
            round.short.len().to_string(),
            (r == s.kept).to_string(),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}
