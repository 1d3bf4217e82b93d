//! `--shard K/N` and `ccsim merge` (DESIGN.md §4, §5): the shards of a run or
//! a sweep, merged, give the files of the unsharded job byte for byte, in any
//! order on the command line; an incomplete or mixed set of shards, a
//! damaged value in a shard file, or a malformed `--shard`, exits 2 and
//! writes nothing.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Two short days, two reasons on two skills, two groups; transfers,
/// silences and impatient customers, so every file has something in it.
const SMALL: &str = r#"
name = "small"

[simulation]
start = "09:00"
end = "11:00"
days = 2
interval = "30m"
replications = 5
seed = 11

[chat]
max_concurrent = 2
speed = [1.0, 0.8]
accept = "3s"
wrapup = "exponential(mean=20s)"

[[reasons]]
name = "orders"
skill = "orders"
rate = "40/h"
handle = "lognormal(mean=5m, sd=2m)"
patience = "exponential(mean=2m)"
nonresponsive = { p = 0.1, returns = 0.5 }
transfer = { p = 0.1, to = "billing" }

[[reasons]]
name = "billing"
skill = "billing"
rate = "25/h"
handle = "exponential(mean=6m)"
patience = "exponential(mean=3m)"

[[groups]]
name = "front"
skills = ["orders"]
agents = 3

[[groups]]
name = "back"
skills = ["billing", "orders"]
agents = [2, 3, 3, 2]
"#;

/// A temp folder holding the small scenario as `small.toml`.
fn small() -> Work {
    Work::new().with("small.toml", SMALL)
}

/// The path of the small scenario in `work`.
fn scenario(work: &Work) -> String {
    work.path("small.toml").display().to_string()
}

/// Runs the small scenario whole into `whole` and as 3 shards, merges the
/// shards twice (in two orders) and checks both merges equal the whole run.
fn check_run_shards(work: &Work, extra: &[&str]) {
    let sc = scenario(work);
    let whole = work.path("whole");
    let mut args = vec!["run", &sc, "--quiet", "--out", "whole"];
    args.extend_from_slice(extra);
    work.ok(&args);
    for k in 1..=3 {
        let (shard, out) = (format!("{k}/3"), format!("shard{k}"));
        let mut args = vec!["run", &sc, "--quiet", "--shard", &shard, "--out", &out];
        args.extend_from_slice(extra);
        work.ok(&args);
        assert!(work.path(&out).join("shard.toml").exists());
        assert!(!work.path(&out).join("summary.csv").exists(), "a shard writes only what merge needs");
    }
    work.ok(&["merge", "shard1", "shard2", "shard3", "--quiet", "--out", "merged"]);
    assert_same_files(&whole, &work.path("merged"), "unsharded vs merged");
    work.ok(&["merge", "shard3", "shard1", "shard2", "--quiet", "--out", "reordered"]);
    assert_same_files(&whole, &work.path("reordered"), "unsharded vs merged");
    let names = files(&whole);
    for name in ["summary.csv", "intervals.csv", "replications.csv", "wait_histograms.csv", "run.toml"] {
        assert!(names.contains_key(Path::new(name)), "{name} missing");
    }
    assert!(!names.contains_key(Path::new("shard.toml")), "no shard id in a merged folder");
}

#[test]
fn three_run_shards_merged_equal_the_unsharded_run_byte_for_byte_charts_and_report_included() {
    let work = small();
    check_run_shards(&work, &[]);
    let names = files(&work.path("merged"));
    for name in ["report.html", "charts/waits.svg", "charts/waits.png", "charts/service_level.png"] {
        assert!(names.contains_key(Path::new(name)), "{name} missing from the merged folder");
    }
}

#[test]
fn three_run_shards_merged_equal_the_unsharded_run_with_trace_and_per_day() {
    let work = small();
    check_run_shards(&work, &["--trace", "--per-day", "--replications", "4"]);
    let segs = read_csv::<Seg>(&work.path("merged/chats.csv"));
    let reps: std::collections::BTreeSet<u32> = segs.iter().map(|s| s.replication).collect();
    // numbered from 1, as days are
    assert_eq!(reps.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
}

#[test]
fn more_shards_than_replications_leave_some_empty_and_still_merge() {
    let work = small();
    let sc = scenario(&work);
    work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "2", "--out", "whole"]);
    let mut dirs = Vec::new();
    for k in 1..=4 {
        let (shard, out) = (format!("{k}/4"), format!("s{k}"));
        work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "2", "--shard", &shard, "--out", &out]);
        dirs.push(out);
    }
    let mut args = vec!["merge", "--quiet", "--out", "merged"];
    args.extend(dirs.iter().map(String::as_str));
    work.ok(&args);
    assert_same_files(&work.path("whole"), &work.path("merged"), "unsharded vs merged");
}

#[test]
fn shard_and_merge_folders_default_to_results() {
    let work = small();
    let sc = scenario(&work);
    work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "2", "--out", "results/small"]);
    std::fs::rename(work.path("results/small"), work.path("whole")).unwrap();
    for k in 1..=2 {
        work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "2", "--shard", &format!("{k}/2")]);
    }
    work.ok(&["merge", "results/small-shard-1-of-2", "results/small-shard-2-of-2", "--quiet"]);
    assert_same_files(&work.path("whole"), &work.path("results/small"), "unsharded vs merged");
}

#[test]
fn wait_histograms_count_every_answered_new_chat_of_each_replication() {
    let work = small();
    work.ok(&["run", &scenario(&work), "--quiet", "--no-charts", "--out", "out"]);
    let mut counted: BTreeMap<u32, u64> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(work.path("out/wait_histograms.csv")).unwrap();
    assert_eq!(reader.headers().unwrap(), vec!["replication", "scope", "key", "bin", "wait_from", "wait_to", "count"]);
    for rec in reader.records() {
        let rec = rec.unwrap();
        if &rec[1] == "all" {
            *counted.entry(rec[0].parse().unwrap()).or_default() += rec[6].parse::<u64>().unwrap();
        }
    }
    let mut reader = csv::Reader::from_path(work.path("out/replications.csv")).unwrap();
    let mut answered: BTreeMap<u32, u64> = BTreeMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if (&rec[1], &rec[2], &rec[3], &rec[5]) == ("all", "all", "all", "answered") {
            answered.insert(rec[0].parse().unwrap(), rec[6].parse().unwrap());
        }
    }
    assert_eq!(answered.len(), 5);
    assert_eq!(counted, answered, "histogram counts vs answered, per replication");
}

/// Runs a 2×2 sweep whole and as `n` shards; the shards merged (in reverse
/// order) equal the whole sweep.
fn check_sweep_shards(work: &Work, sets: &[&str], n: u32) {
    let sc = scenario(work);
    let mut base = vec!["sweep", sc.as_str(), "--replications", "3", "--quiet"];
    for s in sets {
        base.extend(["--set", s]);
    }
    let whole = format!("whole-{n}");
    work.ok(&[base.as_slice(), &["--out", whole.as_str()]].concat());
    let mut dirs = Vec::new();
    for k in 1..=n {
        let (shard, out) = (format!("{k}/{n}"), format!("sweep{n}-{k}"));
        work.ok(&[base.as_slice(), &["--shard", shard.as_str(), "--out", out.as_str()]].concat());
        dirs.push(out);
    }
    dirs.reverse();
    let merged = format!("merged-{n}");
    let mut args = vec!["merge", "--quiet", "--out", &merged];
    args.extend(dirs.iter().map(String::as_str));
    work.ok(&args);
    assert_same_files(&work.path(&whole), &work.path(&merged), "unsharded vs merged");
}

#[test]
fn sweep_shards_without_charts_merge_to_the_sweep_without_charts() {
    let work = small();
    let sc = scenario(&work);
    let base = ["sweep", sc.as_str(), "--replications", "3", "--quiet", "--set", "groups.front.agents=2,4"];
    work.ok(&[base.as_slice(), &["--no-charts", "--out", "whole"]].concat());
    for k in 1..=2 {
        let (shard, out) = (format!("{k}/2"), format!("bare{k}"));
        work.ok(&[base.as_slice(), &["--no-charts", "--shard", &shard, "--out", &out]].concat());
    }
    work.ok(&["merge", "--quiet", "--out", "merged", "bare2", "bare1"]);
    assert_same_files(&work.path("whole"), &work.path("merged"), "unsharded vs merged, no charts");
    assert!(!work.path("merged/charts").exists());
    // A shard with charts and one without are shards of different jobs.
    work.ok(&[base.as_slice(), &["--shard", "1/2", "--out", "drawn1"]].concat());
    work.refused(&["merge", "drawn1", "bare2", "--out", "mixed"], 2, &["different jobs", "--no-charts"]);
}

#[test]
fn three_sweep_shards_merged_equal_the_unsharded_sweep_byte_for_byte() {
    let work = small();
    check_sweep_shards(&work, &["chat.max_concurrent=1,2", "groups.front.agents=2,4"], 3);
    let names = files(&work.path("merged-3"));
    for name in ["sweep.csv", "charts/sweep_chat_max_concurrent.svg", "charts/sweep_groups_front_agents.png"] {
        assert!(names.contains_key(Path::new(name)), "{name} missing from the merged sweep");
    }
    assert_eq!(names.len(), 6, "sweep.csv, two charts as SVG and PNG and the marker: {:?}", names.keys());
    // Two points in three shards: the first shard has none.
    check_sweep_shards(&work, &["chat.max_concurrent=1,2"], 3);
}

// ---- what merge refuses ----

/// Runs shards `ks` of 3 of the small scenario into `prefix1`, … with `extra`.
fn shards(work: &Work, prefix: &str, ks: &[u32], extra: &[&str]) {
    let sc = scenario(work);
    for k in ks {
        let (shard, out) = (format!("{k}/3"), format!("{prefix}{k}"));
        let mut args = vec!["run", sc.as_str(), "--quiet", "--no-charts", "--replications", "3"];
        args.extend(["--shard", &shard, "--out", &out]);
        args.extend_from_slice(extra);
        work.ok(&args);
    }
}

#[test]
fn a_missing_or_duplicated_shard_exits_2_and_writes_nothing() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    work.refused(&["merge", "s1", "s3", "--out", "out"], 2, &["shard 2/3 missing"]);
    work.refused(&["merge", "s1", "s2", "s3", "s2", "--out", "out"], 2, &["shard 2/3 is given twice", "s2"]);
    std::fs::create_dir(work.path("copy")).unwrap();
    for f in [".ccsim", "shard.toml", "run.toml", "replications.csv", "wait_histograms.csv"] {
        std::fs::copy(work.path("s3").join(f), work.path("copy").join(f)).unwrap();
    }
    work.refused(&["merge", "s1", "s2", "s3", "copy", "--out", "out"], 2, &["shard 3/3 is given twice", "copy"]);
    assert!(!work.path("out").exists(), "a refused merge leaves no output folder");
}

#[test]
fn shards_of_different_scenarios_or_options_exit_2_and_write_nothing() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    shards(&work, "seed", &[2], &["--seed", "99"]);
    work.refused(&["merge", "s1", "seed2", "s3", "--out", "out"], 2, &["different scenarios", "run.toml"]);
    shards(&work, "perday", &[2], &["--per-day"]);
    work.refused(&["merge", "s1", "perday2", "s3", "--out", "out"], 2, &["different jobs", "--per-day"]);
    let sc = scenario(&work);
    work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "3", "--shard", "2/2", "--out", "half"]);
    work.refused(&["merge", "s1", "half", "--out", "out"], 2, &["different jobs", "split into 3 and into 2"]);
    work.ok(&["sweep", &sc, "--quiet", "--replications", "3", "--set", "groups.front.agents=2,3,4", "--shard", "2/3"]);
    work.refused(&["merge", "s1", "results/small-sweep-shard-2-of-3", "s3", "--out", "out"], 2, &["a run and a sweep"]);
    work.ok(&["run", &sc, "--quiet", "--no-charts", "--replications", "3", "--out", "whole"]);
    work.refused(&["merge", "whole", "--out", "out"], 2, &["whole", "no shard.toml"]);
    assert!(!work.path("out").exists(), "a refused merge leaves no output folder");
}

#[test]
fn a_damaged_shard_file_is_named_and_nothing_is_written() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    let path = work.path("s2/replications.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains(",all,all,all,all,asa,")).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    work.refused(&["merge", "s1", "s2", "s3", "--out", "out"], 2, &["s2/replications.csv was changed", ".ccsim"]);
    reseal(&work.path("s2"));
    work.refused(&["merge", "s1", "s2", "s3", "--out", "out"], 2, &["s2/replications.csv:", "asa"]);
    assert!(!work.path("out").exists());
}

/// Copies the shard folder `from` to `to` (files only: a `--no-charts` shard has no subfolders).
fn copy_shard(work: &Work, from: &str, to: &str) {
    std::fs::create_dir(work.path(to)).unwrap();
    for entry in std::fs::read_dir(work.path(from)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), work.path(to).join(entry.file_name())).unwrap();
    }
}

/// Sets the cell in `column` of the first record of the CSV file `path`
/// that `pick` chooses to `value`, keeping every other byte; returns that
/// record's line number. The folder's marker is sealed again.
fn set_cell(path: &Path, pick: impl Fn(&csv::StringRecord) -> bool, column: &str, value: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let col = reader.headers().unwrap().iter().position(|h| h == column).unwrap();
    let record = reader.records().map(Result::unwrap).find(|r| pick(r)).expect("a record to edit");
    let line = record.position().unwrap().line();
    let mut cells: Vec<&str> = record.iter().collect();
    cells[col] = value;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[line as usize - 1] = cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    reseal(path.parent().unwrap()); // so that the value itself is what is checked
    line
}

/// A whole-run row of `replications.csv` of replication `rep`: scope `all`, metric `metric`.
fn whole(rep: &'static str, metric: &'static str) -> impl Fn(&csv::StringRecord) -> bool {
    move |r| r[0] == *rep && (&r[1], &r[2], &r[3], &r[4], &r[5]) == ("all", "all", "all", "all", metric)
}

#[test]
fn a_damaged_value_in_replications_csv_exits_2_naming_file_line_metric_and_value() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    // (metric, bad value, what the message says is expected)
    let cases = [
        ("asa", "NaN", "seconds"),
        ("answered", "", "always defined"),
        ("abandoned", "-7", "a whole number"),
        ("asa", "1e308", "seconds"),
        ("offered", "1e308", "a whole number"),
        ("offered", "2.5", "a whole number"),
        ("service_level", "5", "a share"),
        ("occupancy", "inf", "a share"),
        ("p_wait", "1.5", "a share"),
        ("wait_mean_all", "-3", "seconds"),
    ];
    for (i, (metric, value, expected)) in cases.into_iter().enumerate() {
        let bad = format!("bad{i}");
        copy_shard(&work, "s2", &bad);
        let line = set_cell(&work.path(&bad).join("replications.csv"), whole("2", metric), "value", value);
        let stderr = work.refused(
            &["merge", "s1", &bad, "s3", "--out", "out"],
            2,
            &[&format!("replications.csv:{line}:7:"), &format!("all,all,{metric}"), &format!("{value:?}"), expected],
        );
        assert!(stderr.contains(&bad), "the shard folder is named: {stderr}");
        assert!(!work.path("out").exists(), "a refused merge leaves no output folder ({metric} = {value:?})");
    }
    // an empty cell where the metric can be undefined (no waits of follow-ups) is fine
    work.ok(&["merge", "s1", "s2", "s3", "--quiet", "--out", "out"]);
}

#[test]
fn an_edited_wait_histogram_count_exits_2_naming_both_files() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    copy_shard(&work, "s2", "big");
    set_cell(&work.path("big/wait_histograms.csv"), |r| &r[1] == "skill", "count", "100000");
    work.refused(
        &["merge", "s1", "big", "s3", "--out", "out"],
        2,
        &["wait_histograms.csv", "replication 2", "scope skill,", "add up to", "replications.csv", "answered"],
    );
    copy_shard(&work, "s3", "neg");
    set_cell(&work.path("neg/wait_histograms.csv"), |r| &r[1] == "all", "count", "-1");
    work.refused(&["merge", "s1", "s2", "neg", "--out", "out"], 2, &["wait_histograms.csv:2:7:", "count \"-1\""]);
    assert!(!work.path("out").exists());
}

/// Replications are numbered from 1 in every file, as days are (issue 18):
/// shard 2 of 3 replications holds replication 2; merge refuses a
/// replication 0 or one of another shard, naming the numbers it expects.
#[test]
fn shards_number_their_replications_from_1_and_merge_refuses_any_other() {
    let work = small();
    shards(&work, "s", &[1, 2, 3], &[]);
    let numbers = |file: &str| -> std::collections::BTreeSet<String> {
        rows(&work.path("s2").join(file)).into_iter().map(|r| r["replication"].clone()).collect()
    };
    for file in ["replications.csv", "wait_histograms.csv"] {
        assert_eq!(numbers(file).into_iter().collect::<Vec<_>>(), ["2"], "{file}");
    }
    let manifest = std::fs::read_to_string(work.path("s2/shard.toml")).unwrap();
    assert!(manifest.contains("numbered from 1; this shard covers items `from` + 1 to `to`"), "{manifest}");
    assert!(manifest.contains("from = 1\nto = 2\n"), "{manifest}");

    copy_shard(&work, "s2", "zero");
    let line = set_cell(&work.path("zero/replications.csv"), |_| true, "replication", "0");
    let at = format!("replications.csv:{line}:1:");
    work.refused(&["merge", "s1", "zero", "s3", "--out", "out"], 2, &[&at, "expected a replication number (from 1)"]);
    copy_shard(&work, "s2", "other");
    set_cell(&work.path("other/wait_histograms.csv"), |_| true, "replication", "1");
    work.refused(
        &["merge", "s1", "other", "s3", "--out", "out"],
        2,
        &["wait_histograms.csv:2:1:", "replication 1: expected one of this shard's replications (2)"],
    );
    assert!(!work.path("out").exists());
}

#[test]
fn an_edited_sweep_csv_value_exits_2_naming_file_line_metric_and_value() {
    let work = small();
    let sc = scenario(&work);
    let set = "groups.front.agents=2,3";
    for k in 1..=2 {
        let (shard, out) = (format!("{k}/2"), format!("w{k}"));
        work.ok(&["sweep", &sc, "--quiet", "--replications", "3", "--set", set, "--shard", &shard, "--out", &out]);
    }
    let row = |metric: &'static str| move |r: &csv::StringRecord| (&r[2], &r[4]) == ("all", metric);
    // (metric, column, bad value, what the message says)
    let cases = [
        ("service_level", "mean", "5", "expected a share"),
        ("asa", "mean", "NaN", "expected a number"),
        ("asa", "mean", "-7", "expected seconds"),
        ("offered", "mean", "1e308", "mean count"),
        ("asa", "mean", "", "mean is empty"),
        ("aht", "mean", "1", "outside its 95% interval"),
        ("aht", "ci95_low", "100000", "above ci95_high"),
        ("abandoned", "stdev", "", "must be numbers"),
    ];
    for (i, (metric, column, value, says)) in cases.into_iter().enumerate() {
        let bad = format!("bad{i}");
        copy_shard(&work, "w2", &bad);
        let line = set_cell(&work.path(&bad).join("sweep.csv"), row(metric), column, value);
        let at = format!("sweep.csv:{line}:");
        let metric = format!("all,all,{metric}");
        work.refused(&["merge", "w1", &bad, "--out", "out"], 2, &[&bad, &at, &metric, value, says]);
        assert!(!work.path("out").exists(), "a refused merge leaves no output folder ({metric} {column} = {value:?})");
    }
    work.ok(&["merge", "w1", "w2", "--quiet", "--out", "out"]);
}

#[test]
fn a_malformed_shard_exits_2_naming_the_option_and_its_form() {
    let work = small();
    let sc = scenario(&work);
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "", "2/3/4"] {
        work.refused(&["run", &sc, "--quiet", "--shard", bad, "--out", "out"], 2, &["--shard", "K/N"]);
        work.refused(
            &["sweep", &sc, "--quiet", "--set", "chat.max_concurrent=1,2", "--shard", bad, "--out", "out"],
            2,
            &["--shard", "K/N"],
        );
    }
    assert!(!work.path("out").exists());
    assert!(!work.path("results").exists());
}
