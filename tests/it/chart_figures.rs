//! What the charts show, read back from their SVG text (issue 18): the wait
//! chart draws every answered chat (an overflow bar, with its count, holds
//! the waits beyond the axis), the service-level threshold and p50, p90 and
//! p99 apart even when equal; the service-level chart's axis follows the
//! data and the goal; the agents-required chart gives the offered load an
//! axis of its own.

use crate::common::{RETAIL, STAFF_SMALL, ccsim, day_center, rows, run_to};
use std::collections::BTreeMap;
use std::path::Path;

/// A text element of an SVG: its content and attributes.
#[derive(Debug, Clone)]
struct SvgText {
    text: String,
    x: f64,
    y: f64,
    anchor: String,
    transform: String,
}

/// A polyline of an SVG: its stroke colour, width and points.
#[derive(Debug, Clone)]
struct SvgLine {
    stroke: String,
    width: String,
    points: Vec<(f64, f64)>,
}

impl SvgLine {
    /// The x of a vertical line.
    fn vertical_x(&self) -> Option<f64> {
        let x = self.points.first()?.0;
        (self.points.len() >= 2 && self.points.iter().all(|p| p.0 == x)).then_some(x)
    }
}

fn svg(path: &Path) -> (Vec<SvgText>, Vec<SvgLine>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| SvgText {
            text: n.text().unwrap_or("").trim().to_string(),
            x: num(&n, "x"),
            y: num(&n, "y"),
            anchor: n.attribute("text-anchor").unwrap_or("").to_string(),
            transform: n.attribute("transform").unwrap_or("").to_string(),
        })
        .collect();
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| SvgLine {
            stroke: n.attribute("stroke").unwrap_or("").to_string(),
            width: n.attribute("stroke-width").unwrap_or("").to_string(),
            points: n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| p.split_once(','))
                .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
                .collect(),
        })
        .collect();
    (texts, lines)
}

/// "15,881" → 15881.
fn count(s: &str) -> u64 {
    s.replace(',', "").parse().unwrap_or_else(|_| panic!("not a count: {s:?}"))
}

/// A row of `wait_histograms.csv`: wait_from, wait_to, count.
type Bin = (f64, f64, u64);

/// The waits of a run folder's `wait_histograms.csv`, pooled over the
/// replications: (scope, key) → its rows.
fn pooled_waits(dir: &Path) -> BTreeMap<(String, String), Vec<Bin>> {
    let mut pooled: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for r in rows(&dir.join("wait_histograms.csv")) {
        let bin = (r["wait_from"].parse().unwrap(), r["wait_to"].parse().unwrap(), r["count"].parse().unwrap());
        pooled.entry((r["scope"].clone(), r["key"].clone())).or_default().push(bin);
    }
    pooled
}

/// The answered new chats of (scope, key), summed over the replications of `replications.csv`.
fn answered(dir: &Path, scope: &str, key: &str) -> u64 {
    rows(&dir.join("replications.csv"))
        .iter()
        .filter(|r| r["day"] == "all" && r["interval"] == "all" && r["scope"] == scope && r["key"] == key)
        .filter(|r| r["metric"] == "answered")
        .map(|r| r["value"].parse::<u64>().unwrap())
        .sum()
}

/// A wait panel's caption: "NAME: N answered; bins of W s up to END s".
fn caption(t: &str) -> Option<(String, u64, f64, f64)> {
    let (name, rest) = t.split_once(": ")?;
    let (n, rest) = rest.split_once(" answered; bins of ")?;
    let (width, rest) = rest.split_once(" s up to ")?;
    let end = rest.strip_suffix(" s")?;
    Some((name.to_string(), count(n), width.parse().ok()?, end.parse().ok()?))
}

/// An overflow bar's label: "N waited ≥ END s (longest < M s)".
fn overflow(t: &str) -> Option<(u64, f64, f64)> {
    let (n, rest) = t.split_once(" waited ≥ ")?;
    let (end, rest) = rest.split_once(" s (longest < ")?;
    let longest = rest.strip_suffix(" s)")?;
    Some((count(n), end.parse().ok()?, longest.parse().ok()?))
}

#[test]
fn the_wait_chart_draws_every_answered_chat_the_overflow_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_to(RETAIL, &out, &["--replications", "4"]);
    let (texts, _) = svg(&out.join("charts/waits.svg"));
    let pooled = pooled_waits(&out);
    let captions: Vec<_> = texts.iter().filter_map(|t| caption(&t.text)).collect();
    let names: Vec<&str> = captions.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["all skills", "billing", "orders", "tech"], "one panel per skill after all skills");
    let mut expected_overflow = Vec::new();
    for (name, total, width, end) in &captions {
        let (scope, key) = if name == "all skills" { ("all", "all") } else { ("skill", name.as_str()) };
        let bins = &pooled[&(scope.to_string(), key.to_string())];
        // The panel's count is every answered chat of the run, and the bars hold them all.
        assert_eq!(*total, answered(&out, scope, key), "{name}: the caption's answered");
        assert_eq!(*total, bins.iter().map(|b| b.2).sum::<u64>(), "{name}: the histogram's total");
        assert!(*width >= 1.0 && end / width <= 40.0 + 1e-9, "{name}: {end} s in bins of {width} s");
        assert!(*end >= 60.0, "{name}: the axis ({end} s) stops before the 60 s threshold");
        let beyond: u64 = bins.iter().filter(|b| b.0 >= end - 1e-9).map(|b| b.2).sum();
        let longest = bins.iter().map(|b| b.1).fold(0.0, f64::max);
        if beyond > 0 {
            expected_overflow.push((beyond, *end, longest));
        } else {
            assert!(longest <= end + 1e-6, "{name}: waits up to {longest} s, the axis to {end} s, no overflow");
        }
    }
    let mut drawn: Vec<(u64, f64, f64)> = texts.iter().filter_map(|t| overflow(&t.text)).collect();
    assert!(!expected_overflow.is_empty(), "the test needs waits beyond some panel's axis");
    expected_overflow.sort_by(|a, b| a.partial_cmp(b).unwrap());
    drawn.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(drawn.len(), expected_overflow.len(), "one overflow label per panel with waits beyond: {drawn:?}");
    for ((n, end, longest), (want_n, want_end, want_longest)) in drawn.iter().zip(&expected_overflow) {
        assert_eq!((n, end), (want_n, want_end), "the overflow bar's count");
        assert!(
            *longest >= want_longest - 1e-6 && *longest <= want_longest.ceil() + 1.0,
            "longest < {longest} s, the histogram's last bin ends at {want_longest} s"
        );
    }
    // "answered at once" is said once, in the legend, not in every panel.
    let at_once = texts.iter().filter(|t| t.text.contains("at once")).count();
    assert_eq!(at_once, 1, "'at once' written {at_once} times");
    // Each panel's y axis is titled.
    assert_eq!(texts.iter().filter(|t| t.text == "Share of answered" && t.transform.contains("rotate")).count(), 4);
}

#[test]
fn the_wait_chart_draws_the_threshold_where_it_lies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_to(RETAIL, &out, &["--replications", "4"]);
    let (texts, lines) = svg(&out.join("charts/waits.svg"));
    assert!(texts.iter().any(|t| t.text == "Service-level threshold (60 s)"), "threshold in the legend");
    // The first panel's x ticks (centred numbers on its lowest row of labels, left half) map seconds to pixels.
    let ticks: Vec<&SvgText> = texts
        .iter()
        .filter(|t| t.anchor == "middle" && t.transform.is_empty() && t.x < 600.0 && t.y < 420.0)
        .filter(|t| t.text.parse::<f64>().is_ok())
        .collect();
    assert!(ticks.len() >= 2, "the first panel's x ticks: {ticks:?}");
    let (a, b) = (ticks[0], ticks[ticks.len() - 1]);
    let (va, vb): (f64, f64) = (a.text.parse().unwrap(), b.text.parse().unwrap());
    let at = |v: f64| a.x + (v - va) * (b.x - a.x) / (vb - va);
    // The threshold: a dashed vertical line in ink, 2 pixels wide, one per panel.
    let threshold: Vec<f64> =
        lines.iter().filter(|l| l.stroke == "#212529" && l.width == "2").filter_map(SvgLine::vertical_x).collect();
    let first = threshold.iter().copied().filter(|x| *x < 600.0).fold(f64::NAN, f64::min);
    assert!((first - at(60.0)).abs() <= 2.0, "threshold drawn at x = {first}, 60 s lies at {}", at(60.0));
    let mut xs: Vec<i64> = threshold.iter().map(|x| *x as i64).collect();
    xs.sort();
    xs.dedup();
    assert_eq!(xs.len(), 4, "one threshold line per panel: {xs:?}");
}

#[test]
fn equal_percentiles_are_all_drawn_and_labelled_apart() {
    // Agents to spare: every chat is answered at once, so p50 = p90 = p99 = 0 s.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("idle.toml");
    std::fs::write(&scenario, day_center("idle", 3, 1, "60/h", "exponential(mean=5m)", "agents = 60")).unwrap();
    let out = tmp.path().join("out");
    run_to(&scenario, &out, &["--replications", "2"]);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for p in ["wait_p50", "wait_p90", "wait_p99"] {
        assert!(summary.contains(&format!("all,all,{p},0,")), "{p} is not 0 s:\n{summary}");
    }
    let (texts, lines) = svg(&out.join("charts/waits.svg"));
    for (i, (label, color)) in
        [("p50 0 s", "#E69F00"), ("p90 0 s", "#D55E00"), ("p99 0 s", "#56B4E9")].iter().enumerate()
    {
        let found: Vec<&SvgText> = texts.iter().filter(|t| t.text == *label).collect();
        assert_eq!(found.len(), 2, "{label} in both panels");
        let xs: Vec<f64> = lines.iter().filter(|l| l.stroke == *color).filter_map(SvgLine::vertical_x).collect();
        assert_eq!(xs.len(), 2, "{label}: one line per panel");
        if i > 0 {
            // Side by side with the one before, not on top of it; its label on a row of its own.
            let before = ["p50 0 s", "p90 0 s"][i - 1];
            let before_color = ["#E69F00", "#D55E00"][i - 1];
            let prev: Vec<f64> =
                lines.iter().filter(|l| l.stroke == before_color).filter_map(SvgLine::vertical_x).collect();
            for (x, p) in xs.iter().zip(&prev) {
                assert!(x - p >= 2.0, "{label}'s line at {x} hides {before}'s at {p}");
            }
            let prev_y: Vec<f64> = texts.iter().filter(|t| t.text == before).map(|t| t.y).collect();
            for (t, y) in found.iter().zip(&prev_y) {
                assert!(t.y - y >= 12.0, "{label} at y {} overlaps {before} at y {y}", t.y);
            }
        }
    }
    // All answered at once: that bar is written 100%.
    assert_eq!(texts.iter().filter(|t| t.text == "100.0%").count(), 2, "the at-once bars' labels");
}

/// The service-level chart's y tick labels, as shares.
fn share_ticks(texts: &[SvgText]) -> Vec<f64> {
    let mut ticks: Vec<f64> = texts
        .iter()
        .filter_map(|t| t.text.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()))
        .map(|p| p / 100.0)
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks
}

#[test]
fn the_service_level_axis_follows_the_data_and_the_goal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_to(RETAIL, &out, &["--replications", "4"]);
    let (texts, _) = svg(&out.join("charts/service_level.svg"));
    let ticks = share_ticks(&texts);
    assert!(ticks.len() >= 3, "y ticks: {ticks:?}");
    // The data: every interval's mean and 95% CI (within 0–100%), and the goal (0.8).
    let mut values = vec![0.8];
    for r in rows(&out.join("intervals.csv")) {
        if r["scope"] == "all" && r["metric"] == "service_level" {
            for c in ["mean", "ci95_low", "ci95_high"] {
                if let Ok(v) = r[c].parse::<f64>() {
                    values.push(v.clamp(0.0, 1.0));
                }
            }
        }
    }
    let (lo, hi) = values.iter().fold((1.0f64, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (bottom, top) = (ticks[0], ticks[ticks.len() - 1]);
    assert!(bottom > 0.0, "the axis still starts at 0%: {ticks:?}");
    assert!(bottom <= lo + 1e-9, "the lowest tick {bottom} is above the lowest value {lo} (goal included)");
    assert!(bottom >= lo - 0.5 * (hi - lo) - 0.01, "the lowest tick {bottom} is far below the data ({lo}–{hi})");
    assert!(top <= 1.0 + 1e-9 && top >= hi - 1e-6, "the highest tick {top}, the data up to {hi}");
}

#[test]
fn the_agents_required_chart_gives_the_load_its_own_axis() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ccsim().args(["staff", STAFF_SMALL, "--quiet", "--out"]).arg(&out).assert().success();
    let (texts, _) = svg(&out.join("charts/agents_required.svg"));
    let title = |t: &str| texts.iter().find(|x| x.text == t && x.transform.contains("rotate"));
    let agents = title("Agents").expect("a y axis titled Agents");
    let load = title("Offered load (Erlangs)").expect("an axis titled Offered load (Erlangs)");
    assert!(
        agents.x < 100.0 && load.x > 1100.0,
        "Agents on the left ({}), the load on the right ({})",
        agents.x,
        load.x
    );
    assert!(texts.iter().any(|t| t.text == "Offered load (Erlangs, right axis)"), "the legend names the load's axis");
    // Both axes carry the same ticks: one Erlang is one agent busy with one chat.
    let left: Vec<&str> = texts.iter().filter(|t| t.anchor == "end" && t.x < 200.0).map(|t| t.text.as_str()).collect();
    let right: Vec<&str> =
        texts.iter().filter(|t| t.anchor == "start" && t.x > 1000.0).map(|t| t.text.as_str()).collect();
    assert!(left.len() >= 3 && left == right, "left ticks {left:?}, right ticks {right:?}");
}
