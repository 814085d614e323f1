//! Observations of the checks of the phone itself: the Android app check (over adb or from
//! a snapshot folder) and the iPhone check (over USB or from a backup). Re-exported by
//! `observation`; their JSON is part of the replay format.

use serde::{Deserialize, Serialize};

use super::*;

// ---------------------------------------------------------------- Android app check

/// An Android package name: letters, digits, `_` and dots.
pub fn valid_package(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// Who the phone is, from `getprop` (see `docs/android.md`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidDevice {
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// `ro.build.version.release`, e.g. "14".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<u32>,
    /// `ro.build.version.security_patch`, e.g. "2024-03-05".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_patch: Option<String>,
    /// Other properties of interest (build type and tags, debuggable, verified boot state,
    /// bootloader lock, time zone), as the phone gave them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub props: BTreeMap<String, String>,
}

/// One installed app (one package, for the phone's main user unless said otherwise).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidApp {
    pub serial: String,
    pub package: String,
    /// Display name, when the collection had one (untrusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Package that installed it (`installerPackageName`); absent when none was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
    /// First install and last update, in the phone's own local time as it printed them
    /// ("2026-11-20 21:14:03"); the phone's time zone is in the device's props.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_install: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_code: Option<u64>,
    /// Part of the system image (the maker's own), updated or not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
    /// Disabled by the user or the system.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// Has an icon in the app drawer; absent when that part of the check was not done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher: Option<bool>,
    /// Enabled accessibility services of this app (component names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<String>,
    /// Active device administrators of this app (component names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_admin: Vec<String>,
    /// Enabled notification listeners of this app (component names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notification_listener: Vec<String>,
    /// Dangerous (runtime) permissions granted, e.g. `android.permission.ACCESS_FINE_LOCATION`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dangerous_permissions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apk_path: Option<String>,
    /// SHA-256 of the base APK, lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apk_sha256: Option<String>,
    /// SHA-1 of each signing certificate (DER), upper-case hex without colons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_sha1: Vec<String>,
    /// SHA-256 of each signing certificate (DER), upper-case hex without colons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_sha256: Vec<String>,
    /// Why the APK's hash or signing certificate is missing (`error` in `apks.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apk_error: Option<String>,
}

/// Phone-wide settings of interest (`settings list global|secure|system`), by namespace.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidSettings {
    pub serial: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub global: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secure: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub system: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerRole {
    DeviceOwner,
    ProfileOwner,
}

/// A device owner or profile owner from `dumpsys device_policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidOwner {
    pub serial: String,
    pub role: OwnerRole,
    pub package: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<u32>,
}

/// The parts of the Android app check (one raw output each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AndroidPartKind {
    Getprop,
    Packages,
    Accessibility,
    DevicePolicy,
    NotificationListeners,
    SettingsGlobal,
    SettingsSecure,
    SettingsSystem,
    LauncherApps,
    Apks,
}

impl AndroidPartKind {
    pub const ALL: [AndroidPartKind; 10] = [
        AndroidPartKind::Getprop,
        AndroidPartKind::Packages,
        AndroidPartKind::Accessibility,
        AndroidPartKind::DevicePolicy,
        AndroidPartKind::NotificationListeners,
        AndroidPartKind::SettingsGlobal,
        AndroidPartKind::SettingsSecure,
        AndroidPartKind::SettingsSystem,
        AndroidPartKind::LauncherApps,
        AndroidPartKind::Apks,
    ];

    /// What this part looks at, in plain words.
    pub fn plain_name(self) -> &'static str {
        match self {
            AndroidPartKind::Getprop => "the phone's model, Android version and security update",
            AndroidPartKind::Packages => "the list of installed apps",
            AndroidPartKind::Accessibility => "apps allowed to read the screen (accessibility)",
            AndroidPartKind::DevicePolicy => {
                "apps that manage the phone (device administrators and owners)"
            }
            AndroidPartKind::NotificationListeners => "apps allowed to read notifications",
            AndroidPartKind::SettingsGlobal => "phone-wide settings (app verification)",
            AndroidPartKind::SettingsSecure => "security settings",
            AndroidPartKind::SettingsSystem => "system settings",
            AndroidPartKind::LauncherApps => "which apps have an icon (hidden apps)",
            AndroidPartKind::Apks => "app fingerprints and signing certificates",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartState {
    Done,
    Partial,
    NotDone,
}

/// How one part of the Android app check went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidPart {
    pub serial: String,
    pub part: AndroidPartKind,
    pub state: PartState,
    /// Why it is partial or not done (names the file and line when the output was bad).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// ---------------------------------------------------------------- iPhone

/// An iPhone, as its backup (`Info.plist`) describes it. Never its name (often the
/// owner's first name).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosDevice {
    /// The phone's identifier (UDID) from the backup; ties the other `ios-*` records to it.
    pub udid: String,
    /// Apple's model code, e.g. `iPhone14,2`. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// The model in words, e.g. `iPhone 13 Pro`. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// iOS version (`ProductVersion`), e.g. `17.5.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios_version: Option<String>,
    /// iOS build, e.g. `21F90`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// When the backup was made (`Last Backup Date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_date: Option<Timestamp>,
    /// `backup` (a backup folder) or `usb` (read live).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Live check: the phone is supervised (`DeviceIsChaperoned`: set up with Apple
    /// Configurator or an organisation's device enrolment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervised: Option<bool>,
    /// Live check: Developer Mode is on (`DeveloperModeStatus`, iOS 16 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_mode: Option<bool>,
}

/// Who signed an iPhone app, when known (a live check can tell; a backup cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IosSigner {
    AppStore,
    Enterprise,
    Developer,
    TestFlight,
    System,
}

/// One app installed on an iPhone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosApp {
    pub udid: String,
    /// Bundle id, e.g. `com.saurik.Cydia`. Untrusted.
    pub bundle_id: String,
    /// The app's name, when the backup holds it. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<IosSigner>,
    /// Live check: the certificate the app is signed with (`SignerIdentity`), e.g.
    /// `iPhone Distribution: Example Ltd`. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_identity: Option<String>,
    /// Where it was found: `info-plist` (Installed Applications), `app-domain` (the
    /// backup's app data), `manifest-plist`; `installation-proxy` (read live over USB).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_in: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IosProfileKind {
    /// A configuration profile (settings, VPN, certificates, management).
    Configuration,
    /// A provisioning profile: lets apps signed outside the App Store run.
    Provisioning,
}

/// A configuration or provisioning profile installed on an iPhone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosProfile {
    pub udid: String,
    pub profile: IosProfileKind,
    /// Where it was read: `domain/relativePath` in the backup.
    pub file: String,
    /// `PayloadIdentifier` (provisioning: the app id). Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// `PayloadDisplayName` (provisioning: `Name`). Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `PayloadOrganization` (provisioning: `TeamName`). Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// `PayloadDescription`. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Each payload's `PayloadType`, e.g. `com.apple.mdm`, `com.apple.wifi.managed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payload_types: Vec<String>,
    /// `InstallDate` (provisioning: `CreationDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<Timestamp>,
    /// Provisioning: `ProvisionsAllDevices` (an enterprise profile: apps for any phone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_devices: bool,
    /// Provisioning: how many phones `ProvisionedDevices` lists (developer or ad hoc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<u64>,
}

/// The parts of the live iPhone check, one file each in `ios/<udid>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IosPartKind {
    DeviceInfo,
    Apps,
    Provisioning,
    ConfigurationProfiles,
    DeveloperMode,
    Supervision,
}

impl IosPartKind {
    pub const ALL: [IosPartKind; 6] = [
        IosPartKind::DeviceInfo,
        IosPartKind::Apps,
        IosPartKind::Provisioning,
        IosPartKind::ConfigurationProfiles,
        IosPartKind::DeveloperMode,
        IosPartKind::Supervision,
    ];

    /// What this part looks at, in plain words.
    pub fn plain_name(self) -> &'static str {
        match self {
            IosPartKind::DeviceInfo => "the iPhone's model and iOS version",
            IosPartKind::Apps => "the list of installed apps and who signed them",
            IosPartKind::Provisioning => {
                "provisioning profiles (apps signed outside the App Store)"
            }
            IosPartKind::ConfigurationProfiles => "configuration and management (MDM) profiles",
            IosPartKind::DeveloperMode => "Developer Mode",
            IosPartKind::Supervision => "whether the iPhone is supervised (managed)",
        }
    }
}

/// How one part of the live iPhone check went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosPart {
    pub udid: String,
    pub part: IosPartKind,
    pub state: PartState,
    /// Why it is partial or not done (names the file when the answer was bad).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
