//! Findings and devices: what the engine produces and the reports and UI read.
//! The JSON shape of these types is the findings contract (`docs/findings-json.md`).

use serde::{Deserialize, Serialize};

use crate::observation::{MacAddr, Timestamp};

pub use crate::severity::{Category, Severity};

/// How sure we are, in words a client can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confidence {
    pub level: Level,
    pub text: String,
}

/// How sure a finding is (`confidence.level` in the JSON: "high", "medium" or "low").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    High,
    Medium,
    Low,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

impl PartialEq<&str> for Level {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What kind of device a finding or a device row is about (`kind` in the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Bluetooth,
    #[default]
    Network,
    Phone,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Bluetooth => "bluetooth",
            DeviceKind::Network => "network",
            DeviceKind::Phone => "phone",
        }
    }
}

impl PartialEq<&str> for DeviceKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subject {
    pub kind: DeviceKind,
    /// An iPhone: its iOS version, e.g. "17.5.1".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios_version: Option<String>,
    /// The iPhone app a finding is about (bundle id, cleaned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Main address (Bluetooth address or MAC), uppercase with colons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<MacAddr>,
    /// Every address linked to this subject (rotations), including `address`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<MacAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<std::net::IpAddr>,
    /// Name from the air or the network, cleaned (see `sanitize::clean`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name exactly as received, as hex, when cleaning changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_hex: Option<String>,
    /// A phone checked over USB: its serial number (untrusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// A phone checked over USB: its model (untrusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A phone checked over USB: its Android version, e.g. "14".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_version: Option<String>,
    /// The app a phone finding is about (package name, untrusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<Timestamp>,
    pub text: String,
}

/// The volunteer marked this as the client's own device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recognised {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: Timestamp,
}

/// A point of a signal-strength history (for plots and the locate meter).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignalPoint {
    pub t: Timestamp,
    pub rssi: i16,
}

/// What kind of indicator matched (`indicators[].type` in the findings JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorType {
    Domain,
    Ip,
    Package,
    Certificate,
    ApkSha256,
}

impl IndicatorType {
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorType::Domain => "domain",
            IndicatorType::Ip => "ip",
            IndicatorType::Package => "package",
            IndicatorType::Certificate => "certificate",
            IndicatorType::ApkSha256 => "apk-sha256",
        }
    }
}

/// One indicator a finding matched, as data (so a case system need not parse prose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    #[serde(rename = "type")]
    pub kind: IndicatorType,
    /// What was seen: the full name, address, package or hash (untrusted; cleaned).
    pub value: String,
    /// The entry on the list it matched (e.g. the parent domain of `value`).
    pub listed: String,
    /// Signature entry id.
    pub matched: String,
    /// How many times it was seen.
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id within one scan (e.g. `tracker-1`).
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    /// Signature id that matched.
    pub signature: String,
    /// Plain words, one line.
    pub title: String,
    pub subject: Subject,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub evidence: Vec<Evidence>,
    /// Evidence items dropped because of the per-finding cap.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub evidence_dropped: u64,
    /// What it may mean.
    pub meaning: String,
    pub confidence: Confidence,
    pub next_steps: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognised: Option<Recognised>,
    /// Signal strength over time (Bluetooth only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signal: Vec<SignalPoint>,
    /// Every distinct indicator this finding matched (never capped like the evidence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
    /// Distinct indicators not kept because of `MAX_INDICATORS_PER_FINDING`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub indicators_dropped: u64,
}

/// Most distinct indicators one finding keeps (a listed domain can have endless subdomains).
pub const MAX_INDICATORS_PER_FINDING: usize = 1000;

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// A device seen during the scan (every one, finding or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub kind: DeviceKind,
    pub address: MacAddr,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<MacAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<std::net::IpAddr>,
    /// Name from the air or network, cleaned (see `sanitize::clean`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name exactly as received, as hex, when cleaning changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_hex: Option<String>,
    /// What we think it is, in plain words ("Apple AirTag", "Apple, Inc. device").
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rssi: Option<i16>,
    #[serde(default)]
    pub sightings: u64,
}
