//! Captures written by real tools (tcpdump on `any` = Linux cooked capture v2, tcpdump on
//! `lo` with nanosecond times, dumpcap pcapng) of real traffic: DNS queries and TLS
//! ClientHellos made by OpenSSL (Python's ssl), inside a network namespace the test
//! creates. sweep must find the same names as tshark.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::netns::{Kid, Netns};

const TRAFFIC: &str = r#"
import socket, ssl, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('127.0.0.1', 8443)); srv.listen()
def serve():
    for _ in range(3):
        c, _ = srv.accept(); c.recv(65536); c.close()
threading.Thread(target=serve, daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i, name in enumerate(['real-one.example.com', 'copy9-lookalike.example.net']):
    labels = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.'))
    u.sendto(bytes([0x12, i, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + labels + b'\x00\x00\x01\x00\x01', ('127.0.0.1', 53))
for name in ['tls-one.example.org', 'tls-two.example.net', 'tls-three.example.com']:
    s = socket.create_connection(('127.0.0.1', 8443))
    try:
        ssl.create_default_context().wrap_socket(s, server_hostname=name)
    except Exception:
        pass
"#;

const PROBE: &str = "import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'probe', ('127.0.0.1', 9))";

fn capture_with(tool: &[&str], ready: &str, file: &Path, ns: &Netns) {
    let err = file.with_extension("err");
    let child = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .args(tool)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start capture");
    let kid = Kid(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&err)
        .unwrap_or_default()
        .contains(ready)
    {
        assert!(
            Instant::now() < deadline,
            "capture did not start: {}",
            std::fs::read_to_string(&err).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The capture is live once a probe datagram (to the discard port) shows up in the file.
    let empty = file.metadata().map(|m| m.len()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let probe = Command::new("ip")
            .args(["netns", "exec", &ns.0, "/usr/bin/python3", "-c", PROBE])
            .status()
            .unwrap();
        assert!(probe.success());
        std::thread::sleep(Duration::from_millis(100));
        if file.metadata().map(|m| m.len()).unwrap_or(0) > empty.max(24) {
            break;
        }
        assert!(Instant::now() < deadline, "the capture never saw the probe");
    }
    let ok = Command::new("ip")
        .args(["netns", "exec", &ns.0, "/usr/bin/python3", "-c", TRAFFIC])
        .status()
        .unwrap();
    assert!(ok.success());
    // The last ClientHello carries its name in clear: wait until the capture has written it.
    let pid = kid.0.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read(file)
        .unwrap_or_default()
        .windows(21)
        .any(|w| w == b"tls-three.example.com")
    {
        assert!(
            Instant::now() < deadline,
            "the capture never wrote the traffic"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let mut kid = kid;
    let deadline = Instant::now() + Duration::from_secs(10);
    while kid.0.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs root, network namespaces, tcpdump, dumpcap, tshark and python3"]
fn real_tool_captures_match_tshark() {
    let ns = Netns::new("real");
    let d = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["tcpdump", "-Z", "root", "-i", "any", "-U", "-w"],
            "listening on",
            "any.pcap",
        ),
        (
            &[
                "tcpdump",
                "-Z",
                "root",
                "-i",
                "lo",
                "--time-stamp-precision=nano",
                "-U",
                "-w",
            ],
            "listening on",
            "lo-nano.pcap",
        ),
        (
            &["dumpcap", "-q", "-i", "lo", "-w"],
            "Capturing on",
            "lo.pcapng",
        ),
    ];
    for (tool, ready, file) in cases {
        let f = d.path().join(file);
        capture_with(tool, ready, &f, &ns);
        if std::env::var_os("KEEP_CAPTURES").is_some() {
            let _ = std::fs::copy(&f, std::env::temp_dir().join(file));
        }
        let (code, stderr, recs, _) = support::traffic::run_sweep(&f, d.path());
        assert_eq!(code, 0, "{file}: {stderr}");
        let names = support::traffic::name_set(&recs);
        for n in [
            "real-one.example.com",
            "copy9-lookalike.example.net",
            "tls-one.example.org",
            "tls-two.example.net",
            "tls-three.example.com",
        ] {
            assert!(names.contains(n), "{file}: {n} missing from {names:?}");
        }
        let t = support::traffic::tshark_names(&f);
        assert_eq!(names, t, "{file}: sweep vs tshark");
    }
}
