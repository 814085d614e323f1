//! Entry points shared by the `cargo fuzz` targets (`fuzz/`) and the tests that replay
//! their committed corpora (`tests/fuzz_corpora.rs`). Each takes arbitrary bytes and
//! must never panic; each returns whether the input was accepted.

use std::sync::{Arc, OnceLock};

use crate::engine::Engine;
use crate::signatures::SignatureSet;

fn engine() -> Engine {
    static SIGS: OnceLock<Arc<SignatureSet>> = OnceLock::new();
    let sigs = SIGS.get_or_init(|| Arc::new(SignatureSet::embedded().unwrap_or_default()));
    Engine::new(Arc::clone(sigs))
}

/// The replay reader, and every record it accepts through the engine and a report.
pub fn replay(data: &[u8]) -> bool {
    let mut engine = engine();
    let ok = crate::sources::replay::read_records("fuzz.jsonl", data, |rec| {
        engine.ingest(&rec);
        true
    })
    .is_ok();
    let report = crate::report::Report::build(&engine, crate::report::ScanMeta::default());
    let _ = crate::report::render(&report, crate::report::Format::Markdown);
    ok
}

/// The signature file parser and validator.
pub fn signatures(data: &[u8]) -> bool {
    match std::str::from_utf8(data) {
        Ok(text) => crate::signatures::parse_file("fuzz.toml", text).is_ok(),
        Err(_) => false,
    }
}

/// Hidden-lookup entries and the stalkerware entries of three apps (TheTruthSpy/Copy9,
/// mSpy, Hoverwatch/Refog: the names the seeds use), so every matching path runs while building
/// the engine costs microseconds instead of indexing the whole stalkerware list.
fn traffic_signatures() -> &'static Arc<SignatureSet> {
    static SIGS: OnceLock<Arc<SignatureSet>> = OnceLock::new();
    SIGS.get_or_init(|| {
        let mut s = SignatureSet::embedded().unwrap_or_default();
        s.entries.retain(|e| match e.category {
            crate::engine::Category::HiddenLookups => true,
            crate::engine::Category::Stalkerware => ["thetruthspy", "mspy", "hoverwatch"]
                .iter()
                .any(|app| e.id.split('.').nth(1) == Some(app)),
            _ => false,
        });
        Arc::new(s)
    })
}

/// The packet extractors (Ethernet/SLL/raw IP, IPv4/6, TCP reassembly, DNS, TLS, HTTP, QUIC).
/// The input is a sequence of packets: `[link selector][len u16 le][bytes]...`, so the fuzzer
/// can build multi-packet streams (split ClientHellos, DNS over TCP). Accepted means the
/// packets led to a finding.
pub fn packets(data: &[u8]) -> bool {
    use crate::sources::traffic::extract::{Extractor, Link};
    let mut ex = Extractor::new();
    let mut rest = data;
    let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let mut n = 0u64;
    while rest.len() >= 3 {
        let link = match rest[0] % 5 {
            0 => Link::Ethernet,
            1 => Link::LinuxSll,
            2 => Link::LinuxSll2,
            3 => Link::RawIp,
            _ => Link::Null,
        };
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]])).min(rest.len() - 3);
        ex.packet(link, t, n, &rest[3..3 + len]);
        rest = &rest[3 + len..];
        n += 1;
    }
    ex.finish();
    let mut engine = Engine::new(Arc::clone(traffic_signatures()));
    for rec in ex.out.drain(..) {
        engine.ingest(&rec);
    }
    n > 0 && !engine.findings().is_empty()
}

/// A whole capture file (pcap or pcapng container parsing, then the extractors), read
/// in one piece and cut into small chunks (1 to 97 bytes, from the last byte): the result
/// (packets, observations, error and its offset) must not depend on where chunks end.
/// The chunked run leaves QUIC to [`QuicJob::resolve`], as `sweep scan --from` does on
/// its worker thread; the whole run decrypts inline: the two must agree as well.
///
/// [`QuicJob::resolve`]: crate::sources::traffic::extract::QuicJob::resolve
pub fn capture_file(data: &[u8]) -> bool {
    use crate::sources::feed;
    use crate::sources::traffic::quic::QuicTracker;
    use crate::sources::traffic::{extract::Extractor, read_chunks};
    let run = |size: usize, offload: bool| {
        let chunks: Vec<std::io::Result<feed::Chunk>> = data
            .chunks(size.max(1))
            .map(|c| Ok(feed::chunk_of(c)))
            .collect();
        let mut ex = if offload {
            Extractor::offloading()
        } else {
            Extractor::new()
        };
        let stop = crate::sources::Stop::new();
        let mut out = Vec::new();
        let mut tracker = QuicTracker::new();
        let r = read_chunks(
            std::path::Path::new("fuzz.pcap"),
            chunks.into_iter(),
            &stop,
            &mut ex,
            &mut |ex| {
                out.append(&mut ex.take_job().resolve(&mut tracker));
                true
            },
        );
        ex.finish();
        out.append(&mut ex.take_job().resolve(&mut tracker));
        (r.map(|s| s.packets).map_err(|e| e.to_string()), out)
    };
    let whole = run(data.len(), false);
    let size = 1 + usize::from(data.last().copied().unwrap_or(0)) % 97;
    let pieces = run(size, true);
    assert!(
        whole == pieces,
        "chunks of {size} bytes changed the result: {:?} vs {:?}",
        whole.0,
        pieces.0
    );
    whole.0.is_ok()
}

/// The advert classifier: the first byte picks where the bytes go (Apple manufacturer
/// data, or the service data of a tracker family), the rest is the payload; two adverts
/// from two addresses so rotation linking runs too.
pub fn advert(data: &[u8]) -> bool {
    use crate::observation::{BleAdvert, BleUuid, HexBytes, MacAddr, Observation, Record};
    let Some((&sel, payload)) = data.split_first() else {
        return false;
    };
    let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    // Tracker signatures only: building the engine then costs microseconds, not the
    // stalkerware index, so the fuzzer runs many more inputs.
    static TRACKER_SIGS: OnceLock<Arc<SignatureSet>> = OnceLock::new();
    let sigs = TRACKER_SIGS.get_or_init(|| {
        let mut s = SignatureSet::embedded().unwrap_or_default();
        s.entries
            .retain(|e| e.category == crate::engine::Category::Tracker);
        Arc::new(s)
    });
    let mut engine = Engine::new(Arc::clone(sigs));
    for (i, addr) in [[0xC0, 1, 2, 3, 4, 5], [0xD9, 1, 2, 3, 4, 6]]
        .into_iter()
        .enumerate()
    {
        let mut a = BleAdvert {
            address: MacAddr(addr),
            rssi: Some(-60 - i as i16),
            ..Default::default()
        };
        let bytes = HexBytes(payload.to_vec());
        let uuid = |u| BleUuid::from_u16(u);
        match sel % 8 {
            0 => {
                a.manufacturer_data.insert(0x004c, bytes);
            }
            1 => {
                a.service_data.insert(uuid(0xfd5a), bytes);
            }
            2 => {
                a.service_data.insert(uuid(0xfeaa), bytes);
            }
            3 => {
                a.service_data.insert(uuid(0xfcb2), bytes);
            }
            4 => {
                a.services.push(uuid(0xfe33));
                a.service_data.insert(uuid(0xfe33), bytes);
            }
            5 => {
                a.services.push(uuid(0xfd69));
                a.service_data.insert(uuid(0xfd69), bytes);
            }
            6 => a.name = Some(String::from_utf8_lossy(payload).into_owned()),
            _ => {
                a.services.push(uuid(0xfeed));
                a.manufacturer_data.insert(u16::from(sel), bytes);
            }
        }
        engine.ingest(&Record::new(
            t + chrono::Duration::seconds(i as i64 * 60),
            Observation::Ble(a),
        ));
    }
    let findings = engine.findings();
    let a = MacAddr([0xC0, 1, 2, 3, 4, 5]);
    let _ = engine.trackers.locate(&a);
    !findings.is_empty()
}

/// The Android app check's parsers (dumpsys package, accessibility, device_policy, getprop,
/// settings, launcher activities, apks.json, AndroidQF's packages.json and dumpsys.txt) on the
/// same bytes. Accepted when a package was found.
pub fn android_dumpsys(data: &[u8]) -> bool {
    use crate::sources::android::parse;
    let text = parse::text("fuzz.txt", data).value;
    let packages = parse::dumpsys_package("fuzz.txt", &text);
    let _ = parse::dumpsys_accessibility("fuzz.txt", &text);
    let _ = parse::dumpsys_device_policy("fuzz.txt", &text);
    let _ = parse::getprop("fuzz.txt", &text);
    let _ = parse::settings("fuzz.txt", &text);
    let _ = parse::launcher_apps("fuzz.txt", &text);
    let _ = parse::component_list("fuzz.txt", &text);
    let _ = parse::apks_json("fuzz.txt", &text);
    let _ = parse::androidqf_packages("fuzz.txt", &text);
    for body in parse::dumpsys_sections(&text).values() {
        let _ = parse::dumpsys_package("fuzz.txt", body);
    }
    let _ = crate::sources::android::apk::facts(data);
    !packages.value.is_empty()
}

/// The iPhone backup readers: the first byte picks which file the rest is
/// (0 `Info.plist`, 1 a configuration profile, 2 a provisioning profile, 3 `Manifest.plist`
/// with the rest of a backup, otherwise `Manifest.db`); the file is read as the backup
/// check reads it, and every record through the engine and a report.
pub fn ios_backup(data: &[u8]) -> bool {
    use crate::observation::{Observation, Record};
    use crate::sources::ios::{BackupSource, backup};
    let Some((&which, rest)) = data.split_first() else {
        return false;
    };
    let t = chrono::DateTime::from_timestamp(1_795_168_800, 0).unwrap_or_default();
    let mut records = Vec::new();
    let ok = match which {
        0 => backup::parse_info("Info.plist", rest)
            .map(|i| records.push(Record::new(t, Observation::IosDevice(i.device))))
            .is_ok(),
        1 => backup::parse_profile("profile", "d/profile-1.stub", rest, "u")
            .map(|p| records.push(Record::new(t, Observation::IosProfile(Box::new(p)))))
            .is_ok(),
        2 => backup::parse_provisioning("profile", "d/p.mobileprovision", rest, "u")
            .map(|p| records.push(Record::new(t, Observation::IosProfile(Box::new(p)))))
            .is_ok(),
        _ => {
            // A whole backup folder: the fuzzed file next to a fixed Info.plist.
            let dir = std::env::temp_dir().join(format!(
                "sweep-fuzz-ios-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::create_dir_all(&dir);
            let info = b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Unique Identifier</key><string>u</string><key>Product Version</key><string>15.1</string><key>Installed Applications</key><array><string>com.saurik.Cydia</string></array></dict></plist>";
            let (file, other) = if which == 3 {
                ("Manifest.plist", "Manifest.db")
            } else {
                ("Manifest.db", "Manifest.plist")
            };
            let written = std::fs::write(dir.join("Info.plist"), info).is_ok()
                && std::fs::write(dir.join(file), rest).is_ok()
                && (which != 3 || std::fs::write(dir.join(other), b"").is_ok());
            if which != 3 {
                let _ = std::fs::remove_file(dir.join(other));
            }
            let ok = written
                && match backup::Backup::open(&dir) {
                    Ok(b) => {
                        let (recs, errors) = BackupSource::new(b).records(t);
                        records = recs;
                        errors.is_empty()
                    }
                    Err(_) => false,
                };
            let _ = std::fs::remove_dir_all(&dir);
            ok
        }
    };
    let mut engine = engine();
    for r in &records {
        engine.ingest(r);
    }
    let report = crate::report::Report::build(&engine, crate::report::ScanMeta::default());
    let _ = crate::report::render(&report, crate::report::Format::Markdown);
    ok
}

/// The live iPhone check's readers (`ios/<udid>/`): the first byte picks which answer the
/// rest is (0 `device-info.plist`, 1 `apps.plist`, 2 `provisioning.plist`, 3
/// `supervision.plist`, otherwise `developer-mode.txt`); the answer is written into a
/// folder beside the others left out and read as `--from` reads it, and every record goes
/// through the engine and a report.
pub fn ios_live(data: &[u8]) -> bool {
    use crate::sources::ios::snapshot;
    let Some((&which, rest)) = data.split_first() else {
        return false;
    };
    let file = match which {
        0 => "device-info.plist",
        1 => "apps.plist",
        2 => "provisioning.plist",
        3 => "supervision.plist",
        _ => "developer-mode.txt",
    };
    let dir = std::env::temp_dir().join(format!(
        "sweep-fuzz-ios-live-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() || std::fs::write(dir.join(file), rest).is_err() {
        return false;
    }
    let (records, errors) = snapshot::read_folder(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let mut engine = engine();
    for r in &records {
        engine.ingest(r);
    }
    let report = crate::report::Report::build(&engine, crate::report::ScanMeta::default());
    let _ = crate::report::render(&report, crate::report::Format::Markdown);
    errors.is_empty()
}
