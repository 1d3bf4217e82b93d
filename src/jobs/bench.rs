//! The benchmark behind `ccsim bench`: one replication on one thread,
//! timed from the first event to the last, with the process's peak memory.

use crate::jobs::run::{RunOptions, run_one};
use crate::scenario::Scenario;
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
    /// One line of JSON.
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"tool":"ccsim","days":{},"chats":{},"events":{},"seconds":{:.4},"chats_per_sec":{:.0},"events_per_sec":{:.0},"peak_mib":{}}}"#,
            self.days,
            self.chats,
            self.events,
            self.seconds,
            self.chats_per_sec(),
            self.events_per_sec(),
            self.peak_mib.map_or("null".to_string(), |m| format!("{m:.1}"))
        )
    }
    /// Reads back a line written by [`Measurement::to_json`].
    pub fn from_json(line: &str) -> Option<Measurement> {
        let field = |name: &str| -> Option<&str> {
            let start = line.find(&format!("\"{name}\":"))? + name.len() + 3;
            let rest = &line[start..];
            Some(rest[..rest.find([',', '}'])?].trim())
        };
        Some(Measurement {
            days: field("days")?.parse().ok()?,
            chats: field("chats")?.parse().ok()?,
            events: field("events")?.parse().ok()?,
            seconds: field("seconds")?.parse().ok()?,
            peak_mib: field("peak_mib")?.parse().ok(),
        })
    }
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
pub fn measure(sc: &Scenario, days: u32) -> Measurement {
    let mut sc = sc.clone();
    sc.simulation.days = days;
    let opts = RunOptions { replications: 1, seed: sc.simulation.seed, threads: 1, trace: false, per_day: false };
    let started = Instant::now();
    let rep = run_one(&sc, &opts, 0);
    let seconds = started.elapsed().as_secs_f64();
    Measurement { days, chats: rep.counts.chats, events: rep.counts.events, seconds, peak_mib: peak_memory_mib() }
}
