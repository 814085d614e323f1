//! One case per kind of bad input: exit code 2, an error naming the file and the
//! line or byte offset, and never a panic.

mod support;

use std::path::Path;
use std::process::Command;

fn sweep() -> Command {
    support::run::sweep_with_home(&std::env::temp_dir().join("sweep-bad-input-home"))
}

fn scan_from(path: &Path) -> (i32, String) {
    let out = sweep()
        .args(["scan", "--from"])
        .arg(path)
        .args(["--json", "-"])
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_bad(path: &Path, must_contain: &[&str]) {
    let (code, err) = scan_from(path);
    assert_eq!(code, 2, "exit code for {}: stderr {err}", path.display());
    assert!(
        !err.contains("panicked"),
        "panic on {}: {err}",
        path.display()
    );
    assert!(
        err.contains(&path.display().to_string()),
        "error does not name the file: {err}"
    );
    for m in must_contain {
        assert!(
            err.contains(m),
            "error for {} lacks {m:?}: {err}",
            path.display()
        );
    }
}

const GOOD: &str =
    r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"C4:11:22:33:44:55","rssi":-60}"#;

#[test]
fn empty_file() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("empty.jsonl");
    std::fs::write(&p, b"").expect("write");
    assert_bad(&p, &["empty", "offset 0"]);
}

#[test]
fn wrong_magic() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("photo.pcap");
    std::fs::write(&p, b"\x89PNG\r\n\x1a\n....").expect("write");
    assert_bad(&p, &["offset 0", "89504e47"]);
}

#[test]
fn garbage_jsonl_line() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("garbage.jsonl");
    std::fs::write(&p, format!("{GOOD}\n{GOOD}\n{{\"t\": nonsense}}\n{GOOD}\n")).expect("write");
    assert_bad(&p, &[":3:"]);
}

#[test]
fn bad_hex_in_advert() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("hex.jsonl");
    let bad = r#"{"t":"2026-11-22T10:00:01Z","kind":"ble","address":"C4:11:22:33:44:55","service_data":{"fd5a":"1g"}}"#;
    std::fs::write(&p, format!("{GOOD}\n{bad}\n")).expect("write");
    assert_bad(&p, &[":2:", "invalid hex"]);
}

#[test]
fn truncated_pcap_header() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("short.pcap");
    // The pcap magic and half a global header.
    std::fs::write(&p, [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0]).expect("write");
    assert_bad(&p, &["offset"]);
}

#[test]
fn truncated_pcap_record() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("cut.pcap");
    let mut b = vec![0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00];
    b.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    b.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    b.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    // A record header announcing 60 bytes, followed by only 10.
    b.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&60u32.to_le_bytes());
    b.extend_from_slice(&60u32.to_le_bytes());
    b.extend_from_slice(&[0xff; 10]);
    std::fs::write(&p, b).expect("write");
    assert_bad(&p, &["offset 24"]);
}

#[test]
fn broken_signatures_name_file_line_and_column() {
    let d = tempfile::tempdir().expect("tmp");
    std::fs::write(
        d.path().join("broken.toml"),
        "[source]\nname = \"x\"\nversion = \"1\"\ndescription = \"d\"\nsource = \"s\"\nlicence = \"MIT\"\n\n[[entry]]\nid = \"a\"\nname = \n",
    )
    .expect("write");
    let out = sweep()
        .args(["signatures", "check"])
        .arg(d.path())
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("broken.toml:10:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // The same folder given to a scan: exit 2 before anything runs.
    let rec = d.path().join("rec.jsonl");
    std::fs::write(&rec, format!("{GOOD}\n")).expect("write");
    let out = sweep()
        .arg("--signatures")
        .arg(d.path())
        .args(["scan", "--from"])
        .arg(&rec)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.toml:10:"));
}

#[test]
fn truncated_last_line_is_only_a_warning() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("crash.jsonl");
    std::fs::write(&p, format!("{GOOD}\n{GOOD}\n{{\"t\":\"2026-11-22T10:0")).expect("write");
    let out = sweep()
        .args(["scan", "--from"])
        .arg(&p)
        .args(["--json", "-"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("crash.jsonl:3: last line is truncated"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["scan"]["counters"]["by_kind"]["ble"], 2);
}

/// Hostile files in a `--signatures` folder: a FIFO (would block forever), a link to
/// /dev/zero (would be read without end) and an id defined in two files: each is a clear
/// error naming the file, at once.
#[test]
fn hostile_signature_files_are_refused_by_name() {
    let header = "[source]\nname = \"x\"\nversion = \"1\"\ndescription = \"d\"\nsource = \"s\"\nlicence = \"MIT\"\n";
    let entry = "\n[[entry]]\nid = \"dup.one\"\nname = \"n\"\ncategory = \"tracker\"\nseverity = \"low\"\ntitle = \"t\"\nmeaning = \"m\"\nnext_steps = [\"s\"]\n\n[entry.match]\ntype = \"find-my\"\ndevice_type = 1\n";
    let check = |dir: &Path| {
        let out = sweep()
            .args(["signatures", "check"])
            .arg(dir)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let fifo = tempfile::tempdir().expect("tmp");
    let status = Command::new("mkfifo")
        .arg(fifo.path().join("pipe.toml"))
        .status()
        .expect("mkfifo (coreutils)");
    assert!(status.success());
    let (code, err) = check(fifo.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("pipe.toml") && err.contains("not a regular file"),
        "{err}"
    );

    let zero = tempfile::tempdir().expect("tmp");
    std::os::unix::fs::symlink("/dev/zero", zero.path().join("zero.toml")).expect("symlink");
    let (code, err) = check(zero.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("zero.toml") && err.contains("not a regular file"),
        "{err}"
    );

    // A regular file larger than the limit is refused by what is read.
    let big = tempfile::tempdir().expect("tmp");
    let mut text = String::from(header);
    text.push_str(&"# padding padding padding padding padding padding padding\n".repeat(300_000));
    std::fs::write(big.path().join("big.toml"), text).expect("write");
    let (code, err) = check(big.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("big.toml") && err.contains("limit"), "{err}");

    let dup = tempfile::tempdir().expect("tmp");
    std::fs::write(dup.path().join("a.toml"), format!("{header}{entry}")).expect("write");
    std::fs::write(dup.path().join("b.toml"), format!("{header}\n\n{entry}")).expect("write");
    let (code, err) = check(dup.path());
    assert_eq!(code, Some(2), "{err}");
    // The second definition is named by file and line, the first one too.
    assert!(err.contains("b.toml:11:"), "{err}");
    assert!(err.contains("a.toml:9)"), "{err}");
    assert!(err.contains("defined twice"), "{err}");
}

/// A live check longer than a day is a usage error, not a panic.
#[test]
fn absurd_duration_is_a_usage_error() {
    for d in ["9223372036854775807", "86401", "0"] {
        let out = sweep()
            .args(["scan", "--ble", "--duration", d])
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{d}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("--duration"), "{err}");
    }
}

/// Records with times that cannot be right (a device clock never set, a typo'd year) are
/// kept and counted, and never stretch the scan's window.
#[test]
fn absurd_record_times_are_kept_but_do_not_stretch_the_window() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("clock.jsonl");
    let at = |t: &str| GOOD.replace("2026-11-22T10:00:00Z", t);
    let lines = [
        at("1970-01-01T00:00:05Z"),
        GOOD.to_string(),
        at("2026-11-22T10:05:00Z"),
        at("2099-01-01T00:00:00Z"),
    ];
    std::fs::write(&p, lines.join("\n") + "\n").expect("write");
    let v = support::run::scan_from(sweep(), &p);
    assert_eq!(
        v["scan"]["started"], "2026-11-22T10:00:00Z",
        "{:#}",
        v["scan"]
    );
    assert_eq!(
        v["scan"]["ended"], "2026-11-22T10:05:00Z",
        "{:#}",
        v["scan"]
    );
    assert_eq!(v["scan"]["counters"]["implausible_times"], 2);
    // All four were analysed.
    assert_eq!(v["scan"]["counters"]["by_kind"]["ble"], 4);
}

/// A disk that fills up while recording says "disk full", and the findings still count
/// everything that was analysed. A 64 KiB tmpfs in a private mount namespace is the disk.
#[test]
#[ignore = "needs root (mounts a small tmpfs in a private mount namespace)"]
fn a_full_disk_says_so_and_the_summary_counts_everything() {
    let d = tempfile::tempdir().expect("tmp");
    let rec = d.path().join("many.jsonl");
    let mut text = String::new();
    for i in 0..5_000u32 {
        text.push_str(&GOOD.replace("10:00:00", &format!("10:{:02}:{:02}", i / 60 % 60, i % 60)));
        text.push('\n');
    }
    std::fs::write(&rec, text).expect("write");
    let small = d.path().join("small");
    std::fs::create_dir(&small).expect("dir");
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs '{}' && exec '{}' scan --from '{}' --record '{}' --json -",
        small.display(),
        env!("CARGO_BIN_EXE_sweep"),
        rec.display(),
        small.join("copy.jsonl").display()
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env("SWEEP_HOME", d.path().join("home"))
        .output()
        .expect("unshare (util-linux)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disk full"), "{err}");
    assert!(!err.contains("Error reading bytes"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(v["scan"]["counters"]["by_kind"]["ble"], 5_000, "{err}");
}
