//! What the charts show, read back from their SVG text (issue 18): the
//! service-level chart's axis follows the data and the goal; the
//! agents-required chart gives the offered load an axis of its own.

use crate::common::{RETAIL, STAFF_SMALL, ccsim, rows, run_to};
use std::path::Path;

/// A text element of an SVG: its content and attributes.
#[derive(Debug, Clone)]
struct SvgText {
    text: String,
    x: f64,
    anchor: String,
    transform: String,
}

fn svg(path: &Path) -> Vec<SvgText> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| SvgText {
            text: n.text().unwrap_or("").trim().to_string(),
            x: num(&n, "x"),
            anchor: n.attribute("text-anchor").unwrap_or("").to_string(),
            transform: n.attribute("transform").unwrap_or("").to_string(),
        })
        .collect()
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
    let texts = svg(&out.join("charts/service_level.svg"));
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
    let texts = svg(&out.join("charts/agents_required.svg"));
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
