//! The terminal UI (ratatui + crossterm). It owns the pipeline and the engine, maps keys
//! to `app::Action`s and draws with `render`; it only reads the engine's state.

pub mod app;
pub mod form;
pub mod help;
pub mod locate;
pub mod phone;
pub mod render;
pub mod review;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::engine::Engine;
use crate::observation::{
    AccountCheckObs, AnswerObs, ClientAnswer, Concern, ConcernsObs, Decision, NoteObs,
};
use crate::observation::{MineMark, Observation, PlaceMark, Record};
use crate::pipeline::Pump;
use crate::session::{CheckRequest, Mode, Session, SessionSpec};
use app::{
    Action, App, CaseRow, CheckChoice, CheckKind, Effect, FORM_HEAD, InterfaceInfo, Screen,
    StartForm, UsbPhone,
};
use render::{Frame0, SessionState};

/// The recorded clinic session shown by `sweep demo`.
pub use crate::session::DEMO_SESSION;

/// Options for the interactive UI.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub signatures: Option<PathBuf>,
    pub case: Option<String>,
    pub operator: Option<String>,
    /// `sweep demo`: replay the embedded clinic session at this speed.
    pub demo_speed: Option<f64>,
    /// Folder for case folders (default `case::cases_root()`).
    pub cases_dir: Option<PathBuf>,
    /// Opens raw sockets for the checks started here (the screens hold no capability).
    pub opener: Option<crate::sources::LinkOpener>,
}

/// What a volunteer needs to recognise an interface: Wi-Fi, wired or virtual (from
/// `/sys/class/net`), up or down, its IPv4 address, and whether it is this laptop's hotspot
/// (NetworkManager's shared connection hands out 10.42.0.0/24 from 10.42.0.1).
pub fn interface_info(i: &pnet::datalink::NetworkInterface) -> InterfaceInfo {
    let sys = std::path::Path::new("/sys/class/net").join(&i.name);
    let kind = if sys.join("wireless").exists() || sys.join("phy80211").exists() {
        "Wi-Fi"
    } else if sys.join("device").exists() {
        "wired"
    } else {
        "virtual"
    };
    let v4 = i.ips.iter().find(|n| n.is_ipv4());
    let up = std::fs::read_to_string(sys.join("operstate"))
        .map(|s| s.trim() == "up" || (s.trim() == "unknown" && i.is_up()))
        .unwrap_or_else(|_| i.is_up());
    InterfaceInfo {
        kind,
        up,
        address: v4.map(|n| n.to_string()),
        hotspot: v4.is_some_and(|n| n.ip().to_string() == "10.42.0.1"),
    }
}

/// Which interface to offer first: the hotspot, else one that is up with an address (a
/// real one before a virtual one), else any that is up; a down one only if nothing is up.
pub fn default_interface(info: &[InterfaceInfo]) -> usize {
    let with_address = |i: &InterfaceInfo| i.up && i.address.is_some();
    info.iter()
        .position(|i| i.hotspot && i.up)
        .or_else(|| {
            info.iter()
                .position(|i| with_address(i) && i.kind != "virtual")
        })
        .or_else(|| info.iter().position(with_address))
        .or_else(|| info.iter().position(|i| i.up))
        .unwrap_or(0)
}

/// The start form with what can run on this machine.
pub fn start_form() -> StartForm {
    let ifaces: Vec<_> = crate::sources::interfaces()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .collect();
    let scopes: Vec<String> = ifaces.iter().map(crate::sources::lan::scope_of).collect();
    let info: Vec<InterfaceInfo> = ifaces.iter().map(interface_info).collect();
    let interfaces: Vec<String> = ifaces.into_iter().map(|i| i.name).collect();
    let raw = crate::privilege::has_net_raw();
    let bt = std::path::Path::new("/sys/class/bluetooth")
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    let no_raw = format!(
        "sweep may not capture on the network. Run once: {}",
        crate::privilege::setcap_line()
    );
    StartForm {
        checks: vec![
            CheckChoice::new(
                CheckKind::Bluetooth,
                bt,
                (!bt).then(|| "No Bluetooth adapter was found. Plug in a Bluetooth USB dongle, or start the bluetooth service.".into()),
            ),
            CheckChoice::new(
                CheckKind::Network,
                false,
                if interfaces.is_empty() { Some("No network interface was found. Join the client's network first.".into()) } else if !raw { Some(no_raw.clone()) } else { None },
            ),
            CheckChoice::new(
                CheckKind::PhoneTraffic,
                false,
                if interfaces.is_empty() { Some("No network interface was found. Start the hotspot first (? for help).".into()) } else if !raw { Some(no_raw) } else { None },
            ),
            // Which phone is asked when the check is chosen (the phone may be plugged in
            // after this screen opens).
            CheckChoice::new(CheckKind::PhoneApps, false, None),
            CheckChoice::new(CheckKind::Iphone, false, None),
        ],
        focus: FORM_HEAD,
        scopes,
        interface: default_interface(&info),
        interface_info: info,
        interfaces,
        minutes: 15,
        last_case: None,
        ..StartForm::default()
    }
}

fn key_action(app: &App, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
    if mods.contains(KeyModifiers::CONTROL) && code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if app.hidden {
        return match code {
            KeyCode::Char(c) => Some(Action::HiddenKey(c)),
            _ => None,
        };
    }
    let editing = app.note_input.is_some()
        || (app.screen == Screen::Start && (app.start.editing() || app.start.confirming()));
    Some(match code {
        KeyCode::Esc => Action::Hide,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::Tab => Action::NextPane,
        KeyCode::Enter => Action::Open,
        KeyCode::Backspace => Action::Back,
        KeyCode::Char(c) if app.pending.is_some() => match c {
            'y' => Action::Confirm(true),
            _ => Action::Confirm(false),
        },
        KeyCode::Char(c) if app.start.confirming() && app.screen == Screen::Start => match c {
            'y' => Action::Confirm(true),
            'n' => Action::Confirm(false),
            _ => return None,
        },
        KeyCode::Char(c) if editing => Action::Char(c),
        KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char(c) if app.screen == Screen::Review => match c {
            'y' => Action::Answer(ClientAnswer::Recognised),
            'x' => Action::Answer(ClientAnswer::NotRecognised),
            'u' => Action::Answer(ClientAnswer::NotSure),
            '1' => Action::Decide(Decision::KeepAsEvidence),
            '2' => Action::Decide(Decision::LeaveForNow),
            '3' => Action::Decide(Decision::DecideWithAdvocate),
            'm' => Action::Mine,
            't' => Action::Note,
            _ => return None,
        },
        KeyCode::Char('r') => Action::Review,
        KeyCode::Char('l') => Action::Locate,
        KeyCode::Char('p') => Action::NewPlace,
        KeyCode::Char('m') => Action::Mine,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('s') => Action::Start,
        KeyCode::Char('o') => Action::Reopen,
        KeyCode::Char('t') => Action::Note,
        KeyCode::Char('g') => Action::Guide,
        KeyCode::Char('j') => Action::Down,
        KeyCode::Char('k') => Action::Up,
        _ => return None,
    })
}

/// Where the screens read their input: the terminal in production, a script in tests.
pub trait Events {
    /// Wait at most `timeout` for the next input event; `None` when none came.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>>;
}

/// The real terminal's events (crossterm).
pub struct TerminalEvents;

impl Events for TerminalEvents {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        if event::poll(timeout)? {
            event::read().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// How long the screens sleep waiting for input when nothing is running: the clock on
/// screen ("not heard for N s") moves once per tick, and an idle laptop stays cool.
pub const IDLE_TICK: Duration = Duration::from_secs(1);
/// How long one pass waits for observations while a check runs.
const PUMP_WAIT: Duration = Duration::from_millis(40);
/// Redraws for new observations at most this often (keys redraw at once).
const REDRAW_EVERY: Duration = Duration::from_millis(200);

fn spec_from_form(app: &App, opts: &UiOptions) -> SessionSpec {
    let f = &app.start;
    let iface = f.interfaces.get(f.interface).cloned();
    let mut checks = Vec::new();
    for c in &f.checks {
        if !c.selected || c.unavailable.is_some() {
            continue;
        }
        match (c.kind, &iface) {
            (CheckKind::Bluetooth, _) => checks.push(CheckRequest::Bluetooth),
            (CheckKind::Network, Some(ifc)) => checks.push(CheckRequest::Network {
                interface: ifc.clone(),
                active: f.active,
            }),
            (CheckKind::PhoneTraffic, Some(ifc)) => checks.push(CheckRequest::PhoneTraffic {
                interface: ifc.clone(),
            }),
            (CheckKind::PhoneApps, _) => checks.push(CheckRequest::PhoneApps {
                serial: c.device.clone(),
            }),
            (CheckKind::Iphone, _) => checks.push(CheckRequest::Iphone {
                udid: c.device.clone(),
                backup: c.backup,
            }),
            (CheckKind::Network | CheckKind::PhoneTraffic, None) => {}
        }
    }
    let operator = (!f.operator.is_empty())
        .then(|| f.operator.clone())
        .or_else(|| opts.operator.clone());
    let mut marks = Vec::new();
    if !f.concerns.is_empty() {
        marks.push(Record::new(
            chrono::Utc::now(),
            Observation::Concerns(ConcernsObs {
                concerns: f.concerns.clone(),
                by: operator.clone(),
            }),
        ));
    }
    SessionSpec {
        checks,
        duration: Some(Duration::from_secs(f.minutes * 60)),
        case: (!f.case_ref.is_empty()).then(|| f.case_ref.clone()),
        operator,
        cases_dir: opts.cases_dir.clone(),
        marks,
        opener: opts.opener.clone(),
        ..SessionSpec::default()
    }
}

/// Journal an observation of the volunteer's now, with their initials (`by`); false when
/// no check is running to keep it.
fn record_now(
    session: &mut Option<Session>,
    engine: &mut Engine,
    make: impl FnOnce(Option<String>) -> Observation,
) -> bool {
    match session.as_mut() {
        Some(s) => {
            let by = s.operator.clone();
            s.add(engine, Record::new(chrono::Utc::now(), make(by)));
            true
        }
        None => false,
    }
}

/// The review ends with the account-access checklist when an iPhone was asked for or
/// read, when the client worries about their accounts, or once an item was answered.
pub fn wants_account_checklist(engine: &Engine) -> bool {
    use crate::observation::Check;
    let iphone_asked = engine
        .session_info()
        .is_some_and(|i| i.checks.iter().any(|c| c.check == Check::Iphone));
    let iphone_read = engine
        .coverage_log()
        .observations
        .get(&Check::Iphone)
        .is_some_and(|o| o.count > 0);
    let c = engine.consultation();
    let worried = c
        .concerns
        .as_ref()
        .is_some_and(|r| r.concerns.contains(&Concern::AccountsAccessed));
    iphone_asked || iphone_read || worried || !c.account_checks.is_empty()
}

/// The phones attached for a check over USB, in the start screen's words.
pub fn list_usb_phones(kind: CheckKind) -> Result<Vec<UsbPhone>, form::PhonesNotListed> {
    match kind {
        CheckKind::PhoneApps => crate::sources::android::adb::list_phones()
            .map(|listed| listed.into_iter().map(android_phone).collect())
            .map_err(form::PhonesNotListed::from),
        CheckKind::Iphone => crate::sources::ios::live::list_iphones()
            .map(|listed| {
                listed
                    .into_iter()
                    .map(|l| UsbPhone {
                        words: l.label(),
                        id: l.udid,
                        problem: None,
                    })
                    .collect()
            })
            .map_err(form::PhonesNotListed::from),
        CheckKind::Bluetooth | CheckKind::Network | CheckKind::PhoneTraffic => Ok(Vec::new()),
    }
}

fn android_phone(l: crate::sources::android::adb::Listed) -> UsbPhone {
    let serial = crate::sanitize::name(&l.serial);
    let words = match &l.model {
        Some(m) => format!(
            "{} (serial {serial})",
            crate::sanitize::name(&m.replace('_', " "))
        ),
        None => format!("the phone with serial {serial}"),
    };
    let problem = match l.state.as_str() {
        "device" => None,
        "unauthorized" => Some(
            "accept \"Allow USB debugging\" on the phone's screen (unlock it first), then select this check again.".to_string(),
        ),
        "offline" => Some(
            "the phone is offline: unplug it, plug it in again, unlock it, then select this check again.".to_string(),
        ),
        "no permissions" => Some(
            "this computer is not allowed to talk to the phone over USB. Install the android-sdk-platform-tools-common package (its udev rules), plug the phone in again, then select this check again.".to_string(),
        ),
        other => Some(format!(
            "the phone is in \"{}\" mode, not ready for the check: restart it normally, unlock it, then select this check again.",
            crate::sanitize::name(other)
        )),
    };
    UsbPhone {
        id: l.serial,
        words,
        problem,
    }
}

/// Run the UI until the volunteer quits. Returns the process exit code.
pub fn run(opts: UiOptions) -> anyhow::Result<u8> {
    let sigs = match &opts.signatures {
        Some(d) => crate::signatures::SignatureSet::load(d),
        None => crate::signatures::SignatureSet::embedded(),
    }
    .map_err(|e| anyhow::anyhow!("signature error: {e}"))?;
    let sigs = Arc::new(sigs);
    let mut engine = Engine::new(Arc::clone(&sigs));
    let demo = opts.demo_speed.is_some();
    // What can run is judged while this thread still holds its capabilities...
    let form = start_form();
    // ...then the screens run without any; a small opener thread keeps CAP_NET_RAW only to
    // open the raw sockets of a check the volunteer starts.
    let root = crate::privilege::running_as_root();
    let opener = crate::privilege::Opener::start_and_drop();
    let opts = UiOptions {
        opener: Some(opener.link()),
        ..opts
    };
    let mut app = App::new(form, demo);
    app.status = match (&opener.problem, root) {
        (Some(p), _) => Some(format!(
            "Warning: {p}; checks started here would run with more privileges than they need."
        )),
        (None, true) => Some(crate::privilege::root_not_needed()),
        (None, false) => None,
    };
    if let Some(c) = &opts.case {
        app.start.case_ref = crate::case::safe_ref(c);
    }
    let mut session = match opts.demo_speed {
        Some(s) => Some(Session::demo(s).map_err(|e| anyhow::anyhow!(e))?),
        None => None,
    };
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(
        &mut terminal,
        &mut TerminalEvents,
        &mut app,
        &mut engine,
        &mut session,
        &opts,
    );
    ratatui::restore();
    if let Some(s) = session.as_mut() {
        s.stop();
        // Whatever was observed stays in the journal; say where.
        if s.mode == Mode::Check && !s.is_finished() {
            s.run_to_end(&mut engine);
            s.close(&engine);
        }
        if s.mode == Mode::Check
            && let Some(j) = s.journal_path()
        {
            eprintln!(
                "sweep: the check was stopped. Everything observed is kept in {} (replay it with: sweep scan --from {}).",
                j.display(),
                j.display()
            );
        }
    }
    result
}

/// What the screens show that takes work to compute: made again only when the engine
/// changed (or, while a check runs, when its clock moved).
struct Snapshot {
    findings: Vec<crate::engine::Finding>,
    report: Option<crate::report::Report>,
}

/// The screens' loop: input, observations, drawing. Generic over the terminal backend and
/// the event source so a whole session can be driven in a test.
pub fn event_loop<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    events: &mut dyn Events,
    app: &mut App,
    engine: &mut Engine,
    session: &mut Option<Session>,
    opts: &UiOptions,
) -> anyhow::Result<u8>
where
    B::Error: Send + Sync + 'static,
{
    let mut last_count = u64::MAX;
    let mut last_draw = Instant::now() - Duration::from_secs(10);
    let mut dirty = true;
    let mut clear = false;
    let mut snap = Snapshot {
        findings: Vec::new(),
        report: None,
    };
    let cases_root = opts
        .cases_dir
        .clone()
        .unwrap_or_else(crate::case::cases_root);
    loop {
        let running = session.as_ref().is_some_and(|s| !s.is_finished());
        app.running = running && session.as_ref().is_some_and(|s| s.mode == Mode::Check);
        // Observations first while a check runs (waits briefly on the channel).
        if let Some(s) = session.as_mut()
            && running
            && s.pump(engine, PUMP_WAIT) == Pump::Done
        {
            let report = s.close(engine);
            app.status = Some(finished_status(s, &report));
            dirty = true;
        }
        // Then input: at once while a check runs, else wait for it (or the slow tick).
        let wait = if running { Duration::ZERO } else { IDLE_TICK };
        let mut first = true;
        while let Some(ev) = events.next(if first { wait } else { Duration::ZERO })? {
            first = false;
            let Event::Key(k) = ev else {
                dirty = true;
                continue;
            };
            if k.kind != KeyEventKind::Press {
                continue;
            }
            let Some(action) = key_action(app, k.code, k.modifiers) else {
                continue;
            };
            if action == Action::Quit && k.modifiers.contains(KeyModifiers::CONTROL) {
                return Ok(0);
            }
            dirty = true;
            let was_hidden = app.hidden;
            let effect = app.update(action, &snap.findings);
            if app.hidden != was_hidden {
                // Hiding (and coming back) clears the whole terminal, not only the diff.
                clear = true;
            }
            match effect {
                Effect::None => {}
                Effect::Quit => return Ok(0),
                Effect::StartChecks => {
                    *engine = Engine::new(Arc::new(engine.signatures().clone()));
                    match Session::start(spec_from_form(app, opts)) {
                        Ok(s) => *session = Some(s),
                        Err(e) => {
                            app.screen = Screen::Start;
                            app.status = Some(e.to_string());
                        }
                    }
                }
                Effect::AddPlace(label) => {
                    record_now(session, engine, |_| Observation::Place(PlaceMark { label }));
                }
                Effect::MarkMine(address, undo) => {
                    record_now(session, engine, |by| {
                        Observation::Mine(MineMark { address, by, undo })
                    });
                }
                Effect::Answer {
                    finding,
                    answer,
                    decision,
                } => {
                    record_now(session, engine, |by| {
                        Observation::Answer(AnswerObs {
                            finding,
                            answer,
                            decision,
                            by,
                        })
                    });
                }
                Effect::Note(text) => {
                    if !record_now(session, engine, |by| {
                        Observation::Note(NoteObs { text, by })
                    }) {
                        app.status = Some("Notes are kept with a check: start one first.".into())
                    }
                }
                Effect::ListPhones(kind) => {
                    let listed = list_usb_phones(kind);
                    app.phones_listed(kind, listed);
                }
                Effect::AccountCheck(item, answer) => {
                    if !record_now(session, engine, |by| {
                        Observation::AccountCheck(AccountCheckObs { item, answer, by })
                    }) {
                        app.status = Some("Answers are kept with a check: start one first.".into())
                    }
                }
                Effect::ListCases => {
                    app.cases = case_rows(&cases_root);
                    app.case_selected = app.cases.len().saturating_sub(1);
                    if app.cases.is_empty() {
                        app.status = Some(format!(
                            "There is no case folder to reopen in {}.",
                            cases_root.display()
                        ));
                    } else {
                        app.screen = Screen::Cases;
                    }
                }
                Effect::Export => {
                    app.status = Some(match session.as_mut() {
                        Some(s) => match s.export(engine, &cases_root) {
                            Ok(files) => format!(
                                "Reports written beside the case's other files in {} ({}).",
                                files
                                    .first()
                                    .and_then(|f| f.parent())
                                    .map(|d| d.display().to_string())
                                    .unwrap_or_default(),
                                files
                                    .iter()
                                    .filter_map(|f| f.file_name())
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            Err(e) => format!("Export failed: {e}"),
                        },
                        None => "There is nothing to export yet.".into(),
                    })
                }
                Effect::Reopen(path) => {
                    *engine = Engine::new(Arc::new(engine.signatures().clone()));
                    match Session::reopen(&path) {
                        Ok(s) => {
                            *session = Some(s);
                            app.status = Some(format!(
                                "Reopened case {} from its journal (read-only: exports go beside the original files).",
                                path.file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default()
                            ));
                        }
                        Err(e) => {
                            app.screen = Screen::Start;
                            app.status = Some(e.to_string());
                        }
                    }
                }
            }
        }
        let count = engine.counters().observations;
        let changed = count != last_count;
        let tick = last_draw.elapsed() >= IDLE_TICK;
        if dirty || tick || (changed && last_draw.elapsed() >= REDRAW_EVERY) {
            if changed || snap.report.is_none() || running {
                snap.findings = engine.findings();
                snap.report = session.as_ref().map(|s| s.report(engine));
                app.account_checklist = wants_account_checklist(engine);
            }
            let f0 = Frame0 {
                progress: session
                    .as_ref()
                    .and_then(|s| s.progress())
                    .map(|(r, left)| (r, left.as_secs())),
                case_dir: session
                    .as_ref()
                    .and_then(|s| s.case_dir.as_ref())
                    .map(|d| d.display().to_string()),
                state: session_state(session.as_ref(), snap.report.as_ref()),
                report: snap.report.clone(),
                now: running.then(chrono::Utc::now),
            };
            if clear {
                terminal.clear()?;
                clear = false;
            }
            terminal.draw(|f| render::draw(f, app, engine, &snap.findings, &f0))?;
            last_draw = Instant::now();
            last_count = count;
            dirty = false;
        }
    }
}

/// Case folders as the reopen list shows them: date, status and findings count, oldest
/// first (the volunteer chooses; nothing opens by itself).
pub fn case_rows(root: &std::path::Path) -> Vec<CaseRow> {
    crate::cases::list_cases(root)
        .into_iter()
        .map(|c| {
            let when = c
                .started
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| "no time".into());
            let count = c
                .findings
                .map(|n| {
                    format!(
                        " · {}",
                        crate::report::view::plural(n, "finding", "findings")
                    )
                })
                .unwrap_or_default();
            CaseRow {
                words: format!("{when} · {}{count}", c.status()),
                name: c.name,
                path: c.path,
            }
        })
        .collect()
}

/// The state the header shows: never "in progress" once every source has ended.
fn session_state(
    session: Option<&Session>,
    report: Option<&crate::report::Report>,
) -> SessionState {
    let Some(s) = session else {
        return SessionState::Idle;
    };
    match (s.mode, s.is_finished()) {
        (Mode::Demo, false) => SessionState::DemoPlaying,
        (Mode::Demo, true) => SessionState::DemoFinished,
        (Mode::Reopened, _) => SessionState::Reopened,
        (Mode::Check, false) => SessionState::Running,
        (Mode::Check, true) => {
            if report.is_some_and(|r| r.scan.complete()) {
                SessionState::Finished
            } else {
                SessionState::Stopped
            }
        }
    }
}

fn finished_status(s: &Session, r: &crate::report::Report) -> String {
    match s.mode {
        Mode::Demo => {
            "The demonstration has ended (invented data). Review with r; exports are marked as a demonstration.".into()
        }
        Mode::Reopened => {
            "Case reopened (read-only). Review with r; e writes new reports beside the original files.".into()
        }
        Mode::Check => {
            let head = crate::report::view::headline(r);
            match head.not_checked.first() {
                Some(n) if r.scan.nothing_ran() => format!("The check stopped: nothing was checked. {n}"),
                Some(n) => format!("The check has ended, but not everything was checked. {n} Review with r, export with e."),
                None => "The check has finished. Review with r, export with e.".into(),
            }
        }
    }
}
