//! Progress bars: shown on a terminal, hidden with `--quiet`, in CI (`CI`
//! set), or when stdout or stderr is not a terminal (piped, redirected).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar counting `len` units of `what`, or a hidden one.
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    styled(len, &format!("{{pos}}/{{len}} {what} · {{msg}} · {{elapsed}} elapsed · ETA {{eta}}"), quiet)
}

/// A bar for work whose total is not known at the start (`run --precision`):
/// its length grows (`inc_length`) as work is added, so it shows the work
/// known so far; no ETA, which would be that of the known work alone.
pub fn growing(what: &str, quiet: bool) -> ProgressBar {
    styled(0, &format!("{{pos}}/{{len}} {what} so far · {{msg}} · {{elapsed}} elapsed"), quiet)
}

fn styled(len: u64, counts: &str, quiet: bool) -> ProgressBar {
    let visible = !quiet
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(&format!("{{spinner}} {{bar:30}} {counts}")) {
        pb.set_style(style);
    }
    pb
}
