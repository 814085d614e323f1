//! UI state and the one action enum. `App::update` is the only place state changes;
//! rendering (`render.rs`) reads `App` and the engine and nothing else.

use crate::engine::finding::{Category, Finding};
use crate::observation::{AccountAnswer, AccountItem, ClientAnswer, Decision, MacAddr};
pub use crate::ui::form::*;

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Start,
    /// The list of case folders to reopen (read-only).
    Cases,
    Live,
    Detail,
    Review,
    Locate,
    /// The guide to turning USB debugging on (and off again afterwards).
    UsbGuide,
}

/// Panes of the live screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Trackers,
    Network,
    Traffic,
    /// What the check of the phone itself found (apps, settings, profiles).
    PhoneApps,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Trackers,
        Pane::Network,
        Pane::Traffic,
        Pane::PhoneApps,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Trackers => "Trackers",
            Pane::Network => "Network devices",
            Pane::Traffic => "Phone traffic",
            Pane::PhoneApps => "Phone apps",
        }
    }
    pub fn next(self) -> Pane {
        match self {
            Pane::Trackers => Pane::Network,
            Pane::Network => Pane::Traffic,
            Pane::Traffic => Pane::PhoneApps,
            Pane::PhoneApps => Pane::Trackers,
        }
    }
    pub fn prev(self) -> Pane {
        match self {
            Pane::Trackers => Pane::PhoneApps,
            Pane::Network => Pane::Trackers,
            Pane::Traffic => Pane::Network,
            Pane::PhoneApps => Pane::Traffic,
        }
    }
    pub fn holds(self, f: &Finding) -> bool {
        // A stalkerware match found on the phone itself names its app; one found in the
        // phone's traffic names a domain.
        let on_phone = f.subject.package.is_some() || f.subject.bundle_id.is_some();
        match self {
            Pane::Trackers => f.category == Category::Tracker,
            Pane::Network => f.category == Category::NetworkDevice,
            Pane::Traffic => {
                f.category == Category::HiddenLookups
                    || (f.category == Category::Stalkerware && !on_phone)
            }
            Pane::PhoneApps => {
                matches!(f.category, Category::PhoneApp | Category::PhoneSetting)
                    || (f.category == Category::Stalkerware && on_phone)
            }
        }
    }
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
    /// Start screen: choose a case folder to reopen (read-only).
    Reopen,
    Tick,
    /// Review: the client's answer to the finding shown.
    Answer(ClientAnswer),
    /// Review: what was decided about the finding shown.
    Decide(Decision),
    /// Start typing a note.
    Note,
    /// Open the guide to USB debugging.
    Guide,
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    StartChecks,
    /// A new place, with the volunteer's optional label ("bus stop").
    AddPlace(Option<String>),
    /// Mark (or, with `true`, unmark) a device as the client's own.
    MarkMine(MacAddr, bool),
    Export,
    /// Load the list of case folders into `App::cases`.
    ListCases,
    /// Reopen this case folder (read-only).
    Reopen(std::path::PathBuf),
    /// Record the client's answer or a decision about a finding.
    Answer {
        finding: String,
        answer: Option<ClientAnswer>,
        decision: Option<Decision>,
    },
    /// Record a note of the volunteer's.
    Note(String),
    /// List the phones attached over USB for this check (then `App::phones_listed`).
    ListPhones(CheckKind),
    /// Record an answer on the account-access checklist.
    AccountCheck(AccountItem, AccountAnswer),
}

/// A question the volunteer must answer before something is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// A check is running: stop it and quit?
    Quit,
    /// Mark this device as the client's own (or take the mark back)?
    Mine {
        address: MacAddr,
        undo: bool,
        what: String,
    },
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
    /// A question waiting for y / n.
    pub pending: Option<Pending>,
    /// A note being typed (Enter saves it).
    pub note_input: Option<String>,
    /// The text being typed is a new place's label, not a note.
    pub input_is_place: bool,
    /// Case folders offered for reopening (`Screen::Cases`).
    pub cases: Vec<CaseRow>,
    pub case_selected: usize,
    /// Finding ids the client recognised (for the rows' marks; set by the loop).
    pub answered: std::collections::BTreeMap<String, ClientAnswer>,
    /// Review ends with the account-access checklist (an iPhone was checked, or the client
    /// worries about their accounts; set by the loop).
    pub account_checklist: bool,
    /// Lines scrolled in the USB-debugging guide.
    pub guide_scroll: u16,
    /// Where the guide returns to.
    guide_from: Option<Screen>,
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
            pending: None,
            note_input: None,
            input_is_place: false,
            cases: Vec::new(),
            case_selected: 0,
            answered: std::collections::BTreeMap::new(),
            account_checklist: false,
            guide_scroll: 0,
            guide_from: None,
        }
    }

    /// How many review cards follow the findings: the account-access checklist's items.
    pub fn checklist_cards(&self) -> usize {
        if self.account_checklist {
            AccountItem::ALL.len()
        } else {
            0
        }
    }

    /// The checklist item on the review card shown, if it is one.
    pub fn review_account_item(&self, findings: &[Finding]) -> Option<AccountItem> {
        let n = Self::review_findings(findings).len();
        self.review_index
            .checked_sub(n)
            .filter(|i| *i < self.checklist_cards())
            .map(|i| AccountItem::ALL[i])
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
        if let Some(p) = self.pending.take() {
            return match (action, p) {
                (Action::Confirm(true), Pending::Quit) => Effect::Quit,
                (
                    Action::Confirm(true),
                    Pending::Mine {
                        address,
                        undo,
                        what,
                    },
                ) => {
                    self.status = Some(if undo {
                        format!("{what} is no longer marked as the client's own (recorded).")
                    } else {
                        format!(
                            "Marked {what} as the client's own (recorded). It stays listed but no longer counts as an alarm; m again takes it back."
                        )
                    });
                    Effect::MarkMine(address, undo)
                }
                _ => Effect::None,
            };
        }
        if let Some(text) = self.note_input.as_mut() {
            match action {
                Action::Char(c)
                    if text.chars().count() < if self.input_is_place { 40 } else { 500 } =>
                {
                    text.push(c)
                }
                Action::Back if text.is_empty() => {
                    self.note_input = None;
                    self.input_is_place = false;
                }
                Action::Back => {
                    text.pop();
                }
                Action::Open => {
                    let t = self.note_input.take().unwrap_or_default();
                    let t = t.trim().to_string();
                    if std::mem::take(&mut self.input_is_place) {
                        self.status = Some(
                            "New place marked. Keep the check running here for at least two minutes."
                                .into(),
                        );
                        return Effect::AddPlace((!t.is_empty()).then_some(t));
                    }
                    if t.is_empty() {
                        return Effect::None;
                    }
                    self.status = Some("Note saved in the case.".into());
                    return Effect::Note(t);
                }
                Action::Quit => {
                    self.note_input = None;
                    self.input_is_place = false;
                }
                _ => {}
            }
            return Effect::None;
        }
        if self.help {
            if matches!(action, Action::Help | Action::Back | Action::Quit) {
                self.help = false;
            }
            return Effect::None;
        }
        if action == Action::Note && self.screen != Screen::Start {
            self.note_input = Some(String::new());
            return Effect::None;
        }
        if action == Action::Guide
            && !matches!(self.screen, Screen::UsbGuide | Screen::Review)
            && !(self.screen == Screen::Start && self.start.editing())
        {
            self.guide_from = Some(self.screen);
            self.guide_scroll = 0;
            self.screen = Screen::UsbGuide;
            return Effect::None;
        }
        if action == Action::Help && !(self.screen == Screen::Start && self.start.editing()) {
            self.help = true;
            return Effect::None;
        }
        match self.screen {
            Screen::Start => self.update_start(action),
            Screen::Cases => match action {
                Action::Up => {
                    self.case_selected = self.case_selected.saturating_sub(1);
                    Effect::None
                }
                Action::Down => {
                    if self.case_selected + 1 < self.cases.len() {
                        self.case_selected += 1;
                    }
                    Effect::None
                }
                Action::Open => match self.cases.get(self.case_selected) {
                    Some(c) => {
                        self.screen = Screen::Live;
                        Effect::Reopen(c.path.clone())
                    }
                    None => Effect::None,
                },
                Action::Back | Action::Quit => {
                    self.screen = Screen::Start;
                    Effect::None
                }
                _ => Effect::None,
            },
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
                let n = Self::review_findings(findings).len() + self.checklist_cards();
                if let Some(item) = self.review_account_item(findings)
                    && let Action::Answer(a) = action
                {
                    let answer = match a {
                        ClientAnswer::Recognised => AccountAnswer::NothingUnexpected,
                        ClientAnswer::NotRecognised => AccountAnswer::SomethingUnexpected,
                        ClientAnswer::NotSure => AccountAnswer::NotChecked,
                    };
                    self.status = Some(format!("Recorded: {}: {}.", item.title(), answer.words()));
                    return Effect::AccountCheck(item, answer);
                }
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
                    Action::Answer(a) => {
                        if let Some(f) = Self::review_findings(findings).get(self.review_index) {
                            self.status = Some(format!("Recorded: {}.", a.words()));
                            return Effect::Answer {
                                finding: f.id.clone(),
                                answer: Some(a),
                                decision: None,
                            };
                        }
                    }
                    Action::Decide(d) => {
                        if let Some(f) = Self::review_findings(findings).get(self.review_index) {
                            self.status = Some(format!("Recorded: {}.", d.words()));
                            return Effect::Answer {
                                finding: f.id.clone(),
                                answer: None,
                                decision: Some(d),
                            };
                        }
                    }
                    Action::Mine => {
                        if let Some(f) = Self::review_findings(findings).get(self.review_index) {
                            return self.ask_mine(f);
                        }
                    }
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
            Screen::UsbGuide => {
                match action {
                    Action::Back | Action::Quit | Action::Guide => {
                        self.screen = self.guide_from.take().unwrap_or(Screen::Start);
                    }
                    Action::Down => self.guide_scroll = self.guide_scroll.saturating_add(3),
                    Action::Up => self.guide_scroll = self.guide_scroll.saturating_sub(3),
                    _ => {}
                }
                Effect::None
            }
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
        match self.selected_finding(findings) {
            Some(f) => self.ask_mine(f),
            None => Effect::None,
        }
    }

    /// `m` never acts at once: it asks, and a second `m` on a marked device takes the
    /// mark back. Findings without a device address (a phone's traffic, an app) are
    /// answered as "recognised" instead.
    fn ask_mine(&mut self, f: &Finding) -> Effect {
        match f
            .subject
            .address
            .filter(|_| f.category != Category::Stalkerware)
        {
            Some(address) => {
                let what = match &f.subject.name {
                    Some(n) => format!("{} ({address})", crate::sanitize::name(n)),
                    None => address.to_string(),
                };
                self.pending = Some(Pending::Mine {
                    address,
                    undo: f.recognised.is_some(),
                    what,
                });
                Effect::None
            }
            None => {
                self.status = Some(
                    "This finding is not a device the client owns: in review, record whether the client recognises it (y / x / u)."
                        .into(),
                );
                Effect::None
            }
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
                self.pane = self.pane.prev();
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
                self.note_input = Some(String::new());
                self.input_is_place = true;
            }
            Action::Mine => return self.mine(findings),
            Action::Export => return Effect::Export,
            Action::Quit | Action::Back if self.running => self.pending = Some(Pending::Quit),
            Action::Quit | Action::Back => return Effect::Quit,
            _ => {}
        }
        Effect::None
    }
}
