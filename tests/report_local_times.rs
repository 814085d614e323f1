//! Reports in the machine's time zone, the devices examined and the Apple Account
//! checklist (issue #18), through the binary as a volunteer runs it: a recording of an
//! iPhone backup's records, an AirTag swept over Bluetooth, the client's concerns, a note,
//! an answer and three of the five account-checklist items, replayed with `TZ` set.
//!
//! Markdown and HTML run everywhere; the PDF needs pdftotext (poppler-utils), installed by
//! .ci/run, and is `#[ignore]`d like the other PDF tests.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::run::exits;

const UDID: &str = "00008110-000A11112222801E";

/// An AirTag separated from its owner (the advert the PDF tests use), every 3 s.
const AIRTAG: &str = "1219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0";

/// The recording: 2026-07-15 from 09:00:00 UTC (summer: London is UTC+01:00, Kolkata
/// UTC+05:30 all year).
fn recording(dir: &Path) -> PathBuf {
    let mut lines = vec![
        r#"{"t":"2026-07-15T09:00:00Z","kind":"session","case":"TZ-1","operator":"VO","checks":[{"check":"iphone"},{"check":"bluetooth","seconds":300}]}"#.to_string(),
        r#"{"t":"2026-07-15T09:00:00Z","kind":"source","source":"ble","state":"running"}"#.to_string(),
        format!(r#"{{"t":"2026-07-15T09:00:00Z","kind":"ios-device","udid":"{UDID}","product_type":"iPhone14,2","model":"iPhone 13 Pro","ios_version":"16.7.2","build":"20H115","backup_date":"2026-07-14T18:00:00Z","via":"backup"}}"#),
        format!(r#"{{"t":"2026-07-15T09:00:00Z","kind":"ios-app","udid":"{UDID}","bundle_id":"com.saurik.Cydia","found_in":["info-plist"]}}"#),
        format!(r#"{{"t":"2026-07-15T09:00:00Z","kind":"ios-profile","udid":"{UDID}","profile":"configuration","file":"SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles/Library/ConfigurationProfiles/profile-1a2b.stub","name":"Device Management","organisation":"Acme Remote Care","payload_types":["com.apple.mdm"],"installed":"2026-07-01T08:00:00Z"}}"#),
        r#"{"t":"2026-07-15T09:01:00Z","kind":"concerns","concerns":["knows-where-i-am"],"by":"VO"}"#.to_string(),
        r#"{"t":"2026-07-15T09:10:00Z","kind":"account-check","item":"apple-account-devices","answer":"nothing-unexpected","by":"VO"}"#.to_string(),
        r#"{"t":"2026-07-15T09:12:00Z","kind":"account-check","item":"find-my-sharing","answer":"something-unexpected","by":"AB"}"#.to_string(),
        r#"{"t":"2026-07-15T09:13:00Z","kind":"account-check","item":"safety-check","answer":"not-checked","by":"VO"}"#.to_string(),
        r#"{"t":"2026-07-15T09:14:00Z","kind":"answer","finding":"tracker-1","answer":"not-recognised","by":"VO"}"#.to_string(),
        r#"{"t":"2026-07-15T09:15:00Z","kind":"note","text":"Checked the backup with the client.","by":"VO"}"#.to_string(),
    ];
    for s in 0..100 {
        lines.push(format!(
            r#"{{"t":"2026-07-15T09:{:02}:{:02}Z","kind":"ble","address":"FB:6D:08:3D:25:A4","rssi":{},"manufacturer_data":{{"76":"{AIRTAG}"}}}}"#,
            (s * 3) / 60,
            (s * 3) % 60,
            -70 + (s % 5)
        ));
    }
    lines.push(
        r#"{"t":"2026-07-15T09:05:00Z","kind":"source","source":"ble","state":"finished"}"#
            .to_string(),
    );
    lines.sort_by(|a, b| a[6..30].cmp(&b[6..30]));
    let p = dir.join("iphone-session.jsonl");
    std::fs::write(&p, lines.join("\n") + "\n").expect("write recording");
    p
}

/// `sweep scan --from REC --report ...` with `TZ` set; returns each report's text
/// (Markdown and HTML unescaped, the PDF through pdftotext), whitespace collapsed.
fn reports(tz: &str, from: &Path, dir: &Path, names: &[&str]) -> Vec<String> {
    reports_exit(tz, from, dir, names, 0)
}

fn reports_exit(tz: &str, from: &Path, dir: &Path, names: &[&str], code: i32) -> Vec<String> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.env("TZ", tz).args(["scan", "--from"]).arg(from);
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.join(format!("{tz}-{n}").replace('/', "-")))
        .collect();
    for p in &paths {
        c.arg("--report").arg(p);
    }
    exits(&mut c, code);
    paths.iter().map(|p| text(p)).collect()
}

fn text(p: &Path) -> String {
    let raw = match p.extension().and_then(|e| e.to_str()) {
        Some("pdf") => {
            let o = Command::new("pdftotext")
                .args(["-enc", "UTF-8"])
                .arg(p)
                .arg("-")
                .output()
                .expect("pdftotext (poppler-utils) runs");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).expect("UTF-8")
        }
        Some("html") => {
            let html = std::fs::read_to_string(p).expect("html");
            // The text a reader sees: the body, tags out (block tags as a space), entities
            // back.
            let body = &html[html.find("<body>").expect("a body")..];
            let mut out = String::new();
            let mut tag: Option<String> = None;
            for ch in body.chars() {
                match (ch, tag.as_mut()) {
                    ('<', None) => tag = Some(String::new()),
                    ('>', Some(t)) => {
                        let name = t.trim_start_matches('/');
                        if !["span", "strong", "em", "a "]
                            .iter()
                            .any(|i| name.starts_with(i))
                            && name != "a"
                        {
                            out.push(' ');
                        }
                        tag = None;
                    }
                    (c, Some(t)) => t.push(c),
                    (c, None) => out.push(c),
                }
            }
            out.replace("&#x27;", "'")
                .replace("&#x2f;", "/")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        }
        // Markdown: its escapes and emphasis out ("\+05:30", "\(", "**").
        _ => std::fs::read_to_string(p)
            .expect("md")
            .replace(['\\', '*'], ""),
    };
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the report says after `title:` in the account checklist, up to the next item.
fn checklist_answer<'a>(text: &'a str, title: &str) -> &'a str {
    let section = &text[text
        .find("The client's Apple Account The biggest")
        .unwrap_or_else(|| panic!("no account checklist section in:\n{text}"))..];
    let start = section
        .find(&format!("{title}:"))
        .unwrap_or_else(|| panic!("{title} missing from the checklist:\n{section}"));
    let rest = &section[start..];
    let answer = rest.find("Answer:").expect("an answer line") + "Answer:".len();
    let rest = &rest[answer..];
    let end = rest.find(')').map(|i| i + 1).unwrap_or(rest.len().min(60));
    rest[..end.min(rest.find("Answer:").unwrap_or(rest.len()))].trim()
}

/// The text without the time the report was made (now: it could be any time of day).
fn without_generated(text: &str) -> String {
    match text.find("generated at ") {
        Some(i) => format!("{}{}", &text[..i], text.get(i + 45..).unwrap_or_default()),
        None => text.to_string(),
    }
}

fn assert_times(text: &str, format: &str, offset: &str, clock: &[&str]) {
    let text = &without_generated(text);
    for c in clock {
        let want = format!("{c} {offset}");
        assert!(text.contains(&want), "{format}: {want:?} missing:\n{text}");
    }
    // No time left in UTC: the recording's UTC clock times (09:0x, 09:1x, 08:00) are gone.
    for utc in ["09:00:", "09:01:", "09:10:", "09:12:", "09:15:", "08:00 "] {
        assert!(
            !text.contains(utc),
            "{format}: a UTC time {utc:?} is left:\n{text}"
        );
    }
    assert!(
        !text.contains(" UTC,") && !text.contains(" UTC."),
        "{format}: {text}"
    );
}

fn check_formats(names: &[&str]) {
    for zone in ["Asia/Kolkata", "Europe/London"] {
        assert!(
            Path::new("/usr/share/zoneinfo").join(zone).exists(),
            "the time zone {zone} is missing: apt-get install tzdata (.ci/run does)"
        );
    }
    let d = tempfile::tempdir().expect("tmp");
    let rec = recording(d.path());
    // Kolkata: +05:30 all year.
    for (i, t) in reports("Asia/Kolkata", &rec, d.path(), names)
        .iter()
        .enumerate()
    {
        let format = names[i];
        assert_times(
            t,
            format,
            "+05:30",
            &[
                // the window and first seen (09:00:00 UTC)
                "2026-07-15 14:30:00",
                // the answer to the tracker finding (09:14 UTC), the note (09:15)
                "14:44:00",
                "2026-07-15 14:45:00",
                // the account checklist answers
                "14:40:00",
                "14:42:00",
                // the backup's date (18:00 UTC the day before)
                "2026-07-14 23:30:00",
                // the concerns (09:01 UTC)
                "14:31:00",
            ],
        );
        // An engine evidence line's times: the AirTag's "first ... last ..." and the
        // profile's install date.
        assert!(t.contains("first 14:30:00 +05:30"), "{format}: {t}");
        assert!(t.contains("2026-07-01 13:30 +05:30"), "{format}: {t}");
        assert!(
            t.contains("(UTC+05:30)"),
            "{format}: report generated at: {t}"
        );
        // When each check looked, on the first page.
        assert!(
            t.contains("Bluetooth trackers: Checked: Ran for 5 minutes; saw 1 device, 100 adverts. First and last observation: 14:30:00 +05:30 and 14:34:57 +05:30."),
            "{format}: the Bluetooth check's times: {t}"
        );
    }
    // London in summer: British Summer Time, +01:00.
    for (i, t) in reports("Europe/London", &rec, d.path(), names)
        .iter()
        .enumerate()
    {
        assert_times(
            t,
            names[i],
            "+01:00",
            &["2026-07-15 10:00:00", "10:10:00", "2026-07-14 19:00:00"],
        );
    }
}

#[test]
fn markdown_and_html_show_every_time_in_the_local_zone_with_its_offset() {
    check_formats(&["r.md", "r.html"]);
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn pdf_shows_every_time_in_the_local_zone_with_its_offset() {
    check_formats(&["r.pdf"]);
}

fn check_checklist_and_devices(names: &[&str]) {
    let d = tempfile::tempdir().expect("tmp");
    let rec = recording(d.path());
    for (i, t) in reports("UTC", &rec, d.path(), names).iter().enumerate() {
        let format = names[i];
        // The devices examined, on the first page.
        assert!(
            t.contains(&format!(
                "iPhone 13 Pro, UDID {UDID}, iOS 16.7.2, from a backup made 2026-07-14 18:00:00 +00:00: apps and profiles checked (1 app, 1 profile)"
            )),
            "{format}: the iPhone is not among the devices examined:\n{t}"
        );
        assert!(
            t.contains("The client's belongings and the room, by a Bluetooth sweep from 09:00:00 +00:00 to 09:04:57 +00:00 (1 device in range)"),
            "{format}: the Bluetooth sweep is not among the devices examined:\n{t}"
        );
        // Every item, answered or not, with who and when.
        assert_eq!(
            checklist_answer(t, "Apple Account devices"),
            "Looked at with the client: nothing the client does not recognise (recorded by VO at 09:10:00 +00:00)",
            "{format}"
        );
        assert_eq!(
            checklist_answer(t, "Find My sharing"),
            "Looked at with the client: something the client does not recognise (recorded by AB at 09:12:00 +00:00)",
            "{format}"
        );
        assert_eq!(
            checklist_answer(t, "Safety Check (iOS 16 and later)"),
            "Not looked at (recorded by VO at 09:13:00 +00:00)",
            "{format}"
        );
        for unanswered in ["Family Sharing", "Passwords and codes"] {
            assert!(
                checklist_answer(t, unanswered).starts_with("Not recorded."),
                "{format}: {unanswered}: {:?}",
                checklist_answer(t, unanswered)
            );
        }
        // The guidance is there, and the first page says how much was looked at, never
        // that the account is fine.
        assert!(t.contains("Family Sharing: in Settings"), "{format}: {t}");
        assert!(
            t.contains("Who knows the Apple Account password"),
            "{format}"
        );
        assert!(
            t.contains("The client's Apple Account (with the client): Partly checked: 2 of 5 items looked at with the client; something the client does not recognise: Find My sharing; not looked at or not recorded: Family Sharing, Safety Check, Passwords and codes."),
            "{format}: the first page's account line:\n{t}"
        );
    }
}

#[test]
fn markdown_and_html_show_the_account_checklist_and_the_devices_examined() {
    check_checklist_and_devices(&["r.md", "r.html"]);
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn pdf_shows_the_account_checklist_and_the_devices_examined() {
    check_checklist_and_devices(&["r.pdf"]);
}

#[test]
fn the_json_lists_the_devices_examined_and_keeps_utc() {
    let d = tempfile::tempdir().expect("tmp");
    let rec = recording(d.path());
    let json = d.path().join("f.json");
    exits(
        Command::new(env!("CARGO_BIN_EXE_sweep"))
            .env("TZ", "Asia/Kolkata")
            .args(["scan", "--from"])
            .arg(&rec)
            .arg("--json")
            .arg(&json),
        0,
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid");
    assert_eq!(v["schema"], 1);
    let ex = v["scan"]["examined"].as_array().expect("scan.examined");
    let iphone = ex
        .iter()
        .find(|e| e["kind"] == "iphone")
        .expect("the iPhone");
    assert_eq!(iphone["udid"], UDID);
    assert_eq!(iphone["model"], "iPhone 13 Pro");
    assert_eq!(iphone["ios_version"], "16.7.2");
    assert_eq!(iphone["via"], "backup");
    assert_eq!(iphone["backup_date"], "2026-07-14T18:00:00Z");
    let bt = ex
        .iter()
        .find(|e| e["kind"] == "bluetooth")
        .expect("the sweep");
    assert_eq!(bt["seen"], 1);
    assert_eq!(bt["first"], "2026-07-15T09:00:00Z");
    assert_eq!(
        v["consultation"]["account_checks"]["find-my-sharing"]["at"],
        "2026-07-15T09:12:00Z"
    );
    assert!(
        v["consultation"]["account_checks"]
            .get("family-sharing")
            .is_none()
    );
}

/// Only the checklist recorded, nothing examined: the report says so plainly, and still
/// shows every item.
#[test]
fn no_device_examined_is_said_and_an_answered_item_still_shows_the_checklist() {
    let d = tempfile::tempdir().expect("tmp");
    let rec = d.path().join("accounts-only.jsonl");
    std::fs::write(
        &rec,
        r#"{"t":"2026-07-15T09:10:00Z","kind":"account-check","item":"family-sharing","answer":"nothing-unexpected","by":"VO"}
"#,
    )
    .expect("write");
    // Nothing was checked, so sweep exits 1; the report is still written.
    let md = &reports_exit("UTC", &rec, d.path(), &["only.md"], 1)[0];
    assert!(
        md.contains("Devices examined: no device of the client's was examined"),
        "{md}"
    );
    assert!(checklist_answer(md, "Apple Account devices").starts_with("Not recorded."));
    assert!(checklist_answer(md, "Family Sharing").starts_with("Looked at with the client"));
}

/// No iPhone and no checklist answer: no checklist (the demo: Bluetooth, network, traffic).
#[test]
fn no_iphone_no_checklist() {
    let d = tempfile::tempdir().expect("tmp");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/clinic-session.jsonl");
    let md = &reports("UTC", &demo, d.path(), &["demo.md"])[0];
    assert!(!md.contains("The client's Apple Account"), "{md}");
    assert!(
        md.contains("Shared accounts, passwords: Not checked"),
        "{md}"
    );
}
