//! Phone traffic: names and addresses the phone contacted, matched against stalkerware
//! indicators; and signs that the phone hides its look-ups (encrypted DNS, relays, VPNs, ECH).
//!
//! Domains match the listed name or any name under it, on label boundaries only, case-
//! insensitive, trailing dot ignored; never a parent of a listed name. IPs and ranges match
//! exactly, and so do addresses the capture's own DNS answers gave for a listed name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use crate::engine::Context;
use crate::engine::finding::{
    Category, Confidence, Device, DeviceKind, Evidence, Finding, Indicator, IndicatorType, Level,
    MAX_INDICATORS_PER_FINDING, Severity, Subject,
};
use crate::engine::lan::{LanState, vendor};
use crate::observation::{Endpoints, MacAddr, Observation, Timestamp, Transport};
use crate::signatures::{Entry, MatchRule, SignatureSet, parse_ip_or_net};

mod findings;

/// Caps on what hostile traffic can grow.
pub const MAX_CLIENTS: usize = 10_000;
pub const MAX_HITS: usize = 10_000;
pub const MAX_LEARNED: usize = 100_000;
pub const MAX_EVIDENCE: usize = 30;
pub const MAX_INDICATORS: usize = 50;

/// What a contact showed, for `indicators` in the findings.
#[derive(Debug, Clone, Copy)]
enum Seen<'a> {
    Name(&'a str),
    Ip(IpAddr),
    Other,
}

/// Which kind of real Encrypted Client Hello was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EchKind {
    /// The outer name is a known ECH public name.
    PublicName,
    /// DNS gave an ECH key for this name, and the outer name differs from it.
    Differs(String),
}

/// Most names remembered as given an ECH configuration, and addresses with the name DNS
/// gave them for (for telling real ECH from decoy ECH).
pub const MAX_ECH_NAMES: usize = 10_000;

/// A client on the hotspot: by MAC when known, else by IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientKey {
    Mac(MacAddr),
    Ip(IpAddr),
}

#[derive(Debug, Clone)]
struct Client {
    mac: Option<MacAddr>,
    ips: BTreeSet<IpAddr>,
    first: Timestamp,
    last: Timestamp,
    observations: u64,
}

/// A client whose traffic was seen, for the reports (`TrafficState::clients`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExaminedClient {
    pub mac: Option<MacAddr>,
    pub ips: Vec<IpAddr>,
    pub observations: u64,
    pub first: Timestamp,
    pub last: Timestamp,
}

#[derive(Debug, Clone)]
struct Hit {
    id: usize,
    client_ip: IpAddr,
    first: Timestamp,
    last: Timestamp,
    contacts: u64,
    /// Indicator (name or address) → how it was seen (for the evidence sentence; capped).
    indicators: BTreeMap<String, BTreeSet<&'static str>>,
    /// Every distinct indicator as data: (type, value seen) → (listed entry, count).
    matched: BTreeMap<(IndicatorType, String), (String, u64)>,
    matched_dropped: u64,
    evidence: Vec<Evidence>,
    dropped: u64,
}

#[derive(Debug, Default)]
pub struct TrafficState {
    entries: Vec<Entry>,
    names: HashMap<String, Vec<u32>>,
    ips: HashMap<IpAddr, Vec<u32>>,
    nets: Vec<(ipnet::IpNet, u32)>,
    /// Resolver entries matched by port: (port, entry, service).
    ports: Vec<(u16, u32)>,
    ech: Option<u32>,
    /// Known ECH public (outer) names, from the `ech` entry's domains.
    ech_public: Vec<String>,
    /// Names DNS gave an ECH configuration for (HTTPS/SVCB `ech`), lower case.
    ech_config: std::collections::HashSet<String>,
    /// The name each address was last given for in a DNS answer (first question name).
    answered: HashMap<IpAddr, String>,
    /// Addresses learned from DNS answers for listed names.
    learned: HashMap<IpAddr, (String, Vec<u32>)>,
    clients: HashMap<ClientKey, Client>,
    /// The MAC each client address was last seen with (records without a MAC join it).
    ip_mac: HashMap<IpAddr, MacAddr>,
    hits: BTreeMap<(ClientKey, u32), Hit>,
    next_id: usize,
    dropped: u64,
}

/// Lower-case without a trailing dot; `None` for something that is not a host name.
pub fn normalise(name: &str) -> Option<String> {
    let n = name.trim().trim_end_matches('.');
    if n.is_empty() || n.len() > 253 {
        return None;
    }
    Some(n.to_ascii_lowercase())
}

impl TrafficState {
    pub fn new(signatures: &SignatureSet) -> Self {
        let mut s = Self::default();
        for e in &signatures.entries {
            let idx = s.entries.len() as u32;
            let (domains, ips, ports, service): (&[String], &[String], &[u16], Option<&str>) =
                match &e.rule {
                    MatchRule::Network { domains, ips, .. } => (domains, ips, &[], None),
                    MatchRule::Resolver {
                        service,
                        domains,
                        ips,
                        ports,
                    } => (domains, ips, ports, Some(service.as_str())),
                    _ => continue,
                };
            s.entries.push(e.clone());
            if service == Some("ech") {
                // Public names are not contacts to report by themselves: only the outer
                // name of an Encrypted Client Hello is compared with them.
                s.ech = Some(idx);
                s.ech_public = domains.iter().map(|d| d.to_ascii_lowercase()).collect();
                continue;
            }
            for d in domains {
                s.names.entry(d.to_ascii_lowercase()).or_default().push(idx);
            }
            for ip in ips {
                match parse_ip_or_net(ip) {
                    Ok(net) if net.prefix_len() == net.max_prefix_len() => {
                        s.ips.entry(net.addr()).or_default().push(idx)
                    }
                    Ok(net) => s.nets.push((net, idx)),
                    Err(_) => {}
                }
            }
            if domains.is_empty() && ips.is_empty() {
                for p in ports {
                    s.ports.push((*p, idx));
                }
            }
        }
        s
    }

    /// Is this ClientHello's ECH real (the inner name hidden) rather than Chrome's decoy
    /// ("GREASE") ECH, which goes with the real name outside? Real when the outer name is
    /// a known ECH public name (or under one), or when DNS gave the phone an ECH key for
    /// the name it looked up for this address and the outer name differs from it.
    fn real_ech(&self, sni: Option<&str>, server: IpAddr) -> Option<EchKind> {
        let outer = sni.and_then(normalise);
        if let Some(o) = &outer {
            let mut rest = o.as_str();
            loop {
                if self.ech_public.iter().any(|p| p == rest) {
                    return Some(EchKind::PublicName);
                }
                match rest.find('.') {
                    Some(i) => rest = &rest[i + 1..],
                    None => break,
                }
            }
        }
        let looked = self.answered.get(&server)?;
        (self.ech_config.contains(looked) && outer.as_deref() != Some(looked.as_str()))
            .then(|| EchKind::Differs(looked.clone()))
    }

    /// Keep resolver entries only on their own ports (DNS over HTTPS on 443, DNS over TLS
    /// on 853...): each connection belongs to one kind. Other entries are kept.
    fn on_their_ports(&self, m: &mut Vec<u32>, port: Option<u16>) {
        m.retain(|i| match &self.entries[*i as usize].rule {
            MatchRule::Resolver { ports, .. } if !ports.is_empty() => {
                port.is_some_and(|p| ports.contains(&p))
            }
            _ => true,
        });
    }

    /// Entries matching a host name: the name itself and every parent on a label boundary.
    pub fn match_name(&self, name: &str) -> Vec<u32> {
        let Some(n) = normalise(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut rest = n.as_str();
        loop {
            if let Some(v) = self.names.get(rest) {
                out.extend_from_slice(v);
            }
            match rest.find('.') {
                Some(i) => rest = &rest[i + 1..],
                None => break,
            }
        }
        out
    }

    /// The list entry that made `name` match entry `idx`: the name itself or its nearest
    /// listed parent.
    fn listed_name(&self, name: &str, idx: u32) -> Option<String> {
        let n = normalise(name)?;
        let mut rest = n.as_str();
        loop {
            if self.names.get(rest).is_some_and(|v| v.contains(&idx)) {
                return Some(rest.to_string());
            }
            rest = &rest[rest.find('.')? + 1..];
        }
    }

    /// The list entry that made address `ip` match entry `idx`: the address, its range, or
    /// the listed name whose DNS answer gave it.
    fn listed_ip(&self, ip: IpAddr, idx: u32) -> Option<String> {
        if self.ips.get(&ip).is_some_and(|v| v.contains(&idx)) {
            return Some(ip.to_string());
        }
        if let Some((n, _)) = self.nets.iter().find(|(n, i)| *i == idx && n.contains(&ip)) {
            return Some(n.to_string());
        }
        match self.learned.get(&ip) {
            Some((name, v)) if v.contains(&idx) => self.listed_name(name, idx),
            _ => None,
        }
    }

    /// Entries matching an address (exact, range, or learned from DNS answers).
    fn match_ip(&self, ip: IpAddr) -> (Vec<u32>, Option<&str>) {
        let mut out: Vec<u32> = self.ips.get(&ip).cloned().unwrap_or_default();
        out.extend(
            self.nets
                .iter()
                .filter(|(n, _)| n.contains(&ip))
                .map(|(_, i)| *i),
        );
        let via = self.learned.get(&ip).map(|(name, v)| {
            out.extend_from_slice(v);
            name.as_str()
        });
        (out, via)
    }

    pub fn ingest(&mut self, t: Timestamp, obs: &Observation, _ctx: &Context<'_>) {
        match obs {
            Observation::Dns(d) => {
                let key = self.client(t, &d.ends);
                let mut listed = Vec::new();
                if d.response {
                    self.learn_for_ech(d);
                }
                for name in &d.names {
                    let mut m = self.match_name(name);
                    // A look-up of a resolver's name (DoH's, which also serve DNS over TLS) is
                    // not a hidden look-up by itself: the connection that follows says which
                    // kind (DoH on 443, DoT on 853). Its addresses are still learned below.
                    let by_port = |i: &u32| {
                        matches!(&self.entries[*i as usize].rule,
                            MatchRule::Resolver { ports, .. } if !ports.is_empty())
                    };
                    if !m.is_empty() && m.iter().all(by_port) {
                        listed.push((name.clone(), m));
                        continue;
                    }
                    m.retain(|i| !by_port(i));
                    if !m.is_empty() {
                        listed.push((name.clone(), m.clone()));
                        let how = if d.response {
                            "DNS answer"
                        } else {
                            "DNS look-up"
                        };
                        self.hit(t, key, &d.ends, &m, name, Seen::Name(name), how);
                    }
                }
                // Remember which addresses the phone was given for listed names.
                if let Some((name, m)) = listed.first() {
                    for ip in &d.answers {
                        if self.learned.len() < MAX_LEARNED {
                            self.learned
                                .insert(*ip, (name.to_ascii_lowercase(), m.clone()));
                        }
                    }
                }
            }
            Observation::Tls(x) => self.client_hello(t, &x.ends, x.sni.as_deref(), x.ech, "TLS"),
            Observation::Quic(x) => self.client_hello(t, &x.ends, x.sni.as_deref(), x.ech, "QUIC"),
            Observation::Http(h) => {
                let key = self.client(t, &h.ends);
                let host = h
                    .host
                    .rsplit_once(':')
                    .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
                    .map_or(h.host.as_str(), |(h, _)| h);
                let m = self.match_name(host);
                self.hit(t, key, &h.ends, &m, host, Seen::Name(host), "HTTP Host");
            }
            Observation::Flow(f) => {
                let key = self.client(t, &f.ends);
                let ip = f.ends.server_ip;
                let port = f.ends.server_port;
                let (mut m, via) = self.match_ip(ip);
                let how = if via.is_some() {
                    "address given by DNS for a listed name"
                } else {
                    "address"
                };
                // Resolver addresses only count on their own ports (DoH's on 443); port 853
                // is DNS over TLS or QUIC, matched by port below: one kind per connection.
                self.on_their_ports(&mut m, port);
                for (p, i) in &self.ports {
                    if port == Some(*p) {
                        let ok = match &self.entries[*i as usize].rule {
                            MatchRule::Resolver { service, .. } if service == "dot" => {
                                f.transport == Transport::Tcp
                            }
                            MatchRule::Resolver { service, .. } if service == "doq" => {
                                f.transport == Transport::Udp
                            }
                            MatchRule::Resolver { service, .. }
                                if service == "vpn" && *p != 1194 =>
                            {
                                f.transport == Transport::Udp
                            }
                            _ => true,
                        };
                        if ok {
                            m.push(*i);
                        }
                    }
                }
                let label = match port {
                    Some(p) => format!("{ip} port {p}"),
                    None => ip.to_string(),
                };
                self.hit(t, key, &f.ends, &m, &label, Seen::Ip(ip), how);
            }
            _ => {}
        }
    }

    /// A ClientHello over TCP TLS or QUIC: its server name, and ECH as a hidden look-up.
    fn client_hello(
        &mut self,
        t: Timestamp,
        ends: &Endpoints,
        sni: Option<&str>,
        ech: bool,
        proto: &'static str,
    ) {
        let key = self.client(t, ends);
        let name_how = match proto {
            "QUIC" => "QUIC server name",
            _ => "TLS server name",
        };
        if let Some(sni) = sni {
            let mut m = self.match_name(sni);
            self.on_their_ports(&mut m, ends.server_port);
            self.hit(t, key, ends, &m, sni, Seen::Name(sni), name_how);
        }
        if !ech {
            return;
        }
        let Some(e) = self.ech else { return };
        let outer = sni
            .map(|s| crate::sanitize::clean(s, 253))
            .unwrap_or_default();
        match self.real_ech(sni, ends.server_ip) {
            Some(EchKind::PublicName) => {
                let how = match proto {
                    "QUIC" => "QUIC, encrypted client hello behind a known ECH public name",
                    _ => "TLS, encrypted client hello behind a known ECH public name",
                };
                self.hit(t, key, ends, &[e], &outer, Seen::Other, how);
            }
            Some(EchKind::Differs(looked)) => {
                let how = match proto {
                    "QUIC" => {
                        "QUIC, encrypted client hello: DNS gave an ECH key for the name looked up, and the outer name differs"
                    }
                    _ => {
                        "TLS, encrypted client hello: DNS gave an ECH key for the name looked up, and the outer name differs"
                    }
                };
                let label = format!("{outer} (looked up: {looked})");
                self.hit(t, key, ends, &[e], &label, Seen::Other, how);
            }
            // Decoy (GREASE) ECH: the outer name is the real destination; nothing hidden.
            None => {}
        }
    }

    /// Remember, from a DNS answer, which names were given an ECH configuration and which
    /// name each address was given for (bounded).
    fn learn_for_ech(&mut self, d: &crate::observation::DnsObs) {
        for n in &d.ech_names {
            if let Some(n) = normalise(n) {
                if self.ech_config.len() >= MAX_ECH_NAMES {
                    self.ech_config.clear();
                }
                self.ech_config.insert(n);
            }
        }
        let Some(first) = d.names.first().and_then(|n| normalise(n)) else {
            return;
        };
        for ip in &d.answers {
            if self.answered.len() >= MAX_LEARNED && !self.answered.contains_key(ip) {
                self.answered.clear();
            }
            self.answered.insert(*ip, first.clone());
        }
    }

    fn client(&mut self, t: Timestamp, ends: &Endpoints) -> ClientKey {
        if let Some(m) = ends.client_mac
            && (self.ip_mac.len() < MAX_CLIENTS || self.ip_mac.contains_key(&ends.client_ip))
        {
            self.ip_mac.insert(ends.client_ip, m);
        }
        let mac = ends
            .client_mac
            .or_else(|| self.ip_mac.get(&ends.client_ip).copied());
        let key = match mac {
            Some(m) => ClientKey::Mac(m),
            None => ClientKey::Ip(ends.client_ip),
        };
        if !self.clients.contains_key(&key) && self.clients.len() >= MAX_CLIENTS {
            self.dropped += 1;
            return key;
        }
        let c = self.clients.entry(key).or_insert_with(|| Client {
            mac,
            ips: BTreeSet::new(),
            first: t,
            last: t,
            observations: 0,
        });
        c.first = c.first.min(t);
        c.last = c.last.max(t);
        c.observations += 1;
        if c.ips.len() < 16 {
            c.ips.insert(ends.client_ip);
        }
        key
    }

    /// Record a contact for the best entry of each app (C2 over download site over website).
    #[allow(clippy::too_many_arguments)]
    fn hit(
        &mut self,
        t: Timestamp,
        key: ClientKey,
        ends: &Endpoints,
        matched: &[u32],
        indicator: &str,
        seen: Seen<'_>,
        how: &'static str,
    ) {
        if matched.is_empty() {
            return;
        }
        let mut best: BTreeMap<(&str, Category), u32> = BTreeMap::new();
        for i in matched {
            let e = &self.entries[*i as usize];
            let slot = best.entry((e.name.as_str(), e.category)).or_insert(*i);
            if e.severity < self.entries[*slot as usize].severity {
                *slot = *i;
            }
        }
        let chosen: Vec<u32> = best.into_values().collect();
        for i in chosen {
            if !self.hits.contains_key(&(key, i)) {
                if self.hits.len() >= MAX_HITS {
                    self.dropped += 1;
                    continue;
                }
                self.next_id += 1;
                self.hits.insert(
                    (key, i),
                    Hit {
                        id: self.next_id,
                        client_ip: ends.client_ip,
                        first: t,
                        last: t,
                        contacts: 0,
                        indicators: BTreeMap::new(),
                        matched: BTreeMap::new(),
                        matched_dropped: 0,
                        evidence: Vec::new(),
                        dropped: 0,
                    },
                );
            }
            let data = match seen {
                Seen::Name(n) => self
                    .listed_name(n, i)
                    .map(|l| (IndicatorType::Domain, normalise(n).unwrap_or_default(), l)),
                Seen::Ip(ip) => self
                    .listed_ip(ip, i)
                    .map(|l| (IndicatorType::Ip, ip.to_string(), l)),
                Seen::Other => None,
            };
            let Some(h) = self.hits.get_mut(&(key, i)) else {
                continue;
            };
            if let Some((kind, value, listed)) = data {
                let value = crate::sanitize::clean(&value, 253);
                let k = (kind, value);
                if let Some(v) = h.matched.get_mut(&k) {
                    v.1 += 1;
                } else if h.matched.len() < MAX_INDICATORS_PER_FINDING {
                    h.matched.insert(k, (listed, 1));
                } else {
                    h.matched_dropped += 1;
                }
            }
            h.first = h.first.min(t);
            h.last = h.last.max(t);
            h.contacts += 1;
            let ind = crate::sanitize::clean(indicator, 253);
            if h.indicators.len() < MAX_INDICATORS || h.indicators.contains_key(&ind) {
                h.indicators.entry(ind.clone()).or_default().insert(how);
            }
            // One line per distinct contact, in the direction it went: a DNS answer comes
            // from the server, a look-up or a connection goes to it.
            let text = match how {
                "DNS answer" => format!("DNS answer from {} for {ind}.", ends.server_ip),
                "DNS look-up" => format!("DNS look-up of {ind}, sent to {}.", ends.server_ip),
                "TLS server name" => {
                    format!("Encrypted connection to {} for {ind}.", ends.server_ip)
                }
                _ if ind.starts_with(&ends.server_ip.to_string()) => {
                    format!("Connection to {ind} ({how}).")
                }
                _ => format!("Connection to {} for {ind} ({how}).", ends.server_ip),
            };
            if h.evidence.iter().any(|e| e.text == text) {
                // Counted in the summary line ("7 contacts between ..."), not listed again.
            } else if h.evidence.len() < MAX_EVIDENCE {
                h.evidence.push(Evidence { t: Some(t), text });
            } else {
                h.dropped += 1;
            }
        }
    }

    /// Each client whose traffic was seen (for the reports' "devices examined").
    pub fn clients(&self) -> Vec<ExaminedClient> {
        let mut v: Vec<(&ClientKey, &Client)> = self.clients.iter().collect();
        v.sort_by_key(|(k, _)| **k);
        v.into_iter()
            .map(|(_, c)| ExaminedClient {
                mac: c.mac,
                ips: c.ips.iter().copied().collect(),
                observations: c.observations,
                first: c.first,
                last: c.last,
            })
            .collect()
    }

    /// Phones (clients) whose traffic was seen.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Clients and hits not kept because of the caps.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
