//! One finding per profile or app: a configuration or provisioning profile, an app signed
//! outside the App Store, an app on the stalkerware or dual-use lists.

use super::*;

/// An app signed for a company or by a developer (medium), or a TestFlight test version
/// (low), as installation_proxy reports it.
pub(super) fn signer_finding(t: Timestamp, a: &IosApp, subject: Subject) -> Option<Finding> {
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

pub(super) fn profile_finding(t: Timestamp, p: &IosProfile, subject: Subject) -> Option<Finding> {
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
pub(super) fn where_found(a: &IosApp) -> String {
    if a.found_in.iter().any(|f| f == LIVE_FOUND_IN) {
        "is installed on the phone (its app list, read over USB)".into()
    } else {
        format!("is in the backup's app list ({})", a.found_in.join(", "))
    }
}

pub(super) fn listed_app(t: Timestamp, a: &IosApp, e: &Entry, subject: Subject) -> Finding {
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
