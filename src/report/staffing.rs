//! The output of `staff`: `staffing.csv`, `comparison.csv` and the chart of
//! agents required by interval.

use super::charts::{Chart2d, Drawn, INK, Mark, PALETTE, YAxis, axes_with_right, frame, plain, stacked_bars, top};
use super::csv_out::fmt_num;
use super::typeset::{Picture, render};
use crate::model::SegmentKind::New;
use crate::scenario::duration::fmt_clock as clock;
use crate::stats::{Metric, Scope, SlotPlan, Staffed, slot_figure};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::io;
use std::path::Path;

/// One planned interval: its plan, its result slot, and its `day` and
/// `interval` cells (`day` is `all` when one staffing serves every day).
struct Row<'a> {
    plan: &'a SlotPlan,
    slot: usize,
    day: String,
    interval: String,
}

/// Every planned interval, day by day, in time order.
fn rows(s: &Staffed) -> impl Iterator<Item = Row<'_>> {
    let sim = &s.scenario.simulation;
    s.slots.iter().enumerate().flat_map(move |(d, day)| {
        day.iter().enumerate().map(move |(i, plan)| Row {
            plan,
            slot: s.slot(d, i),
            day: if s.per_day { (d + 1).to_string() } else { "all".to_string() },
            interval: clock(sim.interval_start(i)),
        })
    })
}

/// `staffing.csv`: `day,interval,group,agents,service_level,ci95_low,ci95_high,abandon_rate,occupancy`,
/// a row per interval and group (kept groups too, so the file can be fed back as `staffing`).
/// Service level and abandonment are the interval's, over all skills; occupancy is the group's.
pub fn write_staffing(path: &Path, s: &Staffed) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    w.write_record([
        "day",
        "interval",
        "group",
        "agents",
        "service_level",
        "ci95_low",
        "ci95_high",
        "abandon_rate",
        "occupancy",
    ])
    .map_err(io::Error::other)?;
    for Row { plan, slot, day, interval } in rows(s) {
        let sl = slot_figure(&s.results, slot, Scope::All, "all", Metric::ServiceLevel(New));
        let abandon = slot_figure(&s.results, slot, Scope::All, "all", Metric::AbandonRate(New)).and_then(|a| a.mean);
        for (g, group) in s.scenario.groups.iter().enumerate() {
            let occupancy =
                slot_figure(&s.results, slot, Scope::Group, &group.name, Metric::Occupancy).and_then(|a| a.mean);
            w.write_record([
                day.clone(),
                interval.clone(),
                group.name.clone(),
                plan.agents[g].to_string(),
                fmt_num(sl.and_then(|a| a.mean)),
                fmt_num(sl.and_then(|a| a.ci95).map(|c| c.0)),
                fmt_num(sl.and_then(|a| a.ci95).map(|c| c.1)),
                fmt_num(abandon),
                fmt_num(occupancy),
            ])
            .map_err(io::Error::other)?;
        }
    }
    w.flush()
}

/// The columns `comparison.csv` gains with a confidence (see [`write_comparison`]).
const AT_CONFIDENCE: [&str; 6] =
    ["agents_at_mean", "met_share", "agent_hours", "agent_hours_at_mean", "extra_agent_hours", "extra_share"];

/// `comparison.csv`: per interval, the forecast, the agents found by
/// simulation (staffed groups), the analytic estimate and plain Erlang C,
/// the final run's figures, and the decision behind the count: the
/// replications it took and whether the evidence was clear or it stopped
/// at `--max-replications` (`cap`).
/// With a confidence, also the agents the mean rule needs, the share of
/// (replication, day) pairs meeting the target, the agent-hours at the
/// confidence and at the mean, their difference and the difference ÷ the
/// agent-hours at the mean (empty when those are 0).
pub fn write_comparison(path: &Path, s: &Staffed) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(io::Error::other)?;
    let mut header = vec![
        "day",
        "interval",
        "offered",
        "load_erlangs",
        "agents",
        "analytic_estimate",
        "erlang_c_agents",
        "service_level",
        "abandon_rate",
        "target_met",
        "decision_replications",
        "decision",
    ];
    if s.confidence.is_some() {
        header.extend(AT_CONFIDENCE);
    }
    w.write_record(&header).map_err(io::Error::other)?;
    let hours = f64::from(s.scenario.simulation.interval) / 3600.0;
    for Row { plan, slot, day, interval } in rows(s) {
        let mean = |m: Metric| slot_figure(&s.results, slot, Scope::All, "all", m).and_then(|a| a.mean);
        let agents = s.staffed_agents(plan);
        let at_confidence = match (s.confidence, plan.mean_agents) {
            (Some(_), Some(at_mean)) => {
                let (h, h_mean) = (f64::from(agents) * hours, f64::from(at_mean) * hours);
                vec![
                    at_mean.to_string(),
                    fmt_num(plan.met_share),
                    fmt_num(Some(h)),
                    fmt_num(Some(h_mean)),
                    fmt_num(Some(h - h_mean)),
                    fmt_num((h_mean > 0.0).then(|| (h - h_mean) / h_mean)),
                ]
            }
            _ => Vec::new(),
        };
        let mut record = vec![
            day,
            interval,
            fmt_num(Some(plan.offered)),
            fmt_num(Some(plan.load)),
            agents.to_string(),
            plan.estimate.map_or(String::new(), |e| e.to_string()),
            plan.erlang_c.map_or(String::new(), |e| e.to_string()),
            fmt_num(mean(Metric::ServiceLevel(New))),
            fmt_num(mean(Metric::AbandonRate(New))),
            (!plan.unreachable).to_string(),
            plan.decision_replications.to_string(),
            if plan.decided_at_cap { "cap" } else { "clear" }.to_string(),
        ];
        record.extend(at_confidence);
        w.write_record(&record).map_err(io::Error::other)?;
    }
    w.flush()
}

/// `agents_required.svg` and `.png` in `dir`: agents by simulation (stacked
/// by staffed group) against plain Erlang C and the offered load.
pub fn write_staff_chart(dir: &Path, s: &Staffed) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    render(dir, "agents_required", &StaffChart(s)).map(|_| ())
}

/// The agents-required chart of a staffing plan, to be drawn.
struct StaffChart<'a>(&'a Staffed);

impl Picture for StaffChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        staff_chart(root, self.0)
    }
}

/// A line through the defined points, with dots when there are few.
fn line<DB: DrawingBackend>(chart: &mut Chart2d<DB>, values: &[Option<f64>], color: RGBColor) -> Drawn<DB> {
    let points: Vec<(f64, f64)> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i as f64, v))).collect();
    chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(3)))?;
    if values.len() <= 60 {
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
    }
    Ok(())
}

fn staff_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Staffed) -> Drawn<DB> {
    let plans: Vec<Row> = rows(s).collect();
    let names: Vec<String> = plans
        .iter()
        .map(|r| if r.day == "all" { r.interval.clone() } else { format!("D{} {}", r.day, r.interval) })
        .collect();
    let group_color = |k: usize| [PALETTE[0], PALETTE[5], PALETTE[2], PALETTE[4], PALETTE[6]][k % 5];
    let layers: Vec<(Vec<Option<f64>>, RGBAColor)> = s
        .staffed
        .iter()
        .enumerate()
        .map(|(k, &g)| (plans.iter().map(|p| Some(f64::from(p.plan.agents[g]))).collect(), group_color(k).mix(0.85)))
        .collect();
    let erlang: Vec<Option<f64>> = plans.iter().map(|p| p.plan.erlang_c.map(f64::from)).collect();
    let load: Vec<Option<f64>> = plans.iter().map(|p| Some(p.plan.load)).collect();
    let mut legend: Vec<(String, RGBAColor, Mark)> = s
        .staffed
        .iter()
        .enumerate()
        .map(|(k, &g)| (format!("{} (simulation)", s.scenario.groups[g].name), group_color(k).mix(0.85), Mark::Fill))
        .collect();
    let at_mean: Option<Vec<Option<f64>>> =
        s.confidence.map(|_| plans.iter().map(|p| p.plan.mean_agents.map(f64::from)).collect());
    if at_mean.is_some() {
        legend.push(("Agents at the mean (simulation)".to_string(), INK.to_rgba(), Mark::Dash));
    }
    legend.push(("Plain Erlang C (one chat per agent)".to_string(), PALETTE[3].to_rgba(), Mark::Line));
    legend.push(("Offered load (Erlangs, right axis)".to_string(), PALETTE[1].to_rgba(), Mark::Line));
    let sl = &s.scenario.service_level;
    let subtitle = match s.confidence {
        None => format!(
            "Fewest agents with a mean service level ≥ {:.0}% within {} s{} over {} replications, against plain Erlang C",
            sl.goal * 100.0,
            fmt_num(Some(sl.threshold)),
            sl.max_abandon.map(|m| format!(" and abandonment ≤ {:.1}%", m * 100.0)).unwrap_or_default(),
            s.scenario.simulation.replications
        ),
        Some(c) => format!(
            "Fewest agents with a service level ≥ {:.0}% within {} s{} on average and in ≥ {}% of {} (replication, day) \
             pairs, against the mean's answer and plain Erlang C",
            sl.goal * 100.0,
            fmt_num(Some(sl.threshold)),
            sl.max_abandon.map(|m| format!(" and abandonment ≤ {:.1}%", m * 100.0)).unwrap_or_default(),
            fmt_num(Some(c.level * 100.0)),
            c.pairs
        ),
    };
    let area = frame(root, "Agents required by interval", &subtitle, &legend)?;
    let totals = plans.iter().map(|p| s.staffed_agents(p.plan) as f64);
    let y_max = top(totals.chain(erlang.iter().flatten().copied()).chain(load.iter().flatten().copied()), 1.0);
    let axis = if s.per_day { "Interval start (day, HH:MM)" } else { "Interval start (HH:MM)" };
    // The load shares the agents' scale (one Erlang keeps one agent busy
    // with one chat at a time) on an axis of its own.
    let y = YAxis { range: 0.0..y_max, title: "Agents", ticks: plain };
    let mut chart = axes_with_right(&area, &names, axis, y, "Offered load (Erlangs)")?;
    stacked_bars(&mut chart, &layers)?;
    if let Some(at_mean) = &at_mean {
        let points = at_mean.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i as f64, v)));
        chart.draw_series(DashedLineSeries::new(points, 8, 6, INK.stroke_width(2)))?;
    }
    line(&mut chart, &erlang, PALETTE[3])?;
    line(&mut chart, &load, PALETTE[1])
}
