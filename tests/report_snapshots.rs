//! Golden snapshots of the reports from the embedded demo session, run through the binary.

use std::process::Command;

mod support;
use support::run::{scan_demo, succeeds};

/// The demo session's report written to `out` (its format from the extension).
fn demo_report(out: &std::path::Path) {
    succeeds(
        scan_demo()
            // Times in the reports are local: fixed so the snapshots do not depend on the machine.
            .env("TZ", "UTC")
            .args(["--case", "DEMO-1", "--operator", "VO", "--report"])
            .arg(out),
    );
}

fn demo_report_text(dir: &std::path::Path, name: &str) -> String {
    let out = dir.join(name);
    demo_report(&out);
    std::fs::read_to_string(&out).expect("report")
}

#[test]
fn markdown_report_of_the_demo_session() {
    let d = tempfile::tempdir().expect("tmp");
    let md = demo_report_text(d.path(), "report.md");
    // Stable parts only: the tool version and signature hashes change with releases.
    let md: String = md
        .lines()
        .map(|l| {
            if l.starts_with("- Tool: ") {
                "- Tool: [version]".to_string()
            } else if l.starts_with("Tool: ") {
                "Tool: [version]".to_string()
            } else if l.starts_with("Report generated at ") {
                "Report generated at [time]".to_string()
            } else if l.starts_with("Findings JSON SHA-256") {
                "Findings JSON SHA-256 [sha256]".to_string()
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

/// Release-dependent values masked: the tool and signature versions, hashes that depend
/// on them, and when the report was made.
fn mask_first_page(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim();
            if t.contains("Report generated at") {
                "Report generated at [time]".to_string()
            } else if t.contains("Tool:") && t.contains("sweep") {
                "Tool: [versions]".to_string()
            } else if t.contains("Findings JSON") {
                "Findings JSON SHA-256 [sha256]".to_string()
            } else {
                l.trim_end().to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn first_page_in_markdown() {
    let d = tempfile::tempdir().expect("tmp");
    let md = demo_report_text(d.path(), "report.md");
    // The first page ends at the second rule (after the versions and hashes).
    let end = md
        .match_indices("\n---\n")
        .nth(1)
        .map(|(i, _)| i)
        .expect("first page ends with a rule");
    insta::assert_snapshot!(mask_first_page(&md[..end]));
}

#[test]
fn first_page_in_html() {
    let d = tempfile::tempdir().expect("tmp");
    let html = demo_report_text(d.path(), "report.html");
    let start = html
        .find("<section class=\"first-page\">")
        .expect("first page");
    let end = start + html[start..].find("</section>").expect("end of first page");
    insta::assert_snapshot!(mask_first_page(&html[start..end]));
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn first_page_in_pdf() {
    let d = tempfile::tempdir().expect("tmp");
    let out = d.path().join("report.pdf");
    demo_report(&out);
    let t = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8", "-f", "1", "-l", "1"])
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(t.status.success());
    insta::assert_snapshot!(mask_first_page(&String::from_utf8_lossy(&t.stdout)));
}
