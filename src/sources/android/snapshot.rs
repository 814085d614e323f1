//! A phone's snapshot folder (`android/<serial>/`, written by `sweep scan --android`) or an
//! AndroidQF output folder, read into observations. Live and `--from` both end here, so
//! they give the same findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::AndroidError;
use super::parse::{self, ApkRecord, PackageInfo, Parsed};
use crate::observation::{
    AndroidApp, AndroidDevice, AndroidOwner, AndroidPart, AndroidPartKind, AndroidSettings,
    Observation, OwnerRole, PartState, Record, Timestamp,
};
pub use crate::sources::snapshot_files::FileRecord;
use crate::sources::snapshot_files::{SnapshotFileError, read_capped};

/// The files of a snapshot folder, one per part (plus `manifest.json`).
pub const FILES: &[(AndroidPartKind, &str)] = &[
    (AndroidPartKind::Getprop, "getprop.txt"),
    (AndroidPartKind::Packages, "dumpsys-package.txt"),
    (AndroidPartKind::Accessibility, "dumpsys-accessibility.txt"),
    (AndroidPartKind::DevicePolicy, "dumpsys-device_policy.txt"),
    (
        AndroidPartKind::NotificationListeners,
        "notification-listeners.txt",
    ),
    (AndroidPartKind::SettingsGlobal, "settings-global.txt"),
    (AndroidPartKind::SettingsSecure, "settings-secure.txt"),
    (AndroidPartKind::SettingsSystem, "settings-system.txt"),
    (AndroidPartKind::LauncherApps, "launcher-apps.txt"),
    (AndroidPartKind::Apks, "apks.json"),
];

pub const MANIFEST: &str = "manifest.json";

/// AndroidQF's files that sweep reads.
pub const ANDROIDQF_FILES: &[&str] = &[
    "acquisition.json",
    "packages.json",
    "getprop.txt",
    "dumpsys.txt",
    "settings_global.txt",
    "settings_secure.txt",
    "settings_system.txt",
];

/// Most bytes read from one raw output (a whole `dumpsys package` is a few MB).
pub const MAX_FILE: u64 = 256 * 1024 * 1024;

/// Settings the engine looks at (the others stay in the raw files, as evidence).
pub const SETTINGS_OF_INTEREST: &[(&str, &str)] = &[
    ("global", "package_verifier_enable"),
    ("global", "verifier_verify_adb_installs"),
    ("global", "upload_apk_enable"),
    ("global", "package_verifier_user_consent"),
    ("global", "package_verifier_state"),
    ("global", "adb_enabled"),
    ("global", "development_settings_enabled"),
    ("global", "install_non_market_apps"),
    ("secure", "install_non_market_apps"),
    ("secure", "enabled_accessibility_services"),
    ("secure", "accessibility_enabled"),
    ("secure", "enabled_notification_listeners"),
];

/// Properties kept in the device observation.
pub const PROPS_OF_INTEREST: &[&str] = &[
    "ro.build.type",
    "ro.build.tags",
    "ro.build.fingerprint",
    "ro.debuggable",
    "ro.secure",
    "ro.boot.verifiedbootstate",
    "ro.boot.flash.locked",
    "ro.boot.vbmeta.device_state",
    "ro.boot.warranty_bit",
    "persist.sys.timezone",
];

/// `manifest.json` of a snapshot folder.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    /// The collection stopped early (phone disconnected); what was collected is kept.
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub commands: Vec<CommandRecord>,
    #[serde(default)]
    pub files: Vec<FileRecord>,
}

/// One command run on the phone (every one is read-only; see docs/android.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommandRecord {
    pub command: String,
    /// The file its output went to (absent for APK pulls and hashes, which go to apks.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Exit code, when the phone's shell reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// What went wrong (the phone disconnected, the command failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What kind of folder this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// sweep's own `android/<serial>/`.
    Sweep,
    /// AndroidQF's output folder.
    AndroidQf,
}

/// Which layout a folder has, if any.
pub fn layout(dir: &Path) -> Option<Layout> {
    if dir.join("packages.json").is_file() || dir.join("dumpsys.txt").is_file() {
        return Some(Layout::AndroidQf);
    }
    if FILES.iter().any(|(_, f)| dir.join(f).is_file()) || dir.join(MANIFEST).is_file() {
        return Some(Layout::Sweep);
    }
    None
}

/// The files of the folder that are read (and checksummed for the findings).
pub fn input_files(dir: &Path) -> Vec<PathBuf> {
    let names: Vec<&str> = match layout(dir) {
        Some(Layout::Sweep) => FILES
            .iter()
            .map(|(_, f)| *f)
            .chain(std::iter::once(MANIFEST))
            .collect(),
        Some(Layout::AndroidQf) => ANDROIDQF_FILES.to_vec(),
        None => Vec::new(),
    };
    names
        .into_iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

fn read(path: &Path) -> Result<Vec<u8>, SnapshotFileError> {
    read_capped(path, MAX_FILE)
}

/// The time of a folder without a manifest: its newest file's modification time.
fn folder_time(dir: &Path) -> Timestamp {
    let newest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max();
    newest
        .map(Timestamp::from)
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// Everything parsed from one folder, before it becomes observations.
#[derive(Debug, Default)]
struct Collected {
    serial: String,
    props: BTreeMap<String, String>,
    packages: Option<Vec<PackageInfo>>,
    accessibility: BTreeSet<String>,
    policy: parse::DevicePolicy,
    listeners: BTreeSet<String>,
    settings: BTreeMap<&'static str, BTreeMap<String, String>>,
    launcher: Option<BTreeSet<String>>,
    apks: BTreeMap<String, ApkRecord>,
    /// installer/system/disabled from AndroidQF's packages.json, for packages dumpsys lacks.
    qf: BTreeMap<String, parse::QfPackage>,
    parts: Vec<(AndroidPartKind, PartState, Option<String>)>,
}

fn state_of<T>(p: &Parsed<T>, extra: Option<&str>) -> (PartState, Option<String>) {
    let mut reasons: Vec<String> = p.problems.clone();
    if let Some(e) = extra {
        reasons.insert(0, e.to_string());
    }
    if reasons.is_empty() {
        (PartState::Done, None)
    } else {
        (PartState::Partial, Some(reasons.join("; ")))
    }
}

/// Read a folder into observations, all at the collection time.
pub fn read_folder(dir: &Path) -> Result<Vec<Record>, AndroidError> {
    match layout(dir) {
        Some(Layout::Sweep) => read_sweep(dir),
        Some(Layout::AndroidQf) => Ok(read_androidqf(dir)),
        None => Err(AndroidError::NotASnapshot(dir.to_path_buf())),
    }
}

fn read_sweep(dir: &Path) -> Result<Vec<Record>, AndroidError> {
    let manifest: Option<Manifest> = match std::fs::read(dir.join(MANIFEST)) {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(m) => Some(m),
            Err(source) => {
                return Err(AndroidError::Manifest {
                    path: dir.join(MANIFEST),
                    line: source.line(),
                    column: source.column(),
                    source,
                });
            }
        },
        Err(_) => None,
    };
    let t = manifest
        .as_ref()
        .and_then(|m| m.ended.or(m.started))
        .unwrap_or_else(|| folder_time(dir));
    let mut c = Collected::default();
    for (part, name) in FILES {
        let path = dir.join(name);
        let shown = path.display().to_string();
        // What the manifest says about the command that wrote this file.
        let cmd = manifest
            .as_ref()
            .and_then(|m| m.commands.iter().find(|x| x.file.as_deref() == Some(*name)));
        let cmd_note = cmd.and_then(|x| {
            x.error.clone().or_else(|| {
                x.exit_code
                    .filter(|c| *c != 0)
                    .map(|c| format!("the command `{}` exited with code {c}", x.command))
            })
        });
        if !path.is_file() {
            let reason = cmd_note.unwrap_or_else(|| {
                if manifest.as_ref().is_some_and(|m| m.partial) {
                    format!(
                        "{name} was not collected: the collection stopped early (the phone disconnected or the check was stopped)"
                    )
                } else {
                    format!("{name} is missing")
                }
            });
            c.parts.push((*part, PartState::NotDone, Some(reason)));
            continue;
        }
        let bytes = match read(&path) {
            Ok(b) => b,
            Err(e) => {
                c.parts
                    .push((*part, PartState::NotDone, Some(e.to_string())));
                continue;
            }
        };
        let txt = parse::text(&shown, &bytes);
        let extra = cmd_note.as_deref();
        let (state, reason) = match part {
            AndroidPartKind::Getprop => {
                let r = parse::getprop(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.props = r.value;
                s
            }
            AndroidPartKind::Packages => {
                let r = parse::dumpsys_package(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.packages = Some(r.value);
                s
            }
            AndroidPartKind::Accessibility => {
                let r = parse::dumpsys_accessibility(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.accessibility.extend(r.value);
                s
            }
            AndroidPartKind::DevicePolicy => {
                let r = parse::dumpsys_device_policy(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.policy = r.value;
                s
            }
            AndroidPartKind::NotificationListeners => {
                let r = parse::component_list(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.listeners.extend(r.value);
                s
            }
            AndroidPartKind::SettingsGlobal
            | AndroidPartKind::SettingsSecure
            | AndroidPartKind::SettingsSystem => {
                let r = parse::settings(&shown, &txt.value);
                let s = state_of(&r, extra);
                let ns = match part {
                    AndroidPartKind::SettingsGlobal => "global",
                    AndroidPartKind::SettingsSecure => "secure",
                    _ => "system",
                };
                c.settings.insert(ns, r.value);
                s
            }
            AndroidPartKind::LauncherApps => {
                let r = parse::launcher_apps(&shown, &txt.value);
                let s = state_of(&r, extra);
                c.launcher = Some(r.value);
                s
            }
            AndroidPartKind::Apks => {
                let r = parse::apks_json(&shown, &txt.value);
                let s = state_of(&r, extra);
                for a in r.value {
                    c.apks.insert(a.package.clone(), a);
                }
                s
            }
        };
        c.parts.push((*part, state, reason));
    }
    if manifest.as_ref().is_some_and(|m| m.partial) {
        for p in &mut c.parts {
            if p.1 == PartState::Done && p.0 == AndroidPartKind::Apks {
                p.1 = PartState::Partial;
                p.2 = Some("the collection stopped early (the phone disconnected?)".into());
            }
        }
    }
    c.serial = manifest
        .as_ref()
        .and_then(|m| m.serial.clone())
        .or_else(|| c.props.get("ro.serialno").cloned())
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into());
    Ok(records(c, t))
}

fn read_androidqf(dir: &Path) -> Vec<Record> {
    let mut c = Collected::default();
    let mut t = None;
    if let Ok(b) = std::fs::read(dir.join("acquisition.json"))
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&b)
    {
        t = ["completed", "started"]
            .iter()
            .filter_map(|k| v.get(*k)?.as_str())
            .find_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&chrono::Utc));
    }
    let t = t.unwrap_or_else(|| folder_time(dir));
    let load = |name: &str| -> Result<(String, String, Vec<String>), SnapshotFileError> {
        let path = dir.join(name);
        let shown = path.display().to_string();
        let b = read(&path)?;
        let txt = parse::text(&shown, &b);
        Ok((shown, txt.value, txt.problems))
    };
    match load("getprop.txt") {
        Ok((f, s, _)) => {
            let r = parse::getprop(&f, &s);
            c.parts.push({
                let (st, why) = state_of(&r, None);
                (AndroidPartKind::Getprop, st, why)
            });
            c.props = r.value;
        }
        Err(e) => c.parts.push((
            AndroidPartKind::Getprop,
            PartState::NotDone,
            Some(e.to_string()),
        )),
    }
    match load("dumpsys.txt") {
        Ok((f, s, _)) => {
            let sections = parse::dumpsys_sections(&s);
            for (part, svc) in [
                (AndroidPartKind::Packages, "package"),
                (AndroidPartKind::Accessibility, "accessibility"),
                (AndroidPartKind::DevicePolicy, "device_policy"),
            ] {
                let Some(body) = sections.get(svc) else {
                    c.parts.push((
                        part,
                        PartState::NotDone,
                        Some(format!("{f}: no \"DUMP OF SERVICE {svc}\" section")),
                    ));
                    continue;
                };
                let name = format!("{f} (service {svc})");
                let (st, why) = match part {
                    AndroidPartKind::Packages => {
                        let r = parse::dumpsys_package(&name, body);
                        let s = state_of(&r, None);
                        c.packages = Some(r.value);
                        s
                    }
                    AndroidPartKind::Accessibility => {
                        let r = parse::dumpsys_accessibility(&name, body);
                        let s = state_of(&r, None);
                        c.accessibility.extend(r.value);
                        s
                    }
                    _ => {
                        let r = parse::dumpsys_device_policy(&name, body);
                        let s = state_of(&r, None);
                        c.policy = r.value;
                        s
                    }
                };
                c.parts.push((part, st, why));
            }
        }
        Err(e) => {
            for part in [
                AndroidPartKind::Packages,
                AndroidPartKind::Accessibility,
                AndroidPartKind::DevicePolicy,
            ] {
                c.parts
                    .push((part, PartState::NotDone, Some(e.to_string())));
            }
        }
    }
    for (part, ns) in [
        (AndroidPartKind::SettingsGlobal, "global"),
        (AndroidPartKind::SettingsSecure, "secure"),
        (AndroidPartKind::SettingsSystem, "system"),
    ] {
        match load(&format!("settings_{ns}.txt")) {
            Ok((f, s, _)) => {
                let r = parse::settings(&f, &s);
                let (st, why) = state_of(&r, None);
                c.settings.insert(ns, r.value);
                c.parts.push((part, st, why));
            }
            Err(e) => c
                .parts
                .push((part, PartState::NotDone, Some(e.to_string()))),
        }
    }
    c.parts.push((
        AndroidPartKind::NotificationListeners,
        if c.settings.contains_key("secure") {
            PartState::Done
        } else {
            PartState::NotDone
        },
        Some("read from settings_secure.txt (enabled_notification_listeners)".into()),
    ));
    c.parts.push((
        AndroidPartKind::LauncherApps,
        PartState::NotDone,
        Some("AndroidQF does not record which apps have a launcher icon".into()),
    ));
    match load("packages.json") {
        Ok((f, s, _)) => {
            let r = parse::androidqf_packages(&f, &s);
            let (st, why) = state_of(&r, None);
            for q in r.value {
                if let Some(a) = &q.apk {
                    c.apks.insert(q.package.clone(), a.clone());
                }
                c.qf.insert(q.package.clone(), q);
            }
            c.parts.push((AndroidPartKind::Apks, st, why));
        }
        Err(e) => c.parts.push((
            AndroidPartKind::Apks,
            PartState::NotDone,
            Some(e.to_string()),
        )),
    }
    c.serial = c
        .props
        .get("ro.serialno")
        .cloned()
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into());
    records(c, t)
}

fn split_components(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(':')
            .map(str::trim)
            .filter(|x| parse::component_package(x).is_some())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// Turn what was parsed into observations (device, settings, owners, apps, parts).
fn records(mut c: Collected, t: Timestamp) -> Vec<Record> {
    let serial = c.serial.clone();
    let mut out = Vec::new();
    let props = &c.props;
    out.push(Record::new(
        t,
        Observation::AndroidDevice(AndroidDevice {
            serial: serial.clone(),
            model: props.get("ro.product.model").cloned(),
            manufacturer: props.get("ro.product.manufacturer").cloned(),
            android_version: props.get("ro.build.version.release").cloned(),
            sdk: props
                .get("ro.build.version.sdk")
                .and_then(|s| s.trim().parse().ok()),
            security_patch: props.get("ro.build.version.security_patch").cloned(),
            props: PROPS_OF_INTEREST
                .iter()
                .filter_map(|k| Some((k.to_string(), props.get(*k)?.clone())))
                .collect(),
        }),
    ));
    // The settings hold the enabled accessibility services and notification listeners too.
    if let Some(sec) = c.settings.get("secure") {
        c.accessibility
            .extend(split_components(sec.get("enabled_accessibility_services")));
        c.listeners
            .extend(split_components(sec.get("enabled_notification_listeners")));
    }
    let mut settings = AndroidSettings {
        serial: serial.clone(),
        ..Default::default()
    };
    for (ns, key) in SETTINGS_OF_INTEREST {
        if let Some(v) = c.settings.get(ns).and_then(|m| m.get(*key)) {
            let map = match *ns {
                "global" => &mut settings.global,
                "secure" => &mut settings.secure,
                _ => &mut settings.system,
            };
            map.insert(key.to_string(), v.clone());
        }
    }
    out.push(Record::new(t, Observation::AndroidSettings(settings)));
    for o in &c.policy.owners {
        out.push(Record::new(
            t,
            Observation::AndroidOwner(AndroidOwner {
                serial: serial.clone(),
                role: if o.device_owner {
                    OwnerRole::DeviceOwner
                } else {
                    OwnerRole::ProfileOwner
                },
                package: o.package.clone(),
                component: o.component.clone(),
                user: o.user,
            }),
        ));
    }
    let by_pkg = |set: &BTreeSet<String>, pkg: &str| -> Vec<String> {
        set.iter()
            .filter(|x| parse::component_package(x) == Some(pkg))
            .cloned()
            .collect()
    };
    let admins: BTreeSet<String> = c.policy.admins.iter().cloned().collect();
    let mut pkgs: Vec<PackageInfo> = c.packages.take().unwrap_or_default();
    let known: BTreeSet<String> = pkgs.iter().map(|p| p.package.clone()).collect();
    // Apps known only from packages.json or apks.json still get a line.
    for (name, q) in &c.qf {
        if !known.contains(name) {
            pkgs.push(PackageInfo {
                package: name.clone(),
                installer: q.installer.clone(),
                system: q.system,
                disabled: q.disabled,
                installed: true,
                ..Default::default()
            });
        }
    }
    for name in c.apks.keys() {
        if !known.contains(name) && !c.qf.contains_key(name) {
            pkgs.push(PackageInfo {
                package: name.clone(),
                installed: true,
                ..Default::default()
            });
        }
    }
    for pk in pkgs.into_iter().filter(|p| p.installed) {
        let apk = c.apks.get(&pk.package);
        let q = c.qf.get(&pk.package);
        out.push(Record::new(
            t,
            Observation::AndroidApp(Box::new(AndroidApp {
                serial: serial.clone(),
                launcher: c.launcher.as_ref().map(|l| l.contains(&pk.package)),
                accessibility: by_pkg(&c.accessibility, &pk.package),
                device_admin: by_pkg(&admins, &pk.package),
                notification_listener: by_pkg(&c.listeners, &pk.package),
                apk_path: apk.and_then(|a| a.path.clone()).or(pk.code_path.clone()),
                apk_sha256: apk.and_then(|a| a.sha256.clone()),
                cert_sha1: apk.map(|a| a.cert_sha1.clone()).unwrap_or_default(),
                cert_sha256: apk.map(|a| a.cert_sha256.clone()).unwrap_or_default(),
                apk_error: apk.and_then(|a| a.error.clone()),
                label: None,
                installer: pk.installer.or_else(|| q.and_then(|q| q.installer.clone())),
                first_install: pk.first_install,
                last_update: pk.last_update,
                version_name: pk.version_name,
                version_code: pk.version_code,
                system: pk.system || q.is_some_and(|q| q.system),
                disabled: pk.disabled,
                dangerous_permissions: pk.dangerous_permissions,
                package: pk.package,
            })),
        ));
    }
    for (part, state, reason) in c.parts {
        out.push(Record::new(
            t,
            Observation::AndroidPart(AndroidPart {
                serial: serial.clone(),
                part,
                state,
                reason,
            }),
        ));
    }
    out
}
