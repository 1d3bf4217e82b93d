//! The charts of `ccsim fit` (SVG and PNG, 1200×700, in the style of a
//! run's charts), drawn from the calibration alone: each duration's
//! empirical curve (kept, thinned, in `DurationFit::empirical`) against the
//! fitted families, the weekly volume profile and the staffing.

use super::charts::{
    Chart2d, Drawn, GRID, INK, LEFT, MUTED, Mark, NEUTRAL, PALETTE, YAxis, axes, legend_mark, percent, plain,
    plot_area, top,
};
use super::fit::WEEKDAYS;
use super::typeset::{Picture, bold, font, render};
use crate::analytic::calibrate::profile::StaffingSource;
use crate::analytic::calibrate::{Calibration, DurationFit, why_not};
use crate::scenario::duration::fmt_clock;
use crate::stats::fit::{Family, Fit, KaplanMeier};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::ops::Range;
use std::path::Path;

/// What a chart shows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Plot<'a> {
    /// A duration's empirical distribution function against every fitted family.
    Duration { reason: &'a str, quantity: &'static str, fit: &'a DurationFit },
    /// Patience: the Kaplan–Meier survival curve against the chosen family and the exponential.
    Patience { reason: &'a str, fit: &'a DurationFit },
    /// Mean new contacts per interval across the week, per reason.
    Volume,
    /// Agents present per interval across the week, per group.
    Staffing,
}

/// A chart of the fit: its file name (without extension), title and plot.
#[derive(Debug, Clone)]
pub(super) struct FitChart<'a> {
    pub file: String,
    pub title: String,
    pub plot: Plot<'a>,
    /// The reason it belongs to (index into `Calibration::reasons`), if any.
    pub reason: Option<usize>,
}

/// The charts of a fit, in the order the page shows them: the week's
/// volumes and staffing, then per reason its handle, wrap-up and patience.
/// A reason's files are named by the reason (characters other than letters,
/// digits, `-` and `_` become `_`; a name already taken gets the reason's
/// number), so that every chart has a file of its own.
pub(super) fn fit_charts(cal: &Calibration) -> Vec<FitChart<'_>> {
    let mut charts = vec![
        FitChart {
            file: "volume".into(),
            title: "New contacts by interval across the week".into(),
            plot: Plot::Volume,
            reason: None,
        },
        FitChart {
            file: "staffing".into(),
            title: match cal.staffing_source {
                StaffingSource::AgentsFile => "Agents present by interval across the week".into(),
                _ => "Agents present by interval across the week (estimate)".into(),
            },
            plot: Plot::Staffing,
            reason: None,
        },
    ];
    let mut taken: BTreeSet<String> = charts.iter().map(|c| c.file.clone()).collect();
    for (r, reason) in cal.reasons.iter().enumerate() {
        let mut slug: String = reason
            .name
            .chars()
            .take(60)
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        if slug.is_empty() || ["handle", "wrapup", "patience"].iter().any(|q| taken.contains(&format!("{slug}_{q}"))) {
            slug = format!("{slug}_{}", r + 1);
        }
        let name = reason.name.as_str();
        let mut plots = vec![(
            "handle",
            format!("{name}: handle time"),
            Plot::Duration { reason: name, quantity: "handle", fit: &reason.handle },
        )];
        if let Some(w) = &reason.wrapup {
            plots.push((
                "wrapup",
                format!("{name}: wrap-up time"),
                Plot::Duration { reason: name, quantity: "wrap-up", fit: w },
            ));
        }
        plots.push((
            "patience",
            format!("{name}: patience"),
            Plot::Patience { reason: name, fit: &reason.patience.fit },
        ));
        for (quantity, title, plot) in plots {
            let file = format!("{slug}_{quantity}");
            taken.insert(file.clone());
            charts.push(FitChart { file, title, plot, reason: Some(r) });
        }
    }
    charts
}

/// Renders `charts` to `dir/<file>.svg` and `.png`; returns each chart's SVG text.
pub(super) fn write_fit_charts(dir: &Path, cal: &Calibration, charts: &[FitChart]) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    charts.iter().map(|chart| render(dir, &chart.file, &FitPicture(chart, cal))).collect()
}

/// A fit chart with the calibration it shows, to be drawn.
struct FitPicture<'a>(&'a FitChart<'a>, &'a Calibration);

impl Picture for FitPicture<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(root, self.0, self.1)
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &FitChart, cal: &Calibration) -> Drawn<DB> {
    match chart.plot {
        Plot::Duration { reason, quantity, fit } => duration(root, &chart.title, reason, quantity, fit),
        Plot::Patience { reason, fit } => patience(root, &chart.title, reason, fit),
        Plot::Volume => week(root, &chart.title, cal, false),
        Plot::Staffing => week(root, &chart.title, cal, true),
    }
}

// ---- the style ----

/// Like the run charts' frame, with a legend that wraps onto more rows
/// when it is wider than the chart (reason and group names can be long).
pub(super) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[(String, RGBAColor, Mark)],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    root.draw(&Text::new(title, (LEFT, 16), bold(28).color(&INK)))?;
    root.draw(&Text::new(subtitle, (LEFT, 54), font(16).color(&MUTED)))?;
    let label = font(16).color(&INK);
    let right = root.dim_in_pixel().0 as i32 - LEFT;
    let (mut x, mut y) = (LEFT, 92);
    for (text, color, mark) in legend {
        let (w, _) = root.estimate_text_size(text, &label)?;
        let width = 34 + w as i32;
        if x > LEFT && x + width > right {
            (x, y) = (LEFT, y + 28);
        }
        legend_mark(root, (x, y), *color, *mark)?;
        root.draw(&Text::new(text.as_str(), (x + 34, y), label.pos(Pos::new(HPos::Left, VPos::Center))))?;
        x += width + 30;
    }
    Ok(root.split_vertically(y + 24).1)
}

/// The plot area over continuous time (seconds) and a share.
fn time_axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: Range<f64>,
    y_title: &str,
) -> Result<Chart2d<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = plot_area(area, x, 0.0..1.0)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(NEUTRAL.stroke_width(1))
        .x_labels(12)
        .y_labels(11)
        .x_label_formatter(&plain)
        .y_label_formatter(&percent)
        .label_style(font(15).color(&INK))
        .axis_desc_style(font(16).color(&INK))
        .x_desc("Time (s)")
        .y_desc(y_title)
        .draw()?;
    Ok(chart)
}

/// Each family in one colour on every chart.
fn family_color(f: Family) -> RGBColor {
    match f {
        Family::Exponential => PALETTE[0],
        Family::LogNormal => PALETTE[1],
        Family::Gamma => PALETTE[2],
        Family::Weibull => PALETTE[4],
    }
}

/// Where a duration chart's time axis ends: past 99% of the values
/// (observed and censored), so a long tail does not squeeze the rest.
fn x_end(km: &KaplanMeier) -> f64 {
    let n = km.steps.first().map_or(0, |s| s.at_risk) as f64;
    let end = km.steps.iter().find(|s| (s.at_risk as f64) < 0.01 * n).or(km.steps.last()).map_or(1.0, |s| s.time);
    (end * 1.05).max(1.0)
}

/// The empirical curve as a step line from 0 to `x_max`: the survival
/// function, or with `cdf` the distribution function.
fn steps(km: &KaplanMeier, x_max: f64, value: impl Fn(f64, f64) -> f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, value(1.0, 0.0))];
    let (mut survival, mut se) = (1.0, 0.0);
    for s in km.steps.iter().take_while(|s| s.time <= x_max) {
        points.push((s.time, value(survival, se)));
        (survival, se) = (s.survival, s.se);
        points.push((s.time, value(survival, se)));
    }
    points.push((x_max, value(survival, se)));
    points
}

/// A fitted family's curve over `[0, x_max]`, 240 segments.
fn curve(x_max: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..=240).map(|i| x_max * f64::from(i) / 240.0).map(|t| (t, f(t).clamp(0.0, 1.0))).collect()
}

/// A family's legend text: its KS distance and how far its AIC is above the chosen one's.
fn family_label(fit: &Fit, best: &Fit, role: &str) -> String {
    if std::ptr::eq(fit, best) {
        format!("{}{role}, chosen by AIC: KS {:.3}", fit.family().name(), fit.ks)
    } else {
        format!("{}{role}: KS {:.3}, ΔAIC {:.1}", fit.family().name(), fit.ks, fit.aic - best.aic)
    }
}

fn pooled(fit: &DurationFit) -> &'static str {
    if fit.inherited { "; all reasons pooled (too few values of its own)" } else { "" }
}

/// A chart that has nothing to draw says why.
fn nothing<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, fit: &DurationFit) -> Drawn<DB> {
    let area = header(root, title, "No curve: the duration could not be fitted", &[])?;
    let (w, h) = area.dim_in_pixel();
    let text = format!("Nothing to draw: {}", why_not(fit));
    area.draw(&Text::new(
        text,
        (w as i32 / 2, h as i32 / 2),
        font(18).color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}

// ---- the charts ----

fn duration<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    reason: &str,
    quantity: &str,
    fit: &DurationFit,
) -> Drawn<DB> {
    let (km, Some(best)) = (&fit.empirical, fit.best()) else { return nothing(root, title, fit) };
    let x_max = x_end(km);
    let mut legend = vec![(format!("Data: empirical distribution, n = {}", fit.observed), INK.to_rgba(), Mark::Line)];
    legend.extend(
        fit.ranking.fits.iter().map(|f| (family_label(f, best, ""), family_color(f.family()).to_rgba(), Mark::Line)),
    );
    let subtitle = format!(
        "{reason}: share of {quantity} times up to t, against each family fitted by maximum likelihood{}",
        pooled(fit)
    );
    let area = header(root, title, &subtitle, &legend)?;
    let mut chart = time_axes(&area, 0.0..x_max, "Share finished by time t (%)")?;
    // The other families thin, the chosen one thick, the data on top.
    for f in fit.ranking.fits.iter().rev() {
        let width = if std::ptr::eq(f, best) { 4 } else { 2 };
        chart.draw_series(LineSeries::new(
            curve(x_max, |t| f.model.cdf(t)),
            family_color(f.family()).stroke_width(width),
        ))?;
    }
    chart.draw_series(LineSeries::new(steps(km, x_max, |s, _| 1.0 - s), INK.stroke_width(2)))?;
    Ok(())
}

fn patience<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    reason: &str,
    fit: &DurationFit,
) -> Drawn<DB> {
    let (km, Some(best)) = (&fit.empirical, fit.best()) else { return nothing(root, title, fit) };
    let x_max = x_end(km);
    let exponential = fit.ranking.fits.iter().find(|f| f.family() == Family::Exponential);
    let shown: Vec<(&Fit, &str)> = std::iter::once((best, ""))
        .chain(exponential.filter(|e| !std::ptr::eq(*e, best)).map(|e| (e, " (Erlang A's)")))
        .collect();
    let mut legend = vec![
        (
            format!("Kaplan–Meier: {} abandoned, {} answered (censored)", fit.observed, fit.censored),
            INK.to_rgba(),
            Mark::Line,
        ),
        ("95% band (Greenwood)".to_string(), INK.mix(0.14), Mark::Fill),
    ];
    legend.extend(
        shown.iter().map(|(f, role)| (family_label(f, best, role), family_color(f.family()).to_rgba(), Mark::Line)),
    );
    let subtitle = format!(
        "{reason}: share of customers still willing to wait after t; an answered wait is a lower bound of patience{}",
        pooled(fit)
    );
    let area = header(root, title, &subtitle, &legend)?;
    let mut chart = time_axes(&area, 0.0..x_max, "Still waiting after time t (%)")?;
    let upper = steps(km, x_max, |s, se| (s + 1.96 * se).min(1.0));
    let lower = steps(km, x_max, |s, se| (s - 1.96 * se).max(0.0));
    let band: Vec<(f64, f64)> = upper.into_iter().chain(lower.into_iter().rev()).collect();
    chart.draw_series(std::iter::once(Polygon::new(band, INK.mix(0.14).filled())))?;
    for (f, _) in shown.iter().rev() {
        let width = if std::ptr::eq(*f, best) { 4 } else { 2 };
        chart.draw_series(LineSeries::new(
            curve(x_max, |t| f.model.survival(t)),
            family_color(f.family()).stroke_width(width),
        ))?;
    }
    chart.draw_series(LineSeries::new(steps(km, x_max, |s, _| s), INK.stroke_width(2)))?;
    Ok(())
}

/// A figure per (weekday, interval from the opening, reason or group).
type BySlot = BTreeMap<(u32, u32, u32), f64>;

/// The week's volumes (or staffing): one category per open interval of each
/// weekday in the data, one line per reason (or group), broken between days.
fn week<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    cal: &Calibration,
    staffing: bool,
) -> Drawn<DB> {
    let p = &cal.profile;
    let days: Vec<u32> = p.weekdays().collect();
    let per_day = p.intervals() as usize;
    let names: Vec<String> = days
        .iter()
        .flat_map(|&d| {
            (0..p.intervals())
                .map(move |s| format!("{} {}", &WEEKDAYS[d as usize][..3], fmt_clock(p.start + s * p.interval)))
        })
        .collect();
    let (labels, map): (Vec<&str>, &BySlot) = if staffing {
        (cal.groups.iter().map(|g| g.name.as_str()).collect(), &cal.staffing)
    } else {
        (cal.reasons.iter().map(|r| r.name.as_str()).collect(), &p.volume)
    };
    // series[k][day][slot]: reason's (or group's) k value on each open weekday's interval
    let mut series: Vec<Vec<Vec<f64>>> = vec![vec![vec![0.0; per_day]; days.len()]; labels.len()];
    for (&(weekday, slot, k), &v) in map {
        if let (Some(d), true) = (days.iter().position(|&w| w == weekday), (slot as usize) < per_day) {
            series[k as usize][d][slot as usize] += v;
        }
    }
    let color = |k: usize| PALETTE[[0, 1, 2, 4, 5, 3, 6][k % 7]];
    let mut lines: Vec<(String, RGBColor, Vec<Vec<f64>>)> =
        series.into_iter().enumerate().map(|(k, s)| (labels[k].to_string(), color(k), s)).collect();
    if lines.len() > 1 {
        let total: Vec<Vec<f64>> =
            (0..days.len()).map(|d| (0..per_day).map(|s| lines.iter().map(|l| l.2[d][s]).sum()).collect()).collect();
        let all = if staffing { "All groups" } else { "All reasons" };
        lines.insert(0, (all.to_string(), INK, total));
    }
    let legend: Vec<_> = lines.iter().map(|(l, c, _)| (l.clone(), c.to_rgba(), Mark::Line)).collect();
    let dates = days
        .iter()
        .map(|&d| format!("{} {}", &WEEKDAYS[d as usize][..3], p.dates[d as usize].len()))
        .collect::<Vec<_>>()
        .join(", ");
    let (subtitle, y_title) = if staffing {
        let source = cal.staffing_source.describe();
        (
            format!("Mean agents present per weekday's dates; from {source}"),
            match cal.staffing_source {
                StaffingSource::AgentsFile => "Agents present",
                _ => "Agents present (estimate)",
            },
        )
    } else {
        (
            format!(
                "Mean new contacts (first segments) per interval, averaged over each weekday's dates (dates per weekday: {dates})"
            ),
            "New contacts per interval",
        )
    };
    let area = header(root, title, &subtitle, &legend)?;
    let y_max = top(lines.iter().flat_map(|l| l.2.iter().flatten().copied()), 1.0);
    let mut chart =
        axes(&area, &names, "Weekday and interval start", YAxis { range: 0.0..y_max, title: y_title, ticks: plain })?;
    for (d, &weekday) in days.iter().enumerate() {
        let x0 = (d * per_day) as f64 - 0.5;
        if d > 0 {
            chart.draw_series(LineSeries::new([(x0, 0.0), (x0, y_max)], NEUTRAL.stroke_width(1)))?;
        }
        let label = font(15).color(&MUTED).pos(Pos::new(HPos::Left, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x0, y_max)) + Text::new(WEEKDAYS[weekday as usize], (6, 6), label),
        ))?;
    }
    let dots = names.len() <= 60;
    for (_, c, values) in lines.iter().rev() {
        for (d, day) in values.iter().enumerate() {
            let points: Vec<(f64, f64)> = day.iter().enumerate().map(|(s, v)| ((d * per_day + s) as f64, *v)).collect();
            chart.draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(3)))?;
            if dots {
                chart.draw_series(points.iter().map(|p| Circle::new(*p, 4, c.filled())))?;
            }
        }
    }
    Ok(())
}
