//! UI state and the one action enum. `App::update` is the only place state changes;
//! rendering (`render.rs`) reads `App` and the engine and nothing else.

use crate::engine::finding::{Category, Finding};
use crate::observation::{AccountAnswer, AccountItem, ClientAnswer, Concern, Decision, MacAddr};

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

/// The checks the start screen offers (a closed set: each becomes one `CheckRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Bluetooth,
    Network,
    PhoneTraffic,
    /// An Android phone's apps over USB (adb).
    PhoneApps,
    /// An iPhone over USB (usbmuxd and lockdown).
    Iphone,
}

impl CheckKind {
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Bluetooth => "Bluetooth trackers",
            CheckKind::Network => "This network (who is on it, cameras)",
            CheckKind::PhoneTraffic => "Phone traffic (phone on this laptop's hotspot)",
            CheckKind::PhoneApps => "Phone apps (USB): an Android phone's apps",
            CheckKind::Iphone => "iPhone (USB): its apps and settings",
        }
    }

    /// A check on a phone over USB: choosing it asks which phone is attached.
    pub fn over_usb(self) -> bool {
        matches!(self, CheckKind::PhoneApps | CheckKind::Iphone)
    }

    /// A check that listens on the chosen network interface.
    pub fn needs_interface(self) -> bool {
        matches!(self, CheckKind::Network | CheckKind::PhoneTraffic)
    }
}

/// Which checks the start screen offers, and whether each can run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckChoice {
    pub kind: CheckKind,
    pub selected: bool,
    /// Why it cannot run and how to fix it; `None` when it can.
    pub unavailable: Option<String>,
    /// The phone chosen for a check over USB (serial or UDID).
    pub device: Option<String>,
    /// What was found when the phones were listed: the chosen phone, or why none can be
    /// checked and what to do.
    pub detail: Option<String>,
}

impl CheckChoice {
    pub fn new(kind: CheckKind, selected: bool, unavailable: Option<String>) -> Self {
        CheckChoice {
            kind,
            selected,
            unavailable,
            device: None,
            detail: None,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}

/// A phone attached over USB, as listed for the start screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbPhone {
    /// Serial (Android) or UDID (iPhone): what the check is asked for.
    pub id: String,
    /// "Pixel 7 (serial 1A2B…)".
    pub words: String,
    /// Why it cannot be checked yet and what to do ("accept Allow USB debugging…"); `None`
    /// when it is ready.
    pub problem: Option<String>,
}

/// What the start screen says under a USB check once its phone is chosen.
fn chosen_words(kind: CheckKind, words: &str) -> String {
    match kind {
        CheckKind::Iphone => format!(
            "will check {words}: unlock it and tap Trust when it asks (pairing leaves a trusted-computer record on it)"
        ),
        _ => format!("will check {words}"),
    }
}

/// The list of attached phones, open when more than one could be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneChooser {
    pub kind: CheckKind,
    pub phones: Vec<UsbPhone>,
    pub focus: usize,
}

/// What a volunteer needs to recognise an interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceInfo {
    /// "Wi-Fi", "wired" or "virtual".
    pub kind: &'static str,
    pub up: bool,
    pub address: Option<String>,
    /// This laptop's hotspot (it hands out addresses to phones).
    pub hotspot: bool,
}

impl InterfaceInfo {
    pub fn words(&self, name: &str) -> String {
        let mut s = format!(
            "{name} ({}, {}",
            self.kind,
            if self.up { "up" } else { "down" }
        );
        if let Some(a) = &self.address {
            s.push_str(&format!(", {a}"));
        }
        if self.hotspot {
            s.push_str(", this laptop's hotspot");
        }
        s.push(')');
        s
    }
}

/// A case folder offered for reopening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub name: String,
    pub path: std::path::PathBuf,
    /// "2026-11-21 14:00 · complete · 3 findings"
    pub words: String,
}

/// Start-screen rows before the checks: case reference, initials, concerns.
pub const FORM_HEAD: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartForm {
    pub case_ref: String,
    pub editing_case: bool,
    /// The volunteer's initials (kept for the session; never a client's name).
    pub operator: String,
    pub editing_operator: bool,
    /// The client's concerns, chosen before the checks.
    pub concerns: Vec<Concern>,
    /// The concerns list is open (space toggles, Enter closes).
    pub choosing_concerns: bool,
    pub concern_focus: usize,
    /// For each interface, what it is (same order as `interfaces`; may be empty in tests).
    pub interface_info: Vec<InterfaceInfo>,
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
    /// Several phones are attached: which one to check.
    pub choosing_phone: Option<PhoneChooser>,
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

impl StartForm {
    /// A text field is being typed into.
    pub fn editing(&self) -> bool {
        self.editing_case || self.editing_operator
    }
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

    /// The phones attached for a USB check, as the loop listed them: none ready leaves the
    /// check unselected and says why; one is chosen at once; several open the chooser.
    pub fn phones_listed(&mut self, kind: CheckKind, listed: Result<Vec<UsbPhone>, String>) {
        let Some(choice) = self.start.checks.iter_mut().find(|c| c.kind == kind) else {
            return;
        };
        let phones = match listed {
            Ok(p) => p,
            Err(why) => {
                choice.selected = false;
                choice.device = None;
                choice.detail = Some(why);
                return;
            }
        };
        let ready: Vec<&UsbPhone> = phones.iter().filter(|p| p.problem.is_none()).collect();
        match ready.as_slice() {
            [] => {
                choice.selected = false;
                choice.device = None;
                choice.detail = Some(match phones.first() {
                    Some(p) => format!(
                        "{}: {}",
                        p.words,
                        p.problem.as_deref().unwrap_or_default()
                    ),
                    None => match kind {
                        CheckKind::Iphone => "No iPhone is connected. Connect it with a cable, unlock it and tap Trust, then select this again.".into(),
                        _ => "No phone is connected. Connect it with a data cable, turn on USB debugging (g: how) and select this again.".into(),
                    },
                });
            }
            [one] => {
                choice.selected = true;
                choice.device = Some(one.id.clone());
                choice.detail = Some(chosen_words(kind, &one.words));
            }
            _ => {
                self.start.choosing_phone = Some(PhoneChooser {
                    kind,
                    phones,
                    focus: 0,
                });
            }
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
        if let Some(ch) = f.choosing_phone.as_mut() {
            match action {
                Action::Up => ch.focus = ch.focus.saturating_sub(1),
                Action::Down => ch.focus = (ch.focus + 1).min(ch.phones.len().saturating_sub(1)),
                Action::Open | Action::Toggle => {
                    let kind = ch.kind;
                    if let Some(p) = ch.phones.get(ch.focus).cloned() {
                        if let Some(why) = &p.problem {
                            self.status = Some(format!("{}: {why}", p.words));
                            return Effect::None;
                        }
                        f.choosing_phone = None;
                        if let Some(c) = f.checks.iter_mut().find(|c| c.kind == kind) {
                            c.selected = true;
                            c.device = Some(p.id.clone());
                            c.detail = Some(chosen_words(kind, &p.words));
                        }
                    }
                }
                Action::Back | Action::Quit => f.choosing_phone = None,
                _ => {}
            }
            return Effect::None;
        }
        if f.choosing_concerns {
            let n = Concern::ALL.len();
            match action {
                Action::Up => f.concern_focus = f.concern_focus.saturating_sub(1),
                Action::Down => f.concern_focus = (f.concern_focus + 1).min(n - 1),
                Action::Toggle => {
                    let c = Concern::ALL[f.concern_focus];
                    if let Some(i) = f.concerns.iter().position(|x| *x == c) {
                        f.concerns.remove(i);
                    } else {
                        f.concerns.push(c);
                    }
                }
                Action::Open | Action::Back | Action::Quit => f.choosing_concerns = false,
                _ => {}
            }
            return Effect::None;
        }
        if f.editing_case || f.editing_operator {
            let (field, max) = if f.editing_case {
                (&mut f.case_ref, 24)
            } else {
                (&mut f.operator, 4)
            };
            match action {
                Action::Char(c)
                    if field.chars().count() < max && (c.is_ascii_alphanumeric() || c == '-') =>
                {
                    field.push(if max == 4 { c.to_ascii_uppercase() } else { c })
                }
                Action::Back => {
                    field.pop();
                }
                Action::Open | Action::Down | Action::Up => {
                    f.editing_case = false;
                    f.editing_operator = false;
                }
                _ => {}
            }
            return Effect::None;
        }
        let n = f.checks.len();
        let rows = FORM_HEAD + n + 3; // case, initials, concerns, checks..., interface, duration, active
        match action {
            Action::Up => f.focus = f.focus.saturating_sub(1),
            Action::Down => f.focus = (f.focus + 1).min(rows - 1),
            Action::Toggle | Action::Open => {
                if f.focus == 0 {
                    f.editing_case = true;
                } else if f.focus == 1 {
                    f.editing_operator = true;
                } else if f.focus == 2 {
                    f.choosing_concerns = true;
                } else if f.focus < FORM_HEAD + n {
                    let c = &mut f.checks[f.focus - FORM_HEAD];
                    if c.unavailable.is_none() {
                        if c.kind.over_usb() && !c.selected {
                            // Which phone? Asked of the attached ones when chosen.
                            return Effect::ListPhones(c.kind);
                        }
                        c.selected = !c.selected;
                        if !c.selected {
                            c.device = None;
                            c.detail = None;
                        }
                    }
                } else if f.focus == FORM_HEAD + n + 2 {
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
                if f.focus == FORM_HEAD + n && !f.interfaces.is_empty() {
                    let k = f.interfaces.len();
                    f.interface = if right {
                        (f.interface + 1) % k
                    } else {
                        (f.interface + k - 1) % k
                    };
                } else if f.focus == FORM_HEAD + n + 1 {
                    f.minutes = if right {
                        (f.minutes + 5).min(60)
                    } else {
                        f.minutes.saturating_sub(5).max(5)
                    };
                }
            }
            Action::Start => return self.try_start(),
            Action::Reopen => return Effect::ListCases,
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
        // A network or traffic check on an interface that is down would see nothing.
        let f = &self.start;
        let wants_iface = f
            .checks
            .iter()
            .any(|c| c.kind.needs_interface() && c.selected && c.unavailable.is_none());
        if wants_iface
            && let (Some(name), Some(info)) = (
                f.interfaces.get(f.interface),
                f.interface_info.get(f.interface),
            )
            && !info.up
        {
            self.status = Some(format!(
                "{name} is down, so a network or traffic check on it would see nothing. Choose an interface that is up (← → on the interface row), or start the hotspot or join the client's network first (? for help)."
            ));
            return Effect::None;
        }
        self.screen = Screen::Live;
        Effect::StartChecks
    }
}
