//! One schema for each CSV file ccsim writes and reads back: its columns,
//! said once here (the writers in `csv_out` write them, the readers here
//! check them), and a row type parsed from each line. `merge` and `compare`
//! read ccsim's own files only through here, so a renamed column cannot
//! drift between writer and reader, and every error reads alike: the file,
//! line and column, the bad value and what is expected (bad input: exit
//! code 2).

use crate::stats::{AGGREGATE_VALUE_COLUMNS, Aggregate, AggregateValues, Metric, Scope};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The columns of an aggregated metric row (`summary.csv`), and the last
/// columns of `intervals.csv` and `sweep.csv`.
pub const AGGREGATE_COLUMNS: [&str; 8] =
    ["scope", "key", "metric", "mean", "ci95_low", "ci95_high", "stdev", "replications"];

/// The columns of `intervals.csv`: the slot, then [`AGGREGATE_COLUMNS`].
pub const INTERVAL_COLUMNS: [&str; 10] =
    ["day", "interval", "scope", "key", "metric", "mean", "ci95_low", "ci95_high", "stdev", "replications"];

/// The columns of `replications.csv`.
pub const REPLICATION_COLUMNS: [&str; 7] = ["replication", "day", "interval", "scope", "key", "metric", "value"];

/// The columns of `precision.csv` (`run --precision`): one row per check.
pub const PRECISION_COLUMNS: [&str; 8] =
    ["replications", "metric", "mean", "ci95_low", "ci95_high", "half_width", "target", "outcome"];

/// The columns of `wait_histograms.csv`.
pub const WAIT_HISTOGRAM_COLUMNS: [&str; 7] = ["replication", "scope", "key", "bin", "wait_from", "wait_to", "count"];

/// The columns of `chats.csv`.
pub const CHAT_COLUMNS: [&str; 20] = [
    "replication",
    "chat",
    "segment",
    "kind",
    "reason",
    "skill",
    "arrival",
    "accepted",
    "ended",
    "agent",
    "group",
    "outcome",
    "wait",
    "auth",
    "chat_time",
    "wrapup",
    "commitment",
    "counted",
    "handle",
    "patience",
];

/// The columns of `chats.csv` for a scenario: with retrials (some reason's
/// `retry`), [`CHAT_COLUMNS`] and then `retry_of`, the chat number of a
/// retry's previous attempt (empty for a first attempt).
pub fn chat_columns(retrials: bool) -> Vec<&'static str> {
    let extra: &[&'static str] = if retrials { &["retry_of"] } else { &[] };
    CHAT_COLUMNS.iter().chain(extra).copied().collect()
}

/// The columns of `events.csv`.
pub const EVENT_COLUMNS: [&str; 6] = ["replication", "time", "agent", "chat", "segment", "event"];

/// The columns of `sweep.csv`: `point`, one column per swept key, then [`AGGREGATE_COLUMNS`].
pub fn sweep_columns<'a>(keys: &[&'a str]) -> Vec<&'a str> {
    ["point"].into_iter().chain(keys.iter().copied()).chain(AGGREGATE_COLUMNS).collect()
}

/// A file of ccsim's that does not read back as ccsim writes it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ReadError {
    pub path: PathBuf,
    /// 1-based line, when the fault is in one.
    pub line: Option<u64>,
    /// 1-based column, when the fault is in one cell.
    pub column: Option<usize>,
    /// The bad value (with its column's name) and what is expected.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// A CSV file of ccsim's being read: its header checked, then row by row.
pub struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    columns: Vec<String>,
    record: csv::StringRecord,
}

impl CsvFile {
    /// Opens `path` and checks that its header is exactly `columns`.
    pub fn open(path: &Path, columns: &[&str]) -> Result<CsvFile, ReadError> {
        let error = |line, message| ReadError { path: path.to_path_buf(), line, column: None, message };
        let mut reader = csv::Reader::from_path(path).map_err(|e| error(None, format!("cannot read it: {e}")))?;
        let header = reader.headers().map_err(|e| error(Some(1), e.to_string()))?;
        if !header.iter().eq(columns.iter().copied()) {
            let found: Vec<&str> = header.iter().collect();
            return Err(error(
                Some(1),
                format!("expected the columns {}, found {}", columns.join(","), found.join(",")),
            ));
        }
        let columns = columns.iter().map(|c| c.to_string()).collect();
        Ok(CsvFile { path: path.to_path_buf(), reader, columns, record: csv::StringRecord::new() })
    }

    /// The next row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, ReadError> {
        let more = self.reader.read_record(&mut self.record).map_err(|e| {
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("expected {expected_len} fields, found {len}")
                }
                _ => e.to_string(),
            };
            ReadError { path: self.path.clone(), line: e.position().map(|p| p.line()), column: None, message }
        })?;
        let line = self.record.position().map_or(0, |p| p.line());
        Ok(more.then_some(Row { file: self, line }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One line of a [`CsvFile`].
pub struct Row<'a> {
    file: &'a CsvFile,
    line: u64,
}

impl<'a> Row<'a> {
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The cell in column `i` (0-based).
    pub fn cell(&self, i: usize) -> &'a str {
        self.file.record.get(i).unwrap_or_default()
    }

    /// The record as read, to be written out again unchanged.
    pub fn record(&self) -> &'a csv::StringRecord {
        &self.file.record
    }

    /// An error in column `i` (0-based); `message` names the value and what is expected.
    pub fn error(&self, i: usize, message: impl Into<String>) -> ReadError {
        ReadError { path: self.file.path.clone(), line: Some(self.line), column: Some(i + 1), message: message.into() }
    }

    /// The cell in column `i` parsed; else an error naming the column and
    /// value and saying what is `expected`.
    pub fn parse<T: FromStr>(&self, i: usize, expected: &str) -> Result<T, ReadError> {
        let cell = self.cell(i);
        cell.parse().map_err(|_| self.error(i, format!("{} {cell:?}: expected {expected}", self.file.columns[i])))
    }

    /// A replication's number: a whole number from 1 (replications are
    /// numbered from 1 in files, as days are).
    pub fn replication(&self, i: usize) -> Result<u32, ReadError> {
        self.parse::<u32>(i, "a replication number (from 1)").and_then(|n| match n {
            0 => Err(self.error(i, format!("{} 0: expected a replication number (from 1)", self.file.columns[i]))),
            n => Ok(n),
        })
    }

    fn scope(&self, i: usize) -> Result<Scope, ReadError> {
        self.parse(i, "all, reason, skill or group")
    }

    fn metric(&self, i: usize) -> Result<Metric, ReadError> {
        self.parse(i, "a metric of ccsim (docs/design.md §3)")
    }

    /// The aggregated row in [`AGGREGATE_COLUMNS`] from column `at` on,
    /// checked as [`AggregateValues`] of its metric's kind.
    fn aggregate(&self, at: usize) -> Result<Aggregate, ReadError> {
        let (scope, key, metric) = (self.scope(at)?, self.cell(at + 1), self.metric(at + 2)?);
        let cells = std::array::from_fn(|i| self.cell(at + 3 + i));
        let values = AggregateValues::read(cells, metric.kind())
            .map_err(|e| self.error(at + 3 + e.column, format!("{scope},{key},{metric}: {}", e.message)))?;
        debug_assert_eq!(AGGREGATE_VALUE_COLUMNS.len(), cells.len());
        Ok(Aggregate {
            scope,
            key: key.to_string(),
            metric,
            mean: values.mean,
            ci95: values.ci95,
            stdev: values.stdev,
            replications: values.replications as usize,
        })
    }
}

/// Reads `summary.csv`: every row an [`Aggregate`], each (scope, key,
/// metric) once, at least one row.
pub fn read_summary(path: &Path) -> Result<Vec<Aggregate>, ReadError> {
    let mut file = CsvFile::open(path, &AGGREGATE_COLUMNS)?;
    let mut rows = Vec::new();
    let mut seen = HashMap::new();
    while let Some(row) = file.next_row()? {
        let a = row.aggregate(0)?;
        if let Some(earlier) = seen.insert((a.scope, a.key.clone(), a.metric), row.line()) {
            let message = format!("{},{},{}: a second row; line {earlier} already gives it", a.scope, a.key, a.metric);
            return Err(row.error(0, message));
        }
        rows.push(a);
    }
    if rows.is_empty() {
        return Err(ReadError { path: path.to_path_buf(), line: None, column: None, message: "no rows".into() });
    }
    Ok(rows)
}

/// A row of `replications.csv`: one metric's value in one replication,
/// over the whole run (`day` and `interval` both `all`) or in one slot.
pub struct ReplicationRow<'a> {
    /// The replication's number, from 1.
    pub replication: u32,
    pub day: &'a str,
    pub interval: &'a str,
    pub scope: Scope,
    pub key: &'a str,
    pub metric: Metric,
    /// Checked against the metric's kind: empty only where the metric can
    /// be undefined, else a value it can take.
    pub value: Option<f64>,
}

impl<'a> ReplicationRow<'a> {
    /// Column indices, for errors about a row's place rather than a value.
    pub const DAY: usize = 1;
    pub const SCOPE: usize = 3;

    pub fn read(row: &Row<'a>) -> Result<ReplicationRow<'a>, ReadError> {
        let replication = row.replication(0)?;
        let (scope, key, metric) = (row.scope(3)?, row.cell(4), row.metric(5)?);
        let kind = metric.kind();
        let cell = row.cell(6);
        let value = match cell {
            "" if !kind.always_defined() => None,
            _ => Some(cell.parse::<f64>().ok().filter(|v| kind.admits(*v)).ok_or_else(|| {
                let never_empty = if cell.is_empty() { " (it is always defined: never empty)" } else { "" };
                let expected = kind.expected(false);
                row.error(6, format!("{scope},{key},{metric}: value {cell:?}: expected {expected}{never_empty}"))
            })?),
        };
        Ok(ReplicationRow { replication, day: row.cell(1), interval: row.cell(2), scope, key, metric, value })
    }
}

/// A row of `wait_histograms.csv`: one bin's count of waits in one
/// replication and scope (`wait_from` and `wait_to` follow from the bin).
pub struct WaitHistogramRow<'a> {
    /// The replication's number, from 1.
    pub replication: u32,
    pub scope: Scope,
    pub key: &'a str,
    pub bin: usize,
    pub count: u32,
}

impl<'a> WaitHistogramRow<'a> {
    pub fn read(row: &Row<'a>) -> Result<WaitHistogramRow<'a>, ReadError> {
        Ok(WaitHistogramRow {
            replication: row.replication(0)?,
            scope: row.scope(1)?,
            key: row.cell(2),
            bin: row.parse(3, "a bin number")?,
            count: row.parse(6, "a count")?,
        })
    }
}

/// A point of `sweep.csv`: its number, its value of each swept key, and
/// its rows (as in `summary.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub point: u32,
    pub values: Vec<String>,
    pub rows: Vec<Aggregate>,
}

/// Reads `sweep.csv` of a sweep over `keys`: its points in file order,
/// each row checked as in `summary.csv`, a point's rows together and with
/// the same values.
pub fn read_sweep(path: &Path, keys: &[&str]) -> Result<Vec<SweepPoint>, ReadError> {
    let mut file = CsvFile::open(path, &sweep_columns(keys))?;
    let mut points: Vec<SweepPoint> = Vec::new();
    while let Some(row) = file.next_row()? {
        let point: u32 = row.parse(0, "a point number")?;
        let values: Vec<&str> = (1..=keys.len()).map(|i| row.cell(i)).collect();
        let aggregate = row.aggregate(1 + keys.len())?;
        if let Some(p) = points.last_mut()
            && p.point == point
        {
            if let Some(i) = p.values.iter().zip(&values).position(|(a, b)| a != b) {
                let message =
                    format!("{} {:?}: expected {:?}, as in point {point}'s first row", keys[i], values[i], p.values[i]);
                return Err(row.error(1 + i, message));
            }
            p.rows.push(aggregate);
            continue;
        }
        if points.iter().any(|p| p.point == point) {
            return Err(row.error(0, format!("point {point}: expected its rows together")));
        }
        let values = values.iter().map(|v| v.to_string()).collect();
        points.push(SweepPoint { point, values, rows: vec![aggregate] });
    }
    Ok(points)
}
