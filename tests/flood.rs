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
