//! Progress bars: shown on a terminal, hidden with `--quiet`, in CI (`CI`
//! set), or when stdout or stderr is not a terminal (piped, redirected).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar counting `len` units of `what`, or a hidden one.
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let visible = !quiet
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    let template =
        format!("{{spinner}} {{bar:30}} {{pos}}/{{len}} {what} · {{msg}} · {{elapsed}} elapsed · ETA {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style);
    }
    pb
}
