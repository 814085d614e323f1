//! `sweep cases`: list case folders with their time range and findings count; delete one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::case::cases_root;
use crate::observation::Timestamp;
use crate::sources::Stop;

/// Ctrl-C ends a headless scan cleanly: the sources stop, the journal is synced and reports are written.
pub fn stop_on_ctrl_c(stop: Stop) {
    let _ = ctrlc::set_handler(move || stop.stop());
}

/// One case folder as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSummary {
    pub name: String,
    pub path: PathBuf,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    /// Findings in findings.json; `None` when the check never finished (journal only).
    pub findings: Option<usize>,
    pub journal_lines: u64,
    /// Demonstration data (`sweep demo` exports), never a real case.
    pub demo: bool,
    /// Checks that did not run as asked (from findings.json's `scan.coverage`).
    pub not_checked: Vec<String>,
}

impl CaseSummary {
    /// "complete", "incomplete (Bluetooth trackers not run as asked)", "demo" or
    /// "not finished".
    pub fn status(&self) -> String {
        if self.demo {
            "demo (invented data)".into()
        } else if self.findings.is_none() {
            "not finished".into()
        } else if self.not_checked.is_empty() {
            "complete".into()
        } else {
            format!(
                "incomplete ({} not run as asked)",
                self.not_checked.join(", ")
            )
        }
    }
}

#[derive(Deserialize)]
struct FindingsHead {
    scan: ScanHead,
    findings: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct ScanHead {
    started: Option<Timestamp>,
    ended: Option<Timestamp>,
    #[serde(default)]
    demo: bool,
    #[serde(default)]
    coverage: Option<Vec<CoverageHead>>,
}

#[derive(Deserialize)]
struct CoverageHead {
    check: crate::observation::Check,
    status: crate::engine::coverage::CoverageStatus,
}

#[derive(Deserialize)]
struct TimeOnly {
    t: Timestamp,
}

/// Summarise one case folder from its findings.json, else its journal.
pub fn summarise(dir: &Path) -> CaseSummary {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut s = CaseSummary {
        name,
        path: dir.to_path_buf(),
        started: None,
        ended: None,
        findings: None,
        journal_lines: 0,
        demo: false,
        not_checked: Vec::new(),
    };
    if let Ok(f) = std::fs::File::open(dir.join("journal.jsonl")) {
        for line in BufReader::new(f).lines().map_while(Result::ok) {
            if let Ok(r) = serde_json::from_str::<TimeOnly>(&line) {
                s.journal_lines += 1;
                s.started = Some(s.started.map_or(r.t, |x| x.min(r.t)));
                s.ended = Some(s.ended.map_or(r.t, |x| x.max(r.t)));
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("findings.json"))
        && let Ok(h) = serde_json::from_str::<FindingsHead>(&text)
    {
        s.findings = Some(h.findings.len());
        s.started = h.scan.started.or(s.started);
        s.ended = h.scan.ended.or(s.ended);
        s.demo = h.scan.demo;
        match h.scan.coverage {
            Some(c) => {
                s.not_checked = c
                    .iter()
                    .filter(|c| c.status != crate::engine::coverage::CoverageStatus::Complete)
                    .map(|c| c.check.plain_name().to_string())
                    .collect()
            }
            // Written before sweep recorded what was checked: nothing says it was complete.
            None => s.not_checked = vec!["unknown: made by an older sweep".into()],
        }
    }
    s
}

/// Every case folder under `root`, oldest first.
pub fn list_cases(root: &Path) -> Vec<CaseSummary> {
    let Ok(rd) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| summarise(d)).collect()
}

pub fn command(delete: Option<&str>) -> u8 {
    let root = cases_root();
    match delete {
        Some(name) => delete_case(&root, name),
        None => {
            let cases = list_cases(&root);
            if cases.is_empty() {
                println!("No case folders in {}.", root.display());
            }
            for c in cases {
                let fmt = |t: Option<Timestamp>| {
                    t.map_or("-".to_string(), |t| {
                        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
                    })
                };
                let findings = match c.findings {
                    Some(n) => format!(
                        "{}  {}",
                        c.status(),
                        crate::report::view::plural(n, "finding", "findings")
                    ),
                    None => format!(
                        "not finished ({} observations recorded; replay with: sweep scan --from {})",
                        c.journal_lines,
                        c.path.join("journal.jsonl").display()
                    ),
                };
                println!(
                    "{}  {} to {}  {}",
                    c.name,
                    fmt(c.started),
                    fmt(c.ended),
                    findings
                );
            }
            0
        }
    }
}

fn delete_case(root: &Path, name: &str) -> u8 {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        eprintln!("sweep: {name:?} is not a case folder name (see `sweep cases`)");
        return 2;
    }
    let dir = root.join(name);
    if !dir.is_dir() {
        eprintln!("sweep: no case folder {name:?} in {}", root.display());
        return 2;
    }
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {
            println!("Deleted {}", dir.display());
            0
        }
        Err(e) => {
            eprintln!("sweep: cannot delete {}: {e}", dir.display());
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_finished_and_crashed_cases() {
        let root = tempfile::tempdir().expect("tmp");
        let done = root.path().join("20261122T100000Z-A1");
        std::fs::create_dir(&done).expect("dir");
        std::fs::write(
            done.join("findings.json"),
            r#"{"scan":{"started":"2026-11-22T10:00:00Z","ended":"2026-11-22T10:20:00Z","coverage":[{"check":"bluetooth","status":"complete"},{"check":"phone-traffic","status":"not-run"}]},"findings":[{},{}]}"#,
        )
        .expect("write");
        let crashed = root.path().join("20261122T110000Z-B2");
        std::fs::create_dir(&crashed).expect("dir");
        std::fs::write(
            crashed.join("journal.jsonl"),
            "{\"t\":\"2026-11-22T11:00:00Z\",\"kind\":\"place\"}\n{\"t\":\"2026-11-22T11:05:00Z\",\"kind\":\"place\"}\n{\"t\":\"2026-11",
        )
        .expect("write");
        let cases = list_cases(root.path());
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].findings, Some(2));
        assert_eq!(
            cases[0].status(),
            "incomplete (Phone traffic not run as asked)"
        );
        assert_eq!(cases[1].status(), "not finished");
        assert_eq!(
            cases[0].ended.map(|t| t.to_rfc3339()),
            Some("2026-11-22T10:20:00+00:00".into())
        );
        assert_eq!(cases[1].findings, None);
        assert_eq!(cases[1].journal_lines, 2);
        assert_eq!(
            cases[1].ended.map(|t| t.to_rfc3339()),
            Some("2026-11-22T11:05:00+00:00".into())
        );
    }
}
