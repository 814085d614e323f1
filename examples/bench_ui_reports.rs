//! UI and report benchmarks (not tests): `cargo run --release --example bench_ui_reports`.
//! - one frame of the live screen with 5,000 devices (and their findings) into a TestBackend;
//! - writing all four report formats for 500 devices and 50 findings.

use std::sync::Arc;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sweep::engine::Engine;
use sweep::observation::{BleAdvert, BleUuid, MacAddr, Observation, Record};
use sweep::report::{Report, ScanMeta};
use sweep::signatures::SignatureSet;
use sweep::ui::app::{App, StartForm};
use sweep::ui::render::{self, Frame0};

fn engine(devices: u32, trackers: u32) -> Engine {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    for i in 0..devices {
        let b = i.to_be_bytes();
        let mut a = BleAdvert {
            address: MacAddr([0xC0, 0, b[0], b[1], b[2], b[3]]),
            rssi: Some(-60 - (i % 30) as i16),
            ..Default::default()
        };
        if i < trackers {
            a.services.push(BleUuid::from_u16(0xfeed));
        } else {
            a.manufacturer_data
                .insert(76, sweep::observation::HexBytes(vec![0x10, 5, 0x0b, 0x1c]));
        }
        for s in 0..3 {
            let t = chrono::DateTime::from_timestamp(1_795_341_600 + i64::from(s * 10), 0)
                .unwrap_or_default();
            e.ingest(&Record::new(t, Observation::Ble(a.clone())));
        }
    }
    e
}

fn main() {
    let e = engine(5_000, 50);
    let form = StartForm {
        case_ref: "B-1".into(),
        editing_case: false,
        checks: vec![],
        focus: 0,
        interfaces: vec![],
        scopes: vec!["the 253 other addresses of 192.168.1.0/24".into()],
        interface: 0,
        minutes: 15,
        active: false,
        confirming_active: false,
        last_case: None,
        ..StartForm::default()
    };
    let app = App::new(form, true);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let f0 = Frame0 {
        progress: Some((0.5, 300)),
        ..Frame0::default()
    };
    let n = 200;
    let t0 = Instant::now();
    for _ in 0..n {
        let findings = e.findings();
        term.draw(|f| render::draw(f, &app, &e, &findings, &f0))
            .expect("draw");
    }
    println!(
        "frame with 5,000 devices (findings() + render, 120x40): {:.2} ms",
        t0.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
    );

    let e = engine(500, 50);
    let report = Report::build(&e, ScanMeta::default());
    assert_eq!(report.findings.len(), 50);
    let dir = tempfile::tempdir().expect("tmp");
    let t0 = Instant::now();
    let files = sweep::report::export_all(&report, dir.path()).expect("export");
    println!(
        "all four formats, 500 devices and 50 findings: {:.1} ms ({} files)",
        t0.elapsed().as_secs_f64() * 1000.0,
        files.len()
    );
}
