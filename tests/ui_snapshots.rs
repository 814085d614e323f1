//! TestBackend snapshots of every screen at 80x24 and 120x40 from the replayed demo
//! session, and hostile names that must not break the layout.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sweep::engine::Engine;
use sweep::observation::Record;
use sweep::signatures::SignatureSet;
use sweep::ui::app::{Action, App, CaseRow, CheckChoice, Screen, StartForm};
use sweep::ui::render::{self, Frame0, SessionState};

fn demo_engine() -> Engine {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    for line in sweep::ui::DEMO_SESSION.lines() {
        let r: Record = serde_json::from_str(line).expect("demo line");
        e.ingest(&r);
    }
    e
}

fn form() -> StartForm {
    StartForm {
        case_ref: "C-104".into(),
        editing_case: false,
        checks: vec![
            CheckChoice { name: "Bluetooth trackers", selected: true, unavailable: None },
            CheckChoice {
                name: "This network (who is on it, cameras)",
                selected: false,
                unavailable: Some("sweep may not capture on the network. Run once: sudo setcap cap_net_raw,cap_net_admin+eip /usr/local/bin/sweep".into()),
            },
            CheckChoice { name: "Phone traffic (phone on this laptop's hotspot)", selected: true, unavailable: None },
        ],
        focus: 3,
        interfaces: vec!["wlan0".into(), "eth0".into()],
        scopes: vec![
            "the 253 other addresses of 192.168.1.0/24".into(),
            "no address: this interface has no IPv4 address, so there is nothing to ask".into(),
        ],
        interface: 0,
        minutes: 15,
        active: false,
        confirming_active: false,
        last_case: Some("20261121T140000Z-C-103 (2026-11-21 14:00, 3 findings)".into()),
        ..StartForm::default()
    }
}

fn screen_text(app: &App, engine: &Engine, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let findings = engine.findings();
    let f0 = Frame0 {
        progress: Some((0.4, 540)),
        state: SessionState::DemoPlaying,
        ..Frame0::default()
    };
    term.draw(|f| render::draw(f, app, engine, &findings, &f0))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn app_at(screen: Screen, engine: &Engine) -> App {
    let mut app = App::new(form(), true);
    app.colour = false;
    let findings = engine.findings();
    match screen {
        Screen::Start => app.screen = Screen::Start,
        Screen::Live => {}
        Screen::Detail => {
            app.update(Action::Open, &findings);
        }
        Screen::Review => {
            app.update(Action::Review, &findings);
        }
        Screen::Locate => {
            app.update(Action::Locate, &findings);
        }
        Screen::Cases => {
            app.cases = vec![
                CaseRow {
                    name: "20261121T140000Z-C-103".into(),
                    path: "/cases/20261121T140000Z-C-103".into(),
                    words: "2026-11-21 14:00 · complete · 3 findings".into(),
                },
                CaseRow {
                    name: "20261122T093000Z-C-104".into(),
                    path: "/cases/20261122T093000Z-C-104".into(),
                    words: "2026-11-22 09:30 · incomplete (Bluetooth trackers not run as asked) · 0 findings".into(),
                },
            ];
            app.screen = Screen::Cases;
        }
    }
    assert_eq!(app.screen, screen);
    app
}

#[test]
fn every_screen_at_two_sizes() {
    let e = demo_engine();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        for (name, screen) in [
            ("start", Screen::Start),
            ("live", Screen::Live),
            ("detail", Screen::Detail),
            ("review", Screen::Review),
            ("locate", Screen::Locate),
            ("cases", Screen::Cases),
        ] {
            let app = app_at(screen, &e);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen_text(&app, &e, w, h));
        }
        // The review's last page: what was checked and what the check cannot tell.
        let mut app = app_at(Screen::Review, &e);
        let findings = e.findings();
        for _ in 0..findings.len() {
            app.update(Action::NextFinding, &findings);
        }
        insta::assert_snapshot!(
            format!("review_summary_{w}x{h}"),
            screen_text(&app, &e, w, h)
        );
        // Help, the active-check confirmation.
        let mut app = app_at(Screen::Live, &e);
        app.update(Action::Help, &findings);
        insta::assert_snapshot!(format!("help_{w}x{h}"), screen_text(&app, &e, w, h));
        let mut app = app_at(Screen::Start, &e);
        app.start.focus = 8;
        app.update(Action::Toggle, &findings);
        assert!(app.start.confirming_active);
        insta::assert_snapshot!(
            format!("confirm_active_{w}x{h}"),
            screen_text(&app, &e, w, h)
        );
        // The start screen's own keys, and the concerns list.
        let mut app = app_at(Screen::Start, &e);
        app.update(Action::Help, &findings);
        insta::assert_snapshot!(format!("help_start_{w}x{h}"), screen_text(&app, &e, w, h));
        let mut app = app_at(Screen::Start, &e);
        app.start.focus = 2;
        app.update(Action::Open, &findings);
        app.update(Action::Down, &findings);
        app.update(Action::Toggle, &findings);
        insta::assert_snapshot!(format!("concerns_{w}x{h}"), screen_text(&app, &e, w, h));
        // `m` asks before marking.
        let mut app = app_at(Screen::Live, &e);
        app.update(Action::Down, &findings);
        app.update(Action::Mine, &findings);
        assert!(app.pending.is_some());
        insta::assert_snapshot!(format!("confirm_mine_{w}x{h}"), screen_text(&app, &e, w, h));
    }
}

#[test]
fn quick_hide_shows_nothing_of_the_check_and_needs_the_sequence_to_come_back() {
    let e = demo_engine();
    let findings = e.findings();
    let mut app = app_at(Screen::Live, &e);
    app.update(Action::Hide, &findings);
    let text = screen_text(&app, &e, 80, 24).to_lowercase();
    for word in [
        "airtag",
        "tracker",
        "stalkerware",
        "sweep",
        "smarttag",
        "thetruthspy",
        "check",
        "client",
        "finding",
    ] {
        assert!(
            !text.contains(word),
            "{word:?} visible after Escape:\n{text}"
        );
    }
    // Other keys do nothing; the sequence restores.
    for c in ['q', 'x', 'b', 'a', 'x'] {
        app.update(Action::HiddenKey(c), &findings);
        assert!(app.hidden);
    }
    for c in "back".chars() {
        app.update(Action::HiddenKey(c), &findings);
    }
    assert!(!app.hidden);
    assert!(screen_text(&app, &e, 80, 24).contains("AirTag"));
}

#[test]
fn hostile_names_do_not_break_the_layout() {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    let names = [
        "\u{1b}[2J\u{1b}[31mEVIL\u{1b}]0;title\u{7}",
        "\u{202e}gnirtS\u{202c} rtl",
        "🧭📍🔑 emoji tag",
        &"L".repeat(5000),
    ];
    for (i, n) in names.iter().enumerate() {
        let line = serde_json::json!({
            "t": "2026-11-22T10:00:00Z", "kind": "ble", "address": format!("C0:FF:EE:00:00:0{i}"),
            "rssi": -60, "name": n, "services": ["feed"]
        });
        e.ingest(&serde_json::from_value(line).expect("record"));
    }
    for screen in [Screen::Live, Screen::Detail] {
        let app = app_at(screen, &e);
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let text = screen_text(&app, &e, w, h);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
                "control characters reached the screen:\n{text}"
            );
            for (y, line) in text.lines().enumerate() {
                assert!(line.chars().count() >= w as usize, "row {y} is short");
            }
            // The list box keeps its right border on every row.
            let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('│')).collect();
            assert!(
                rows.iter().all(|l| l.trim_end().ends_with('│')),
                "a row lost its border:\n{text}"
            );
        }
    }
}

#[test]
fn locate_names_the_tracker_and_says_when_it_has_not_been_heard() {
    let e = demo_engine();
    let findings = e.findings();
    let app = app_at(Screen::Locate, &e);
    let last = findings
        .iter()
        .find(|f| f.subject.address == app.locate_target)
        .map(|f| f.last_seen)
        .expect("the located tracker");
    let draw = |now| {
        let mut term = Terminal::new(TestBackend::new(100, 32)).expect("terminal");
        let f0 = Frame0 {
            now: Some(now),
            ..Frame0::default()
        };
        term.draw(|f| render::draw(f, &app, &e, &findings, &f0))
            .expect("draw");
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    };
    let fresh = draw(last + chrono::Duration::seconds(2));
    assert!(fresh.contains("find Apple AirTag"), "{fresh}");
    assert!(
        fresh.contains("dBm") && !fresh.contains("not heard"),
        "{fresh}"
    );
    assert!(fresh.contains("serial number"), "{fresh}");
    let gone = draw(last + chrono::Duration::seconds(30));
    assert!(gone.contains("NOT HEARD — not heard for 30 s"), "{gone}");
}

/// `m` asks first, records who and when, and a second `m` takes the mark back; review
/// answers and decisions come out as effects for the journal.
#[test]
fn mine_confirms_and_undoes_and_review_records_answers() {
    use sweep::observation::{ClientAnswer, Decision, MineMark, Observation};
    use sweep::ui::app::Effect;
    let mut e = demo_engine();
    let findings = e.findings();
    let mut app = app_at(Screen::Live, &e);
    app.update(Action::Down, &findings);
    let target = app.pane_findings(&findings)[1]
        .subject
        .address
        .expect("address");
    // A key other than y cancels.
    assert_eq!(app.update(Action::Mine, &findings), Effect::None);
    assert_eq!(app.update(Action::Confirm(false), &findings), Effect::None);
    assert!(app.pending.is_none());
    app.update(Action::Mine, &findings);
    let eff = app.update(Action::Confirm(true), &findings);
    assert_eq!(eff, Effect::MarkMine(target, false));
    let t: sweep::observation::Timestamp = "2026-11-22T10:06:00Z".parse().expect("t");
    e.ingest(&Record::new(
        t,
        Observation::Mine(MineMark {
            address: target,
            by: Some("VO".into()),
            undo: false,
        }),
    ));
    let findings = e.findings();
    let f = findings
        .iter()
        .find(|f| f.subject.address == Some(target))
        .expect("finding");
    let r = f.recognised.as_ref().expect("recognised");
    assert_eq!((r.by.as_deref(), r.at), (Some("VO"), t));
    // The same row, now the client's own: m offers to take it back.
    let idx = app
        .pane_findings(&findings)
        .iter()
        .position(|f| f.subject.address == Some(target))
        .expect("row");
    app.selected = idx;
    app.update(Action::Mine, &findings);
    assert!(matches!(
        app.pending,
        Some(sweep::ui::app::Pending::Mine { undo: true, .. })
    ));
    assert_eq!(
        app.update(Action::Confirm(true), &findings),
        Effect::MarkMine(target, true)
    );
    e.ingest(&Record::new(
        t + chrono::Duration::seconds(5),
        Observation::Mine(MineMark {
            address: target,
            by: Some("VO".into()),
            undo: true,
        }),
    ));
    assert!(
        e.findings()
            .iter()
            .find(|f| f.subject.address == Some(target))
            .is_some_and(|f| f.recognised.is_none()),
        "the mark was not taken back"
    );
    // Review: the client's answer and the decision about the finding shown.
    let findings = e.findings();
    let mut app = app_at(Screen::Review, &e);
    let first = findings[0].id.clone();
    assert_eq!(
        app.update(Action::Answer(ClientAnswer::NotRecognised), &findings),
        Effect::Answer {
            finding: first.clone(),
            answer: Some(ClientAnswer::NotRecognised),
            decision: None
        }
    );
    assert_eq!(
        app.update(Action::Decide(Decision::DecideWithAdvocate), &findings),
        Effect::Answer {
            finding: first,
            answer: None,
            decision: Some(Decision::DecideWithAdvocate)
        }
    );
}
