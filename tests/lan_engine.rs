//! The local-network part of the engine: vendors from the embedded IEEE registry,
//! randomised addresses, mDNS services joined to ARP sightings, camera leads, unknown devices.

use std::sync::Arc;

use sweep::engine::lan::{Vendor, vendor};
use sweep::engine::{Category, Engine, Severity};
use sweep::observation::{MacAddr, Record};
use sweep::signatures::SignatureSet;

fn engine(lines: &[serde_json::Value]) -> Engine {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    for l in lines {
        let r: Record = serde_json::from_value(l.clone()).expect("record");
        e.ingest(&r);
    }
    e
}

fn mac(s: &str) -> MacAddr {
    s.parse().expect("mac")
}

#[test]
fn vendor_comes_from_the_registry_and_randomised_addresses_get_no_guess() {
    assert!(
        matches!(vendor(&mac("44:19:B6:00:00:01")), Vendor::Known(v) if v.contains("Hikvision"))
    );
    assert!(matches!(vendor(&mac("F0:18:98:00:00:03")), Vendor::Known(v) if v.contains("Apple")));
    assert_eq!(vendor(&mac("5A:E3:44:21:0C:77")), Vendor::Randomised);
    assert_eq!(vendor(&mac("02:00:00:00:00:01")), Vendor::Randomised);
}

#[test]
fn camera_lead_from_maker_and_rtsp_service_joined_by_address() {
    let e = engine(&[
        serde_json::json!({"t":"2026-11-22T10:00:00Z","kind":"mdns","service_type":"_rtsp._tcp.local.","instance":"Cam._rtsp._tcp.local.","addresses":["10.200.0.3"],"port":554}),
        serde_json::json!({"t":"2026-11-22T10:00:01Z","kind":"arp","mac":"44:19:B6:00:00:03","ip":"10.200.0.3","via":"arp-reply"}),
        serde_json::json!({"t":"2026-11-22T10:00:02Z","kind":"arp","mac":"5A:00:00:00:00:04","ip":"10.200.0.4","via":"arp-reply"}),
    ]);
    let f = e.findings();
    let cam = f
        .iter()
        .find(|f| f.subject.address == Some(mac("44:19:B6:00:00:03")))
        .expect("camera finding");
    assert_eq!(cam.category, Category::NetworkDevice);
    assert_eq!(cam.severity, Severity::Medium);
    assert_eq!(cam.title, "Possible camera — check physically");
    assert_eq!(cam.confidence.level, "medium", "two signs");
    let ev: Vec<&str> = cam.evidence.iter().map(|e| e.text.as_str()).collect();
    assert!(ev.iter().any(|e| e.contains("Hikvision")), "{ev:?}");
    assert!(ev.iter().any(|e| e.contains("_rtsp._tcp")), "{ev:?}");
    let unknown = f
        .iter()
        .find(|f| f.subject.address == Some(mac("5A:00:00:00:00:04")))
        .expect("unknown device");
    assert_eq!(unknown.title, "Does the client recognise this device?");
    assert_eq!(unknown.severity, Severity::Info);
    assert!(
        unknown
            .evidence
            .iter()
            .any(|e| e.text.contains("randomised"))
    );
    assert_eq!(
        e.devices().iter().filter(|d| d.kind == "network").count(),
        2
    );
}

#[test]
fn an_open_camera_port_from_the_active_check_is_a_lead_and_a_mine_mark_calms_it() {
    let e = engine(&[
        serde_json::json!({"t":"2026-11-22T10:00:00Z","kind":"arp","mac":"00:11:22:33:44:55","ip":"10.200.0.9"}),
        serde_json::json!({"t":"2026-11-22T10:00:03Z","kind":"probe","ip":"10.200.0.9","probe":"rtsp","port":554,"open":true,"detail":"RTSP/1.0 200 OK"}),
    ]);
    let f = e.findings();
    assert_eq!(f[0].signature, "network.camera-port");
    assert!(
        f[0].evidence
            .iter()
            .any(|e| e.text == "Port 554 open (active check).")
    );
    let e = engine(&[
        serde_json::json!({"t":"2026-11-22T10:00:00Z","kind":"arp","mac":"00:11:22:33:44:55","ip":"10.200.0.9"}),
        serde_json::json!({"t":"2026-11-22T10:00:03Z","kind":"probe","ip":"10.200.0.9","probe":"rtsp","port":554,"open":true}),
        serde_json::json!({"t":"2026-11-22T10:00:04Z","kind":"mine","address":"00:11:22:33:44:55","by":"AB"}),
    ]);
    assert_eq!(e.findings()[0].severity, Severity::Info);
}
