//! What the charts show, read back from their SVG text (issue 18): the
//! agents-required chart gives the offered load an axis of its own.

use crate::common::{STAFF_SMALL, ccsim};
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
