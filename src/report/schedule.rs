//! The output of `schedule`: `shifts.csv`, `roster.csv`, `coverage.csv` and
//! `rounds.csv` (columns in README "Rosters by schedule").

use super::charts::{
    Drawn, GRID, INK, Mark, NEUTRAL, PALETTE, YAxis, axes, frame, plain, plot_area, stacked_bars, top,
};
use super::csv_out::fmt_num;
use super::typeset::{Picture, font, render};
use crate::analytic::roster::{RosterShift, Scheduled};
use crate::model::SegmentKind::New;
use crate::scenario::ShiftBreak;
use crate::scenario::duration::fmt_clock as clock;
use crate::stats::{Metric, Scope, slot_figure};
use plotters::coord::Shift as PShift;
use plotters::prelude::*;
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
/// effective (working × (1 − absenteeism) × (1 − shrinkage share)), over and under (working against
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
                    fmt_num(Some(
                        working
                            * (1.0 - sc.groups[g].absenteeism)
                            * (1.0 - sc.groups[g].shrinkage.map_or(0.0, |s| s.share)),
                    )),
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

/// `charts/coverage.svg/.png` (agents working, stacked by group, against the
/// requirement as given and as repaired) and `charts/shifts.svg/.png` (every
/// shift of the roster as a bar across its hours, breaks left blank, in
/// order of start over the days).
pub fn write_schedule_charts(dir: &Path, s: &Scheduled) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    render(dir, "coverage", &CoverageChart(s))?;
    render(dir, "shifts", &ShiftsChart(s)).map(|_| ())
}

struct CoverageChart<'a>(&'a Scheduled);
struct ShiftsChart<'a>(&'a Scheduled);

impl Picture for CoverageChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, PShift>) -> Drawn<DB> {
        coverage_chart(root, self.0)
    }
}

impl Picture for ShiftsChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, PShift>) -> Drawn<DB> {
        shifts_chart(root, self.0)
    }
}

fn group_color(k: usize) -> RGBColor {
    [PALETTE[0], PALETTE[5], PALETTE[2], PALETTE[4], PALETTE[6]][k % 5]
}

#[allow(clippy::needless_range_loop)] // (day, interval) index several tables at once
fn coverage_chart<DB: DrawingBackend>(root: &DrawingArea<DB, PShift>, s: &Scheduled) -> Drawn<DB> {
    let sc = &s.scenario;
    let sim = &sc.simulation;
    let days = sim.days as usize;
    let mut names = Vec::new();
    let mut layers: Vec<(Vec<Option<f64>>, RGBAColor)> =
        (0..s.roster.groups.len()).map(|k| (Vec::new(), group_color(k).mix(0.85))).collect();
    let (mut given, mut repaired) = (Vec::new(), Vec::new());
    for d in 0..days {
        let covers: Vec<Vec<(f64, f64)>> = (0..s.roster.groups.len()).map(|k| s.roster.coverage(sc, k, d)).collect();
        for i in 0..sim.open_intervals() {
            let at = clock(sim.interval_start(i));
            names.push(if days > 1 { format!("D{} {at}", d + 1) } else { at });
            for (k, layer) in layers.iter_mut().enumerate() {
                layer.0.push(Some(covers[k][i].1));
            }
            given.push(s.roster.groups.iter().map(|&g| f64::from(s.requirement[g][d][i])).sum::<f64>());
            repaired.push(s.roster.groups.iter().map(|&g| f64::from(s.covered[g][d][i])).sum::<f64>());
        }
    }
    let mut legend: Vec<(String, RGBAColor, Mark)> = s
        .roster
        .groups
        .iter()
        .enumerate()
        .map(|(k, &g)| (format!("{} working", sc.groups[g].name), group_color(k).mix(0.85), Mark::Fill))
        .collect();
    legend.push(("Requirement".to_string(), PALETTE[3].to_rgba(), Mark::Line));
    legend.push(("Requirement after repairs".to_string(), PALETTE[1].to_rgba(), Mark::Dash));
    let subtitle = format!(
        "Agents on duty and not on a break (mean over each interval's quarter hours), kept roster of round {} of {}",
        s.kept + 1,
        s.rounds.len()
    );
    let area = frame(root, "Coverage by interval", &subtitle, &legend)?;
    let totals = (0..names.len()).map(|i| layers.iter().map(|l| l.0[i].unwrap_or(0.0)).sum::<f64>());
    let y_max = top(totals.chain(given.iter().copied()).chain(repaired.iter().copied()), 1.0);
    let axis = if days > 1 { "Interval start (day, HH:MM)" } else { "Interval start (HH:MM)" };
    let mut chart = axes(&area, &names, axis, YAxis { range: 0.0..y_max, title: "Agents", ticks: plain })?;
    stacked_bars(&mut chart, &layers)?;
    let steps = |values: &[f64]| -> Vec<(f64, f64)> {
        values.iter().enumerate().flat_map(|(i, &v)| [(i as f64 - 0.5, v), (i as f64 + 0.5, v)]).collect()
    };
    chart.draw_series(LineSeries::new(steps(&given), PALETTE[3].stroke_width(3)))?;
    chart.draw_series(DashedLineSeries::new(steps(&repaired), 8, 6, PALETTE[1].stroke_width(2)))?;
    Ok(())
}

fn shifts_chart<DB: DrawingBackend>(root: &DrawingArea<DB, PShift>, s: &Scheduled) -> Drawn<DB> {
    let days = s.scenario.simulation.days as usize;
    // Every agent-shift, in order of its start over the days.
    let mut bars: Vec<(f64, &RosterShift, usize)> = Vec::new();
    for (k, group_days) in s.roster.days.iter().enumerate() {
        for (d, day) in group_days.iter().enumerate() {
            for sh in &day.shifts {
                bars.push((d as f64 * 24.0, sh, k));
            }
        }
    }
    bars.sort_by(|a, b| (a.0 + f64::from(a.1.start)).total_cmp(&(b.0 + f64::from(b.1.start))).then(a.2.cmp(&b.2)));
    let rows: f64 = bars.iter().map(|b| f64::from(b.1.count)).sum::<f64>().max(1.0);
    let legend: Vec<(String, RGBAColor, Mark)> = s
        .roster
        .groups
        .iter()
        .enumerate()
        .map(|(k, &g)| (s.scenario.groups[g].name.clone(), group_color(k).mix(0.85), Mark::Fill))
        .collect();
    let subtitle = format!(
        "One row per agent and day, by start; blank gaps are breaks ({} agent-shifts over {} day(s))",
        rows as u64, days
    );
    let area = frame(root, "Shifts", &subtitle, &legend)?;
    // x in hours for one day, in days for several.
    let unit = if days > 1 { 24.0 } else { 1.0 };
    let (x_min, x_max) = if days > 1 {
        (0.0, days as f64)
    } else {
        // One day: the hours the roster spans.
        let hours = |t: u32| f64::from(t) / 3600.0;
        let first = bars.iter().map(|b| hours(b.1.start)).fold(f64::INFINITY, f64::min);
        let last = bars.iter().map(|b| hours(b.1.end)).fold(0.0, f64::max);
        if first < last { (first.floor(), last.ceil()) } else { (0.0, 24.0) }
    };
    let mut chart = plot_area(&area, x_min..x_max, 0.0..rows)?;
    let ticks = |v: &f64| {
        let i = v.round();
        if (v - i).abs() > 1e-6 {
            String::new()
        } else if days > 1 {
            if (i as usize) < days { format!("day {}", i as usize + 1) } else { String::new() }
        } else {
            format!("{:02}:00", i as i64)
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(NEUTRAL.stroke_width(1))
        .x_labels(if days > 1 { days + 1 } else { (x_max - x_min) as usize + 1 })
        .y_labels(6)
        .x_label_formatter(&ticks)
        .y_label_formatter(&plain)
        .label_style(font(15).color(&INK))
        .axis_desc_style(font(16).color(&INK))
        .x_desc(if days > 1 { "Day (each from midnight)" } else { "Time of day" })
        .y_desc("Agents, by start")
        .draw()?;
    let mut row = 0.0;
    for (offset, sh, k) in bars {
        let color = group_color(k).mix(0.85).filled();
        let n = f64::from(sh.count);
        // The shift as its working stretches between breaks.
        let mut from = sh.start;
        let mut pieces = Vec::new();
        for b in &sh.breaks {
            pieces.push((from, b.start));
            from = b.start + b.length;
        }
        pieces.push((from, sh.end));
        for (a, z) in pieces {
            let (x0, x1) = ((offset + f64::from(a) / 3600.0) / unit, (offset + f64::from(z) / 3600.0) / unit);
            chart.draw_series(std::iter::once(Rectangle::new([(x0, row), (x1, row + n)], color)))?;
        }
        row += n;
    }
    Ok(())
}
