//! TestBackend snapshots of every screen at 80x24 and 120x40 from the replayed demo
//! session, and hostile names that must not break the layout.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sweep::engine::Engine;
use sweep::observation::Record;
use sweep::signatures::SignatureSet;
use sweep::ui::app::{Action, App, CaseRow, CheckChoice, CheckKind, Screen, StartForm};
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
            CheckChoice::new(CheckKind::Bluetooth, true, None),
            CheckChoice::new(
                CheckKind::Network,
                false,
                Some("sweep may not capture on the network. Run once: sudo setcap cap_net_raw+eip /usr/local/bin/sweep".into()),
            ),
            CheckChoice::new(CheckKind::PhoneTraffic, true, None),
            CheckChoice::new(CheckKind::PhoneApps, false, None),
            CheckChoice::new(CheckKind::Iphone, false, None),
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
        Screen::UsbGuide => {
            app.screen = Screen::Start;
            app.update(Action::Guide, &findings);
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
            ("usb_guide", Screen::UsbGuide),
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
        app.start.focus = 10;
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

/// The engine after the Android 14 snapshot folder was checked.
fn phone_engine() -> Engine {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/android/android14");
    let home = tempfile::tempdir().expect("tmp");
    let mut s = sweep::session::Session::start(sweep::session::SessionSpec {
        checks: vec![sweep::session::CheckRequest::File(dir)],
        cases_dir: Some(home.path().to_path_buf()),
        ..Default::default()
    })
    .expect("session");
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    s.run_to_end(&mut e);
    e
}

/// The phone's own findings have their pane; its app cards ask the clinic's questions with
/// the safety text; the account checklist follows the findings; several phones ask which.
#[test]
fn phone_apps_pane_review_checklist_and_phone_choice() {
    let e = phone_engine();
    let findings = e.findings();
    let mut app = App::new(form(), false);
    app.colour = false;
    app.screen = Screen::Live;
    for _ in 0..3 {
        app.update(Action::NextPane, &findings);
    }
    let pane = screen_text(&app, &e, 100, 30);
    assert!(pane.contains("[Phone apps (10)]"), "{pane}");
    assert!(pane.contains("Phone traffic (0)"), "{pane}");
    insta::assert_snapshot!("phone_apps_pane_100x30", pane);

    app.update(Action::Review, &findings);
    let card = screen_text(&app, &e, 100, 40);
    for q in sweep::engine::phone_texts::REVIEW_QUESTIONS {
        assert!(card.contains(q), "{q} missing:\n{card}");
    }
    assert!(card.contains("Keep the client safe"), "{card}");
    insta::assert_snapshot!("phone_app_review_100x40", card);

    // No checklist unless asked for: after the findings comes the summary.
    for _ in 0..findings.len() {
        app.update(Action::NextFinding, &findings);
    }
    assert!(screen_text(&app, &e, 100, 30).contains("summary"));
    app.account_checklist = true;
    let checklist = screen_text(&app, &e, 100, 30);
    assert!(
        checklist.contains("Account access, 1 of 5: Apple Account devices"),
        "{checklist}"
    );
    insta::assert_snapshot!("account_checklist_100x30", checklist);
    // Its keys record checklist answers, not answers about a finding.
    use sweep::observation::{AccountAnswer, AccountItem, ClientAnswer};
    use sweep::ui::app::Effect;
    assert_eq!(
        app.update(Action::Answer(ClientAnswer::NotSure), &findings),
        Effect::AccountCheck(AccountItem::AppleAccountDevices, AccountAnswer::NotChecked)
    );
    for _ in 0..5 {
        app.update(Action::NextFinding, &findings);
    }
    assert!(screen_text(&app, &e, 100, 30).contains("summary"));

    // Two phones, one not yet allowed: the chooser says which and why.
    use sweep::ui::app::UsbPhone;
    let mut app = App::new(form(), false);
    app.colour = false;
    app.phones_listed(
        CheckKind::PhoneApps,
        Ok(vec![
            UsbPhone {
                id: "A1".into(),
                words: "Pixel 7 (serial A1)".into(),
                problem: None,
            },
            UsbPhone {
                id: "B2".into(),
                words: "Galaxy S21 (serial B2)".into(),
                problem: Some("accept \"Allow USB debugging\" on the phone's screen (unlock it first), then select this check again.".into()),
            },
        ]),
    );
    // One ready phone is chosen at once: no question.
    assert!(app.start.choosing_phone.is_none());
    let choice = |app: &App| {
        app.start
            .checks
            .iter()
            .find(|c| c.kind == CheckKind::PhoneApps)
            .cloned()
            .expect("phone apps row")
    };
    assert_eq!(choice(&app).device.as_deref(), Some("A1"));
    assert!(choice(&app).selected);
    app.phones_listed(
        CheckKind::PhoneApps,
        Ok(vec![
            UsbPhone {
                id: "A1".into(),
                words: "Pixel 7 (serial A1)".into(),
                problem: None,
            },
            UsbPhone {
                id: "C3".into(),
                words: "Pixel 8 (serial C3)".into(),
                problem: None,
            },
        ]),
    );
    let chooser = screen_text(&app, &e, 100, 30);
    assert!(chooser.contains("Which phone?"), "{chooser}");
    insta::assert_snapshot!("phone_chooser_100x30", chooser);
    app.update(Action::Down, &findings);
    app.update(Action::Open, &findings);
    assert_eq!(choice(&app).device.as_deref(), Some("C3"));
    // None ready: the check stays unselected and says what to do.
    app.phones_listed(
        CheckKind::PhoneApps,
        Ok(vec![UsbPhone {
            id: "B2".into(),
            words: "Galaxy S21 (serial B2)".into(),
            problem: Some("accept \"Allow USB debugging\" on the phone's screen".into()),
        }]),
    );
    assert!(!choice(&app).selected);
    assert!(
        choice(&app)
            .detail
            .is_some_and(|d| d.contains("Allow USB debugging"))
    );
    app.phones_listed(CheckKind::PhoneApps, Err("No adb server answers".into()));
    assert_eq!(choice(&app).device, None);
}

/// Choosing an iPhone asks whether the client agrees to a backup into the case folder;
/// "no" is the default, "yes" is shown under the check, and deselecting forgets it.
#[test]
fn iphone_backup_is_asked_and_needs_a_yes() {
    use sweep::ui::app::UsbPhone;
    let e = phone_engine();
    let findings = e.findings();
    let mut app = App::new(form(), false);
    app.colour = false;
    let iphone = vec![UsbPhone {
        id: "00008110-000A11112222801E".into(),
        words: "iPhone14,2, iOS 17.5.1, UDID 00008110-000A11112222801E".into(),
        problem: None,
    }];
    let choice = |app: &App| {
        app.start
            .checks
            .iter()
            .find(|c| c.kind == CheckKind::Iphone)
            .cloned()
            .expect("iPhone row")
    };
    app.phones_listed(CheckKind::Iphone, Ok(iphone.clone()));
    assert!(app.start.confirming_backup);
    assert!(!choice(&app).backup);
    let asked = screen_text(&app, &e, 80, 24);
    assert!(asked.contains("Backup of the iPhone"), "{asked}");
    assert!(asked.contains("ask the client"), "{asked}");
    assert!(asked.contains("y: yes, the client agrees"), "{asked}");
    insta::assert_snapshot!("iphone_backup_question_80x24", asked);
    // Esc-like back: no backup.
    app.update(Action::Back, &findings);
    assert!(!app.start.confirming_backup);
    assert!(!choice(&app).backup);
    // Asked again when chosen again; yes is recorded and shown.
    app.phones_listed(CheckKind::Iphone, Ok(iphone));
    app.update(Action::Confirm(true), &findings);
    assert!(choice(&app).backup);
    assert!(choice(&app).selected);
    let shown = choice(&app).detail.expect("detail");
    assert!(shown.contains(sweep::ui::form::BACKUP_AGREED), "{shown}");
    // Deselecting the check forgets the phone and the backup.
    app.start.focus = sweep::ui::app::FORM_HEAD
        + app
            .start
            .checks
            .iter()
            .position(|c| c.kind == CheckKind::Iphone)
            .expect("row");
    app.update(Action::Toggle, &findings);
    assert!(!choice(&app).selected);
    assert!(!choice(&app).backup);
}
