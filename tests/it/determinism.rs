//! The same scenario and seed give byte-identical files, whatever the
//! number of threads; another seed gives other results.

use crate::common::{RETAIL, files, run_to};
use std::path::Path;

/// Runs the retail scenario, traced, with 6 replications into `out`.
fn run(out: &Path, extra: &[&str]) {
    run_to(RETAIL, out, &[&["--trace", "--replications", "6"], extra].concat());
}

#[test]
fn same_seed_gives_byte_identical_files_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    run(&a, &["--threads", "1"]);
    run(&b, &["--threads", "2"]);
    run(&c, &["--threads", "2"]);
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    let names: Vec<_> = fa.keys().map(|f| f.to_string_lossy().into_owned()).collect();
    for expected in ["chats.csv", "events.csv", "replications.csv", "run.toml", "summary.csv"] {
        assert!(names.contains(&expected.to_string()), "{expected} missing from {names:?}");
    }
    assert!(fa == fb, "1 thread and 2 threads differ");
    assert!(fb == fc, "two runs with 2 threads differ");
}

#[test]
fn another_seed_gives_other_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &["--seed", "1"]);
    run(&b, &["--seed", "2"]);
    let read = |d: &Path| std::fs::read(d.join("summary.csv")).unwrap();
    assert_ne!(read(&a), read(&b));
}
