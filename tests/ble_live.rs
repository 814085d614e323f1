//! The live Bluetooth source against a mock BlueZ (python-dbusmock with our template
//! `tests/mock_bluez/bluez_le.py`) on a private D-Bus started and torn down here.
//! Needs `dbus-daemon` and `/usr/bin/python3` with `dbusmock` (CI installs them).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::netns::Kid;

struct MockBus {
    dir: tempfile::TempDir,
    children: Vec<Kid>,
    address: String,
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

impl MockBus {
    fn start(with_bluez: bool) -> MockBus {
        let dir = tempfile::tempdir().expect("tmp");
        let sock = dir.path().join("bus.sock");
        let address = format!("unix:path={}", sock.display());
        let daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", &format!("--address={address}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        let mut bus = MockBus {
            dir,
            children: vec![Kid(daemon)],
            address,
        };
        wait_until("the private bus socket", 20, || sock.exists());
        if with_bluez {
            let template = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mock_bluez/bluez_le.py");
            let mock = Command::new("/usr/bin/python3")
                .args(["-m", "dbusmock", "--system", "--template", template])
                .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dbusmock");
            bus.children.push(Kid(mock));
            let addr = bus.address.clone();
            wait_until("org.bluez on the private bus", 30, || {
                Command::new("dbus-send")
                    .args([
                        &format!("--bus={addr}"),
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.bluez",
                    ])
                    .output()
                    .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("true"))
            });
        }
        bus
    }

    fn driver(&self, args: &[&str]) -> String {
        let o = Command::new("/usr/bin/python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/mock_bluez/driver.py"
            ))
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .output()
            .expect("driver");
        assert!(
            o.status.success(),
            "driver {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    fn sweep(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
        c.args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .env("SWEEP_HOME", self.dir.path().join("home"));
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for MockBus {
    fn drop(&mut self) {
        // The mock BlueZ first, then its bus.
        while self.children.pop().is_some() {}
    }
}

fn wait_output(mut child: Child, secs: u64) -> Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sweep did not finish within {secs} s");
        }
        std::thread::yield_now();
    }
}

/// (address, driver JSON, expected signature id or None for a look-alike)
fn trackers() -> Vec<(&'static str, String, Option<&'static str>)> {
    let key = "2807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700";
    vec![
        (
            "FB:6D:08:3D:25:A4",
            format!(r#"{{"rssi":-50,"mfg":{{"76":"121910{key}00e0"}}}}"#),
            Some("tracker.apple-airtag"),
        ),
        (
            "F1:00:00:00:00:02",
            format!(r#"{{"rssi":-55,"mfg":{{"76":"121920{key}00e0"}}}}"#),
            Some("tracker.apple-find-my-accessory"),
        ),
        (
            "F1:00:00:00:00:03",
            format!(r#"{{"rssi":-56,"mfg":{{"76":"121930{key}0011"}}}}"#),
            Some("tracker.apple-airpods"),
        ),
        (
            "D1:00:00:00:00:04",
            r#"{"rssi":-60,"sd":{"fd5a":"138d15023b793c9d638b48b1b7000000004e6aac82"}}"#.into(),
            Some("tracker.samsung-smarttag"),
        ),
        (
            "E1:00:00:00:00:05",
            r#"{"rssi":-61,"sd":{"feaa":"410102030405060708090a0b0c0d0e0f101112131400"}}"#.into(),
            Some("tracker.google-fmdn"),
        ),
        (
            "E1:00:00:00:00:06",
            r#"{"rssi":-62,"sd":{"fcb2":"0200aabb"}}"#.into(),
            Some("tracker.dult"),
        ),
        (
            "E1:00:00:00:00:07",
            r#"{"rssi":-63,"uuids":["feed"],"sd":{"feed":"0200"}}"#.into(),
            Some("tracker.tile"),
        ),
        (
            "E1:00:00:00:00:08",
            r#"{"rssi":-64,"uuids":["fe33"]}"#.into(),
            Some("tracker.chipolo"),
        ),
        (
            "E1:00:00:00:00:09",
            r#"{"rssi":-65,"uuids":["fa25"],"name":"PB - 1234"}"#.into(),
            Some("tracker.pebblebee"),
        ),
        (
            "6A:00:00:00:00:10",
            r#"{"rssi":-70,"mfg":{"76":"10050b1c"}}"#.into(),
            None,
        ),
    ]
}

fn json_at(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("findings file")).expect("json")
}

#[test]
#[ignore = "needs dbus-daemon and python3-dbusmock"]
fn live_scan_reports_every_tracker_type() {
    let bus = MockBus::start(true);
    assert_eq!(bus.driver(&["adapter", "hci0"]), "/org/bluez/hci0");
    let (json, rec) = (bus.path("live.json"), bus.path("live.jsonl"));
    let child = bus
        .sweep(&[
            "scan",
            "--ble",
            "--duration",
            "6",
            "--json",
            json.to_str().expect("p"),
            "--record",
            rec.to_str().expect("p"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sweep");
    // Add the devices once the scan is live.
    wait_until("the adapter to be discovering", 30, || {
        bus.driver(&["discovering", "hci0"]) == "true"
    });
    let mut paths = Vec::new();
    for (addr, spec, _) in trackers() {
        let spec = spec.replacen('{', &format!(r#"{{"address":"{addr}","#), 1);
        paths.push(bus.driver(&["device", &spec]));
    }
    // A later advertisement (new RSSI and new data) must be forwarded too: send it once the
    // first one is in the recording (synced at least every 500 ms).
    wait_until(
        "the first advert of the look-alike in the recording",
        30,
        || {
            std::fs::read_to_string(&rec).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.contains("6A:00:00:00:00:10") && l.contains("10050b1c"))
            })
        },
    );
    bus.driver(&[
        "advertise",
        &paths[9],
        r#"{"rssi":-40,"mfg":{"76":"10051b1c"}}"#,
    ]);
    let out = wait_output(child, 60);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // The recording holds each advert with the exact bytes.
    let text = std::fs::read_to_string(&rec).expect("recording");
    let recs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    for (addr, spec, _) in trackers() {
        let spec: serde_json::Value = serde_json::from_str(&spec).expect("spec");
        let seen: Vec<&serde_json::Value> = recs
            .iter()
            .filter(|r| r["kind"] == "ble" && r["address"] == addr)
            .collect();
        assert!(!seen.is_empty(), "{addr} was not recorded");
        if let Some(m) = spec["mfg"].as_object() {
            for (k, v) in m {
                assert!(
                    seen.iter().any(|r| r["manufacturer_data"][k] == *v),
                    "{addr}: manufacturer data {v}"
                );
            }
        }
        if let Some(m) = spec["sd"].as_object() {
            for (k, v) in m {
                assert!(
                    seen.iter().any(|r| r["service_data"][k] == *v),
                    "{addr}: service data {v}"
                );
            }
        }
    }
    assert!(
        recs.iter().any(|r| r["address"] == "6A:00:00:00:00:10"
            && r["rssi"] == -40
            && r["manufacturer_data"]["76"] == "10051b1c"),
        "the later advertisement was not forwarded"
    );

    // The findings name every tracker type, and no look-alike.
    let live = json_at(&json);
    let sigs: Vec<&str> = live["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["signature"].as_str())
        .collect();
    for (addr, _, want) in trackers() {
        match want {
            Some(id) => assert!(sigs.contains(&id), "{id} missing: {sigs:?}"),
            None => assert!(
                !live["findings"]
                    .as_array()
                    .expect("f")
                    .iter()
                    .any(|f| f["subject"]["address"] == addr),
                "look-alike {addr} became a finding"
            ),
        }
    }
    assert!(
        live["scan"]["sources"]
            .as_array()
            .expect("s")
            .iter()
            .any(|s| s["source"] == "ble" && (s["state"] == "finished" || s["state"] == "running"))
    );

    // Replaying the recording gives the same findings.
    let replay = bus.path("replay.json");
    let o = bus
        .sweep(&[
            "scan",
            "--from",
            rec.to_str().expect("p"),
            "--json",
            replay.to_str().expect("p"),
        ])
        .output()
        .expect("replay");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        json_at(&replay)["findings"],
        live["findings"],
        "replay differs from the live scan"
    );
}

fn unavailable_case(bus_address: Option<&str>, bus: &MockBus, want: &str) {
    let json = bus.path(&format!("u-{}.json", want.len()));
    let mut c = bus.sweep(&[
        "scan",
        "--ble",
        "--duration",
        "30",
        "--json",
        json.to_str().expect("p"),
    ]);
    if let Some(a) = bus_address {
        c.env("DBUS_SYSTEM_BUS_ADDRESS", a);
    }
    let out = wait_output(
        c.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sweep"),
        25,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "nothing could run: {stderr}");
    assert!(stderr.contains(want), "stderr lacks {want:?}: {stderr}");
    assert!(!stderr.contains("panicked"));
    let v = json_at(&json);
    let ble = v["scan"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["source"] == "ble")
        .expect("ble source");
    assert_eq!(ble["state"], "unavailable");
    assert!(
        ble["reason"].as_str().is_some_and(|r| r.contains(want)),
        "{ble}"
    );
    assert!(ble["fix"].as_str().is_some_and(|f| !f.is_empty()));
}

#[test]
#[ignore = "needs dbus-daemon and python3-dbusmock"]
fn unavailable_bluetooth_is_reported_plainly() {
    // No bus at all.
    let bus = MockBus::start(false);
    let missing = format!("unix:path={}", bus.path("missing.sock").display());
    unavailable_case(Some(&missing), &bus, "not reachable");
    // A bus without BlueZ.
    unavailable_case(None, &bus, "not running");
    drop(bus);
    // BlueZ without an adapter.
    let bus = MockBus::start(true);
    unavailable_case(None, &bus, "No Bluetooth adapter");
}
