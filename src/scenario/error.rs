//! Scenario errors that name the file, the key path and what is expected.

use std::fmt;
use std::path::PathBuf;

/// A scenario that cannot be run.
///
/// Displays as `file:line:column: key: message`, leaving out the position
/// when it is unknown and the key when the error is not about one key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The file at fault: the scenario, or a file it refers to (`arrivals.csv`).
    pub file: PathBuf,
    /// Key path such as `reasons.billing.handle` or `groups.tier1.shifts[1].end`
    /// (a column name for CSV inputs); empty for whole-file errors.
    pub key: String,
    /// The bad value and what is expected.
    pub message: String,
    /// 1-based (line, column), when known.
    pub location: Option<(usize, usize)>,
}

impl ScenarioError {
    /// An error without a position.
    pub fn new(file: impl Into<PathBuf>, key: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError { file: file.into(), key: key.into(), message: message.into(), location: None }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A scenario that cannot be run is bad input (exit code 2).
impl From<ScenarioError> for crate::error::Error {
    fn from(e: ScenarioError) -> Self {
        crate::error::Error::new(crate::error::Kind::Input, e)
    }
}

/// Converts a byte offset in `text` into a 1-based (line, column), counting
/// columns in characters.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let mut e = ScenarioError::new("scenarios/x.toml", "reasons.billing.handle", "expected a duration");
        assert_eq!(e.to_string(), "scenarios/x.toml: reasons.billing.handle: expected a duration");
        e.location = Some((12, 5));
        assert_eq!(e.to_string(), "scenarios/x.toml:12:5: reasons.billing.handle: expected a duration");
        e.key.clear();
        assert_eq!(e.to_string(), "scenarios/x.toml:12:5: expected a duration");
    }

    #[test]
    fn positions() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 4), (1, 5));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 3)); // after the two-byte é
        assert_eq!(line_col(text, 100), (3, 1));
    }
}
