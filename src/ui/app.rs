//! UI state and the one action enum. `App::update` is the only place state changes;
//! rendering (`render.rs`) reads `App` and the engine and nothing else.

use crate::engine::finding::{Category, Finding};
use crate::observation::MacAddr;

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Start,
    Live,
    Detail,
    Review,
    Locate,
}

/// Panes of the live screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Trackers,
    Network,
    Traffic,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Trackers => "Trackers",
            Pane::Network => "Network devices",
            Pane::Traffic => "Phone traffic",
        }
    }
    pub fn next(self) -> Pane {
        match self {
            Pane::Trackers => Pane::Network,
            Pane::Network => Pane::Traffic,
            Pane::Traffic => Pane::Trackers,
        }
    }
    pub fn holds(self, f: &Finding) -> bool {
        match self {
            Pane::Trackers => f.category == Category::Tracker,
            Pane::Network => f.category == Category::NetworkDevice,
            Pane::Traffic => matches!(f.category, Category::Stalkerware | Category::HiddenLookups),
        }
    }
}

/// Which checks the start screen offers, and whether each can run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckChoice {
    pub name: &'static str,
    pub selected: bool,
    /// Why it cannot run and how to fix it; `None` when it can.
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartForm {
    pub case_ref: String,
    pub editing_case: bool,
    pub checks: Vec<CheckChoice>,
    pub focus: usize,
    pub interfaces: Vec<String>,
    /// For each interface, which addresses the active check would ask (shown when it is
    /// confirmed), e.g. "the 253 other addresses of 192.168.1.0/24".
    pub scopes: Vec<String>,
    pub interface: usize,
    pub minutes: u64,
    /// The volunteer asked for the active network check (ARP sweep, camera ports).
    pub active: bool,
    /// Waiting for the explicit confirmation of the active check.
    pub confirming_active: bool,
    /// The most recent case folder, as listed by `sweep cases`, offered for reopening.
    pub last_case: Option<String>,
}

/// Every input the UI reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    NextPane,
    Open,
    Back,
    Quit,
    Help,
    Hide,
    /// A key typed while hidden (the restore sequence is checked in `update`).
    HiddenKey(char),
    Review,
    NextFinding,
    PrevFinding,
    Locate,
    NewPlace,
    Mine,
    Export,
    /// Start screen: a character for the case reference, toggles, confirmation.
    Char(char),
    Toggle,
    Left,
    Right,
    Start,
    Confirm(bool),
    /// Start screen: reopen the most recent case folder (read-only).
    Reopen,
    Tick,
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    StartChecks,
    AddPlace,
    MarkMine(MacAddr),
    Export,
    Reopen,
}

/// The sequence that brings the screen back after a quick hide.
pub const RESTORE_SEQUENCE: &str = "back";

pub struct App {
    pub screen: Screen,
    pub pane: Pane,
    pub selected: usize,
    pub review_index: usize,
    /// Lines scrolled in the review text (long findings on small screens).
    pub review_scroll: u16,
    pub locate_target: Option<MacAddr>,
    pub hidden: bool,
    hidden_typed: String,
    pub help: bool,
    pub status: Option<String>,
    pub start: StartForm,
    pub demo: bool,
    pub colour: bool,
    /// A check is running (set by the loop): quitting asks first.
    pub running: bool,
    /// Waiting for "stop the check and quit?" to be answered.
    pub confirm_quit: bool,
}

impl App {
    pub fn new(start: StartForm, demo: bool) -> Self {
        App {
            screen: if demo { Screen::Live } else { Screen::Start },
            pane: Pane::Trackers,
            selected: 0,
            review_index: 0,
            review_scroll: 0,
            locate_target: None,
            hidden: false,
            hidden_typed: String::new(),
            help: false,
            status: None,
            start,
            demo,
            colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            running: false,
            confirm_quit: false,
        }
    }

    /// Findings of the current pane, in display order.
    pub fn pane_findings<'a>(&self, all: &'a [Finding]) -> Vec<&'a Finding> {
        all.iter().filter(|f| self.pane.holds(f)).collect()
    }

    /// Findings the client reviews, most important first (recognised ones last).
    pub fn review_findings(all: &[Finding]) -> Vec<&Finding> {
        all.iter().collect()
    }

    pub fn update(&mut self, action: Action, findings: &[Finding]) -> Effect {
        if self.hidden {
            // Only the restore sequence brings the screen back; everything else is ignored.
            if let Action::HiddenKey(c) = action {
                self.hidden_typed.push(c);
                if !RESTORE_SEQUENCE.starts_with(&self.hidden_typed) {
                    self.hidden_typed = c.to_string();
                    if !RESTORE_SEQUENCE.starts_with(&self.hidden_typed) {
                        self.hidden_typed.clear();
                    }
                }
                if self.hidden_typed == RESTORE_SEQUENCE {
                    self.hidden = false;
                    self.hidden_typed.clear();
                }
            }
            return Effect::None;
        }
        if action == Action::Hide {
            self.hidden = true;
            self.help = false;
            self.hidden_typed.clear();
            return Effect::None;
        }
        if self.confirm_quit {
            self.confirm_quit = false;
            return match action {
                Action::Confirm(true) => Effect::Quit,
                _ => Effect::None,
            };
        }
        if self.help {
            if matches!(action, Action::Help | Action::Back | Action::Quit) {
                self.help = false;
            }
            return Effect::None;
        }
        if action == Action::Help && !(self.screen == Screen::Start && self.start.editing_case) {
            self.help = true;
            return Effect::None;
        }
        match self.screen {
            Screen::Start => self.update_start(action),
            Screen::Live => self.update_live(action, findings),
            Screen::Detail => match action {
                Action::Back | Action::Quit => {
                    self.screen = Screen::Live;
                    Effect::None
                }
                Action::Locate => self.open_locate(findings),
                Action::Mine => self.mine(findings),
                _ => Effect::None,
            },
            Screen::Review => {
                let n = Self::review_findings(findings).len();
                match action {
                    Action::Back | Action::Quit => self.screen = Screen::Live,
                    Action::NextFinding | Action::Right | Action::Open | Action::Toggle => {
                        self.review_index = (self.review_index + 1).min(n);
                        self.review_scroll = 0;
                    }
                    Action::PrevFinding | Action::Left => {
                        self.review_index = self.review_index.saturating_sub(1);
                        self.review_scroll = 0;
                    }
                    Action::Down => self.review_scroll = self.review_scroll.saturating_add(3),
                    Action::Up => self.review_scroll = self.review_scroll.saturating_sub(3),
                    _ => {}
                }
                Effect::None
            }
            Screen::Locate => match action {
                Action::Back | Action::Quit => {
                    self.screen = Screen::Live;
                    Effect::None
                }
                _ => Effect::None,
            },
        }
    }

    fn selected_finding<'a>(&self, findings: &'a [Finding]) -> Option<&'a Finding> {
        self.pane_findings(findings).get(self.selected).copied()
    }

    fn open_locate(&mut self, findings: &[Finding]) -> Effect {
        match self.selected_finding(findings) {
            Some(f) if f.category == Category::Tracker => {
                self.locate_target = f.subject.address;
                self.screen = Screen::Locate;
            }
            _ => {
                self.status = Some(
                    "Locate works for Bluetooth trackers: select one in the Trackers pane.".into(),
                )
            }
        }
        Effect::None
    }

    fn mine(&mut self, findings: &[Finding]) -> Effect {
        match self
            .selected_finding(findings)
            .and_then(|f| f.subject.address)
        {
            Some(a) => {
                self.status = Some(format!(
                    "Marked {a} as the client's own. It stays listed but no longer counts as an alarm."
                ));
                Effect::MarkMine(a)
            }
            None => Effect::None,
        }
    }

    fn update_live(&mut self, action: Action, findings: &[Finding]) -> Effect {
        let n = self.pane_findings(findings).len();
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < n => self.selected += 1,
            Action::NextPane | Action::Right => {
                self.pane = self.pane.next();
                self.selected = 0;
            }
            Action::Left => {
                self.pane = self.pane.next().next();
                self.selected = 0;
            }
            Action::Open if n > 0 => self.screen = Screen::Detail,
            Action::Review => {
                self.review_index = 0;
                self.review_scroll = 0;
                self.screen = Screen::Review;
            }
            Action::Locate => return self.open_locate(findings),
            Action::NewPlace => {
                self.status =
                    Some("New place marked. Keep the check running for a few minutes here.".into());
                return Effect::AddPlace;
            }
            Action::Mine => return self.mine(findings),
            Action::Export => return Effect::Export,
            Action::Quit | Action::Back if self.running => self.confirm_quit = true,
            Action::Quit | Action::Back => return Effect::Quit,
            _ => {}
        }
        Effect::None
    }

    fn update_start(&mut self, action: Action) -> Effect {
        let f = &mut self.start;
        if f.confirming_active {
            if let Action::Confirm(yes) = action {
                f.confirming_active = false;
                f.active = yes;
            } else if matches!(action, Action::Back | Action::Quit) {
                f.confirming_active = false;
            }
            return Effect::None;
        }
        if f.editing_case {
            match action {
                Action::Char(c)
                    if f.case_ref.chars().count() < 24
                        && (c.is_ascii_alphanumeric() || c == '-') =>
                {
                    f.case_ref.push(c)
                }
                Action::Back => {
                    f.case_ref.pop();
                }
                Action::Open | Action::Down | Action::Up => f.editing_case = false,
                _ => {}
            }
            return Effect::None;
        }
        let rows = f.checks.len() + 4; // case, checks..., interface, duration, active
        match action {
            Action::Up => f.focus = f.focus.saturating_sub(1),
            Action::Down => f.focus = (f.focus + 1).min(rows - 1),
            Action::Toggle | Action::Open => {
                if f.focus == 0 {
                    f.editing_case = true;
                } else if f.focus <= f.checks.len() {
                    let c = &mut f.checks[f.focus - 1];
                    if c.unavailable.is_none() {
                        c.selected = !c.selected;
                    }
                } else if f.focus == f.checks.len() + 3 {
                    if f.active {
                        f.active = false;
                    } else {
                        f.confirming_active = true;
                    }
                } else if action == Action::Open {
                    return self.try_start();
                }
            }
            Action::Left | Action::Right => {
                let right = action == Action::Right;
                if f.focus == f.checks.len() + 1 && !f.interfaces.is_empty() {
                    let n = f.interfaces.len();
                    f.interface = if right {
                        (f.interface + 1) % n
                    } else {
                        (f.interface + n - 1) % n
                    };
                } else if f.focus == f.checks.len() + 2 {
                    f.minutes = if right {
                        (f.minutes + 5).min(60)
                    } else {
                        f.minutes.saturating_sub(5).max(5)
                    };
                }
            }
            Action::Start => return self.try_start(),
            Action::Reopen if f.last_case.is_some() => {
                self.screen = Screen::Live;
                return Effect::Reopen;
            }
            Action::Quit | Action::Back => return Effect::Quit,
            _ => {}
        }
        Effect::None
    }

    fn try_start(&mut self) -> Effect {
        if !self
            .start
            .checks
            .iter()
            .any(|c| c.selected && c.unavailable.is_none())
        {
            self.status = Some("Choose at least one check that can run (space to select).".into());
            return Effect::None;
        }
        self.screen = Screen::Live;
        Effect::StartChecks
    }
}
