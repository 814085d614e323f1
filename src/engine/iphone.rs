//! The iPhone check: configuration and provisioning profiles, apps against the stalkerware
//! and dual-use lists, jailbreak signs and an old iOS, from the `ios-*` observations.
//!
//! Rules (docs/ios.md):
//! - a configuration profile with an MDM payload (`com.apple.mdm`) or a root certificate
//!   (`com.apple.security.root`): **high**; with a VPN, proxy, DNS or content-filter
//!   payload: **medium**; any other profile (a Wi-Fi network, a mail account): no finding;
//! - a provisioning profile (an app signed for a company or a developer, installed outside
//!   the App Store): **medium**;
//! - a bundle id listed for stalkerware (signature entries `type = "app"`): **high**, with
//!   the bundle id in `indicators`; listed as dual-use: the list's severity;
//! - a jailbreak app (Cydia, Sileo, Zebra, Filza and kin): **medium**, "cannot be ruled out";
//! - an iOS whose next major version came out more than a year before the backup: **low**;
//! - live over USB only: an app signed for a company (enterprise) or by a developer,
//!   outside the App Store: **medium**; a TestFlight test version: **low**; a supervised
//!   iPhone: **medium**; Developer Mode on: **low**; parts of the check not done: **info**.

use std::collections::{BTreeMap, HashMap};

use crate::engine::Context;
use crate::engine::capped::{CappedMap, Phones, Seen, SeenIn};
use crate::engine::finding::{
    Category, Confidence, DeviceKind, Evidence, Finding, Indicator, IndicatorType, Level, Severity,
    Subject,
};
use crate::observation::{
    AccountItem, IosApp, IosDevice, IosPart, IosPartKind, IosProfile, IosProfileKind, IosSigner,
    Observation, PartState, Timestamp,
};
use crate::signatures::{Entry, MatchRule, SignatureSet};

/// Most apps and profiles kept per phone, and phones per scan.
pub const MAX_APPS: usize = 20_000;
pub const MAX_PROFILES: usize = 10_000;
pub const MAX_PHONES: usize = 64;

/// Shown with every iPhone finding and on the review cards.
pub const SAFETY_TEXT: &str = "Do not remove the profile or the app, reset the phone or change passwords yet. The person who set it up may be alerted (a management server sees when its profile is removed), which can put the client at more risk, and removing it destroys evidence. Decide what to do together with the client's advocate, as part of a safety plan: the client decides.";

/// Shorter form for a next-step tick box.
pub const SAFETY_STEP: &str = "Do not remove the profile or app, reset the phone or change passwords yet: it can alert the person and destroys evidence. Decide with the advocate; the client decides.";

/// Questions to go through a profile with the client.
pub const PROFILE_QUESTIONS: &[&str] = &[
    "Do you recognise this profile, or the organisation named in it?",
    "Did this phone come from an employer or a school, or is it used for work?",
    "Did someone else set up this phone for you, or have it in their hands?",
];

/// Questions to go through an app with the client (as on Android).
pub const APP_QUESTIONS: &[&str] = &[
    "Did you know this app was installed?",
    "Did you install it?",
    "If not, do you know who did?",
    "Has anyone else had your phone in their hands, or known your passcode?",
];

/// Next step to keep evidence (profiles).
pub const EVIDENCE_STEP: &str = "Keep this report and the case folder somewhere the other person cannot reach; photograph the profile's page in Settings (General, VPN & Device Management) with another device if the client wants evidence.";

/// Next step to keep evidence (apps and the phone itself).
pub const APP_EVIDENCE_STEP: &str = "Keep this report and the case folder somewhere the other person cannot reach; photograph the app on the phone's screen (or in Settings, Apps) with another device if the client wants evidence.";

/// The biggest iPhone risk is often not on the phone: someone with the Apple Account.
/// Gone through by the volunteer with the client and recorded as answers, never automated.
/// What the volunteer goes through with the client for each checklist item.
pub fn account_guidance(item: AccountItem) -> &'static str {
    match item {
        AccountItem::AppleAccountDevices => {
            "Apple Account devices: in Settings, tap the client's name and scroll to the device list. Does the client recognise every device? An unknown iPad, Mac or old phone can receive messages, photos and locations."
        }
        AccountItem::FamilySharing => {
            "Family Sharing: in Settings, the client's name, then Family Sharing. Who is in the family group, and who is its organiser? The organiser can see purchases and, with Screen Time, control the phone."
        }
        AccountItem::FindMySharing => {
            "Find My sharing: in the Find My app, People. With whom does the client share their location? Also check Devices for AirTags or items registered to someone else."
        }
        AccountItem::SafetyCheck => {
            "Safety Check (iOS 16 and later): Settings, Privacy & Security, Safety Check. Manage Sharing & Access lists the people and apps with access and can stop it; Emergency Reset stops all of it at once. Using it can be noticed by the other person: decide with the advocate first."
        }
        AccountItem::PasswordsAndCodes => {
            "Who knows the Apple Account password and the phone's passcode? Is two-factor authentication on, and whose phone number receives its codes?"
        }
    }
}

/// Why the checklist matters, said once before it.
pub const ACCOUNT_CHECKLIST_INTRO: &str = "The biggest iPhone risk is often not on the phone but someone else's access to the client's Apple Account. Go through these with the client; record their answers.";

/// The checklist as plain text (for a review screen or a report appendix).
pub fn account_checklist() -> String {
    let mut s = format!("{ACCOUNT_CHECKLIST_INTRO}\n");
    for (i, item) in AccountItem::ALL.iter().enumerate() {
        s.push_str(&format!("{}. {}\n", i + 1, account_guidance(*item)));
    }
    s
}

/// Jailbreak tools and package managers, by bundle id.
pub const JAILBREAK_APPS: &[(&str, &str)] = &[
    ("com.saurik.Cydia", "Cydia"),
    ("org.coolstar.SileoStore", "Sileo"),
    ("org.coolstar.sileo", "Sileo"),
    ("xyz.willy.Zebra", "Zebra"),
    ("com.tigisoftware.Filza", "Filza"),
    ("me.apptapp.installer", "Installer"),
    ("science.xnu.undecimus", "unc0ver"),
    ("com.electrateam.chimera", "Chimera"),
    ("org.coolstar.odyssey", "Odyssey"),
    ("com.opa334.Dopamine", "Dopamine"),
    ("com.opa334.TrollStore", "TrollStore"),
    ("kjc.loader", "checkra1n"),
];

/// iOS major versions and the day each `.0` came out (Apple's release notes and the
/// "Apple security releases" page, https://support.apple.com/en-us/100100).
pub const IOS_RELEASES: &[(u32, &str)] = &[
    (12, "2018-09-17"),
    (13, "2019-09-19"),
    (14, "2020-09-16"),
    (15, "2021-09-20"),
    (16, "2022-09-12"),
    (17, "2023-09-18"),
    (18, "2024-09-16"),
    (26, "2025-09-15"),
];

/// Payload types that let someone manage the phone or read its encrypted traffic.
const HIGH_PAYLOADS: &[(&str, &str)] = &[
    (
        "com.apple.mdm",
        "device management (MDM): a server can install apps and profiles and see details of this phone",
    ),
    (
        "com.apple.security.root",
        "a root certificate: with it, someone in the middle can read this phone's encrypted connections",
    ),
];

/// Payload types that route or filter the phone's traffic.
const MEDIUM_PAYLOADS: &[(&str, &str)] = &[
    (
        "com.apple.vpn.managed",
        "a VPN: the phone's traffic can go through someone else's server",
    ),
    (
        "com.apple.vpn.managed.applayer",
        "a per-app VPN: some apps' traffic goes through someone else's server",
    ),
    (
        "com.apple.proxy.http.global",
        "a global proxy: the phone's web traffic goes through someone else's server",
    ),
    (
        "com.apple.dnsProxy.managed",
        "a DNS proxy: the names the phone looks up go to someone else's server",
    ),
    (
        "com.apple.dnsSettings.managed",
        "encrypted DNS settings: the names the phone looks up go to a chosen server",
    ),
    (
        "com.apple.webcontent-filter",
        "a content filter: the pages the phone visits can be seen",
    ),
    (
        "com.apple.relay.managed",
        "a relay: the phone's traffic can go through someone else's server",
    ),
];

#[derive(Debug)]
struct Phone {
    device: Option<IosDevice>,
    seen: Seen,
    apps: CappedMap<String, (Timestamp, IosApp)>,
    profiles: CappedMap<String, (Timestamp, IosProfile)>,
    parts: BTreeMap<IosPartKind, IosPart>,
}

impl Default for Phone {
    fn default() -> Self {
        Self {
            device: None,
            seen: Seen::default(),
            apps: CappedMap::new(MAX_APPS),
            profiles: CappedMap::new(MAX_PROFILES),
            parts: BTreeMap::new(),
        }
    }
}

impl SeenIn for Phone {
    fn seen_mut(&mut self) -> &mut Seen {
        &mut self.seen
    }
}

/// One iPhone checked, for the reports (`IphoneState::examined`).
pub struct ExaminedIphone<'a> {
    pub udid: &'a str,
    pub device: Option<&'a IosDevice>,
    pub apps: usize,
    pub profiles: usize,
    pub first: Option<Timestamp>,
}

/// The iPhone part of the engine.
pub struct IphoneState {
    entries: Vec<Entry>,
    stalkerware: HashMap<String, usize>,
    dual: HashMap<String, usize>,
    phones: Phones<Phone>,
}

impl IphoneState {
    pub fn new(sigs: &SignatureSet) -> Self {
        let mut s = Self {
            entries: Vec::new(),
            stalkerware: HashMap::new(),
            dual: HashMap::new(),
            phones: Phones::new(MAX_PHONES),
        };
        for e in &sigs.entries {
            let MatchRule::App { packages, .. } = &e.rule else {
                continue;
            };
            let i = s.entries.len();
            s.entries.push(e.clone());
            let map = if e.category == Category::Stalkerware {
                &mut s.stalkerware
            } else {
                &mut s.dual
            };
            for p in packages {
                map.entry(p.trim().to_string()).or_insert(i);
            }
        }
        s
    }

    fn phone(&mut self, udid: &str, t: Timestamp) -> Option<&mut Phone> {
        self.phones.phone(udid, t)
    }

    pub fn ingest(&mut self, t: Timestamp, obs: &Observation, _ctx: &Context) {
        match obs {
            Observation::IosDevice(d) => {
                if let Some(p) = self.phone(&d.udid, t) {
                    p.device = Some(d.clone());
                }
            }
            Observation::IosApp(a) => {
                if let Some(p) = self.phone(&a.udid, t) {
                    p.apps.insert(a.bundle_id.clone(), (t, a.clone()));
                }
            }
            Observation::IosProfile(x) => {
                if let Some(p) = self.phone(&x.udid, t) {
                    p.profiles.insert(x.file.clone(), (t, (**x).clone()));
                }
            }
            Observation::IosPart(x) => {
                if let Some(p) = self.phone(&x.udid, t) {
                    p.parts.insert(x.part, x.clone());
                }
            }
            _ => {}
        }
    }

    /// How each part of the live check went, per UDID (for the coverage account).
    pub fn parts(&self) -> BTreeMap<String, Vec<IosPart>> {
        self.phones
            .iter()
            .filter(|(_, p)| !p.parts.is_empty())
            .map(|(u, p)| (u.clone(), p.parts.values().cloned().collect()))
            .collect()
    }

    /// Phones, apps and profiles forgotten because of the caps.
    pub fn dropped(&self) -> u64 {
        self.phones.dropped()
            + self
                .phones
                .values()
                .map(|p| p.apps.dropped() + p.profiles.dropped())
                .sum::<u64>()
    }

    /// Each iPhone checked (for the reports' "devices examined"): UDID, what the backup
    /// said about the phone, how many apps and profiles were read, and when.
    pub fn examined(&self) -> Vec<ExaminedIphone<'_>> {
        self.phones
            .iter()
            .map(|(u, p)| ExaminedIphone {
                udid: u.as_str(),
                device: p.device.as_ref(),
                apps: p.apps.len(),
                profiles: p.profiles.len(),
                first: p.seen.first,
            })
            .collect()
    }

    /// How many apps were read, on every iPhone.
    pub fn app_count(&self) -> usize {
        self.phones.values().map(|p| p.apps.len()).sum()
    }

    pub fn findings(&self, out: &mut Vec<Finding>) {
        let mut n = 0usize;
        for phone in self.phones.values() {
            let mut found = Vec::new();
            self.phone_findings(phone, &mut found);
            for mut f in found {
                n += 1;
                f.id = format!("iphone-{n}");
                out.push(f);
            }
        }
    }

    fn phone_findings(&self, phone: &Phone, out: &mut Vec<Finding>) {
        let dev = phone.device.as_ref();
        let model = dev.and_then(|d| {
            d.model
                .clone()
                .or_else(|| d.product_type.clone())
                .map(|m| crate::sanitize::name(&m))
        });
        let version = dev.and_then(|d| d.ios_version.clone());
        let subject = |bundle: Option<&str>| Subject {
            kind: DeviceKind::Phone,
            name: model.clone(),
            ios_version: version.clone(),
            bundle_id: bundle.map(crate::sanitize::name),
            ..Subject::default()
        };
        let phone_t = phone.seen.first.unwrap_or_default();
        let usb = dev.and_then(|d| d.via.as_deref()) == Some("usb");
        // Profiles.
        for (t, p) in phone.profiles.values() {
            if let Some(f) = profile_finding(*t, p, subject(None)) {
                out.push(f);
            }
        }
        // Apps on the lists.
        for (t, a) in phone.apps.values() {
            let listed = self
                .stalkerware
                .get(a.bundle_id.as_str())
                .or_else(|| self.dual.get(a.bundle_id.as_str()));
            if let Some(&i) = listed {
                out.push(listed_app(
                    *t,
                    a,
                    &self.entries[i],
                    subject(Some(&a.bundle_id)),
                ));
            }
        }
        // Jailbreak signs.
        let jb: Vec<(&Timestamp, &IosApp, &str)> = phone
            .apps
            .values()
            .filter_map(|(t, a)| {
                JAILBREAK_APPS
                    .iter()
                    .find(|(b, _)| *b == a.bundle_id)
                    .map(|(_, name)| (t, a, *name))
            })
            .collect();
        if !jb.is_empty() {
            let names: Vec<&str> = jb.iter().map(|(_, _, n)| *n).collect();
            let first = jb.iter().map(|(t, _, _)| **t).min().unwrap_or(phone_t);
            let last = jb.iter().map(|(t, _, _)| **t).max().unwrap_or(phone_t);
            out.push(Finding {
                id: String::new(),
                category: Category::PhoneSetting,
                severity: Severity::Medium,
                signature: "ios-jailbreak".into(),
                title: format!(
                    "Signs of a jailbreak on this iPhone: {} installed",
                    names.join(", ")
                ),
                subject: subject(None),
                first_seen: first,
                last_seen: last,
                evidence: jb
                    .iter()
                    .map(|(t, a, n)| Evidence {
                        t: Some(**t),
                        text: format!(
                            "{n} ({}) {}",
                            crate::sanitize::name(&a.bundle_id),
                            where_found(a)
                        ),
                    })
                    .collect(),
                evidence_dropped: 0,
                meaning: "These apps are used on jailbroken iPhones. A jailbreak removes the phone's own protections, so monitoring software that the App Store would never allow can be installed and hidden. A jailbreak cannot be ruled out; this is not proof of one, nor of monitoring: the client may have done it themselves, or the app may be left over.".into(),
                confidence: Confidence {
                    level: Level::Medium,
                    text: if usb {
                        "The apps are installed on the phone; whether it is jailbroken now cannot be told from the app list alone.".into()
                    } else {
                        "The apps are listed in the backup; whether the phone is jailbroken now cannot be told from a backup.".into()
                    },
                },
                next_steps: vec![
                    "Ask the client: Did you jailbreak this phone, or ask someone to? Did you install these apps? Has anyone else had the phone in their hands?".into(),
                    "A phone that may be jailbroken cannot be checked fully: consider a specialist check, or a new phone the other person has never held, with the advocate.".into(),
                    SAFETY_STEP.into(),
                    APP_EVIDENCE_STEP.into(),
                ],
                recognised: None,
                signal: Vec::new(),
                indicators: jb
                    .iter()
                    .map(|(_, a, _)| Indicator {
                        kind: IndicatorType::Package,
                        value: crate::sanitize::name(&a.bundle_id),
                        listed: a.bundle_id.clone(),
                        matched: "ios-jailbreak".into(),
                        count: 1,
                    })
                    .collect(),
                indicators_dropped: 0,
            });
        }
        // Old iOS, judged against the backup's own time.
        if let Some(v) = &version
            && let Some((major, next, since)) = behind(v, phone.seen.last.unwrap_or(phone_t))
        {
            out.push(Finding {
                id: String::new(),
                category: Category::PhoneSetting,
                severity: Severity::Low,
                signature: "ios-old-version".into(),
                title: format!("This iPhone runs iOS {}, more than a year behind", crate::sanitize::name(v)),
                subject: subject(None),
                first_seen: phone_t,
                last_seen: phone.seen.last.unwrap_or(phone_t),
                evidence: vec![Evidence {
                    t: Some(phone_t),
                    text: format!(
                        "iOS {} (major version {major}); iOS {next} came out on {since}",
                        crate::sanitize::name(v)
                    ),
                }],
                evidence_dropped: 0,
                meaning: format!("A newer iOS (iOS {next}) has been out for more than a year when {}. An old iOS lacks security fixes that spyware sold to the public can use, and newer privacy protections. If this phone cannot update any further, it gets fewer fixes than a newer one.", if usb { "this phone was checked" } else { "this backup was made" }),
                confidence: Confidence {
                    level: Level::High,
                    text: if usb {
                        "The version is the one the phone reported over USB.".into()
                    } else {
                        "The version is the one the phone reported in its backup.".into()
                    },
                },
                next_steps: vec![
                    "Ask the client whether the phone offers an update (Settings, General, Software Update) and whether they want to install it, after deciding with the advocate.".into(),
                    SAFETY_STEP.into(),
                ],
                recognised: None,
                signal: Vec::new(),
                indicators: Vec::new(),
                indicators_dropped: 0,
            });
        }
        // Apps signed outside the App Store (live: installation_proxy says who signed).
        for (t, a) in phone.apps.values() {
            if let Some(f) = signer_finding(*t, a, subject(Some(&a.bundle_id))) {
                out.push(f);
            }
        }
        // Supervision and Developer Mode (live).
        if let Some(d) = dev {
            if d.supervised == Some(true) {
                out.push(simple(
                    phone_t,
                    Severity::Medium,
                    Category::PhoneSetting,
                    "ios-supervised",
                    "This iPhone is supervised: an organisation or a computer manages it".into(),
                    subject(None),
                    "The iPhone reports DeviceIsChaperoned = true (lockdown's com.apple.mobile.chaperone)".into(),
                    "A supervised iPhone was set up with Apple Configurator or an organisation's device enrolment. Whoever supervises it can install profiles and apps silently, restrict settings and, with a management server, see details of the phone. This is normal for a phone from an employer or a school; on a personal phone, someone may be able to see or control this phone: does it belong to an employer or school?",
                    vec![
                        format!("Go through it with the client: {}", PROFILE_QUESTIONS.join(" ")),
                        "Settings, General, About shows \"This iPhone is supervised and managed by ...\" at the top: note the name with the client.".into(),
                        SAFETY_STEP.into(),
                        EVIDENCE_STEP.into(),
                    ],
                ));
            }
            if d.developer_mode == Some(true) {
                out.push(simple(
                    phone_t,
                    Severity::Low,
                    Category::PhoneSetting,
                    "ios-developer-mode",
                    "This iPhone has Developer Mode turned on".into(),
                    subject(None),
                    "The iPhone reports DeveloperModeStatus = true".into(),
                    "Developer Mode (iOS 16 and later) lets apps built by a developer run, outside the App Store. Someone who writes apps, or who installed a test app, turns it on; it is also needed for some tools that put monitoring apps on a phone. It is not proof of anything: ask whether the client turned it on.",
                    vec![
                        "Ask the client: Did you turn on Developer Mode (Settings, Privacy & Security, Developer Mode), or ask someone to? Has anyone had the phone with a computer?".into(),
                        SAFETY_STEP.into(),
                    ],
                ));
            }
        }
        // Parts of the live check not done.
        if !phone.parts.is_empty() {
            let mut ev: Vec<String> = phone
                .parts
                .values()
                .filter(|p| p.state != PartState::Done)
                .map(|p| {
                    format!(
                        "{} {}: {}",
                        match p.state {
                            PartState::Partial => "Partly checked",
                            _ => "Not checked",
                        },
                        p.part.plain_name(),
                        crate::sanitize::message(p.reason.as_deref().unwrap_or("no reason given"))
                    )
                })
                .collect();
            ev.extend(
                IosPartKind::ALL
                    .iter()
                    .filter(|k| !phone.parts.contains_key(k))
                    .map(|k| format!("Not checked {}: no record of this part", k.plain_name())),
            );
            if !ev.is_empty() {
                let mut f = simple(
                    phone_t,
                    Severity::Info,
                    Category::PhoneSetting,
                    "ios-check-incomplete",
                    "Part of the iPhone check was not done".into(),
                    subject(None),
                    String::new(),
                    "What was not checked cannot be ruled out. No finding does not mean the phone is clean: the lists are incomplete, and most iPhone stalking goes through the Apple Account (go through the account checklist with the client).",
                    vec!["If it is safe and the client agrees, connect the iPhone again and repeat the check (sweep scan --ios); for configuration profiles, check a backup (sweep scan --from BACKUP_DIR).".into()],
                );
                f.evidence = ev
                    .into_iter()
                    .map(|text| Evidence {
                        t: Some(phone_t),
                        text,
                    })
                    .collect();
                out.push(f);
            }
        }
    }
}

/// A finding with one line of evidence and no indicators.
#[allow(clippy::too_many_arguments)]
fn simple(
    t: Timestamp,
    severity: Severity,
    category: Category,
    signature: &str,
    title: String,
    subject: Subject,
    evidence: String,
    meaning: &str,
    next_steps: Vec<String>,
) -> Finding {
    Finding {
        id: String::new(),
        category,
        severity,
        signature: signature.into(),
        title,
        subject,
        first_seen: t,
        last_seen: t,
        evidence: vec![Evidence {
            t: Some(t),
            text: evidence,
        }],
        evidence_dropped: 0,
        meaning: meaning.into(),
        confidence: Confidence {
            level: Level::High,
            text: "Read from the phone over USB; whether it is unwanted, only the client can say."
                .into(),
        },
        next_steps,
        recognised: None,
        signal: Vec::new(),
        indicators: Vec::new(),
        indicators_dropped: 0,
    }
}

/// An app signed for a company or by a developer (medium), or a TestFlight test version
/// (low), as installation_proxy reports it.
fn signer_finding(t: Timestamp, a: &IosApp, subject: Subject) -> Option<Finding> {
    let (severity, how, signature) = match a.signer? {
        IosSigner::Enterprise => (
            Severity::Medium,
            "signed for a company (an enterprise or ad hoc certificate), installed outside the App Store",
            "ios-app-enterprise",
        ),
        IosSigner::Developer => (
            Severity::Medium,
            "signed by a developer, installed outside the App Store",
            "ios-app-developer",
        ),
        IosSigner::TestFlight => (
            Severity::Low,
            "a test version installed through Apple's TestFlight",
            "ios-app-testflight",
        ),
        IosSigner::AppStore | IosSigner::System => return None,
    };
    let bundle = crate::sanitize::name(&a.bundle_id);
    let shown = a
        .name
        .as_deref()
        .map(crate::sanitize::name)
        .unwrap_or_else(|| bundle.clone());
    let mut f = simple(
        t,
        severity,
        Category::PhoneApp,
        signature,
        format!("\"{shown}\" on this iPhone is {how}"),
        subject,
        format!(
            "{bundle}{} {}; signed by {}",
            a.version
                .as_deref()
                .map(|v| format!(" version {}", crate::sanitize::name(v)))
                .unwrap_or_default(),
            where_found(a),
            a.signer_identity
                .as_deref()
                .map(|s| format!("\"{}\"", crate::sanitize::name(s)))
                .unwrap_or_else(|| "a certificate the phone did not name".into())
        ),
        "",
        vec![
            format!("Go through the app with the client: {}", APP_QUESTIONS.join(" ")),
            "Settings, General, VPN & Device Management shows the developer or company the phone was told to trust for this app.".into(),
            SAFETY_STEP.into(),
            APP_EVIDENCE_STEP.into(),
        ],
    );
    f.meaning = format!(
        "This app is {how}. Apps from an employer, a school, a beta test or a developer friend come this way; so does monitoring software, which the App Store does not allow. Find out what the app is and whether the client installed it."
    );
    f.indicators = vec![Indicator {
        kind: IndicatorType::Package,
        value: bundle,
        listed: a.bundle_id.clone(),
        matched: signature.into(),
        count: 1,
    }];
    Some(f)
}

/// The major version of a phone that is more than a year behind at `at`: (its major, the
/// next major, the day the next came out).
pub fn behind(version: &str, at: Timestamp) -> Option<(u32, u32, &'static str)> {
    let major: u32 = version.trim().split('.').next()?.parse().ok()?;
    let (next, day) = IOS_RELEASES.iter().find(|(m, _)| *m > major)?;
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let released = date.and_hms_opt(0, 0, 0)?.and_utc();
    (at - released > chrono::Duration::days(365)).then_some((major, *next, *day))
}

fn profile_finding(t: Timestamp, p: &IosProfile, subject: Subject) -> Option<Finding> {
    let name = p
        .name
        .as_deref()
        .map(crate::sanitize::name)
        .unwrap_or_else(|| "(no name)".into());
    let org = p.organisation.as_deref().map(crate::sanitize::name);
    let mut evidence = vec![Evidence {
        t: p.installed.or(Some(t)),
        text: format!(
            "Profile \"{name}\"{}{}, read from {}",
            org.as_ref()
                .map(|o| format!(" from \"{o}\""))
                .unwrap_or_default(),
            p.installed
                .map(|i| {
                    let what = match p.profile {
                        IosProfileKind::Provisioning => "created",
                        IosProfileKind::Configuration => "installed",
                    };
                    format!(", {what} {}", i.format("%Y-%m-%d %H:%M UTC"))
                })
                .unwrap_or_default(),
            crate::sanitize::message(&p.file)
        ),
    }];
    let (severity, title, meaning, signature) = match p.profile {
        IosProfileKind::Provisioning => {
            let how = if p.all_devices {
                "signed for a company (enterprise), which can be installed on any iPhone outside the App Store".to_string()
            } else if let Some(n) = p.devices {
                format!("signed by a developer for {n} listed phone(s), outside the App Store")
            } else {
                "signed outside the App Store".to_string()
            };
            evidence.push(Evidence {
                t: None,
                text: format!(
                    "For app {}: {how}",
                    p.identifier
                        .as_deref()
                        .map(crate::sanitize::name)
                        .unwrap_or_else(|| "(not named)".into())
                ),
            });
            (
                Severity::Medium,
                format!(
                    "An app signed outside the App Store can run on this iPhone (profile \"{name}\")"
                ),
                format!(
                    "A provisioning profile lets apps run that were {how}. Apps from an employer, a school or a developer friend come this way; so does monitoring software, which the App Store does not allow. Find out which app it is for and whether the client installed it."
                ),
                if p.all_devices {
                    "ios-provisioning-enterprise"
                } else {
                    "ios-provisioning-developer"
                },
            )
        }
        IosProfileKind::Configuration => {
            let high: Vec<&str> = HIGH_PAYLOADS
                .iter()
                .filter(|(k, _)| p.payload_types.iter().any(|t| t == k))
                .map(|(_, w)| *w)
                .collect();
            let medium: Vec<&str> = MEDIUM_PAYLOADS
                .iter()
                .filter(|(k, _)| p.payload_types.iter().any(|t| t == k))
                .map(|(_, w)| *w)
                .collect();
            let (severity, what, signature) = if !high.is_empty() {
                let mdm = p.payload_types.iter().any(|t| t == "com.apple.mdm");
                (
                    Severity::High,
                    if mdm {
                        "A management (MDM) profile"
                    } else {
                        "A profile with a root certificate"
                    },
                    if mdm {
                        "ios-profile-mdm"
                    } else {
                        "ios-profile-root-certificate"
                    },
                )
            } else if !medium.is_empty() {
                (
                    Severity::Medium,
                    "A profile that routes this phone's traffic",
                    "ios-profile-traffic",
                )
            } else {
                return None;
            };
            let powers: Vec<&str> = high.into_iter().chain(medium).collect();
            evidence.push(Evidence {
                t: None,
                text: format!(
                    "Payloads: {}",
                    p.payload_types
                        .iter()
                        .map(|t| crate::sanitize::name(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            (
                severity,
                format!(
                    "{what} is installed on this iPhone: \"{name}\"{}",
                    org.as_ref()
                        .map(|o| format!(" from \"{o}\""))
                        .unwrap_or_default()
                ),
                format!(
                    "Someone may be able to see or control this phone's traffic. This profile installs {}. Profiles like this are normal on a phone from an employer or school; on a personal phone that nobody manages, they are worth asking about: does it belong to an employer or school?",
                    powers.join("; and ")
                ),
                signature,
            )
        }
    };
    let mut next_steps = vec![format!(
        "Go through the profile with the client (Settings, General, VPN & Device Management): {}",
        PROFILE_QUESTIONS.join(" ")
    )];
    next_steps.push(SAFETY_STEP.into());
    next_steps.push(EVIDENCE_STEP.into());
    Some(Finding {
        id: String::new(),
        category: if p.profile == IosProfileKind::Provisioning {
            Category::PhoneApp
        } else {
            Category::PhoneSetting
        },
        severity,
        signature: signature.into(),
        title,
        subject,
        first_seen: t,
        last_seen: t,
        evidence,
        evidence_dropped: 0,
        meaning,
        confidence: Confidence {
            level: Level::High,
            text: if p.file.starts_with("provisioning.plist") {
                "The profile is installed (read from the phone over USB); whether it is unwanted, only the client can say.".into()
            } else {
                "The profile is installed (read from the phone's backup); whether it is unwanted, only the client can say.".into()
            },
        },
        next_steps,
        recognised: None,
        signal: Vec::new(),
        indicators: Vec::new(),
        indicators_dropped: 0,
    })
}

/// `found_in` of an app read live (installation_proxy).
pub const LIVE_FOUND_IN: &str = "installation-proxy";

/// Where an app was seen, for the evidence.
fn where_found(a: &IosApp) -> String {
    if a.found_in.iter().any(|f| f == LIVE_FOUND_IN) {
        "is installed on the phone (its app list, read over USB)".into()
    } else {
        format!("is in the backup's app list ({})", a.found_in.join(", "))
    }
}

fn listed_app(t: Timestamp, a: &IosApp, e: &Entry, subject: Subject) -> Finding {
    let bundle = crate::sanitize::name(&a.bundle_id);
    let stalkerware = e.category == Category::Stalkerware;
    let mut next_steps = vec![format!(
        "Go through the app with the client: {}",
        APP_QUESTIONS.join(" ")
    )];
    next_steps.extend(e.next_steps.iter().cloned());
    next_steps.push(SAFETY_STEP.into());
    next_steps.push(APP_EVIDENCE_STEP.into());
    Finding {
        id: String::new(),
        category: e.category,
        severity: if stalkerware {
            Severity::High
        } else {
            e.severity
        },
        signature: e.id.clone(),
        title: if stalkerware {
            format!("The stalkerware app {} is installed on this iPhone", e.name)
        } else {
            format!("{} is installed on this iPhone", e.name)
        },
        subject,
        first_seen: t,
        last_seen: t,
        evidence: vec![Evidence {
            t: Some(t),
            text: format!(
                "{bundle}{} {}",
                a.name
                    .as_deref()
                    .map(|n| format!(" (\"{}\")", crate::sanitize::name(n)))
                    .unwrap_or_default(),
                where_found(a)
            ),
        }],
        evidence_dropped: 0,
        meaning: e.meaning.clone(),
        confidence: Confidence {
            level: Level::High,
            text: if a.found_in.iter().any(|f| f == LIVE_FOUND_IN) {
                "The app's bundle id is on the list; the app is installed on the phone (read over USB).".into()
            } else {
                "The app's bundle id is on the list; the app is in the phone's backup.".into()
            },
        },
        next_steps,
        recognised: None,
        signal: Vec::new(),
        indicators: vec![Indicator {
            kind: IndicatorType::Package,
            value: bundle,
            listed: a.bundle_id.clone(),
            matched: e.id.clone(),
            count: 1,
        }],
        indicators_dropped: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    #[test]
    fn age_is_judged_against_the_given_time() {
        // iOS 17 came out 2023-09-18: iOS 16 is a year behind from 2024-09-18 on.
        assert_eq!(behind("16.7.2", at("2024-09-01T00:00:00Z")), None);
        assert_eq!(
            behind("16.7.2", at("2024-10-01T00:00:00Z")),
            Some((16, 17, "2023-09-18"))
        );
        assert_eq!(behind("26.1", at("2030-01-01T00:00:00Z")), None);
        assert_eq!(behind("not a version", at("2030-01-01T00:00:00Z")), None);
    }

    #[test]
    fn checklist_names_safety_check_and_find_my() {
        let c = account_checklist();
        assert!(c.contains("Safety Check (iOS 16 and later)"));
        assert!(c.contains("Find My"));
        assert!(c.contains("Family Sharing"));
    }
}
