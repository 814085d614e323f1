//! The screens driven end to end through their seam (a TestBackend and scripted input):
//! a reopened case exports beside its originals and gives the same JSON as the headless
//! scan; a check that fails shows "stopped" with its timer gone; once nothing runs, the
//! loop waits on input instead of spinning.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sha2::{Digest, Sha256};
use sweep::engine::Engine;
use sweep::signatures::SignatureSet;
use sweep::ui::app::{App, CheckChoice, CheckKind, StartForm};
use sweep::ui::{Events, IDLE_TICK, UiOptions, event_loop};

/// Keys delivered only when the loop waits for input (nothing running), so the script
/// follows the session's state without sleeping; every wait asked for is recorded.
struct Script {
    keys: VecDeque<KeyCode>,
    waits: Vec<Duration>,
}

impl Events for Script {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        self.waits.push(timeout);
        assert!(self.waits.len() < 200_000, "the loop spun without waiting");
        if timeout.is_zero() {
            return Ok(None);
        }
        Ok(self
            .keys
            .pop_front()
            .map(|c| Event::Key(KeyEvent::new(c, KeyModifiers::NONE))))
    }
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn form(interfaces: Vec<String>, traffic: bool, last_case: Option<String>) -> StartForm {
    StartForm {
        case_ref: String::new(),
        editing_case: false,
        checks: vec![
            CheckChoice::new(CheckKind::Bluetooth, false, None),
            CheckChoice::new(CheckKind::Network, false, None),
            CheckChoice::new(CheckKind::PhoneTraffic, traffic, None),
            CheckChoice::new(CheckKind::PhoneApps, false, None),
            CheckChoice::new(CheckKind::Iphone, false, None),
        ],
        focus: 3,
        scopes: interfaces.iter().map(|_| String::new()).collect(),
        interfaces,
        interface: 0,
        minutes: 15,
        active: false,
        confirming_active: false,
        last_case,
        ..StartForm::default()
    }
}

fn engine() -> Engine {
    Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")))
}

fn sha(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).expect("read")))
}

/// Run the loop with a script until it quits; returns the script and the final screen.
fn drive(app: &mut App, opts: &UiOptions, keys: &[KeyCode]) -> (Script, String) {
    let mut term = Terminal::new(TestBackend::new(110, 32)).expect("terminal");
    let mut script = Script {
        keys: keys.iter().cloned().collect(),
        waits: Vec::new(),
    };
    let mut e = engine();
    let mut session = None;
    let code = event_loop(&mut term, &mut script, app, &mut e, &mut session, opts).expect("loop");
    assert_eq!(code, 0);
    (script, screen(&term))
}

/// Strip what legitimately differs between two runs: times, paths, the journal's name.
fn comparable(mut v: serde_json::Value) -> serde_json::Value {
    let scan = &mut v["scan"];
    for k in ["started", "ended"] {
        scan[k] = serde_json::Value::Null;
    }
    if let Some(inputs) = scan["inputs"].as_array_mut() {
        for i in inputs {
            i["path"] = serde_json::Value::Null;
        }
    }
    v
}

#[test]
fn a_reopened_case_exports_beside_its_originals_and_matches_the_headless_scan() {
    let home = tempfile::tempdir().expect("tmp");
    let cases = home.path().join("cases");
    // A finished case as a live check leaves it: journal, findings.json and a report.
    let src = tempfile::tempdir().expect("tmp");
    let journal = src.path().join("journal.jsonl");
    let recording: String = sweep::ui::DEMO_SESSION
        .lines()
        .filter(|l| !l.contains("\"kind\":\"session\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&journal, recording).expect("journal");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["scan", "--case", "C-42", "--operator", "VO", "--from"])
        .arg(&journal)
        .arg("--json")
        .arg(src.path().join("headless.json"))
        .output()
        .expect("headless");
    assert_eq!(out.status.code(), Some(0));
    let case = cases.join("20261122T100000Z-C-42");
    std::fs::create_dir_all(&case).expect("case");
    std::fs::copy(&journal, case.join("journal.jsonl")).expect("copy");
    std::fs::write(case.join("findings.json"), "{\"original\":true}").expect("orig");
    std::fs::write(case.join("report.md"), "ORIGINAL REPORT").expect("orig");
    let before: Vec<(String, String)> = ["journal.jsonl", "findings.json", "report.md"]
        .iter()
        .map(|n| (n.to_string(), sha(&case.join(n))))
        .collect();

    let opts = UiOptions {
        cases_dir: Some(cases.clone()),
        ..UiOptions::default()
    };
    let mut app = App::new(form(vec![], false, Some("C-42".into())), false);
    let (script, _) = drive(
        &mut app,
        &opts,
        &[
            KeyCode::Char('o'),
            KeyCode::Enter,
            KeyCode::Char('e'),
            KeyCode::Char('q'),
        ],
    );
    assert!(script.keys.is_empty());
    // The originals are untouched; the export sits beside them.
    for (n, h) in &before {
        assert_eq!(&sha(&case.join(n)), h, "{n} was changed");
    }
    for n in [
        "report-2.md",
        "report.html",
        "report.pdf",
        "findings-2.json",
    ] {
        assert!(case.join(n).is_file(), "{n} missing");
    }
    // The screens' export and the headless scan of the same journal agree.
    let ui: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.join("findings-2.json")).expect("export"),
    )
    .expect("json");
    let headless: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(src.path().join("headless.json")).expect("headless"),
    )
    .expect("json");
    assert_eq!(ui["scan"]["inputs"][0]["sha256"], sha(&journal));
    let (mut ui, mut headless) = (comparable(ui), comparable(headless));
    // The headless scan was told the case and operator; the reopened journal has no
    // session record of them (a journal from before they were recorded).
    for v in [&mut ui, &mut headless] {
        v["scan"]["case"] = serde_json::Value::Null;
        v["scan"]["operator"] = serde_json::Value::Null;
    }
    assert_eq!(ui, headless);
}

#[test]
fn a_check_that_fails_shows_stopped_and_the_loop_then_waits_on_input() {
    let home = tempfile::tempdir().expect("tmp");
    let opts = UiOptions {
        cases_dir: Some(home.path().join("cases")),
        ..UiOptions::default()
    };
    let mut app = App::new(form(vec!["sweep-none0".into()], true, None), false);
    let (script, last) = drive(&mut app, &opts, &[KeyCode::Char('s'), KeyCode::Char('q')]);
    // The check never ran: the header says stopped, there is no timer, and the status
    // names what was not checked.
    assert!(
        last.contains("check stopped: not everything was checked"),
        "{last}"
    );
    assert!(!last.contains("check in progress"), "{last}");
    assert!(!last.contains(" left"), "the timer still shows:\n{last}");
    assert!(last.contains("Phone traffic was not checked"), "{last}");
    // Once it had stopped, every wait for input was the idle tick: no busy loop.
    let after_start = script
        .waits
        .iter()
        .rposition(|w| w.is_zero())
        .expect("it ran a while");
    assert!(
        script.waits[after_start + 1..]
            .iter()
            .all(|w| *w == IDLE_TICK),
        "{:?}",
        &script.waits[after_start + 1..]
    );
    // Its case folder holds the account: not run.
    let case = std::fs::read_dir(home.path().join("cases"))
        .expect("cases")
        .next()
        .expect("a case")
        .expect("entry")
        .path();
    let f: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.join("findings.json")).expect("findings"),
    )
    .expect("json");
    assert_eq!(f["scan"]["coverage"][0]["status"], "not-run");
}
