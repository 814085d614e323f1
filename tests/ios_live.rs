//! The live iPhone check (`sweep scan --ios`), end to end with recorded answers: the
//! lockdown answers are property lists generated here (tests/support/ios.rs), served by
//! stand-in `idevice_id`/`ideviceinfo`/`ideviceinstaller`/`ideviceprovision`/
//! `idevicebackup2` scripts put first on PATH (the process seam). The folder the check
//! writes replays through `--from` to the same findings. Phones that are locked, not
//! trusted, doubled, missing, or answer garbage; the start screen in tmux. The same check
//! through the trait seam is in tests/ios_link.rs.

mod support;

use std::path::Path;
use std::process::Command;

use plist::Value;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use support::ios::{
    Spec, UDID, apps, device_info, dict, mdm_spec, mobileprovision, signatures, write_backup, xml,
};
use sweep::sources::ios::live::{IphoneLink, LinkError, REQUESTS, Request};

const UDID_B: &str = "00008030-001B33334444402E";

/// Recorded answers for one phone, in the folder the stand-in tools read.
struct Phone {
    udid: &'static str,
    lockdown_error: Option<&'static str>,
    apps: Vec<u8>,
    /// What `idevicebackup2 backup` gives; `None`: the backup fails.
    backup: Option<Spec>,
}

impl Phone {
    fn new(udid: &'static str) -> Self {
        Phone {
            udid,
            lockdown_error: None,
            apps: xml(&apps()),
            backup: Some(mdm_spec()),
        }
    }
}

const IDEVICE_ID: &str = r#"#!/bin/sh
echo "idevice_id $*" >> "$FAKE_IOS/requests.log"
if [ -f "$FAKE_IOS/no-usbmuxd" ]; then echo "ERROR: Unable to retrieve device list!" >&2; exit 255; fi
cat "$FAKE_IOS/devices.txt"
"#;

const IDEVICEINFO: &str = r#"#!/bin/sh
echo "ideviceinfo $*" >> "$FAKE_IOS/requests.log"
udid=""; simple=0; domain=""
while [ $# -gt 0 ]; do
  case "$1" in
    -u) udid="$2"; shift;;
    -s) simple=1;;
    -q) domain="$2"; shift;;
    -k) shift;;
    -v) echo "ideviceinfo 1.3.0"; exit 0;;
  esac
  shift
done
d="$FAKE_IOS/$udid"
[ -n "$udid" ] && [ -d "$d" ] || { echo "ERROR: Device $udid not found!" >&2; exit 255; }
if [ $simple = 1 ]; then cat "$d/simple.plist"; exit 0; fi
if [ -f "$d/lockdown-error" ]; then cat "$d/lockdown-error" >&2; exit 255; fi
case "$domain" in
  "") cat "$d/device-info.plist";;
  com.apple.mobile.chaperone) cat "$d/supervision.plist";;
  com.apple.security.mac.amfi) cat "$d/developer-mode.txt";;
  *) exit 1;;
esac
"#;

const IDEVICEINSTALLER: &str = r#"#!/bin/sh
echo "ideviceinstaller $*" >> "$FAKE_IOS/requests.log"
[ "$1" = "-v" ] && { echo "ideviceinstaller 1.1.1"; exit 0; }
d="$FAKE_IOS/$2"
[ "$1" = "-u" ] && [ -d "$d" ] || { echo "No device found." >&2; exit 255; }
if [ -f "$d/lockdown-error" ]; then echo "Could not connect to lockdownd. Exiting." >&2; exit 255; fi
[ "$3" = "-l" ] || { echo "not a listing" >&2; exit 1; }
cat "$d/apps.plist"
"#;

const IDEVICEPROVISION: &str = r#"#!/bin/sh
echo "ideviceprovision $*" >> "$FAKE_IOS/requests.log"
d="$FAKE_IOS/$2"
[ "$1" = "-u" ] && [ -d "$d" ] || { echo "No device found." >&2; exit 255; }
[ "$3" = "copy" ] && [ -d "$4" ] || { echo "not a copy" >&2; exit 1; }
n=0
for f in "$d"/prov/*.mobileprovision; do cp "$f" "$4/"; n=$((n+1)); done
echo "Device has $n provisioning profiles installed:"
"#;

const IDEVICEBACKUP2: &str = r#"#!/bin/sh
echo "idevicebackup2 $*" >> "$FAKE_IOS/requests.log"
d="$FAKE_IOS/$2"
[ "$1" = "-u" ] && [ -d "$d" ] || { echo "No device found." >&2; exit 255; }
if [ -f "$d/lockdown-error" ]; then echo "ERROR: Could not connect to lockdownd: Password protected (-17)" >&2; exit 255; fi
[ "$3" = "backup" ] && [ "$4" = "--full" ] && [ -d "$5" ] || { echo "not a full backup" >&2; exit 1; }
echo "Backup directory is \"$5\""
if [ ! -d "$d/backup" ]; then echo "ERROR: Backup Failed (Error Code -208)" >&2; exit 1; fi
mkdir "$5/$2" && cp -R "$d/backup/." "$5/$2/"
echo "Backup Successful."
"#;

/// The stand-in tools and their answers: returns the PATH to give sweep.
fn fake_tools(work: &Path, phones: &[Phone]) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = work.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    for (name, body) in [
        ("idevice_id", IDEVICE_ID),
        ("ideviceinfo", IDEVICEINFO),
        ("ideviceinstaller", IDEVICEINSTALLER),
        ("ideviceprovision", IDEVICEPROVISION),
        ("idevicebackup2", IDEVICEBACKUP2),
    ] {
        let p = bin.join(name);
        std::fs::write(&p, body).expect("script");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let root = work.join("fake-ios");
    std::fs::create_dir_all(&root).expect("mkdir");
    let mut list = String::new();
    for p in phones {
        list.push_str(p.udid);
        list.push('\n');
        let d = root.join(p.udid);
        std::fs::create_dir_all(d.join("prov")).expect("mkdir");
        let info = device_info(p.udid);
        std::fs::write(d.join("device-info.plist"), xml(&info)).expect("write");
        std::fs::write(d.join("simple.plist"), xml(&info)).expect("write");
        std::fs::write(
            d.join("supervision.plist"),
            xml(&dict(vec![("DeviceIsChaperoned", Value::Boolean(true))])),
        )
        .expect("write");
        std::fs::write(d.join("developer-mode.txt"), "true\n").expect("write");
        std::fs::write(d.join("apps.plist"), &p.apps).expect("write");
        std::fs::write(
            d.join("prov/5D2E7A10.mobileprovision"),
            mobileprovision("Helper Distribution", true),
        )
        .expect("write");
        if let Some(e) = p.lockdown_error {
            std::fs::write(d.join("lockdown-error"), e).expect("write");
        }
        if let Some(b) = &p.backup {
            std::fs::create_dir_all(d.join("backup")).expect("mkdir");
            write_backup(&d.join("backup"), b);
        }
    }
    std::fs::write(root.join("devices.txt"), list).expect("write");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn sweep(work: &Path, path: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.env("SWEEP_HOME", work.join("home"))
        .env("PATH", path)
        .env("FAKE_IOS", work.join("fake-ios"));
    c
}

struct Run {
    code: i32,
    json: Json,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command) -> Run {
    let out = c.args(["--json", "-"]).output().expect("sweep runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Json::Null),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

fn findings(r: &Run) -> Vec<Json> {
    r.json["findings"].as_array().cloned().unwrap_or_default()
}

fn by_signature(r: &Run, sig: &str) -> Vec<Json> {
    findings(r)
        .into_iter()
        .filter(|f| f["signature"] == sig)
        .collect()
}

fn requests(work: &Path) -> Vec<String> {
    std::fs::read_to_string(work.join("fake-ios/requests.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn live_check_gives_the_same_findings_as_from_on_its_folder() {
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[Phone::new(UDID)]);
    let sigs = signatures(work.path());
    let cases = work.path().join("cases");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--case", "T-1", "--cases-dir"])
        .arg(&cases)
        .arg("--signatures")
        .arg(&sigs);
    let live = run(c);
    assert_eq!(live.code, 0, "{}", live.stderr);
    // Who signed each app decides: enterprise and developer medium, TestFlight low,
    // App Store and system apps nothing.
    let ent = by_signature(&live, "ios-app-enterprise");
    assert_eq!(ent.len(), 1, "{ent:?}");
    assert_eq!(ent[0]["severity"], "medium");
    assert_eq!(ent[0]["subject"]["bundle_id"], "com.example.helper");
    assert!(
        ent[0]["evidence"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("iPhone Distribution: Example Remote Ltd")),
        "{:#}",
        ent[0]
    );
    let dev = by_signature(&live, "ios-app-developer");
    let dev_ids: Vec<&Json> = dev.iter().map(|f| &f["subject"]["bundle_id"]).collect();
    assert_eq!(
        dev_ids,
        vec![
            &Json::from("com.example.devbuild"),
            &Json::from("org.coolstar.SileoStore")
        ]
    );
    assert!(dev.iter().all(|f| f["severity"] == "medium"));
    assert_eq!(
        by_signature(&live, "ios-app-testflight")[0]["severity"],
        "low"
    );
    for quiet in ["org.example.notes", "com.apple.mobilesafari"] {
        assert!(
            findings(&live)
                .iter()
                .all(|f| f["subject"]["bundle_id"] != quiet),
            "{quiet} should stay quiet"
        );
    }
    // The listed bundle id, the jailbreak app, the provisioning profile, supervision,
    // Developer Mode and the old iOS, through the existing rules.
    assert_eq!(
        by_signature(&live, "stalkerware.spyphone.app")[0]["severity"],
        "high"
    );
    assert_eq!(
        by_signature(&live, "ios-jailbreak")[0]["severity"],
        "medium"
    );
    let prov = by_signature(&live, "ios-provisioning-enterprise");
    assert_eq!(prov[0]["severity"], "medium", "{prov:?}");
    assert_eq!(
        by_signature(&live, "ios-supervised")[0]["severity"],
        "medium"
    );
    assert_eq!(
        by_signature(&live, "ios-developer-mode")[0]["severity"],
        "low"
    );
    assert_eq!(by_signature(&live, "ios-old-version")[0]["severity"], "low");
    // Configuration profiles are not read over USB, and the check says so.
    let inc = by_signature(&live, "ios-check-incomplete");
    assert_eq!(inc.len(), 1);
    let ev = inc[0]["evidence"].to_string();
    assert!(
        ev.contains("Not checked configuration and management (MDM) profiles"),
        "{ev}"
    );
    assert!(ev.contains("--from BACKUP_DIR"), "{ev}");
    // The owner's name for the phone stays in the raw answer only.
    assert!(!live.stdout.contains("Alice"), "the device name leaked");
    // Only reading commands ran; nothing installed, removed or changed.
    let reqs = requests(work.path());
    for r in &reqs {
        assert!(
            r.starts_with("idevice_id -l")
                || r.starts_with("ideviceinfo ")
                || r.starts_with("ideviceinstaller -v")
                || r.starts_with(&format!("ideviceinstaller -u {UDID} -l -o list_all -o xml"))
                || r.starts_with(&format!("ideviceprovision -u {UDID} copy ")),
            "not a reading command: {r}"
        );
        for bad in [
            " install", " remove", " -U ", " -i ", " -g ", " -a ", " -R ",
        ] {
            assert!(!r.contains(bad), "{r}");
        }
    }
    assert_eq!(
        reqs.iter()
            .filter(|r| r.starts_with("ideviceinstaller -u"))
            .count(),
        1
    );
    // The folder: every answer, and a manifest with each command and each file's SHA-256.
    let case = support::run::the_case(&cases);
    let snap = case.join("ios").join(UDID);
    for f in [
        "device-info.plist",
        "supervision.plist",
        "developer-mode.txt",
        "apps.plist",
        "provisioning.plist",
        "manifest.json",
    ] {
        assert!(snap.join(f).is_file(), "{f} missing");
    }
    let m: Json =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["udid"], UDID);
    assert_eq!(m["partial"], false);
    assert!(
        m["link"]
            .as_str()
            .is_some_and(|l| l.contains("ideviceinfo 1.3.0")),
        "{m}"
    );
    let cmds = m["commands"].as_array().expect("commands");
    assert_eq!(cmds.len(), REQUESTS.len());
    assert_eq!(cmds[0]["command"], format!("ideviceinfo -u {UDID} -x"));
    assert!(cmds.iter().all(|c| c["exit_code"] == 0), "{cmds:?}");
    for f in m["files"].as_array().expect("files") {
        let name = f["file"].as_str().expect("name");
        let bytes = std::fs::read(snap.join(name)).expect("read");
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{name}");
    }
    let inputs = live.json["scan"]["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 6, "{inputs:?}");
    let cov = live.json["scan"]["coverage"].as_array().expect("coverage");
    let iphone = cov.iter().find(|c| c["check"] == "iphone").expect("iphone");
    assert_eq!(iphone["saw"]["apps"], 7, "{iphone}");
    // Replaying the folder, and the case folder, gives the same findings.
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"])
        .arg(&snap)
        .arg("--signatures")
        .arg(&sigs);
    let replay = run(c);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert_eq!(findings(&live), findings(&replay));
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"])
        .arg(&case)
        .arg("--signatures")
        .arg(&sigs);
    let replay_case = run(c);
    assert_eq!(findings(&live), findings(&replay_case));
}

#[test]
fn two_iphones_need_a_udid() {
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[Phone::new(UDID), Phone::new(UDID_B)]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"]).arg(&cases);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(UDID) && r.stderr.contains(UDID_B),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--udid UDID"), "{}", r.stderr);
    // Nothing was asked of either phone beyond the listing.
    assert!(
        requests(work.path())
            .iter()
            .all(|r| r.starts_with("idevice_id") || r.starts_with("ideviceinfo -s")),
        "{:?}",
        requests(work.path())
    );
    // With --udid, that one is checked.
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--udid", UDID_B, "--cases-dir"])
        .arg(&cases);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let case = std::fs::read_dir(&cases)
        .expect("cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("ios").is_dir())
        .expect("the case");
    assert!(case.join("ios").join(UDID_B).join("apps.plist").is_file());
    assert!(!case.join("ios").join(UDID).exists());
}

#[test]
fn locked_or_untrusted_iphone_says_unlock_and_tap_trust_and_other_checks_go_on() {
    let work = tempfile::tempdir().expect("tmp");
    let mut p = Phone::new(UDID);
    p.lockdown_error = Some("ERROR: Could not connect to lockdownd: Password protected (-17)\n");
    let path = fake_tools(work.path(), &[p]);
    let android = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/android/android14");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"])
        .arg(work.path().join("cases"))
        .arg("--from")
        .arg(&android);
    let r = run(c);
    // The Android snapshot given alongside is still analysed.
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        findings(&r)
            .iter()
            .any(|f| f["subject"]["package"] == "com.thetruth"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("unlock the iPhone and tap Trust")
            || r.stderr.contains("Unlock the iPhone and tap Trust"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("trusted-computer record"), "{}", r.stderr);
    assert!(r.stderr.contains("locked"), "{}", r.stderr);
    let ios = r.json["scan"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["source"] == "ios")
        .cloned()
        .expect("ios source");
    assert_eq!(ios["state"], "unavailable", "{ios}");
    // No phone findings were made up from nothing.
    assert!(by_signature(&r, "ios-check-incomplete").is_empty());
    // A phone that is only waiting for Trust says the same.
    let work = tempfile::tempdir().expect("tmp");
    let mut p = Phone::new(UDID);
    p.lockdown_error = Some("ERROR: Could not connect to lockdownd: Invalid HostID (-21)\n");
    let path = fake_tools(work.path(), &[p]);
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("tap Trust"), "{}", r.stderr);
    assert!(r.stderr.contains("not paired"), "{}", r.stderr);
}

#[test]
fn no_usbmuxd_no_tools_no_iphone_are_unavailable_with_the_fix() {
    // usbmuxd not running.
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[Phone::new(UDID)]);
    std::fs::write(work.path().join("fake-ios/no-usbmuxd"), "").expect("write");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("usbmuxd is not running"), "{}", r.stderr);
    assert!(
        r.stderr.contains("sudo apt install usbmuxd"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json["scan"]["sources"][0]["state"], "unavailable");
    // No iPhone connected.
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[]);
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("No iPhone is connected"), "{}", r.stderr);
    // The tools are not installed (an empty PATH).
    let empty = work.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let mut c = sweep(work.path(), &empty.display().to_string());
    c.args(["scan", "--ios", "--cases-dir"])
        .arg(work.path().join("cases"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("`idevice_id` is not installed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("libimobiledevice-utils"), "{}", r.stderr);
}

#[test]
fn a_cut_short_answer_names_the_file_and_keeps_the_rest() {
    let work = tempfile::tempdir().expect("tmp");
    let mut p = Phone::new(UDID);
    let whole = xml(&apps());
    p.apps = whole[..whole.len() / 2].to_vec();
    let path = fake_tools(work.path(), &[p]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--cases-dir"]).arg(&cases);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("apps.plist"), "{}", r.stderr);
    assert!(
        r.stderr.contains("not a readable property list"),
        "{}",
        r.stderr
    );
    // What the other answers said is kept.
    assert_eq!(
        by_signature(&r, "ios-provisioning-enterprise")[0]["severity"],
        "medium"
    );
    assert_eq!(by_signature(&r, "ios-supervised").len(), 1);
    let ev = by_signature(&r, "ios-check-incomplete")[0]["evidence"].to_string();
    assert!(
        ev.contains("Not checked the list of installed apps"),
        "{ev}"
    );
    assert!(ev.contains("apps.plist"), "{ev}");
    // The raw answer is kept as evidence, cut short as it came, and replays the same way.
    let snap = support::run::the_case(&cases).join("ios").join(UDID);
    assert_eq!(
        std::fs::read(snap.join("apps.plist")).expect("kept").len(),
        whole.len() / 2
    );
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"]).arg(&snap);
    let replay = run(c);
    assert_eq!(replay.code, 2, "{}", replay.stderr);
    assert_eq!(findings(&r), findings(&replay));
    // A file changed after the check: read, but reported as not the one recorded.
    std::fs::write(snap.join("developer-mode.txt"), "false\n").expect("write");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"]).arg(&snap);
    let r = run(c);
    assert!(by_signature(&r, "ios-developer-mode").is_empty());
    let ev = by_signature(&r, "ios-check-incomplete")[0]["evidence"].to_string();
    assert!(
        ev.contains("developer-mode.txt has changed since the check"),
        "{ev}"
    );
    // A folder missing a file: that part is reported as not done, no error.
    std::fs::remove_file(snap.join("apps.plist")).expect("rm");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"]).arg(&snap);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(by_signature(&r, "ios-supervised").len(), 1);
}

/// The real `libimobiledevice-utils` with no iPhone: their own messages are understood
/// (no usbmuxd, or usbmuxd and no phone; a UDID that is not there).
#[test]
#[ignore = "needs Debian's libimobiledevice-utils installed (.ci/run installs it)"]
fn the_real_tools_without_an_iphone() {
    use sweep::sources::ios::tools::ToolsLink;
    match sweep::sources::ios::live::list_iphones() {
        Ok(list) => assert!(list.iter().all(|l| !l.udid.is_empty())),
        Err(sweep::sources::SourceError::Unavailable { reason, fix }) => {
            assert!(reason.contains("usbmuxd"), "{reason}");
            assert!(fix.contains("libimobiledevice-utils"), "{fix}");
        }
        Err(e) => panic!("{e}"),
    }
    let mut link = ToolsLink::default();
    match link.request("0000", Request::DeviceInfo) {
        Err(LinkError::Disconnected { .. } | LinkError::Unavailable { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(link.name().contains("ideviceinfo"), "{}", link.name());
    // idevicebackup2's own "No device found with udid 0000." is understood too.
    let dir = tempfile::tempdir().expect("tmp");
    match link.backup("0000", dir.path()) {
        Err(LinkError::Disconnected { .. } | LinkError::Unavailable { .. }) => {}
        other => panic!("{other:?}"),
    }
}

/// The iPhone check from the start screen, through the same stand-in tools: with two
/// iPhones attached the volunteer is asked which one, only that one is read, its findings
/// land in the Phone apps pane, and the review ends with the Apple Account checklist.
#[test]
#[ignore = "needs tmux"]
fn start_screen_asks_which_iphone_and_reviews_the_account_checklist() {
    use support::tmux::Tmux;
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[Phone::new(UDID), Phone::new(UDID_B)]);
    let home = tempfile::tempdir().expect("tmp");
    let cases = home.path().join("cases");
    // The stand-in tools come first on PATH (tmux's own environment would not keep it).
    let cmd = format!(
        "env PATH='{path}' FAKE_IOS='{}' {}",
        work.path().join("fake-ios").display(),
        env!("CARGO_BIN_EXE_sweep")
    );
    let t = Tmux::start_in(&cmd, home);
    t.wait_for("start a check");
    t.keys(&["Down", "Down", "Down", "Down"]);
    t.wait_for("› [ ] iPhone (USB)");
    t.keys(&["Space"]);
    let p = t.wait_for("Which phone?");
    assert!(p.contains(UDID) && p.contains(UDID_B), "{p}");
    t.keys(&["Down", "Enter"]);
    // The backup is asked for, never assumed: the client agrees here.
    t.wait_for("Also make a backup of this iPhone into the case folder?");
    t.keys(&["y"]);
    t.wait_for("[x] iPhone (USB)");
    t.wait_for(&format!("UDID {UDID_B}:"));
    t.wait_for("unlock it and tap Trust when it asks");
    t.wait_for("backup into the case folder (the client agreed)");
    t.keys(&["s"]);
    t.wait("the check to finish", |p| {
        p.contains("check finished") || p.contains("check stopped")
    });
    t.keys(&["Tab", "Tab", "Tab"]);
    t.wait_for("\"System Helper\" on this iPhone is signed for a company");
    t.keys(&["r"]);
    // Past the findings, the account checklist (the iPhone check was asked for).
    for _ in 0..30 {
        t.keys(&["Right"]);
    }
    t.keys(&["Left", "Left", "Left", "Left", "Left"]);
    t.wait_for("Account access, 1 of 5: Apple Account devices");
    t.keys(&["q", "q"]);
    t.wait("sweep to quit", |_| !t.alive());
    let case = support::run::the_case(&cases);
    assert!(case.join(format!("ios/{UDID_B}/manifest.json")).is_file());
    assert!(
        case.join(format!("ios/{UDID_B}/backup/{UDID_B}/Manifest.db"))
            .is_file()
    );
    assert!(!case.join(format!("ios/{UDID}")).exists());
    let asked = requests(work.path());
    assert!(
        !asked
            .iter()
            .any(|r| r.contains(UDID) && !r.contains("-s") && !r.contains("idevice_id")),
        "{asked:?}"
    );
}

/// `sweep scan --ios --ios-backup` through the stand-in tools: the MDM profile found by
/// the backup is a high finding, the check is complete, `idevicebackup2 backup --full` is
/// the only command added, the backup's files are inputs, and `--from` the case folder
/// gives the same findings. A failed backup keeps every other finding.
#[test]
fn ios_backup_flag_makes_a_backup_into_the_case_folder_and_replays() {
    let work = tempfile::tempdir().expect("tmp");
    let path = fake_tools(work.path(), &[Phone::new(UDID)]);
    let sigs = signatures(work.path());
    let cases = work.path().join("cases");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--ios-backup", "--cases-dir"])
        .arg(&cases)
        .arg("--signatures")
        .arg(&sigs);
    let live = run(c);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let mdm = by_signature(&live, "ios-profile-mdm");
    assert_eq!(mdm.len(), 1, "{:#?}", findings(&live));
    assert_eq!(mdm[0]["severity"], "high");
    assert!(by_signature(&live, "ios-check-incomplete").is_empty());
    assert!(
        !findings(&live)
            .iter()
            .any(|f| f.to_string().contains("Home Wi-Fi"))
    );
    let backups: Vec<String> = requests(work.path())
        .into_iter()
        .filter(|r| r.starts_with("idevicebackup2"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert!(
        backups[0].starts_with(&format!("idevicebackup2 -u {UDID} backup --full ")),
        "{backups:?}"
    );
    let case = support::run::the_case(&cases);
    let backup = case.join("ios").join(UDID).join("backup").join(UDID);
    assert!(backup.join("Manifest.db").is_file());
    let inputs = live.json["scan"]["inputs"].to_string();
    assert!(
        inputs.contains("Manifest.db") && inputs.contains("backup.log"),
        "{inputs}"
    );
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--from"])
        .arg(&case)
        .arg("--signatures")
        .arg(&sigs);
    let replay = run(c);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert_eq!(findings(&live), findings(&replay));

    // The backup fails: everything else is found; the profiles are said not checked.
    let work = tempfile::tempdir().expect("tmp");
    let mut phone = Phone::new(UDID);
    phone.backup = None;
    let path = fake_tools(work.path(), &[phone]);
    let cases = work.path().join("cases");
    let mut c = sweep(work.path(), &path);
    c.args(["scan", "--ios", "--ios-backup", "--cases-dir"])
        .arg(&cases)
        .arg("--signatures")
        .arg(&sigs);
    let failed = run(c);
    assert_eq!(failed.code, 0, "{}", failed.stderr);
    assert_eq!(by_signature(&failed, "stalkerware.spyphone.app").len(), 1);
    let inc = by_signature(&failed, "ios-check-incomplete");
    assert_eq!(inc.len(), 1, "{:#?}", findings(&failed));
    let ev = inc[0]["evidence"].to_string();
    assert!(
        ev.contains("Backup Failed") || ev.contains("exited with code 1"),
        "{ev}"
    );
    // --ios-backup without --ios is a usage error.
    let out = sweep(work.path(), &path)
        .args(["scan", "--ios-backup"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
