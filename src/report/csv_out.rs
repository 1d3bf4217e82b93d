//! CSV writers. They only serialize: every number is computed elsewhere.
//! The columns are those of [`super::schema`]; times are seconds from the first day's start.

use super::schema::{
    AGGREGATE_COLUMNS, EVENT_COLUMNS, INTERVAL_COLUMNS, PRECISION_COLUMNS, REPLICATION_COLUMNS, WAIT_HISTOGRAM_COLUMNS,
    chat_columns, sweep_columns,
};
use crate::engine::SimTime;
use crate::model::Trace;
use crate::stats::{Aggregate, Layout, PrecisionCheck, Scope};
use crate::stats::{Replication, Results};
use std::io::{self, Write};
use std::path::Path;

/// A number as written in summaries: integers plainly, others to 6 decimals
/// with trailing zeros trimmed; empty for `None`.
pub fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if !x.is_finite() => String::new(),
        Some(x) if x == x.trunc() && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => {
            let s = format!("{x:.6}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" { "0".into() } else { s.to_string() }
        }
    }
}

/// The CSV writer of every file but `replications.csv` (which is written
/// by hand, the same way): records copied from one such file to another
/// through it keep their bytes.
pub fn csv_writer(path: &Path) -> io::Result<csv::Writer<io::BufWriter<std::fs::File>>> {
    Ok(csv::WriterBuilder::new().from_writer(io::BufWriter::new(std::fs::File::create(path)?)))
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

fn aggregate_fields(r: &Aggregate) -> [String; 5] {
    [
        fmt_num(r.mean),
        fmt_num(r.ci95.map(|c| c.0)),
        fmt_num(r.ci95.map(|c| c.1)),
        fmt_num(r.stdev),
        r.replications.to_string(),
    ]
}

/// One aggregated metric row, after the `prefix` columns.
fn write_aggregate<W: Write>(w: &mut csv::Writer<W>, prefix: &[&str], r: &Aggregate) -> io::Result<()> {
    let fields = aggregate_fields(r);
    let metric = r.metric.to_string();
    let record = prefix
        .iter()
        .copied()
        .chain([r.scope.name(), r.key.as_str(), metric.as_str()])
        .chain(fields.iter().map(String::as_str));
    w.write_record(record).map_err(csv_err)
}

/// `summary.csv`: `scope,key,metric,mean,ci95_low,ci95_high,stdev,replications`.
pub fn write_summary(path: &Path, rows: &[Aggregate]) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(AGGREGATE_COLUMNS).map_err(csv_err)?;
    for r in rows {
        write_aggregate(&mut w, &[], r)?;
    }
    w.flush()
}

/// `intervals.csv`: `day,interval,scope,key,metric,mean,ci95_low,ci95_high,stdev,replications`.
pub fn write_intervals(path: &Path, layout: &Layout, results: &Results) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(INTERVAL_COLUMNS).map_err(csv_err)?;
    for (slot, rows) in &results.intervals {
        let (day, interval) = layout.slot_label(*slot);
        for r in rows {
            write_aggregate(&mut w, &[&day, &interval], r)?;
        }
    }
    w.flush()
}

/// `replications.csv`: `replication,day,interval,scope,key,metric,value` —
/// per replication (numbered from 1), the whole-run rows (`all`, `all`), then each interval's.
pub fn write_replications(path: &Path, layout: &Layout, reps: &[Replication], results: &Results) -> io::Result<()> {
    // Millions of rows: each label's `scope,key,metric` is CSV-encoded once,
    // and rows are written straight to the buffer.
    let encode = |fields: &[&str]| -> io::Result<String> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        w.write_record(fields).map_err(csv_err)?;
        let bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        Ok(String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_string())
    };
    let labels: Vec<String> = results
        .labels
        .iter()
        .map(|l| encode(&[l.scope.name(), &l.key, &l.metric.to_string()]))
        .collect::<io::Result<_>>()?;
    let slots: Vec<String> = results
        .intervals
        .iter()
        .map(|(s, _)| {
            let (day, interval) = layout.slot_label(*s);
            encode(&[&day, &interval])
        })
        .collect::<io::Result<_>>()?;
    let mut w = io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    writeln!(w, "{}", REPLICATION_COLUMNS.join(","))?;
    let row = |w: &mut io::BufWriter<std::fs::File>, r: u32, slot: &str, label: &str, v: Option<f64>| match v
        .filter(|x| x.is_finite())
    {
        Some(x) => writeln!(w, "{r},{slot},{label},{x}"),
        None => writeln!(w, "{r},{slot},{label},"),
    };
    for (k, rep) in reps.iter().enumerate() {
        for (label, v) in labels.iter().zip(&rep.whole) {
            row(&mut w, rep.number(), "all,all", label, *v)?;
        }
        for (slot, values) in slots.iter().zip(&results.slot_values[k]) {
            for (label, v) in labels.iter().zip(values) {
                row(&mut w, rep.number(), slot, label, *v)?;
            }
        }
    }
    w.flush()
}

/// `precision.csv`: `replications,metric,mean,ci95_low,ci95_high,half_width,target,outcome` —
/// each check of `run --precision`: the metric's mean and 95% interval (scope
/// `all`) over the replications run so far, as `summary.csv` would give them,
/// its half-width, the target and what the check decided (`more`, `reached`, `cap`).
pub fn write_precision(path: &Path, checks: &[PrecisionCheck]) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(PRECISION_COLUMNS).map_err(csv_err)?;
    for c in checks {
        w.write_record([
            c.replications.to_string(),
            c.metric.to_string(),
            fmt_num(c.mean),
            fmt_num(c.ci95.map(|ci| ci.0)),
            fmt_num(c.ci95.map(|ci| ci.1)),
            fmt_num(c.half_width),
            c.target.to_string(),
            c.outcome.name().to_string(),
        ])
        .map_err(csv_err)?;
    }
    w.flush()
}

/// `wait_histograms.csv`: `replication,scope,key,bin,wait_from,wait_to,count` —
/// per replication, the waits of answered new chats counted in the fixed bins
/// of the percentile histogram (scope `all`, then each skill; non-empty bins
/// only; bin 0 holds waits of exactly zero). The wait charts pool them.
pub fn write_wait_histograms(path: &Path, skills: &[String], reps: &[Replication]) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(WAIT_HISTOGRAM_COLUMNS).map_err(csv_err)?;
    let scopes: Vec<(&str, &str)> = std::iter::once((Scope::All.name(), "all"))
        .chain(skills.iter().map(|s| (Scope::Skill.name(), s.as_str())))
        .collect();
    for rep in reps {
        let number = rep.number().to_string();
        for ((scope, key), hist) in scopes.iter().zip(&rep.wait_hists) {
            for (bin, from, to, count) in hist.counts() {
                let fields = [
                    &number,
                    *scope,
                    *key,
                    &bin.to_string(),
                    &fmt_num(Some(from)),
                    &fmt_num(Some(to)),
                    &count.to_string(),
                ];
                w.write_record(fields).map_err(csv_err)?;
            }
        }
    }
    w.flush()
}

fn secs(t: SimTime, origin: SimTime) -> String {
    fmt_num(Some(t.secs_since(origin)))
}

/// `chats.csv`: one row per segment of every traced replication (`reps`:
/// its number, from 1, and its trace); with `retrials`, a last column `retry_of`.
pub fn write_chats(
    path: &Path,
    reps: &[(u32, &Trace)],
    origin: SimTime,
    names: &TraceNames,
    retrials: bool,
) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(chat_columns(retrials)).map_err(csv_err)?;
    for (r, trace) in reps {
        for s in &trace.segments {
            let retry_of = retrials.then(|| s.retry_of.map(|c| c.to_string()).unwrap_or_default());
            let row = [
                r.to_string(),
                s.chat.to_string(),
                s.segment.to_string(),
                s.kind.as_str().into(),
                names.reasons[s.reason].clone(),
                names.skills[s.skill].clone(),
                secs(s.arrival, origin),
                s.accepted.map(|t| secs(t, origin)).unwrap_or_default(),
                secs(s.ended, origin),
                s.agent.map(|a| a.to_string()).unwrap_or_default(),
                s.group.map(|g| names.groups[g].clone()).unwrap_or_default(),
                s.outcome.as_str().into(),
                fmt_num(Some(s.wait)),
                fmt_num(Some(s.auth)),
                fmt_num(Some(s.chat_time)),
                fmt_num(Some(s.wrapup)),
                (s.commitment as u8).to_string(),
                (s.counted as u8).to_string(),
                fmt_num(Some(s.handle)),
                fmt_num(Some(s.patience)),
            ];
            w.write_record(row.into_iter().chain(retry_of)).map_err(csv_err)?;
        }
    }
    w.flush()
}

/// `events.csv`: `replication,time,agent,chat,segment,event` (`reps`: each
/// traced replication's number, from 1, and its trace).
pub fn write_events(path: &Path, reps: &[(u32, &Trace)], origin: SimTime) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(EVENT_COLUMNS).map_err(csv_err)?;
    for (r, trace) in reps {
        for e in &trace.events {
            w.write_record([
                r.to_string(),
                secs(e.at, origin),
                e.agent.map(|a| a.to_string()).unwrap_or_default(),
                e.chat.map(|c| c.0.to_string()).unwrap_or_default(),
                e.chat.map(|c| c.1.to_string()).unwrap_or_default(),
                e.event.as_str().into(),
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush()
}

/// Names for the trace's reason, skill and group indices.
pub struct TraceNames {
    pub reasons: Vec<String>,
    pub skills: Vec<String>,
    pub groups: Vec<String>,
}

/// Writes `text` to `path`.
pub fn write_text(path: &Path, text: &str) -> io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(text.as_bytes())
}

/// `sweep.csv`: `point`, one column per swept key, then the summary columns.
/// Points are numbered from `first` (1 for a whole grid; a shard's first point
/// number for a shard).
pub fn write_sweep(
    path: &Path,
    keys: &[&str],
    first: usize,
    points: &[(Vec<String>, Vec<Aggregate>)],
) -> io::Result<()> {
    let mut w = csv_writer(path)?;
    w.write_record(sweep_columns(keys)).map_err(csv_err)?;
    for (i, (values, rows)) in points.iter().enumerate() {
        let point = (first + i).to_string();
        let prefix: Vec<&str> = std::iter::once(point.as_str()).chain(values.iter().map(String::as_str)).collect();
        for r in rows {
            write_aggregate(&mut w, &prefix, r)?;
        }
    }
    w.flush()
}
