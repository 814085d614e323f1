//! Kill the process with SIGKILL during a replayed live scan, replay its journal, and
//! check the findings equal those of an uninterrupted run over the same observations.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sweep() -> Command {
    support::run::sweep_with_home(&std::env::temp_dir().join("sweep-journal-test-home"))
}

/// A session: a separated AirTag, a SmartTag, and passers-by, one advert every 100 ms.
fn session_lines() -> Vec<String> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("time");
    let mut lines = Vec::new();
    for i in 0..4000u32 {
        let t = (start + chrono::Duration::milliseconds(i64::from(i) * 100))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let rssi = -50 - (i % 30) as i32;
        let line = match i % 4 {
            0 => format!(
                r#"{{"t":"{t}","kind":"ble","address":"FB:6D:08:3D:25:A4","address_type":"random","rssi":{rssi},"manufacturer_data":{{"76":"1219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}}}}"#
            ),
            1 => format!(
                r#"{{"t":"{t}","kind":"ble","address":"D1:22:33:44:55:66","address_type":"random","rssi":{rssi},"service_data":{{"fd5a":"138d15023b793c9d638b48b1b7000000004e6aac82"}}}}"#
            ),
            2 => format!(
                r#"{{"t":"{t}","kind":"ble","address":"6A:00:00:00:{:02X}:{:02X}","rssi":-80,"manufacturer_data":{{"76":"10050b1c"}}}}"#,
                (i / 256) % 256,
                i % 256
            ),
            _ if i == 2003 => format!(r#"{{"t":"{t}","kind":"place","label":"second room"}}"#),
            _ => format!(
                r#"{{"t":"{t}","kind":"ble","address":"C0:FF:EE:00:00:01","rssi":{rssi},"services":["feed"]}}"#
            ),
        };
        lines.push(line);
    }
    lines
}

fn findings_of(path: &std::path::Path) -> (serde_json::Value, serde_json::Value) {
    let v = support::run::scan_from(sweep(), path);
    (v["findings"].clone(), v["devices"].clone())
}

#[test]
fn sigkill_during_scan_loses_nothing_before_the_last_second() {
    let dir = tempfile::tempdir().expect("tmp");
    let rec = dir.path().join("session.jsonl");
    let lines = session_lines();
    let mut f = std::fs::File::create(&rec).expect("create");
    for l in &lines {
        writeln!(f, "{l}").expect("write");
    }
    drop(f);

    let journal = dir.path().join("journal.jsonl");
    // 400 s of session at 40x: about 10 s of wall time, so the kill lands mid-scan.
    let mut child = sweep()
        .args(["scan", "--from"])
        .arg(&rec)
        .args(["--speed", "40", "--record"])
        .arg(&journal)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait (polling, with a deadline) until the journal holds a good part of the session.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = std::fs::read_to_string(&journal)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if n >= 1200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "journal did not grow (has {n} lines)"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "scan ended before it could be killed"
        );
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    // Every complete observation line in the journal (source status lines aside).
    let text = std::fs::read_to_string(&journal).expect("journal");
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| l.trim_end())
        .filter(|l| !l.contains(r#""kind":"source""#))
        .collect();
    assert!(
        kept.len() >= 1200 && kept.len() < lines.len(),
        "kept {}",
        kept.len()
    );
    for (i, (k, l)) in kept.iter().zip(&lines).enumerate() {
        let k: sweep::observation::Record = serde_json::from_str(k).expect("journal line parses");
        let l: sweep::observation::Record = serde_json::from_str(l).expect("session line parses");
        assert!(
            k == l,
            "journal line {} differs from the session: {k:?} vs {l:?}",
            i + 1
        );
    }

    let prefix = dir.path().join("prefix.jsonl");
    std::fs::write(&prefix, lines[..kept.len()].join("\n") + "\n").expect("write");
    let (jf, jd) = findings_of(&journal);
    let (pf, pd) = findings_of(&prefix);
    assert_eq!(
        jf, pf,
        "findings from the journal differ from an uninterrupted run up to the cut"
    );
    assert_eq!(jd, pd, "devices differ");
}
