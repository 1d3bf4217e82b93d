//! A hostile user's tries at making ccsim lose data (issue 12): every output
//! folder it would replace, every name that would lead elsewhere, every
//! interruption. Each runs in a temporary folder full of decoy files that must
//! survive byte for byte; none ever targets `/` (the refusal of `/` is tested
//! on the path, through `check_target`).

use crate::common::*;
use std::path::Path;

/// One hour, a handful of chats: fast enough to run many times.
const TINY: &str = r#"
name = "tiny"

[simulation]
start = "09:00"
end = "10:00"
replications = 2

[[reasons]]
name = "billing"
skill = "billing"
rate = "60/h"
handle = "exponential(mean=4m)"

[[groups]]
name = "front"
skills = ["billing"]
agents = 4
"#;

/// A working folder with the tiny scenario and decoys: files a user keeps
/// beside their scenarios, in the folder itself and in subfolders.
fn decoys() -> Work {
    Work::new()
        .with("tiny.toml", TINY)
        .with("notes.txt", "my notes\n")
        .with("data/history.csv", "id,reason\n1,billing\n")
        .with("results/earlier/summary.csv", "made by hand\n")
}

#[test]
fn out_naming_the_current_folder_or_a_parent_is_refused_and_nothing_is_touched() {
    let work = decoys();
    std::fs::create_dir(work.path("sub")).unwrap();
    for out in [".", "sub/..", "./", "data/..", ".."] {
        work.refused(&["run", "tiny.toml", "--quiet", "--out", out], 2, &["the current folder or a folder above it"]);
    }
    let absolute = work.root().display().to_string();
    work.refused(&["run", "tiny.toml", "--quiet", "--out", &absolute], 2, &["--out results/NAME"]);
}

#[test]
fn the_root_folder_is_refused_by_its_path() {
    let e = ccsim::report::check_target(Path::new("/")).unwrap_err();
    assert!(e.to_string().contains("the root folder"), "{e}");
    assert!(matches!(e, ccsim::report::OutputError::Refused(_)));
    for path in ["/..", "/tmp/.."] {
        assert!(ccsim::report::check_target(Path::new(path)).is_err(), "{path}");
    }
}

#[test]
fn the_home_folder_is_refused() {
    let work = decoys();
    let home = work.path("data").display().to_string();
    let out = work.command().env("HOME", &home).args(["run", "tiny.toml", "--quiet", "--out", &home]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the home folder"));
    assert_eq!(std::fs::read_to_string(work.path("data/history.csv")).unwrap(), "id,reason\n1,billing\n");
}

#[test]
fn a_folder_ccsim_did_not_write_is_refused_for_every_command() {
    let work = decoys();
    let marker = "no .ccsim marker";
    work.refused(&["run", "tiny.toml", "--quiet", "--out", "data"], 2, &["output folder data", marker, "--out"]);
    work.refused(&["run", "tiny.toml", "--quiet", "--out", "results/earlier"], 2, &[marker]);
    work.refused(&["staff", "tiny.toml", "--quiet", "--out", "data"], 2, &[marker]);
    work.refused(&["sweep", "tiny.toml", "--quiet", "--set", "groups.front.agents=3,4", "--out", "data"], 2, &[marker]);
    work.refused(&["run", "tiny.toml", "--quiet", "--out", "notes.txt"], 2, &["exists and is not a folder"]);
    // The default folder results/tiny is refused the same way.
    work.write("results/tiny/keep.txt", "mine");
    work.refused(&["run", "tiny.toml", "--quiet"], 2, &["results/tiny", marker]);
}

#[test]
fn a_folder_of_ccsim_holding_a_file_of_the_users_is_refused() {
    let work = decoys();
    work.ok(&["run", "tiny.toml", "--quiet", "--out", "out"]);
    work.write("out/my-analysis.xlsx", "precious");
    work.refused(&["run", "tiny.toml", "--quiet", "--out", "out"], 2, &["my-analysis.xlsx", "did not write"]);
}

#[test]
fn ccsim_replaces_its_own_folder_whole_and_an_empty_one() {
    let work = decoys();
    work.ok(&["run", "tiny.toml", "--quiet", "--trace", "--out", "out"]);
    assert!(work.path("out/chats.csv").exists());
    work.ok(&["run", "tiny.toml", "--quiet", "--no-charts", "--out", "out"]);
    assert!(!work.path("out/chats.csv").exists(), "the old run is replaced whole, not overlaid");
    assert!(work.path("out/.ccsim").exists());
    std::fs::create_dir(work.path("empty")).unwrap();
    work.ok(&["run", "tiny.toml", "--quiet", "--no-charts", "--out", "empty"]);
    let hidden = temporaries(&work);
    assert!(hidden.is_empty(), "no temporary or old folder is left: {hidden:?}");
}

#[test]
fn a_scenario_name_that_is_not_a_plain_file_name_is_refused() {
    let work = decoys();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("keep.txt"), "outside").unwrap();
    let abs = outside.path().display().to_string();
    for name in ["..", ".", "../escape", "a/b", abs.as_str(), ".hidden", "", "x\\y", &"n".repeat(101)] {
        work.write("bad.toml", &TINY.replace("name = \"tiny\"", &format!("name = {name:?}")));
        work.refused(&["run", "bad.toml", "--quiet"], 2, &["bad.toml", "name", "plain file name"]);
        std::fs::remove_file(work.path("bad.toml")).unwrap();
    }
    assert_eq!(std::fs::read_to_string(outside.path().join("keep.txt")).unwrap(), "outside");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
    work.write("ok.toml", &TINY.replace("name = \"tiny\"", "name = \"Week_12.v2-a\""));
    work.ok(&["run", "ok.toml", "--quiet", "--no-charts"]);
    assert!(work.path("results/Week_12.v2-a/summary.csv").exists());
}

#[test]
fn merge_of_shards_whose_run_toml_names_a_parent_is_refused() {
    let work = decoys();
    for k in 1..=2 {
        work.ok(&["run", "tiny.toml", "--quiet", "--shard", &format!("{k}/2"), "--out", &format!("s{k}")]);
    }
    for k in 1..=2 {
        let path = work.path(&format!("s{k}/run.toml"));
        let text = std::fs::read_to_string(&path).unwrap().replace("name = \"tiny\"", "name = \"..\"");
        std::fs::write(&path, text).unwrap();
    }
    work.refused(&["merge", "s1", "s2", "--quiet"], 2, &["s1/run.toml was changed"]);
    reseal(&work.path("s1"));
    reseal(&work.path("s2"));
    work.refused(&["merge", "s1", "s2", "--quiet"], 2, &["name", "plain file name"]);
}

#[test]
fn an_output_folder_that_cannot_be_made_is_an_environment_error_naming_the_path() {
    let work = decoys();
    work.refused(&["run", "tiny.toml", "--quiet", "--out", "notes.txt/out"], 3, &["cannot write notes.txt"]);
}

/// Starts a long run into `out`, waits for its temporary folder, sends
/// `signal` and returns the exit status.
#[cfg(unix)]
fn interrupt(work: &Work, out: &str, signal: &str) -> std::process::ExitStatus {
    let long = TINY.replace("end = \"10:00\"", "end = \"10:00\"\ndays = 20000").replace("replications = 2", "");
    work.write("long.toml", &long);
    let exe = assert_cmd::cargo::cargo_bin("ccsim");
    let mut child = std::process::Command::new(exe)
        .current_dir(work.root())
        .args(["run", "long.toml", "--quiet", "--replications", "200", "--threads", "1", "--out", out])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while temporaries(work).is_empty() {
        assert!(started.elapsed().as_secs() < 30, "the run made no temporary folder");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(started.elapsed().as_secs() < 60);
    status
}

/// The hidden temporary and old folders ccsim makes in the working folder.
fn temporaries(work: &Work) -> Vec<String> {
    std::fs::read_dir(work.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".ccsim-"))
        .collect()
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_the_temporary_folder_and_keep_the_previous_results() {
    let work = decoys();
    work.ok(&["run", "tiny.toml", "--quiet", "--out", "out"]);
    let before = files(&work.path("out"));
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let status = interrupt(&work, "out", signal);
        assert_eq!(status.code(), Some(code), "{signal}");
        assert_eq!(temporaries(&work), Vec::<String>::new(), "{signal}");
        assert!(files(&work.path("out")) == before, "{signal}: the previous results are intact");
    }
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_a_temporary_folder_that_the_next_run_removes() {
    use std::os::unix::process::ExitStatusExt;
    let work = decoys();
    let status = interrupt(&work, "out", "-KILL");
    assert_eq!(status.signal(), Some(9));
    assert_eq!(temporaries(&work).len(), 1, "kill -9 cannot be caught");
    work.ok(&["run", "tiny.toml", "--quiet", "--no-charts", "--out", "other"]);
    assert_eq!(temporaries(&work), Vec::<String>::new(), "the next run into the same folder removed it");
    assert!(!work.path("out").exists());
}

/// A full disk: a 64 KiB tmpfs, mounted where the machine allows it (root,
/// as in CI); elsewhere the test says so and passes.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_environment_error_naming_the_folder_and_leaves_nothing() {
    let work = decoys();
    let full = work.path("full");
    std::fs::create_dir(&full).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&full)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("note: cannot mount a small tmpfs here (not root?); the full-disk case is not checked");
        return;
    }
    let out = work.ccsim(&["run", "tiny.toml", "--quiet", "--trace", "--out", "full/out"]);
    let listed: Vec<_> = std::fs::read_dir(&full).unwrap().map(|e| e.unwrap().file_name()).collect();
    std::process::Command::new("umount").arg(&full).status().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write the output folder full/out"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(listed.is_empty(), "nothing is left on the full disk: {listed:?}");
}
