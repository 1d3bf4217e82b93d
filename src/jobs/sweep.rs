//! What-if grids: the cross product of values for scenario keys, each point
//! a scenario of its own, run with the same seed (common random numbers).

use crate::jobs::run::{self, RunOptions};
use crate::scenario::{self, Scenario, ScenarioError, limits::MAX_SWEEP_POINTS};
use crate::stats::Aggregate;
use std::fmt;
use std::path::Path;

/// One `--set KEY=V1,V2,...`: a key path and its values, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub values: Vec<String>,
}

/// A malformed setting or a key the scenario does not have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--set {setting}: {message}")]
pub struct SweepError {
    pub setting: String,
    pub message: String,
}

fn err(setting: &str, message: impl fmt::Display) -> SweepError {
    SweepError { setting: setting.to_string(), message: message.to_string() }
}

/// Why a grid could not be built: a setting, the grid's size, or a point
/// that is not a valid scenario (bad input, all of them).
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    #[error(transparent)]
    Setting(#[from] SweepError),
    #[error("--set: the grid has {points} points; expected at most {MAX_SWEEP_POINTS}")]
    TooLarge { points: usize },
    #[error("in the sweep point {point}")]
    Point {
        point: String,
        #[source]
        error: ScenarioError,
    },
}

/// A grid that cannot be built is bad input (exit code 2).
impl From<GridError> for crate::error::Error {
    fn from(e: GridError) -> Self {
        crate::error::Error::new(crate::error::Kind::Input, e)
    }
}

impl From<SweepError> for crate::error::Error {
    fn from(e: SweepError) -> Self {
        crate::error::Error::new(crate::error::Kind::Input, e)
    }
}

/// One point of a grid: its value of each setting, and its scenario.
pub struct Point {
    pub values: Vec<String>,
    pub scenario: Scenario,
}

/// Every point of the grid of `settings` over the scenario file `doc` (read
/// from `path`), each parsed and checked before any is run, with the
/// replications and seed of `base`.
pub fn points(doc: &toml::Table, path: &Path, base: &Scenario, settings: &[Setting]) -> Result<Vec<Point>, GridError> {
    let count = settings.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len())).unwrap_or(usize::MAX);
    if count > MAX_SWEEP_POINTS {
        return Err(GridError::TooLarge { points: count });
    }
    let mut points = Vec::new();
    for values in grid(settings) {
        let mut d = doc.clone();
        for (s, v) in settings.iter().zip(&values) {
            apply(&mut d, &s.key, v)?;
        }
        let point =
            || settings.iter().zip(&values).map(|(s, v)| format!("{} = {v}", s.key)).collect::<Vec<_>>().join(", ");
        // A table of plain values always serializes; a failure would be a bug.
        let text = toml::to_string(&d).map_err(|e| err("", e))?;
        let mut sc = scenario::parse_str(&text, path).map_err(|mut error| {
            error.location = None; // a position in the rewritten text would mislead
            GridError::Point { point: point(), error }
        })?;
        sc.simulation.replications = base.simulation.replications;
        sc.simulation.seed = base.simulation.seed;
        points.push(Point { values: values.iter().map(|v| v.to_string()).collect(), scenario: sc });
    }
    Ok(points)
}

/// A point's values and its `summary.csv` rows.
pub type PointSummary = (Vec<String>, Vec<Aggregate>);

/// Runs each point (all replications, `threads` workers) and aggregates it:
/// per point, its values and its `summary.csv` rows. `done` is called after
/// each point.
pub fn run_points(points: &[Point], threads: usize, done: &dyn Fn()) -> Result<Vec<PointSummary>, ScenarioError> {
    let mut rows = Vec::new();
    for Point { values, scenario: sc } in points {
        let opts = RunOptions::of(sc, threads);
        let reps = run::run_all(sc, &opts, &|_| {});
        run::check_finished(sc, &reps)?;
        let results = run::in_pool(threads, || run::aggregate_results(sc, false, &reps));
        rows.push((values.clone(), results.summary));
        done();
    }
    Ok(rows)
}

/// Splits at commas outside parentheses, brackets and braces, so that
/// `lognormal(mean=7m, sd=4m),const(5m)` is two values.
fn split_values(text: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for ch in text.chars() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur.trim().to_string());
    out
}

impl Setting {
    /// Parses `KEY=V1,V2,...`.
    pub fn parse(arg: &str) -> Result<Setting, SweepError> {
        let (key, values) = arg.split_once('=').ok_or_else(|| err(arg, "expected KEY=V1,V2,..."))?;
        let key = key.trim();
        let values = split_values(values);
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(err(arg, "expected a key path like chat.max_concurrent or groups.tier1.agents"));
        }
        if values.iter().any(String::is_empty) {
            return Err(err(arg, "expected values separated by commas, none empty"));
        }
        Ok(Setting { key: key.to_string(), values })
    }
}

/// A value as TOML: a number, boolean, array or table if it reads as one,
/// else a string (so `const(30s)` and `2m` need no quotes).
fn toml_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.trim_matches('"').to_string()))
}

/// Sets `key` (a dotted path; list items by their `name`) to `value` in a
/// scenario document. The last part may be new; the others must exist.
pub fn apply(doc: &mut toml::Table, key: &str, value: &str) -> Result<(), SweepError> {
    let parts: Vec<&str> = key.split('.').collect();
    let setting = format!("{key}={value}");
    let mut table = doc;
    for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
        let here = parts[..=i].join(".");
        if !table.contains_key(*part) {
            table.insert(part.to_string(), toml::Value::Table(toml::Table::new()));
        }
        let next = match table.get_mut(*part) {
            Some(toml::Value::Table(t)) => t,
            Some(toml::Value::Array(items)) => {
                // `reasons.billing…`: the next part names the item.
                let Some(name) = parts.get(i + 1) else { unreachable!() };
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.get("name").and_then(|n| n.as_str()).map(|n| format!("{n:?}")))
                    .collect();
                let found = items.iter_mut().find_map(|item| match item {
                    toml::Value::Table(t) if t.get("name").and_then(|n| n.as_str()) == Some(*name) => Some(t),
                    _ => None,
                });
                match found {
                    Some(t) if i + 2 < parts.len() => {
                        return apply(t, &parts[i + 2..].join("."), value)
                            .map_err(|e| SweepError { setting: setting.clone(), ..e });
                    }
                    Some(_) => {
                        return Err(err(&setting, format!("{here}.{name} is a list item; name a key inside it")));
                    }
                    None => {
                        let known = names.join(", ");
                        return Err(err(
                            &setting,
                            format!("no item named {name:?} in {here}; expected one of {known}"),
                        ));
                    }
                }
            }
            _ => return Err(err(&setting, format!("{here} is not a table"))),
        };
        table = next;
    }
    table.insert(parts[parts.len() - 1].to_string(), toml_value(value));
    Ok(())
}

/// Every combination of the settings' values, first setting varying slowest.
pub fn grid(settings: &[Setting]) -> Vec<Vec<&str>> {
    settings.iter().fold(vec![Vec::new()], |points, s| {
        points
            .iter()
            .flat_map(|p| {
                s.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.as_str());
                    q
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_outside_parentheses() {
        let s = Setting::parse("reasons.billing.handle=lognormal(mean=7m, sd=4m), const(5m)").unwrap();
        assert_eq!(s.values, vec!["lognormal(mean=7m, sd=4m)", "const(5m)"]);
        assert!(Setting::parse("chat.max_concurrent").is_err());
        assert!(Setting::parse("chat..x=1").is_err());
        assert!(Setting::parse("chat.x=1,,2").is_err());
    }

    #[test]
    fn keys_reach_tables_and_named_list_items() {
        let mut doc: toml::Table = toml::from_str(
            "name = \"x\"\n[chat]\nmax_concurrent = 2\n[[groups]]\nname = \"tier1\"\nagents = 3\n[[reasons]]\nname = \"b\"\nnonresponsive = { p = 0.1 }\n",
        )
        .unwrap();
        apply(&mut doc, "chat.max_concurrent", "1").unwrap();
        apply(&mut doc, "groups.tier1.agents", "[1, 2]").unwrap();
        apply(&mut doc, "reasons.b.nonresponsive.p", "0.05").unwrap();
        apply(&mut doc, "chat.wrapup", "const(30s)").unwrap();
        assert_eq!(doc["chat"]["max_concurrent"].as_integer(), Some(1));
        assert_eq!(doc["chat"]["wrapup"].as_str(), Some("const(30s)"));
        assert_eq!(doc["groups"][0]["agents"].as_array().map(|a| a.len()), Some(2));
        assert_eq!(doc["reasons"][0]["nonresponsive"]["p"].as_float(), Some(0.05));
        assert!(apply(&mut doc, "groups.tier9.agents", "1").unwrap_err().message.contains("tier9"));
    }

    #[test]
    fn the_grid_is_the_cross_product() {
        let a = Setting::parse("a=1,2").unwrap();
        let b = Setting::parse("b=x,y,z").unwrap();
        let settings = [a, b];
        let g = grid(&settings);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec!["1", "x"]);
        assert_eq!(g[5], vec!["2", "z"]);
    }
}
