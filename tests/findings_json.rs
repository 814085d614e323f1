//! The findings JSON contract (docs/findings-json.md), checked on the demo session.

use sha2::{Digest, Sha256};

mod support;
use support::run::{scan_demo, succeeds};

fn demo_json() -> serde_json::Value {
    let o = succeeds(scan_demo().args(["--case", "C-1", "--json", "-"]));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

#[test]
fn top_level_and_scan() {
    let v = demo_json();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["tool"]["name"], "sweep");
    assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["scan"]["case"], "C-1");
    assert_eq!(v["scan"]["started"], "2026-11-22T10:00:00Z");
    assert!(
        v["scan"]["ended"]
            .as_str()
            .is_some_and(|s| s.starts_with("2026-11-22T10:05:"))
    );
    // Signatures: each with its source, licence and the SHA-256 of the embedded text.
    let sigs = v["signatures"].as_array().expect("signatures");
    assert_eq!(sigs.len(), sweep::signatures::EMBEDDED.len());
    for (s, (name, text)) in sigs.iter().zip(sweep::signatures::EMBEDDED) {
        assert_eq!(s["file"], *name);
        assert_eq!(s["sha256"], hex::encode(Sha256::digest(text.as_bytes())));
        assert!(
            s["source"]["source"]
                .as_str()
                .is_some_and(|x| !x.is_empty())
        );
        assert!(
            s["source"]["licence"]
                .as_str()
                .is_some_and(|x| !x.is_empty())
        );
    }
    assert!(sigs.iter().any(|s| {
        s["source"]["attribution"]
            .as_str()
            .is_some_and(|a| a.contains("CC BY 4.0"))
    }));
    // Inputs with their SHA-256.
    let demo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/demo/clinic-session.jsonl"
    ))
    .expect("demo");
    assert_eq!(
        v["scan"]["inputs"][0]["sha256"],
        hex::encode(Sha256::digest(&demo))
    );
    assert_eq!(v["scan"]["inputs"][0]["bytes"], demo.len() as u64);
    assert!(v["scan"]["sources"].as_array().is_some_and(|s| {
        s.iter()
            .all(|x| x["source"].is_string() && x["state"].is_string())
    }));
    assert!(v["devices"].as_array().is_some_and(|d| d.len() > 10));
}

#[test]
fn every_finding_has_the_contract_fields() {
    let v = demo_json();
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.len() >= 4);
    for f in findings {
        assert!(
            ["tracker", "stalkerware", "network-device", "hidden-lookups"]
                .contains(&f["category"].as_str().unwrap_or("")),
            "{f}"
        );
        assert!(
            ["high", "medium", "low", "info"].contains(&f["severity"].as_str().unwrap_or("")),
            "{f}"
        );
        for k in ["signature", "title", "meaning", "first_seen", "last_seen"] {
            assert!(
                f[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k} missing in {f}"
            );
        }
        assert!(
            f["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "{f}"
        );
        assert!(
            f["next_steps"].as_array().is_some_and(|e| !e.is_empty()),
            "{f}"
        );
        assert!(f["confidence"]["level"].is_string() && f["confidence"]["text"].is_string());
        if f["subject"]["kind"] == "bluetooth" {
            let a = f["subject"]["address"].as_str().expect("address");
            assert!(
                a.len() == 17
                    && a.chars()
                        .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c) || c == ':'),
                "{a}"
            );
            assert!(
                f["subject"]["addresses"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|x| x == a))
            );
        }
    }
    let by_sig = |s: &str| {
        findings
            .iter()
            .find(|f| f["signature"] == s)
            .unwrap_or_else(|| panic!("{s}"))
    };
    let airtag = by_sig("tracker.apple-airtag");
    assert_eq!(airtag["severity"], "high");
    assert!(
        airtag["title"]
            .as_str()
            .is_some_and(|t| t.contains("moved with the client"))
    );
    assert!(airtag["signal"].as_array().is_some_and(|s| s.len() > 100));
    let smarttag = by_sig("tracker.samsung-smarttag");
    assert_eq!(
        smarttag["subject"]["addresses"].as_array().map(Vec::len),
        Some(2),
        "rotation linked"
    );
    let airpods = by_sig("tracker.apple-airpods");
    assert_eq!(airpods["severity"], "info");
    assert_eq!(airpods["recognised"]["by"], "VO");
    let c2 = by_sig("stalkerware.thetruthspy.c2");
    assert_eq!(c2["severity"], "high");
    assert_eq!(c2["subject"]["ip"], "192.168.1.23");
}
