//! iPhone test data shared by tests/ios_backup.rs and tests/ios_live.rs: property lists,
//! configuration profiles, and whole backups (a real `Manifest.db` schema made with
//! rusqlite, `Info.plist` and `Manifest.plist` written with the plist crate, files at
//! `fileID[0:2]/fileID`), as Finder, iTunes or `idevicebackup2 backup --full` leave them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use plist::{Dictionary, Value};
use sweep::sources::ios::backup::file_id;

pub const UDID: &str = "00008110-000A11112222801E";
pub const PROFILES: &str = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";

/// 2026-11-20T10:00:00Z, the backup's date.
pub fn backup_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_168_800)
}

pub fn dict(pairs: Vec<(&str, Value)>) -> Value {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert(k.to_string(), v);
    }
    Value::Dictionary(d)
}

pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

pub fn profile(name: &str, org: &str, payloads: &[&str]) -> Value {
    dict(vec![
        ("PayloadDisplayName", s(name)),
        ("PayloadOrganization", s(org)),
        (
            "PayloadIdentifier",
            s(&format!("com.example.{}", name.len())),
        ),
        ("PayloadUUID", s("6C9A2F4E-1B2C-4D5E-8F90-A1B2C3D4E5F6")),
        ("PayloadType", s("Configuration")),
        (
            "InstallDate",
            Value::Date((backup_time() - Duration::from_secs(86_400 * 30)).into()),
        ),
        (
            "PayloadContent",
            Value::Array(
                payloads
                    .iter()
                    .map(|p| dict(vec![("PayloadType", s(p)), ("PayloadVersion", 1.into())]))
                    .collect(),
            ),
        ),
    ])
}

/// What a generated backup holds.
pub struct Spec {
    pub encrypted: bool,
    pub version: &'static str,
    pub apps: Vec<&'static str>,
    pub app_domains: Vec<&'static str>,
    /// (domain, relativePath, contents)
    pub files: Vec<(&'static str, String, Vec<u8>)>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            encrypted: false,
            version: "26.1",
            apps: vec!["com.apple.Pages", "org.example.notes"],
            app_domains: vec!["org.example.notes"],
            files: Vec::new(),
        }
    }
}

pub fn xml(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    v.to_writer_xml(&mut out).expect("plist");
    out
}

/// A backup in a new temporary folder.
pub fn make(spec: &Spec) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_backup(dir.path(), spec);
    dir
}

/// A backup written into `d` (which exists).
pub fn write_backup(d: &Path, spec: &Spec) {
    let info = dict(vec![
        ("Device Name", s("Jane's iPhone")),
        ("Product Type", s("iPhone14,2")),
        ("Product Name", s("iPhone 13 Pro")),
        ("Product Version", s(spec.version)),
        ("Build Version", s("23B85")),
        ("Unique Identifier", s(UDID)),
        ("Target Identifier", s(UDID)),
        ("Last Backup Date", Value::Date(backup_time().into())),
        (
            "Installed Applications",
            Value::Array(spec.apps.iter().map(|a| s(a)).collect()),
        ),
    ]);
    info.to_file_xml(d.join("Info.plist")).expect("Info.plist");
    let manifest = dict(vec![
        ("IsEncrypted", Value::Boolean(spec.encrypted)),
        ("Version", s("10.0")),
    ]);
    manifest
        .to_file_binary(d.join("Manifest.plist"))
        .expect("Manifest.plist");
    if spec.encrypted {
        // An encrypted backup's Manifest.db is itself encrypted: not SQLite.
        std::fs::write(d.join("Manifest.db"), [0x5au8; 4096]).expect("db");
        return;
    }
    let db = rusqlite::Connection::open(d.join("Manifest.db")).expect("db");
    db.execute_batch(
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
         CREATE INDEX FilesDomainIdx ON Files(domain);
         CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);",
    )
    .expect("schema");
    let insert = |domain: &str, rel: &str, flags: i64| {
        db.execute(
            "INSERT INTO Files VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![file_id(domain, rel), domain, rel, flags, vec![0u8; 8]],
        )
        .expect("insert");
    };
    for a in &spec.app_domains {
        let domain = format!("AppDomain-{a}");
        insert(&domain, "", 2);
        insert(&domain, "Library/Preferences/prefs.plist", 1);
    }
    insert(PROFILES, "Library/ConfigurationProfiles", 2);
    // Settings files next to the profiles are not profiles.
    insert(
        PROFILES,
        "Library/ConfigurationProfiles/MCSettingsEvents.plist",
        1,
    );
    for (domain, rel, bytes) in &spec.files {
        insert(domain, rel, 1);
        let id = file_id(domain, rel);
        let sub = d.join(&id[..2]);
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join(&id), bytes).expect("write");
    }
}

/// A backup with an MDM profile from "Acme Remote Care" (high) and a Wi-Fi-only profile
/// (quiet): what a backup over USB adds to the live check.
pub fn mdm_spec() -> Spec {
    Spec {
        files: vec![
            (
                PROFILES,
                "Library/ConfigurationProfiles/profile-1a2b.stub".into(),
                xml(&profile(
                    "Device Management",
                    "Acme Remote Care",
                    &["com.apple.mdm", "com.apple.wifi.managed"],
                )),
            ),
            (
                PROFILES,
                "Library/ConfigurationProfiles/profile-3c4d.stub".into(),
                xml(&profile(
                    "Home Wi-Fi",
                    "Cafe Net",
                    &["com.apple.wifi.managed"],
                )),
            ),
        ],
        ..Spec::default()
    }
}

/// A made-up iOS stalkerware app (`com.example.spyphone`, high) in the signature format.
pub const SPYPHONE_SIGNATURE: &str = r#"[source]
name = "test-apps"
version = "1"
description = "A made-up iOS stalkerware app for the tests"
source = "sweep project"
licence = "CC0-1.0"

[[entry]]
id = "stalkerware.spyphone.app"
name = "SpyPhone"
category = "stalkerware"
severity = "high"
meaning = "SpyPhone secretly sends what a phone does to the person who installed it."
next_steps = ["Decide next steps together with the client's advocate."]

[entry.match]
type = "app"
packages = ["com.example.spyphone"]
"#;

/// A signature folder in `dir` (`sigs/`) with [`SPYPHONE_SIGNATURE`] and `more` after it.
pub fn signatures_with(dir: &Path, more: &str) -> std::path::PathBuf {
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).expect("mkdir");
    std::fs::write(
        sigs.join("test-apps.toml"),
        format!("{SPYPHONE_SIGNATURE}{more}"),
    )
    .expect("signature file");
    sigs
}

/// [`signatures_with`] nothing more.
pub fn signatures(dir: &Path) -> std::path::PathBuf {
    signatures_with(dir, "")
}

// ---------------------------------------------------------------- a phone's answers over USB

/// lockdown's values, as `ideviceinfo -x` prints them (the name is the owner's: "Alice").
pub fn device_info(udid: &str) -> Value {
    dict(vec![
        ("DeviceName", s("Alice's iPhone")),
        ("DeviceClass", s("iPhone")),
        ("ProductType", s("iPhone14,2")),
        ("ProductVersion", s("16.7.2")),
        ("BuildVersion", s("20H115")),
        ("UniqueDeviceID", s(udid)),
    ])
}

pub fn app(bundle: &str, name: &str, extra: Vec<(&str, Value)>) -> Value {
    let mut pairs = vec![
        ("CFBundleIdentifier", s(bundle)),
        ("CFBundleDisplayName", s(name)),
        ("CFBundleShortVersionString", s("2.1")),
        ("ApplicationType", s("User")),
    ];
    pairs.extend(extra);
    dict(pairs)
}

pub fn ent(pairs: Vec<(&str, bool)>) -> Value {
    dict(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::Boolean(v)))
            .collect(),
    )
}

/// installation_proxy's Browse answer, as `ideviceinstaller -l -o list_all -o xml` prints it.
pub fn apps() -> Value {
    let store = "Apple iPhone OS Application Signing";
    Value::Array(vec![
        app(
            "com.apple.mobilesafari",
            "Safari",
            vec![("ApplicationType", s("System"))],
        ),
        app(
            "org.example.notes",
            "Notes Plus",
            vec![
                ("SignerIdentity", s(store)),
                ("iTunesMetadata", Value::Data(b"bplist00".to_vec())),
            ],
        ),
        app(
            "com.example.helper",
            "System Helper",
            vec![
                (
                    "SignerIdentity",
                    s("iPhone Distribution: Example Remote Ltd"),
                ),
                ("ProfileValidated", Value::Boolean(true)),
            ],
        ),
        app(
            "com.example.devbuild",
            "Dev Build",
            vec![
                (
                    "SignerIdentity",
                    s("Apple Development: Sam Smith (AB12CD34EF)"),
                ),
                ("ProfileValidated", Value::Boolean(true)),
                ("Entitlements", ent(vec![("get-task-allow", true)])),
            ],
        ),
        app(
            "com.example.beta",
            "Beta App",
            vec![
                ("SignerIdentity", s(store)),
                ("Entitlements", ent(vec![("beta-reports-active", true)])),
            ],
        ),
        app(
            "com.example.spyphone",
            "Battery Saver",
            vec![("SignerIdentity", s(store))],
        ),
        app(
            "org.coolstar.SileoStore",
            "Sileo",
            vec![("SignerIdentity", s("iPhone Developer: Someone"))],
        ),
    ])
}

/// A `.mobileprovision`: a signed envelope (stand-in bytes) around an XML property list.
pub fn mobileprovision(name: &str, all_devices: bool) -> Vec<u8> {
    let body = xml(&dict(vec![
        ("Name", s(name)),
        ("TeamName", s("Example Remote Ltd")),
        ("UUID", s("5D2E7A10-3C4B-4F6A-9E8D-112233445566")),
        ("AppIDName", s("System Helper")),
        ("ProvisionsAllDevices", Value::Boolean(all_devices)),
        (
            "CreationDate",
            Value::Date(
                (std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000))
                    .into(),
            ),
        ),
        (
            "Entitlements",
            dict(vec![(
                "application-identifier",
                s("AB12CD34EF.com.example.helper"),
            )]),
        ),
    ]));
    let mut out = vec![0x30, 0x82, 0x1f, 0x4a, 0x06, 0x09];
    out.extend_from_slice(&body);
    out.extend_from_slice(&[0xa0, 0x82, 0x0c, 0x00, 0x30]);
    out
}
