//! Never a false all-clear: every report of a check that did not run, ran short or saw
//! nothing says so first, never "reassuring", and "we did not find" only after a complete
//! check. Outputs are checked before anything is scanned, and never replace anything but a
//! regular file. Traffic findings carry the matched indicators as data.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::netns::{Netns, ip as ip_cmd};
use sweep::testkit::capture::{Cap, LinkKind, client_hello, dns_query};

/// sweep with its own home, and no system D-Bus: Bluetooth is unavailable on every machine.
fn sweep(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.env("SWEEP_HOME", home).env(
        "DBUS_SYSTEM_BUS_ADDRESS",
        "unix:path=/nonexistent/sweep-test-bus",
    );
    c
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// A phone's capture: ordinary look-ups, and optionally a listed stalkerware server (a
/// subdomain of a listed name, so the listed entry differs from what was seen).
fn phone_capture(dir: &Path, listed: bool) -> PathBuf {
    let mut cap = Cap::new(LinkKind::Ethernet);
    let phone = ip("10.42.0.23");
    let dns = ip("10.42.0.1");
    let mut names = vec!["www.example.org".to_string()];
    if listed {
        names.push("cdn.protocol-a720.thetruthspy.com".into());
    }
    for (i, n) in names.iter().enumerate() {
        let sp = cap.ephemeral();
        cap.udp(phone, dns, sp, 53, &dns_query(100 + i as u16, n));
        cap.tcp_conn(
            phone,
            ip("93.184.216.34"),
            443,
            &[&client_hello(n, &["h2"], false, 0)],
        );
    }
    let p = dir.join(if listed { "listed.pcap" } else { "quiet.pcap" });
    cap.write_pcap(&p);
    p
}

struct Outputs {
    out: Output,
    md: String,
    html: String,
    json: serde_json::Value,
}

fn scan(home: &Path, args: &[&str], extra: &[&Path]) -> Outputs {
    let md = home.join("r.md");
    let html = home.join("r.html");
    let json = home.join("r.json");
    for p in [&md, &html, &json] {
        let _ = std::fs::remove_file(p);
    }
    let mut c = sweep(home);
    c.arg("scan").args(args);
    for e in extra {
        c.arg(e);
    }
    c.arg("--report")
        .arg(&md)
        .arg("--report")
        .arg(&html)
        .arg("--json")
        .arg(&json);
    let out = c.output().expect("runs");
    Outputs {
        md: std::fs::read_to_string(&md).unwrap_or_default(),
        html: std::fs::read_to_string(&html).unwrap_or_default(),
        json: std::fs::read_to_string(&json)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null),
        out,
    }
}

fn coverage(json: &serde_json::Value, check: &str) -> serde_json::Value {
    json["scan"]["coverage"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["check"] == check).cloned())
        .unwrap_or_else(|| panic!("no coverage for {check}: {json}"))
}

/// The first lines after "## Summary" in the Markdown report.
fn summary_lines(md: &str) -> Vec<String> {
    md.lines()
        .skip_while(|l| !l.starts_with("## Summary"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .take_while(|l| !l.starts_with("## "))
        .map(|l| l.replace("**", ""))
        .collect()
}

fn assert_never_reassuring(o: &Outputs) {
    let stderr = String::from_utf8_lossy(&o.out.stderr);
    for (what, text) in [
        ("markdown", o.md.as_str()),
        ("html", o.html.as_str()),
        ("json", &o.json.to_string()),
        ("terminal", &stderr),
    ] {
        assert!(
            !text.to_lowercase().contains("reassuring"),
            "{what} says reassuring:\n{text}"
        );
    }
}

fn assert_no_all_clear(o: &Outputs) {
    let stderr = String::from_utf8_lossy(&o.out.stderr);
    for (what, text) in [
        ("markdown", o.md.as_str()),
        ("html", o.html.as_str()),
        ("terminal", &stderr),
    ] {
        assert!(
            !text.contains("We did not find"),
            "{what} reads like an all-clear although not everything was checked:\n{text}"
        );
    }
}

#[test]
fn bluetooth_without_an_adapter_is_not_a_result() {
    let home = tempfile::tempdir().expect("tmp");
    let o = scan(home.path(), &["--ble", "--duration", "3"], &[]);
    assert_eq!(o.out.status.code(), Some(1), "nothing ran: exit 1");
    let c = coverage(&o.json, "bluetooth");
    assert_eq!(c["status"], "not-run");
    assert_eq!(c["asked_seconds"], 3);
    assert_never_reassuring(&o);
    assert_no_all_clear(&o);
    let lines = summary_lines(&o.md);
    assert!(
        lines[0].starts_with("Not checked as asked: Bluetooth was not checked"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("The check could not be done: nothing was checked"),
        "{lines:?}"
    );
    assert!(o.html.contains("The check could not be done"));
    let stderr = String::from_utf8_lossy(&o.out.stderr);
    assert!(stderr.contains("Not checked as asked: Bluetooth was not checked"));
    // The case folder's own findings say so too, and `sweep cases` lists it as incomplete.
    let list = sweep(home.path()).arg("cases").output().expect("cases");
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("incomplete (Bluetooth trackers not run as asked)  0 findings"),
        "{list}"
    );
}

#[test]
fn one_check_ran_and_one_did_not_the_missing_one_comes_first() {
    let home = tempfile::tempdir().expect("tmp");
    let cap = phone_capture(home.path(), false);
    let o = scan(
        home.path(),
        &["--ble", "--duration", "2", "--from"],
        &[cap.as_path()],
    );
    assert_eq!(o.out.status.code(), Some(0), "a check ran: exit 0");
    assert_eq!(coverage(&o.json, "bluetooth")["status"], "not-run");
    assert_eq!(coverage(&o.json, "phone-traffic")["status"], "complete");
    assert_never_reassuring(&o);
    assert_no_all_clear(&o);
    let lines = summary_lines(&o.md);
    assert!(
        lines[0].contains("Bluetooth was not checked: trackers could not be looked for"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("This check is incomplete"),
        "{lines:?}"
    );
    let html_summary = o.html.split("<h2>Summary</h2>").nth(1).unwrap_or_default();
    assert!(
        html_summary
            .trim_start()
            .starts_with("<p class=\"notchecked\"><strong>Not checked as asked:</strong> Bluetooth was not checked"),
        "{html_summary}"
    );
}

#[test]
fn every_check_ran_and_saw_what_it_needed() {
    let home = tempfile::tempdir().expect("tmp");
    let cap = phone_capture(home.path(), false);
    let o = scan(home.path(), &["--from"], &[cap.as_path()]);
    assert_eq!(o.out.status.code(), Some(0));
    let c = coverage(&o.json, "phone-traffic");
    assert_eq!(c["status"], "complete");
    assert_eq!(c["saw"]["phones"], 1);
    assert_never_reassuring(&o);
    let lines = summary_lines(&o.md);
    assert!(
        lines[0].starts_with(
            "We did not find a known tracker or stalkerware sign in what we checked. This is not proof that nothing is there"
        ),
        "{lines:?}"
    );
}

#[test]
fn traffic_findings_carry_the_matched_indicator_as_data() {
    let home = tempfile::tempdir().expect("tmp");
    let cap = phone_capture(home.path(), true);
    let o = scan(home.path(), &["--from"], &[cap.as_path()]);
    assert_eq!(o.out.status.code(), Some(0));
    let f = o.json["findings"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|f| f["signature"] == "stalkerware.thetruthspy.c2")
                .cloned()
        })
        .expect("a TheTruthSpy finding");
    let ind = f["indicators"].as_array().expect("indicators");
    assert_eq!(ind.len(), 1, "{ind:?}");
    assert_eq!(ind[0]["type"], "domain");
    assert_eq!(ind[0]["value"], "cdn.protocol-a720.thetruthspy.com");
    assert_eq!(ind[0]["listed"], "protocol-a720.thetruthspy.com");
    assert_eq!(ind[0]["matched"], "stalkerware.thetruthspy.c2");
    // Seen in the DNS look-up and in the TLS server name.
    assert_eq!(ind[0]["count"], 2);
}

fn assert_refused_before_scanning(home: &Path, args: &[&str], outputs: &[&Path], why: &str) {
    let mut c = sweep(home);
    c.args(["scan", "--ble", "--duration", "600"]).args(args);
    for o in outputs {
        c.arg(o);
    }
    let out = c.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
    // Nothing was scanned: no case folder was made.
    assert!(
        !home.join("cases").exists(),
        "a case folder was made before the outputs were checked"
    );
}

#[test]
fn outputs_are_checked_before_anything_is_scanned() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    let existing = h.join("old.json");
    std::fs::write(&existing, "{}").expect("write");
    assert_refused_before_scanning(h, &["--json"], &[&existing], "already exists");
    assert_refused_before_scanning(
        h,
        &["--report"],
        &[&h.join("report.docx")],
        "unknown report format",
    );
    assert_refused_before_scanning(
        h,
        &["--report"],
        &[&h.join("no-such-folder/r.md")],
        "there is no folder",
    );
    // A FIFO, and a link to a file: never written over, even with --overwrite.
    let fifo = h.join("fifo.json");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success());
    assert_refused_before_scanning(
        h,
        &["--overwrite", "--json"],
        &[&fifo],
        "is not a regular file",
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("still there")
            .file_type()
            .is_fifo()
    );
    let target = h.join("target.md");
    std::fs::write(&target, "KEEP").expect("write");
    let link = h.join("link.md");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert_refused_before_scanning(
        h,
        &["--overwrite", "--report"],
        &[&link],
        "is not a regular file",
    );
    assert_eq!(std::fs::read_to_string(&target).expect("kept"), "KEEP");
}

use std::os::unix::fs::FileTypeExt;

#[test]
#[ignore = "needs root to make a device node"]
fn a_device_node_is_never_replaced_even_as_root() {
    let home = tempfile::tempdir().expect("tmp");
    let node = home.path().join("null.json");
    let st = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .expect("mknod");
    assert!(st.success(), "mknod needs root");
    assert_refused_before_scanning(
        home.path(),
        &["--overwrite", "--json"],
        &[&node],
        "is not a regular file",
    );
    assert!(
        std::fs::symlink_metadata(&node)
            .expect("still there")
            .file_type()
            .is_char_device()
    );
}

#[test]
#[ignore = "needs root and network namespaces"]
fn traffic_on_an_interface_no_phone_uses_saw_nothing() {
    let home = tempfile::tempdir().expect("tmp");
    let ns = Netns::new("quiet");
    ip_cmd(&[
        "-n",
        ns.name(),
        "link",
        "add",
        "quiet0",
        "type",
        "veth",
        "peer",
        "name",
        "quiet1",
    ]);
    ip_cmd(&["-n", ns.name(), "link", "set", "quiet0", "up"]);
    ip_cmd(&["-n", ns.name(), "link", "set", "quiet1", "up"]);
    let json = home.path().join("q.json");
    let md = home.path().join("q.md");
    let out = ns
        .cmd(env!("CARGO_BIN_EXE_sweep"))
        .args(["scan", "--traffic", "quiet0", "--duration", "2", "--json"])
        .arg(&json)
        .arg("--report")
        .arg(&md)
        .env("SWEEP_HOME", home.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    let c = coverage(&json, "phone-traffic");
    assert_eq!(c["status"], "saw-nothing", "{c}");
    let md = std::fs::read_to_string(&md).expect("md");
    let lines = summary_lines(&md);
    assert!(
        lines[0].contains("saw no traffic from any phone"),
        "{lines:?}"
    );
    assert!(!md.contains("We did not find"));
    assert!(!md.to_lowercase().contains("reassuring"));
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn the_pdf_says_first_what_was_not_checked() {
    let home = tempfile::tempdir().expect("tmp");
    let cap = phone_capture(home.path(), false);
    let pdf = home.path().join("r.pdf");
    let o = scan(
        home.path(),
        &["--ble", "--duration", "2", "--report"],
        &[pdf.as_path(), Path::new("--from"), cap.as_path()],
    );
    assert_eq!(o.out.status.code(), Some(0));
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    // On the first page, before the headline and the account of each check.
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing: {text}"))
    };
    assert!(
        at("Not checked as asked: Bluetooth was not checked") < at("This check is incomplete"),
        "{text}"
    );
    assert!(at("This check is incomplete") < at("What was checked and what was not"));
    assert!(!text.contains("We did not find"));
    assert!(!text.to_lowercase().contains("reassuring"));
}
