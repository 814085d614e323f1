//! Engine benchmarks (not tests): `cargo run --release --example bench_engine`.
//! - signature load time (all embedded files, parsed and validated, plus engine index build);
//! - engine throughput on pre-parsed replayed adverts (one core);
//! - a separated tracker's finding is available in the same engine step as its first advert;
//! - rotating addresses (`bench_engine rotating [DISTINCT] [ROUNDS]`, default 100,000 x 10):
//!   throughput and peak memory (RSS) of a fresh process; `bench/engine.sh` compares
//!   100,000 and 1,000,000 addresses.

use std::sync::Arc;
use std::time::Instant;

use sweep::engine::Engine;
use sweep::observation::{BleAdvert, BleUuid, HexBytes, MacAddr, Observation, Record};
use sweep::signatures::SignatureSet;

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn advert(i: u64, addr: [u8; 6], kind: u64) -> Record {
    let t =
        chrono::DateTime::from_timestamp(1_795_341_600 + (i / 50) as i64, 0).unwrap_or_default();
    let mut a = BleAdvert {
        address: MacAddr(addr),
        rssi: Some(-60 - (i % 20) as i16),
        ..Default::default()
    };
    match kind % 5 {
        0 => {
            let mut d = vec![0x12, 0x19, 0x10];
            d.extend_from_slice(&[0x28; 22]);
            d.extend_from_slice(&[0, 0xe0]);
            a.manufacturer_data.insert(76, HexBytes(d));
        }
        1 => {
            a.service_data.insert(
                BleUuid::from_u16(0xfd5a),
                HexBytes(
                    hex::decode("138d15023b793c9d638b48b1b7000000004e6aac82").unwrap_or_default(),
                ),
            );
        }
        2 => {
            a.manufacturer_data
                .insert(76, HexBytes(vec![0x10, 0x05, 0x0b, 0x1c]));
        }
        3 => a.services.push(BleUuid::from_u16(0xfeed)),
        _ => {
            a.service_data
                .insert(BleUuid::from_u16(0xfeaa), HexBytes(vec![0x10, 0xf8, 0x03]));
        }
    }
    Record::new(t, Observation::Ble(a))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("rotating") {
        let sigs = Arc::new(SignatureSet::embedded().expect("signatures"));
        let num = |i: usize, default: u64| {
            args.get(i)
                .map(|a| a.replace([',', '_'], "").parse().expect("a number"))
                .unwrap_or(default)
        };
        return rotating(&sigs, num(2, 100_000), num(3, 10));
    }
    // 1. Signature load.
    let runs = 20;
    let t0 = Instant::now();
    let mut sigs = None;
    for _ in 0..runs {
        let s = Arc::new(SignatureSet::embedded().expect("signatures"));
        let _ = Engine::new(Arc::clone(&s));
        sigs = Some(s);
    }
    let load_ms = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let sigs = sigs.expect("loaded");
    println!("signature load + engine index: {load_ms:.2} ms (mean of {runs})");

    // 2. Throughput: a clinic-like mix over 200 devices, 2,000,000 adverts.
    let n = 2_000_000u64;
    let recs: Vec<Record> = (0..n)
        .map(|i| {
            advert(
                i,
                [0xC0, 0, 0, 0, (i % 200 / 256) as u8, (i % 200) as u8],
                i % 200,
            )
        })
        .collect();
    let mut e = Engine::new(Arc::clone(&sigs));
    let t0 = Instant::now();
    for r in &recs {
        e.ingest(r);
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "throughput (200 devices): {:.2} M adverts/s ({n} in {secs:.3} s); findings: {}",
        n as f64 / secs / 1e6,
        e.findings().len()
    );

    // 3. Same engine step.
    let mut e = Engine::new(Arc::clone(&sigs));
    let first = advert(0, [0xFB, 0x6D, 0x08, 0x3D, 0x25, 0xA4], 0);
    let t0 = Instant::now();
    e.ingest(&first);
    let f = e.findings();
    println!(
        "separated AirTag: finding available after its first advert: {} (ingest + findings() took {:.1} µs)",
        f.iter().any(|f| f.signature == "tracker.apple-airtag"),
        t0.elapsed().as_secs_f64() * 1e6
    );

    drop(recs);
    println!("(run `bench_engine rotating` for the 100,000-address case in a fresh process)");
}

/// `distinct` rotating addresses, `rounds` adverts each, interleaved (a fifth of them Tiles,
/// which carry no link key, so every new address is a new tracker); peak RSS of this process.
fn rotating(sigs: &Arc<SignatureSet>, distinct: u64, rounds: u64) {
    let mut e = Engine::new(Arc::clone(sigs));
    let before = peak_rss_kb();
    let t0 = Instant::now();
    let mut count = 0u64;
    for round in 0..rounds {
        for d in 0..distinct {
            let b = (d * 2_654_435_761).to_be_bytes();
            e.ingest(&advert(
                round * distinct + d,
                [0xC0 | b[3], b[4], b[5], b[6], b[7], (d % 251) as u8],
                d,
            ));
            count += 1;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let c = e.counters();
    println!(
        "{distinct} rotating addresses x {rounds}: {:.2} M adverts/s; devices kept {}, dropped {}; peak RSS {} MB (was {} MB before)",
        count as f64 / secs / 1e6,
        e.devices().len(),
        c.devices_dropped,
        peak_rss_kb() / 1024,
        before / 1024
    );
}
