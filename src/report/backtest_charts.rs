//! The charts of `ccsim backtest` (SVG and PNG, 1200×700, in the style of
//! a run's and a fit's charts), drawn from the job's rows as it passes them
//! in: for the whole center and per metric, what happened (dots) against
//! the simulation's mean (line) with its 90% prediction band (shaded), and
//! Erlang A's prediction (dashed), interval by interval over the period and
//! on one day.

use super::backtest::{BacktestLine, BacktestReport};
use super::charts::{Chart2d, Drawn, GRID, INK, Mark, NEUTRAL, PALETTE, YAxis, axes, percent, plain, plot_area, top};
use super::fit::WEEKDAYS;
use super::fit_charts::header;
use super::typeset::{Picture, font, render};
use crate::engine::Date;
use crate::scenario::duration::fmt_clock;
use crate::stats::{Metric, Scope, SegmentKind::New};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::io;
use std::path::Path;

/// The metrics charted, in the page's order (occupancy only when the job
/// compared it, i.e. with an agents file).
const CHARTED: [Metric; 5] =
    [Metric::ServiceLevel(New), Metric::AbandonRate(New), Metric::Asa(New), Metric::Answered(New), Metric::Occupancy];

/// What a chart spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Span {
    /// Every interval of the period with arrivals, date by date.
    Period,
    /// The intervals of one day, by clock time.
    Day(Date),
}

/// A chart of the backtest: its file name (without extension), title, metric and span.
#[derive(Debug, Clone)]
pub(super) struct BacktestChart {
    pub file: String,
    pub title: String,
    pub metric: Metric,
    pub span: Span,
}

/// The charts, in the order the page shows them: each metric over the
/// period (`period_<metric>`), then each on the chosen day (`day_<metric>`).
pub(super) fn backtest_charts(r: &BacktestReport) -> Vec<BacktestChart> {
    let metrics: Vec<Metric> =
        CHARTED.into_iter().filter(|&m| r.lines.iter().any(|l| l.scope == Scope::All && l.metric == m)).collect();
    let period = metrics.iter().map(|&m| BacktestChart {
        file: format!("period_{m}"),
        title: format!("{}: actual against simulated, {} to {}", label(m), r.first, r.last),
        metric: m,
        span: Span::Period,
    });
    let day = metrics.iter().map(|&m| BacktestChart {
        file: format!("day_{m}"),
        title: format!("{} on {}: actual against simulated", label(m), weekday_date(r.day)),
        metric: m,
        span: Span::Day(r.day),
    });
    period.chain(day).collect()
}

/// "Wednesday 2026-03-04".
pub(super) fn weekday_date(d: Date) -> String {
    format!("{} {d}", WEEKDAYS[d.weekday() as usize])
}

/// A metric's name in titles.
pub(super) fn label(m: Metric) -> &'static str {
    match m {
        Metric::ServiceLevel(_) => "Service level",
        Metric::AbandonRate(_) => "Abandonment rate",
        Metric::Asa(_) => "ASA",
        Metric::Answered(_) => "Answered",
        Metric::Offered(_) => "Offered",
        Metric::Occupancy => "Occupancy",
        _ => "Value",
    }
}

/// Whether a metric is a share (drawn and reported in percent).
pub(super) fn is_share(m: Metric) -> bool {
    matches!(m, Metric::ServiceLevel(_) | Metric::AbandonRate(_) | Metric::Occupancy)
}

/// An error (or bias) in the metric's unit: percentage points for a share,
/// seconds for ASA, contacts for a count; `signed` shows the sign.
pub(super) fn fmt_error(m: Metric, v: f64, signed: bool) -> String {
    let v = if is_share(m) { v * 100.0 } else { v };
    let unit = match m {
        _ if is_share(m) => " pp",
        Metric::Asa(_) => " s",
        _ => "",
    };
    let decimals = if is_share(m) || matches!(m, Metric::Asa(_)) { 1 } else { 2 };
    if signed { format!("{v:+.decimals$}{unit}") } else { format!("{v:.decimals$}{unit}") }
}

/// Renders `charts` to `dir/<file>.svg` and `.png`; returns each chart's SVG text.
pub(super) fn write_backtest_charts(
    dir: &Path,
    r: &BacktestReport,
    charts: &[BacktestChart],
) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    charts.iter().map(|chart| render(dir, &chart.file, &BacktestPicture(chart, r))).collect()
}

/// A backtest chart with the report it shows, to be drawn.
struct BacktestPicture<'a>(&'a BacktestChart, &'a BacktestReport<'a>);

impl Picture for BacktestPicture<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(root, self.0, self.1)
    }
}

/// One interval of a chart, the whole center.
#[derive(Debug, Clone, Copy, Default)]
struct Point {
    actual: Option<f64>,
    /// (mean, 5th, 95th percentile) over the replications.
    sim: Option<(f64, f64, f64)>,
    erlang_a: Option<f64>,
    inside: Option<bool>,
}

impl Point {
    fn of(l: &BacktestLine) -> Point {
        Point { actual: l.actual, sim: l.sim, erlang_a: l.erlang_a, inside: l.inside }
    }
}

/// The points of a chart, and before which of them a line breaks (a date
/// changes, or intervals without arrivals were left out).
struct Points {
    points: Vec<Point>,
    breaks: Vec<bool>,
    /// The period: the index of each date's first interval.
    dates: Vec<(usize, Date)>,
    /// The day: each interval's clock time.
    clock: Vec<String>,
}

fn points(r: &BacktestReport, metric: Metric, span: Span) -> Points {
    let mut lines: Vec<&BacktestLine> = r
        .lines
        .iter()
        .filter(|l| l.scope == Scope::All && l.metric == metric)
        .filter(|l| match span {
            Span::Period => true,
            Span::Day(d) => l.date == d,
        })
        .collect();
    lines.sort_by_key(|l| (l.date, l.interval));
    match span {
        Span::Period => {
            let mut dates: Vec<(usize, Date)> = Vec::new();
            let breaks = lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    if dates.last().is_none_or(|d| d.1 != l.date) {
                        dates.push((i, l.date));
                    }
                    i > 0 && (lines[i - 1].date != l.date || lines[i - 1].interval + r.interval != l.interval)
                })
                .collect();
            Points { points: lines.iter().map(|l| Point::of(l)).collect(), breaks, dates, clock: Vec::new() }
        }
        Span::Day(_) => {
            // Every interval from the day's first with arrivals to its last, gaps empty.
            let (from, to) = match (lines.first(), lines.last()) {
                (Some(a), Some(b)) => (a.interval, b.interval),
                _ => (0, 0),
            };
            let slots: Vec<u32> = (from..=to).step_by(r.interval as usize).collect();
            let points = slots
                .iter()
                .map(|&s| lines.iter().find(|l| l.interval == s).map_or_else(Point::default, |l| Point::of(l)))
                .collect();
            Points {
                points,
                breaks: vec![false; slots.len()],
                dates: Vec::new(),
                clock: slots.iter().map(|&s| fmt_clock(s)).collect(),
            }
        }
    }
}

/// The stretches of consecutive points where `value` is defined: (x, value).
fn stretches<T>(p: &Points, value: impl Fn(&Point) -> Option<T>) -> Vec<Vec<(f64, T)>> {
    let mut out: Vec<Vec<(f64, T)>> = Vec::new();
    let mut open = false;
    for (i, point) in p.points.iter().enumerate() {
        match value(point) {
            Some(v) => {
                if !open || p.breaks[i] {
                    out.push(Vec::new());
                }
                open = true;
                if let Some(last) = out.last_mut() {
                    last.push((i as f64, v));
                }
            }
            None => open = false,
        }
    }
    out
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &BacktestChart, r: &BacktestReport) -> Drawn<DB> {
    let m = chart.metric;
    let p = points(r, m, chart.span);
    // The simulation's and Erlang A's errors over the intervals with an
    // actual value and a band: over the period, the summary's figures.
    let compared: Vec<(f64, f64, Option<f64>)> =
        p.points.iter().filter_map(|q| Some((q.actual?, q.sim?.0, q.erlang_a))).collect();
    let n = compared.len();
    let inside = p.points.iter().filter(|q| q.actual.is_some() && q.inside == Some(true)).count();
    let mae = (n > 0).then(|| compared.iter().map(|(a, mean, _)| (mean - a).abs()).sum::<f64>() / n as f64);
    let erlang: Vec<f64> = compared.iter().filter_map(|(a, _, e)| Some(((*e)? - a).abs())).collect();
    let mae_erlang = (!erlang.is_empty()).then(|| erlang.iter().sum::<f64>() / erlang.len() as f64);
    let with_mae = |text: String, mae: Option<f64>| match mae {
        Some(v) => format!("{text} (MAE {})", fmt_error(m, v, false)),
        None => text,
    };
    let legend = [
        (format!("Actual: inside the band in {inside} of {n} intervals"), INK.to_rgba(), Mark::Dot),
        (
            with_mae(format!("Simulation: mean of {} replications", r.replications), mae),
            PALETTE[0].to_rgba(),
            Mark::Line,
        ),
        ("90% prediction band (5th–95th percentile)".to_string(), PALETTE[0].mix(0.22), Mark::Fill),
        (with_mae("Erlang A".to_string(), mae_erlang), PALETTE[3].to_rgba(), Mark::Dash),
    ];
    let what = match m {
        Metric::ServiceLevel(_) => {
            format!("share of new contacts answered within {} s (short abandons excluded)", plain(&r.threshold))
        }
        Metric::AbandonRate(_) => "share of new contacts that abandoned (short abandons excluded)".to_string(),
        Metric::Asa(_) => "mean wait of the new contacts answered".to_string(),
        Metric::Answered(_) => "new contacts answered".to_string(),
        Metric::Occupancy => "share of logged-in time with a contact in progress or in wrap-up".to_string(),
        _ => m.to_string(),
    };
    let subtitle = match chart.span {
        Span::Period => format!("Whole center, {what}, per {} interval with arrivals", fmt_minutes(r.interval)),
        Span::Day(_) => format!("Whole center, {what}, per {} interval", fmt_minutes(r.interval)),
    };
    let area = header(root, &chart.title, &subtitle, &legend)?;
    let values = p.points.iter().flat_map(|q| [q.actual, q.sim.map(|s| s.2), q.erlang_a]).flatten();
    let (y_max, y_title, ticks): (f64, &str, fn(&f64) -> String) = match m {
        Metric::ServiceLevel(_) => (1.05, "Service level (%)", percent),
        Metric::Occupancy => (1.05, "Occupancy (%)", percent),
        Metric::AbandonRate(_) => (top(values, 0.05).min(1.05), "Abandonment rate (%)", percent),
        Metric::Asa(_) => (top(values, 10.0), "ASA (s)", plain),
        _ => (top(values, 1.0), "Contacts per interval", plain),
    };
    let y = YAxis { range: 0.0..y_max, title: y_title, ticks };
    let mut plot = match chart.span {
        Span::Period => date_axes(root, &area, &p, y)?,
        Span::Day(_) => axes(&area, &p.clock, "Interval start (HH:MM)", y)?,
    };
    let dense = p.points.len() > 60;
    let clamp = |v: f64| v.clamp(0.0, y_max);
    // The band, then the simulation's mean, Erlang A's line and the actual values on top.
    for s in stretches(&p, |q| q.sim) {
        if let [(x, (_, low, high))] = s[..] {
            plot.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.3, clamp(low)), (x + 0.3, clamp(high))],
                PALETTE[0].mix(0.22).filled(),
            )))?;
            continue;
        }
        let band: Vec<(f64, f64)> =
            s.iter().map(|(x, b)| (*x, clamp(b.2))).chain(s.iter().rev().map(|(x, b)| (*x, clamp(b.1)))).collect();
        plot.draw_series(std::iter::once(Polygon::new(band, PALETTE[0].mix(0.22).filled())))?;
    }
    let width = if dense { 2 } else { 3 };
    for s in stretches(&p, |q| q.sim.map(|b| clamp(b.0))) {
        plot.draw_series(LineSeries::new(widen(s), PALETTE[0].stroke_width(width)))?;
    }
    for s in stretches(&p, |q| q.erlang_a.map(clamp)) {
        plot.draw_series(DashedLineSeries::new(widen(s), 8, 6, PALETTE[3].stroke_width(2)))?;
    }
    if !dense {
        for s in stretches(&p, |q| q.actual.map(clamp)) {
            plot.draw_series(LineSeries::new(s, INK.mix(0.5).stroke_width(1)))?;
        }
    }
    let radius = if dense { 2 } else { 4 };
    plot.draw_series(
        p.points
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Some(Circle::new((i as f64, clamp(q.actual?)), radius, INK.filled()))),
    )?;
    Ok(())
}

/// A stretch of one point as a short level line, so that it shows.
fn widen(s: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    match s[..] {
        [(x, v)] => vec![(x - 0.3, v), (x + 0.3, v)],
        _ => s,
    }
}

/// "60-minute", "15-minute".
fn fmt_minutes(secs: u32) -> String {
    format!("{}-minute", secs / 60)
}

/// The plot area of a period chart: one category per interval with
/// arrivals, a rule between dates, and the dates under the axis (as many
/// as fit, from the first).
fn date_axes<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &'a DrawingArea<DB, Shift>,
    p: &Points,
    y: YAxis,
) -> Result<Chart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let n = p.points.len().max(1);
    let y_max = y.range.end;
    let mut chart = plot_area(area, -0.5..n as f64 - 0.5, y.range)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(NEUTRAL.stroke_width(1))
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&y.ticks)
        .label_style(font(15).color(&INK))
        .axis_desc_style(font(16).color(&INK))
        .x_desc("Date (its intervals with arrivals, in order)")
        .y_desc(y.title)
        .draw()?;
    let style = font(15).color(&INK).pos(Pos::new(HPos::Left, VPos::Top));
    let mut free_from = i32::MIN;
    for (k, &(i, date)) in p.dates.iter().enumerate() {
        let x = i as f64 - 0.5;
        if k > 0 {
            chart.draw_series(LineSeries::new([(x, 0.0), (x, y_max)], NEUTRAL.stroke_width(1)))?;
        }
        // Under the axis, in the root's pixels: the date, if it does not run into the previous one.
        let (px, py) = chart.backend_coord(&(x, 0.0));
        let text = date.to_string();
        let (w, _) = root.estimate_text_size(&text, &style)?;
        if px >= free_from && px + w as i32 <= root.dim_in_pixel().0 as i32 - 8 {
            root.draw(&PathElement::new(vec![(px, py), (px, py + 6)], NEUTRAL.stroke_width(1)))?;
            root.draw(&Text::new(text, (px + 3, py + 8), style.clone()))?;
            free_from = px + w as i32 + 16;
        }
    }
    Ok(chart)
}
