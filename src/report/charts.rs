//! Charts of a run (SVG and PNG, 1200×700), drawn from the aggregated
//! results — the same numbers as `summary.csv` and `intervals.csv`.
//! One style for every chart: [`frame`] draws the title, subtitle and legend,
//! [`axes`] the plot area; each chart is one function.

use super::csv_out::fmt_num;
use super::typeset::{Picture, bold, font, render};
use crate::scenario::Scenario;
use crate::stats::Results;
use crate::stats::{Aggregate, Layout, Metric, Scope, SegmentKind::New, WaitHistogram};
use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::HashMap;
use std::io;
use std::ops::Range;
use std::path::Path;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 700);

/// The charts, in the order the report shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    ServiceLevel,
    Volumes,
    Occupancy,
    Concurrency,
    Queue,
    Waits,
    Outcomes,
}

impl Chart {
    pub const ALL: [Chart; 7] = [
        Chart::ServiceLevel,
        Chart::Volumes,
        Chart::Occupancy,
        Chart::Concurrency,
        Chart::Queue,
        Chart::Waits,
        Chart::Outcomes,
    ];

    /// The file name, without extension.
    pub fn file(self) -> &'static str {
        match self {
            Chart::ServiceLevel => "service_level",
            Chart::Volumes => "volumes",
            Chart::Occupancy => "occupancy",
            Chart::Concurrency => "concurrency",
            Chart::Queue => "queue",
            Chart::Waits => "waits",
            Chart::Outcomes => "outcomes",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Chart::ServiceLevel => "Service level by interval",
            Chart::Volumes => "Chats offered by interval",
            Chart::Occupancy => "Occupancy and utilisation by interval",
            Chart::Concurrency => "Concurrency mix by interval",
            Chart::Queue => "Queue length by interval",
            Chart::Waits => "Wait-time distribution by skill",
            Chart::Outcomes => "Inactivity disconnects and transfers by reason",
        }
    }
}

/// The numbers the charts read, indexed by (scope, key, metric).
pub struct ChartData<'a> {
    results: &'a Results,
    index: HashMap<(Scope, &'a str, Metric), usize>,
    /// Tick label of each slot of `results.intervals`.
    slots: Vec<String>,
    /// The x-axis title of charts by interval.
    interval_axis: &'static str,
    skills: Vec<String>,
    reasons: Vec<String>,
    levels: usize,
    goal: f64,
    threshold: f64,
    replications: u32,
}

impl<'a> ChartData<'a> {
    pub fn new(sc: &Scenario, layout: &Layout, results: &'a Results) -> Self {
        let index = results.labels.iter().enumerate().map(|(i, l)| ((l.scope, l.key.as_str(), l.metric), i));
        let slots = results
            .intervals
            .iter()
            .map(|(s, _)| match layout.slot_label(*s) {
                (day, clock) if day == "all" => clock,
                (day, clock) => format!("D{day} {clock}"),
            })
            .collect();
        ChartData {
            results,
            index: index.collect(),
            slots,
            interval_axis: if layout.per_day { "Interval start (day, HH:MM)" } else { "Interval start (HH:MM)" },
            skills: sc.skills.clone(),
            reasons: sc.reasons.iter().map(|r| r.name.clone()).collect(),
            levels: layout.caps.iter().copied().max().unwrap_or(1) as usize + 1,
            goal: sc.service_level.goal,
            threshold: sc.service_level.threshold,
            replications: sc.simulation.replications,
        }
    }

    /// A metric per slot.
    fn by_slot(&self, scope: Scope, key: &str, metric: Metric) -> Vec<Option<&'a Aggregate>> {
        let i = self.index.get(&(scope, key, metric)).copied();
        self.results.intervals.iter().map(|(_, rows)| i.map(|i| &rows[i])).collect()
    }

    /// A metric's mean per slot, scope `all`.
    fn means(&self, metric: Metric) -> Vec<Option<f64>> {
        self.by_slot(Scope::All, "all", metric).iter().map(|a| a.and_then(|a| a.mean)).collect()
    }

    /// A metric over the whole run.
    pub fn whole(&self, scope: Scope, key: &str, metric: Metric) -> Option<&'a Aggregate> {
        self.index.get(&(scope, key, metric)).map(|&i| &self.results.summary[i])
    }
}

/// Renders every chart to `dir/<file>.svg` and `.png`; returns each chart's SVG text.
pub fn write_charts(dir: &Path, data: &ChartData) -> io::Result<Vec<(Chart, String)>> {
    std::fs::create_dir_all(dir)?;
    Chart::ALL.iter().map(|&chart| Ok((chart, render(dir, chart.file(), &RunChart(chart, data))?))).collect()
}

/// A run chart with its data, to be drawn.
struct RunChart<'a, 'b>(Chart, &'b ChartData<'a>);

impl Picture for RunChart<'_, '_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(self.0, root, self.1)
    }
}

pub(super) type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
pub(super) type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw<DB: DrawingBackend>(chart: Chart, root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    match chart {
        Chart::ServiceLevel => service_level(root, d),
        Chart::Volumes => volumes(root, d),
        Chart::Occupancy => occupancy(root, d),
        Chart::Concurrency => concurrency(root, d),
        Chart::Queue => queue(root, d),
        Chart::Waits => waits(root, d),
        Chart::Outcomes => outcomes(root, d),
    }
}

// ---- the shared style ----

/// Okabe–Ito colours: distinguishable with colour-blindness, in print and on screen.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky
    RGBColor(240, 228, 66),  // yellow
];
pub(super) const INK: RGBColor = RGBColor(33, 37, 41);
pub(super) const MUTED: RGBColor = RGBColor(100, 106, 115);
pub(super) const GRID: RGBColor = RGBColor(226, 229, 233);
pub(super) const NEUTRAL: RGBColor = RGBColor(150, 150, 150);
pub(super) const LEFT: i32 = 24;
const HEADER: i32 = 116;

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    Line,
    Fill,
    /// A dashed line.
    Dash,
    /// A dot, for values drawn as points.
    Dot,
}

/// Draws a legend entry's mark, 26 pixels wide, starting at `x` and centred on `y`.
pub(super) fn legend_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    color: RGBAColor,
    mark: Mark,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match mark {
        Mark::Line => root.draw(&PathElement::new(vec![(x, y), (x + 26, y)], color.stroke_width(3))),
        Mark::Fill => root.draw(&Rectangle::new([(x, y - 8), (x + 26, y + 8)], color.filled())),
        Mark::Dash => {
            root.draw(&PathElement::new(vec![(x, y), (x + 10, y)], color.stroke_width(3)))?;
            root.draw(&PathElement::new(vec![(x + 16, y), (x + 26, y)], color.stroke_width(3)))
        }
        Mark::Dot => root.draw(&Circle::new((x + 13, y), 5, color.filled())),
    }
}

/// Clears the chart, draws title, subtitle and legend, and returns the area left for the plot.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[(String, RGBAColor, Mark)],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    root.draw(&Text::new(title, (LEFT, 16), bold(28).color(&INK)))?;
    root.draw(&Text::new(subtitle, (LEFT, 54), font(16).color(&MUTED)))?;
    let label = font(16).color(&INK);
    let (mut x, y) = (LEFT, 92);
    for (text, color, mark) in legend {
        legend_mark(root, (x, y), *color, *mark)?;
        root.draw(&Text::new(text.as_str(), (x + 34, y), label.pos(Pos::new(HPos::Left, VPos::Center))))?;
        let (w, _) = root.estimate_text_size(text, &label)?;
        x += 34 + w as i32 + 30;
    }
    Ok(root.split_vertically(HEADER).1)
}

/// A y axis: its range, title (with the unit) and tick format.
pub(super) struct YAxis<'a> {
    pub(super) range: Range<f64>,
    pub(super) title: &'a str,
    pub(super) ticks: fn(&f64) -> String,
}

/// The plot area with its axes; x runs over categories 0..n (intervals, skills
/// or reasons), labelled by `names`.
/// The plot area of a full-size chart over `x` and `y`, with the margins
/// and label areas every chart shares.
pub(super) fn plot_area<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    ChartBuilder::on(area)
        .margin_left(LEFT as u32)
        .margin_right(36)
        .margin_bottom(16)
        .x_label_area_size(58)
        .y_label_area_size(86)
        .build_cartesian_2d(x, y)
}

pub(super) fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    names: &[String],
    x_title: &str,
    y: YAxis,
) -> Result<Chart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    axes_with_ticks(area, names, x_title, y, 8)
}

/// [`axes`] with at most `y_ticks` ticks on the y axis.
pub(super) fn axes_with_ticks<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    names: &[String],
    x_title: &str,
    y: YAxis,
    y_ticks: usize,
) -> Result<Chart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let n = names.len().max(1);
    let mut chart = plot_area(area, -0.5..n as f64 - 0.5, y.range.clone())?;
    category_mesh(&mut chart, names, x_title, &y, y_ticks)?;
    Ok(chart)
}

/// A plot area with two y axes of the same scale.
pub(super) type DualChart2d<'a, DB> = DualCoordChartContext<
    'a,
    DB,
    Cartesian2d<RangedCoordf64, RangedCoordf64>,
    Cartesian2d<RangedCoordf64, RangedCoordf64>,
>;

/// [`axes`] with the same scale repeated on a second y axis at the right,
/// titled `right_title`: for a second quantity drawn against the same
/// numbers in another unit (the offered load in Erlangs beside agents).
pub(super) fn axes_with_right<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    names: &[String],
    x_title: &str,
    y: YAxis,
    right_title: &str,
) -> Result<DualChart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let x = -0.5..names.len().max(1) as f64 - 0.5;
    let mut chart = ChartBuilder::on(area)
        .margin_left(LEFT as u32)
        .margin_right(LEFT as u32)
        .margin_bottom(16)
        .x_label_area_size(58)
        .y_label_area_size(86)
        .right_y_label_area_size(86)
        .build_cartesian_2d(x.clone(), y.range.clone())?
        .set_secondary_coord(x, y.range.clone());
    category_mesh(&mut chart, names, x_title, &y, 8)?;
    chart
        .configure_secondary_axes()
        .axis_style(NEUTRAL.stroke_width(1))
        .y_labels(8)
        .y_label_formatter(&y.ticks)
        .label_style(font(15).color(&INK))
        .axis_desc_style(font(16).color(&INK))
        .y_desc(right_title)
        .draw()?;
    Ok(chart)
}

/// The mesh, ticks and titles of a chart over categories 0..n (intervals,
/// skills or reasons), labelled by `names`.
fn category_mesh<DB: DrawingBackend>(
    chart: &mut Chart2d<DB>,
    names: &[String],
    x_title: &str,
    y: &YAxis,
    y_ticks: usize,
) -> Drawn<DB> {
    let n = names.len().max(1);
    let x_ticks = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(NEUTRAL.stroke_width(1))
        .x_labels(n.min(14))
        .y_labels(y_ticks)
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y.ticks)
        .label_style(font(15).color(&INK))
        .axis_desc_style(font(16).color(&INK))
        .x_desc(x_title)
        .y_desc(y.title)
        .draw()
}

/// A share as a percentage, with as many decimals (up to 2) as the tick needs.
pub(super) fn percent(v: &f64) -> String {
    let p = v * 100.0;
    let decimals = (0..2).find(|&d| (p * 10f64.powi(d) - (p * 10f64.powi(d)).round()).abs() < 1e-6).unwrap_or(2);
    format!("{p:.decimals$}%", decimals = decimals as usize)
}

/// A share's tick as [`percent`], and none past 0–100% (where an axis leaves room for labels).
pub(super) fn share_tick(v: &f64) -> String {
    if (-1e-9..=1.0 + 1e-9).contains(v) { percent(v) } else { String::new() }
}

pub(super) fn plain(v: &f64) -> String {
    if v.abs() >= 10.0 || *v == v.trunc() { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// A y axis for shares that follows the data: from the lowest to the
/// highest of `values` (means and CI bounds, taken within 0–100%) and the
/// goal, widened by a tenth of that spread (at least half a point) on each
/// side, then out to whole ticks of 1, 2, 5, 10 or 20 points (the finest
/// giving at most 8 ticks), never below 0% nor above 100% (with a little
/// room above a 100% tick for a line drawn there). The range and its number
/// of ticks, for [`axes_with_ticks`].
pub(super) fn share_axis(values: impl IntoIterator<Item = f64>, goal: f64) -> (Range<f64>, usize) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 1.0))
        .fold((goal, goal), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.1).max(0.005);
    let (lo, hi) = ((lo - pad).max(0.0), (hi + pad).min(1.0));
    let steps = [0.01, 0.02, 0.05, 0.1, 0.2];
    for (i, step) in steps.into_iter().enumerate() {
        // In whole steps, so that 1.0 / 0.2 makes 5 and not 5.000000000000001.
        let bottom = (lo / step + 1e-6).floor();
        let top = (hi / step - 1e-6).ceil().min((1.0 / step).round());
        let ticks = (top - bottom).max(0.0) as usize + 1;
        if ticks <= 8 || i == steps.len() - 1 {
            let (y0, y1) = (bottom * step, top * step);
            let room = if top * step >= 1.0 - 1e-9 { 0.3 } else { 0.02 };
            return ((y0 - 0.02 * step)..(y1 + room * step), ticks);
        }
    }
    unreachable!("the last step always returns")
}

/// An upper bound for a y axis showing `values` (at least `floor`), with headroom.
pub(super) fn top(values: impl IntoIterator<Item = f64>, floor: f64) -> f64 {
    values.into_iter().filter(|v| v.is_finite()).fold(floor, f64::max) * 1.12
}

/// x, mean and (low, high) of the 95% CI.
type Point = (f64, f64, (f64, f64));

/// A mean by interval as a line with dots, over its 95% CI band (cut to
/// `low..=high`, the values possible); gaps where undefined.
fn line_with_band<DB: DrawingBackend>(
    chart: &mut Chart2d<DB>,
    series: &[Option<&Aggregate>],
    color: RGBColor,
    (low, high): (f64, f64),
) -> Drawn<DB> {
    let points: Vec<Option<Point>> = series
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let a = (*a)?;
            let m = a.mean?;
            let (lo, hi) = a.ci95.unwrap_or((m, m));
            Some((i as f64, m, (lo.clamp(low, high), hi.clamp(low, high))))
        })
        .collect();
    for run in points.split(|p| p.is_none()).filter(|r| !r.is_empty()) {
        let run: Vec<_> = run.iter().flatten().collect();
        let band: Vec<(f64, f64)> =
            run.iter().map(|p| (p.0, p.2.1)).chain(run.iter().rev().map(|p| (p.0, p.2.0))).collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18).filled())))?;
        chart.draw_series(LineSeries::new(run.iter().map(|p| (p.0, p.1)), color.stroke_width(3)))?;
        if series.len() <= 60 {
            chart.draw_series(run.iter().map(|p| Circle::new((p.0, p.1), 4, color.filled())))?;
        }
    }
    Ok(())
}

/// Stacked bars by category: `layers[k][i]` is layer k's height at category i.
pub(super) fn stacked_bars<DB: DrawingBackend>(
    chart: &mut Chart2d<DB>,
    layers: &[(Vec<Option<f64>>, RGBAColor)],
) -> Drawn<DB> {
    let n = layers.first().map_or(0, |l| l.0.len());
    for i in 0..n {
        let mut base = 0.0;
        for (values, color) in layers {
            if let Some(v) = values[i].filter(|v| *v > 0.0) {
                let x = i as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.38, base), (x + 0.38, base + v)],
                    color.filled(),
                )))?;
                base += v;
            }
        }
    }
    Ok(())
}

fn replications_note(d: &ChartData) -> String {
    format!("mean over {} replications", d.replications)
}

// ---- the charts ----

fn service_level<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let sl = d.by_slot(Scope::All, "all", Metric::ServiceLevel(New));
    let bounds =
        sl.iter().flatten().flat_map(|a| a.mean.into_iter().chain(a.ci95.into_iter().flat_map(|(l, h)| [l, h])));
    let (range, ticks) = share_axis(bounds, d.goal);
    let legend = [
        (format!("Service level ({})", replications_note(d)), PALETTE[0].to_rgba(), Mark::Line),
        ("95% confidence interval".to_string(), PALETTE[0].mix(0.18), Mark::Fill),
        (format!("Goal {:.0}%", d.goal * 100.0), PALETTE[3].to_rgba(), Mark::Line),
    ];
    let subtitle = format!(
        "Share of new chats answered within {} s (short abandons excluded), by the interval they arrived in; \
         the axis spans the data and the goal",
        plain(&d.threshold)
    );
    let area = frame(root, Chart::ServiceLevel.title(), &subtitle, &legend)?;
    let y = YAxis { range, title: "Service level (%)", ticks: share_tick };
    let mut chart = axes_with_ticks(&area, &d.slots, d.interval_axis, y, ticks)?;
    let x_end = d.slots.len().max(1) as f64 - 0.5;
    chart.draw_series(LineSeries::new([(-0.5, d.goal), (x_end, d.goal)], PALETTE[3].stroke_width(2)))?;
    line_with_band(&mut chart, &sl, PALETTE[0], (0.0, 1.0))
}

fn volumes<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let parts = [
        (Metric::Answered(New), "Answered", PALETTE[0]),
        (Metric::Abandoned(New), "Abandoned", PALETTE[1]),
        (Metric::Unserved(New), "Unserved", PALETTE[3]),
    ];
    let layers: Vec<_> = parts.iter().map(|(m, _, c)| (d.means(*m), c.to_rgba())).collect();
    let offered = d.means(Metric::Offered(New));
    let legend: Vec<_> = parts.iter().map(|(_, label, c)| (label.to_string(), c.to_rgba(), Mark::Fill)).collect();
    let subtitle = format!(
        "New chats by the interval they arrived in; bar height = offered = answered + abandoned + unserved ({})",
        replications_note(d)
    );
    let area = frame(root, Chart::Volumes.title(), &subtitle, &legend)?;
    let y_max = top(offered.iter().flatten().copied(), 1.0);
    let mut chart =
        axes(&area, &d.slots, d.interval_axis, YAxis { range: 0.0..y_max, title: "Chats per interval", ticks: plain })?;
    stacked_bars(&mut chart, &layers)
}

fn occupancy<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let legend = [
        ("Occupancy (≥ 1 chat or wrap-up)".to_string(), PALETTE[0].to_rgba(), Mark::Line),
        ("Utilisation (share of chat slots in use)".to_string(), PALETTE[2].to_rgba(), Mark::Line),
        ("95% confidence interval".to_string(), NEUTRAL.mix(0.3), Mark::Fill),
    ];
    let subtitle = format!("All agents, share of logged-in time by clock interval ({})", replications_note(d));
    let area = frame(root, Chart::Occupancy.title(), &subtitle, &legend)?;
    let mut chart = axes(
        &area,
        &d.slots,
        d.interval_axis,
        YAxis { range: 0.0..1.05, title: "Share of logged-in time (%)", ticks: percent },
    )?;
    line_with_band(&mut chart, &d.by_slot(Scope::All, "all", Metric::Occupancy), PALETTE[0], (0.0, 1.05))?;
    line_with_band(&mut chart, &d.by_slot(Scope::All, "all", Metric::Utilisation), PALETTE[2], (0.0, 1.05))
}

fn concurrency<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let colors = [NEUTRAL, PALETTE[5], PALETTE[0], PALETTE[4], PALETTE[1], PALETTE[3], PALETTE[2]];
    let color = |k: usize| colors[k % colors.len()].to_rgba();
    let layers: Vec<_> = (0..d.levels).map(|k| (d.means(Metric::Concurrency(k as u32)), color(k))).collect();
    let legend: Vec<_> =
        (0..d.levels).map(|k| (format!("{k} chat{}", if k == 1 { "" } else { "s" }), color(k), Mark::Fill)).collect();
    let subtitle =
        format!("All agents: share of logged-in time holding 0, 1, 2… chats at once ({})", replications_note(d));
    let area = frame(root, Chart::Concurrency.title(), &subtitle, &legend)?;
    let mut chart = axes(
        &area,
        &d.slots,
        d.interval_axis,
        YAxis { range: 0.0..1.0, title: "Share of logged-in time (%)", ticks: percent },
    )?;
    stacked_bars(&mut chart, &layers)
}

fn queue<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let mean = d.means(Metric::QueueLenMean);
    let max = d.means(Metric::QueueLenMax);
    let legend = [
        ("Mean queue length (time-weighted)".to_string(), PALETTE[0].to_rgba(), Mark::Fill),
        ("Longest queue in the interval".to_string(), PALETTE[1].to_rgba(), Mark::Line),
    ];
    let subtitle = format!("Chats waiting in any queue, by clock interval ({})", replications_note(d));
    let area = frame(root, Chart::Queue.title(), &subtitle, &legend)?;
    let y_max = top(max.iter().chain(&mean).flatten().copied(), 1.0);
    let mut chart =
        axes(&area, &d.slots, d.interval_axis, YAxis { range: 0.0..y_max, title: "Chats waiting", ticks: plain })?;
    stacked_bars(&mut chart, &[(mean, PALETTE[0].to_rgba())])?;
    let points: Vec<_> = max.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i as f64, v))).collect();
    chart.draw_series(LineSeries::new(points.iter().copied(), PALETTE[1].stroke_width(3)))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, PALETTE[1].filled())))?;
    Ok(())
}

/// The widths a wait panel's bins may take, seconds.
const BIN_WIDTHS: [f64; 17] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0,
    86400.0,
];

/// What one panel of the wait chart draws, from a histogram pooled over the
/// replications: the chats answered at once (a bar of their own), the waits
/// from 0 to `end` in bins of `width`, and every wait from `end` on in one
/// overflow bar, so that the bars hold every answered chat:
/// `at_once + counts.sum() + beyond == total`.
#[derive(Debug, Clone, PartialEq)]
struct WaitBars {
    width: f64,
    end: f64,
    at_once: u64,
    counts: Vec<u64>,
    beyond: u64,
    /// The upper edge of the histogram's last non-empty bin (0 when none
    /// waited): every wait is below it.
    longest: f64,
    total: u64,
}

impl WaitBars {
    /// The axis runs to 1.15 × the largest of the panel's p99, the
    /// service-level threshold and 10 s, or on to the longest wait when that
    /// is at most 1.5 times as far; then at most 40 bins of a round width.
    /// Waits beyond go to the overflow bar: a histogram bin counts there when
    /// it starts at `end` or later, else in the bin holding its middle.
    fn new(hist: &WaitHistogram, p99: Option<f64>, threshold: f64) -> Self {
        let longest = hist.bins().filter(|b| b.2 > 0).map(|b| b.1).last().unwrap_or(0.0);
        let base = p99.unwrap_or(0.0).max(threshold).max(10.0) * 1.15;
        let range = if longest <= base * 1.5 { base.max(longest) } else { base };
        let width = BIN_WIDTHS.into_iter().find(|w| range / w <= 40.0).unwrap_or(BIN_WIDTHS[BIN_WIDTHS.len() - 1]);
        let bins = ((range / width).ceil() as usize).max(1);
        let end = bins as f64 * width;
        let mut counts = vec![0; bins];
        let mut beyond = 0;
        for (lo, hi, n) in hist.bins().filter(|b| b.2 > 0) {
            if lo >= end {
                beyond += n;
            } else {
                counts[(((lo + hi) / 2.0 / width) as usize).min(bins - 1)] += n;
            }
        }
        WaitBars { width, end, at_once: hist.zeros(), counts, beyond, longest, total: hist.total() }
    }

    fn share(&self, n: u64) -> f64 {
        n as f64 / self.total.max(1) as f64
    }
}

/// A count with thousands separated by commas: 15,881.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The wait chart's panel layout: the caption's height, and the plot's margins
/// and label areas, pixels.
const PANEL_CAPTION: i32 = 26;
const PANEL_MARGIN: i32 = 6;
const PANEL_X_LABELS: i32 = 40;
/// The height of one row of labels at the top of a panel: p50, p90 and p99
/// each have a row, and one more is kept free for the overflow bar's label.
const LABEL_ROW: i32 = 15;

fn waits<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let value = |scope: (Scope, &str), m: Metric| d.whole(scope.0, scope.1, m).and_then(|a| a.mean);
    let panels: Vec<(String, WaitBars, (Scope, &str))> = d
        .results
        .wait_hists
        .iter()
        .zip(std::iter::once((Scope::All, "all")).chain(d.skills.iter().map(|s| (Scope::Skill, s.as_str()))))
        .map(|(h, scope)| {
            let name = if scope.0 == Scope::All { "all skills".to_string() } else { scope.1.to_string() };
            (name, WaitBars::new(h, value(scope, Metric::WaitP99), d.threshold), scope)
        })
        .collect();
    let marked = [
        (Metric::WaitP50, "p50", PALETTE[1]),
        (Metric::WaitP90, "p90", PALETTE[3]),
        (Metric::WaitP99, "p99", PALETTE[5]),
    ];
    let (waited, at_once, beyond) = (PALETTE[0].mix(0.85), PALETTE[2].mix(0.85), NEUTRAL.mix(0.85));
    let mut legend = vec![
        ("Waited (share per bin)".to_string(), waited, Mark::Fill),
        ("Answered at once (no wait)".to_string(), at_once, Mark::Fill),
    ];
    if panels.iter().any(|p| p.1.beyond > 0) {
        legend.push(("Beyond the axis (count written)".to_string(), beyond, Mark::Fill));
    }
    legend.push((format!("Service-level threshold ({} s)", plain(&d.threshold)), INK.to_rgba(), Mark::Dash));
    let subtitle = format!(
        "Answered new chats by wait (offer included), share of the panel's answered chats per bar, all replications \
         pooled; p50, p90 and p99 are means over {} replications",
        d.replications
    );
    let area = frame(root, Chart::Waits.title(), &subtitle, &legend)?;
    let cols = (panels.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = panels.len().div_ceil(cols);
    let label = font(12).color(&INK);
    for ((name, bars, scope), cell) in panels.iter().zip(area.split_evenly((rows, cols))) {
        let w = bars.width;
        let caption =
            format!("{name}: {} answered; bins of {} s up to {} s", thousands(bars.total), plain(&w), plain(&bars.end));
        let (cell_w, cell_h) = cell.dim_in_pixel();
        cell.draw(&Text::new(
            caption,
            (cell_w as i32 / 2, 6),
            font(15).color(&INK).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let body = cell.split_vertically(PANEL_CAPTION).1;

        // The y axis leaves the rows of labels above the tallest bar; a bar of
        // chats answered at once more than twice the tallest other is cut there.
        let highest = bars.counts.iter().chain([&bars.beyond]).map(|&n| bars.share(n)).fold(0.0, f64::max);
        let at_once_share = bars.share(bars.at_once);
        let cut = highest > 0.0 && at_once_share > 2.0 * highest;
        let y_data = if cut { highest } else { highest.max(at_once_share) }.max(0.01);
        let plot_h = cell_h as i32 - PANEL_CAPTION - 2 * PANEL_MARGIN - PANEL_X_LABELS;
        let usable = (plot_h - 4 * LABEL_ROW - 10).max(plot_h * 2 / 5).max(1);
        let y_max = y_data * plot_h.max(1) as f64 / usable as f64;
        let x_end = if bars.beyond > 0 { bars.end + 2.7 * w } else { bars.end };
        let end = bars.end;
        let x_ticks = move |v: &f64| if *v < -1e-9 || *v > end + 1e-9 { String::new() } else { plain(v) };
        let mut chart = ChartBuilder::on(&body)
            .margin(PANEL_MARGIN as u32)
            .margin_right(16)
            .x_label_area_size(PANEL_X_LABELS as u32)
            .y_label_area_size(70)
            .build_cartesian_2d(-3.05 * w..x_end, 0.0..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID.stroke_width(1))
            .axis_style(NEUTRAL.stroke_width(1))
            .x_labels(8)
            .y_labels(5)
            .x_label_formatter(&x_ticks)
            .y_label_formatter(&share_tick)
            .label_style(font(13).color(&INK))
            .axis_desc_style(font(14).color(&INK))
            .x_desc("Wait (s)")
            .y_desc("Share of answered")
            .draw()?;
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let px = |chart: &Chart2d<DB>, x: f64, y: f64| chart.backend_coord(&(x, y));

        chart.draw_series(bars.counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(k, n)| {
            let x0 = k as f64 * w;
            Rectangle::new([(x0, 0.0), (x0 + w * 0.92, bars.share(*n))], waited.filled())
        }))?;

        // Answered at once: left of 0, its share written above it.
        let top = if cut { y_data } else { at_once_share };
        chart.draw_series(std::iter::once(Rectangle::new([(-2.6 * w, 0.0), (-0.6 * w, top)], at_once.filled())))?;
        if cut {
            // A white band across the bar: cut here.
            chart.draw_series(std::iter::once(Rectangle::new(
                [(-2.8 * w, top * 0.86), (-0.4 * w, top * 0.9)],
                WHITE.filled(),
            )))?;
        }
        let (x, y) = px(&chart, -1.6 * w, top);
        root.draw(&Text::new(
            if bars.at_once == 0 { "0%".to_string() } else { format!("{:.1}%", at_once_share * 100.0) },
            (x, y - 3),
            label.pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;

        chart.draw_series(DashedLineSeries::new(
            [(d.threshold, 0.0), (d.threshold, y_max)],
            6,
            4,
            INK.stroke_width(2),
        ))?;

        // p50, p90 and p99: a line up to its own row of label; lines that
        // would coincide are set side by side, so none hides another.
        let mut last_x = i32::MIN;
        for (row, (m, name, color)) in marked.iter().enumerate() {
            let Some(v) = value(*scope, *m) else { continue };
            let x = px(&chart, v, 0.0).0.max(last_x.saturating_add(3));
            last_x = x;
            let y = ys.start + 2 + row as i32 * LABEL_ROW + LABEL_ROW / 2;
            root.draw(&PathElement::new(vec![(x, ys.end), (x, y)], color.stroke_width(2)))?;
            let text = format!("{name} {} s", plain(&v));
            let (text_w, _) = root.estimate_text_size(&text, &label)?;
            let (text_w, half) = (text_w as i32, LABEL_ROW / 2);
            // Right of the line, or left of it where the plot ends.
            let x0 = if x + 5 + text_w <= xs.end { x + 5 } else { x - 5 - text_w };
            root.draw(&Rectangle::new([(x0 - 2, y - half + 1), (x0 + text_w + 2, y + half - 1)], WHITE.filled()))?;
            root.draw(&Text::new(text, (x0, y), label.pos(Pos::new(HPos::Left, VPos::Center))))?;
        }

        // Waits beyond the axis: one bar after a break, its count written above.
        if bars.beyond > 0 {
            let share = bars.share(bars.beyond);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(end + w, 0.0), (end + 2.5 * w, share)],
                beyond.filled(),
            )))?;
            let (bx, by) = px(&chart, end + 0.5 * w, 0.0);
            for dx in [-3, 2] {
                root.draw(&PathElement::new(vec![(bx + dx - 3, by + 6), (bx + dx + 3, by - 6)], INK.stroke_width(1)))?;
            }
            let text = format!(
                "{} waited ≥ {} s (longest < {} s)",
                thousands(bars.beyond),
                plain(&end),
                plain(&bars.longest.ceil())
            );
            let (text_w, _) = root.estimate_text_size(&text, &label)?;
            let right = xs.end - 2;
            let left = right - text_w as i32;
            // Above the overflow bar and any bar under the text.
            let under = bars
                .counts
                .iter()
                .enumerate()
                .filter(|(k, _)| px(&chart, (*k + 1) as f64 * w, 0.0).0 >= left)
                .map(|(_, &n)| bars.share(n))
                .fold(share, f64::max);
            let y = px(&chart, 0.0, under).1.min(ys.end - 8) - 3;
            root.draw(&Rectangle::new([(left - 2, y - LABEL_ROW + 2), (right + 2, y)], WHITE.filled()))?;
            root.draw(&Text::new(text, (right, y), label.pos(Pos::new(HPos::Right, VPos::Bottom))))?;
        }
    }
    Ok(())
}

fn outcomes<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn<DB> {
    let scopes: Vec<(Scope, &str)> =
        std::iter::once((Scope::All, "all")).chain(d.reasons.iter().map(|r| (Scope::Reason, r.as_str()))).collect();
    let names: Vec<String> =
        scopes.iter().map(|(s, k)| if *s == Scope::All { "all reasons".into() } else { k.to_string() }).collect();
    let metrics = [
        (Metric::InactiveDisconnectRate, "Inactivity disconnects", PALETTE[0]),
        (Metric::TransferRate, "Transfers", PALETTE[1]),
    ];
    let mut legend: Vec<_> = metrics.iter().map(|(_, l, c)| (l.to_string(), c.to_rgba(), Mark::Fill)).collect();
    legend.push(("95% confidence interval".to_string(), INK.to_rgba(), Mark::Line));
    let subtitle = format!("Share of answered chats (new and transferred-in), whole run, {}", replications_note(d));
    let area = frame(root, Chart::Outcomes.title(), &subtitle, &legend)?;
    let rows: Vec<Vec<Option<&Aggregate>>> =
        scopes.iter().map(|&(s, k)| metrics.iter().map(|(m, _, _)| d.whole(s, k, *m)).collect()).collect();
    let highest = rows.iter().flatten().flatten().filter_map(|a| a.ci95.map(|c| c.1).or(a.mean));
    let y_max = top(highest, 0.01);
    let mut chart = axes(
        &area,
        &names,
        "Reason",
        YAxis { range: 0.0..y_max, title: "Share of answered chats (%)", ticks: percent },
    )?;
    let label = font(14).color(&INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let width = 0.8 / metrics.len() as f64;
    for (i, row) in rows.iter().enumerate() {
        for (k, (a, (_, _, color))) in row.iter().zip(&metrics).enumerate() {
            let Some(a) = a else { continue };
            let Some(m) = a.mean else { continue };
            let x0 = i as f64 - 0.4 + k as f64 * width;
            let mid = x0 + width / 2.0;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0 + 0.02, 0.0), (x0 + width - 0.02, m)],
                color.filled(),
            )))?;
            let tip = match a.ci95 {
                Some((lo, hi)) => {
                    let (lo, hi) = (lo.max(0.0), hi.min(y_max));
                    chart.draw_series(LineSeries::new([(mid, lo), (mid, hi)], INK.stroke_width(2)))?;
                    hi
                }
                None => m,
            };
            let text = format!("{:.1}%", m * 100.0);
            chart
                .draw_series(std::iter::once(EmptyElement::at((mid, tip)) + Text::new(text, (0, -4), label.clone())))?;
        }
    }
    Ok(())
}

/// One chart per swept key: the overall service level (with its 95% band)
/// against the key's values, one line per combination of the other keys.
/// Written as `sweep_<key>.svg` and `.png` in `dir`, from each point's
/// values and `summary.csv` rows as the job passes them in. The numbers are
/// drawn as `sweep.csv` writes them (6 decimals): a sweep passes the numbers
/// it computed and the merge of its shards the numbers it read back, and
/// both draw the same charts.
pub fn write_sweep_charts(
    dir: &Path,
    keys: &[&str],
    points: &[(Vec<String>, Vec<Aggregate>)],
    goal: f64,
) -> io::Result<()> {
    let as_written = |x: f64| fmt_num(Some(x)).parse().unwrap_or(x);
    let points: Vec<(Vec<&str>, Vec<Aggregate>)> = points
        .iter()
        .map(|(values, rows)| {
            let service_level = rows
                .iter()
                .filter(|a| a.scope == Scope::All && a.metric == Metric::ServiceLevel(New))
                .map(|a| Aggregate {
                    mean: a.mean.map(as_written),
                    ci95: a.ci95.map(|(low, high)| (as_written(low), as_written(high))),
                    ..a.clone()
                })
                .collect();
            (values.iter().map(String::as_str).collect(), service_level)
        })
        .collect();
    std::fs::create_dir_all(dir)?;
    for (k, key) in keys.iter().enumerate() {
        let file = format!("sweep_{}", key.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
        render(dir, &file, &SweepChart { keys, k, points: &points, goal })?;
    }
    Ok(())
}

/// The sweep chart of key `k`, to be drawn.
struct SweepChart<'a> {
    keys: &'a [&'a str],
    k: usize,
    points: &'a [(Vec<&'a str>, Vec<Aggregate>)],
    goal: f64,
}

impl Picture for SweepChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        sweep_chart(root, self.keys, self.k, self.points, self.goal)
    }
}

/// The colour of the i-th line of a sweep chart (the goal line's vermillion is kept apart).
fn series_color(i: usize) -> RGBColor {
    const LINES: [usize; 6] = [0, 1, 2, 4, 5, 6];
    PALETTE[LINES[i % LINES.len()]]
}

fn sweep_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    keys: &[&str],
    k: usize,
    points: &[(Vec<&str>, Vec<Aggregate>)],
    goal: f64,
) -> Drawn<DB> {
    // The key's values in the order they were given, and the other keys' combinations.
    let mut values: Vec<&str> = Vec::new();
    let mut others: Vec<Vec<&str>> = Vec::new();
    for (v, _) in points {
        if !values.contains(&v[k]) {
            values.push(v[k]);
        }
        let rest: Vec<&str> = v.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, x)| *x).collect();
        if !others.contains(&rest) {
            others.push(rest);
        }
    }
    let other_keys: Vec<&str> = keys.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, x)| *x).collect();
    let label = |rest: &[&str]| -> String {
        if rest.is_empty() {
            "Service level".to_string()
        } else {
            other_keys.iter().zip(rest).map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
        }
    };
    let mut legend: Vec<(String, RGBAColor, Mark)> =
        others.iter().enumerate().map(|(i, rest)| (label(rest), series_color(i).to_rgba(), Mark::Line)).collect();
    legend.push((format!("Goal {:.0}%", goal * 100.0), PALETTE[3].to_rgba(), Mark::Line));
    let title = format!("Service level by {}", keys[k]);
    let subtitle = "Whole run, all skills; mean over replications with its 95% confidence interval (same seed at every point); \
         the axis spans the data and the goal";
    let area = frame(root, &title, subtitle, &legend)?;
    let names: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let bounds = points
        .iter()
        .flat_map(|(_, rows)| rows)
        .flat_map(|a| a.mean.into_iter().chain(a.ci95.into_iter().flat_map(|(l, h)| [l, h])));
    let (range, ticks) = share_axis(bounds, goal);
    let y = YAxis { range, title: "Service level (%)", ticks: share_tick };
    let mut chart = axes_with_ticks(&area, &names, keys[k], y, ticks)?;
    let x_end = names.len().max(1) as f64 - 0.5;
    chart.draw_series(LineSeries::new([(-0.5, goal), (x_end, goal)], PALETTE[3].stroke_width(2)))?;
    for (i, rest) in others.iter().enumerate() {
        let series: Vec<Option<&Aggregate>> = values
            .iter()
            .map(|value| {
                let (_, rows) = points.iter().find(|(v, _)| {
                    v[k] == *value
                        && v.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, x)| *x).eq(rest.iter().copied())
                })?;
                rows.iter().find(|a| a.scope == Scope::All && a.metric == Metric::ServiceLevel(New))
            })
            .collect();
        line_with_band(&mut chart, &series, series_color(i), (0.0, 1.0))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(waits: &[f64]) -> WaitHistogram {
        let mut h = WaitHistogram::default();
        for &w in waits {
            h.add(w);
        }
        h
    }

    #[test]
    fn wait_bars_hold_every_chat_and_put_the_long_waits_beyond_the_axis() {
        let h = hist(&[0.0, 0.0, 0.5, 3.2, 17.0, 59.9, 69.5, 70.0, 299.9, 300.0, 1e5]);
        // The axis to 1.15 × the threshold (60 s, above the p99 given): 69 s, in 2-s bins to 70 s.
        let b = WaitBars::new(&h, Some(20.0), 60.0);
        assert_eq!((b.width, b.end, b.total, b.at_once), (2.0, 70.0, 11, 2));
        assert_eq!(b.at_once + b.counts.iter().sum::<u64>() + b.beyond, b.total);
        assert_eq!(b.beyond, 4, "70, 299.9, 300 and 1e5 s");
        assert_eq!((b.counts[0], b.counts[1], b.counts[8], b.counts[29], b.counts[34]), (1, 1, 1, 1, 1));
        assert!(b.longest > 1e5 && b.longest < 1.03e5, "{}", b.longest);
    }

    #[test]
    fn wait_bars_reach_a_longest_wait_not_far_beyond() {
        let h = hist(&[4.0, 30.0, 80.2]);
        // 69 s by the threshold, and the longest wait (< 81 s) within 1.5 times that: bins of 5 s to 85 s.
        let b = WaitBars::new(&h, Some(40.0), 60.0);
        assert_eq!((b.width, b.end, b.beyond, b.longest), (5.0, 85.0, 0, 81.0));
        assert_eq!(b.counts.iter().sum::<u64>(), 3);
        let empty = WaitBars::new(&WaitHistogram::default(), None, 0.0);
        assert_eq!((empty.width, empty.end, empty.total, empty.beyond), (1.0, 12.0, 0, 0));
    }

    #[test]
    fn a_share_axis_spans_the_data_and_the_goal_in_whole_ticks() {
        let close = |r: Range<f64>, lo: f64, hi: f64| (r.start - lo).abs() < 0.01 && (r.end - hi).abs() < 0.01;
        // Data at 30–50%, goal 80%: ticks every 10 points from 20% to 90%.
        let (r, n) = share_axis([0.3, 0.5, f64::NAN], 0.8);
        assert!(close(r.clone(), 0.2, 0.9) && n == 8, "{r:?} {n}");
        // Data near 100% (a CI past it cut there), goal 95%: every point from 94%, room above 100%.
        let (r, n) = share_axis([0.99, 1.0, 1.004], 0.95);
        assert!(close(r.clone(), 0.94, 1.003) && r.end > 1.0 && n == 7, "{r:?} {n}");
        // Nothing but the goal: a narrow axis around it.
        let (r, n) = share_axis([], 0.8);
        assert!(close(r.clone(), 0.79, 0.81) && n == 3, "{r:?} {n}");
        // Everything from 0 to 100%: 20-point ticks.
        let (r, n) = share_axis([0.0, 1.0], 0.8);
        assert!(close(r.clone(), 0.0, 1.06) && n == 6, "{r:?} {n}");
    }

    #[test]
    fn counts_are_written_with_thousands_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(15881), "15,881");
        assert_eq!(thousands(1841729), "1,841,729");
    }
}
