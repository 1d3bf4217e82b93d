//! The benchmark behind `ccsim bench`: one replication on one thread,
//! timed from the first event to the last, with the process's peak memory.

use crate::jobs::run::{RunOptions, check_finished, run_all, run_one};
use crate::jobs::staff::{Mode, StaffOptions, default_max_replications, staff};
use crate::scenario::{Scenario, ScenarioError};
use std::time::Instant;

/// What one benchmark run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub days: u32,
    pub chats: u64,
    pub events: u64,
    pub seconds: f64,
    /// Peak resident memory of the process, MiB (Linux only).
    pub peak_mib: Option<f64>,
}

impl Measurement {
    pub fn chats_per_sec(&self) -> f64 {
        self.chats as f64 / self.seconds
    }
    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / self.seconds
    }
    /// One line of JSON: the measurement with its rates, `"tool": "ccsim"`
    /// (so that lines of several tools can be mixed), and `peak_mib` null
    /// where it is unknown.
    pub fn to_json(&self) -> String {
        let line = JsonLine {
            tool: "ccsim".into(),
            days: self.days,
            chats: self.chats,
            events: self.events,
            seconds: self.seconds,
            chats_per_sec: self.chats_per_sec(),
            events_per_sec: self.events_per_sec(),
            peak_mib: self.peak_mib,
        };
        serde_json::to_string(&line).unwrap_or_default() // plain numbers and a string: it cannot fail
    }

    /// Reads back a line written by [`Measurement::to_json`].
    pub fn from_json(line: &str) -> Option<Measurement> {
        let j: JsonLine = serde_json::from_str(line).ok()?;
        Some(Measurement { days: j.days, chats: j.chats, events: j.events, seconds: j.seconds, peak_mib: j.peak_mib })
    }
}

/// The JSON form of a [`Measurement`].
#[derive(serde::Serialize, serde::Deserialize)]
struct JsonLine {
    tool: String,
    days: u32,
    chats: u64,
    events: u64,
    seconds: f64,
    chats_per_sec: f64,
    events_per_sec: f64,
    peak_mib: Option<f64>,
}

/// Peak resident memory of this process so far, MiB (`VmHWM`; Linux only).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Runs replication 0 of `sc` over `days` days on this thread, with full
/// statistics and no trace.
pub fn measure(sc: &Scenario, days: u32) -> Result<Measurement, ScenarioError> {
    let mut sc = sc.clone();
    sc.simulation.days = days;
    let opts = RunOptions { replications: 1, seed: sc.simulation.seed, threads: 1, trace: false, per_day: false };
    let started = Instant::now();
    let rep = run_one(&sc, &opts, 0);
    let seconds = started.elapsed().as_secs_f64();
    // A run stopped at its time limit would time less than the scenario asks.
    check_finished(&sc, std::slice::from_ref(&rep))?;
    Ok(Measurement { days, chats: rep.counts.chats, events: rep.counts.events, seconds, peak_mib: peak_memory_mib() })
}

/// What `staff` costs against one run of the same scenario, replications
/// and threads (both in this process, outputs not written, fastest of
/// `repeat` each): the ratio planners wait for, tracked by `ccsim bench`.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRatio {
    pub scenario: String,
    pub replications: u32,
    /// Worker threads used.
    pub threads: usize,
    pub run_seconds: f64,
    pub staff_seconds: f64,
    /// Trials of the staffing search (whole runs included).
    pub trials: u32,
}

impl StaffRatio {
    pub fn ratio(&self) -> f64 {
        self.staff_seconds / self.run_seconds
    }

    /// One line of JSON, `"tool": "ccsim-staff"`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "tool": "ccsim-staff",
            "scenario": self.scenario,
            "replications": self.replications,
            "threads": self.threads,
            "run_seconds": self.run_seconds,
            "staff_seconds": self.staff_seconds,
            "trials": self.trials,
            "ratio": self.ratio(),
        })
        .to_string()
    }
}

/// Times `staff` (every group, the default decisions) and one run of `sc`
/// on `threads` threads (0: all cores).
pub fn measure_staff(sc: &Scenario, threads: usize, repeat: u32) -> Result<StaffRatio, ScenarioError> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let opts = RunOptions::of(sc, threads);
    let (mut run_seconds, mut staff_seconds, mut trials) = (f64::INFINITY, f64::INFINITY, 0);
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let reps = run_all(sc, &opts, &|_| {});
        run_seconds = run_seconds.min(started.elapsed().as_secs_f64());
        check_finished(sc, &reps)?;
        let staff_opts = StaffOptions {
            group: None,
            max_agents: 1000,
            threads,
            confidence: None,
            trials: Mode::Resume,
            max_replications: default_max_replications(sc),
        };
        let started = Instant::now();
        let found = staff(sc, &staff_opts, &|_| {});
        staff_seconds = staff_seconds.min(started.elapsed().as_secs_f64());
        trials = found.trials;
    }
    Ok(StaffRatio {
        scenario: sc.name.clone(),
        replications: sc.simulation.replications,
        threads,
        run_seconds,
        staff_seconds,
        trials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measurement_reads_back_from_its_json() {
        for peak_mib in [Some(12.5), None] {
            let m = Measurement { days: 7, chats: 1_234_567, events: 9_876_543, seconds: 0.4321, peak_mib };
            let line = m.to_json();
            assert!(line.starts_with(r#"{"tool":"ccsim","days":7,"#), "{line}");
            assert_eq!(Measurement::from_json(&line), Some(m));
        }
        assert_eq!(Measurement::from_json("{\"days\": 1}"), None);
    }
}
