//! An iPhone's live-check folder (`ios/<udid>/`, written by `sweep scan --ios`) read into
//! observations. The live check and `--from` both end here, so they give the same
//! findings. Any file may be missing (that part is reported as not done); a damaged one
//! gives an error naming it, and the other files are still read.

use std::path::{Path, PathBuf};

use plist::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::backup;
use super::error::IosError;
use super::live::{BACKUP_DIR, BACKUP_LOG, REQUESTS};
use crate::observation::{
    IosApp, IosDevice, IosPart, IosPartKind, IosSigner, Observation, PartState, Record, Timestamp,
};
use crate::sources::android::snapshot::CommandRecord;
use crate::sources::snapshot_files::FileRecord;
use crate::sources::{Sink, Source, SourceError, Stop};

pub const MANIFEST: &str = "manifest.json";

/// Most bytes read from one answer (a full app list with every attribute is a few MB).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Most apps and provisioning profiles read from one folder.
pub const MAX_ITEMS: usize = 20_000;

/// Why configuration profiles are not read over USB without a backup (see docs/ios.md).
pub const PROFILES_NOT_READ: &str = "configuration profiles cannot be listed over USB with Debian's libimobiledevice-utils (no tool reads them): make a backup (with the client's agreement: the iPhone check's backup question, or sweep scan --ios --ios-backup) or check one with sweep scan --from BACKUP_DIR, and look in Settings, General, VPN & Device Management with the client";

/// `manifest.json` of an `ios/<udid>/` folder.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udid: Option<String>,
    /// How the phone was read (`libimobiledevice-utils 1.3.0, ideviceinstaller 1.1.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    /// The collection stopped early (not trusted, disconnected, stopped); what was
    /// collected is kept.
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub commands: Vec<CommandRecord>,
    #[serde(default)]
    pub files: Vec<FileRecord>,
}

fn file_of(part: IosPartKind) -> Option<&'static str> {
    use super::live::Request;
    let req = match part {
        IosPartKind::DeviceInfo => Request::DeviceInfo,
        IosPartKind::Apps => Request::Apps,
        IosPartKind::Provisioning => Request::Provisioning,
        IosPartKind::DeveloperMode => Request::DeveloperMode,
        IosPartKind::Supervision => Request::Supervision,
        IosPartKind::ConfigurationProfiles => return None,
    };
    REQUESTS.iter().find(|(r, _)| *r == req).map(|(_, f)| *f)
}

/// The folder is a live-check folder: it holds `device-info.plist`, or a `manifest.json`
/// naming a UDID.
pub fn is_snapshot_dir(dir: &Path) -> bool {
    if !dir.is_dir() {
        return false;
    }
    if dir.join("device-info.plist").is_file() {
        return true;
    }
    std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("udid").is_some())
}

/// The live-check folders under `path`: `path` itself, or `path/ios/<udid>/` of a case
/// folder (every iPhone in it), sorted.
pub fn snapshot_dirs(path: &Path) -> Vec<PathBuf> {
    if is_snapshot_dir(path) {
        return vec![path.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path.join("ios"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_snapshot_dir(p))
        .collect();
    out.sort();
    out
}

/// Every file of a folder that is read (and checksummed for the findings): the answers,
/// the manifest, and of a backup made over USB its log, `Manifest.db`, `Manifest.plist`,
/// `Info.plist` and the profile files.
pub fn input_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = REQUESTS
        .iter()
        .map(|(_, f)| *f)
        .chain([MANIFEST, BACKUP_LOG])
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    if let Some(b) = backup_in(dir).and_then(|p| backup::Backup::open(&p).ok()) {
        v.extend(b.input_files());
    }
    v
}

/// The backup made over USB into `dir/backup/` (`idevicebackup2` puts it in a folder
/// named after the UDID): the first folder there holding `Manifest.db`.
pub fn backup_in(dir: &Path) -> Option<PathBuf> {
    let root = dir.join(BACKUP_DIR);
    if root.join("Manifest.db").is_file() {
        return Some(root);
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(&root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Manifest.db").is_file())
        .collect();
    subs.sort();
    subs.into_iter().next()
}

/// The configuration profiles of the backup made over USB, how far that part got, and
/// the files that could not be read. `note`: what the manifest says of the backup command.
fn backup_profiles(
    dir: &Path,
    udid: &str,
    note: Option<String>,
) -> (
    Vec<crate::observation::IosProfile>,
    PartState,
    Option<String>,
    Vec<IosError>,
) {
    let Some(found) = backup_in(dir) else {
        let why = format!(
            "the backup over USB did not finish ({}), and without one configuration profiles cannot be listed over USB: look in Settings, General, VPN & Device Management with the client, or make a backup in Finder or iTunes and check it with sweep scan --from BACKUP_DIR",
            note.unwrap_or_else(|| format!("no Manifest.db in {BACKUP_DIR}/"))
        );
        return (Vec::new(), PartState::NotDone, Some(why), Vec::new());
    };
    let b = match backup::Backup::open(&found) {
        Ok(b) => b,
        // Encrypted: the plain message, which is not a damaged file.
        Err(e @ backup::BackupError::Encrypted(_)) => {
            return (
                Vec::new(),
                PartState::NotDone,
                Some(e.to_string()),
                Vec::new(),
            );
        }
        Err(e) => {
            return (
                Vec::new(),
                PartState::NotDone,
                Some(e.to_string()),
                vec![e.into()],
            );
        }
    };
    let mut profiles = Vec::new();
    let mut errors = Vec::new();
    for f in &b.profiles {
        match backup::read_profile(f, udid) {
            Ok(p) => profiles.push(p),
            Err(e) => errors.push(e.into()),
        }
    }
    let (state, why) = match (errors.is_empty(), note) {
        (true, None) => (PartState::Done, None),
        (true, Some(n)) => (PartState::Partial, Some(n)),
        (false, n) => {
            let e = super::error::joined(&errors);
            (
                PartState::Partial,
                Some(n.map_or(e.clone(), |n| format!("{n}; {e}"))),
            )
        }
    };
    (profiles, state, why, errors)
}

/// Reads live-check folders and sends their observations.
pub struct SnapshotSource {
    pub dirs: Vec<PathBuf>,
}

impl Source for SnapshotSource {
    fn kind(&self) -> crate::observation::SourceKind {
        crate::observation::SourceKind::Ios
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let mut errors = Vec::new();
        for d in &self.dirs {
            if stop.is_stopped() {
                break;
            }
            let (recs, errs) = read_folder(d);
            errors.extend(errs);
            if !sink.send_all(recs) {
                break;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SourceError::Input(super::error::joined(&errors)))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, IosError> {
    Ok(crate::sources::snapshot_files::read_capped(path, MAX_FILE)?)
}

fn string(d: &plist::Dictionary, key: &str) -> Option<String> {
    d.get(key)
        .and_then(Value::as_string)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn folder_time(dir: &Path) -> Timestamp {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max()
        .map(Timestamp::from)
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// Who signed an app, from installation_proxy's attributes (docs/ios.md):
/// `ApplicationType` System → system; the `beta-reports-active` entitlement → TestFlight;
/// Apple's own signature (`Apple iPhone OS Application Signing`) or iTunes metadata
/// without a provisioning profile → App Store; a development certificate or
/// `get-task-allow` → developer; a distribution certificate or `ProfileValidated` →
/// enterprise (or ad hoc); otherwise unknown.
pub fn signer_of(app: &plist::Dictionary) -> Option<IosSigner> {
    let kind = string(app, "ApplicationType").unwrap_or_default();
    if kind == "System" || kind == "Internal" || kind == "Hidden" {
        return Some(IosSigner::System);
    }
    let ent = app.get("Entitlements").and_then(Value::as_dictionary);
    let flag = |k: &str| {
        ent.and_then(|e| e.get(k))
            .and_then(Value::as_boolean)
            .unwrap_or(false)
    };
    let identity = string(app, "SignerIdentity").unwrap_or_default();
    let profile_validated = app
        .get("ProfileValidated")
        .and_then(Value::as_boolean)
        .unwrap_or(false);
    if flag("beta-reports-active") {
        return Some(IosSigner::TestFlight);
    }
    if identity.starts_with("Apple iPhone OS Application Signing") {
        return Some(IosSigner::AppStore);
    }
    if app.contains_key("iTunesMetadata") && !profile_validated {
        return Some(IosSigner::AppStore);
    }
    if identity.starts_with("iPhone Developer")
        || identity.starts_with("Apple Development")
        || flag("get-task-allow")
    {
        return Some(IosSigner::Developer);
    }
    if identity.starts_with("iPhone Distribution")
        || identity.starts_with("Apple Distribution")
        || profile_validated
    {
        return Some(IosSigner::Enterprise);
    }
    None
}

/// installation_proxy's answer (`apps.plist`): an array of app dictionaries.
pub fn parse_apps(shown: &str, bytes: &[u8], udid: &str) -> Result<Vec<IosApp>, IosError> {
    let v = Value::from_reader(std::io::Cursor::new(bytes))
        .map_err(|e| IosError::not_plist(shown, e))?;
    let list = v
        .as_array()
        .ok_or_else(|| IosError::shape(shown, "a list of apps at the top"))?;
    let mut out = Vec::new();
    for a in list.iter().filter_map(Value::as_dictionary).take(MAX_ITEMS) {
        let Some(bundle) = string(a, "CFBundleIdentifier") else {
            continue;
        };
        out.push(IosApp {
            udid: udid.to_string(),
            bundle_id: bundle,
            name: string(a, "CFBundleDisplayName").or_else(|| string(a, "CFBundleName")),
            version: string(a, "CFBundleShortVersionString")
                .or_else(|| string(a, "CFBundleVersion")),
            signer: signer_of(a),
            signer_identity: string(a, "SignerIdentity"),
            found_in: vec!["installation-proxy".into()],
        });
    }
    Ok(out)
}

/// lockdown's values (`device-info.plist`).
pub fn parse_device_info(shown: &str, bytes: &[u8]) -> Result<IosDevice, IosError> {
    let v = Value::from_reader(std::io::Cursor::new(bytes))
        .map_err(|e| IosError::not_plist(shown, e))?;
    let d = v
        .as_dictionary()
        .ok_or_else(|| IosError::shape(shown, "a dictionary at the top"))?;
    Ok(IosDevice {
        udid: string(d, "UniqueDeviceID").unwrap_or_default(),
        product_type: string(d, "ProductType"),
        model: None,
        ios_version: string(d, "ProductVersion"),
        build: string(d, "BuildVersion"),
        backup_date: None,
        via: Some("usb".into()),
        ..IosDevice::default()
    })
}

/// `true` / `false` as `ideviceinfo -k` prints it (or a property list boolean); empty:
/// not reported (iOS before 16 has no Developer Mode).
pub fn parse_flag(shown: &str, bytes: &[u8]) -> Result<Option<bool>, IosError> {
    let t = String::from_utf8_lossy(bytes);
    match t.trim() {
        "" => Ok(None),
        "true" | "<true/>" => Ok(Some(true)),
        "false" | "<false/>" => Ok(Some(false)),
        _ => match Value::from_reader(std::io::Cursor::new(bytes)) {
            Ok(Value::Boolean(b)) => Ok(Some(b)),
            _ => Err(IosError::NotAFlag {
                shown: shown.to_string(),
                found: crate::sanitize::clean(t.trim(), 40),
            }),
        },
    }
}

/// What the manifest says went wrong with a command: its error, or a non-zero exit code.
fn command_note(cmd: Option<&CommandRecord>) -> Option<String> {
    cmd.and_then(|x| {
        x.error.clone().or_else(|| {
            x.exit_code
                .filter(|c| *c != 0)
                .map(|c| format!("`{}` exited with code {c}", x.command))
        })
    })
}

/// Read a folder into observations at the collection time, and the errors met (each
/// naming its file). What could be read is always returned.
pub fn read_folder(dir: &Path) -> (Vec<Record>, Vec<IosError>) {
    let mut errors = Vec::new();
    let manifest: Option<Manifest> = match std::fs::read(dir.join(MANIFEST)) {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(IosError::Manifest {
                    path: dir.join(MANIFEST).display().to_string(),
                    line: e.line(),
                    column: e.column(),
                    reason: e.to_string(),
                });
                None
            }
        },
        Err(_) => None,
    };
    let t = manifest
        .as_ref()
        .and_then(|m| m.ended.or(m.started))
        .unwrap_or_else(|| folder_time(dir));
    let mut device: Option<IosDevice> = None;
    let mut supervised = None;
    let mut developer_mode = None;
    let mut apps = Vec::new();
    let mut profiles = Vec::new();
    let mut parts: Vec<(IosPartKind, PartState, Option<String>)> = Vec::new();
    let udid_hint = manifest.as_ref().and_then(|m| m.udid.clone());
    let udid_for_items = udid_hint.clone().unwrap_or_default();
    for part in IosPartKind::ALL {
        let Some(name) = file_of(part) else {
            // Configuration profiles: only from a backup made over USB.
            let cmd = manifest.as_ref().and_then(|m| {
                m.commands
                    .iter()
                    .find(|x| x.file.as_deref() == Some(BACKUP_LOG))
            });
            if cmd.is_none() && !dir.join(BACKUP_DIR).is_dir() {
                parts.push((part, PartState::NotDone, Some(PROFILES_NOT_READ.into())));
                continue;
            }
            let (p, state, why, errs) = backup_profiles(dir, &udid_for_items, command_note(cmd));
            profiles.extend(p);
            errors.extend(errs);
            parts.push((part, state, why));
            continue;
        };
        let path = dir.join(name);
        let shown = path.display().to_string();
        let cmd = manifest
            .as_ref()
            .and_then(|m| m.commands.iter().find(|x| x.file.as_deref() == Some(name)));
        let note = command_note(cmd);
        if !path.is_file() {
            let reason = note.unwrap_or_else(|| format!("{name} is missing"));
            parts.push((part, PartState::NotDone, Some(reason)));
            continue;
        }
        let bytes = match read(&path) {
            Ok(b) => b,
            Err(e) => {
                parts.push((part, PartState::NotDone, Some(e.to_string())));
                errors.push(e);
                continue;
            }
        };
        // The file as the check wrote it? (manifest.json has each file's SHA-256.)
        let recorded = manifest
            .as_ref()
            .and_then(|m| m.files.iter().find(|f| f.file == name));
        let changed = recorded
            .filter(|f| !f.sha256.eq_ignore_ascii_case(&hex::encode(Sha256::digest(&bytes))))
            .map(|_| {
                format!(
                    "{name} has changed since the check: its SHA-256 is not the one manifest.json recorded"
                )
            });
        let note = match (note, changed) {
            (Some(n), Some(c)) => Some(format!("{c}; {n}")),
            (n, c) => c.or(n),
        };
        let result: Result<Option<String>, IosError> = match part {
            IosPartKind::DeviceInfo => parse_device_info(&shown, &bytes).map(|d| {
                device = Some(d);
                None
            }),
            IosPartKind::Supervision if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Some(
                format!("{name} is empty: the iPhone did not say whether it is supervised"),
            )),
            IosPartKind::Supervision => {
                match Value::from_reader(std::io::Cursor::new(&bytes[..])) {
                    Ok(v) => match v
                        .as_dictionary()
                        .and_then(|d| d.get("DeviceIsChaperoned"))
                        .and_then(Value::as_boolean)
                    {
                        Some(b) => {
                            supervised = Some(b);
                            Ok(None)
                        }
                        None => Ok(Some(format!("{name} does not say (no DeviceIsChaperoned)"))),
                    },
                    Err(e) => Err(IosError::not_plist(&shown, e)),
                }
            }
            IosPartKind::DeveloperMode => parse_flag(&shown, &bytes).map(|f| {
                developer_mode = f;
                f.is_none().then(|| {
                    "the iPhone did not report Developer Mode (iOS before 16 has none)".into()
                })
            }),
            IosPartKind::Apps => parse_apps(&shown, &bytes, &udid_for_items).map(|a| {
                apps = a;
                None
            }),
            IosPartKind::Provisioning => {
                let (p, errs) = parse_provisioning_list(&shown, &bytes, &udid_for_items);
                profiles.extend(p);
                match errs {
                    Ok(bad) if bad.is_empty() => Ok(None),
                    Ok(bad) => {
                        let why = super::error::joined(&bad);
                        errors.extend(bad);
                        Ok(Some(why))
                    }
                    Err(e) => Err(e),
                }
            }
            IosPartKind::ConfigurationProfiles => Ok(None),
        };
        match result {
            Ok(None) => {
                let state = if note.is_some() {
                    PartState::Partial
                } else {
                    PartState::Done
                };
                parts.push((part, state, note));
            }
            Ok(Some(why)) => {
                let why = match note {
                    Some(n) => format!("{n}; {why}"),
                    None => why,
                };
                let state = if part == IosPartKind::DeveloperMode {
                    PartState::Done
                } else {
                    PartState::Partial
                };
                parts.push((part, state, Some(why)));
            }
            Err(e) => {
                parts.push((part, PartState::NotDone, Some(e.to_string())));
                errors.push(e);
            }
        }
    }
    let udid = udid_hint
        .or_else(|| {
            device
                .as_ref()
                .map(|d| d.udid.clone())
                .filter(|u| !u.is_empty())
        })
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into());
    let mut out = Vec::new();
    let mut d = device.unwrap_or_else(|| IosDevice {
        via: Some("usb".into()),
        ..IosDevice::default()
    });
    d.udid = udid.clone();
    d.supervised = supervised;
    d.developer_mode = developer_mode;
    out.push(Record::new(t, Observation::IosDevice(d)));
    for mut a in apps {
        a.udid = udid.clone();
        out.push(Record::new(t, Observation::IosApp(a)));
    }
    for mut p in profiles {
        p.udid = udid.clone();
        out.push(Record::new(t, Observation::IosProfile(Box::new(p))));
    }
    for (part, state, reason) in parts {
        out.push(Record::new(
            t,
            Observation::IosPart(IosPart {
                udid: udid.clone(),
                part,
                state,
                reason,
            }),
        ));
    }
    (out, errors)
}

/// misagent's copy of the provisioning profiles (`provisioning.plist`): a list of data,
/// one `.mobileprovision` each. The profiles read, and the items that could not be
/// (`Err`: the list itself is unreadable).
#[allow(clippy::type_complexity)]
pub fn parse_provisioning_list(
    shown: &str,
    bytes: &[u8],
    udid: &str,
) -> (
    Vec<crate::observation::IosProfile>,
    Result<Vec<IosError>, IosError>,
) {
    let v = match Value::from_reader(std::io::Cursor::new(bytes)) {
        Ok(v) => v,
        Err(e) => return (Vec::new(), Err(IosError::not_plist(shown, e))),
    };
    // The list itself, or misagent's answer `{Payload: [...]}`.
    let list = v.as_array().or_else(|| {
        v.as_dictionary()
            .and_then(|d| d.get("Payload"))
            .and_then(Value::as_array)
    });
    let Some(list) = list else {
        return (
            Vec::new(),
            Err(IosError::shape(shown, "a list of provisioning profiles")),
        );
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, item) in list.iter().take(MAX_ITEMS).enumerate() {
        let Some(data) = item.as_data() else {
            bad.push(IosError::NotAProfile {
                shown: shown.to_string(),
                index: i,
            });
            continue;
        };
        let item_name = format!("{shown} (item {i})");
        let file = format!("provisioning.plist#{i}");
        match backup::parse_provisioning(&item_name, &file, data, udid) {
            Ok(p) => out.push(p),
            Err(e) => bad.push(e.into()),
        }
    }
    (out, Ok(bad))
}
