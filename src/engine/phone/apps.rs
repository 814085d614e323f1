//! The Android findings about each app: listed stalkerware (package, certificate, APK
//! hash), dual-use apps, and leads from an app's powers and where it was installed from.

use super::*;

impl PhoneState {
    pub(super) fn app_finding(
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
