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

mod findings;
mod items;
pub use findings::*;
pub use items::*;

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
