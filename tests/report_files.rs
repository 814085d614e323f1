//! Report files: every format from one session, golden snapshots (PDF through pdftotext),
//! hostile names inert everywhere, hashes that verify, permissions, no silent overwrite,
//! and an interrupted write that leaves the old file or the new one, never a part.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use sha2::{Digest, Sha256};

fn sweep() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    // Times in the reports are local: fixed here so the snapshots do not depend on the machine.
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env("TZ", "UTC");
    c
}

fn scan(
    from: &std::path::Path,
    reports: &[&std::path::Path],
    extra: &[&str],
) -> std::process::Output {
    let mut c = sweep();
    c.args(["scan", "--case", "C-7", "--from"])
        .arg(from)
        .args(extra);
    for r in reports {
        c.arg("--report").arg(r);
    }
    c.output().expect("runs")
}

/// The PDF's text by pdftotext. Panics when it is missing: the tests that call this are
/// `#[ignore = "needs pdftotext (poppler-utils)"]`.
fn pdftotext(p: &std::path::Path) -> String {
    let o = Command::new("pdftotext")
        .arg("-layout")
        .arg(p)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    assert!(o.status.success(), "pdftotext failed on {}", p.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stable(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.trim_end();
            match l.find("SHA-256") {
                Some(i) if l.contains("Signatures") || l.contains("Findings JSON") => {
                    format!("{}SHA-256 [hash]", &l[..i])
                }
                _ if l.contains("Tool: sweep") || l.contains("Tool:</strong> sweep") => {
                    "Tool: [version]".to_string()
                }
                _ if l.contains("Report generated at") => "Report generated at [time]".to_string(),
                _ if l.contains("SHA-256") && l.contains("Findings JSON") => {
                    "Findings JSON SHA-256 [hash]".to_string()
                }
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_format_from_the_demo_session() {
    let d = tempfile::tempdir().expect("tmp");
    let demo = std::path::Path::new("demo/clinic-session.jsonl");
    let (md, html, pdf, json) = (
        d.path().join("r.md"),
        d.path().join("r.html"),
        d.path().join("r.pdf"),
        d.path().join("r.json"),
    );
    let o = scan(demo, &[&md, &html, &pdf, &json], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for p in [&md, &html, &pdf, &json] {
        assert_eq!(
            std::fs::metadata(p).expect("written").permissions().mode() & 0o777,
            0o600,
            "{}",
            p.display()
        );
    }
    let html_text = std::fs::read_to_string(&html).expect("html");
    assert!(
        html_text.contains("<svg") && html_text.contains("<polyline"),
        "inline SVG plot"
    );
    assert!(
        !html_text.contains("src=\"http")
            && !html_text.contains("href=\"http")
            && !html_text.contains("<script"),
        "self-contained"
    );
    assert!(html_text.contains("@media print"));
    insta::assert_snapshot!("demo_html", stable(&html_text));
    // JSON golden copy (release-dependent values masked).
    let mut jv: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    jv["tool"]["version"] = "[version]".into();
    for s in jv["signatures"].as_array_mut().expect("signatures") {
        s["sha256"] = "[hash]".into();
        s["source"] = "[provenance]".into();
    }
    insta::assert_snapshot!(
        "demo_json",
        serde_json::to_string_pretty(&jv).expect("json")
    );
    // The hashes printed in the reports verify.
    let json_bytes = std::fs::read(&json).expect("json");
    let want = hex::encode(Sha256::digest(&json_bytes));
    let md_text = std::fs::read_to_string(&md).expect("md");
    assert!(
        md_text.contains(&format!("Findings JSON SHA-256 `{want}`")),
        "findings JSON hash in Markdown"
    );
    assert!(html_text.contains(&want), "findings JSON hash in HTML");
    let demo_hash = hex::encode(Sha256::digest(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/demo/clinic-session.jsonl"
        ))
        .expect("demo"),
    ));
    assert!(
        md_text.contains(&demo_hash) && html_text.contains(&demo_hash),
        "input hash"
    );
    for (name, text) in sweep::signatures::EMBEDDED {
        let h = hex::encode(Sha256::digest(text.as_bytes()));
        assert!(md_text.contains(&h), "signature hash of {name}");
    }
    assert!(
        md_text.contains("CC BY 4.0") && html_text.contains("CC BY 4.0"),
        "Echap attribution"
    );
}

/// A recording of Bluetooth adverts with hostile names, written into `d`.
fn hostile_recording(d: &std::path::Path) -> std::path::PathBuf {
    let rec = d.join("hostile.jsonl");
    let names = [
        "<script>alert(1)</script>",
        "[click me](http://evil.example/x)",
        "\u{1b}[31mRED\u{1b}[0m\u{1b}]0;pwned\u{7}",
        "\u{202e}txt.exe",
        &"W".repeat(10_000),
    ];
    let mut lines = String::new();
    for (i, n) in names.iter().enumerate() {
        lines.push_str(&serde_json::json!({"t": "2026-11-22T10:00:00Z", "kind": "ble", "address": format!("C0:FF:EE:00:00:0{i}"), "rssi": -60, "name": n, "services": ["feed"]}).to_string());
        lines.push('\n');
    }
    std::fs::write(&rec, lines).expect("write");
    rec
}

#[test]
fn hostile_names_are_inert_in_every_format() {
    let d = tempfile::tempdir().expect("tmp");
    let rec = hostile_recording(d.path());
    let (md, html, pdf) = (
        d.path().join("h.md"),
        d.path().join("h.html"),
        d.path().join("h.pdf"),
    );
    let o = scan(&rec, &[&md, &html, &pdf], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = std::fs::read_to_string(&md).expect("md");
    let html = std::fs::read_to_string(&html).expect("html");
    for text in [&md, &html] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
            "control characters survived"
        );
        assert!(
            !text.contains(&"W".repeat(2001)),
            "a 10,000-character name was not capped"
        );
    }
    assert!(!html.contains("<script>alert"), "HTML not escaped");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped name missing"
    );
    assert!(!md.contains("[click me](http"), "Markdown link survived");
    assert!(
        md.contains("\\[click me\\]\\(http"),
        "escaped Markdown link missing"
    );
    assert!(!md.contains("<script>"), "raw HTML in Markdown");
}

#[test]
fn never_overwrites_silently_and_an_interrupted_write_leaves_the_old_file() {
    let d = tempfile::tempdir().expect("tmp");
    let out = d.path().join("report.md");
    std::fs::write(&out, "OLD REPORT\n").expect("write");
    let demo = std::path::Path::new("demo/clinic-session.jsonl");
    // Without --overwrite: refused, old file kept.
    let o = scan(demo, &[&out], &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&out).expect("old"), "OLD REPORT\n");
    // Interrupted between writing the new file and the rename, as a crash or SIGKILL would:
    // at that moment the new bytes are complete and synced in a private temporary file
    // beside it, and the report itself is still the old file, whole.
    let new = b"# NEW REPORT\n".repeat(10_000);
    let mut seen = None;
    let e = sweep::report::write_atomic_with(&out, &new, true, |tmp, target| {
        seen = Some((
            std::fs::read(tmp).expect("temporary file"),
            std::fs::metadata(tmp).expect("tmp").permissions().mode() & 0o777,
            tmp.parent() == target.parent(),
            std::fs::read_to_string(target).expect("report"),
        ));
        Err(std::io::Error::other("interrupted before the rename"))
    })
    .expect_err("the interruption is reported");
    assert!(e.to_string().contains("interrupted"), "{e}");
    let (tmp_bytes, tmp_mode, same_folder, report_then) = seen.expect("the last step ran");
    assert!(
        tmp_bytes == new,
        "the new file was complete before the rename"
    );
    assert_eq!(tmp_mode, 0o600);
    assert!(
        same_folder,
        "the temporary file is in the same folder (rename is atomic)"
    );
    assert_eq!(report_then, "OLD REPORT\n");
    assert_eq!(std::fs::read_to_string(&out).expect("old"), "OLD REPORT\n");
    assert_eq!(
        std::fs::read_dir(d.path()).expect("dir").count(),
        1,
        "no temporary file left behind"
    );
    // Then a normal run replaces it with a complete report.
    let o = scan(demo, &[&out], &["--overwrite"]);
    assert_eq!(o.status.code(), Some(0));
    let new = std::fs::read_to_string(&out).expect("new");
    assert!(
        new.starts_with("**Demonstration: invented data, not a real check**")
            && new.contains("# Device check findings")
            && new.contains("Findings JSON SHA-256"),
        "complete report"
    );
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn pdf_text_of_the_demo_session() {
    let d = tempfile::tempdir().expect("tmp");
    let pdf = d.path().join("r.pdf");
    let o = scan(
        std::path::Path::new("demo/clinic-session.jsonl"),
        &[&pdf],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("Page 1 of"), "page numbers");
    assert!(text.contains("Before acting") && text.contains("What this check cannot tell"));
    assert!(text.contains("Apple AirTag: this tracker moved with the client"));
    insta::assert_snapshot!("demo_pdf_text", stable(&text));
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn hostile_names_are_plain_text_in_the_pdf() {
    let d = tempfile::tempdir().expect("tmp");
    let rec = hostile_recording(d.path());
    let pdf = d.path().join("h.pdf");
    let o = scan(&rec, &[&pdf], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = pdftotext(&pdf);
    assert!(!text.contains('\u{1b}'), "escape in PDF text");
    assert!(
        text.contains("<script>alert(1)</script>"),
        "the PDF shows the name as plain text"
    );
}
