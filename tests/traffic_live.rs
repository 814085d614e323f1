//! Live capture with pnet inside a network namespace the test creates (root only):
//! names extracted, the capture saved as pcapng (0600) in the case folder and hashed,
//! the "no traffic yet" notice, and the exact fix when capture rights are missing.

#![allow(clippy::unwrap_used)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::netns::{Kid, Netns};
use support::traffic::sweep_bin;
use sweep::observation::{Observation, Record, SourceKind, SourceState};

fn journal(case_root: &Path) -> (std::path::PathBuf, Vec<Record>) {
    let dir = std::fs::read_dir(case_root)
        .expect("cases dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a case folder");
    let recs = std::fs::read_to_string(dir.join("journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    (dir, recs)
}

#[test]
#[ignore = "needs root, network namespaces, python3 and tshark"]
fn live_capture_extracts_names_and_saves_a_hashed_pcapng() {
    let ns = Netns::new("live");
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    let sweep = ns
        .cmd(sweep_bin())
        .args(["scan", "--traffic", "lo", "--duration", "4", "--cases-dir"])
        .arg(&cases)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sweep");
    let mut sweep = Kid(sweep);
    // Keep sending DNS queries inside the namespace until sweep has finished.
    let sender = ns
        .cmd(Path::new("/usr/bin/python3"))
        .args([
            "-c",
            "import socket,time\n\
             q=bytes.fromhex('abcd01000001000000000000')+b'\\x0alive-check\\x07example\\x03org\\x00'+bytes.fromhex('00010001')\n\
             s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
             end=time.time()+30\n\
             while time.time()<end:\n  s.sendto(q,('127.0.0.1',53)); time.sleep(0.05)\n",
        ])
        .spawn()
        .expect("start sender");
    let _sender = Kid(sender);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = sweep.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "sweep did not stop after --duration"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    use std::io::Read;
    if let Some(mut e) = sweep.0.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "{err}");
    let (dir, recs) = journal(&cases);
    assert!(
        recs.iter().any(|r| matches!(&r.obs, Observation::Dns(d)
            if d.names.iter().any(|n| n == "live-check.example.org"))),
        "no dns observation: {err}"
    );
    let cap = dir.join("capture.pcapng");
    let meta = std::fs::metadata(&cap).expect("capture saved");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let findings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("findings.json")).unwrap()).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(&cap).unwrap()))
    };
    assert!(
        findings["scan"]["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["sha256"] == sha.as_str()),
        "saved capture not hashed: {}",
        findings["scan"]["inputs"]
    );
    // The saved file is readable by sweep again, and by tshark.
    let (code, stderr, again, _) = support::traffic::run_sweep(&cap, tmp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(support::traffic::name_set(&again).contains("live-check.example.org"));
    let t = support::traffic::tshark_names(&cap);
    assert!(t.contains("live-check.example.org"), "{t:?}");
}

#[test]
#[ignore = "needs root and network namespaces"]
fn quiet_interface_is_reported_while_running_and_cleared_by_traffic() {
    let ns = Netns::new("quiet");
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    let sweep = ns
        .cmd(sweep_bin())
        .args(["scan", "--traffic", "lo", "--duration", "16", "--cases-dir"])
        .arg(&cases)
        .stderr(Stdio::null())
        .spawn()
        .expect("start sweep");
    let mut sweep = Kid(sweep);
    let want = "No traffic seen on lo yet: is the phone connected to this hotspot? (Join the phone to the hotspot: the start screen's ? explains how.)";
    // Wait for the notice in the journal, then send one datagram.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let seen = std::fs::read_dir(&cases)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .any(|e| {
                std::fs::read_to_string(e.path().join("journal.jsonl"))
                    .unwrap_or_default()
                    .contains(want)
            });
        if seen {
            break;
        }
        assert!(Instant::now() < deadline, "no quiet-interface notice");
        std::thread::sleep(Duration::from_millis(100));
    }
    let ok = ns
        .cmd(Path::new("/usr/bin/python3"))
        .args([
            "-c",
            "import socket\nsocket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'hello',('127.0.0.1',9))",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = sweep.0.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "sweep did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    let (_, recs) = journal(&cases);
    let states: Vec<Option<String>> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Source(s)
                if s.source == SourceKind::Traffic && s.state == SourceState::Running =>
            {
                Some(s.reason.clone())
            }
            _ => None,
        })
        .collect();
    let at = states
        .iter()
        .position(|r| r.as_deref() == Some(want))
        .expect("notice");
    assert!(
        states[at + 1..].contains(&None),
        "the notice was not cleared once traffic came: {states:?}"
    );
}

#[test]
#[ignore = "needs root, network namespaces and setpriv"]
fn without_capture_rights_the_exact_fix_is_given() {
    let ns = Netns::new("caps");
    let tmp = tempfile::tempdir().unwrap();
    let bin = sweep_bin();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0, "setpriv", "--bounding-set=-net_raw"])
        .arg(&bin)
        .args(["scan", "--traffic", "lo", "--duration", "1", "--cases-dir"])
        .arg(tmp.path().join("cases"))
        .output()
        .expect("run sweep");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("sudo setcap cap_net_raw+eip {}", bin.display())),
        "{err}"
    );
}
