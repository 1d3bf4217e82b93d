//! The limits of README "Limits": every hostile value of issue 12, in the
//! file or on the command line, is refused before anything runs — exit code
//! 2, a message naming the key or flag and the limit, no output folder — and
//! a value just inside each limit is still accepted, so the limits are not
//! tighter than documented. Nothing here may hang or take long: every
//! command runs under a timeout.

use crate::common::{Seg, Work, assert_close, ccsim, read_csv};
use ccsim::jobs::run::{RunOptions, run_one};
use ccsim::scenario::{Dist, parse_str};
use std::path::Path;
use std::time::Duration;

/// A valid scenario; every case edits it.
const VALID: &str = r#"name = "limits"
[simulation]
start = "08:00"
end = "10:00"
interval = "30m"
replications = 2
[chat]
max_concurrent = 2
speed = [1.0, 0.8]
inactivity_timeout = "2m"
[[reasons]]
name = "billing"
skill = "billing"
rate = "60/h"
handle = "lognormal(mean=5m, sd=2m)"
patience = "exponential(mean=3m)"
commitment = { p = 0.1, after = "30m", skill = "billing" }
[[groups]]
name = "tier1"
skills = ["billing"]
agents = 3
"#;

/// The valid scenario with each `(from, to)` replaced (each `from` exactly once).
fn edited(edits: &[(&str, &str)]) -> String {
    crate::common::edited(VALID, edits)
}

/// A temporary folder holding `s.toml` (and `files`), where commands run,
/// each under a timeout.
fn work(scenario: &str, files: &[(&str, &str)]) -> Work {
    let work = Work::new().with("s.toml", scenario).timeout(Duration::from_secs(30));
    for (name, text) in files {
        work.write(name, text);
    }
    work
}

/// `run` (into `out`) and `check` both refuse the scenario.
#[track_caller]
fn file_refused(scenario: &str, files: &[(&str, &str)], key: &str, says: &[&str]) {
    let w = work(scenario, files);
    w.refused_naming(&["run", "s.toml", "--quiet", "--out", "out"], 2, key, says);
    w.refused_naming(&["check", "s.toml"], 2, key, says);
}

/// `check` accepts the scenario.
#[track_caller]
fn file_accepted(scenario: &str, files: &[(&str, &str)]) {
    work(scenario, files).ok(&["check", "s.toml"]);
}

const TOO_LONG: &str = "at most 10000000 s";

#[test]
fn a_duration_beyond_the_limit_is_refused_in_every_form() {
    let handle = "handle = \"lognormal(mean=5m, sd=2m)\"";
    for (value, says) in [
        ("const(1000000000000000s)", "value of 1000000000000000 s"),
        ("1000000000000000", "value of 1000000000000000 s"),
        ("exponential(mean=100000000s)", "mean of 100000000 s"),
        ("lognormal(mean=5m, sd=100000000h)", "sd of 360000000000 s"),
        ("gamma(mean=3000h, sd=1m)", "mean of 10800000 s"),
        ("uniform(min=0s, max=10000001s)", "max of 10000001 s"),
        ("empirical([1, 10000001])", "value of 10000001 s"),
        // A modest scale with a tiny shape has an astronomical mean.
        ("weibull(shape=0.0001, scale=1m)", "the mean is infinite"),
        ("weibull(shape=0.05, scale=1s)", "the mean of"),
    ] {
        let text = edited(&[(handle, &format!("handle = \"{value}\""))]);
        file_refused(&text, &[], "reasons.billing.handle", &[says, TOO_LONG]);
    }
    for (from, to, key) in [
        ("inactivity_timeout = \"2m\"", "inactivity_timeout = \"3000h\"", "chat.inactivity_timeout"),
        ("after = \"30m\"", "after = 1e300", "reasons.billing.commitment.after"),
        ("patience = \"exponential(mean=3m)\"", "patience = 1e300", "reasons.billing.patience"),
        ("replications = 2", "replications = 2\nwarmup = \"900000h\"", "simulation.warmup"),
        ("name = \"limits\"", "name = \"limits\"\n[service_level]\nthreshold = \"3000h\"", "service_level.threshold"),
    ] {
        file_refused(&edited(&[(from, to)]), &[], key, &["at most"]);
    }
}

#[test]
fn durations_just_inside_the_limit_are_accepted() {
    let handle = "handle = \"lognormal(mean=5m, sd=2m)\"";
    for value in [
        "const(10000000s)",
        "exponential(mean=10000000s)",
        "lognormal(mean=10000000s, sd=10000000s)",
        "uniform(min=0s, max=10000000s)",
        "weibull(shape=1, scale=10000000s)",
        "weibull(shape=0.2, scale=83s)", // mean 120 × 83 s = 9960 s
    ] {
        file_accepted(&edited(&[(handle, &format!("handle = \"{value}\""))]), &[]);
    }
    file_accepted(
        &edited(&[
            ("inactivity_timeout = \"2m\"", "inactivity_timeout = 10000000"),
            ("after = \"30m\"", "after = \"2777h46m40s\""),
            ("replications = 2", "replications = 2\ndays = 36600\nwarmup = \"878400h\""),
        ]),
        &[],
    );
}

#[test]
fn a_speed_outside_its_range_is_refused() {
    let speed = "speed = [1.0, 0.8]";
    file_refused(&edited(&[(speed, "speed = [1e-300, 1e-300]")]), &[], "chat.speed[0]", &["0.01", "1e-300"]);
    file_refused(&edited(&[(speed, "speed = [1.0, 0.009]")]), &[], "chat.speed[1]", &["0.01", "100"]);
    file_refused(&edited(&[(speed, "speed = [101, 1]")]), &[], "chat.speed[0]", &["100"]);
    let group = "skills = [\"billing\"]";
    let text = edited(&[(group, "skills = [\"billing\"]\nspeed = [0.001, 0.001]")]);
    file_refused(&text, &[], "groups.tier1.speed[0]", &["0.01"]);
    file_accepted(&edited(&[(speed, "speed = [0.01, 100]")]), &[]);
}

const ARRIVALS: &str = "name = \"limits\"\narrivals = \"arrivals.csv\"";

#[test]
fn an_arrivals_csv_value_beyond_the_limit_is_refused() {
    let text = edited(&[("name = \"limits\"", ARRIVALS), ("rate = \"60/h\"\n", "")]);
    for column in ["handle", "auth", "patience"] {
        let csv = format!("time,reason,{column}\n0,billing,60\n10,billing,1e300\n");
        let w = work(&text, &[("arrivals.csv", &csv)]);
        let key = format!("arrivals.csv:3:3: {column}");
        w.refused_naming(&["run", "s.toml", "--quiet", "--out", "out"], 2, &key, &["1e300", TOO_LONG]);
        w.refused_naming(&["check", "s.toml"], 2, &key, &["1e300"]);
    }
    let inline = edited(&[
        ("name = \"limits\"", "name = \"limits\"\narrivals = [{ time = 0, reason = \"billing\", handle = 1e300 }]"),
        ("rate = \"60/h\"\n", ""),
    ]);
    file_refused(&inline, &[], "arrivals[0].handle", &[TOO_LONG]);
    let empirical = edited(&[("\"lognormal(mean=5m, sd=2m)\"", "\"empirical(\\\"handle.csv\\\")\"")]);
    file_refused(&empirical, &[("handle.csv", "seconds\n60\n1e300\n")], "reasons.billing.handle", &[TOO_LONG]);
}

#[test]
fn a_chat_of_the_longest_duration_runs_to_its_end() {
    // One chat of 100000 s of work at speed 0.01: 10^7 s, the longest a duration may be.
    let text = edited(&[
        ("name = \"limits\"", ARRIVALS),
        ("rate = \"60/h\"\n", ""),
        ("speed = [1.0, 0.8]", "speed = [0.01, 0.01]"),
        ("commitment = { p = 0.1, after = \"30m\", skill = \"billing\" }\n", ""),
    ]);
    let w = work(&text, &[("arrivals.csv", "time,reason,handle,patience\n0,billing,100000,10000000\n")]);
    w.ok(&["run", "s.toml", "--quiet", "--no-charts", "--trace", "--out", "out"]);
    let segs = read_csv::<Seg>(&w.path("out/chats.csv"));
    assert_eq!(segs.len(), 2, "{segs:?}");
    assert_close(segs[0].chat_time, 1e7, "chat_time");
}

#[test]
fn a_center_that_cannot_drain_in_time_is_an_error_not_a_result() {
    // Every chat takes 10^7 s with 6 slots: the queue needs years to drain.
    let text = edited(&[("handle = \"lognormal(mean=5m, sd=2m)\"", "handle = \"const(10000000s)\"")]);
    let w = work(&text, &[]);
    let says = ["did not finish", "10000000 s", "after the last day's end"];
    // replications are numbered from 1, as days are
    let run_says = [&says[..], &["replication 1 did not finish"]].concat();
    w.refused_naming(&["run", "s.toml", "--quiet", "--no-charts", "--out", "out"], 2, "s.toml", &run_says);
    w.refused_naming(&["staff", "s.toml", "--quiet", "--max-agents", "2", "--out", "out"], 2, "s.toml", &says);
    w.refused_naming(
        &["sweep", "s.toml", "--quiet", "--set", "groups.tier1.agents=3", "--out", "out"],
        2,
        "s.toml",
        &says,
    );
}

#[test]
fn astronomical_samples_stop_the_run_at_its_time_limit() {
    // Samples the input checks make impossible, built directly: time
    // arithmetic saturates, and the run stops at its limit instead of
    // overflowing, hanging or reporting a chat time of 0.
    let text = edited(&[("commitment = { p = 0.1, after = \"30m\", skill = \"billing\" }\n", "")]);
    let mut sc = parse_str(&text, Path::new("s.toml")).unwrap();
    let opts = RunOptions { replications: 1, seed: 1, threads: 1, trace: false, per_day: true };
    assert!(!run_one(&sc, &opts, 0).counts.overran);
    for secs in [9.2e12, 1e15, 1e300, f64::MAX] {
        sc.reasons[0].handle = Dist::Const(secs);
        let started = std::time::Instant::now();
        assert!(run_one(&sc, &opts, 0).counts.overran, "handle {secs}");
        assert!(started.elapsed() < Duration::from_secs(5), "handle {secs}");
    }
    sc.reasons[0].handle = Dist::Const(60.0);
    sc.groups[0].rules.wrapup = Dist::Const(1e300);
    assert!(run_one(&sc, &opts, 0).counts.overran);
}

#[test]
fn arrival_rates_and_volumes_beyond_the_limit_are_refused() {
    let rate = "rate = \"60/h\"";
    file_refused(&edited(&[(rate, "rate = \"1000000000/h\"")]), &[], "reasons.billing.rate", &["1000000 chats/h"]);
    file_refused(&edited(&[(rate, "rate = \"16667/m\"")]), &[], "reasons.billing.rate", &["1000000 chats/h"]);
    file_refused(&edited(&[(rate, "rate = \"278/s\"")]), &[], "reasons.billing.rate", &["1000000 chats/h"]);
    let volume = "volume = [10, 1000000000, 10, 10]";
    file_refused(&edited(&[(rate, volume)]), &[], "reasons.billing.volume[1]", &["500000", "1000000 chats/h"]);
    let forecast = edited(&[("name = \"limits\"", "name = \"limits\"\nforecast = \"f.csv\""), (rate, "")]);
    let csv = "interval,reason,volume\n08:00,billing,10\n08:30,billing,1e9\n";
    let w = work(&forecast, &[("f.csv", csv)]);
    w.refused_naming(&["check", "s.toml"], 2, "f.csv:3:3: volume", &["at most 500000 chats", "1000000000"]);
    w.refused_naming(&["run", "s.toml", "--out", "out"], 2, "f.csv:3:3: volume", &["at most 500000"]);

    file_accepted(&edited(&[(rate, "rate = \"1000000/h\"")]), &[]);
    file_accepted(&edited(&[(rate, "volume = [500000, 0, 0, 0]")]), &[]);
    file_accepted(&forecast, &[("f.csv", "interval,reason,volume\n08:00,billing,500000\n")]);
}

#[test]
fn counts_beyond_the_limit_are_refused_and_counts_at_it_accepted() {
    let cases = [
        ("replications = 2", "replications = 1000001", "simulation.replications", "1000000"),
        ("replications = 2", "replications = 2\ndays = 36601", "simulation.days", "36600"),
        ("agents = 3", "agents = 1000001", "groups.tier1.agents", "1000000"),
        (
            "agents = 3",
            "shifts = [{ start = \"08:00\", end = \"09:00\", agents = 600000 }, \
             { start = \"09:00\", end = \"10:00\", agents = 400001 }]",
            "groups.tier1.shifts",
            "1000000",
        ),
    ];
    for (from, to, key, says) in cases {
        file_refused(&edited(&[(from, to)]), &[], key, &[says]);
    }
    let text = edited(&[
        ("replications = 2", "replications = 1000000\ndays = 36600"),
        (
            "agents = 3",
            "shifts = [{ start = \"08:00\", end = \"09:00\", agents = 600000 }, \
             { start = \"09:00\", end = \"10:00\", agents = 400000 }]",
        ),
    ]);
    file_accepted(&text, &[]);
}

/// The refusal of the memory budget: the estimate, and how to raise it.
const OVER_BUDGET: [&str; 3] = ["needs about", "above the limit of", "--max-memory"];

#[test]
fn the_command_line_has_the_caps_of_the_file() {
    let w = work(VALID, &[]);
    let run = ["run", "s.toml", "--quiet", "--out", "out"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args: Vec<&str> = run.to_vec();
        args.extend_from_slice(extra);
        args
    };
    w.refused_naming(
        &with(&["--replications", "1000000000"]),
        2,
        "--replications",
        &["from 1 to 1000000", "1000000000"],
    );
    w.refused_naming(&with(&["--replications", "0"]), 2, "--replications", &["from 1 to 1000000"]);
    // At the limit the count passes, and the memory budget speaks.
    w.refused_naming(&with(&["--replications", "1000000"]), 2, "s.toml", &OVER_BUDGET);
    w.refused_naming(&with(&["--threads", "100000"]), 2, "--threads", &["at most 1024"]);
    w.refused_naming(&with(&["--threads", "1024", "--max-memory", "1MiB"]), 2, "s.toml", &OVER_BUDGET);

    let staff = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["staff", "s.toml", "--quiet", "--out", "out"];
        args.extend_from_slice(extra);
        args
    };
    w.refused_naming(&staff(&["--max-agents", "1000000000"]), 2, "--max-agents", &["from 1 to 1000000", "1000000000"]);
    w.refused_naming(&staff(&["--max-agents", "1000000", "--max-memory", "1MiB"]), 2, "s.toml", &OVER_BUDGET);
    w.refused_naming(&staff(&["--replications", "1000000000"]), 2, "--replications", &["1000000"]);
    w.refused_naming(&staff(&["--threshold", "1000000000000000s"]), 2, "--threshold", &[TOO_LONG]);

    let sweep = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["sweep", "s.toml", "--quiet", "--out", "out"];
        args.extend_from_slice(extra);
        args
    };
    let set = "reasons.billing.handle=const(1000000000000000s)";
    w.refused_naming(&sweep(&["--set", set]), 2, "reasons.billing.handle", &[TOO_LONG]);
    w.refused_naming(
        &sweep(&["--set", "reasons.billing.rate=1000000000/h"]),
        2,
        "reasons.billing.rate",
        &["1000000 chats/h"],
    );
    w.refused_naming(
        &sweep(&["--set", "chat.refuse=0", "--replications", "1000000000"]),
        2,
        "--replications",
        &["1000000"],
    );
    let many: &'static str = Box::leak((0..101).map(|i| i.to_string()).collect::<Vec<_>>().join(",").into_boxed_str());
    let hundred: &'static str =
        Box::leak((0..100).map(|i| i.to_string()).collect::<Vec<_>>().join(",").into_boxed_str());
    let a: &'static str = Box::leak(format!("reasons.billing.priority={many}").into_boxed_str());
    let b: &'static str = Box::leak(format!("groups.tier1.agents={hundred}").into_boxed_str());
    w.refused_naming(&sweep(&["--set", a, "--set", b]), 2, "--set", &["10100 points", "at most 10000"]);
    let b: &'static str = Box::leak(format!("groups.tier1.agents={}", &hundred[..hundred.len() - 3]).into_boxed_str());
    w.refused_naming(&sweep(&["--set", a, "--set", b, "--max-memory", "1MiB"]), 2, "s.toml", &OVER_BUDGET);

    let erlang = ["erlang", "--aht", "5m", "--agents", "10", "--rate"];
    w.refused_naming(&[&erlang[..], &["1000000000/h"]].concat(), 2, "--rate", &["1000000 chats/h"]);
    w.refused_naming(
        &["erlang", "--rate", "60/h", "--aht", "1000000000000000s", "--agents", "10"],
        2,
        "--aht",
        &[TOO_LONG],
    );
    w.refused_naming(
        &["erlang", "--rate", "60/h", "--aht", "5m", "--agents", "1000000000"],
        2,
        "--agents",
        &["1000000"],
    );
    w.ok(&["erlang", "--rate", "1000000/h", "--aht", "10000000s", "--agents", "1000000"]);
    w.refused_naming(&["bench", "--scenario", "s.toml", "--days", "36601"], 2, "--days", &["from 1 to 36600"]);
}

#[test]
fn a_run_over_the_memory_budget_is_refused_with_its_estimate() {
    // --per-day keeps every day's intervals: a century of them is far too much.
    let w = work(&edited(&[("replications = 2", "replications = 2\ndays = 36600")]), &[]);
    w.refused_naming(&["run", "s.toml", "--quiet", "--per-day", "--out", "out"], 2, "s.toml", &OVER_BUDGET);
    w.refused_naming(
        &["run", "s.toml", "--quiet", "--per-day", "--max-memory", "8GiB", "--out", "out"],
        2,
        "s.toml",
        &OVER_BUDGET,
    );

    // A small run fits a small budget, and not a tiny one.
    let w = work(VALID, &[]);
    let args = ["run", "s.toml", "--quiet", "--no-charts", "--out", "out", "--max-memory"];
    w.refused_naming(&[&args[..], &["1MiB"]].concat(), 2, "s.toml", &OVER_BUDGET);
    w.refused_naming(&[&args[..], &["lots"]].concat(), 2, "--max-memory", &["2GiB"]);
    w.ok(&[&args[..], &["64MiB"]].concat());
}

#[test]
fn the_estimate_is_close_above_the_measured_peak_of_a_bundled_scenario() {
    // `ccsim bench` measures the peak memory of one replication on one
    // thread; the estimate of the same must cover it, within a factor of 3.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/retail-week.toml");
    let output = ccsim()
        .args(["bench", "--scenario", scenario.to_str().unwrap(), "--days", "7", "--json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&output.stdout);
    let Some(peak) = ccsim::jobs::bench::Measurement::from_json(line.trim()).and_then(|m| m.peak_mib) else {
        return; // no peak memory on this platform
    };
    let sc = ccsim::scenario::load(&scenario).unwrap();
    let estimate =
        ccsim::jobs::memory::estimate(&sc, &ccsim::jobs::memory::Plan::run(1, 1)).total() as f64 / (1 << 20) as f64;
    assert!(estimate >= peak && estimate <= 3.0 * peak, "estimate {estimate:.1} MiB, measured peak {peak:.1} MiB");
}

#[test]
fn bench_of_a_run_past_its_time_limit_is_refused_not_timed() {
    let work = Work::new().with(
        "stuck.toml",
        "name = \"stuck\"\n[simulation]\nstart = \"09:00\"\nend = \"10:00\"\n\n[[reasons]]\nname = \"billing\"\n\
         skill = \"billing\"\nrate = \"60/h\"\nhandle = \"const(9000000s)\"\n\n[[groups]]\nname = \"front\"\n\
         skills = [\"billing\"]\nagents = 1\n",
    );
    for json in [&["--json"][..], &[]] {
        let args = [&["bench", "--scenario", "stuck.toml", "--days", "1", "--repeat", "1"][..], json].concat();
        work.refused(&args, 2, &["did not finish", "the limit of simulated time"]);
    }
}
