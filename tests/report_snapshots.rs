//! Golden snapshots of the reports from the embedded demo session, run through the binary.

use std::process::Command;

fn scan_demo(dir: &std::path::Path, name: &str) -> String {
    let out = dir.join(name);
    let o = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan",
            "--from",
            "demo/clinic-session.jsonl",
            "--case",
            "DEMO-1",
            "--operator",
            "VO",
            "--report",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(&out).expect("report")
}

#[test]
fn markdown_report_of_the_demo_session() {
    let d = tempfile::tempdir().expect("tmp");
    let md = scan_demo(d.path(), "report.md");
    // Stable parts only: the tool version and signature hashes change with releases.
    let md: String = md
        .lines()
        .map(|l| {
            if l.starts_with("- Tool: ") {
                "- Tool: [version]".to_string()
            } else if l.contains("SHA-256 `") && l.starts_with("- Signatures") {
                format!("{}[sha256]", &l[..l.find("SHA-256").unwrap_or(0)])
            } else if l.starts_with("- Findings JSON SHA-256") {
                "- Findings JSON SHA-256 [sha256]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(md);
}
