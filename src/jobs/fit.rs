//! `fit`: a scenario estimated from a center's history.

use crate::analytic::calibrate::{self, Calibration};
use crate::history::{self, History, ReadOptions};
use crate::scenario::ScenarioError;
use std::path::Path;

/// What `fit` reads.
#[derive(Debug, Clone)]
pub struct FitOptions {
    pub read: ReadOptions,
    /// `agents.csv`: logged-in spans, else staffing is estimated.
    pub agents: Option<std::path::PathBuf>,
    /// Interval length, seconds (900, 1800 or 3600, as a scenario takes).
    pub interval: u32,
}

/// A history and the center estimated from it.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub history: History,
    pub calibration: Calibration,
}

/// Reads the history (and agents) and estimates the center. A history in
/// which nobody was ever answered has no handle time to fit: an input error.
pub fn fit(path: &Path, options: &FitOptions) -> Result<Fitted, ScenarioError> {
    let history = history::read_history(path, &options.read)?;
    let agents = options.agents.as_deref().map(|a| history::read_agents(a, &options.read.map)).transpose()?;
    if !history.segments.iter().any(|s| s.answered.is_some()) {
        return Err(ScenarioError::new(
            path,
            "answered",
            "no segment in the period was answered: there is no conversation time to fit; \
             expected some rows with an answered time",
        ));
    }
    let calibration = calibrate::calibrate(&history, agents.as_ref(), options.interval);
    Ok(Fitted { history, calibration })
}
