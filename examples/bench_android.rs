//! Android app check benchmark (not a test): `cargo run --release --example bench_android`.
//!
//! A generated phone with 400 installed apps (300 not on the system image, 128 KiB APK each)
//! behind the tests' fake adb server on 127.0.0.1:
//! - sweep's collection: 9 reading commands (one whole `dumpsys package`) and one sync pull
//!   per non-system APK, written as a snapshot folder;
//! - spytrap-adb's way, for comparison: `pm list packages`, then one `dumpsys package PKG`
//!   per app (no APK pulls, so it does less work);
//! - analysis of the snapshot folder: parse, observations, engine, findings.
//!
//! A fake server answers in microseconds; on a real phone each command starts a process
//! (`dumpsys` takes tens of milliseconds to start), so the per-app way pays 400 of them, and
//! sweep's way is dominated by reading the APKs over USB (docs/benchmarks.md).

#[path = "../tests/android_support/mod.rs"]
mod android_support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use android_support::{FakeAdb, FakePhone, zip};
use sweep::engine::Engine;
use sweep::signatures::SignatureSet;
use sweep::sources::android::adb::AdbPhone;
use sweep::sources::android::collect::{COMMANDS, Phone, collect};
use sweep::sources::android::snapshot;

const APPS: usize = 400;
const SYSTEM: usize = 100;
const APK_BYTES: usize = 128 * 1024;

fn package_block(i: usize) -> (String, String) {
    let system = i < SYSTEM;
    let pkg = if system {
        format!("com.vendor.system.app{i:03}")
    } else {
        format!("org.example.app{i:03}")
    };
    let code = if system {
        format!("/system/app/App{i:03}")
    } else {
        format!("/data/app/~~r{i:03}==/{pkg}-x{i:03}==")
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "  Package [{pkg}] ({i:07x}):\n    userId={}\n    codePath={code}\n    versionCode={} minSdk=26 targetSdk=34\n    versionName=1.{i}\n    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]\n    timeStamp=2026-01-01 10:00:00\n    firstInstallTime=2026-01-{:02} 10:00:00\n    lastUpdateTime=2026-02-01 10:00:00\n    installerPackageName={}\n    pkgFlags=[ {}HAS_CODE ALLOW_CLEAR_USER_DATA ]\n    User 0: ceDataInode={i} installed=true hidden=false suspended=false distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false\n      runtime permissions:\n        android.permission.CAMERA: granted={}, flags=[ USER_SET ]\n        android.permission.ACCESS_FINE_LOCATION: granted=true, flags=[ USER_SET ]\n",
        10_000 + i,
        100 + i,
        1 + i % 28,
        if i.is_multiple_of(7) {
            "com.google.android.packageinstaller"
        } else {
            "com.android.vending"
        },
        if system { "SYSTEM " } else { "" },
        i.is_multiple_of(2)
    );
    (pkg, b)
}

fn phone() -> (FakePhone, Vec<String>) {
    let mut whole = String::from("Packages:\n");
    let mut outputs = BTreeMap::new();
    let mut files = BTreeMap::new();
    let mut pkgs = Vec::new();
    let mut launcher = String::new();
    for i in 0..APPS {
        let (pkg, block) = package_block(i);
        whole.push_str(&block);
        // `dumpsys package PKG` prints far more per app (activity tables, queries); the
        // block is the part both ways need.
        outputs.insert(
            format!("dumpsys package {pkg}"),
            format!("Packages:\n{block}").into_bytes(),
        );
        if !i.is_multiple_of(3) {
            let _ = writeln!(launcher, "{pkg}/.Main");
        }
        if i >= SYSTEM {
            let mut body = vec![0u8; APK_BYTES];
            body[..pkg.len()].copy_from_slice(pkg.as_bytes());
            let path = format!("/data/app/~~r{i:03}==/{pkg}-x{i:03}==/base.apk");
            files.insert(path, zip(&[("classes.dex", &body)]));
        }
        pkgs.push(pkg);
    }
    outputs.insert("dumpsys package".into(), whole.into_bytes());
    outputs.insert(
        "pm list packages".into(),
        pkgs.iter()
            .map(|p| format!("package:{p}\n"))
            .collect::<String>()
            .into_bytes(),
    );
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/android/android14");
    for (file, cmd) in COMMANDS {
        if *cmd == "dumpsys package" {
            continue;
        }
        let b = if *file == "launcher-apps.txt" {
            launcher.clone().into_bytes()
        } else {
            std::fs::read(format!("{fixtures}/{file}")).unwrap_or_default()
        };
        outputs.insert(cmd.to_string(), b);
    }
    (
        FakePhone {
            serial: "BENCH400".into(),
            state: "device".into(),
            outputs,
            files,
            disconnect_at: None,
        },
        pkgs,
    )
}

fn main() {
    let (fake, pkgs) = phone();
    let server = FakeAdb::start(vec![fake]);
    let work = std::env::temp_dir().join(format!("sweep-bench-android-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let dir = work.join("android/BENCH400");

    // sweep's collection.
    let t0 = Instant::now();
    let (mut phone, _) = AdbPhone::open_at("127.0.0.1", server.port, None).expect("fake server");
    let m = collect(&mut phone, "BENCH400", &dir, &chrono::Utc::now, &|| false).expect("collect");
    let collect_s = t0.elapsed().as_secs_f64();
    assert!(!m.partial);
    let pulls = m
        .commands
        .iter()
        .filter(|c| c.command.starts_with("sync"))
        .count();

    // spytrap-adb's way: list, then one dumpsys per package.
    let t1 = Instant::now();
    let (mut phone, _) = AdbPhone::open_at("127.0.0.1", server.port, None).expect("fake server");
    let list = phone.run("pm list packages").expect("list");
    let mut bytes = list.stdout.len();
    for p in &pkgs {
        bytes += phone
            .run(&format!("dumpsys package {p}"))
            .expect("dumpsys")
            .stdout
            .len();
    }
    let per_app_s = t1.elapsed().as_secs_f64();

    // Analysis of the snapshot folder (best of 5).
    let sigs = Arc::new(SignatureSet::embedded().expect("signatures"));
    let mut best = f64::MAX;
    let mut nfind = 0;
    for _ in 0..5 {
        let t2 = Instant::now();
        let recs = snapshot::read_folder(&dir).expect("read");
        let mut engine = Engine::new(Arc::clone(&sigs));
        for r in &recs {
            engine.ingest(r);
        }
        nfind = engine.findings().len();
        best = best.min(t2.elapsed().as_secs_f64());
    }
    println!(
        "phone: {APPS} apps ({} not on the system image, {} KiB APKs)",
        APPS - SYSTEM,
        APK_BYTES / 1024
    );
    println!(
        "sweep collection (9 commands + {pulls} APK pulls, hashes and certificates): {:.1} ms",
        collect_s * 1e3
    );
    println!(
        "per-app dumpsys (1 + {} round trips, {bytes} bytes, no APKs): {:.1} ms",
        pkgs.len(),
        per_app_s * 1e3
    );
    println!(
        "processes started on the phone: sweep 9 (+ {pulls} file reads on one sync session) vs per-app {}",
        1 + pkgs.len()
    );
    println!(
        "analysis of the snapshot (parse + engine + {nfind} findings): {:.1} ms (best of 5)",
        best * 1e3
    );
    let _ = std::fs::remove_dir_all(&work);
}
