//! The README's Slurm recipe (README.md, "Running on many machines", the
//! **Slurm.** paragraph), run as printed against a real scheduler: the
//! array-job script and the submission block are read out of README.md,
//! submitted from a temp folder with the built `ccsim` on the PATH, and the
//! folder the `afterok` merge job writes is byte-identical, every file, to
//! the same run unsharded.
//!
//! CI starts a one-node cluster first (`scripts/slurm-up`, called by
//! `.ci/run`). Elsewhere, without `sbatch` or without a cluster that
//! answers, the test says so on stderr and passes; with `CI` set it fails.

use crate::common::*;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// How long the array job and the merge job may take together, queueing
/// included (they take about 10 s on the CI machine).
const PATIENCE: Duration = Duration::from_secs(300);

/// The ```sh blocks of the README's **Slurm.** paragraph, as printed: those
/// between it and the next paragraph led in bold or the next heading.
fn slurm_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(root("README.md")).unwrap();
    let start = readme.find("\n**Slurm.**").expect("README.md has no paragraph starting \"**Slurm.**\"") + 1;
    let rest = &readme[start..];
    let end = ["\n**", "\n## ", "\n### "].iter().filter_map(|m| rest[1..].find(m)).min().map_or(rest.len(), |e| e + 1);
    rest[..end].split("```sh\n").skip(1).map(|b| b.split("```").next().unwrap().to_string()).collect()
}

/// Why the test cannot reach a Slurm cluster, if it cannot: `sbatch` is
/// missing, no controller answers, or its node is not up.
fn no_cluster() -> Option<String> {
    let run = |program: &str, args: &[&str]| -> Option<Output> {
        assert_cmd::Command::new(program).args(args).timeout(Duration::from_secs(30)).output().ok()
    };
    let Some(version) = run("sbatch", &["--version"]) else {
        return Some("sbatch is not installed (Debian: apt-get install slurm-wlm munge)".into());
    };
    if !version.status.success() {
        return Some(format!("sbatch --version failed: {}", String::from_utf8_lossy(&version.stderr)));
    }
    let ping = run("scontrol", &["ping"]);
    let said = ping.as_ref().map(|p| String::from_utf8_lossy(&p.stdout).lines().next().unwrap_or("").to_string());
    let said = said.unwrap_or_default();
    if !ping.is_some_and(|p| p.status.success()) || !said.contains("is UP") {
        return Some(format!(
            "no Slurm controller answers (scontrol ping: {:?}); start one with scripts/slurm-up",
            said.trim()
        ));
    }
    let nodes =
        run("sinfo", &["-h", "-o", "%T"]).map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let up = ["idle", "mixed", "allocated", "completing"];
    if !nodes.lines().any(|state| up.iter().any(|u| state.starts_with(u))) {
        return Some(format!("no Slurm node is up (sinfo says {:?}); start one with scripts/slurm-up", nodes.trim()));
    }
    None
}

/// Each record of `scontrol show job -o ID` (one per array task) as its
/// `Key=Value` fields; empty when Slurm no longer knows the job.
fn jobs(id: &str) -> Vec<Vec<(String, String)>> {
    let out = std::process::Command::new("scontrol").args(["show", "job", "-o", id]).output().expect("scontrol runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|record| {
            record
                .split_whitespace()
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn field<'a>(job: &'a [(String, String)], key: &str) -> &'a str {
    job.iter().find(|(k, _)| k == key).map_or("?", |(_, v)| v)
}

/// Cancels the submitted jobs when the test ends, so that a failed or timed
/// out run leaves nothing queued (a no-op for finished jobs).
struct Submitted(Vec<String>);

impl Drop for Submitted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("scancel").args(&self.0).output();
    }
}

/// What Slurm says of the jobs and what they printed, for a failure message.
fn diagnosis(work: &Path, ids: &[String]) -> String {
    let mut text = String::new();
    for id in ids {
        for job in jobs(id) {
            let keys = ["JobId", "ArrayTaskId", "JobName", "JobState", "Reason", "ExitCode", "Dependency"];
            let shown: Vec<String> = keys.iter().map(|k| format!("{k}={}", field(&job, k))).collect();
            text += &format!("  {}\n", shown.join(" "));
        }
    }
    let mut outs: Vec<_> = std::fs::read_dir(work).unwrap().map(|e| e.unwrap().path()).collect();
    outs.retain(|p| p.extension().is_some_and(|e| e == "out"));
    outs.sort();
    for out in outs {
        let printed = std::fs::read_to_string(&out).unwrap_or_default();
        text += &format!("--- {}:\n{printed}", out.file_name().unwrap().to_string_lossy());
    }
    text
}

/// The arguments of the script's `ccsim run` command, less those that only
/// say how and where a shard runs (`--threads`, `--shard`, `--out`): what
/// the same run takes unsharded.
fn unsharded_args(script: &str) -> Vec<String> {
    let joined = script.replace("\\\n", " ");
    let line =
        joined.lines().map(str::trim).find(|l| l.starts_with("ccsim run ")).expect("the script has no `ccsim run`");
    let words: Vec<&str> = line.split_whitespace().skip(1).collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "--threads" | "--shard" | "--out" => i += 2,
            word => {
                assert!(!word.contains(['$', '"', '\'']), "unexpected shell word {word:?} in the script's `ccsim run`");
                args.push(word.to_string());
                i += 1;
            }
        }
    }
    args
}

#[test]
fn the_readme_slurm_recipe_merges_to_the_unsharded_run_on_a_real_cluster() {
    let blocks = slurm_blocks();
    assert_eq!(
        blocks.len(),
        2,
        "expected the array-job script and the submission block after **Slurm.**, found {blocks:?}"
    );
    let (script, submit) = (&blocks[0], &blocks[1]);
    let script_name = submit
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || "._-".contains(c))))
        .find(|w| w.ends_with(".sbatch"))
        .expect("the submission block submits no .sbatch file");
    assert!(script.contains(&format!("# {script_name}")), "the script block does not say it is {script_name}");
    let merged = submit
        .split("ccsim merge")
        .nth(1)
        .and_then(|m| m.split("--out").nth(1))
        .and_then(|m| m.split_whitespace().next())
        .map(|m| m.trim_matches(['\'', '"']))
        .expect("the submission block has no `ccsim merge … --out DIR`");

    if let Some(why) = no_cluster() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but the README's Slurm recipe cannot run: {why}");
        }
        eprintln!("note: the README's Slurm recipe was not run: {why}");
        return;
    }

    let work = Work::new().with(script_name, script);
    std::os::unix::fs::symlink(root("scenarios"), work.path("scenarios")).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ccsim")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();

    // The submission block as printed; then the array job's id, for waiting on it.
    let started = Instant::now();
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &format!("{submit}\necho \"array job ${{jobid:?}}\"\n")])
        .current_dir(work.root())
        .env("PATH", &path)
        .output()
        .expect("bash runs");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the README's submission block failed ({:?}):\n{said}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let id_after = |prefix: &str| {
        let line = said.lines().find(|l| l.starts_with(prefix));
        line.map(|l| l[prefix.len()..].trim().to_string()).unwrap_or_else(|| panic!("no {prefix:?} in {said:?}"))
    };
    let (array, merge) = (id_after("array job "), id_after("Submitted batch job "));
    let submitted = Submitted(vec![array.clone(), merge.clone()]);

    loop {
        let states = jobs(&merge);
        let job = states.first().unwrap_or_else(|| {
            panic!("Slurm no longer knows the merge job {merge}:\n{}", diagnosis(work.root(), &submitted.0))
        });
        match (field(job, "JobState"), field(job, "Reason")) {
            ("COMPLETED", _) => break,
            ("PENDING", "DependencyNeverSatisfied") => {
                panic!("a shard failed, so the merge job never starts:\n{}", diagnosis(work.root(), &submitted.0))
            }
            ("PENDING" | "CONFIGURING" | "RUNNING" | "COMPLETING", _) => {}
            (state, _) => panic!("the merge job ended {state}:\n{}", diagnosis(work.root(), &submitted.0)),
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the jobs were not done after {} s:\n{}",
            PATIENCE.as_secs(),
            diagnosis(work.root(), &submitted.0)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let took = started.elapsed();
    let tasks = jobs(&array);
    assert!(tasks.len() > 1, "the array job ran {} task(s):\n{}", tasks.len(), diagnosis(work.root(), &submitted.0));
    assert!(
        tasks.iter().all(|t| field(t, "JobState") == "COMPLETED"),
        "not every array task completed:\n{}",
        diagnosis(work.root(), &submitted.0)
    );
    eprintln!("slurm: {} array tasks and the merge job done in {:.1} s", tasks.len(), took.as_secs_f64());

    let mut args = unsharded_args(script);
    args.extend(["--out".to_string(), "unsharded".to_string()]);
    work.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_files(
        &work.path("unsharded"),
        &work.path(merged),
        "the Slurm recipe's merge against the unsharded run",
    );
}
