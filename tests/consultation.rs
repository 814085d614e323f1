//! The consultation in the record: concerns, the client's answers and decisions, and the
//! volunteer's notes, journalled as observations, come back from a replay into the JSON
//! and every report.

use std::process::Command;

#[test]
fn concerns_answers_and_notes_reach_the_json_and_the_reports() {
    let dir = tempfile::tempdir().expect("tmp");
    let journal = dir.path().join("journal.jsonl");
    let mut text = sweep::session::DEMO_SESSION.to_string();
    for line in [
        r#"{"t":"2026-11-22T10:00:01Z","kind":"concerns","concerns":["untrusted-item","knows-where-i-am"],"by":"VO"}"#,
        r#"{"t":"2026-11-22T10:06:10Z","kind":"answer","finding":"tracker-1","answer":"not-recognised","by":"VO"}"#,
        r#"{"t":"2026-11-22T10:06:20Z","kind":"answer","finding":"tracker-1","decision":"keep-as-evidence","by":"VO"}"#,
        r#"{"t":"2026-11-22T10:06:30Z","kind":"note","text":"Tag found sewn into the lining of the bag.","by":"VO"}"#,
    ] {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(&journal, text).expect("journal");
    let (json, md, html) = (
        dir.path().join("f.json"),
        dir.path().join("r.md"),
        dir.path().join("r.html"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["scan", "--from"])
        .arg(&journal)
        .arg("--json")
        .arg(&json)
        .arg("--report")
        .arg(&md)
        .arg("--report")
        .arg(&html)
        .env("TZ", "UTC")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    let c = &v["consultation"];
    assert_eq!(
        c["concerns"]["concerns"],
        serde_json::json!(["knows-where-i-am", "untrusted-item"])
    );
    let r = &c["responses"]["tracker-1"];
    assert_eq!(r["answer"], "not-recognised");
    assert_eq!(r["decision"], "keep-as-evidence");
    assert_eq!(r["answered_by"], "VO");
    assert_eq!(r["decided_at"], "2026-11-22T10:06:20Z");
    assert_eq!(
        c["notes"][0]["text"],
        "Tag found sewn into the lining of the bag."
    );
    let md = std::fs::read_to_string(&md).expect("md");
    assert!(
        md.contains(
            "## The client's concerns\n\n- Someone knows where I am\n- A gift or item I do not trust"
        ),
        "{md}"
    );
    assert!(
        md.contains("**The client's answer:** the client does not recognise it \\(recorded by VO at 10:06:10 \\+00:00\\)"),
        "{md}"
    );
    assert!(
        md.contains("**The client's decision:** keep as evidence"),
        "{md}"
    );
    assert!(
        md.contains("VO: Tag found sewn into the lining of the bag."),
        "{md}"
    );
    let html = std::fs::read_to_string(&html).expect("html");
    assert!(html.contains("the client does not recognise it"));
    assert!(html.contains("Tag found sewn into the lining of the bag."));
}
