//! Observations of the local network (ARP, SSDP, mDNS, probes) and of phone traffic (DNS,
//! TLS, QUIC, HTTP, flows). Re-exported by `observation`; their JSON is part of the replay
//! format.

use serde::{Deserialize, Serialize};

use super::*;

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
    pub probe: Probe,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub open: bool,
    /// Short, sanitised detail (e.g. the RTSP `Server` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The active probes of the network check (`probe` in the replay format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Probe {
    /// A TCP connection to a camera port was accepted.
    Tcp,
    /// The port answered an RTSP OPTIONS request.
    Rtsp,
    /// The device answered an ONVIF WS-Discovery probe.
    Onvif,
}

impl Probe {
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Tcp => "tcp",
            Probe::Rtsp => "rtsp",
            Probe::Onvif => "onvif",
        }
    }
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
    pub transport: Option<Transport>,
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
