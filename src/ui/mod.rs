//! The terminal UI (ratatui + crossterm). It owns the pipeline and the engine, maps keys
//! to `app::Action`s and draws with `render`; it only reads the engine's state.

pub mod app;
pub mod render;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::engine::Engine;
use crate::observation::{MineMark, Observation, PlaceMark, Record};
use crate::pipeline::{Pipeline, Plan, Pump};
use crate::report::{Report, ScanMeta};
use crate::sources::Source;
use crate::sources::replay::{Pace, ReplayInput, ReplaySource};
use app::{Action, App, CheckChoice, Effect, Screen, StartForm};
use render::Frame0;

/// The recorded clinic session shown by `sweep demo`.
pub const DEMO_SESSION: &str = include_str!("../../demo/clinic-session.jsonl");

/// Options for the interactive UI.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub signatures: Option<PathBuf>,
    pub case: Option<String>,
    pub operator: Option<String>,
    /// `sweep demo`: replay the embedded clinic session at this speed.
    pub demo_speed: Option<f64>,
}

/// The start form with what can run on this machine.
pub fn start_form() -> StartForm {
    let (interfaces, scopes): (Vec<String>, Vec<String>) = pnet::datalink::interfaces()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .map(|i| {
            let scope = crate::sources::lan::scope_of(&i);
            (i.name, scope)
        })
        .unzip();
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
        case_ref: String::new(),
        editing_case: false,
        checks: vec![
            CheckChoice {
                name: "Bluetooth trackers",
                selected: bt,
                unavailable: (!bt).then(|| "No Bluetooth adapter was found. Plug in a Bluetooth USB dongle, or start the bluetooth service.".into()),
            },
            CheckChoice {
                name: "This network (who is on it, cameras)",
                selected: false,
                unavailable: if interfaces.is_empty() { Some("No network interface is up. Join the network first.".into()) } else if !raw { Some(no_raw.clone()) } else { None },
            },
            CheckChoice {
                name: "Phone traffic (phone on this laptop's hotspot)",
                selected: false,
                unavailable: if interfaces.is_empty() { Some("No network interface is up. Start the hotspot first (docs/hotspot.md).".into()) } else if !raw { Some(no_raw) } else { None },
            },
        ],
        focus: 1,
        scopes,
        interfaces,
        interface: 0,
        minutes: 15,
        active: false,
        confirming_active: false,
        last_case: crate::cases::list_cases(&crate::case::cases_root()).last().map(|c| {
            let when = c.started.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            match c.findings {
                Some(n) => format!("{} ({when}, {n} findings)", c.name),
                None => format!("{} ({when}, not finished: rebuilt from its journal)", c.name),
            }
        }),
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
    let editing =
        app.screen == Screen::Start && (app.start.editing_case || app.start.confirming_active);
    Some(match code {
        KeyCode::Esc => Action::Hide,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::Tab => Action::NextPane,
        KeyCode::Enter => Action::Open,
        KeyCode::Backspace => Action::Back,
        KeyCode::Char(c) if app.start.confirming_active && app.screen == Screen::Start => match c {
            'y' => Action::Confirm(true),
            'n' => Action::Confirm(false),
            _ => return None,
        },
        KeyCode::Char(c) if editing => Action::Char(c),
        KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('r') => Action::Review,
        KeyCode::Char('l') => Action::Locate,
        KeyCode::Char('p') => Action::NewPlace,
        KeyCode::Char('m') => Action::Mine,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('s') => Action::Start,
        KeyCode::Char('o') => Action::Reopen,
        KeyCode::Char('j') => Action::Down,
        KeyCode::Char('k') => Action::Up,
        _ => return None,
    })
}

struct Session {
    pipeline: Pipeline,
    case_dir: Option<PathBuf>,
    started: chrono::DateTime<chrono::Utc>,
}

fn start_checks(app: &App, opts: &UiOptions) -> Result<Session, String> {
    let f = &app.start;
    let root = crate::case::cases_root();
    let case_ref = (!f.case_ref.is_empty()).then_some(f.case_ref.as_str());
    let dir = crate::case::new_case_dir(&root, case_ref)
        .map_err(|e| format!("cannot create a case folder in {}: {e}", root.display()))?;
    let iface = f.interfaces.get(f.interface).cloned();
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut inputs = Vec::new();
    for (i, c) in f.checks.iter().enumerate() {
        if !c.selected || c.unavailable.is_some() {
            continue;
        }
        match (i, &iface) {
            (0, _) => sources.push(Box::new(crate::sources::ble::BleSource::new())),
            (1, Some(ifc)) => {
                sources.push(Box::new(crate::sources::lan::LanSource::new(
                    ifc.clone(),
                    f.active,
                )));
                if f.active {
                    sources.push(Box::new(crate::sources::mdns::MdnsSource {
                        interface: ifc.clone(),
                    }));
                }
            }
            (2, Some(ifc)) => {
                let p = dir.join("capture.pcapng");
                inputs.push(p.clone());
                sources.push(Box::new(crate::sources::traffic::LiveTrafficSource::new(
                    ifc.clone(),
                    Some(p),
                )));
            }
            _ => {}
        }
    }
    let _ = opts;
    let pipeline = Pipeline::start(Plan {
        sources,
        duration: Some(Duration::from_secs(f.minutes * 60)),
        journal: Some(dir.join("journal.jsonl")),
        marks: Vec::new(),
        inputs: Vec::new(),
    })
    .map_err(|e| e.to_string())?;
    Ok(Session {
        pipeline,
        case_dir: Some(dir),
        started: chrono::Utc::now(),
    })
}

fn demo_session(speed: f64) -> Result<Session, String> {
    let pipeline = Pipeline::start(Plan {
        sources: vec![Box::new(ReplaySource {
            name: "demo/clinic-session.jsonl".into(),
            input: ReplayInput::Text(DEMO_SESSION),
            pace: Pace::Speed(speed.max(0.01)),
            rebase_to: Some(chrono::Utc::now()),
        })],
        duration: None,
        journal: None,
        marks: Vec::new(),
        inputs: Vec::new(),
    })
    .map_err(|e| e.to_string())?;
    Ok(Session {
        pipeline,
        case_dir: None,
        started: chrono::Utc::now(),
    })
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
    let _opener = crate::privilege::Opener::start_and_drop();
    let mut app = App::new(form, demo);
    if let Some(c) = &opts.case {
        app.start.case_ref = crate::case::safe_ref(c);
    }
    let mut session = match opts.demo_speed {
        Some(s) => Some(demo_session(s).map_err(|e| anyhow::anyhow!(e))?),
        None => None,
    };
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, &mut app, &mut engine, &mut session, &opts);
    ratatui::restore();
    if let Some(s) = session.as_mut() {
        s.pipeline.stop();
    }
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    engine: &mut Engine,
    session: &mut Option<Session>,
    opts: &UiOptions,
) -> anyhow::Result<u8> {
    let mut last_count = u64::MAX;
    let mut last_draw = Instant::now() - Duration::from_secs(10);
    let mut dirty = true;
    loop {
        // Observations first (never blocks for long), then input, then draw if needed.
        if let Some(s) = session.as_mut()
            && s.pipeline.pump(engine, Duration::from_millis(40)) == Pump::Done
            && app.status.is_none()
        {
            app.status = Some("The check has finished. Review with r, export with e.".into());
            dirty = true;
        }
        if session.is_none()
            && !event::poll(Duration::from_millis(200))?
            && last_draw.elapsed() < Duration::from_secs(1)
        {
            continue;
        }
        let findings = engine.findings();
        while event::poll(Duration::ZERO)? {
            let ev = event::read()?;
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
            match app.update(action, &findings) {
                Effect::None => {}
                Effect::Quit => return Ok(0),
                Effect::StartChecks => match start_checks(app, opts) {
                    Ok(s) => *session = Some(s),
                    Err(e) => {
                        app.screen = Screen::Start;
                        app.status = Some(e);
                    }
                },
                Effect::AddPlace => {
                    if let Some(s) = session.as_mut() {
                        s.pipeline.add(
                            engine,
                            Record::new(
                                chrono::Utc::now(),
                                Observation::Place(PlaceMark { label: None }),
                            ),
                        );
                    }
                }
                Effect::MarkMine(a) => {
                    if let Some(s) = session.as_mut() {
                        let by = opts.operator.clone();
                        s.pipeline.add(
                            engine,
                            Record::new(
                                chrono::Utc::now(),
                                Observation::Mine(MineMark { address: a, by }),
                            ),
                        );
                    }
                }
                Effect::Export => app.status = Some(export(app, engine, session)),
                Effect::Reopen => match reopen_last() {
                    Ok((s, name)) => {
                        *session = Some(s);
                        app.status = Some(format!(
                            "Reopened case {name} from its journal (read-only)."
                        ));
                    }
                    Err(e) => {
                        app.screen = Screen::Start;
                        app.status = Some(e);
                    }
                },
            }
        }
        let count = engine.counters().observations;
        if dirty || count != last_count || last_draw.elapsed() >= Duration::from_secs(1) {
            let findings = engine.findings();
            let f0 = Frame0 {
                progress: session
                    .as_ref()
                    .and_then(|s| s.pipeline.progress())
                    .map(|(r, left)| (r, left.as_secs())),
                case_dir: session
                    .as_ref()
                    .and_then(|s| s.case_dir.as_ref())
                    .map(|d| d.display().to_string()),
            };
            terminal.draw(|f| render::draw(f, app, engine, &findings, &f0))?;
            last_draw = Instant::now();
            last_count = count;
            dirty = false;
        }
    }
}

/// Replay the most recent case's journal through the same pipeline (nothing is recorded).
fn reopen_last() -> Result<(Session, String), String> {
    let cases = crate::cases::list_cases(&crate::case::cases_root());
    let c = cases.last().ok_or("There is no case folder to reopen.")?;
    let journal = c.path.join("journal.jsonl");
    let pipeline = Pipeline::start(Plan {
        sources: vec![Box::new(ReplaySource {
            name: journal.display().to_string(),
            input: ReplayInput::File(journal),
            pace: Pace::AsFast,
            rebase_to: None,
        })],
        duration: None,
        journal: None,
        marks: Vec::new(),
        inputs: Vec::new(),
    })
    .map_err(|e| e.to_string())?;
    Ok((
        Session {
            pipeline,
            case_dir: Some(c.path.clone()),
            started: chrono::Utc::now(),
        },
        c.name.clone(),
    ))
}

fn export(app: &App, engine: &Engine, session: &mut Option<Session>) -> String {
    let dir = match session.as_ref().and_then(|s| s.case_dir.clone()) {
        Some(d) => d,
        None => {
            let root = crate::case::cases_root();
            let r = (!app.start.case_ref.is_empty())
                .then_some(app.start.case_ref.as_str())
                .or(app.demo.then_some("demo"));
            match crate::case::new_case_dir(&root, r) {
                Ok(d) => {
                    if let Some(s) = session.as_mut() {
                        s.case_dir = Some(d.clone());
                    }
                    d
                }
                Err(e) => return format!("Could not create a case folder: {e}"),
            }
        }
    };
    let meta = ScanMeta {
        case: (!app.start.case_ref.is_empty()).then(|| app.start.case_ref.clone()),
        started: session.as_ref().map(|s| s.started),
        ended: Some(chrono::Utc::now()),
        ..ScanMeta::default()
    };
    match crate::report::export_all(&Report::build(engine, meta), &dir) {
        Ok(files) => format!(
            "Reports written to {} ({} files).",
            dir.display(),
            files.len()
        ),
        Err(e) => format!("Export failed: {e}"),
    }
}
