//! The iPhone findings of one phone: profiles, apps against the lists, jailbreak signs, an
//! old iOS and, live over USB only, supervision, Developer Mode and parts not done.

use super::*;

impl IphoneState {
    pub(super) fn phone_findings(&self, phone: &Phone, out: &mut Vec<Finding>) {
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
                    crate::engine::phone::part_line(
                        p.state,
                        p.part.plain_name(),
                        p.reason.as_deref(),
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
pub(super) fn simple(
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

/// The major version of a phone that is more than a year behind at `at`: (its major, the
/// next major, the day the next came out).
pub fn behind(version: &str, at: Timestamp) -> Option<(u32, u32, &'static str)> {
    let major: u32 = version.trim().split('.').next()?.parse().ok()?;
    let (next, day) = IOS_RELEASES.iter().find(|(m, _)| *m > major)?;
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let released = date.and_hms_opt(0, 0, 0)?.and_utc();
    (at - released > chrono::Duration::days(365)).then_some((major, *next, *day))
}
