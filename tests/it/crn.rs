//! Common random numbers (DESIGN.md §2.1): the same seed gives the same
//! customers — arrival times and every sampled attribute — whatever the
//! staffing or the rule probabilities, because each customer draws from
//! its own streams in a fixed order.

use crate::common::{RETAIL, edited, rows, run_to};
use std::collections::BTreeMap;
use std::path::Path;

/// The first segment of each chat: (reason, arrival, handle, patience) by chat id.
type Customers = BTreeMap<u64, (String, String, String, String)>;

fn run(dir: &Path, name: &str, scenario: &str) -> Customers {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, scenario).unwrap();
    let out = dir.join(name);
    run_to(&file, &out, &["--trace", "--replications", "2"]);
    let mut customers = Customers::new();
    for row in rows(&out.join("chats.csv")) {
        if row["kind"] == "new" {
            let id: u64 = row["chat"].parse().unwrap();
            let rep: u64 = row["replication"].parse().unwrap();
            let customer =
                (row["reason"].clone(), row["arrival"].clone(), row["handle"].clone(), row["patience"].clone());
            assert!(customers.insert(rep << 32 | id, customer).is_none(), "chat {id} twice");
        }
    }
    customers
}

fn retail() -> String {
    std::fs::read_to_string(RETAIL).unwrap()
}

fn edit(text: &str, from: &str, to: &str) -> String {
    edited(text, &[(from, to)])
}

#[test]
fn the_same_customers_arrive_whatever_the_staffing() {
    let dir = tempfile::tempdir().unwrap();
    let base = run(dir.path(), "base", &retail());
    let fewer = edit(
        &retail(),
        r#"{ start = "08:00", end = "16:30", agents = 20 }"#,
        r#"{ start = "08:00", end = "16:30", agents = 12 }"#,
    );
    let cut = run(dir.path(), "cut", &fewer);
    assert!(base.len() > 3000);
    assert_eq!(base, cut, "customers differ between the two staffings");
}

#[test]
fn the_same_customers_arrive_whatever_the_transfer_probability() {
    let dir = tempfile::tempdir().unwrap();
    let base = run(dir.path(), "base", &retail());
    let more = edit(&retail(), r#"transfer = { p = 0.05, to = "tech" }"#, r#"transfer = { p = 0.5, to = "tech" }"#);
    let changed = run(dir.path(), "more", &more);
    assert_eq!(base, changed, "customers differ between the two transfer probabilities");
}

#[test]
fn changing_the_staffing_changes_the_outcomes() {
    // Guards the two tests above: they compare customers, not results, so
    // the runs must really differ in what happened to them.
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read(dir.path().join(name).join("chats.csv")).unwrap();
    run(dir.path(), "base", &retail());
    let fewer = edit(
        &retail(),
        r#"{ start = "08:00", end = "16:30", agents = 20 }"#,
        r#"{ start = "08:00", end = "16:30", agents = 12 }"#,
    );
    run(dir.path(), "cut", &fewer);
    assert_ne!(read("base"), read("cut"));
}
