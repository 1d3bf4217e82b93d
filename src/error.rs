//! The one error type of ccsim, whose kind says whose fault it is, and every
//! exit code in one table (docs/design.md §4; the README's "Exit codes").
//!
//! Each layer keeps its own descriptive error (`ScenarioError`,
//! `OutputError`, `CompareError`, ...): they carry the file, the key path
//! and the advice. Each converts into [`Error`] by a `From` beside its
//! definition, which decides once whether the input or the environment is
//! at fault, so `?` carries it to the command line and `main` asks one
//! question: [`Error::exit`]. This module sits below every layer, so that
//! each can name it.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// Every exit code of ccsim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done; also when the reader of the output went away (`| head`).
    Success,
    /// 1: a finding, not an error: a regression (`compare`), a staffing
    /// target out of reach (`staff`), a precision not reached within
    /// `--max-replications` (`run --precision`). The files are still written.
    Finding,
    /// 2: bad input, nothing written ([`Kind::Input`]).
    Input,
    /// 3: the environment failed ([`Kind::Environment`]).
    Environment,
    /// 128 + the signal, as a shell reports a process killed by it: 130
    /// for SIGINT, 143 for SIGTERM. The folder being written is removed.
    Interrupted(i32),
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Finding => 1,
            Exit::Input => 2,
            Exit::Environment => 3,
            Exit::Interrupted(signal) => 128 + signal,
        }
    }
}

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The input: a scenario or a file it names, a flag, a limit or the
    /// memory budget, an output folder ccsim may not replace, a folder to
    /// read that ccsim did not write or that changed since, shards that do
    /// not belong together.
    Input,
    /// The machine: a disk full, a permission refused, a folder that cannot
    /// be made (the message names the path).
    Environment,
}

impl Kind {
    /// The exit code of an error of this kind.
    pub fn exit(self) -> Exit {
        match self {
            Kind::Input => Exit::Input,
            Kind::Environment => Exit::Environment,
        }
    }
}

/// An error of ccsim: the layer's own error (with the context added on its
/// way up), and whose fault it is.
///
/// Displays as the outermost message; [`Error::chain`] gives it and then
/// each cause, as `main` prints them (`error: ...`, `  caused by: ...`).
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    error: Box<dyn StdError + Send + Sync + 'static>,
}

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// `error` (a layer's error, or a message) as an error of `kind`.
    pub fn new(kind: Kind, error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Error {
        Error { kind, error: error.into() }
    }

    /// Bad input that needs no type of its own (a flag out of range).
    pub fn input(message: impl Into<String>) -> Error {
        Error::new(Kind::Input, message.into())
    }

    /// A failure of the machine that needs no type of its own.
    pub fn environment(message: impl Into<String>) -> Error {
        Error::new(Kind::Environment, message.into())
    }

    /// Whose fault it is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The exit code: 0 when the reader of the output went away (a broken
    /// pipe is how `| head` says it has read enough), else that of the kind.
    pub fn exit(&self) -> Exit {
        if self.is_broken_pipe() { Exit::Success } else { self.kind.exit() }
    }

    /// True when writing to a pipe whose reader had gone failed.
    pub fn is_broken_pipe(&self) -> bool {
        self.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
    }

    /// The error with `message` above it (what was being done when it
    /// happened); its kind stays.
    pub fn context(self, message: impl fmt::Display) -> Error {
        Error { kind: self.kind, error: Box::new(Context { message: message.to_string(), source: self.error }) }
    }

    /// The message and then each cause, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let first: &(dyn StdError + 'static) = &*self.error;
        std::iter::successors(Some(first), |&e| e.source())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.error.source()
    }
}

/// Reading and writing files and streams: the machine is at fault. (Readers
/// of input files turn their I/O errors into the layer's input errors
/// before this.)
impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::new(Kind::Environment, e)
    }
}

/// A message above the error it explains.
#[derive(Debug)]
struct Context {
    message: String,
    source: Box<dyn StdError + Send + Sync + 'static>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Context {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// Context for a failed result: `write().with_context(|| cannot_write(&dir))`.
pub trait ResultExt<T> {
    /// The error, if any, with `message` above it.
    fn context(self, message: impl fmt::Display) -> Result<T>;
    /// The error, if any, with the message `f` makes above it.
    fn with_context<M: fmt::Display>(self, f: impl FnOnce() -> M) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.into().context(message))
    }

    fn with_context<M: fmt::Display>(self, f: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| e.into().context(f()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_runs_from_the_context_to_the_root_cause() {
        let e = Error::from(io::Error::other("disk full")).context("cannot write out/summary.csv");
        let chain: Vec<String> = e.chain().map(|e| e.to_string()).collect();
        assert_eq!(chain, ["cannot write out/summary.csv", "disk full"]);
        assert_eq!(e.to_string(), "cannot write out/summary.csv");
        assert_eq!(e.kind(), Kind::Environment);
    }

    #[test]
    fn context_keeps_the_kind() {
        let e = Error::input("--threads: expected at most 1024, got 2000").context("in the sweep");
        assert_eq!(e.exit(), Exit::Input);
        assert_eq!(e.exit().code(), 2);
    }

    #[test]
    fn a_broken_pipe_is_success_even_under_context() {
        let e: Result<()> = Err(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing the table");
        assert_eq!(e.unwrap_err().exit(), Exit::Success);
    }

    #[test]
    fn the_codes_are_those_of_the_readme() {
        let codes: Vec<i32> = [Exit::Success, Exit::Finding, Exit::Input, Exit::Environment]
            .into_iter()
            .chain([Exit::Interrupted(2), Exit::Interrupted(15)])
            .map(Exit::code)
            .collect();
        assert_eq!(codes, [0, 1, 2, 3, 130, 143]);
    }
}
