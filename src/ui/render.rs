//! Rendering: plain functions of (`App`, engine view) per screen and region.
//! Nothing is conveyed by colour alone: severities are words and marks too.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, List, ListItem, ListState, Paragraph, Wrap};

use crate::engine::Engine;
use crate::engine::finding::{Finding, Severity};
use crate::observation::SourceState;
use crate::sanitize::clean;
use crate::ui::app::{App, FORM_HEAD, Pane, Pending, Screen};
use crate::ui::help::draw_help;
use crate::ui::locate::{draw_locate, draw_signal};
use crate::ui::phone;
use crate::ui::review::draw_review;

/// Where the session stands, as the header says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionState {
    /// No check yet (start screen).
    #[default]
    Idle,
    Running,
    /// Every check ran as asked.
    Finished,
    /// The sources ended but not everything was checked (failed, unavailable, stopped).
    Stopped,
    DemoPlaying,
    DemoFinished,
    Reopened,
}

impl SessionState {
    pub fn words(self) -> &'static str {
        match self {
            SessionState::Idle => "start a check",
            SessionState::Running => "check in progress",
            SessionState::Finished => "check finished",
            SessionState::Stopped => "check stopped: not everything was checked",
            SessionState::DemoPlaying => "demonstration playing (invented data)",
            SessionState::DemoFinished => "demonstration finished (invented data)",
            SessionState::Reopened => "reopened case (read-only)",
        }
    }
}

/// What the loop knows that the engine does not (wall-clock progress, the session's
/// result so far).
#[derive(Debug, Clone, Default)]
pub struct Frame0 {
    /// Fraction done and seconds left of a timed check.
    pub progress: Option<(f64, u64)>,
    pub case_dir: Option<String>,
    pub state: SessionState,
    /// The result as it stands (coverage, summary), from the session layer.
    pub report: Option<crate::report::Report>,
    /// The time now while a check (or the demo) runs: trackers not heard for a while say
    /// so instead of showing a frozen value.
    pub now: Option<crate::observation::Timestamp>,
}

/// A tracker not heard for this long shows "not heard for N s".
pub const NOT_HEARD_SECS: i64 = 10;

/// "not heard for 14 s" when the last advert is older than `NOT_HEARD_SECS`.
pub fn not_heard(
    last: crate::observation::Timestamp,
    now: Option<crate::observation::Timestamp>,
) -> Option<String> {
    let gone = (now? - last).num_seconds();
    (gone >= NOT_HEARD_SECS).then(|| {
        if gone < 120 {
            format!("not heard for {gone} s")
        } else {
            format!("not heard for {} min", gone / 60)
        }
    })
}

/// What to do once a tracker is found, and how to identify it.
pub const FOUND_STEPS: &[&str] = &[
    "Found it? Photograph it where it was, with the date, on a device other than the client's phone; do not switch it off or throw it away before deciding with the advocate.",
    "An AirTag or other Find My item: hold it against an iPhone or an NFC-enabled Android phone to read its serial number; the police can ask Apple who owns it.",
    "A Samsung SmartTag or a Tile can be identified in its maker's app (SmartThings Find, Tile).",
    "Making it play a sound (iPhone: Find My, Items, the safety alert; Android: Settings, Safety, Unknown tracker alerts) helps find it, but the owner may be told.",
];

fn sev_style(app: &App, s: Severity) -> Style {
    if !app.colour {
        return match s {
            Severity::High => Style::default().add_modifier(Modifier::BOLD),
            _ => Style::default(),
        };
    }
    match s {
        Severity::High => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        Severity::Medium => Style::default().fg(Color::Yellow),
        Severity::Low | Severity::Info => Style::default().fg(Color::Gray),
    }
}

/// Severity as words (never colour alone).
pub fn sev_word(f: &Finding) -> &'static str {
    if f.recognised.is_some() {
        return "OWN   ";
    }
    sev_word_of(f.severity)
}

/// The row's mark once the client has answered: a finding the client recognises (an app
/// they installed, a device they know) no longer reads as an alarm.
fn row_word(f: &Finding, answer: Option<crate::observation::ClientAnswer>) -> &'static str {
    match answer {
        Some(crate::observation::ClientAnswer::Recognised) if f.recognised.is_none() => "KNOWN ",
        _ => sev_word(f),
    }
}

fn sev_word_of(s: Severity) -> &'static str {
    match s {
        Severity::High => "! HIGH",
        Severity::Medium => "? MED ",
        Severity::Low => "  LOW ",
        Severity::Info => "  INFO",
    }
}

pub fn draw(frame: &mut Frame, app: &App, engine: &Engine, findings: &[Finding], f0: &Frame0) {
    let area = frame.area();
    if app.hidden {
        draw_hidden(frame, area);
        return;
    }
    match app.screen {
        Screen::Start => draw_start(frame, app, area),
        Screen::Cases => draw_cases(frame, app, area),
        Screen::Live => draw_live(frame, app, engine, findings, f0, area),
        Screen::Detail => draw_detail(frame, app, findings, area),
        Screen::Review => draw_review(frame, app, engine, findings, f0, area),
        Screen::Locate => draw_locate(frame, app, engine, findings, f0, area),
        Screen::UsbGuide => phone::draw_guide(frame, app, area),
    }
    if app.help {
        draw_help(frame, app, area);
    }
    if let Some(t) = &app.note_input {
        let (title, hint) = if app.input_is_place {
            (
                " New place: a short label, optional (\"bus stop\"; never an address) ",
                "Enter: mark the new place   Backspace: delete (on an empty line: cancel)",
            )
        } else {
            (
                " Note for the case (the volunteer's; never the client's name) ",
                "Enter: save   Backspace: delete (on an empty line: cancel)",
            )
        };
        draw_dialog(
            frame,
            area,
            title,
            vec![
                Line::from(format!("{}_", clean(t, 500))),
                Line::from(""),
                Line::from(hint),
            ],
        );
    }
    match &app.pending {
        Some(Pending::Quit) => draw_dialog(
            frame,
            area,
            " Stop the check? ",
            vec![
                Line::from("A check is still running. Stop it and quit?"),
                Line::from("Everything observed so far is kept in the case folder."),
                Line::from(""),
                Line::from("y: stop and quit   n: keep checking"),
            ],
        ),
        Some(Pending::Mine { undo, what, .. }) => draw_dialog(
            frame,
            area,
            if *undo {
                " Take back \"the client's own\"? "
            } else {
                " The client's own? "
            },
            vec![
                Line::from(if *undo {
                    format!(
                        "{what} is marked as the client's own. Take that back, so it counts again?"
                    )
                } else {
                    format!("Does the client recognise {what} as their own device?")
                }),
                Line::from("It is recorded with your initials and the time."),
                Line::from(""),
                Line::from("y: yes   n: no"),
            ],
        ),
        None => {}
    }
}

/// A box at most `width` wide, centred across `area`, `top` rows down, `height` tall.
pub(crate) fn centred(area: Rect, width: u16, top: u16, height: u16) -> Rect {
    let w = area.width.min(width);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + top,
        width: w,
        height: height.min(area.height),
    }
}

fn draw_dialog(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    let r = centred(area, 70, area.height / 3, 8);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        r,
    );
}

/// The quick-hide screen: says nothing about stalking, the client or this tool.
pub fn draw_hidden(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    let text = vec![
        Line::from(Span::styled(
            "Notes",
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from("Shopping"),
        Line::from("  - bread, milk, apples"),
        Line::from("  - batteries (AA)"),
        Line::from("  - birthday card"),
        Line::from(""),
        Line::from("Thursday: library books due"),
    ];
    frame.render_widget(
        Paragraph::new(text).block(Block::default().borders(Borders::ALL)),
        area,
    );
}

pub(crate) fn header(app: &App, title: &str) -> Line<'static> {
    let case = if app.start.case_ref.is_empty() {
        String::new()
    } else {
        format!("  case {}", app.start.case_ref)
    };
    let demo = if app.demo {
        "  (demo: recorded session)"
    } else {
        ""
    };
    Line::from(vec![
        Span::styled(
            format!(" sweep · {title}"),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("{case}{demo}")),
    ])
}

pub(crate) fn footer(app: &App, keys: &str) -> Paragraph<'static> {
    let mut lines = vec![Line::from(keys.to_string())];
    if let Some(s) = &app.status {
        lines.insert(0, Line::from(clean(s, 200)));
    }
    Paragraph::new(lines).wrap(Wrap { trim: true })
}

fn draw_cases(frame: &mut Frame, app: &App, area: Rect) {
    let [h, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, "reopen a case (read-only)")), h);
    let items: Vec<ListItem> = app
        .cases
        .iter()
        .map(|c| ListItem::new(format!("{}  {}", clean(&c.name, 60), c.words)))
        .collect();
    let mut state = ListState::default().with_selected(Some(app.case_selected));
    frame.render_stateful_widget(
        List::new(items)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Case folders: check the case reference before opening one "),
            )
            .highlight_symbol("› ")
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
        body,
        &mut state,
    );
    frame.render_widget(
        footer(
            app,
            "↑↓ choose · Enter reopen (read-only) · q back · Esc hide",
        ),
        foot,
    );
}

fn draw_start(frame: &mut Frame, app: &App, area: Rect) {
    let f = &app.start;
    let [h, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, "start a check")), h);
    let mark = |i: usize| if f.focus == i { "›" } else { " " };
    let field = |v: &str, editing: bool| {
        format!(
            "{}{}",
            if v.is_empty() && !editing { "—" } else { v },
            if editing { "_  (Enter when done)" } else { "" }
        )
    };
    let concerns = if f.concerns.is_empty() {
        "none chosen (Enter to choose)".to_string()
    } else {
        f.concerns
            .iter()
            .map(|c| c.words())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut lines = vec![
        Line::from(format!(
            "{} Case reference (optional, never a name): {}",
            mark(0),
            field(&f.case_ref, f.editing_case)
        )),
        Line::from(format!(
            "{} Volunteer's initials: {}",
            mark(1),
            field(&f.operator, f.editing_operator)
        )),
        Line::from(format!("{} Client's concerns: {concerns}", mark(2))),
    ];
    lines.push(Line::from(""));
    lines.push(Line::from("  Checks to run (space to select):"));
    for (i, c) in f.checks.iter().enumerate() {
        let tick = if c.unavailable.is_some() {
            "[-]"
        } else if c.selected {
            "[x]"
        } else {
            "[ ]"
        };
        let mut style = Style::default();
        if c.unavailable.is_some() {
            style = style.add_modifier(Modifier::DIM);
        }
        let hint = match (c.kind, &c.unavailable, &c.detail) {
            (crate::ui::app::CheckKind::PhoneApps, None, None) => "  (g: USB debugging guide)",
            (crate::ui::app::CheckKind::Iphone, None, None) => {
                "  (it asks to trust this laptop: ?)"
            }
            _ => "",
        };
        lines.push(Line::from(Span::styled(
            format!("{} {tick} {}{hint}", mark(FORM_HEAD + i), c.name()),
            style,
        )));
        if let Some(why) = &c.unavailable {
            lines.push(Line::from(Span::styled(
                format!("        not available: {}", clean(why, 300)),
                style,
            )));
        } else if let Some(d) = &c.detail {
            lines.push(Line::from(format!("        {}", clean(d, 300))));
        }
    }
    let n = FORM_HEAD + f.checks.len();
    lines.push(Line::from(""));
    let iface = match (
        f.interfaces.get(f.interface),
        f.interface_info.get(f.interface),
    ) {
        (Some(name), Some(info)) => info.words(name),
        (Some(name), None) => name.clone(),
        _ => "none found".to_string(),
    };
    lines.push(Line::from(format!(
        "{} Network interface (← →): {iface}",
        mark(n)
    )));
    lines.push(Line::from(format!(
        "{} How long (← →): {} minutes",
        mark(n + 1),
        f.minutes
    )));
    lines.push(Line::from(format!(
        "{} Active network check (asks every address, checks camera ports): {}",
        mark(n + 2),
        if f.active {
            "yes, confirmed"
        } else {
            "no (listen only)"
        }
    )));
    lines.push(Line::from(""));
    lines.push(Line::from(
        "  o  reopen an earlier case (read-only): choose from the list",
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL)),
        body,
    );
    frame.render_widget(
        footer(
            app,
            "↑↓ move · space select · s start · o reopen · g USB debugging guide · ? keys · Esc hide · q quit",
        ),
        foot,
    );
    if f.choosing_concerns {
        let mut l = vec![
            Line::from("What is the client worried about? (space: choose, Enter: done)"),
            Line::from(""),
        ];
        for (i, c) in crate::observation::Concern::ALL.iter().enumerate() {
            l.push(Line::from(format!(
                "{} [{}] {}",
                if f.concern_focus == i { "›" } else { " " },
                if f.concerns.contains(c) { "x" } else { " " },
                c.words()
            )));
        }
        let r = centred(area, 70, area.height / 5, 11);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(l).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Client's concerns "),
            ),
            r,
        );
    }
    if let Some(ch) = &f.choosing_phone {
        phone::draw_chooser(frame, area, ch);
    }
    if f.confirming_backup {
        phone::draw_backup_question(frame, area);
    }
    if f.confirming_active {
        let scope = f
            .scopes
            .get(f.interface)
            .map_or("every address of its network", String::as_str);
        let r = centred(area, 70, area.height / 4, 10);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(format!(
                    "On {iface}, sweep will ask {scope} who they are (ARP), then check camera ports and services on the devices that answer."
                )),
                Line::from("Only do this on a network the client owns or may check."),
                Line::from("Other devices on the network can notice it."),
                Line::from(""),
                Line::from("y: yes, run the active check   n: no, listen only"),
            ])
            .wrap(Wrap { trim: true })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Confirm active check "),
            ),
            r,
        );
    }
}

fn source_lines(engine: &Engine) -> Vec<Line<'static>> {
    let mut v = Vec::new();
    for s in engine.sources().values() {
        let state = match s.state {
            SourceState::Running => "running",
            SourceState::Finished => "finished",
            SourceState::Unavailable => "NOT RUNNING",
            SourceState::Failed => "STOPPED",
        };
        let mut text = format!(" {}: {state}", s.source.plain_name());
        if let Some(r) = &s.reason {
            text.push_str(&format!(" — {}", clean(r, 120)));
        }
        if let Some(fix) = &s.fix {
            text.push_str(&format!(" Fix: {}", clean(fix, 120)));
        }
        v.push(Line::from(text));
    }
    if v.is_empty() {
        v.push(Line::from(" Starting…"));
    }
    v
}

fn finding_row(
    app: &App,
    f: &Finding,
    answer: Option<crate::observation::ClientAnswer>,
    now: Option<crate::observation::Timestamp>,
) -> ListItem<'static> {
    let addr = f
        .subject
        .address
        .map(|a| a.to_string())
        .or(f.subject.ip.map(|i| i.to_string()))
        .unwrap_or_default();
    let rssi = match (f.signal.last(), now) {
        (Some(p), now) => match not_heard(p.t, now) {
            Some(g) => format!(" {g}"),
            None => format!(" {} dBm", p.rssi),
        },
        (None, _) => String::new(),
    };
    ListItem::new(Line::from(vec![
        Span::styled(
            format!("{} ", row_word(f, answer)),
            sev_style(app, f.severity),
        ),
        Span::raw(format!("{}  {addr}{rssi}", clean(&f.title, 90))),
    ]))
}

fn draw_live(
    frame: &mut Frame,
    app: &App,
    engine: &Engine,
    findings: &[Finding],
    f0: &Frame0,
    area: Rect,
) {
    let src = source_lines(engine);
    let [h, s, g, tabs, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(src.len().min(5) as u16),
        Constraint::Length(if f0.progress.is_some() { 1 } else { 0 }),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, f0.state.words())), h);
    frame.render_widget(Paragraph::new(src), s);
    if let Some((ratio, left)) = f0.progress {
        frame.render_widget(
            Gauge::default().ratio(ratio.clamp(0.0, 1.0)).label(format!(
                "{} min {:02} s left",
                left / 60,
                left % 60
            )),
            g,
        );
    }
    let count = |p: Pane| findings.iter().filter(|f| p.holds(f)).count();
    let tab = |p: Pane| {
        let t = format!(" {} ({}) ", p.title(), count(p));
        if p == app.pane {
            Span::styled(
                format!("[{}]", t.trim()),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            )
        } else {
            Span::raw(t)
        }
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            tab(Pane::Trackers),
            Span::raw("|"),
            tab(Pane::Network),
            Span::raw("|"),
            tab(Pane::Traffic),
            Span::raw("|"),
            tab(Pane::PhoneApps),
        ])),
        tabs,
    );
    let items: Vec<ListItem> = app
        .pane_findings(findings)
        .into_iter()
        .map(|f| {
            let answer = engine
                .consultation()
                .responses
                .get(&f.id)
                .and_then(|r| r.answer);
            finding_row(app, f, answer, f0.now)
        })
        .collect();
    let title = match app.pane {
        Pane::PhoneApps => {
            use crate::observation::Check;
            let apps = |c| engine.saw(c).get("apps").copied().unwrap_or(0);
            let n = apps(Check::PhoneApps) + apps(Check::Iphone);
            format!(
                " {} · {} read from the phone ",
                app.pane.title(),
                crate::report::view::plural(n as usize, "app", "apps")
            )
        }
        pane => {
            let kind = match pane {
                Pane::Trackers => "bluetooth",
                Pane::Network => "network",
                _ => "phone",
            };
            let seen = engine.devices().iter().filter(|d| d.kind == kind).count();
            format!(
                " {} · {} seen ",
                pane.title(),
                crate::report::view::plural(seen, "device", "devices")
            )
        }
    };
    if items.is_empty() {
        let empty = if app.pane == Pane::PhoneApps {
            "Nothing to show here yet. The phone itself is checked over USB: choose \"Phone apps (USB)\" on the start screen (g: how to turn on USB debugging)."
        } else {
            "Nothing to show here yet."
        };
        frame.render_widget(
            Paragraph::new(empty)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(title)),
            body,
        );
    } else {
        let mut state = ListState::default().with_selected(Some(app.selected));
        frame.render_stateful_widget(
            List::new(items)
                .block(Block::default().borders(Borders::ALL).title(title))
                .highlight_symbol("› ")
                .highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
            body,
            &mut state,
        );
    }
    let mut keys = String::from(
        "↑↓ select · Enter details · Tab pane · r review with client · l locate · p new place · m mine · e export · ? keys · Esc hide · q quit",
    );
    if let Some(d) = &f0.case_dir {
        keys.push_str(&format!(" · case: {d}"));
    }
    frame.render_widget(footer(app, &keys), foot);
}

fn draw_detail(frame: &mut Frame, app: &App, findings: &[Finding], area: Rect) {
    let Some(f) = app.pane_findings(findings).get(app.selected).copied() else {
        return;
    };
    let has_signal = f.signal.len() > 1;
    let [h, body, spark, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(if has_signal { 4 } else { 0 }),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, "details")), h);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{} {}", sev_word(f), clean(&f.title, 200)),
            sev_style(app, f.severity),
        )),
        Line::from(format!("Signature: {}", f.signature)),
    ];
    if let Some(a) = f.subject.address {
        lines.push(Line::from(format!("Address: {a}")));
    }
    if f.subject.addresses.len() > 1 {
        lines.push(Line::from(format!(
            "All addresses: {}",
            f.subject
                .addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(ip) = f.subject.ip {
        lines.push(Line::from(format!("IP: {ip}")));
    }
    if let Some(n) = &f.subject.name {
        lines.push(Line::from(format!("Name (as broadcast): {}", clean(n, 64))));
    }
    lines.push(Line::from(format!(
        "First seen {}   last seen {}",
        crate::report::view::local_time(&f.first_seen),
        crate::report::view::local_time(&f.last_seen)
    )));
    lines.push(Line::from(format!(
        "How sure: {}",
        clean(&f.confidence.text, 300)
    )));
    lines.push(Line::from("Evidence:"));
    for e in &f.evidence {
        // The engine writes evidence times in UTC; the screens say them in local time.
        let text = crate::report::view::localise(
            &clean(&e.text, 300),
            e.t.as_ref().unwrap_or(&f.first_seen),
            crate::report::view::Zone::System,
        );
        lines.push(Line::from(format!("  • {text}")));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL)),
        body,
    );
    if has_signal {
        draw_signal(
            frame,
            &f.signal,
            " Signal strength (higher: closer) ",
            spark,
        );
    }
    frame.render_widget(
        footer(app, "l locate · m mine · q back · ? keys · Esc hide"),
        foot,
    );
}

pub use crate::ui::locate::meter_ratio;
