//! The layers of the library depend one way (docs/design.md, "Architecture"):
//! every `crate::…` path in a module's code names a layer below its own.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first; a module may use only those before it. `error`
/// (one file, the one error type and the exit codes) is below them all.
const LAYERS: [&str; 9] = ["error", "engine", "scenario", "model", "history", "stats", "analytic", "report", "jobs"];

/// The top-level modules named by `crate::` paths in `code` (comments skipped).
fn uses(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a::b, c};`: each first segment
                let inner = group.split('}').next().unwrap_or_default();
                out.extend(inner.split(',').map(|p| p.trim().split("::").next().unwrap_or_default().to_string()));
            } else {
                out.insert(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        let file = src.join(format!("{layer}.rs"));
        if file.is_file() {
            files.push(file);
        } else {
            rs_files(&src.join(layer), &mut files);
        }
        assert!(!files.is_empty(), "src/{layer}/ holds no code");
        for file in files {
            for used in uses(&std::fs::read_to_string(&file).unwrap()) {
                let Some(to) = LAYERS.iter().position(|l| *l == used) else {
                    panic!("{}: crate::{used} is not a layer of {LAYERS:?}", file.display());
                };
                if to > rank {
                    upward.push(format!("{} uses crate::{used}", file.strip_prefix(&src).unwrap().display()));
                }
            }
        }
    }
    assert!(upward.is_empty(), "upward dependencies:\n  {}", upward.join("\n  "));
}

#[test]
fn the_library_has_no_module_outside_the_layers() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let modules: Vec<&str> =
        lib.lines().filter_map(|l| l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod "))).collect();
    for m in modules {
        assert!(LAYERS.contains(&m.trim_end_matches(';')), "src/lib.rs: module {m} is in no layer");
    }
}

#[test]
fn the_reader_of_uses_finds_paths_and_groups() {
    let code = "use crate::stats::{A, B};\nuse crate::{model::X, engine};\n// crate::jobs in a comment\nlet x = crate::scenario::limits::MAX;";
    let found: Vec<String> = uses(code).into_iter().collect();
    assert_eq!(found, ["engine", "model", "scenario", "stats"]);
}
