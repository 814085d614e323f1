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
    Category, Confidence, Device, Evidence, Finding, Indicator, IndicatorType,
    MAX_INDICATORS_PER_FINDING, Severity, Subject,
};
use crate::observation::{Endpoints, MacAddr, Observation, Timestamp, Transport};
use crate::signatures::{Entry, MatchRule, SignatureSet, parse_ip_or_net};

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
            if service == Some("ech") {
                s.ech = Some(idx);
            }
        }
        s
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
                for name in &d.names {
                    let m = self.match_name(name);
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
                // Resolver addresses only count on the encrypted-DNS ports.
                m.retain(|i| match &self.entries[*i as usize].rule {
                    MatchRule::Resolver { ports, .. } => {
                        port.is_some_and(|p| ports.contains(&p) || p == 853)
                    }
                    _ => true,
                });
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
        let (name_how, ech_how) = match proto {
            "QUIC" => ("QUIC server name", "QUIC (encrypted client hello)"),
            _ => ("TLS server name", "TLS (encrypted client hello)"),
        };
        if let Some(sni) = sni {
            let m = self.match_name(sni);
            self.hit(t, key, ends, &m, sni, Seen::Name(sni), name_how);
        }
        if ech && let Some(e) = self.ech {
            self.hit(
                t,
                key,
                ends,
                &[e],
                &ends.server_ip.to_string(),
                Seen::Other,
                ech_how,
            );
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
            if h.evidence.len() < MAX_EVIDENCE {
                h.evidence.push(Evidence {
                    t: Some(t),
                    text: format!("{} ({}) to {}", ind, how, ends.server_ip),
                });
            } else {
                h.dropped += 1;
            }
        }
    }

    pub fn findings(&self, out: &mut Vec<Finding>) {
        // Hidden look-ups: one finding per client, listing every kind seen.
        let mut hidden: BTreeMap<ClientKey, Vec<(&Entry, &Hit)>> = BTreeMap::new();
        for ((key, i), h) in &self.hits {
            let e = &self.entries[*i as usize];
            if e.category == Category::HiddenLookups {
                hidden.entry(*key).or_default().push((e, h));
                continue;
            }
            out.push(self.stalkerware_finding(*key, e, h));
        }
        for (key, kinds) in hidden {
            out.push(self.hidden_finding(key, &kinds));
        }
    }

    fn subject(&self, key: ClientKey, ip: IpAddr) -> Subject {
        let mac = match key {
            ClientKey::Mac(m) => Some(m),
            ClientKey::Ip(_) => None,
        };
        Subject {
            kind: "phone".into(),
            address: mac,
            addresses: mac.into_iter().collect(),
            ip: Some(ip),
            name: None,
            ..Default::default()
        }
    }

    fn stalkerware_finding(&self, key: ClientKey, e: &Entry, h: &Hit) -> Finding {
        let role = match &e.rule {
            MatchRule::Network { role, .. } => role.as_str(),
            _ => "",
        };
        let list: Vec<String> = h
            .indicators
            .iter()
            .map(|(k, v)| format!("{k} ({})", v.iter().copied().collect::<Vec<_>>().join(", ")))
            .collect();
        let mut evidence = vec![Evidence {
            t: Some(h.first),
            text: format!(
                "{} contact(s) between {} and {}: {}.",
                h.contacts,
                h.first.format("%H:%M:%S"),
                h.last.format("%H:%M:%S"),
                list.join("; ")
            ),
        }];
        evidence.extend(h.evidence.iter().cloned());
        let confidence = match role {
            "c2" => Confidence {
                level: "high".into(),
                text: "High: this name or address is on a public list of servers used by this stalkerware (Echap). Lists can be out of date, and a shared server can occasionally serve something else.".into(),
            },
            _ => Confidence {
                level: "low".into(),
                text: "Low as a sign of stalkerware: visiting a vendor's site happens when people research these apps.".into(),
            },
        };
        Finding {
            id: format!("traffic-{}", h.id),
            category: Category::Stalkerware,
            severity: e.severity,
            signature: e.id.clone(),
            title: e.title.clone().unwrap_or_else(|| e.name.clone()),
            subject: self.subject(key, h.client_ip),
            first_seen: h.first,
            last_seen: h.last,
            evidence,
            evidence_dropped: h.dropped,
            meaning: e.meaning.clone(),
            confidence,
            next_steps: e.next_steps.clone(),
            recognised: None,
            signal: Vec::new(),
            indicators: h
                .matched
                .iter()
                .map(|((kind, value), (listed, count))| Indicator {
                    kind: *kind,
                    value: value.clone(),
                    listed: listed.clone(),
                    matched: e.id.clone(),
                    count: *count,
                })
                .collect(),
            indicators_dropped: h.matched_dropped,
        }
    }

    fn hidden_finding(&self, key: ClientKey, kinds: &[(&Entry, &Hit)]) -> Finding {
        let first = kinds.iter().map(|(_, h)| h.first).min().unwrap_or_default();
        let last = kinds.iter().map(|(_, h)| h.last).max().unwrap_or_default();
        let names: Vec<&str> = kinds.iter().map(|(e, _)| e.name.as_str()).collect();
        let mut evidence = Vec::new();
        let mut meaning = String::from(
            "Some of what this phone looks up or contacts is hidden from this check, so a stalkerware server could be missed: no match means even less than usual. ",
        );
        let mut steps = Vec::new();
        for (e, h) in kinds {
            evidence.push(Evidence {
                t: Some(h.first),
                text: format!(
                    "{}: {} time(s), e.g. {}.",
                    e.name,
                    h.contacts,
                    h.indicators
                        .keys()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            meaning.push_str(&e.meaning);
            meaning.push(' ');
            steps.extend(e.next_steps.iter().cloned());
        }
        steps.push("Before changing any setting, think with the client whether someone watching the phone could notice the change; change it back straight after the check.".into());
        steps.push("Run the traffic check again after the change, for at least 10 minutes, and restart the phone or toggle airplane mode during it.".into());
        let h0 = kinds[0].1;
        Finding {
            id: format!("hidden-{}", h0.id),
            category: Category::HiddenLookups,
            severity: Severity::Info,
            signature: kinds[0].0.id.clone(),
            title: format!("This phone hides some of its look-ups ({})", names.join(", ")),
            subject: self.subject(key, h0.client_ip),
            first_seen: first,
            last_seen: last,
            evidence,
            evidence_dropped: 0,
            meaning: meaning.trim_end().to_string(),
            confidence: Confidence {
                level: "high".into(),
                text: "High that the phone uses these; they are common and usually harmless, but they limit what this check can see.".into(),
            },
            next_steps: steps,
            recognised: None,
            signal: Vec::new(),
            indicators: Vec::new(),
            indicators_dropped: 0,
        }
    }

    pub fn devices(&self, out: &mut Vec<Device>) {
        let mut v: Vec<(&ClientKey, &Client)> = self.clients.iter().collect();
        v.sort_by_key(|(k, _)| **k);
        for (_, c) in v {
            out.push(Device {
                kind: "phone".into(),
                address: c.mac.unwrap_or_default(),
                addresses: Vec::new(),
                ips: c.ips.iter().copied().collect(),
                name: None,
                description: format!(
                    "Device sending traffic through this capture ({} observations)",
                    c.observations
                ),
                vendor: None,
                first_seen: c.first,
                last_seen: c.last,
                rssi: None,
                sightings: c.observations,
            });
        }
    }

    /// Clients and hits not kept because of the caps.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
