//! Typed observations: what every source sends on the pipeline's one channel,
//! and what the replay/record format (JSON Lines, `docs/replay-format.md`) holds.
//!
//! One line of a recording is one [`Record`]: a timestamp `t`, a `kind` and the
//! fields of that kind. Live sources and replay produce exactly the same values.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

mod network;
mod phone;
mod values;
mod volunteer;
pub use network::*;
pub use phone::*;
pub use values::*;
pub use volunteer::*;

/// A point in time (UTC). The engine never reads the clock; time comes in here.
pub type Timestamp = DateTime<Utc>;

/// One observation with the time it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub t: Timestamp,
    #[serde(flatten)]
    pub obs: Observation,
}

impl Record {
    pub fn new(t: Timestamp, obs: Observation) -> Self {
        Self { t, obs }
    }
}

/// Every kind of observation. The `kind` field in JSON selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observation {
    /// One Bluetooth LE advertisement.
    Ble(BleAdvert),
    /// The volunteer marked "we have moved to a new place".
    Place(PlaceMark),
    /// The volunteer marked a device as recognised ("this is mine").
    Mine(MineMark),
    /// A source changed state (started, unavailable with a reason, finished).
    Source(SourceEvent),
    /// A host seen through ARP (or DHCP) on the local network.
    Arp(ArpSighting),
    /// A service instance resolved through mDNS / DNS-SD.
    Mdns(MdnsService),
    /// The result of an active probe of a host (port check, RTSP, ONVIF).
    Probe(ProbeResult),
    /// A DNS query or answer seen in phone traffic.
    Dns(DnsObs),
    /// A TLS ClientHello seen in phone traffic (over TCP).
    Tls(TlsObs),
    /// A QUIC Initial whose ClientHello was decrypted.
    Quic(QuicObs),
    /// An HTTP/1 request Host header seen in phone traffic.
    Http(HttpObs),
    /// A flow between a client on the hotspot and a remote peer.
    Flow(FlowObs),
    /// A session started: the case, who ran it and which checks were asked for, for how long.
    Session(SessionInfo),
    /// The client's concerns, as chosen with the volunteer before the checks.
    Concerns(ConcernsObs),
    /// The client's answer to a finding, or what was decided about it.
    Answer(AnswerObs),
    /// A note of the volunteer's (never the client's name).
    Note(NoteObs),
    /// One item of the account-access checklist, gone through with the client.
    AccountCheck(AccountCheckObs),
    /// An SSDP (UPnP) notice: a device announcing itself on the local network.
    Ssdp(SsdpNotice),
    /// An Android phone checked over USB (or from its snapshot folder): who it is.
    AndroidDevice(AndroidDevice),
    /// One app installed on an Android phone, with its powers.
    AndroidApp(Box<AndroidApp>),
    /// Phone-wide settings of interest on an Android phone.
    AndroidSettings(AndroidSettings),
    /// A device owner or profile owner (an app that manages the phone).
    AndroidOwner(AndroidOwner),
    /// How one part of the Android app check went (done, partial, not done).
    AndroidPart(AndroidPart),
    /// An iPhone read from its backup: which phone, which iOS.
    IosDevice(IosDevice),
    /// One app installed on an iPhone.
    IosApp(IosApp),
    /// A configuration or provisioning profile installed on an iPhone.
    IosProfile(Box<IosProfile>),
    /// How one part of the live iPhone check went (done, partial, not done).
    IosPart(IosPart),
}

impl Observation {
    pub fn kind(&self) -> &'static str {
        match self {
            Observation::Ble(_) => "ble",
            Observation::Place(_) => "place",
            Observation::Mine(_) => "mine",
            Observation::Source(_) => "source",
            Observation::Arp(_) => "arp",
            Observation::Mdns(_) => "mdns",
            Observation::Probe(_) => "probe",
            Observation::Dns(_) => "dns",
            Observation::Tls(_) => "tls",
            Observation::Quic(_) => "quic",
            Observation::Http(_) => "http",
            Observation::Flow(_) => "flow",
            Observation::Session(_) => "session",
            Observation::Concerns(_) => "concerns",
            Observation::Answer(_) => "answer",
            Observation::Note(_) => "note",
            Observation::AccountCheck(_) => "account-check",
            Observation::Ssdp(_) => "ssdp",
            Observation::AndroidDevice(_) => "android-device",
            Observation::AndroidApp(_) => "android-app",
            Observation::AndroidSettings(_) => "android-settings",
            Observation::AndroidOwner(_) => "android-owner",
            Observation::AndroidPart(_) => "android-part",
            Observation::IosDevice(_) => "ios-device",
            Observation::IosApp(_) => "ios-app",
            Observation::IosProfile(_) => "ios-profile",
            Observation::IosPart(_) => "ios-part",
        }
    }
}

// ---------------------------------------------------------------- Bluetooth

/// One BLE advertisement, in btleplug's conventions: manufacturer data keyed by
/// the company identifier (decimal in JSON) with the bytes *after* the company
/// id; service data keyed by service UUID with the bytes after the UUID.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BleAdvert {
    pub address: MacAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<AddressType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rssi: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_power: Option<i16>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "company_map"
    )]
    pub manufacturer_data: BTreeMap<u16, HexBytes>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_data: BTreeMap<BleUuid, HexBytes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<BleUuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressType {
    Public,
    Random,
}

/// Manufacturer data keys are company identifiers written in decimal (JSON object keys are strings).
fn company_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u16, HexBytes>, D::Error> {
    let raw = BTreeMap::<String, HexBytes>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| {
            k.parse::<u16>().map(|k| (k, v)).map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid company identifier {k:?}: expected a decimal number from 0 to 65535"
                ))
            })
        })
        .collect()
}

/// The sources of observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Ble,
    Lan,
    Mdns,
    Traffic,
    Replay,
    Capture,
    /// The Android app check (over USB, or a snapshot folder).
    Android,
    /// An iPhone backup folder (Finder, iTunes, idevicebackup2), or the live check over USB
    /// (`ios/<udid>/`).
    Ios,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ble => "ble",
            SourceKind::Lan => "lan",
            SourceKind::Mdns => "mdns",
            SourceKind::Traffic => "traffic",
            SourceKind::Replay => "replay",
            SourceKind::Capture => "capture",
            SourceKind::Android => "android",
            SourceKind::Ios => "ios",
        }
    }

    /// Plain-language name for reports and the UI.
    pub fn plain_name(self) -> &'static str {
        match self {
            SourceKind::Ble => "Bluetooth trackers",
            SourceKind::Lan => "Devices on this network",
            SourceKind::Mdns => "Services announced on this network",
            SourceKind::Traffic => "Phone traffic (live)",
            SourceKind::Replay => "Recorded session",
            SourceKind::Capture => "Saved phone traffic capture",
            SourceKind::Android => "Phone apps (USB)",
            SourceKind::Ios => "iPhone (backup or USB)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceState {
    Running,
    Unavailable,
    Finished,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEvent {
    pub source: SourceKind,
    pub state: SourceState,
    /// Why, in plain words (for unavailable / failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the volunteer can do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[cfg(test)]
mod tests;
