//! Staff's trials resume from a paused run instead of re-simulating from
//! the start (docs/design.md §5.2). Two things make that exact, and each is
//! checked here on every bundled scenario:
//!
//! - the [`Judge`] counts each interval's queue outcomes as they are
//!   decided, to the same figures (bit for bit) as the collector's records;
//! - a trial resumed at an interval's start (a cloned, restaffed run)
//!   judges that interval exactly as a whole run of the same staffing does.
//!
//! And end to end: `staff --trials resume` and `--trials restart` write
//! byte-identical folders.

use crate::common::{STAFF_SMALL, ccsim, edited, root};
use ccsim::analytic::warnings::scheduled_agents;
use ccsim::engine::SimTime;
use ccsim::jobs::run::{self, RunOptions};
use ccsim::jobs::trials::{Mode, Trials};
use ccsim::model::{Center, peak};
use ccsim::scenario::{DayProfiles, Scenario, Staffing};
use ccsim::stats::{Judge, Metric, Scope, SegmentKind, metric_labels};
use std::path::Path;
use std::sync::Arc;

/// Every bundled scenario (and the small staffing one), with `reps` replications.
fn bundled(reps: u32) -> Vec<Scenario> {
    let mut paths: Vec<_> = std::fs::read_dir(root("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.push(root(STAFF_SMALL));
    paths
        .iter()
        .map(|p| {
            let mut sc = ccsim::scenario::load(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            sc.simulation.replications = reps;
            sc
        })
        .collect()
}

/// A judge for `sc` counting every skill apart (as staff does for per-skill goals).
fn judge(sc: &Scenario) -> Judge {
    let (sim, sl) = (&sc.simulation, &sc.service_level);
    Judge::new(sim.interval_length(), sim.days, sl.threshold, sl.short_abandon, sc.skills.len())
}

#[test]
fn the_judge_counts_every_interval_as_the_collector_does_even_with_larger_pools() {
    for sc in bundled(2) {
        let opts = RunOptions { replications: 2, seed: sc.simulation.seed, threads: 1, trace: false, per_day: true };
        let layout = run::layout(&sc, true);
        let labels = metric_labels(&layout, &run::scope_names(&sc));
        let at = |m: Metric| labels.iter().position(|l| l.scope == Scope::All && l.metric == m).unwrap();
        let (sl, ab) = (at(Metric::ServiceLevel(SegmentKind::New)), at(Metric::AbandonRate(SegmentKind::New)));
        let skill_sl: Vec<usize> = (0..sc.skills.len())
            .map(|s| {
                let key = &sc.skills[s];
                let m = Metric::ServiceLevel(SegmentKind::New);
                labels.iter().position(|l| l.scope == Scope::Skill && &l.key == key && l.metric == m).unwrap()
            })
            .collect();
        let staffing: Arc<[Staffing]> = sc.groups.iter().map(|g| g.staffing.clone()).collect();
        // Pools far above the peak: agents who never log in change nothing.
        let pools: Vec<u32> = staffing.iter().map(|s| 2 * peak(s, &sc.simulation) + 3).collect();
        for r in 0..2 {
            let rep = run::run_one(&sc, &opts, r);
            let mut c = Center::with_staffing(&sc, Arc::clone(&staffing), &pools, sc.simulation.seed, r, judge(&sc));
            c.start();
            let counts = c.run_while(|_, _| true).expect("the run ends");
            assert_eq!(counts.chats, rep.counts.chats, "{}: chats", sc.name);
            assert_eq!(counts.events, rep.counts.events, "{}: events", sc.name);
            let j = c.observer();
            assert!(!rep.slots.is_empty());
            for (slot, values) in &rep.slots {
                let o = j.outcomes([*slot]);
                assert_eq!(
                    o.service_level().map(f64::to_bits),
                    values[sl].map(f64::to_bits),
                    "{} slot {slot}",
                    sc.name
                );
                assert_eq!(o.abandon_rate().map(f64::to_bits), values[ab].map(f64::to_bits), "{} slot {slot}", sc.name);
                assert_eq!(j.waiting(*slot), 0, "{} slot {slot}: undecided chats at the end", sc.name);
                for (s, &label) in skill_sl.iter().enumerate() {
                    let o = j.outcomes_of([*slot], Some(s));
                    let skill = &sc.skills[s];
                    assert_eq!(
                        o.service_level().map(f64::to_bits),
                        values[label].map(f64::to_bits),
                        "{} {skill} slot {slot}",
                        sc.name
                    );
                }
            }
        }
    }
}

/// `sc`'s staffing as a list per interval of each day (what staff tries).
fn per_interval(sc: &Scenario) -> Vec<Staffing> {
    let sim = &sc.simulation;
    (0..sc.groups.len())
        .map(|g| {
            let days = (0..sim.days)
                .map(|d| (0..sim.open_intervals()).map(|i| scheduled_agents(sc, d, i)[g]).collect())
                .collect();
            Staffing::PerInterval(DayProfiles::per_day(days))
        })
        .collect()
}

/// `staffing` with group `g`'s count on day `d`, interval `i` moved by `by` (not below 0).
fn moved(staffing: &[Staffing], g: usize, d: u32, i: usize, by: i64) -> Arc<[Staffing]> {
    let mut out = staffing.to_vec();
    let Staffing::PerInterval(p) = &staffing[g] else { unreachable!() };
    let mut days = p.profiles().to_vec();
    let n = &mut days[d as usize][i];
    *n = (i64::from(*n) + by).max(0) as u32;
    out[g] = Staffing::PerInterval(DayProfiles::per_day(days));
    out.into()
}

#[test]
fn a_resumed_trial_judges_its_interval_exactly_as_a_whole_run() {
    for sc in bundled(2) {
        let sim = &sc.simulation;
        let staffed: Vec<usize> = (0..sc.groups.len()).collect();
        let base = per_interval(&sc);
        let (mut resumed, mut whole) = (Trials::new(&sc, Mode::Resume), Trials::new(&sc, Mode::Restart));
        let (intervals, last) = (sim.open_intervals(), sim.days - 1);
        // A few intervals, in time order (the first and last days'), each
        // tried one agent up, one down and as it is, as a search does.
        let units = [(0, 0), (0, intervals / 2 + 1), (last, intervals / 3), (last, intervals - 1)];
        let mut tried = 0;
        for (d, i) in units {
            {
                let unit = Trials::unit(&sc, &staffed, &[d], i);
                for (g, by) in [(0, 1), (sc.groups.len() - 1, -1), (0, 0)] {
                    let staffing = moved(&base, g, d, i, by);
                    let r = resumed.judge(&staffing, &unit, 0..2);
                    let w = whole.judge(&staffing, &unit, 0..2);
                    for (a, b) in r.iter().zip(&w) {
                        assert_eq!(
                            a.outcomes(unit.slots.iter().copied()),
                            b.outcomes(unit.slots.iter().copied()),
                            "{}: day {d} interval {i}, group {g} by {by}",
                            sc.name
                        );
                    }
                    tried += 1;
                }
            }
        }
        assert!(!resumed.overran && !whole.overran);
        assert!(tried >= 12, "{}: {tried} trials", sc.name);
    }
}

#[test]
fn a_unit_covers_its_interval_on_each_day_it_stands_for() {
    let sc = &bundled(1)[0];
    let sim = &sc.simulation;
    let unit = Trials::unit(sc, &[0], &[0, 1], 2);
    let spd = sim.intervals_per_day();
    let first = (sim.start / sim.interval) as usize;
    assert_eq!(unit.slots, vec![first + 2, spd + first + 2]);
    assert_eq!(unit.from, SimTime::of_day(0, sim.interval_start(2)));
    assert_eq!(unit.until, SimTime::of_day(1, sim.interval_start(2) + sim.interval));
}

/// `staff` with each way of running trials, into `out/resume` and `out/restart`.
fn staff_both(scenario: &Path, out: &Path, extra: &[&str]) {
    for mode in ["resume", "restart"] {
        let status = ccsim()
            .args(["staff"])
            .arg(scenario)
            .args(["--quiet", "--no-charts", "--trials", mode, "--out"])
            .arg(out.join(mode))
            .args(extra)
            .output()
            .unwrap()
            .status;
        assert!(status.code().is_some_and(|c| c <= 1), "{} --trials {mode}: {status}", scenario.display());
    }
}

/// Every file of two folders, byte for byte (the marker names the version only).
fn assert_same_folders(a: &Path, b: &Path) {
    let files = |p: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    assert_eq!(files(a), files(b));
    for f in files(a) {
        let (x, y) = (std::fs::read(a.join(&f)).unwrap(), std::fs::read(b.join(&f)).unwrap());
        assert!(x == y, "{} differs between {} and {}", f.to_string_lossy(), a.display(), b.display());
    }
}

#[test]
fn staff_resuming_trials_writes_what_staff_restarting_them_writes() {
    let dir = tempfile::tempdir().unwrap();
    // Two days of retail-week (days planned apart, with its CSV files cut
    // to them) and of retail-weekday (one staffing for both days).
    let week = dir.path().join("week");
    std::fs::create_dir_all(week.join("retail-week")).unwrap();
    let text = std::fs::read_to_string(root("scenarios/retail-week.toml")).unwrap();
    std::fs::write(week.join("week.toml"), edited(&text, &[("days = 7", "days = 2")])).unwrap();
    for file in ["forecast.csv", "staffing.csv"] {
        let rows = std::fs::read_to_string(root("scenarios/retail-week").join(file)).unwrap();
        let kept: Vec<&str> = rows
            .lines()
            .enumerate()
            .filter(|(k, l)| *k == 0 || l.starts_with("1,") || l.starts_with("2,"))
            .map(|x| x.1)
            .collect();
        std::fs::write(week.join("retail-week").join(file), kept.join("\n") + "\n").unwrap();
    }
    let text = std::fs::read_to_string(root("scenarios/retail-weekday.toml")).unwrap();
    let weekdays = dir.path().join("weekdays.toml");
    std::fs::write(&weekdays, edited(&text, &[("days = 1", "days = 2")])).unwrap();
    let cases: [(&Path, &[&str]); 4] = [
        (&root(STAFF_SMALL), &[]),
        (&root("scenarios/retail-weekday-realistic.toml"), &["--replications", "2"]),
        (&weekdays, &["--replications", "3"]),
        (&week.join("week.toml"), &["--replications", "3", "--group", "flex", "--confidence", "0.6"]),
    ];
    for (k, (scenario, extra)) in cases.iter().enumerate() {
        let out = dir.path().join(k.to_string());
        staff_both(scenario, &out, extra);
        assert_same_folders(&out.join("resume"), &out.join("restart"));
    }
}
