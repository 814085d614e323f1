//! The Android app check: snapshot folders (sweep's, Android 9/11/14 formats, AndroidQF),
//! the live check through a fake adb server (same findings as `--from` on the folder it
//! wrote), phones that are missing, unauthorised, doubled or unplugged mid-collection, and
//! bad input.

mod support;

mod android_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use android_support::{FakeAdb, FakePhone, phone_from_folder, signed_apk, v1_signed_apk, zip};
use serde_json::Value;
use sha1::Digest;

fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/android")
        .join(name)
}

fn sweep(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.env("SWEEP_HOME", home);
    c.env_remove("ADB_SERVER_SOCKET");
    c
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

fn run(mut c: Command) -> Run {
    let out = c.args(["--json", "-"]).output().expect("sweep runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr,
    }
}

fn from(home: &Path, dir: &Path, sigs: Option<&Path>) -> Run {
    let mut c = sweep(home);
    c.args(["scan", "--from"]).arg(dir);
    if let Some(s) = sigs {
        c.arg("--signatures").arg(s);
    }
    run(c)
}

fn findings(r: &Run) -> Vec<&Value> {
    r.json["findings"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn by_package<'a>(r: &'a Run, pkg: &str) -> Vec<&'a Value> {
    findings(r)
        .into_iter()
        .filter(|f| f["subject"]["package"] == pkg)
        .collect()
}

fn by_signature<'a>(r: &'a Run, sig: &str) -> Option<&'a Value> {
    findings(r).into_iter().find(|f| f["signature"] == sig)
}

#[test]
fn android14_snapshot_grades_every_kind_of_app() {
    let home = tempfile::tempdir().expect("tmp");
    let r = from(home.path(), &fixtures("android14"), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Listed package, sideloaded, hidden, reading the screen: high, with the indicator.
    let f = by_package(&r, "com.thetruth");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(f[0]["category"], "stalkerware");
    assert_eq!(f[0]["indicators"][0]["type"], "package");
    assert_eq!(f[0]["indicators"][0]["value"], "com.thetruth");
    assert_eq!(f[0]["subject"]["kind"], "phone");
    assert_eq!(f[0]["subject"]["serial"], "SWEEPTEST14");
    assert_eq!(f[0]["subject"]["model"], "Pixel 8");
    assert_eq!(f[0]["subject"]["android_version"], "14");
    let ev = f[0]["evidence"].to_string();
    assert!(ev.contains("First installed: 2026-11-14 23:41:09"), "{ev}");
    assert!(ev.contains("READ_SMS"), "{ev}");
    assert!(ev.contains("No icon in the app list"), "{ev}");
    assert!(ev.contains("the package installer"), "{ev}");
    // Renamed package, listed certificate (lower case with colons in apks.json): high.
    let f = by_package(&r, "com.android.systemupdate.helper");
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(f[0]["indicators"][0]["type"], "certificate");
    assert_eq!(
        f[0]["indicators"][0]["listed"],
        "7F5C0D54A813BA9B87A91420CA2C3DE5E7948F09"
    );
    assert!(
        f[0]["meaning"]
            .as_str()
            .unwrap_or("")
            .contains("another package name")
    );
    // Enabled accessibility service, installed by the package installer: medium lead.
    let f = by_package(&r, "com.example.notes");
    assert_eq!(f[0]["severity"], "medium");
    assert_eq!(f[0]["category"], "phone-app");
    assert!(
        f[0]["meaning"]
            .as_str()
            .unwrap_or("")
            .contains("read everything on the screen")
    );
    // Play-installed with a notification listener: low.
    let f = by_package(&r, "com.example.watchlink");
    assert_eq!(f[0]["severity"], "low");
    // F-Droid without powers: info only.
    let f = by_package(&r, "org.example.fdroidapp");
    assert_eq!(f[0]["severity"], "info");
    // Dual-use app from the store: the list's neutral low lead.
    let f = by_package(&r, "com.life360.android.safetymapd");
    assert_eq!(f[0]["severity"], "low");
    assert_eq!(f[0]["signature"], "dual-use.life360");
    // System apps (even an admin) and a store app without powers: nothing.
    assert!(by_package(&r, "com.google.android.gms").is_empty());
    assert!(by_package(&r, "com.android.chrome").is_empty());
    assert!(by_package(&r, "com.android.settings").is_empty());
    // Phone-wide: device owner, verifier off, old patch (relative to the collection time).
    assert_eq!(
        by_signature(&r, "phone.setting.device-owner").expect("owner")["severity"],
        "medium"
    );
    let v = by_signature(&r, "phone.setting.verifier-off").expect("verifier");
    assert!(
        v["evidence"]
            .to_string()
            .contains("package_verifier_enable = 0")
    );
    assert_eq!(
        by_signature(&r, "phone.setting.old-patch").expect("patch")["severity"],
        "low"
    );
    assert!(by_signature(&r, "phone.setting.root").is_none());
    // Every part done: no "incomplete" finding; every file in scan.inputs with its hash.
    assert!(by_signature(&r, "phone.check.incomplete").is_none());
    let inputs = r.json["scan"]["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 11, "{inputs:?}");
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().is_some_and(|s| s.len() == 64))
    );
    assert_eq!(r.json["scan"]["sources"][0]["source"], "android");
}

#[test]
fn android_9_and_11_formats() {
    let home = tempfile::tempdir().expect("tmp");
    for (v, profile) in [("android9", false), ("android11", true)] {
        let r = from(home.path(), &fixtures(v), None);
        assert_eq!(r.code, 0, "{v}: {}", r.stderr);
        let f = by_package(&r, "com.example.notes");
        assert_eq!(f[0]["severity"], "medium", "{v}");
        assert!(
            f[0]["evidence"]
                .to_string()
                .contains("accessibility service"),
            "{v}"
        );
        let mdm = by_package(&r, "com.example.mdm");
        assert!(
            mdm[0]["evidence"]
                .to_string()
                .contains("device administrator"),
            "{v}"
        );
        assert!(
            by_signature(&r, "phone.setting.device-owner").is_some(),
            "{v}"
        );
        assert_eq!(
            by_signature(&r, "phone.setting.profile-owner").is_some(),
            profile,
            "{v}"
        );
        // Magisk and an orange verified-boot state.
        assert!(by_signature(&r, "phone.setting.root").is_some(), "{v}");
        assert!(
            by_signature(&r, "phone.setting.bootloader-unlocked").is_some(),
            "{v}"
        );
        // The work app is installed for user 10 only: not an app of the main user.
        assert!(by_package(&r, "com.example.work").is_empty(), "{v}");
        // Missing files: the parts are reported as not done.
        let inc = by_signature(&r, "phone.check.incomplete").expect("incomplete");
        let ev = inc["evidence"].to_string();
        assert!(ev.contains("settings-global.txt is missing"), "{v}: {ev}");
        assert!(ev.contains("launcher-apps.txt is missing"), "{v}: {ev}");
    }
}

#[test]
fn bad_input_is_partial_never_a_panic() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("android/BAD1");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let src = fixtures("android14");
    for f in ["getprop.txt", "dumpsys-accessibility.txt"] {
        std::fs::copy(src.join(f), dir.join(f)).expect("copy");
    }
    // dumpsys package cut in the middle of a package block.
    let pk = std::fs::read_to_string(src.join("dumpsys-package.txt")).expect("read");
    let cut = pk.find("  Package [com.example.watchlink]").expect("block") + 200;
    std::fs::write(dir.join("dumpsys-package.txt"), &pk[..cut]).expect("write");
    std::fs::write(
        dir.join("apks.json"),
        "[{\"package\": \"com.thetruth\",\n  garbage",
    )
    .expect("w");
    std::fs::write(
        dir.join("dumpsys-device_policy.txt"),
        b"\xff\xfe\x00binary\n",
    )
    .expect("w");
    let r = from(home.path(), home.path(), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // What came before the cut is kept and matched.
    assert_eq!(by_package(&r, "com.thetruth")[0]["severity"], "high");
    assert_eq!(by_package(&r, "com.example.notes")[0]["severity"], "medium");
    let ev =
        by_signature(&r, "phone.check.incomplete").expect("incomplete")["evidence"].to_string();
    assert!(ev.contains("dumpsys-package.txt: the output ends in the middle of the package com.example.watchlink"), "{ev}");
    assert!(ev.contains("apks.json:2:"), "{ev}");
    assert!(ev.contains("dumpsys-device_policy.txt"), "{ev}");
    // A bad manifest is a located error, exit 2.
    std::fs::write(dir.join("manifest.json"), "{\"tool\": 1").expect("w");
    let r = from(home.path(), &dir, None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("manifest.json:1:"), "{}", r.stderr);
}

#[test]
fn androidqf_folder() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("qf");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let src = fixtures("android14");
    std::fs::copy(src.join("getprop.txt"), dir.join("getprop.txt")).expect("copy");
    let mut dumpsys = String::new();
    for (svc, f) in [
        ("package", "dumpsys-package.txt"),
        ("accessibility", "dumpsys-accessibility.txt"),
        ("device_policy", "dumpsys-device_policy.txt"),
    ] {
        dumpsys.push_str(&format!(
            "-------------------------------------------------------------------------------\nDUMP OF SERVICE {svc}:\n"
        ));
        dumpsys.push_str(&std::fs::read_to_string(src.join(f)).expect("read"));
        dumpsys.push_str("--------- 0.012s was the duration of dumpsys ");
        dumpsys.push_str(svc);
        dumpsys.push_str(", ending at: 2026-11-24 15:02:11\n");
    }
    std::fs::write(dir.join("dumpsys.txt"), dumpsys).expect("w");
    for ns in ["global", "secure", "system"] {
        std::fs::copy(
            src.join(format!("settings-{ns}.txt")),
            dir.join(format!("settings_{ns}.txt")),
        )
        .expect("copy");
    }
    std::fs::write(
        dir.join("packages.json"),
        r#"[{"name":"com.android.systemupdate.helper","installer":"com.google.android.packageinstaller","uid":10232,"disabled":false,"system":false,"third_party":true,
             "files":[{"path":"/data/app/x/base.apk","sha256":"aa11bb22cc33dd44ee55ff6600771188229933aa44bb55cc66dd77ee88ff9900","certificate":{"Md5":"00","Sha1":"7F5C0D54A813BA9B87A91420CA2C3DE5E7948F09","Sha256":""}}]}]"#,
    )
    .expect("w");
    std::fs::write(
        dir.join("acquisition.json"),
        r#"{"uuid":"x","started":"2026-11-24T15:02:00Z","completed":"2026-11-24T15:02:30Z"}"#,
    )
    .expect("w");
    let r = from(home.path(), &dir, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = by_package(&r, "com.android.systemupdate.helper");
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(f[0]["indicators"][0]["type"], "certificate");
    assert_eq!(by_package(&r, "com.thetruth")[0]["severity"], "high");
    assert!(by_signature(&r, "phone.setting.device-owner").is_some());
    // AndroidQF does not record launcher icons: said, not guessed.
    let ev =
        by_signature(&r, "phone.check.incomplete").expect("incomplete")["evidence"].to_string();
    assert!(ev.contains("launcher icon"), "{ev}");
    assert_eq!(r.json["scan"]["inputs"].as_array().map(Vec::len), Some(7));
}

/// A signature folder: the built-in files plus one stalkerware entry whose certificate is
/// the one this test made.
fn signatures_with_cert(work: &Path, cert_sha1: &str) -> PathBuf {
    let dir = work.join("sigs");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    for e in std::fs::read_dir(&root).expect("signatures") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    std::fs::write(
        dir.join("zz-test.toml"),
        format!(
            r#"[source]
name = "test"
version = "1"
description = "certificate made by the test"
source = "tests/android.rs"
licence = "CC0-1.0"

[[entry]]
id = "stalkerware.testspy.app"
name = "TestSpy"
category = "stalkerware"
severity = "high"
meaning = "TestSpy secretly sends what a phone does to the person who installed it."
next_steps = ["Decide with the advocate."]

[entry.match]
type = "app"
packages = ["com.testspy.original"]
certificates = ["{cert_sha1}"]
"#
        ),
    )
    .expect("write");
    dir
}

/// The fake phone: the Android 14 recordings, and APKs for its non-system apps; the
/// renamed app's APK is built and signed in the test.
fn fake_phone(work: &Path) -> (FakePhone, String) {
    let mut phone = phone_from_folder("SWEEPTEST14", &fixtures("android14"));
    let (apk, cert) = signed_apk(work, "com.android.systemupdate.helper");
    let cert_sha1 = hex::encode_upper(sha1::Sha1::digest(&cert));
    let text = std::fs::read_to_string(fixtures("android14/dumpsys-package.txt")).expect("read");
    for (pkg, path) in sweep::sources::android::collect::apk_paths(&text) {
        let bytes = if pkg == "com.android.systemupdate.helper" {
            apk.clone()
        } else {
            zip(&[("AndroidManifest.xml", pkg.as_bytes())])
        };
        phone.files.insert(path, bytes);
    }
    (phone, cert_sha1)
}

fn comparable(r: &Run) -> Vec<Value> {
    findings(r).into_iter().cloned().collect()
}

#[test]
fn live_check_through_a_fake_adb_server_gives_the_same_findings_as_from() {
    let work = tempfile::tempdir().expect("tmp");
    let (phone, cert_sha1) = fake_phone(work.path());
    let sigs = signatures_with_cert(work.path(), &cert_sha1);
    let server = FakeAdb::start(vec![phone]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--case", "T-1", "--cases-dir"])
        .arg(&cases)
        .arg("--signatures")
        .arg(&sigs);
    let live = run(c);
    assert_eq!(live.code, 0, "{}", live.stderr);
    // The renamed app is found by the certificate the test signed it with.
    let f = by_package(&live, "com.android.systemupdate.helper");
    assert_eq!(f[0]["severity"], "high", "{:#}", f[0]);
    assert_eq!(f[0]["signature"], "stalkerware.testspy.app");
    assert_eq!(f[0]["indicators"][0]["type"], "certificate");
    assert_eq!(f[0]["indicators"][0]["listed"], cert_sha1.as_str());
    assert_eq!(by_package(&live, "com.thetruth")[0]["severity"], "high");
    // Only reading commands went to the phone, one dumpsys package for all apps.
    let reqs = server.requests();
    let shell: Vec<&String> = reqs.iter().filter(|r| r.starts_with("shell")).collect();
    assert_eq!(shell.len(), 9, "{shell:?}");
    assert_eq!(
        reqs.iter()
            .filter(|r| r.contains("dumpsys package"))
            .count(),
        1
    );
    for r in &shell {
        let cmd = r.trim_start_matches("shell,v2,raw:");
        assert!(
            [
                "getprop",
                "dumpsys ",
                "settings list ",
                "settings get ",
                "cmd package query-activities "
            ]
            .iter()
            .any(|p| cmd.starts_with(p)),
            "not a reading command: {cmd}"
        );
    }
    assert_eq!(
        reqs.iter().filter(|r| r.starts_with("sync RECV")).count(),
        7
    );
    // The snapshot folder, in the layout, with a manifest listing every command.
    let case = support::run::the_case(&cases);
    let snap = case.join("android/SWEEPTEST14");
    for f in [
        "getprop.txt",
        "dumpsys-package.txt",
        "dumpsys-accessibility.txt",
        "dumpsys-device_policy.txt",
        "notification-listeners.txt",
        "settings-global.txt",
        "settings-secure.txt",
        "settings-system.txt",
        "launcher-apps.txt",
        "apks.json",
        "manifest.json",
    ] {
        assert!(snap.join(f).is_file(), "{f} missing");
    }
    let m: Value =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["commands"].as_array().map(Vec::len), Some(9 + 7));
    assert_eq!(m["commands"][0]["exit_code"], 0);
    assert_eq!(m["partial"], false);
    let inputs = live.json["scan"]["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 11, "{inputs:?}");
    // Replaying the folder (and the case folder) gives the same findings.
    let replay = from(work.path(), &snap, Some(&sigs));
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert_eq!(comparable(&live), comparable(&replay));
    let replay_case = from(work.path(), &case, Some(&sigs));
    assert_eq!(comparable(&live), comparable(&replay_case));
}

/// A renamed stalkerware app signed only with the v1 (JAR) scheme is matched by its
/// certificate through the same path as a v2-signed one; a garbage `META-INF/CERT.RSA` gives
/// no certificate and a note in the app's evidence, never a panic.
#[test]
fn v1_only_signed_apk_is_matched_by_its_certificate() {
    let work = tempfile::tempdir().expect("tmp");
    let mut phone = phone_from_folder("SWEEPTEST14", &fixtures("android14"));
    let (apk, cert) = v1_signed_apk(work.path(), "com.android.systemupdate.helper");
    if let Err(e) = sweep::sources::android::apk::certificates(&apk) {
        panic!("the test APK's v1 signature should be readable: {e}");
    }
    let cert_sha1 = hex::encode_upper(sha1::Sha1::digest(&cert));
    let text = std::fs::read_to_string(fixtures("android14/dumpsys-package.txt")).expect("read");
    for (pkg, path) in sweep::sources::android::collect::apk_paths(&text) {
        let bytes = match pkg.as_str() {
            "com.android.systemupdate.helper" => apk.clone(),
            "com.example.notes" => zip(&[
                ("META-INF/CERT.RSA", b"\x30\x82\xff\xff garbage, not PKCS#7"),
                ("AndroidManifest.xml", pkg.as_bytes()),
            ]),
            _ => zip(&[("AndroidManifest.xml", pkg.as_bytes())]),
        };
        phone.files.insert(path, bytes);
    }
    let sigs = signatures_with_cert(work.path(), &cert_sha1);
    let server = FakeAdb::start(vec![phone]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--cases-dir"])
        .arg(&cases)
        .arg("--signatures")
        .arg(&sigs);
    let live = run(c);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let f = by_package(&live, "com.android.systemupdate.helper");
    assert_eq!(f[0]["severity"], "high", "{:#}", f[0]);
    assert_eq!(f[0]["signature"], "stalkerware.testspy.app");
    assert_eq!(f[0]["indicators"][0]["type"], "certificate");
    assert_eq!(f[0]["indicators"][0]["listed"], cert_sha1.as_str());
    // The certificate's SHA-256 is recorded too, in apks.json.
    let snap = support::run::the_case(&cases).join("android/SWEEPTEST14");
    let apks: Value =
        serde_json::from_slice(&std::fs::read(snap.join("apks.json")).expect("apks.json"))
            .expect("json");
    let rec = |p: &str| {
        apks.as_array()
            .expect("array")
            .iter()
            .find(|a| a["package"] == p)
            .cloned()
            .expect("record")
    };
    let helper = rec("com.android.systemupdate.helper");
    assert_eq!(helper["cert_sha1"][0], cert_sha1.as_str());
    assert_eq!(
        helper["cert_sha256"][0],
        hex::encode_upper(sha2::Sha256::digest(&cert)).as_str()
    );
    assert!(helper.get("error").is_none(), "{helper}");
    // Garbage in META-INF/CERT.RSA: no certificate, the reason kept and shown.
    let notes = rec("com.example.notes");
    assert!(notes.get("cert_sha1").is_none(), "{notes}");
    let err = notes["error"].as_str().expect("error");
    assert!(err.contains("META-INF/CERT.RSA"), "{err}");
    let f = by_package(&live, "com.example.notes");
    assert_eq!(f[0]["severity"], "medium");
    let ev = f[0]["evidence"].to_string();
    assert!(
        ev.contains("signing certificate or hash not checked"),
        "{ev}"
    );
    assert!(ev.contains("META-INF/CERT.RSA"), "{ev}");
    // And the folder replays to the same findings.
    let replay = from(work.path(), &snap, Some(&sigs));
    assert_eq!(comparable(&live), comparable(&replay));
}

#[test]
fn phone_unplugged_mid_collection_keeps_what_was_collected() {
    let work = tempfile::tempdir().expect("tmp");
    let (mut phone, _) = fake_phone(work.path());
    phone.disconnect_at = Some("dumpsys device_policy".into());
    let server = FakeAdb::start(vec![phone]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--cases-dir"])
        .arg(&cases);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Packages and accessibility came before the cable was pulled.
    assert_eq!(by_package(&r, "com.thetruth")[0]["severity"], "high");
    assert_eq!(by_package(&r, "com.example.notes")[0]["severity"], "medium");
    let ev =
        by_signature(&r, "phone.check.incomplete").expect("incomplete")["evidence"].to_string();
    assert!(ev.contains("disconnected"), "{ev}");
    assert!(
        ev.contains("Partly checked apps that manage the phone"),
        "{ev}"
    );
    assert!(ev.contains("Not checked which apps have an icon"), "{ev}");
    // No APK was pulled after the disconnection.
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.starts_with("sync RECV"))
            .count(),
        0
    );
}

#[test]
fn two_phones_need_a_serial() {
    let work = tempfile::tempdir().expect("tmp");
    let a = phone_from_folder("PHONE-A", &fixtures("android14"));
    let b = phone_from_folder("PHONE-B", &fixtures("android14"));
    let server = FakeAdb::start(vec![a, b]);
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("PHONE-A") && r.stderr.contains("PHONE-B"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--serial"), "{}", r.stderr);
    // With --serial, the named one is checked.
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--serial", "PHONE-B", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        by_package(&r, "com.thetruth")[0]["subject"]["serial"],
        "PHONE-B"
    );
}

#[test]
fn unauthorised_phone_and_missing_server_are_unavailable_with_the_fix() {
    let work = tempfile::tempdir().expect("tmp");
    let mut p = phone_from_folder("LOCKED1", &fixtures("android14"));
    p.state = "unauthorized".into();
    let server = FakeAdb::start(vec![p]);
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", server.socket())
        .args(["scan", "--android", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Allow USB debugging"), "{}", r.stderr);
    let s = &r.json["scan"]["sources"][0];
    assert_eq!(s["source"], "android");
    assert_eq!(s["state"], "unavailable");
    // No server at all: a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut c = sweep(work.path());
    c.env("ADB_SERVER_SOCKET", format!("tcp:127.0.0.1:{port}"))
        .args(["scan", "--android", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("install adb") || r.stderr.contains("Install adb"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json["scan"]["sources"][0]["state"], "unavailable");
}

/// The collector's seam: a phone faked in memory (no adb server) writes the same folder.
#[test]
fn collector_with_an_in_memory_phone() {
    use sweep::sources::android::collect::{CmdOutput, Phone, PhoneError, collect};
    struct Mem(FakePhone, usize);
    impl Phone for Mem {
        fn run(&mut self, command: &str) -> Result<CmdOutput, PhoneError> {
            self.1 += 1;
            if command == "settings list system" {
                return Err(PhoneError::Failed(
                    "cmd: Can't find service: settings".into(),
                ));
            }
            Ok(CmdOutput {
                stdout: self.0.outputs.get(command).cloned().unwrap_or_default(),
                exit_code: Some(0),
            })
        }
        fn pull(&mut self, path: &str, _max: u64) -> Result<Vec<u8>, PhoneError> {
            self.0
                .files
                .get(path)
                .cloned()
                .ok_or_else(|| PhoneError::Failed(format!("{path}: no such file")))
        }
    }
    let work = tempfile::tempdir().expect("tmp");
    let (phone, cert_sha1) = fake_phone(work.path());
    let dir = work.path().join("snap");
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let mut mem = Mem(phone, 0);
    let m = collect(&mut mem, "SWEEPTEST14", &dir, &move || t, &|| false).expect("collect");
    assert_eq!(mem.1, 9);
    assert!(!m.partial);
    let apks = std::fs::read_to_string(dir.join("apks.json")).expect("apks");
    assert!(apks.contains(&cert_sha1), "{apks}");
    assert!(!dir.join("settings-system.txt").exists());
    let sigs = signatures_with_cert(work.path(), &cert_sha1);
    let r = from(work.path(), &dir, Some(&sigs));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ev =
        by_signature(&r, "phone.check.incomplete").expect("incomplete")["evidence"].to_string();
    assert!(ev.contains("Can't find service"), "{ev}");
    assert_eq!(r.json["scan"]["started"], "2026-11-24T10:00:00Z");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Cut and spliced recordings never panic a parser.
    #[test]
    fn parsers_are_total_on_cut_and_spliced_outputs(
        which in 0usize..4,
        cut in 0usize..20_000,
        at in 0usize..20_000,
        junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
    ) {
        let f = ["dumpsys-package.txt", "dumpsys-accessibility.txt", "dumpsys-device_policy.txt", "apks.json"][which];
        let mut b = std::fs::read(fixtures("android14").join(f)).expect("read");
        b.truncate(cut.min(b.len()));
        let at = at.min(b.len());
        b.splice(at..at, junk);
        sweep::fuzzing::android_dumpsys(&b);
    }
}

/// The observations a snapshot gives are recorded and replay to the same findings.
#[test]
fn recorded_observations_replay_to_the_same_findings() {
    let home = tempfile::tempdir().expect("tmp");
    let rec = home.path().join("rec.jsonl");
    let mut c = sweep(home.path());
    c.args(["scan", "--from"])
        .arg(fixtures("android14"))
        .arg("--record")
        .arg(&rec);
    let first = run(c);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let text = std::fs::read_to_string(&rec).expect("recording");
    assert!(text.contains("\"kind\":\"android-app\""), "{text}");
    let again = from(home.path(), &rec, None);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(comparable(&first), comparable(&again));
}
