//! Runs sweep and tshark on captures. The captures themselves are built by
//! `sweep::testkit::capture` (shared with the examples and benchmarks).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use sweep::observation::{Observation, Record};

pub fn sweep_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("sweep")
}

/// Run `sweep scan --from FILE --record R --json J`; returns (exit code, stderr, records, json).
pub fn run_sweep(file: &Path, dir: &Path) -> (i32, String, Vec<Record>, serde_json::Value) {
    let rec = dir.join(format!(
        "{}.rec.jsonl",
        file.file_name().expect("a file name").to_string_lossy()
    ));
    let json = dir.join(format!(
        "{}.findings.json",
        file.file_name().expect("a file name").to_string_lossy()
    ));
    let _ = std::fs::remove_file(&rec);
    let _ = std::fs::remove_file(&json);
    let out = Command::new(sweep_bin())
        .arg("scan")
        .arg("--from")
        .arg(file)
        .arg("--record")
        .arg(&rec)
        .arg("--json")
        .arg(&json)
        .env("SWEEP_HOME", dir)
        .output()
        .expect("run sweep");
    let records = std::fs::read_to_string(&rec)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record line"))
        .collect();
    let json = std::fs::read_to_string(&json)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        records,
        json,
    )
}

/// DNS query names and TLS SNI, the set tshark is compared on.
pub fn name_set(records: &[Record]) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for r in records {
        match &r.obs {
            Observation::Dns(d) if !d.response => s.extend(d.names.iter().cloned()),
            Observation::Tls(t) => s.extend(t.sni.iter().cloned()),
            _ => {}
        }
    }
    s
}

/// tshark's names for the same file (DNS queries, TLS and QUIC SNI). Panics when tshark is
/// missing: a test that calls this is `#[ignore = "needs tshark"]`.
pub fn tshark_names(file: &Path) -> BTreeSet<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .arg("-Y")
        .arg("(dns.flags.response == 0 && !icmp) || tls.handshake.type == 1")
        .args([
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=/t",
            "-e",
            "dns.qry.name",
            "-e",
            "tls.handshake.extensions_server_name",
        ])
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed (apt-get install tshark): {e}"));
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split(['\t', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// tshark's answer to `-Y FILTER -T fields -e FIELD...` (TCP reassembly out of order on),
/// one line per packet. Panics when tshark is missing: only the `needs tshark` tests call it.
pub fn tshark_fields(file: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args([
        "-o",
        "tcp.reassemble_out_of_order:TRUE",
        "-Y",
        filter,
        "-T",
        "fields",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed (apt-get install tshark): {e}"));
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}
