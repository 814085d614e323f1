//! Flood: 1,000,000 adverts from random addresses replayed through the whole pipeline
//! stay under a stated memory bound, and the scan still reports.

use std::io::Write;
use std::process::Command;

/// The bound this test holds the whole process to (peak resident memory).
const MEMORY_BOUND_KB: u64 = 400 * 1024;

#[test]
fn a_million_random_addresses_stay_under_the_memory_bound() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("flood.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    // A simple xorshift so the addresses are random but the file is reproducible.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..1_000_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = x.to_be_bytes();
        let (s, ms) = (i / 1000, i % 1000);
        // Every tenth advert looks like a Tile so tracker state is flooded too.
        let extra = if i % 10 == 0 {
            r#","services":["feed"]"#
        } else {
            ""
        };
        writeln!(
            f,
            r#"{{"t":"2026-11-22T10:{:02}:{:02}.{ms:03}Z","kind":"ble","address":"{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}","rssi":-70{extra}}}"#,
            (s / 60) % 60,
            s % 60,
            a[0] | 0xC0,
            a[1],
            a[2],
            a[3],
            a[4],
            a[5]
        )
        .expect("write");
    }
    f.flush().expect("flush");
    drop(f);

    let out = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .env("SWEEP_REPORT_RSS", "1")
        .args(["scan", "--from"])
        .arg(&path)
        .arg("--json")
        .arg(dir.path().join("out.json"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let kb: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("sweep: peak memory "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .expect("peak memory line");
    assert!(
        kb < MEMORY_BOUND_KB,
        "peak memory {kb} kB is over the bound of {MEMORY_BOUND_KB} kB"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.json")).expect("json"))
            .expect("parse");
    assert_eq!(v["scan"]["counters"]["by_kind"]["ble"], 1_000_000);
    let devices = v["devices"].as_array().map_or(0, Vec::len);
    let dropped = v["scan"]["counters"]["devices_dropped"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        devices <= 20_000 + 1000,
        "device list is not capped: {devices}"
    );
    eprintln!("flood: peak {kb} kB, {devices} devices kept, {dropped} dropped");
}

/// Under a flood the UI loop keeps getting frames: each `pump` moves a bounded number of
/// records into the engine (at most the channel depth plus one), then returns to the caller.
#[test]
fn pump_does_bounded_work_per_call_under_a_flood() {
    use std::sync::Arc;
    use sweep::engine::Engine;
    use sweep::pipeline::{CHANNEL_DEPTH, Pipeline, Plan, Pump};
    use sweep::sources::replay::{Pace, ReplayInput, ReplaySource};

    let mut text = String::new();
    for i in 0..200_000u32 {
        let b = i.to_be_bytes();
        text.push_str(&format!(
            "{{\"t\":\"2026-11-22T10:00:00Z\",\"kind\":\"ble\",\"address\":\"C0:00:{:02X}:{:02X}:{:02X}:{:02X}\",\"rssi\":-70}}\n",
            b[0], b[1], b[2], b[3]
        ));
    }
    let text: &'static str = Box::leak(text.into_boxed_str());
    let mut engine = Engine::new(Arc::new(
        sweep::signatures::SignatureSet::embedded().expect("signatures"),
    ));
    let mut p = Pipeline::start(Plan {
        sources: vec![Box::new(ReplaySource {
            name: "flood".into(),
            input: ReplayInput::Text(text),
            pace: Pace::AsFast,
            rebase_to: None,
        })],
        duration: None,
        journal: None,
        marks: Vec::new(),
        inputs: Vec::new(),
    })
    .expect("pipeline");
    let mut calls = 0u64;
    let mut before = 0u64;
    loop {
        let r = p.pump(&mut engine, std::time::Duration::from_millis(50));
        let now = engine.counters().observations;
        assert!(
            now - before <= CHANNEL_DEPTH as u64 + 1,
            "one pump moved {} records",
            now - before
        );
        before = now;
        calls += 1;
        if r == Pump::Done {
            break;
        }
    }
    assert_eq!(engine.counters().by_kind.get("ble").copied(), Some(200_000));
    assert!(
        calls >= 200_000 / (CHANNEL_DEPTH as u64 + 1),
        "the UI would have had {calls} chances to draw"
    );
}
