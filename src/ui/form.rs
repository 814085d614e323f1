//! The start screen's form: which checks, the phones attached over USB, the interface, and
//! the steps that change them (part of `App::update`).

use crate::observation::Concern;
use crate::sources::SourceError;
use crate::ui::app::{Action, App, Effect, Screen};

/// The phones attached over USB could not be listed (no adb server answers, usbmuxd is not
/// running, ...). Its message is the source's: why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PhonesNotListed(pub SourceError);

impl From<SourceError> for PhonesNotListed {
    fn from(e: SourceError) -> Self {
        PhonesNotListed(e)
    }
}

impl From<&str> for PhonesNotListed {
    /// A reason in words (the listing failed for a reason of its own).
    fn from(why: &str) -> Self {
        PhonesNotListed(SourceError::Failed(why.to_string()))
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
    /// iPhone: also make a backup into the case folder (the client agreed).
    pub backup: bool,
}

impl CheckChoice {
    pub fn new(kind: CheckKind, selected: bool, unavailable: Option<String>) -> Self {
        CheckChoice {
            kind,
            selected,
            unavailable,
            device: None,
            detail: None,
            backup: false,
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
    /// An iPhone was chosen: asking whether the client agrees to a backup into the case
    /// folder (the only way its configuration profiles are listed over USB).
    pub confirming_backup: bool,
}

impl StartForm {
    /// A text field is being typed into.
    pub fn editing(&self) -> bool {
        self.editing_case || self.editing_operator
    }

    /// A yes/no question is open (the active check, the iPhone backup).
    pub fn confirming(&self) -> bool {
        self.confirming_active || self.confirming_backup
    }
}

/// The iPhone is chosen: note it and ask about the backup.
fn choose_phone(f: &mut StartForm, kind: CheckKind, phone: &UsbPhone) {
    if let Some(c) = f.checks.iter_mut().find(|c| c.kind == kind) {
        c.selected = true;
        c.device = Some(phone.id.clone());
        c.backup = false;
        c.detail = Some(chosen_words(kind, &phone.words));
    }
    f.confirming_backup = kind == CheckKind::Iphone;
}

/// What the start screen adds under the iPhone check once the backup is agreed.
pub const BACKUP_AGREED: &str = "and make a backup into the case folder (the client agreed)";

impl App {
    /// The phones attached for a USB check, as the loop listed them: none ready leaves the
    /// check unselected and says why; one is chosen at once; several open the chooser.
    pub fn phones_listed(
        &mut self,
        kind: CheckKind,
        listed: Result<Vec<UsbPhone>, PhonesNotListed>,
    ) {
        let Some(choice) = self.start.checks.iter_mut().find(|c| c.kind == kind) else {
            return;
        };
        let phones = match listed {
            Ok(p) => p,
            Err(why) => {
                choice.selected = false;
                choice.device = None;
                choice.detail = Some(why.to_string());
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
                let one = (*one).clone();
                choose_phone(&mut self.start, kind, &one);
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

    pub(crate) fn update_start(&mut self, action: Action) -> Effect {
        let f = &mut self.start;
        if f.confirming_backup {
            if let Action::Confirm(yes) = action {
                f.confirming_backup = false;
                if let Some(c) = f.checks.iter_mut().find(|c| c.kind == CheckKind::Iphone) {
                    c.backup = yes;
                    if yes && let Some(d) = c.detail.as_mut() {
                        d.push_str(", ");
                        d.push_str(BACKUP_AGREED);
                    }
                }
            } else if matches!(action, Action::Back | Action::Quit) {
                f.confirming_backup = false;
            }
            return Effect::None;
        }
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
                        choose_phone(f, kind, &p);
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
                            c.backup = false;
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

    pub(crate) fn try_start(&mut self) -> Effect {
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
