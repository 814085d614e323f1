//! Devices on the local network (ARP/DHCP sightings, mDNS services, probe results) and
//! leads for cameras and controllable devices. Vendors come from the embedded IEEE
//! registry (`oui-data`); a locally administered (randomised) MAC gets no vendor guess.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use crate::engine::Context;
use crate::engine::finding::{
    Category, Confidence, Device, DeviceKind, Evidence, Finding, Level, Recognised, Severity,
    Subject,
};
use crate::observation::{MacAddr, Observation, Timestamp};
use crate::signatures::{Entry, MatchRule, SignatureSet};

pub const MAX_HOSTS: usize = 4_096;

/// What the MAC prefix says about the maker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vendor {
    Known(&'static str),
    /// Locally administered: the device picked a random address (phones do), so no maker.
    Randomised,
    Unknown,
}

impl Vendor {
    pub fn words(&self) -> String {
        match self {
            Vendor::Known(v) => v.to_string(),
            Vendor::Randomised => "private (randomised) address: the maker cannot be told".into(),
            Vendor::Unknown => "maker not in the registry".into(),
        }
    }
}

/// Maker from the embedded IEEE registry (MA-L, MA-M, MA-S, CID, IAB).
pub fn vendor(mac: &MacAddr) -> Vendor {
    if mac.is_locally_administered() {
        return Vendor::Randomised;
    }
    let hex = hex::encode_upper(mac.0);
    match oui_data::lookup(&hex) {
        Some(r) => Vendor::Known(r.organization()),
        None => Vendor::Unknown,
    }
}

#[derive(Debug, Clone, Default)]
struct Host {
    mac: Option<MacAddr>,
    ips: BTreeSet<IpAddr>,
    hostnames: BTreeSet<String>,
    /// service type → instance names
    services: BTreeMap<String, BTreeSet<String>>,
    open_ports: BTreeSet<u16>,
    probes: Vec<String>,
    /// Which probes were answered (for signatures that need one).
    answered: std::collections::BTreeSet<crate::observation::Probe>,
    /// DHCP vendor classes (option 60).
    vendor_classes: BTreeSet<String>,
    /// Models announced in mDNS TXT records (`model=`).
    models: BTreeSet<String>,
    /// What the device announces over SSDP (UPnP), short form ("MediaRenderer", "dial").
    upnp: BTreeSet<String>,
    /// SSDP `SERVER` headers.
    upnp_servers: BTreeSet<String>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    sightings: u64,
    recognised: Option<Recognised>,
}

#[derive(Debug, Default)]
pub struct LanState {
    entries: Vec<Entry>,
    hosts: Vec<Host>,
    by_mac: HashMap<MacAddr, usize>,
    by_ip: HashMap<IpAddr, usize>,
    dropped: u64,
}

/// The short form of an SSDP `NT`/`ST`: the type name of a `urn:` (`MediaRenderer` from
/// `urn:schemas-upnp-org:device:MediaRenderer:1`); nothing for `upnp:rootdevice` or `uuid:`.
fn short_upnp(s: &str) -> Option<String> {
    let mut parts = s.split(':');
    if !parts.next()?.eq_ignore_ascii_case("urn") {
        return None;
    }
    let name = parts.nth(2)?;
    (!name.is_empty()).then(|| crate::sanitize::clean(name, 40))
}

/// Phone evidence from what a host said about itself, in words.
fn phone_words(h: &Host) -> Option<String> {
    if let Some(v) = h
        .vendor_classes
        .iter()
        .find(|v| v.to_ascii_lowercase().starts_with("android-dhcp"))
    {
        return Some(format!(
            "its DHCP vendor class is {v} (Android phones send this)"
        ));
    }
    if let Some(m) = h
        .models
        .iter()
        .find(|m| m.to_ascii_lowercase().starts_with("iphone"))
    {
        return Some(format!("it announces the model {m} over mDNS"));
    }
    None
}

fn short_service(s: &str) -> String {
    s.trim_end_matches('.')
        .trim_end_matches(".local")
        .to_ascii_lowercase()
}

impl LanState {
    pub fn new(signatures: &SignatureSet) -> Self {
        let entries = signatures
            .entries
            .iter()
            .filter(|e| e.category == Category::NetworkDevice)
            .cloned()
            .collect();
        Self {
            entries,
            ..Self::default()
        }
    }

    fn host(&mut self, mac: Option<MacAddr>, ip: Option<IpAddr>) -> Option<usize> {
        let by_mac = mac.and_then(|m| self.by_mac.get(&m).copied());
        let by_ip = ip.and_then(|i| self.by_ip.get(&i).copied());
        let idx = match (by_mac, by_ip) {
            (Some(a), _) => a,
            (None, Some(b)) if self.hosts[b].mac.is_none() || mac.is_none() => b,
            _ => {
                if self.hosts.len() >= MAX_HOSTS {
                    self.dropped += 1;
                    return None;
                }
                self.hosts.push(Host::default());
                self.hosts.len() - 1
            }
        };
        if let Some(m) = mac {
            self.hosts[idx].mac.get_or_insert(m);
            self.by_mac.insert(m, idx);
        }
        if let Some(i) = ip {
            self.hosts[idx].ips.insert(i);
            self.by_ip.insert(i, idx);
        }
        Some(idx)
    }

    pub fn ingest(&mut self, t: Timestamp, obs: &Observation, _ctx: &Context<'_>) {
        let idx = match obs {
            Observation::Arp(a) => {
                let i = self.host(Some(a.mac), Some(a.ip));
                if let (Some(i), Some(h)) = (i, &a.hostname) {
                    self.hosts[i]
                        .hostnames
                        .insert(crate::sanitize::clean(h, 64));
                }
                if let (Some(i), Some(v)) = (i, &a.vendor_class)
                    && self.hosts[i].vendor_classes.len() < 8
                {
                    self.hosts[i]
                        .vendor_classes
                        .insert(crate::sanitize::clean(v, 64));
                }
                i
            }
            Observation::Ssdp(n) => {
                let i = self.host(n.mac, Some(n.ip));
                if let Some(i) = i {
                    let h = &mut self.hosts[i];
                    if let Some(u) = n.target.as_deref().and_then(short_upnp)
                        && h.upnp.len() < 16
                    {
                        h.upnp.insert(u);
                    }
                    if let Some(sv) = &n.server
                        && h.upnp_servers.len() < 4
                    {
                        h.upnp_servers.insert(crate::sanitize::clean(sv, 100));
                    }
                }
                i
            }
            Observation::Mdns(m) => {
                let mut i = None;
                for ip in &m.addresses {
                    i = self.host(None, Some(*ip)).or(i);
                }
                if let Some(i) = i {
                    let h = &mut self.hosts[i];
                    if h.services.len() < 64 {
                        h.services
                            .entry(short_service(&m.service_type))
                            .or_default()
                            .insert(crate::sanitize::clean(&m.instance, 80));
                    }
                    if let Some(n) = &m.hostname {
                        h.hostnames.insert(crate::sanitize::clean(n, 64));
                    }
                    if let Some(model) = m.txt.get("model")
                        && h.models.len() < 8
                    {
                        h.models.insert(crate::sanitize::clean(model, 64));
                    }
                }
                i
            }
            Observation::Probe(p) => {
                let i = self.host(p.mac, Some(p.ip));
                if let Some(i) = i {
                    let h = &mut self.hosts[i];
                    if p.open
                        && let Some(port) = p.port
                    {
                        h.open_ports.insert(port);
                    }
                    if p.open {
                        h.answered.insert(p.probe);
                    }
                    if p.open && h.probes.len() < 32 {
                        h.probes.push(format!(
                            "{} {}{}",
                            p.probe.as_str(),
                            p.port
                                .map(|x| format!("port {x} open"))
                                .unwrap_or_else(|| "answered".into()),
                            p.detail
                                .as_deref()
                                .map(|d| format!(": {}", crate::sanitize::clean(d, 100)))
                                .unwrap_or_default()
                        ));
                        if p.probe == crate::observation::Probe::Onvif {
                            h.open_ports.insert(3702);
                        }
                    }
                }
                i
            }
            Observation::Mine(m) => {
                if let Some(&i) = self.by_mac.get(&m.address) {
                    self.hosts[i].recognised = (!m.undo).then(|| Recognised {
                        by: m.by.clone(),
                        at: t,
                    });
                }
                None
            }
            _ => None,
        };
        if let Some(i) = idx {
            let h = &mut self.hosts[i];
            h.first = Some(h.first.map_or(t, |f| f.min(t)));
            h.last = Some(h.last.map_or(t, |l| l.max(t)));
            h.sightings += 1;
        }
    }

    /// The entries a host matches, with the evidence for each.
    fn matches(&self, h: &Host) -> Vec<(&Entry, Vec<String>)> {
        let v = h.mac.map(|m| vendor(&m));
        let mut out = Vec::new();
        for e in &self.entries {
            let ev: Vec<String> = match &e.rule {
                MatchRule::VendorName { names } if !names.is_empty() => match &v {
                    Some(Vendor::Known(org))
                        if names.iter().any(|n| {
                            org.to_ascii_lowercase().contains(&n.to_ascii_lowercase())
                        }) =>
                    {
                        vec![sentence(format!("Maker (from the MAC prefix): {org}"))]
                    }
                    _ => vec![],
                },
                MatchRule::Vendor { prefixes } => match h.mac {
                    Some(m)
                        if prefixes.iter().any(|p| {
                            crate::signatures::parse_prefix(p).is_ok_and(|b| m.0.starts_with(&b))
                        }) =>
                    {
                        vec![format!("MAC prefix {m} is listed.")]
                    }
                    _ => vec![],
                },
                MatchRule::MdnsService { services } => h
                    .services
                    .iter()
                    .filter(|(s, _)| services.iter().any(|x| x.eq_ignore_ascii_case(s)))
                    .map(|(s, inst)| {
                        format!(
                            "Announces {s} ({}).",
                            inst.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect(),
                MatchRule::OpenPort { ports, probe } => h
                    .open_ports
                    .iter()
                    .filter(|p| ports.contains(p))
                    .filter(|_| probe.is_none_or(|pr| h.answered.contains(&pr)))
                    .map(|p| format!("Port {p} open (active check)."))
                    .collect(),
                _ => vec![],
            };
            if !ev.is_empty() {
                out.push((e, ev));
            }
        }
        out
    }

    pub fn findings(&self, out: &mut Vec<Finding>) {
        for (i, h) in self.hosts.iter().enumerate() {
            let (Some(first), Some(last)) = (h.first, h.last) else {
                continue;
            };
            let m = self.matches(h);
            let camera: Vec<&(&Entry, Vec<String>)> = m
                .iter()
                .filter(|(e, _)| e.severity == Severity::Medium)
                .collect();
            let (entry, mut evidence, level) = if !camera.is_empty() {
                let ev: Vec<String> = camera.iter().flat_map(|(_, v)| v.iter().cloned()).collect();
                let level = if camera.len() > 1 {
                    Level::Medium
                } else {
                    Level::Low
                };
                (camera[0].0, ev, level)
            } else if let Some((e, ev)) = m.first() {
                (*e, ev.clone(), Level::Medium)
            } else if let Some(e) = self.entries.iter().find(|e| e.id == "network.unknown") {
                (e, vec![], Level::Low)
            } else {
                continue;
            };
            let v = h.mac.map(|m| vendor(&m));
            if let Some(v) = &v {
                let words = v.words();
                // Once: not again when the maker is already the reason for the finding.
                if !evidence
                    .iter()
                    .any(|e| e.starts_with("Maker") && e.contains(words.trim_end_matches('.')))
                {
                    evidence.push(sentence(format!("Maker: {words}")));
                }
            }
            if !h.hostnames.is_empty() {
                evidence.push(sentence(format!(
                    "Names: {}",
                    h.hostnames
                        .iter()
                        .take(4)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if !h.vendor_classes.is_empty() {
                evidence.push(format!(
                    "DHCP vendor class: {}.",
                    h.vendor_classes
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !h.upnp.is_empty() || !h.upnp_servers.is_empty() {
                evidence.push(format!("UPnP (SSDP): {}.", upnp_words(h)));
            }
            for p in &h.probes {
                evidence.push(format!("Active check: {p}."));
            }
            evidence.push(format!(
                "Addresses: {}.",
                h.ips
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let confidence = match (entry.severity, level) {
                (Severity::Medium, Level::Medium) => {
                    "Medium: several signs point to a camera, but only a look around the rooms can tell."
                }
                (Severity::Medium, _) => {
                    "Low: one sign points to a camera; many ordinary devices show it too. Only a look around the rooms can tell."
                }
                (Severity::Low, _) => {
                    "High that this kind of device is on the network; whether anyone misuses it, we cannot tell."
                }
                _ => "We could not identify this device from the network alone.",
            };
            let mut severity = entry.severity;
            let mut title = entry.title.clone().unwrap_or_else(|| entry.name.clone());
            if let Some(r) = &h.recognised {
                severity = Severity::Info;
                title = format!("{title} (recognised by the client)");
                evidence.push(format!(
                    "Marked as known{} at {}.",
                    r.by.as_deref()
                        .map(|b| format!(" by {}", crate::sanitize::clean(b, 16)))
                        .unwrap_or_default(),
                    r.at.format("%H:%M:%S")
                ));
            }
            out.push(Finding {
                id: format!("network-{}", i + 1),
                category: Category::NetworkDevice,
                severity,
                signature: entry.id.clone(),
                title,
                subject: Subject {
                    kind: DeviceKind::Network,
                    address: h.mac,
                    addresses: h.mac.into_iter().collect(),
                    ip: h.ips.iter().next().copied(),
                    name: h.hostnames.iter().next().cloned(),
                    ..Default::default()
                },
                first_seen: first,
                last_seen: last,
                evidence: evidence
                    .into_iter()
                    .map(|text| Evidence { t: None, text })
                    .collect(),
                evidence_dropped: 0,
                meaning: entry.meaning.clone(),
                confidence: Confidence {
                    level,
                    text: confidence.into(),
                },
                next_steps: entry.next_steps.clone(),
                recognised: h.recognised.clone(),
                signal: Vec::new(),
                indicators: Vec::new(),
                indicators_dropped: 0,
            });
        }
    }

    pub fn devices(&self, out: &mut Vec<Device>) {
        for h in &self.hosts {
            let (Some(first), Some(last)) = (h.first, h.last) else {
                continue;
            };
            let v = h.mac.map(|m| vendor(&m));
            let mut services: Vec<String> = h.services.keys().cloned().collect();
            if !h.upnp.is_empty() || !h.upnp_servers.is_empty() {
                services.push(format!("UPnP: {}", upnp_words(h)));
            }
            let phone = phone_words(h);
            out.push(Device {
                kind: if phone.is_some() {
                    DeviceKind::Phone
                } else {
                    DeviceKind::Network
                },
                address: h.mac.unwrap_or_default(),
                addresses: Vec::new(),
                ips: h.ips.iter().copied().collect(),
                name: h.hostnames.iter().next().cloned(),
                name_hex: None,
                description: match (&phone, services.is_empty()) {
                    (Some(p), true) => format!("Phone on this network ({p})"),
                    (Some(p), false) => {
                        format!("Phone on this network ({p}; {})", services.join(", "))
                    }
                    (None, true) => "Device on this network".into(),
                    (None, false) => format!("Device on this network ({})", services.join(", ")),
                },
                vendor: v.map(|v| v.words()),
                first_seen: first,
                last_seen: last,
                rssi: None,
                sightings: h.sightings,
            });
        }
    }

    /// Hosts seen on the network.
    pub fn host_count(&self) -> usize {
        self.hosts.iter().filter(|h| h.first.is_some()).count()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The host with this MAC, else one of these addresses.
    fn find(&self, mac: Option<MacAddr>, ips: &[IpAddr]) -> Option<&Host> {
        mac.and_then(|m| self.by_mac.get(&m))
            .or_else(|| ips.iter().find_map(|i| self.by_ip.get(i)))
            .map(|&i| &self.hosts[i])
    }

    /// Why the host with this MAC (or one of these addresses) is a phone, in words: its
    /// DHCP vendor class (`android-dhcp-*`) or an iPhone model announced over mDNS.
    /// `None` when nothing it said shows it.
    pub fn phone_evidence(&self, mac: Option<MacAddr>, ips: &[IpAddr]) -> Option<String> {
        self.find(mac, ips).and_then(phone_words)
    }
}

/// What a host announced over SSDP, in words.
fn upnp_words(h: &Host) -> String {
    let mut s = h.upnp.iter().cloned().collect::<Vec<_>>().join(", ");
    if let Some(sv) = h.upnp_servers.iter().next() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("(server: {sv})"));
    }
    s
}

/// End a line of evidence with one full stop: "Google, Inc." stays as it is (no "Inc..").
fn sentence(mut s: String) -> String {
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}
