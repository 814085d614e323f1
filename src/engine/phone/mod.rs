//! The Android app check: installed apps matched against stalkerware apps (package name,
//! signing certificate, APK SHA-256), leads from the powers apps hold and where they were
//! installed from, and phone-wide signs (verification off, owners, root, old patches).
//!
//! Rules (docs/android.md):
//! - package, certificate SHA-1 or APK SHA-256 listed for a stalkerware app: **high**;
//! - an enabled accessibility service, an active device administrator or an enabled
//!   notification listener (hidden from the launcher or not), installed from outside a
//!   store: **medium**; the same from a store: **low**; from the system image: no lead;
//! - installed from outside a store without such powers: **info**;
//! - a dual-use app (family locator, anti-theft, parental control): the list's severity
//!   (info/low), worded neutrally, raised to the powers' severity when higher;
//! - phone-wide: verification off, device/profile owner, root signs (medium), unlocked
//!   bootloader, security patch older than a year (low).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::engine::Context;
use crate::engine::capped::{CappedMap, Phones, Seen, SeenIn};
use crate::engine::finding::{
    Category, Confidence, DeviceKind, Evidence, Finding, Indicator, IndicatorType, Level, Severity,
    Subject,
};
use crate::engine::phone_texts as texts;
use crate::observation::{
    AndroidApp, AndroidDevice, AndroidOwner, AndroidPart, AndroidPartKind, AndroidSettings,
    Observation, OwnerRole, PartState, Timestamp,
};
use crate::signatures::{Entry, MatchRule, SignatureSet};

mod apps;
mod settings;

/// Most apps kept per phone and phones per scan (a hostile snapshot cannot grow memory).
pub const MAX_APPS: usize = 20_000;
pub const MAX_PHONES: usize = 64;

/// App stores: an app installed by one of these came through a store's review.
pub const STORES: &[(&str, &str)] = &[
    ("com.android.vending", "Google Play Store"),
    ("com.google.android.feedback", "Google Play Store"),
    ("com.amazon.venezia", "Amazon Appstore"),
    ("com.sec.android.app.samsungapps", "Samsung Galaxy Store"),
    ("com.huawei.appmarket", "Huawei AppGallery"),
    ("com.xiaomi.market", "Xiaomi GetApps"),
    ("com.xiaomi.mipicks", "Xiaomi GetApps"),
    ("com.heytap.market", "OPPO App Market"),
    ("com.oppo.market", "OPPO App Market"),
    ("com.bbk.appstore", "vivo App Store"),
];

/// Open-source catalogues: outside the big stores, but not where stalkerware comes from.
pub const OPEN_STORES: &[(&str, &str)] = &[
    ("org.fdroid.fdroid", "F-Droid"),
    ("org.fdroid.basic", "F-Droid"),
    ("com.looker.droidify", "Droid-ify (F-Droid)"),
    ("com.aurora.store", "Aurora Store (Google Play)"),
];

/// Installers that mean "someone opened an APK file" or "installed from a computer".
pub const SIDELOADERS: &[(&str, &str)] = &[
    (
        "com.google.android.packageinstaller",
        "the package installer (an APK file opened on the phone)",
    ),
    (
        "com.android.packageinstaller",
        "the package installer (an APK file opened on the phone)",
    ),
    (
        "com.samsung.android.packageinstaller",
        "the package installer (an APK file opened on the phone)",
    ),
    ("com.android.shell", "a computer over USB (adb install)"),
];

/// Root managers and their packages.
pub const ROOT_PACKAGES: &[(&str, &str)] = &[
    ("com.topjohnwu.magisk", "Magisk"),
    ("io.github.huskydg.magisk", "Magisk (Delta)"),
    ("me.weishu.kernelsu", "KernelSU"),
    ("me.bmax.apatch", "APatch"),
    ("eu.chainfire.supersu", "SuperSU"),
    ("com.noshufou.android.su", "Superuser"),
    ("com.koushikdutta.superuser", "Superuser"),
    ("com.kingroot.kinguser", "KingRoot"),
    ("com.kingo.root", "KingoRoot"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    System,
    Store,
    OpenStore,
    Outside,
}

#[derive(Debug)]
struct Phone {
    device: Option<AndroidDevice>,
    seen: Seen,
    settings: AndroidSettings,
    owners: BTreeMap<(OwnerRole, String), (Timestamp, AndroidOwner)>,
    apps: CappedMap<String, (Timestamp, AndroidApp)>,
    parts: BTreeMap<AndroidPartKind, AndroidPart>,
}

impl Default for Phone {
    fn default() -> Self {
        Self {
            device: None,
            seen: Seen::default(),
            settings: AndroidSettings::default(),
            owners: BTreeMap::new(),
            apps: CappedMap::new(MAX_APPS),
            parts: BTreeMap::new(),
        }
    }
}

impl SeenIn for Phone {
    fn seen_mut(&mut self) -> &mut Seen {
        &mut self.seen
    }
}

/// The app-check part of the engine.
pub struct PhoneState {
    entries: Vec<Entry>,
    packages: HashMap<String, usize>,
    certs: HashMap<String, usize>,
    apks: HashMap<String, usize>,
    /// Dual-use apps (category phone-app): package → entry.
    dual: HashMap<String, usize>,
    phones: Phones<Phone>,
}

/// A certificate fingerprint as lists hold it: upper-case hex, no colons or spaces.
pub fn norm_cert(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_uppercase()
}

impl PhoneState {
    pub fn new(sigs: &SignatureSet) -> Self {
        let mut s = Self {
            entries: Vec::new(),
            packages: HashMap::new(),
            certs: HashMap::new(),
            apks: HashMap::new(),
            dual: HashMap::new(),
            phones: Phones::new(MAX_PHONES),
        };
        for e in &sigs.entries {
            let MatchRule::App {
                packages,
                certificates,
                apk_sha256,
            } = &e.rule
            else {
                continue;
            };
            let i = s.entries.len();
            s.entries.push(e.clone());
            if e.category == Category::Stalkerware {
                for p in packages {
                    s.packages.entry(p.trim().to_string()).or_insert(i);
                }
                for c in certificates {
                    s.certs.entry(norm_cert(c)).or_insert(i);
                }
                for h in apk_sha256 {
                    s.apks.entry(h.trim().to_ascii_lowercase()).or_insert(i);
                }
            } else {
                for p in packages {
                    s.dual.entry(p.trim().to_string()).or_insert(i);
                }
            }
        }
        s
    }

    fn phone(&mut self, serial: &str, t: Timestamp) -> Option<&mut Phone> {
        self.phones.phone(serial, t)
    }

    pub fn ingest(&mut self, t: Timestamp, obs: &Observation, _ctx: &Context) {
        match obs {
            Observation::AndroidDevice(d) => {
                if let Some(p) = self.phone(&d.serial, t) {
                    p.device = Some(d.clone());
                }
            }
            Observation::AndroidSettings(s) => {
                if let Some(p) = self.phone(&s.serial, t) {
                    p.settings.global.extend(s.global.clone());
                    p.settings.secure.extend(s.secure.clone());
                    p.settings.system.extend(s.system.clone());
                }
            }
            Observation::AndroidOwner(o) => {
                if let Some(p) = self.phone(&o.serial, t) {
                    p.owners.insert((o.role, o.package.clone()), (t, o.clone()));
                }
            }
            Observation::AndroidApp(a) => {
                if let Some(p) = self.phone(&a.serial, t) {
                    p.apps.insert(a.package.clone(), (t, (**a).clone()));
                }
            }
            Observation::AndroidPart(x) => {
                if let Some(p) = self.phone(&x.serial, t) {
                    p.parts.insert(x.part, x.clone());
                }
            }
            _ => {}
        }
    }

    /// Phones forgotten because of the caps.
    pub fn dropped(&self) -> u64 {
        self.phones.dropped() + self.phones.values().map(|p| p.apps.dropped()).sum::<u64>()
    }

    /// How each part of the check went, per phone serial (for the coverage account).
    pub fn parts(&self) -> BTreeMap<String, Vec<AndroidPart>> {
        self.phones
            .iter()
            .map(|(s, p)| (s.clone(), p.parts.values().cloned().collect()))
            .collect()
    }

    /// Each phone checked (for the reports' "devices examined"): serial, what the phone
    /// said about itself, how many apps were read, and when.
    pub fn examined(&self) -> Vec<(&str, Option<&AndroidDevice>, usize, Option<Timestamp>)> {
        self.phones
            .iter()
            .map(|(s, p)| (s.as_str(), p.device.as_ref(), p.apps.len(), p.seen.first))
            .collect()
    }

    /// How many apps were looked at, per phone serial.
    pub fn app_counts(&self) -> BTreeMap<String, usize> {
        self.phones
            .iter()
            .map(|(s, p)| (s.clone(), p.apps.len()))
            .collect()
    }

    pub fn findings(&self, out: &mut Vec<Finding>) {
        let mut n = 0usize;
        for (serial, phone) in &self.phones {
            let mut next_id = || {
                n += 1;
                format!("phone-{n}")
            };
            let subject = |package: Option<&str>| Subject {
                kind: DeviceKind::Phone,
                serial: Some(serial.clone()),
                model: phone.device.as_ref().and_then(|d| d.model.clone()),
                android_version: phone
                    .device
                    .as_ref()
                    .and_then(|d| d.android_version.clone()),
                package: package.map(str::to_string),
                ..Default::default()
            };
            for (t, app) in phone.apps.values() {
                if let Some(f) = self.app_finding(*t, app, &subject, &mut next_id) {
                    out.push(f);
                }
            }
            self.phone_findings(phone, &subject, &mut next_id, out);
        }
    }
}

/// One line of "what was not checked" for a phone's part: "Not checked apps: why" or
/// "Partly checked ...", the reason (which may echo the phone's own words) cleaned for the
/// terminal. Shared by the Android and iPhone checks.
pub(crate) fn part_line(
    state: crate::observation::PartState,
    name: &str,
    reason: Option<&str>,
) -> String {
    format!(
        "{} {name}: {}",
        match state {
            crate::observation::PartState::Partial => "Partly checked",
            _ => "Not checked",
        },
        crate::sanitize::message(reason.unwrap_or("no reason given"))
    )
}

#[cfg(test)]
mod part_line_tests {
    use super::part_line;
    use crate::observation::PartState;

    #[test]
    fn a_parts_reason_from_the_phone_is_cleaned_for_the_terminal() {
        let l = part_line(
            PartState::NotDone,
            "apps",
            Some("`pm list` exited with code 1: \u{1b}[2Jgone"),
        );
        assert_eq!(l, "Not checked apps: `pm list` exited with code 1: gone");
        assert_eq!(
            part_line(PartState::Partial, "apps", None),
            "Partly checked apps: no reason given"
        );
    }
}
