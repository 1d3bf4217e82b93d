//! Every scenario example in the README is valid and runs.

use crate::common::{ccsim, root};

#[test]
fn every_toml_example_in_the_readme_runs() {
    let readme = std::fs::read_to_string(root("README.md")).unwrap();
    let blocks: Vec<&str> = readme.split("```toml\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    assert!(!blocks.is_empty(), "no ```toml example in the README");
    let dir = tempfile::tempdir().unwrap();
    for (i, block) in blocks.iter().enumerate() {
        let file = dir.path().join(format!("example{i}.toml"));
        std::fs::write(&file, block).unwrap();
        ccsim()
            .args(["run", "--quiet", "--no-charts", "--replications", "2"])
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join(format!("out{i}")))
            .assert()
            .success();
        assert!(dir.path().join(format!("out{i}/summary.csv")).exists());
    }
}

#[test]
fn the_readme_lists_exactly_the_exit_codes_of_ccsim_error_exit() {
    use ccsim::error::Exit;
    let readme = std::fs::read_to_string(root("README.md")).unwrap();
    let table = readme.split("### Exit codes").nth(1).expect("no \"Exit codes\" section in the README");
    let listed: Vec<i32> = table
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|row| row.split('|').nth(1).unwrap().split(',').map(|c| c.trim().parse::<i32>().unwrap()))
        .collect();
    let exits = [Exit::Success, Exit::Finding, Exit::Input, Exit::Environment];
    let signals = [libc::SIGINT, libc::SIGTERM].map(Exit::Interrupted);
    let codes: Vec<i32> = exits.into_iter().chain(signals).map(Exit::code).collect();
    assert_eq!(listed, codes);
}
