//! Per-interval inputs from files (DESIGN §1.1): a top-level
//! `forecast = "forecast.csv"` (`[day,]interval,reason,volume`) and
//! `staffing = "staffing.csv"` (`[day,]interval,group,agents`, further columns
//! ignored), with and without the `day` column, run; bad CSV input is refused
//! with exit code 2, a message naming the CSV file, `:LINE:COL` and the column,
//! no panic, and no output folder left behind.

use crate::common::{Work, ccsim_in};
use std::fs;

/// Two days of four 30-minute intervals; `billing` arrives per `forecast.csv`,
/// `tier1` is staffed per `staffing.csv`, `orders` and `tier2` are set here.
const SCENARIO: &str = r#"name = "files"
forecast = "forecast.csv"
staffing = "staffing.csv"

[simulation]
start = "08:00"
end = "10:00"
days = 2
replications = 2

[[reasons]]
name = "billing"
skill = "billing"
handle = "lognormal(mean=5m, sd=2m)"
patience = "exponential(mean=3m)"

[[reasons]]
name = "orders"
skill = "orders"
rate = "6/h"
handle = "4m"

[[groups]]
name = "tier1"
skills = ["billing", "orders"]

[[groups]]
name = "tier2"
skills = ["orders"]
agents = 1
"#;

const FORECAST: &str =
    "interval,reason,volume\n08:00,billing,10\n08:30,billing,12.5\n09:00,billing,8\n09:30,billing,4\n";
const STAFFING: &str = "interval,group,agents\n08:00,tier1,3\n08:30,tier1,4\n09:00,tier1,3\n09:30,tier1,2\n";
const FORECAST_BY_DAY: &str = "day,interval,reason,volume\n1,08:00,billing,10\n1,08:30,billing,12\n1,09:00,billing,8\n\
                               2,08:00,billing,3\n2,09:30,billing,6.5\n";
/// The columns of `ccsim staff`'s output; all after `agents` are ignored.
const STAFFING_BY_DAY: &str = "day,interval,group,agents,service_level,ci95_low,ci95_high,abandon_rate,occupancy\n\
                               1,08:00,tier1,3,0.82,0.79,0.85,0.03,0.71\n1,08:30,tier1,4,0.8,0.77,0.83,0.04,0.8\n\
                               1,09:00,tier1,3,0.81,0.78,0.84,0.03,0.76\n2,08:00,tier1,1,0.9,0.85,0.95,0.01,0.4\n\
                               2,09:30,tier1,2,0.85,0.8,0.9,0.02,0.6\n";

const OUT: &str = "out";

/// A fresh folder with the scenario (as `scenario.toml`) and the two CSV files.
fn prepare(forecast: &str, staffing: &str) -> Work {
    Work::new().with("scenario.toml", SCENARIO).with("forecast.csv", forecast).with("staffing.csv", staffing)
}

/// Runs the scenario; returns `run.toml`.
fn runs(forecast: &str, staffing: &str) -> String {
    let work = prepare(forecast, staffing);
    let (scenario, out) = (work.path("scenario.toml"), work.path(OUT));
    let stderr = work.ok(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(out.join("summary.csv").is_file(), "no summary.csv; stderr:\n{stderr}");
    work.ok(&["check", scenario.to_str().unwrap()]);
    let resolved = fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(!resolved.contains("forecast") && !resolved.contains("staffing"), "run.toml names a file:\n{resolved}");

    // run.toml repeats the run without the CSV files.
    let again = work.path("again");
    fs::create_dir(&again).unwrap();
    fs::write(again.join("run.toml"), &resolved).unwrap();
    let output = ccsim_in(&again).args(["run", "run.toml", "--out", "rerun", "--quiet"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "rerun stderr:\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        fs::read(again.join("rerun/summary.csv")).unwrap(),
        fs::read(out.join("summary.csv")).unwrap(),
        "run.toml does not repeat the run"
    );
    resolved
}

#[test]
fn forecast_and_staffing_files_run() {
    let resolved = runs(FORECAST, STAFFING);
    assert!(resolved.contains("volume = [10, 12.5, 8, 4]"), "{resolved}");
    assert!(resolved.contains("agents = [3, 4, 3, 2]"), "{resolved}");
}

#[test]
fn forecast_and_staffing_files_by_day_run() {
    let resolved = runs(FORECAST_BY_DAY, STAFFING_BY_DAY);
    assert!(resolved.contains("volume = [[10, 12, 8, 0], [3, 0, 0, 6.5]]"), "{resolved}");
    assert!(resolved.contains("agents = [[3, 4, 3, 0], [1, 0, 0, 2]]"), "{resolved}");
}

/// Runs `run --out` and `check` on bad CSV input; both must refuse it,
/// naming `{file}:{line}:{column}: {key}: ` and then `says`, and leave
/// nothing behind. `at` is (CSV file, line, column, column name).
fn refused(name: &str, forecast: &str, staffing: &str, at: (&str, usize, usize, &str), says: &str) {
    let (file, line, column, key) = at;
    let work = prepare(forecast, staffing);
    let (scenario, out) = (work.path("scenario.toml"), work.path(OUT));
    let scenario = scenario.to_str().unwrap();
    let at = format!("{}:{line}:{column}: {key}: ", work.path(file).display());
    for args in [vec!["run", scenario, "--out", out.to_str().unwrap(), "--quiet"], vec!["check", scenario]] {
        let stderr = work.refused_naming(&args, 2, &at, &[says]);
        assert!(
            !out.exists(),
            "[{name}] ccsim {}\n--- stderr ---\n{stderr}\nthe output folder was created",
            args.join(" ")
        );
    }
}

#[test]
fn a_missing_column_is_named() {
    refused(
        "missing volume column",
        "interval,reason\n08:00,billing\n",
        STAFFING,
        ("forecast.csv", 1, 1, "volume"),
        "missing column",
    );
    refused(
        "missing agents column",
        FORECAST,
        "day,interval,group,service_level\n1,08:00,tier1,0.8\n",
        ("staffing.csv", 1, 1, "agents"),
        "missing column",
    );
}

#[test]
fn an_unknown_reason_lists_the_reasons() {
    refused(
        "unknown reason",
        "interval,reason,volume\n08:00,billing,10\n08:30,biling,3\n",
        STAFFING,
        ("forecast.csv", 3, 2, "reason"),
        "unknown reason \"biling\"; the reasons are: billing, orders",
    );
}

#[test]
fn an_unknown_group_lists_the_groups() {
    refused(
        "unknown group",
        FORECAST,
        "day,interval,group,agents,occupancy\n1,08:00,tier1,3,0.7\n2,08:00,tier3,2,0.6\n",
        ("staffing.csv", 3, 3, "group"),
        "unknown group \"tier3\"; the groups are: tier1, tier2",
    );
}

#[test]
fn a_negative_volume_is_refused() {
    refused(
        "negative volume",
        "interval,reason,volume\n08:00,billing,10\n08:30,billing,-2\n",
        STAFFING,
        ("forecast.csv", 3, 3, "volume"),
        "expected a number of chats >= 0, got \"-2\"",
    );
}

#[test]
fn a_negative_or_fractional_agent_count_is_refused() {
    refused(
        "negative agents",
        FORECAST,
        "interval,group,agents\n08:00,tier1,-1\n",
        ("staffing.csv", 2, 3, "agents"),
        "got \"-1\"",
    );
    refused(
        "fractional agents",
        FORECAST,
        "interval,group,agents\n08:00,tier1,2.5\n",
        ("staffing.csv", 2, 3, "agents"),
        "got \"2.5\"",
    );
}

#[test]
fn an_interval_off_the_grid_is_refused() {
    refused(
        "interval off the grid",
        "interval,reason,volume\n08:00,billing,10\n08:15,billing,3\n",
        STAFFING,
        ("forecast.csv", 3, 1, "interval"),
        "expected an interval start from 08:00 to 09:30 every 30 minutes (HH:MM), got \"08:15\"",
    );
    refused(
        "interval after closing",
        FORECAST,
        "interval,group,agents\n10:00,tier1,3\n",
        ("staffing.csv", 2, 1, "interval"),
        "got \"10:00\"",
    );
}

#[test]
fn a_day_outside_the_run_is_refused() {
    refused(
        "day 3 of 2",
        "day,interval,reason,volume\n1,08:00,billing,10\n3,08:00,billing,3\n",
        STAFFING,
        ("forecast.csv", 3, 1, "day"),
        "expected a day number from 1 to 2",
    );
}

#[test]
fn a_duplicate_row_names_the_earlier_line() {
    refused(
        "duplicate forecast row",
        "interval,reason,volume\n08:00,billing,10\n08:30,billing,3\n08:00,billing,4\n",
        STAFFING,
        ("forecast.csv", 4, 2, "reason"),
        "duplicate row for 08:00 and reason \"billing\"; line 2 already gives it",
    );
    refused(
        "duplicate staffing row",
        FORECAST,
        "day,interval,group,agents\n2,09:00,tier1,3\n1,09:00,tier1,3\n2,09:00,tier1,4\n",
        ("staffing.csv", 4, 3, "group"),
        "duplicate row for day 2, 09:00 and group \"tier1\"; line 2 already gives it",
    );
}

#[test]
fn a_missing_file_is_named_by_the_scenario() {
    let work = prepare(FORECAST, STAFFING);
    let (scenario, out) = (work.path("scenario.toml"), work.path(OUT));
    fs::remove_file(work.path("staffing.csv")).unwrap();
    let output = work.ccsim(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let at = format!("{}:3:", scenario.display());
    assert!(stderr.contains(&at) && stderr.contains(": staffing: cannot read "), "{stderr}");
    assert!(stderr.contains(&work.path("staffing.csv").display().to_string()), "{stderr}");
    assert!(!out.exists());
}
