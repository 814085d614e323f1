//! The Android findings about the phone as a whole: verification off, device or profile
//! owners, root signs, an unlocked bootloader, an old security patch, parts not done.

use super::*;

impl PhoneState {
    pub(super) fn phone_findings(
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
            .map(|p| super::part_line(p.state, p.part.plain_name(), p.reason.as_deref()))
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
