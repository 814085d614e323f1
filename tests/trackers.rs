//! Tracker classification, owner-away state, look-alikes, rotation linking, place marks,
//! own-device marks and the locate trend, from adverts written here.

use std::sync::Arc;

use sweep::engine::locate::Trend;
use sweep::engine::{Engine, Severity};
use sweep::observation::Record;
use sweep::signatures::SignatureSet;

fn engine() -> Engine {
    Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")))
}

fn t(secs: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("time");
    (base + chrono::Duration::seconds(secs)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn ble(secs: i64, addr: &str, rssi: i32, fields: &str) -> Record {
    let sep = if fields.is_empty() { "" } else { "," };
    serde_json::from_str(&format!(
        r#"{{"t":"{}","kind":"ble","address":"{addr}","rssi":{rssi}{sep}{fields}}}"#,
        t(secs)
    ))
    .expect("record")
}

fn rec(json: &str) -> Record {
    serde_json::from_str(json).expect("record")
}

const AIRTAG_SEPARATED: &str =
    r#""manufacturer_data":{"76":"1219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}"#;

/// (fields, expected signature id or None, expected severity)
fn cases() -> Vec<(
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<Severity>,
)> {
    vec![
        (
            "airtag separated",
            AIRTAG_SEPARATED,
            Some("tracker.apple-airtag"),
            Some(Severity::High),
        ),
        (
            "find my accessory separated",
            r#""manufacturer_data":{"76":"1219202807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}"#,
            Some("tracker.apple-find-my-accessory"),
            Some(Severity::High),
        ),
        (
            "airpods separated",
            r#""manufacturer_data":{"76":"1219302807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}"#,
            Some("tracker.apple-airpods"),
            Some(Severity::High),
        ),
        (
            "apple type 0 / DIY separated",
            r#""manufacturer_data":{"76":"1219002807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}"#,
            Some("tracker.apple-find-my-other"),
            Some(Severity::Medium),
        ),
        (
            "smarttag overmature",
            r#""service_data":{"fd5a":"138d15023b793c9d638b48b1b7000000004e6aac82"}"#,
            Some("tracker.samsung-smarttag"),
            Some(Severity::High),
        ),
        (
            "smarttag offline",
            r#""service_data":{"fd5a":"128d15023b793c9d638b48b1b7000000004e6aac82"}"#,
            Some("tracker.samsung-smarttag"),
            Some(Severity::High),
        ),
        (
            "fmdn protection mode",
            r#""service_data":{"feaa":"410102030405060708090a0b0c0d0e0f101112131400"}"#,
            Some("tracker.google-fmdn"),
            Some(Severity::High),
        ),
        (
            "dult separated",
            r#""service_data":{"fcb2":"0200aabb"}"#,
            Some("tracker.dult"),
            Some(Severity::High),
        ),
        (
            "tile",
            r#""services":["feed"]"#,
            Some("tracker.tile"),
            Some(Severity::Medium),
        ),
        (
            "chipolo (no owner bit, new firmware address)",
            r#""services":["fe33"]"#,
            Some("tracker.chipolo"),
            Some(Severity::Medium),
        ),
        (
            "pebblebee",
            r#""services":["fa25"]"#,
            Some("tracker.pebblebee"),
            Some(Severity::Medium),
        ),
        // Look-alikes: none of these is a tracker alarm.
        (
            "find my short near-owner form",
            r#""manufacturer_data":{"76":"12025402"}"#,
            None,
            None,
        ),
        (
            "iphone continuity nearby info",
            r#""manufacturer_data":{"76":"10050b1c1a2b3c"}"#,
            None,
            None,
        ),
        (
            "airpods proximity pairing",
            r#""manufacturer_data":{"76":"0719010e2022f58f00"}"#,
            None,
            None,
        ),
        (
            "eddystone url beacon",
            r#""service_data":{"feaa":"10f8036578616d706c6507"}"#,
            None,
            None,
        ),
        (
            "eddystone uid beacon",
            r#""service_data":{"feaa":"00e20102030405060708090a0b0c0d0e0f10"}"#,
            None,
            None,
        ),
        (
            "fmdn near owner",
            r#""service_data":{"feaa":"400102030405060708090a0b0c0d0e0f101112131400"}"#,
            None,
            None,
        ),
        (
            "samsung phone find my mobile",
            r#""services":["fd69"],"service_data":{"fd69":"00112233445566778899aabbcc04"}"#,
            None,
            None,
        ),
        (
            "smarttag near owner",
            r#""service_data":{"fd5a":"118d15023b793c9d638b48b1b7000000004e6aac82"}"#,
            None,
            None,
        ),
        (
            "dult near owner",
            r#""service_data":{"fcb2":"0201"}"#,
            None,
            None,
        ),
        (
            "truncated apple advert",
            r#""manufacturer_data":{"76":"12"}"#,
            None,
            None,
        ),
        (
            "empty smarttag service data",
            r#""service_data":{"fd5a":""}"#,
            None,
            None,
        ),
    ]
}

#[test]
fn each_tracker_type_and_each_look_alike() {
    for (name, fields, sig, sev) in cases() {
        let mut e = engine();
        // Address first byte 0xE0 (> 0xD8) so Chipolo's owner bit is not trusted.
        e.ingest(&ble(0, "E0:11:22:33:44:55", -60, fields));
        let f = e.findings();
        match sig {
            Some(id) => {
                assert_eq!(f.len(), 1, "{name}: {f:?}");
                assert_eq!(f[0].signature, id, "{name}");
                assert_eq!(Some(f[0].severity), sev, "{name}");
                assert_eq!(
                    f[0].subject.address.map(|a| a.to_string()).as_deref(),
                    Some("E0:11:22:33:44:55")
                );
            }
            None => assert!(f.is_empty(), "{name} must not be a tracker finding: {f:?}"),
        }
        assert_eq!(e.devices().len(), 1, "{name}: every advert is a device");
    }
}

#[test]
fn finding_is_available_in_the_same_step_as_the_first_advert() {
    let mut e = engine();
    e.ingest(&ble(0, "FB:6D:08:3D:25:A4", -50, AIRTAG_SEPARATED));
    let f = e.findings();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].title, "Apple AirTag away from its owner");
    assert!(
        f[0].evidence.iter().any(|ev| ev.text == "Battery: full."),
        "{:?}",
        f[0].evidence
    );
}

#[test]
fn chipolo_owner_bit_is_trusted_only_on_old_firmware_addresses() {
    let mut e = engine();
    e.ingest(&ble(
        0,
        "C0:11:22:33:44:55",
        -60,
        r#""services":["fe33"],"service_data":{"fe33":"0001"}"#,
    ));
    let f = e.findings();
    assert_eq!(f[0].severity, Severity::High);
    let mut e = engine();
    e.ingest(&ble(
        0,
        "C0:11:22:33:44:55",
        -60,
        r#""services":["fe33"],"service_data":{"fe33":"0000"}"#,
    ));
    assert!(e.findings().is_empty(), "owner nearby: not an alarm");
}

#[test]
fn smarttag_rotation_with_consecutive_aging_counters_is_one_tracker() {
    let mut e = engine();
    // Same state 0x12 and properties 0xb7; aging counter 0x02158d then 0x02158e; new privacy id.
    for i in 0..5 {
        e.ingest(&ble(
            i * 2,
            "D1:11:11:11:11:11",
            -60,
            r#""service_data":{"fd5a":"128d15023b793c9d638b48b1b7000000004e6aac82"}"#,
        ));
    }
    for i in 0..5 {
        e.ingest(&ble(
            900 + i * 2,
            "D2:22:22:22:22:22",
            -61,
            r#""service_data":{"fd5a":"128e1502aaaaaaaaaaaaaaaab7000000004e6aac82"}"#,
        ));
    }
    let f = e.findings();
    assert_eq!(f.len(), 1, "{f:?}");
    let addrs: Vec<String> = f[0]
        .subject
        .addresses
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(addrs, vec!["D1:11:11:11:11:11", "D2:22:22:22:22:22"]);
    assert_eq!(
        f[0].subject.address.map(|a| a.to_string()).as_deref(),
        Some("D2:22:22:22:22:22")
    );

    // A counter that does not follow on is another tag.
    let mut e = engine();
    e.ingest(&ble(
        0,
        "D1:11:11:11:11:11",
        -60,
        r#""service_data":{"fd5a":"128d15023b793c9d638b48b1b7000000004e6aac82"}"#,
    ));
    e.ingest(&ble(
        900,
        "D2:22:22:22:22:22",
        -60,
        r#""service_data":{"fd5a":"12901502aaaaaaaaaaaaaaaab7000000004e6aac82"}"#,
    ));
    assert_eq!(e.findings().len(), 2);
}

#[test]
fn find_my_key_links_a_new_address() {
    let mut e = engine();
    e.ingest(&ble(0, "FB:6D:08:3D:25:A4", -50, AIRTAG_SEPARATED));
    e.ingest(&ble(60, "C2:00:00:00:00:01", -50, AIRTAG_SEPARATED));
    let f = e.findings();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].subject.addresses.len(), 2);
}

#[test]
fn tracker_in_two_places_while_others_vanish_moved_with_you() {
    let mut e = engine();
    // Place 1: the tile, the airtag and five phones.
    for i in 0..10 {
        e.ingest(&ble(
            i * 10,
            "C0:FF:EE:00:00:01",
            -60,
            r#""services":["feed"]"#,
        ));
        for p in 0..5 {
            e.ingest(&ble(
                i * 10,
                &format!("6A:00:00:00:00:0{p}"),
                -80,
                r#""manufacturer_data":{"76":"10050b1c"}"#,
            ));
        }
    }
    e.ingest(&rec(&format!(
        r#"{{"t":"{}","kind":"place","label":"café"}}"#,
        t(200)
    )));
    // Place 2: only the tile, one phone from before and new devices.
    for i in 0..10 {
        e.ingest(&ble(
            300 + i * 10,
            "C0:FF:EE:00:00:01",
            -55,
            r#""services":["feed"]"#,
        ));
        e.ingest(&ble(
            300 + i * 10,
            "6A:00:00:00:00:00",
            -80,
            r#""manufacturer_data":{"76":"10050b1c"}"#,
        ));
        e.ingest(&ble(
            300 + i * 10,
            "6B:00:00:00:00:09",
            -80,
            r#""manufacturer_data":{"76":"10050b1c"}"#,
        ));
    }
    // An AirTag seen only in place 2 did not move with the client.
    e.ingest(&ble(400, "FB:6D:08:3D:25:A4", -70, AIRTAG_SEPARATED));
    let f = e.findings();
    let tile = f
        .iter()
        .find(|f| f.signature == "tracker.tile")
        .expect("tile");
    assert_eq!(
        tile.severity,
        Severity::High,
        "the tile moved with the client"
    );
    assert!(
        tile.title.contains("this tracker moved with the client"),
        "{}",
        tile.title
    );
    assert!(
        tile.evidence.iter().any(|e| e
            .text
            .contains("of the 5 other devices seen at the first, 1 was still around")),
        "{:?}",
        tile.evidence
    );
    let airtag = f
        .iter()
        .find(|f| f.signature == "tracker.apple-airtag")
        .expect("airtag");
    assert!(!airtag.title.contains("moved with the client"));
}

#[test]
fn tracker_in_two_places_while_others_stay_is_not_raised() {
    let mut e = engine();
    for i in 0..10 {
        e.ingest(&ble(
            i * 10,
            "C0:FF:EE:00:00:01",
            -60,
            r#""services":["feed"]"#,
        ));
        e.ingest(&ble(
            i * 10,
            "6A:00:00:00:00:01",
            -80,
            r#""manufacturer_data":{"76":"10050b1c"}"#,
        ));
    }
    e.ingest(&rec(&format!(r#"{{"t":"{}","kind":"place"}}"#, t(200))));
    for i in 0..10 {
        e.ingest(&ble(
            300 + i * 10,
            "C0:FF:EE:00:00:01",
            -60,
            r#""services":["feed"]"#,
        ));
        e.ingest(&ble(
            300 + i * 10,
            "6A:00:00:00:00:01",
            -80,
            r#""manufacturer_data":{"76":"10050b1c"}"#,
        ));
    }
    let f = e.findings();
    assert_eq!(
        f[0].severity,
        Severity::Medium,
        "everything moved together: a shared bus, not a follower"
    );
}

#[test]
fn marked_as_mine_stays_listed_but_no_longer_alarms() {
    let mut e = engine();
    e.ingest(&ble(0, "FB:6D:08:3D:25:A4", -50, AIRTAG_SEPARATED));
    e.ingest(&rec(&format!(
        r#"{{"t":"{}","kind":"mine","address":"FB:6D:08:3D:25:A4","by":"JS"}}"#,
        t(30)
    )));
    let f = e.findings();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].title.contains("marked as the client's own"));
    let r = f[0].recognised.as_ref().expect("recognised");
    assert_eq!(r.by.as_deref(), Some("JS"));
    assert_eq!(r.at.to_rfc3339(), "2026-11-22T10:00:30+00:00");

    // A mark given before the tracker is seen applies when it appears.
    let mut e = engine();
    e.ingest(&rec(&format!(
        r#"{{"t":"{}","kind":"mine","address":"FB:6D:08:3D:25:A4"}}"#,
        t(0)
    )));
    e.ingest(&ble(5, "FB:6D:08:3D:25:A4", -50, AIRTAG_SEPARATED));
    assert_eq!(e.findings()[0].severity, Severity::Info);
}

#[test]
fn locate_trend_closer_further_steady() {
    let run = |rssis: &[i32]| {
        let mut e = engine();
        for (i, r) in rssis.iter().enumerate() {
            e.ingest(&ble(
                i as i64,
                "C0:FF:EE:00:00:01",
                *r,
                r#""services":["feed"]"#,
            ));
        }
        let a = "C0:FF:EE:00:00:01".parse().expect("addr");
        e.trackers.locate(&a).expect("locate")
    };
    // One advert a second: ten seconds still, then ten seconds of walking.
    let walk =
        |start: [i32; 10], end: [i32; 10]| -> Vec<i32> { start.into_iter().chain(end).collect() };
    let closer = run(&walk(
        [-80, -80, -79, -80, -80, -81, -80, -79, -80, -80],
        [-78, -76, -74, -72, -70, -68, -66, -65, -64, -64],
    ));
    assert_eq!(closer.trend, Trend::Closer);
    // Smoothed over the last four seconds of adverts.
    assert!((closer.smoothed_rssi.expect("smoothed") - -64.75).abs() < 0.01);
    assert_eq!(
        run(&walk(
            [-60, -61, -60, -60, -61, -60, -60, -61, -60, -60],
            [-62, -64, -66, -68, -70, -72, -71, -73, -75, -75]
        ))
        .trend,
        Trend::Further
    );
    assert_eq!(
        run(&walk(
            [-60, -62, -61, -60, -59, -61, -60, -62, -60, -61],
            [-61, -60, -62, -61, -59, -60, -61, -62, -60, -61]
        ))
        .trend,
        Trend::Steady
    );
    // A change that has not held yet (only the last two seconds) is not a trend.
    assert_eq!(
        run(&walk(
            [-70; 10],
            [-70, -70, -70, -70, -70, -70, -70, -70, -60, -60]
        ))
        .trend,
        Trend::Steady
    );
    assert_eq!(run(&[-60]).trend, Trend::Unknown);
}

#[test]
fn random_bytes_never_panic_the_classifier() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(
            &(proptest::collection::vec(any::<u8>(), 0..40), 0u8..6),
            |(bytes, which)| {
                let hexs = hex::encode(&bytes);
                let fields = match which {
                    0 => format!(r#""manufacturer_data":{{"76":"{hexs}"}}"#),
                    1 => format!(r#""service_data":{{"fd5a":"{hexs}"}}"#),
                    2 => format!(r#""service_data":{{"feaa":"{hexs}"}}"#),
                    3 => format!(r#""service_data":{{"fcb2":"{hexs}"}}"#),
                    4 => format!(r#""services":["fe33"],"service_data":{{"fe33":"{hexs}"}}"#),
                    _ => format!(r#""services":["fd69"],"service_data":{{"fd69":"{hexs}"}}"#),
                };
                let mut e = engine();
                e.ingest(&ble(0, "C0:11:22:33:44:55", -60, &fields));
                let _ = e.findings();
                Ok(())
            },
        )
        .expect("no panic");
}

/// The demo's recorded walk towards the bag (the AirTag's signal rises from about -78 to
/// -52 dBm between 10:00:40 and 10:02:00): the meter reads "warmer" most of the way.
#[test]
fn locate_reads_warmer_most_of_a_slow_walk_towards_the_tracker() {
    use sweep::engine::locate::Trend;
    let sigs = std::sync::Arc::new(sweep::signatures::SignatureSet::embedded().expect("sigs"));
    let mut e = sweep::engine::Engine::new(sigs);
    let t0: sweep::observation::Timestamp = "2026-11-22T10:00:00Z".parse().expect("t0");
    let (from, to) = (
        t0 + chrono::Duration::seconds(50),
        t0 + chrono::Duration::seconds(118),
    );
    let airtag: sweep::observation::MacAddr = "FB:6D:08:3D:25:A4".parse().expect("mac");
    let (mut closer, mut total) = (0, 0);
    for line in sweep::session::DEMO_SESSION.lines() {
        let r: sweep::observation::Record = serde_json::from_str(line).expect("line");
        let is_tag =
            matches!(&r.obs, sweep::observation::Observation::Ble(a) if a.address == airtag);
        let t = r.t;
        e.ingest(&r);
        if is_tag && t >= from && t <= to {
            let l = e.trackers.locate(&airtag).expect("locate");
            total += 1;
            if l.trend == Trend::Closer {
                closer += 1;
            }
            assert_ne!(
                l.trend,
                Trend::Further,
                "colder at {t} while walking towards it"
            );
        }
    }
    assert!(total > 20, "{total} adverts in the walk");
    assert!(
        closer * 10 >= total * 7,
        "warmer on only {closer} of {total} adverts of the walk"
    );
}

/// "Moved with you" needs two minutes in the new place after the mark, and once raised it
/// does not flip back when devices of the first place turn up again.
#[test]
fn moved_with_you_needs_the_dwell_time_and_does_not_flip_back() {
    let tile = |e: &mut Engine, s: i64| {
        e.ingest(&ble(s, "C0:FF:EE:00:00:01", -60, r#""services":["feed"]"#))
    };
    let phone = |e: &mut Engine, s: i64, p: u8| {
        e.ingest(&ble(
            s,
            &format!("6A:00:00:00:00:0{p}"),
            -80,
            r#""manufacturer_data":{"76":"10050b1c"}"#,
        ))
    };
    let moved = |e: &Engine| {
        e.findings()
            .iter()
            .any(|f| f.signature == "tracker.tile" && f.title.contains("moved with the client"))
    };
    let mut e = engine();
    for s in (0..100).step_by(10) {
        tile(&mut e, s);
        for p in 0..5 {
            phone(&mut e, s, p);
        }
    }
    e.ingest(&rec(&format!(
        r#"{{"t":"{}","kind":"place","label":"bus stop"}}"#,
        t(200)
    )));
    // Heard in the new place for 90 s only: walking past is not moving with the client.
    for s in (200..=290).step_by(10) {
        tile(&mut e, s);
    }
    assert!(!moved(&e), "raised before the dwell time");
    // Two minutes after the mark, still there, the others left behind: moved.
    for s in (300..=330).step_by(10) {
        tile(&mut e, s);
    }
    assert!(moved(&e), "not raised after the dwell time");
    // The first place's phones turn up again: the finding stays.
    for s in (340..400).step_by(10) {
        tile(&mut e, s);
        for p in 0..5 {
            phone(&mut e, s, p);
        }
    }
    assert!(moved(&e), "flipped back");
}
