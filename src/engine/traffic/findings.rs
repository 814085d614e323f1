//! The traffic part's findings and devices: a stalkerware contact, hidden look-ups, and each
//! client seen, with why it is taken for a phone.

use super::*;

impl TrafficState {
    /// Why this client is a phone, in words; `None` when nothing shows it (it is then a
    /// "device on this network"). Evidence: it is a client of the hotspot sweep captured
    /// on live, or what it said on the network (DHCP vendor class, mDNS model; see
    /// [`LanState::phone_evidence`]).
    fn phone_evidence(&self, key: ClientKey, lan: &LanState, hotspot: bool) -> Option<String> {
        if hotspot {
            return Some("a client of the hotspot this check captured on".into());
        }
        let c = self.clients.get(&key)?;
        let ips: Vec<IpAddr> = c.ips.iter().copied().collect();
        lan.phone_evidence(c.mac, &ips)
    }

    /// Findings. `lan` tells which clients showed they are phones; `hotspot` is true when
    /// the traffic was captured live on the laptop's hotspot (its clients are phones).
    pub fn findings(&self, out: &mut Vec<Finding>, lan: &LanState, hotspot: bool) {
        // Hidden look-ups: one finding per client, listing every kind seen.
        let mut hidden: BTreeMap<ClientKey, Vec<(&Entry, &Hit)>> = BTreeMap::new();
        for ((key, i), h) in &self.hits {
            let e = &self.entries[*i as usize];
            if e.category == Category::HiddenLookups {
                hidden.entry(*key).or_default().push((e, h));
                continue;
            }
            let phone = self.phone_evidence(*key, lan, hotspot).is_some();
            out.push(self.stalkerware_finding(*key, e, h, phone));
        }
        for (key, kinds) in hidden {
            let phone = self.phone_evidence(key, lan, hotspot).is_some();
            out.push(self.hidden_finding(key, &kinds, phone));
        }
    }

    fn subject(&self, key: ClientKey, ip: IpAddr, phone: bool) -> Subject {
        let mac = match key {
            ClientKey::Mac(m) => Some(m),
            ClientKey::Ip(_) => None,
        };
        Subject {
            kind: if phone {
                DeviceKind::Phone
            } else {
                DeviceKind::Network
            },
            address: mac,
            addresses: mac.into_iter().collect(),
            ip: Some(ip),
            name: None,
            ..Default::default()
        }
    }

    fn stalkerware_finding(&self, key: ClientKey, e: &Entry, h: &Hit, phone: bool) -> Finding {
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
                "{} between {} and {}: {}.",
                if h.contacts == 1 {
                    "1 contact".to_string()
                } else {
                    format!("{} contacts", h.contacts)
                },
                h.first.format("%H:%M:%S"),
                h.last.format("%H:%M:%S"),
                list.join("; ")
            ),
        }];
        evidence.extend(h.evidence.iter().cloned());
        let confidence = match role {
            "c2" => Confidence {
                level: Level::High,
                text: "High: this name or address is on a public list of servers used by this stalkerware (Echap). Lists can be out of date, and a shared server can occasionally serve something else.".into(),
            },
            _ => Confidence {
                level: Level::Low,
                text: "Low as a sign of stalkerware: visiting a vendor's site happens when people research these apps.".into(),
            },
        };
        Finding {
            id: format!("traffic-{}", h.id),
            category: Category::Stalkerware,
            severity: e.severity,
            signature: e.id.clone(),
            title: e.title.clone().unwrap_or_else(|| e.name.clone()),
            subject: self.subject(key, h.client_ip, phone),
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

    fn hidden_finding(&self, key: ClientKey, kinds: &[(&Entry, &Hit)], phone: bool) -> Finding {
        let first = kinds.iter().map(|(_, h)| h.first).min().unwrap_or_default();
        let last = kinds.iter().map(|(_, h)| h.last).max().unwrap_or_default();
        let names: Vec<&str> = kinds.iter().map(|(e, _)| e.name.as_str()).collect();
        let mut evidence = Vec::new();
        let mut meaning = String::from(
            "Some of what this phone looks up or contacts is hidden from this check, so a stalkerware server could be missed: no match means even less than usual. ",
        );
        let mut steps = Vec::new();
        for (e, h) in kinds {
            // For ECH, say which kind was seen (known public name, or an outer name that
            // differs from the one looked up).
            let is_ech = matches!(&e.rule, MatchRule::Resolver { service, .. } if service == "ech");
            evidence.push(Evidence {
                t: Some(h.first),
                text: format!(
                    "{}: {}, e.g. {}.",
                    e.name,
                    if h.contacts == 1 {
                        "once".to_string()
                    } else {
                        format!("{} times", h.contacts)
                    },
                    h.indicators
                        .iter()
                        .take(3)
                        .map(|(k, how)| if is_ech {
                            format!(
                                "{k} ({})",
                                how.iter().copied().collect::<Vec<_>>().join("; ")
                            )
                        } else {
                            k.clone()
                        })
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
            subject: self.subject(key, h0.client_ip, phone),
            first_seen: first,
            last_seen: last,
            evidence,
            evidence_dropped: 0,
            meaning: meaning.trim_end().to_string(),
            confidence: Confidence {
                level: Level::High,
                text: "High that the phone uses these; they are common and usually harmless, but they limit what this check can see.".into(),
            },
            next_steps: steps,
            recognised: None,
            signal: Vec::new(),
            indicators: Vec::new(),
            indicators_dropped: 0,
        }
    }

    /// Every client, labelled "phone" only on evidence (see [`Self::phone_evidence`]),
    /// else a device on this network with what is known. A client already listed by the
    /// network check (same MAC, or same address when one side has no MAC) is merged into
    /// that entry rather than listed twice.
    pub fn devices(&self, out: &mut Vec<Device>, lan: &LanState, hotspot: bool) {
        let mut v: Vec<(&ClientKey, &Client)> = self.clients.iter().collect();
        v.sort_by_key(|(k, _)| **k);
        for (key, c) in v {
            let evidence = self.phone_evidence(*key, lan, hotspot);
            let traffic = format!(
                "sent traffic through this capture ({} observations)",
                c.observations
            );
            let none = MacAddr::default();
            let same = out.iter_mut().find(|d| {
                d.kind != DeviceKind::Bluetooth
                    && (c.mac.is_some_and(|m| m == d.address && m != none)
                        || ((c.mac.is_none() || d.address == none)
                            && d.ips.iter().any(|i| c.ips.contains(i))))
            });
            if let Some(d) = same {
                d.description = match &evidence {
                    Some(ev) if d.kind != DeviceKind::Phone => {
                        format!("Phone ({ev}); {}; {traffic}", d.description)
                    }
                    _ => format!("{}; {traffic}", d.description),
                };
                if evidence.is_some() {
                    d.kind = DeviceKind::Phone;
                }
                if d.address == none
                    && let Some(m) = c.mac
                {
                    d.address = m;
                    d.vendor = Some(vendor(&m).words());
                }
                for ip in &c.ips {
                    if !d.ips.contains(ip) {
                        d.ips.push(*ip);
                    }
                }
                d.first_seen = d.first_seen.min(c.first);
                d.last_seen = d.last_seen.max(c.last);
                d.sightings += c.observations;
                continue;
            }
            let (kind, description) = match &evidence {
                Some(ev) => (DeviceKind::Phone, format!("Phone ({ev}), {traffic}")),
                None => (
                    DeviceKind::Network,
                    format!("Device on this network that {traffic}"),
                ),
            };
            out.push(Device {
                kind,
                address: c.mac.unwrap_or_default(),
                addresses: Vec::new(),
                ips: c.ips.iter().copied().collect(),
                name: None,
                name_hex: None,
                description,
                vendor: c.mac.map(|m| vendor(&m).words()),
                first_seen: c.first,
                last_seen: c.last,
                rssi: None,
                sightings: c.observations,
            });
        }
    }
}
