//! Typed observations: what every source sends on the pipeline's one channel,
//! and what the replay/record format (JSON Lines, `docs/replay-format.md`) holds.
//!
//! One line of a recording is one [`Record`]: a timestamp `t`, a `kind` and the
//! fields of that kind. Live sources and replay produce exactly the same values.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceMark {
    /// Optional short label ("waiting room", "car park"). Never a client name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineMark {
    /// Any address of the device (Bluetooth address or network MAC).
    pub address: MacAddr,
    /// Initials of whoever marked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Takes back an earlier mark ("not the client's own after all").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undo: bool,
}

/// The checks a volunteer can ask for, as the client would name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Bluetooth,
    Network,
    PhoneTraffic,
    PhoneApps,
    Iphone,
}

/// A check asked for, and for how long (live checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskedCheck {
    pub check: Check,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
}

/// The start of a session, recorded first in its journal so a replay knows what was asked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionInfo {
    /// Case reference (never a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Initials of who ran the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<AskedCheck>,
    /// Demonstration data, not a real check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// What a client may be worried about (ISDi's consult form, clinic practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    /// Someone knows where I am.
    KnowsWhereIAm,
    /// Someone knows what I say in messages.
    ReadsMyMessages,
    /// My phone behaves strangely.
    PhoneBehavesStrangely,
    /// Someone got into my accounts.
    AccountsAccessed,
    /// A gift or item I do not trust.
    UntrustedItem,
    Other,
}

impl Concern {
    pub const ALL: [Concern; 6] = [
        Concern::KnowsWhereIAm,
        Concern::ReadsMyMessages,
        Concern::PhoneBehavesStrangely,
        Concern::AccountsAccessed,
        Concern::UntrustedItem,
        Concern::Other,
    ];

    /// In the client's words.
    pub fn words(self) -> &'static str {
        match self {
            Concern::KnowsWhereIAm => "Someone knows where I am",
            Concern::ReadsMyMessages => "Someone knows what I say in messages",
            Concern::PhoneBehavesStrangely => "My phone behaves strangely",
            Concern::AccountsAccessed => "Someone got into my accounts",
            Concern::UntrustedItem => "A gift or item I do not trust",
            Concern::Other => "Something else",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcernsObs {
    pub concerns: Vec<Concern>,
    /// Initials of the volunteer who recorded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The client's answer to "do you recognise this?" (for an app: "did you install it?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAnswer {
    Recognised,
    NotRecognised,
    NotSure,
}

impl ClientAnswer {
    pub fn words(self) -> &'static str {
        match self {
            ClientAnswer::Recognised => "the client recognises it",
            ClientAnswer::NotRecognised => "the client does not recognise it",
            ClientAnswer::NotSure => "the client is not sure",
        }
    }
}

/// What was decided about a finding, with the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    KeepAsEvidence,
    LeaveForNow,
    DecideWithAdvocate,
}

impl Decision {
    pub fn words(self) -> &'static str {
        match self {
            Decision::KeepAsEvidence => "keep as evidence",
            Decision::LeaveForNow => "leave it for now",
            Decision::DecideWithAdvocate => "decide with the advocate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerObs {
    /// The finding's id within the session (`tracker-1`, `traffic-2`, ...).
    pub finding: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ClientAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Initials of the volunteer who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteObs {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The account-access checklist (Apple Account and its sharing): reviewed by the
/// volunteer with the client, never automated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountItem {
    /// The devices signed in to the client's Apple Account.
    AppleAccountDevices,
    /// Family Sharing: the group and its organiser.
    FamilySharing,
    /// Find My: people the location is shared with, items registered to others.
    FindMySharing,
    /// Safety Check (iOS 16 and later): who and which apps have access.
    SafetyCheck,
    /// Who knows the account password and passcode; where two-factor codes go.
    PasswordsAndCodes,
}

impl AccountItem {
    pub const ALL: [AccountItem; 5] = [
        AccountItem::AppleAccountDevices,
        AccountItem::FamilySharing,
        AccountItem::FindMySharing,
        AccountItem::SafetyCheck,
        AccountItem::PasswordsAndCodes,
    ];

    /// A short title.
    pub fn title(self) -> &'static str {
        match self {
            AccountItem::AppleAccountDevices => "Apple Account devices",
            AccountItem::FamilySharing => "Family Sharing",
            AccountItem::FindMySharing => "Find My sharing",
            AccountItem::SafetyCheck => "Safety Check",
            AccountItem::PasswordsAndCodes => "Passwords and codes",
        }
    }
}

/// What the volunteer and client found on one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountAnswer {
    /// Looked at together; the client recognises everything there.
    NothingUnexpected,
    /// Looked at together; something the client does not recognise or did not agree to.
    SomethingUnexpected,
    /// Not looked at (no time, no access, the client chose not to).
    NotChecked,
}

impl AccountAnswer {
    pub fn words(self) -> &'static str {
        match self {
            AccountAnswer::NothingUnexpected => {
                "looked at with the client: nothing the client does not recognise"
            }
            AccountAnswer::SomethingUnexpected => {
                "looked at with the client: something the client does not recognise"
            }
            AccountAnswer::NotChecked => "not looked at",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountCheckObs {
    pub item: AccountItem,
    pub answer: AccountAnswer,
    /// Initials of the volunteer who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
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
    /// An iPhone backup folder (Finder, iTunes, idevicebackup2).
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
            SourceKind::Ios => "iPhone backup",
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

// ---------------------------------------------------------------- LAN

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArpSighting {
    pub mac: MacAddr,
    pub ip: IpAddr,
    /// "arp-reply", "arp-request", "dhcp", "active-sweep".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// DHCP host name, when the sighting came from DHCP. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// DHCP vendor class (option 60, e.g. `android-dhcp-13`), when the sighting came from
    /// DHCP. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
}

/// An SSDP (UPnP discovery) notice: `NOTIFY` with `ssdp:alive`, or an answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsdpNotice {
    /// The sender's address.
    pub ip: IpAddr,
    /// The sender's link-layer address, when the capture has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<MacAddr>,
    /// `NT` or `ST`: what is announced (e.g. `urn:schemas-upnp-org:device:MediaRenderer:1`). Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `SERVER` header. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// `USN` header. Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usn: Option<String>,
    /// `LOCATION` header (the device description's URL). Untrusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdnsService {
    /// Service type, e.g. `_rtsp._tcp.local.`
    pub service_type: String,
    /// Instance full name. Untrusted.
    pub instance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub txt: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeResult {
    pub ip: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<MacAddr>,
    /// "tcp", "rtsp", "onvif".
    pub probe: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub open: bool,
    /// Short, sanitised detail (e.g. the RTSP `Server` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

// ---------------------------------------------------------------- traffic

/// The two ends of a packet or flow: the client (the phone on the hotspot) and the remote peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    pub client_ip: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_mac: Option<MacAddr>,
    pub server_ip: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsObs {
    #[serde(flatten)]
    pub ends: Endpoints,
    /// The names in the question, and for responses every name in the answers (CNAME chains).
    pub names: Vec<String>,
    /// Addresses given in the answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<IpAddr>,
    #[serde(default)]
    pub response: bool,
    /// "udp" or "tcp".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    /// Names whose HTTPS/SVCB answer carries an Encrypted Client Hello configuration
    /// (SvcParam `ech`): the phone was given a key to hide its ClientHello for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ech_names: Vec<String>,
    /// Byte offset of the packet in the capture file (evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsObs {
    #[serde(flatten)]
    pub ends: Endpoints,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The ClientHello carries Encrypted Client Hello.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ech: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuicObs {
    #[serde(flatten)]
    pub ends: Endpoints,
    /// QUIC version (1 = 0x00000001, 2 = 0x6b3343cf).
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ech: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpObs {
    #[serde(flatten)]
    pub ends: Endpoints,
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowObs {
    #[serde(flatten)]
    pub ends: Endpoints,
    pub transport: Transport,
    #[serde(default)]
    pub packets: u64,
    #[serde(default)]
    pub bytes: u64,
}

// ---------------------------------------------------------------- Android app check

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
    /// Where it was found: `info-plist` (Installed Applications), `app-domain` (the
    /// backup's app data), `manifest-plist`.
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

// ---------------------------------------------------------------- value types

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

/// A 48-bit address (Bluetooth or Ethernet), shown uppercase with colons.
///
/// ```
/// let a: sweep::observation::MacAddr = "c4:11:22:33:44:55".parse().unwrap();
/// assert_eq!(a.to_string(), "C4:11:22:33:44:55");
/// assert!("c4:11:22".parse::<sweep::observation::MacAddr>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Locally administered bit set: for Ethernet, a randomised (private) address.
    pub fn is_locally_administered(&self) -> bool {
        self.0[0] & 0x02 != 0
    }
    pub fn oui(&self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let parts: Vec<&str> = if s.contains(':') {
            s.split(':').collect()
        } else if s.contains('-') {
            s.split('-').collect()
        } else if s.len() == 12 && s.is_ascii() {
            (0..6).map(|i| &s[i * 2..i * 2 + 2]).collect()
        } else {
            return Err(format!(
                "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
            ));
        };
        if parts.len() != 6 {
            return Err(format!(
                "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
            ));
        }
        for (i, p) in parts.iter().enumerate() {
            if p.len() != 2 {
                return Err(format!(
                    "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
                ));
            }
            out[i] = u8::from_str_radix(p, 16)
                .map_err(|_| format!("invalid address {s:?}: {p:?} is not a hex byte"))?;
        }
        Ok(MacAddr(out))
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Raw bytes, written as a hex string in JSON.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct HexBytes(pub Vec<u8>);

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(&self.0))
    }
}

impl std::ops::Deref for HexBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        hex::decode(s.as_ref())
            .map(HexBytes)
            .map_err(|e| serde::de::Error::custom(format!("invalid hex {s:?}: {e}")))
    }
}

/// A Bluetooth service UUID. 16-bit UUIDs (on the Bluetooth base UUID) are
/// written as 4 hex digits, others as the full 128-bit form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BleUuid(pub uuid::Uuid);

const BT_BASE_TAIL: [u8; 12] = [
    0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb,
];

impl BleUuid {
    pub fn from_u16(v: u16) -> Self {
        let mut b = [0u8; 16];
        b[2] = (v >> 8) as u8;
        b[3] = v as u8;
        b[4..].copy_from_slice(&BT_BASE_TAIL);
        BleUuid(uuid::Uuid::from_bytes(b))
    }
    /// The 16-bit form, when this UUID is on the Bluetooth base UUID.
    pub fn as_u16(&self) -> Option<u16> {
        let b = self.0.as_bytes();
        if b[0] == 0 && b[1] == 0 && b[4..] == BT_BASE_TAIL {
            Some(u16::from(b[2]) << 8 | u16::from(b[3]))
        } else {
            None
        }
    }
}

impl fmt::Display for BleUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_u16() {
            Some(v) => write!(f, "{v:04x}"),
            None => write!(f, "{}", self.0.hyphenated()),
        }
    }
}

impl fmt::Debug for BleUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for BleUuid {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim_start_matches("0x");
        if t.len() == 4 {
            return u16::from_str_radix(t, 16)
                .map(BleUuid::from_u16)
                .map_err(|_| {
                    format!("invalid UUID {s:?}: expected 4 hex digits or a 128-bit UUID")
                });
        }
        uuid::Uuid::parse_str(t)
            .map(BleUuid)
            .map_err(|_| format!("invalid UUID {s:?}: expected 4 hex digits or a 128-bit UUID"))
    }
}

impl Serialize for BleUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BleUuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ble_record_accepts_the_documented_shape() {
        let line = r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"C4:11:22:33:44:55","address_type":"random","rssi":-58,"name":"optional","tx_power":null,"manufacturer_data":{"76":"12190f"},"service_data":{"fd5a":"12a0"},"services":["feed"]}"#;
        let r: Record = serde_json::from_str(line).expect("parses");
        let Observation::Ble(a) = &r.obs else {
            panic!("not ble")
        };
        assert_eq!(a.address.to_string(), "C4:11:22:33:44:55");
        assert_eq!(a.manufacturer_data[&76].0, vec![0x12, 0x19, 0x0f]);
        assert_eq!(
            a.service_data[&BleUuid::from_u16(0xfd5a)].0,
            vec![0x12, 0xa0]
        );
        assert_eq!(a.services, vec![BleUuid::from_u16(0xfeed)]);
        assert_eq!(a.rssi, Some(-58));
        assert_eq!(a.tx_power, None);
    }

    #[test]
    fn only_t_kind_address_are_required() {
        let r: Record = serde_json::from_str(
            r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"c4:11:22:33:44:55"}"#,
        )
        .expect("parses");
        assert!(matches!(r.obs, Observation::Ble(_)));
    }

    #[test]
    fn address_with_multibyte_characters_is_an_error_not_a_panic() {
        // Found by the replay fuzz target: 12 bytes that are not 12 characters.
        assert!("C61\u{201b}9700e0".parse::<MacAddr>().is_err());
        assert!("C61‛9700e0".parse::<MacAddr>().is_err());
    }

    #[test]
    fn round_trip_keeps_uuid_forms() {
        let full = "7dfc9000-7d1c-4951-86aa-8d9728f8d66c";
        let u: BleUuid = full.parse().expect("uuid");
        assert_eq!(u.to_string(), full);
        let long: BleUuid = "0000FEAA-0000-1000-8000-00805F9B34FB"
            .parse()
            .expect("uuid");
        assert_eq!(long.to_string(), "feaa");
    }
}
