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
