//! Reading an iPhone backup folder (Finder, iTunes, `idevicebackup2 backup --full`).
//!
//! A backup folder holds `Info.plist` (the phone, `Installed Applications`),
//! `Manifest.plist` (`IsEncrypted`, the apps), and `Manifest.db`, an SQLite database whose
//! table `Files(fileID, domain, relativePath, flags, file)` lists every file; a file lives
//! at `<backup>/<fileID[0:2]>/<fileID>` with `fileID = sha1(domain + "-" + relativePath)`.
//! Everything is opened read-only; nothing in the folder is changed. Encrypted backups are
//! not decrypted (see docs/ios.md).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use plist::{Dictionary, Value};
use sha1::{Digest, Sha1};

use crate::observation::{IosDevice, IosProfile, IosProfileKind, Timestamp};

/// Where installed configuration profiles are kept.
pub const PROFILES_DOMAIN: &str =
    "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";
/// Their folder in that domain.
pub const PROFILES_DIR: &str = "Library/ConfigurationProfiles/";
/// Profiles installed for the user, in `HomeDomain`.
pub const USER_PROFILES_DIR: &str = "Library/UserConfigurationProfiles/";
/// Provisioning profiles, in `MobileDeviceDomain`.
pub const PROVISIONING_DOMAIN: &str = "MobileDeviceDomain";
pub const PROVISIONING_DIR: &str = "Library/MobileDevice/Provisioning Profiles/";

/// Most profile files and app domains read from one backup (a hostile Manifest.db cannot
/// grow memory without end).
pub const MAX_FILES: usize = 10_000;
pub const MAX_APP_DOMAINS: usize = 20_000;
/// Largest profile file read (real ones are a few kilobytes).
pub const MAX_PROFILE_BYTES: u64 = 4 << 20;

/// Why a backup cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error(
        "{0}: this iPhone backup is encrypted (Manifest.plist says IsEncrypted), so sweep cannot read it: it does not decrypt backups. Ask the client to make an unencrypted backup: in Finder or iTunes, untick \"Encrypt local backup\" (this asks for the backup password, which the client may not know if someone else set it: then do not guess it, and talk it through with the advocate), or run `idevicebackup2 encryption off PASSWORD` then `idevicebackup2 backup --full DIR`. Turning encryption off is visible on the phone's computer, not on the phone itself; see docs/ios.md before you ask."
    )]
    Encrypted(String),
    #[error("{0}")]
    Bad(String),
}

/// One file of the backup to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub domain: String,
    pub relative_path: String,
    /// Where its contents are in the folder.
    pub path: PathBuf,
}

impl BackupFile {
    /// `domain/relativePath`, as the records name it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.relative_path)
    }
}

/// An unencrypted backup, opened: its file list read from `Manifest.db`.
#[derive(Debug, Clone)]
pub struct Backup {
    pub dir: PathBuf,
    pub info_plist: PathBuf,
    pub manifest_db: PathBuf,
    pub manifest_plist: Option<PathBuf>,
    /// Configuration profiles (both folders).
    pub profiles: Vec<BackupFile>,
    pub provisioning: Vec<BackupFile>,
    /// Bundle ids of the backup's `AppDomain-*` domains.
    pub app_domains: Vec<String>,
    /// The `Manifest.plist` `Applications` keys.
    pub manifest_apps: Vec<String>,
}

/// The folder looks like an iPhone backup: it holds `Manifest.db` and `Info.plist`.
pub fn is_backup_dir(dir: &Path) -> bool {
    dir.is_dir() && dir.join("Manifest.db").is_file() && dir.join("Info.plist").is_file()
}

/// Where `domain`/`relative_path` is stored: `sha1(domain + "-" + relative_path)` in hex.
pub fn file_id(domain: &str, relative_path: &str) -> String {
    let mut h = Sha1::new();
    h.update(domain.as_bytes());
    h.update(b"-");
    h.update(relative_path.as_bytes());
    hex::encode(h.finalize())
}

fn is_file_id(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Read a property list (XML or binary); errors name the file.
pub fn read_plist(p: &Path) -> Result<Value, BackupError> {
    let bytes = std::fs::read(p)
        .map_err(|e| BackupError::Bad(format!("{}: cannot read: {e}", p.display())))?;
    parse_plist(&p.display().to_string(), &bytes)
}

/// Parse a property list held in memory; `name` is the file it came from.
pub fn parse_plist(name: &str, bytes: &[u8]) -> Result<Value, BackupError> {
    Value::from_reader(std::io::Cursor::new(bytes)).map_err(|e| {
        BackupError::Bad(format!(
            "{name}: not a readable property list ({e}); the backup may be damaged or incomplete: make a new one"
        ))
    })
}

fn dict<'a>(v: &'a Value, name: &str) -> Result<&'a Dictionary, BackupError> {
    v.as_dictionary().ok_or_else(|| {
        BackupError::Bad(format!(
            "{name}: expected a dictionary at the top of the property list"
        ))
    })
}

fn db_error(p: &Path, e: rusqlite::Error) -> BackupError {
    BackupError::Bad(format!(
        "{}: cannot read the backup's file list ({e}); the backup may be damaged or was cut short: make a new one",
        p.display()
    ))
}

impl Backup {
    /// Check the folder and read its file list. An encrypted backup is an error that says
    /// what a volunteer can do.
    pub fn open(dir: &Path) -> Result<Backup, BackupError> {
        if !is_backup_dir(dir) {
            return Err(BackupError::Bad(format!(
                "{}: a folder, but not an iPhone backup (it needs Manifest.db and Info.plist); give the folder named after the phone's identifier, inside the Backup folder",
                dir.display()
            )));
        }
        let manifest_plist = Some(dir.join("Manifest.plist")).filter(|p| p.is_file());
        let mut manifest_apps = Vec::new();
        if let Some(p) = &manifest_plist {
            let v = read_plist(p)?;
            let d = dict(&v, &p.display().to_string())?;
            if d.get("IsEncrypted").and_then(Value::as_boolean) == Some(true) {
                return Err(BackupError::Encrypted(dir.display().to_string()));
            }
            if let Some(apps) = d.get("Applications").and_then(Value::as_dictionary) {
                manifest_apps = apps.keys().take(MAX_APP_DOMAINS).cloned().collect();
            }
        }
        let manifest_db = dir.join("Manifest.db");
        let db = rusqlite::Connection::open_with_flags(
            &manifest_db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(&manifest_db, e))?;
        let mut profiles = Vec::new();
        let mut provisioning = Vec::new();
        {
            let mut st = db
                .prepare(
                    "SELECT fileID, domain, relativePath FROM Files WHERE flags = 1 AND (
                       (domain = ?1 AND relativePath LIKE 'Library/ConfigurationProfiles/%')
                    OR (domain = 'HomeDomain' AND relativePath LIKE 'Library/UserConfigurationProfiles/%')
                    OR (domain = ?2 AND relativePath LIKE 'Library/MobileDevice/Provisioning Profiles/%'))
                    ORDER BY domain, relativePath",
                )
                .map_err(|e| db_error(&manifest_db, e))?;
            let rows = st
                .query_map([PROFILES_DOMAIN, PROVISIONING_DOMAIN], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(|e| db_error(&manifest_db, e))?;
            for row in rows {
                let (id, domain, rel) = row.map_err(|e| db_error(&manifest_db, e))?;
                let file = rel.rsplit('/').next().unwrap_or("");
                let provisioning_file = domain == PROVISIONING_DOMAIN;
                // Only the profiles themselves, not the folder's settings files.
                if !provisioning_file && !file.starts_with("profile-") {
                    continue;
                }
                // The file id from the database is untrusted: only 40 hex digits make a path.
                let id = id
                    .filter(|i| is_file_id(i))
                    .unwrap_or_else(|| file_id(&domain, &rel))
                    .to_ascii_lowercase();
                let f = BackupFile {
                    path: dir.join(&id[..2]).join(&id),
                    domain,
                    relative_path: rel,
                };
                let list = if provisioning_file {
                    &mut provisioning
                } else {
                    &mut profiles
                };
                if list.len() < MAX_FILES {
                    list.push(f);
                }
            }
        }
        let mut app_domains = Vec::new();
        {
            let mut st = db
                .prepare(
                    "SELECT DISTINCT domain FROM Files WHERE domain LIKE 'AppDomain-%' ORDER BY domain",
                )
                .map_err(|e| db_error(&manifest_db, e))?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| db_error(&manifest_db, e))?;
            for row in rows {
                let d = row.map_err(|e| db_error(&manifest_db, e))?;
                if let Some(b) = d.strip_prefix("AppDomain-")
                    && !b.is_empty()
                    && app_domains.len() < MAX_APP_DOMAINS
                {
                    app_domains.push(b.to_string());
                }
            }
        }
        Ok(Backup {
            dir: dir.to_path_buf(),
            info_plist: dir.join("Info.plist"),
            manifest_db,
            manifest_plist,
            profiles,
            provisioning,
            app_domains,
            manifest_apps,
        })
    }

    /// Every file the check reads, for the checksums: Manifest.db, Manifest.plist,
    /// Info.plist and each profile file present.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut v = vec![self.manifest_db.clone()];
        v.extend(self.manifest_plist.clone());
        v.push(self.info_plist.clone());
        for f in self.profiles.iter().chain(&self.provisioning) {
            if f.path.is_file() {
                v.push(f.path.clone());
            }
        }
        v
    }
}

fn string(d: &Dictionary, key: &str) -> Option<String> {
    d.get(key)
        .and_then(Value::as_string)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn date(v: Option<&Value>) -> Option<Timestamp> {
    let d = v?.as_date()?;
    Some(DateTime::<Utc>::from(SystemTime::from(d)))
}

/// What `Info.plist` says: the phone and its apps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Info {
    pub device: IosDevice,
    /// `Installed Applications`, with the name and version `Applications` gives.
    pub apps: Vec<(String, Option<String>, Option<String>)>,
}

/// Read `Info.plist`.
pub fn read_info(p: &Path) -> Result<Info, BackupError> {
    let bytes = std::fs::read(p)
        .map_err(|e| BackupError::Bad(format!("{}: cannot read: {e}", p.display())))?;
    parse_info(&p.display().to_string(), &bytes)
}

/// `Info.plist` held in memory; `name` is the file it came from.
pub fn parse_info(name: &str, bytes: &[u8]) -> Result<Info, BackupError> {
    let v = parse_plist(name, bytes)?;
    let d = dict(&v, name)?;
    let udid = string(d, "Unique Identifier")
        .or_else(|| string(d, "Target Identifier"))
        .unwrap_or_else(|| "unknown".into());
    let device = IosDevice {
        udid,
        product_type: string(d, "Product Type"),
        model: string(d, "Product Name"),
        ios_version: string(d, "Product Version"),
        build: string(d, "Build Version"),
        backup_date: date(d.get("Last Backup Date")),
        via: Some("backup".into()),
        ..IosDevice::default()
    };
    let details = d.get("Applications").and_then(Value::as_dictionary);
    let mut apps = Vec::new();
    if let Some(list) = d.get("Installed Applications").and_then(Value::as_array) {
        for b in list
            .iter()
            .filter_map(Value::as_string)
            .take(MAX_APP_DOMAINS)
        {
            let meta = details
                .and_then(|a| a.get(b))
                .and_then(Value::as_dictionary)
                .and_then(|a| a.get("iTunesMetadata"))
                .and_then(Value::as_data)
                .and_then(|m| Value::from_reader(std::io::Cursor::new(m)).ok());
            let meta = meta.as_ref().and_then(Value::as_dictionary);
            apps.push((
                b.to_string(),
                meta.and_then(|m| string(m, "itemName")),
                meta.and_then(|m| string(m, "bundleShortVersionString")),
            ));
        }
    }
    Ok(Info { device, apps })
}

/// Read one configuration profile (`profile-*.stub`).
pub fn read_profile(f: &BackupFile, udid: &str) -> Result<IosProfile, BackupError> {
    let bytes = read_small(&f.path)?;
    parse_profile(&f.path.display().to_string(), &f.name(), &bytes, udid)
}

/// A configuration profile held in memory: `shown` names the file in errors, `file` is
/// its `domain/relativePath`.
pub fn parse_profile(
    shown: &str,
    file: &str,
    bytes: &[u8],
    udid: &str,
) -> Result<IosProfile, BackupError> {
    let v = parse_plist(shown, bytes)?;
    let d = dict(&v, shown)?;
    let payload_types = d
        .get("PayloadContent")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_dictionary)
                .filter_map(|p| string(p, "PayloadType"))
                .collect()
        })
        .unwrap_or_default();
    Ok(IosProfile {
        udid: udid.to_string(),
        profile: IosProfileKind::Configuration,
        file: file.to_string(),
        identifier: string(d, "PayloadIdentifier"),
        uuid: string(d, "PayloadUUID"),
        name: string(d, "PayloadDisplayName"),
        organisation: string(d, "PayloadOrganization"),
        description: string(d, "PayloadDescription"),
        payload_types,
        installed: date(d.get("InstallDate")),
        all_devices: false,
        devices: None,
    })
}

/// A profile file's bytes, refused when larger than any real profile.
fn read_small(p: &Path) -> Result<Vec<u8>, BackupError> {
    let m = std::fs::metadata(p).map_err(|e| {
        BackupError::Bad(format!(
            "{}: listed in Manifest.db but cannot be read ({e}); the backup may be incomplete: make a new one",
            p.display()
        ))
    })?;
    if m.len() > MAX_PROFILE_BYTES {
        return Err(BackupError::Bad(format!(
            "{}: {} bytes, too large for a profile",
            p.display(),
            m.len()
        )));
    }
    std::fs::read(p).map_err(|e| BackupError::Bad(format!("{}: cannot read: {e}", p.display())))
}

/// Read one provisioning profile (`.mobileprovision`: a signed envelope around an XML
/// property list; the signature is not checked, only the list is read).
pub fn read_provisioning(f: &BackupFile, udid: &str) -> Result<IosProfile, BackupError> {
    let bytes = read_small(&f.path)?;
    parse_provisioning(&f.path.display().to_string(), &f.name(), &bytes, udid)
}

/// A provisioning profile held in memory (see [`parse_profile`] for the names).
pub fn parse_provisioning(
    shown: &str,
    file: &str,
    bytes: &[u8],
    udid: &str,
) -> Result<IosProfile, BackupError> {
    let start = find(bytes, b"<?xml");
    let end = find(bytes, b"</plist>").map(|e| e + b"</plist>".len());
    let body = match (start, end) {
        (Some(s), Some(e)) if s < e => &bytes[s..e],
        _ => bytes,
    };
    let v = Value::from_reader(std::io::Cursor::new(body)).map_err(|e| {
        BackupError::Bad(format!(
            "{shown}: not a readable provisioning profile ({e})"
        ))
    })?;
    let d = dict(&v, shown)?;
    let app_id = d
        .get("Entitlements")
        .and_then(Value::as_dictionary)
        .and_then(|e| string(e, "application-identifier"));
    Ok(IosProfile {
        udid: udid.to_string(),
        profile: IosProfileKind::Provisioning,
        file: file.to_string(),
        identifier: app_id.or_else(|| string(d, "AppIDName")),
        uuid: string(d, "UUID"),
        name: string(d, "Name"),
        organisation: string(d, "TeamName"),
        description: None,
        payload_types: Vec::new(),
        installed: date(d.get("CreationDate")),
        all_devices: d.get("ProvisionsAllDevices").and_then(Value::as_boolean) == Some(true),
        devices: d
            .get("ProvisionedDevices")
            .and_then(Value::as_array)
            .map(|a| a.len() as u64),
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_id_is_sha1_of_domain_dash_path() {
        // sha1("HomeDomain-Library/SMS/sms.db"), the well-known id of the messages database.
        assert_eq!(
            file_id("HomeDomain", "Library/SMS/sms.db"),
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
        );
        assert!(is_file_id("3d0d7e5fb2ce288813306e4d4636395e047a3d28"));
        assert!(!is_file_id("../../../../etc/passwd"));
    }
}
