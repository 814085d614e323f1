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

    fn app_finding(
        &self,
        t: Timestamp,
        app: &AndroidApp,
        subject: &dyn Fn(Option<&str>) -> Subject,
        next_id: &mut dyn FnMut() -> String,
    ) -> Option<Finding> {
        let origin = origin(app);
        let mut evidence = app_evidence(t, app, origin);
        // 1. Listed stalkerware: package, certificate or APK hash.
        let mut matched: BTreeMap<usize, Vec<Indicator>> = BTreeMap::new();
        if let Some(&i) = self.packages.get(&app.package) {
            matched.entry(i).or_default().push(Indicator {
                kind: IndicatorType::Package,
                value: app.package.clone(),
                listed: app.package.clone(),
                matched: self.entries[i].id.clone(),
                count: 1,
            });
        }
        for c in &app.cert_sha1 {
            if let Some(&i) = self.certs.get(&norm_cert(c)) {
                matched.entry(i).or_default().push(Indicator {
                    kind: IndicatorType::Certificate,
                    value: c.clone(),
                    listed: norm_cert(c),
                    matched: self.entries[i].id.clone(),
                    count: 1,
                });
            }
        }
        if let Some(h) = &app.apk_sha256
            && let Some(&i) = self.apks.get(&h.to_ascii_lowercase())
        {
            matched.entry(i).or_default().push(Indicator {
                kind: IndicatorType::ApkSha256,
                value: h.clone(),
                listed: h.to_ascii_lowercase(),
                matched: self.entries[i].id.clone(),
                count: 1,
            });
        }
        if let Some((&i, indicators)) = matched.iter().next() {
            let e = &self.entries[i];
            let how: Vec<String> = indicators
                .iter()
                .map(|x| match x.kind {
                    IndicatorType::Package => format!("its package name {} is listed", x.value),
                    IndicatorType::Certificate => format!(
                        "it is signed with the certificate {} that {} is signed with",
                        x.listed, e.name
                    ),
                    _ => format!(
                        "its APK file (SHA-256 {}) is a known {} file",
                        x.value, e.name
                    ),
                })
                .collect();
            evidence.insert(
                0,
                Evidence {
                    t: Some(t),
                    text: format!(
                        "Matched {} on the stalkerware list: {}.",
                        e.name,
                        how.join("; ")
                    ),
                },
            );
            let renamed = !indicators.iter().any(|x| x.kind == IndicatorType::Package);
            let powers = powers(app);
            let mut meaning = format!(
                "{} This app on the phone is {}{}.",
                e.meaning,
                e.name,
                if renamed {
                    format!(
                        " under another package name ({}): stalkerware vendors rename their app for each customer, the signing certificate stays",
                        app.package
                    )
                } else {
                    String::new()
                }
            );
            if !powers.is_empty() {
                meaning.push_str(&format!(" On this phone it {}.", powers.join(", and ")));
            }
            return Some(Finding {
                id: next_id(),
                category: Category::Stalkerware,
                severity: Severity::High,
                signature: e.id.clone(),
                title: format!(
                    "The stalkerware app {} is installed ({})",
                    e.name, app.package
                ),
                subject: subject(Some(&app.package)),
                first_seen: t,
                last_seen: t,
                evidence,
                evidence_dropped: 0,
                meaning,
                confidence: Confidence {
                    level: Level::High,
                    text: if renamed {
                        "The app's signing certificate or its APK file is on Echap's stalkerware list: only the vendor holds that key.".into()
                    } else {
                        "The app's package name is on Echap's stalkerware list.".into()
                    },
                },
                next_steps: e.next_steps.clone(),
                recognised: None,
                signal: Vec::new(),
                indicators: indicators.clone(),
                indicators_dropped: 0,
            });
        }
        if origin == Origin::System {
            return None;
        }
        // 2. Leads: powers and where the app came from; dual-use apps.
        let powers = powers(app);
        let lead = match (powers.is_empty(), origin) {
            (false, Origin::Outside) => Some(Severity::Medium),
            (false, _) => Some(Severity::Low),
            (true, Origin::Outside | Origin::OpenStore) => Some(Severity::Info),
            (true, _) => None,
        };
        let dual = self.dual.get(&app.package).map(|&i| &self.entries[i]);
        let severity = match (lead, dual) {
            (Some(a), Some(d)) => a.min(d.severity),
            (Some(a), None) => a,
            (None, Some(d)) => d.severity,
            (None, None) => return None,
        };
        let from = installer_words(app, origin);
        let who = app.label.clone().unwrap_or_else(|| app.package.clone());
        let (title, mut meaning, signature) = if let Some(d) = dual {
            (
                d.title
                    .clone()
                    .unwrap_or_else(|| format!("{} is installed", d.name)),
                d.meaning.clone(),
                d.id.clone(),
            )
        } else if powers.is_empty() {
            (
                format!("App installed from outside an app store: {who}"),
                format!(
                    "This app was installed by {from}, not from an app store. Many ordinary apps come this way (F-Droid, a messenger's own download, a work app), and it holds none of the powers stalkerware relies on. It is listed so the client can say whether they know it."
                ),
                "phone.app.outside-store".to_string(),
            )
        } else {
            (
                if origin == Origin::Outside {
                    format!("App with special powers installed from outside an app store: {who}")
                } else {
                    format!("Store app with special powers: {who}")
                },
                format!(
                    "This app {}. It was installed by {from}. Stalkerware needs exactly these powers, but so do some legitimate apps (password managers, smartwatch companions, accessibility tools). Did the client install it, and does the client know what it is for?",
                    powers.join(", and ")
                ),
                if origin == Origin::Outside {
                    "phone.app.powers-outside-store".to_string()
                } else {
                    "phone.app.powers-store".to_string()
                },
            )
        };
        if dual.is_some() && !powers.is_empty() {
            meaning.push_str(&format!(
                " On this phone it {}; it was installed by {from}.",
                powers.join(", and ")
            ));
        }
        let mut next_steps = vec![texts::REVIEW_STEP.to_string()];
        if severity.at_least(Severity::Low) {
            next_steps.push(texts::SAFETY_STEP.to_string());
            next_steps.push(texts::EVIDENCE_STEP.to_string());
        }
        if let Some(d) = dual {
            for s in &d.next_steps {
                if !next_steps.contains(s) {
                    next_steps.push(s.clone());
                }
            }
        }
        Some(Finding {
            id: next_id(),
            category: Category::PhoneApp,
            severity,
            signature,
            title,
            subject: subject(Some(&app.package)),
            first_seen: t,
            last_seen: t,
            evidence,
            evidence_dropped: 0,
            meaning,
            confidence: Confidence {
                level: Level::Low,
                text:
                    "A lead to ask about, not a verdict: nothing here says the app is stalkerware."
                        .into(),
            },
            next_steps,
            recognised: None,
            signal: Vec::new(),
            indicators: Vec::new(),
            indicators_dropped: 0,
        })
    }

    fn phone_findings(
        &self,
        phone: &Phone,
        subject: &dyn Fn(Option<&str>) -> Subject,
        next_id: &mut dyn FnMut() -> String,
        out: &mut Vec<Finding>,
    ) {
        let Some(t) = phone.seen.last else { return };
        let setting = |severity: Severity,
                       signature: &str,
                       title: String,
                       evidence: Vec<String>,
                       meaning: String,
                       next_steps: Vec<String>,
                       id: String| Finding {
            id,
            category: Category::PhoneSetting,
            severity,
            signature: signature.to_string(),
            title,
            subject: subject(None),
            first_seen: phone.seen.first.unwrap_or(t),
            last_seen: t,
            evidence: evidence
                .into_iter()
                .map(|text| Evidence { t: Some(t), text })
                .collect(),
            evidence_dropped: 0,
            meaning,
            confidence: Confidence {
                level: Level::Medium,
                text: "Read from the phone's own settings and state.".into(),
            },
            next_steps,
            recognised: None,
            signal: Vec::new(),
            indicators: Vec::new(),
            indicators_dropped: 0,
        };
        let ask = |s: &str| vec![s.to_string(), texts::SAFETY_STEP.to_string()];
        // Verification off.
        let off: Vec<String> = [
            "package_verifier_enable",
            "verifier_verify_adb_installs",
            "upload_apk_enable",
        ]
        .iter()
        .filter(|k| {
            phone
                .settings
                .global
                .get(**k)
                .is_some_and(|v| v.trim() == "0")
        })
        .map(|k| format!("Setting {k} = 0"))
        .collect();
        if !off.is_empty() {
            out.push(setting(
                Severity::Medium,
                "phone.setting.verifier-off",
                "App checks by Google Play Protect are turned off".into(),
                off,
                "Play Protect normally checks apps as they are installed, including apps installed from a computer. Someone installing stalkerware often turns this off first, so the phone does not warn about it. The client may also have turned it off themselves.".into(),
                ask("Ask the client whether they turned off Play Protect (Play Store, profile, Play Protect)."),
                next_id(),
            ));
        }
        // Owners.
        for (_, o) in phone.owners.values() {
            let (title, meaning) = match o.role {
                OwnerRole::DeviceOwner => (
                    format!("This phone is managed by an app: {}", o.package),
                    "A device owner can control nearly everything on the phone: install apps silently, see its location, lock it and read its network traffic. Phones from an employer or a school are often managed like this; a personal phone normally is not. Does the client recognise who manages it?".to_string(),
                ),
                OwnerRole::ProfileOwner => (
                    format!("A profile on this phone is managed by an app: {}", o.package),
                    "A profile owner controls one profile on the phone (often a work profile). It can see and control the apps in that profile. Does the client have a work profile, and do they recognise this app?".to_string(),
                ),
            };
            let mut ev = vec![format!("Managing app: {}", o.package)];
            if let Some(c) = &o.component {
                ev.push(format!("Component: {c}"));
            }
            if let Some(u) = o.user {
                ev.push(format!("User: {u}"));
            }
            out.push(setting(
                Severity::Medium,
                match o.role {
                    OwnerRole::DeviceOwner => "phone.setting.device-owner",
                    OwnerRole::ProfileOwner => "phone.setting.profile-owner",
                },
                title,
                ev,
                meaning,
                ask("Ask the client whether the phone came from an employer or school, or whether they set up this management themselves."),
                next_id(),
            ));
        }
        // Root signs.
        let props = phone.device.as_ref().map(|d| &d.props);
        let prop = |k: &str| props.and_then(|p| p.get(k)).map(|s| s.trim().to_string());
        let mut root = Vec::new();
        for (pkg, name) in ROOT_PACKAGES {
            if phone.apps.contains_key(*pkg) {
                root.push(format!("The root manager {name} is installed ({pkg})"));
            }
        }
        if prop("ro.debuggable").as_deref() == Some("1") {
            root.push("ro.debuggable = 1 (a debug build of Android)".into());
        }
        if prop("ro.build.tags").is_some_and(|t| t.contains("test-keys")) {
            root.push("ro.build.tags contains test-keys (not an official build)".into());
        }
        if !root.is_empty() {
            out.push(setting(
                Severity::Medium,
                "phone.setting.root",
                "Signs that the phone is rooted".into(),
                root,
                "A rooted phone lets apps get around Android's protections: stalkerware with root can read other apps' messages and hide itself. Some people root their own phone on purpose. Ask the client whether they did.".into(),
                ask("Ask the client whether they, or someone else, rooted or modified this phone."),
                next_id(),
            ));
        }
        let mut unlocked = Vec::new();
        if let Some(s) =
            prop("ro.boot.verifiedbootstate").filter(|s| s == "orange" || s == "yellow")
        {
            unlocked.push(format!("ro.boot.verifiedbootstate = {s}"));
        }
        if prop("ro.boot.flash.locked").as_deref() == Some("0") {
            unlocked.push("ro.boot.flash.locked = 0 (bootloader unlocked)".into());
        }
        if prop("ro.boot.vbmeta.device_state").as_deref() == Some("unlocked") {
            unlocked.push("ro.boot.vbmeta.device_state = unlocked".into());
        }
        if !unlocked.is_empty() {
            out.push(setting(
                Severity::Low,
                "phone.setting.bootloader-unlocked",
                "The phone's system can be modified (bootloader unlocked)".into(),
                unlocked,
                "With the bootloader unlocked, someone with the phone in their hands can replace parts of Android, for example to root it. Phones sold unlocked and people who install their own system have it on purpose.".into(),
                ask("Ask the client whether they had the phone's system changed or bought it second-hand."),
                next_id(),
            ));
        }
        // Old security patch.
        if let Some(patch) = phone
            .device
            .as_ref()
            .and_then(|d| d.security_patch.as_deref())
            && let Ok(day) = chrono::NaiveDate::parse_from_str(patch.trim(), "%Y-%m-%d")
        {
            let age = t.date_naive().signed_duration_since(day).num_days();
            if age > 365 {
                out.push(setting(
                    Severity::Low,
                    "phone.setting.old-patch",
                    "The phone has not had a security update for more than a year".into(),
                    vec![format!(
                        "Security patch level {patch}: {} days before this check",
                        age
                    )],
                    "Old phones miss fixes for known weaknesses, which makes them easier to break into. This is common and not a sign of stalking on its own.".into(),
                    vec!["If the phone can still be updated (Settings, System, Software update), suggest it once the safety plan allows.".into()],
                    next_id(),
                ));
            }
        }
        // Parts not done.
        let missing: Vec<String> = phone
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
                    p.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .collect();
        let never: Vec<String> = AndroidPartKind::ALL
            .iter()
            .filter(|k| !phone.parts.contains_key(k))
            .map(|k| format!("Not checked {}: no record of this part", k.plain_name()))
            .collect();
        if !missing.is_empty() || (!never.is_empty() && !phone.parts.is_empty()) {
            let mut ev = missing;
            if !phone.parts.is_empty() {
                ev.extend(never);
            }
            out.push(setting(
                Severity::Info,
                "phone.check.incomplete",
                "Part of the phone app check was not done".into(),
                ev,
                format!(
                    "What was not checked cannot be ruled out. {}",
                    texts::NO_MATCH_TEXT
                ),
                vec!["If it is safe and the client agrees, connect the phone again and repeat the check (sweep scan --android).".into()],
                next_id(),
            ));
        }
    }
}

/// Where an app came from.
fn origin(app: &AndroidApp) -> Origin {
    if app.system {
        return Origin::System;
    }
    match app.installer.as_deref() {
        Some(i) if STORES.iter().any(|(p, _)| *p == i) => Origin::Store,
        Some(i) if OPEN_STORES.iter().any(|(p, _)| *p == i) => Origin::OpenStore,
        _ => Origin::Outside,
    }
}

fn installer_words(app: &AndroidApp, origin: Origin) -> String {
    let Some(i) = app.installer.as_deref() else {
        return if origin == Origin::System {
            "the phone's maker (system image)".into()
        } else {
            "an unknown installer (none was recorded: often an install from a computer)".into()
        };
    };
    STORES
        .iter()
        .chain(OPEN_STORES)
        .chain(SIDELOADERS)
        .find(|(p, _)| *p == i)
        .map(|(_, w)| format!("{w} ({i})"))
        .unwrap_or_else(|| format!("another app ({i})"))
}

/// The powers an app holds, in plain words.
fn powers(app: &AndroidApp) -> Vec<String> {
    let mut out = Vec::new();
    if !app.accessibility.is_empty() {
        out.push(texts::POWER_ACCESSIBILITY.to_string());
    }
    if !app.device_admin.is_empty() {
        out.push(texts::POWER_ADMIN.to_string());
    }
    if !app.notification_listener.is_empty() {
        out.push(texts::POWER_LISTENER.to_string());
    }
    if !out.is_empty() && app.launcher == Some(false) {
        out.push(texts::POWER_HIDDEN.to_string());
    }
    out
}

/// Per-app evidence: what an advocate needs (install times matter).
fn app_evidence(t: Timestamp, app: &AndroidApp, origin: Origin) -> Vec<Evidence> {
    let mut ev = Vec::new();
    let mut push = |s: String| {
        ev.push(Evidence {
            t: Some(t),
            text: s,
        })
    };
    match &app.label {
        Some(l) => push(format!("App: {l} ({})", app.package)),
        None => push(format!("Package: {}", app.package)),
    }
    push(format!("Installed by: {}", installer_words(app, origin)));
    if let Some(f) = &app.first_install {
        push(format!("First installed: {f} (the phone's clock)"));
    }
    if let Some(u) = &app.last_update {
        push(format!("Last updated: {u} (the phone's clock)"));
    }
    match (&app.version_name, app.version_code) {
        (Some(n), Some(c)) => push(format!("Version: {n} ({c})")),
        (Some(n), None) => push(format!("Version: {n}")),
        (None, Some(c)) => push(format!("Version code: {c}")),
        _ => {}
    }
    let mut powers = BTreeSet::new();
    for c in &app.accessibility {
        powers.insert(format!("accessibility service {c} (enabled)"));
    }
    for c in &app.device_admin {
        powers.insert(format!("device administrator {c} (active)"));
    }
    for c in &app.notification_listener {
        powers.insert(format!("notification listener {c} (enabled)"));
    }
    if !powers.is_empty() {
        push(format!(
            "Powers: {}",
            powers.into_iter().collect::<Vec<_>>().join("; ")
        ));
    }
    match app.launcher {
        Some(true) => push("Has an icon in the app list".into()),
        Some(false) => push("No icon in the app list".into()),
        None => {}
    }
    if app.disabled {
        push("The app is disabled".into());
    }
    if !app.dangerous_permissions.is_empty() {
        push(format!(
            "Dangerous permissions granted: {}",
            app.dangerous_permissions
                .iter()
                .map(|p| p.trim_start_matches("android.permission."))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for c in &app.cert_sha1 {
        push(format!("Signing certificate SHA-1: {c}"));
    }
    if let Some(e) = &app.apk_error {
        // Not a silent gap: the certificate (or hash) check could not be made for this app.
        push(format!(
            "APK not fully read (signing certificate or hash not checked): {}",
            crate::sanitize::clean(e, 300)
        ));
    }
    if let Some(h) = &app.apk_sha256 {
        push(format!("APK SHA-256: {h}"));
    }
    ev
}
