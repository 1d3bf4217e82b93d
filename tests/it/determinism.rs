//! The same scenario and seed give byte-identical files, whatever the
//! number of threads; another seed gives other results.

use std::path::{Path, PathBuf};

fn run(out: &Path, extra: &[&str]) {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/retail-weekday.toml");
    assert_cmd::Command::cargo_bin("ccsim")
        .unwrap()
        .args(["run", scenario, "--quiet", "--trace", "--replications", "6", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().into(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn same_seed_gives_byte_identical_files_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    run(&a, &["--threads", "1"]);
    run(&b, &["--threads", "2"]);
    run(&c, &["--threads", "2"]);
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    let names: Vec<_> = fa.iter().map(|f| f.0.to_string_lossy().into_owned()).collect();
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
