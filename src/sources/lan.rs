//! Local network source (pnet). Passive: listens to ARP, DHCP and mDNS announcements on the
//! chosen interface and sends nothing. Active (`--active`, confirmed by the volunteer): an
//! ARP sweep of the interface's IPv4 subnet (at most a /16; all requests at once, then
//! retries only for silent addresses), then TCP checks of camera ports on the hosts that
//! answered, an RTSP `OPTIONS`, and an ONVIF WS-Discovery probe. Never passwords, never
//! stream URLs.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pnet::datalink::NetworkInterface;
use pnet::packet::arp::{ArpHardwareTypes, ArpOperations, MutableArpPacket};
use pnet::packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::udp::UdpPacket;
use pnet::packet::{MutablePacket, Packet};

use crate::observation::{MacAddr, Observation, ProbeResult, SourceKind, SourceState};
use crate::sources::{Link, Sink, Source, SourceError, Stop, lanparse};

/// Camera ports checked by the active check.
pub const CAMERA_PORTS: [u16; 7] = [554, 8554, 80, 8000, 8080, 37777, 34567];
/// ARP requests sent between two reads of the replies.
pub const SWEEP_BATCH: usize = 256;
/// Largest subnet the active sweep accepts.
pub const MIN_PREFIX: u8 = 16;

pub struct LanSource {
    pub interface: String,
    /// Send ARP requests and probes (only when the volunteer asked for it).
    pub active: bool,
    channel: Option<Link>,
}

impl LanSource {
    pub fn new(interface: impl Into<String>, active: bool) -> Self {
        Self {
            interface: interface.into(),
            active,
            channel: None,
        }
    }
}

impl std::fmt::Debug for LanSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LanSource({}, active: {})", self.interface, self.active)
    }
}

/// The interface's IPv4 address and prefix.
fn ipv4_net(iface: &NetworkInterface) -> Option<(Ipv4Addr, u8)> {
    iface.ips.iter().find_map(|n| match n {
        pnet::ipnetwork::IpNetwork::V4(v4) => Some((v4.ip(), v4.prefix())),
        _ => None,
    })
}

/// In plain words, which addresses the active check on `interface` would ask, for the
/// volunteer to confirm before anything is sent.
pub fn active_scope(interface: &str) -> String {
    pnet::datalink::interfaces()
        .into_iter()
        .find(|i| i.name == interface)
        .map_or_else(|| describe_scope(None), |i| scope_of(&i))
}

/// [`active_scope`] of an interface already at hand.
pub fn scope_of(iface: &NetworkInterface) -> String {
    describe_scope(ipv4_net(iface))
}

/// [`active_scope`] for a known address and prefix (`None`: no IPv4 address).
pub fn describe_scope(net: Option<(Ipv4Addr, u8)>) -> String {
    let Some((ip, prefix)) = net else {
        return "no address: this interface has no IPv4 address, so there is nothing to ask".into();
    };
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    let cidr = format!("{}/{prefix}", Ipv4Addr::from(u32::from(ip) & mask));
    match sweep_targets(ip, prefix) {
        Ok(t) if t.is_empty() => format!("no other address: {cidr} has none"),
        Ok(t) if t.len() == 1 => format!("the 1 other address of {cidr}"),
        Ok(t) => format!("the {} other addresses of {cidr}", t.len()),
        Err(_) => {
            format!("none: {cidr} is larger than a /{MIN_PREFIX}, so the active check will not run")
        }
    }
}

/// Every host address of a subnet except ours; refuses anything larger than a /16.
pub fn sweep_targets(ip: Ipv4Addr, prefix: u8) -> Result<Vec<Ipv4Addr>, String> {
    if prefix < MIN_PREFIX {
        return Err(format!(
            "The network is a /{prefix}: larger than a /{MIN_PREFIX}, too large to ask every address. Run the check without --active (listen only)."
        ));
    }
    if prefix >= 31 {
        return Ok(Vec::new());
    }
    let mask = u32::MAX << (32 - prefix);
    let net = u32::from(ip) & mask;
    let bcast = net | !mask;
    Ok(((net + 1)..bcast)
        .map(Ipv4Addr::from)
        .filter(|a| *a != ip)
        .collect())
}

fn open(interface: &str) -> Result<Link, SourceError> {
    crate::sources::open_link(interface, "listen", 1 << 20)
}

fn arp_request(
    src_mac: pnet::util::MacAddr,
    src_ip: Ipv4Addr,
    target: Ipv4Addr,
) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 42];
    let mut eth = MutableEthernetPacket::new(&mut buf)?;
    eth.set_destination(pnet::util::MacAddr::broadcast());
    eth.set_source(src_mac);
    eth.set_ethertype(EtherTypes::Arp);
    let mut arp = MutableArpPacket::new(eth.payload_mut())?;
    arp.set_hardware_type(ArpHardwareTypes::Ethernet);
    arp.set_protocol_type(EtherTypes::Ipv4);
    arp.set_hw_addr_len(6);
    arp.set_proto_addr_len(4);
    arp.set_operation(ArpOperations::Request);
    arp.set_sender_hw_addr(src_mac);
    arp.set_sender_proto_addr(src_ip);
    arp.set_target_hw_addr(pnet::util::MacAddr::zero());
    arp.set_target_proto_addr(target);
    Some(buf)
}

fn mac(m: pnet::util::MacAddr) -> MacAddr {
    MacAddr([m.0, m.1, m.2, m.3, m.4, m.5])
}

/// What one frame told us (ARP, DHCP, mDNS announcements), through the parsers shared
/// with saved captures ([`crate::sources::lanparse`]). SSDP is not read here.
pub fn frame_observations(frame: &[u8], out: &mut Vec<Observation>) {
    let Some(eth) = EthernetPacket::new(frame) else {
        return;
    };
    match eth.get_ethertype() {
        EtherTypes::Arp => {
            if let Some(a) = lanparse::arp(eth.payload()) {
                out.push(Observation::Arp(a));
            }
        }
        EtherTypes::Ipv4 => {
            let Some(ip) = Ipv4Packet::new(eth.payload()) else {
                return;
            };
            if ip.get_next_level_protocol() != IpNextHeaderProtocols::Udp {
                return;
            }
            let Some(udp) = UdpPacket::new(ip.payload()) else {
                return;
            };
            let (sp, dp) = (udp.get_source(), udp.get_destination());
            if lanparse::is_dhcp_request(sp, dp) {
                lanparse::dhcp(udp.payload(), out);
            } else if sp == 5353 {
                lanparse::mdns_announcement(IpAddr::V4(ip.get_source()), udp.payload(), out);
            }
        }
        _ => {}
    }
}

/// TCP checks of the camera ports and an RTSP OPTIONS, on one host (its own thread).
fn probe_host(ip: Ipv4Addr, mac: MacAddr, tx: mpsc::Sender<Observation>) {
    for port in CAMERA_PORTS {
        let addr = SocketAddr::new(IpAddr::V4(ip), port);
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(400)) else {
            continue;
        };
        let mut detail = None;
        let mut probe = "tcp";
        if port == 554 || port == 8554 {
            let _ = s.set_read_timeout(Some(Duration::from_millis(800)));
            let req = format!(
                "OPTIONS rtsp://{ip}:{port}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: sweep\r\n\r\n"
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = [0u8; 1024];
                if let Ok(n) = s.read(&mut buf) {
                    let text = String::from_utf8_lossy(&buf[..n]);
                    if text.starts_with("RTSP/") {
                        probe = "rtsp";
                        let status = text.lines().next().unwrap_or_default().to_string();
                        let server = text
                            .lines()
                            .find(|l| l.to_ascii_lowercase().starts_with("server:"))
                            .map(|l| l[7..].trim().to_string());
                        detail = Some(crate::sanitize::clean(
                            &format!(
                                "{status}{}",
                                server.map(|s| format!(", server {s}")).unwrap_or_default()
                            ),
                            120,
                        ));
                    }
                }
            }
        }
        let _ = tx.send(Observation::Probe(ProbeResult {
            ip: IpAddr::V4(ip),
            mac: Some(mac),
            probe: probe.into(),
            port: Some(port),
            open: true,
            detail,
        }));
    }
}

/// A UDP socket on `local` whose multicast leaves through the interface that has `local`
/// and goes no further than the local link (TTL 1). Linux already sends multicast from a
/// bound address through the device that owns it; IP_MULTICAST_IF states it explicitly
/// instead of relying on that routing special case.
fn link_multicast_socket(local: Ipv4Addr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_multicast_if_v4(&local)?;
    s.set_multicast_ttl_v4(1)?;
    s.bind(&SocketAddr::new(IpAddr::V4(local), 0).into())?;
    Ok(s.into())
}

/// The service address in a WS-Discovery ProbeMatch (`<...:XAddrs>url</...:XAddrs>`).
fn xaddrs(text: &str) -> Option<&str> {
    let rest = text.split_once("XAddrs>")?.1;
    let value = rest.split('<').next()?.trim();
    (!value.is_empty()).then_some(value)
}

/// ONVIF WS-Discovery: one multicast Probe for video transmitters on the chosen link.
fn onvif_probe(local: Ipv4Addr, tx: mpsc::Sender<Observation>) {
    let Ok(sock) = link_multicast_socket(local) else {
        return;
    };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(300)));
    let msg = r#"<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><e:Header><w:MessageID>uuid:5f0e6c64-7a3b-4d3e-9c0e-73776565702d</w:MessageID><w:To e:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To><w:Action e:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header><e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>"#;
    if sock
        .send_to(msg.as_bytes(), "239.255.255.250:3702")
        .is_err()
    {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut buf = vec![0u8; 8192];
    let mut seen = HashSet::new();
    while Instant::now() < deadline {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        if text.contains("ProbeMatch") && seen.insert(from.ip()) {
            let _ = tx.send(Observation::Probe(ProbeResult {
                ip: from.ip(),
                mac: None,
                probe: "onvif".into(),
                port: Some(3702),
                open: true,
                detail: xaddrs(&text).map(|x| crate::sanitize::clean(x, 120)),
            }));
        }
    }
}

impl Source for LanSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Lan
    }

    fn prepare(&mut self) -> Result<(), SourceError> {
        self.channel = Some(open(&self.interface)?);
        Ok(())
    }

    fn run(mut self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let (mut tx, mut rx, iface) = match self.channel.take() {
            Some(c) => c,
            None => open(&self.interface)?,
        };
        let own = iface.mac;
        let now = chrono::Utc::now;
        sink.status(now(), SourceKind::Lan, SourceState::Running, None, None);
        let mut targets: Vec<Ipv4Addr> = Vec::new();
        let mut src_ip = Ipv4Addr::UNSPECIFIED;
        if self.active {
            let (ip, prefix) = ipv4_net(&iface).ok_or_else(|| SourceError::Unavailable {
                reason: format!(
                    "{} has no IPv4 address, so there is no subnet to check.",
                    self.interface
                ),
                fix: "Join the network first, then try again.".into(),
            })?;
            targets = sweep_targets(ip, prefix).map_err(|reason| SourceError::Unavailable {
                reason,
                fix: "Use a smaller network, or listen only.".into(),
            })?;
            src_ip = ip;
        }
        let own_mac = own.unwrap_or_default();
        let mut answered: HashMap<Ipv4Addr, MacAddr> = HashMap::new();
        let mut last_sent: HashMap<(MacAddr, IpAddr), Instant> = HashMap::new();
        let (ptx, prx) = mpsc::channel::<Observation>();
        let mut round = 0u32;
        let mut cursor = 0usize;
        let mut next_round = Instant::now();
        let mut quiet_since = Instant::now();
        let mut probing_started = false;
        let mut out = Vec::new();
        while !stop.is_stopped() {
            // Active sweep: every address, then up to two retries for the silent ones; at most
            // SWEEP_BATCH requests between two reads of the replies (rate limit).
            if self.active && round < 3 && Instant::now() >= next_round {
                let mut sent = 0;
                while cursor < targets.len() && sent < SWEEP_BATCH {
                    let t = targets[cursor];
                    cursor += 1;
                    if answered.contains_key(&t) {
                        continue;
                    }
                    if let Some(frame) = arp_request(own_mac, src_ip, t)
                        && let Some(Err(e)) = tx.send_to(&frame, None)
                    {
                        return Err(SourceError::Failed(format!(
                            "{}: cannot send: {e}",
                            self.interface
                        )));
                    }
                    sent += 1;
                }
                if cursor >= targets.len() {
                    cursor = 0;
                    round += 1;
                    next_round = Instant::now() + Duration::from_millis(250);
                }
                quiet_since = Instant::now();
            }
            match rx.next() {
                Ok(frame) => {
                    frame_observations(frame, &mut out);
                    for obs in out.drain(..) {
                        if let Observation::Arp(a) = &obs {
                            if Some(mac(own_mac)) == Some(a.mac)
                                || a.mac == MacAddr([0u8; 6]) && own.is_none()
                            {
                                continue;
                            }
                            if let IpAddr::V4(v4) = a.ip
                                && targets.contains(&v4)
                                && !answered.contains_key(&v4)
                            {
                                answered.insert(v4, a.mac);
                                quiet_since = Instant::now();
                            }
                            let key = (a.mac, a.ip);
                            if last_sent
                                .get(&key)
                                .is_some_and(|t| t.elapsed() < Duration::from_secs(10))
                            {
                                continue;
                            }
                            if last_sent.len() > 65_536 {
                                last_sent.clear();
                            }
                            last_sent.insert(key, Instant::now());
                        }
                        if !sink.send(now(), obs) {
                            return Ok(());
                        }
                    }
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(SourceError::Failed(format!(
                        "{}: capture stopped: {e}",
                        self.interface
                    )));
                }
            }
            // After the sweep settles, check the hosts that answered (each on its own thread).
            if self.active
                && !probing_started
                && round >= 3
                && quiet_since.elapsed() > Duration::from_millis(300)
            {
                probing_started = true;
                for (ip, m) in &answered {
                    let (ip, m, t) = (*ip, *m, ptx.clone());
                    let _ = std::thread::Builder::new()
                        .name("lan-probe".into())
                        .spawn(move || probe_host(ip, m, t));
                }
                let t = ptx.clone();
                let _ = std::thread::Builder::new()
                    .name("onvif-probe".into())
                    .spawn(move || onvif_probe(src_ip, t));
            }
            while let Ok(obs) = prx.try_recv() {
                if !sink.send(now(), obs) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xaddrs_whatever_the_namespace_prefix() {
        for (text, want) in [
            (
                "<d:XAddrs>http://10.0.0.5/onvif/device_service</d:XAddrs>",
                Some("http://10.0.0.5/onvif/device_service"),
            ),
            (
                "<wsdd:XAddrs> http://10.0.0.6:8080/onvif </wsdd:XAddrs>",
                Some("http://10.0.0.6:8080/onvif"),
            ),
            ("<XAddrs></XAddrs>", None),
            ("<d:ProbeMatch/>", None),
        ] {
            assert_eq!(xaddrs(text), want, "{text}");
        }
    }

    #[test]
    fn scope_says_which_addresses_are_asked() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().expect("ip");
        assert_eq!(
            describe_scope(Some((ip("192.168.1.37"), 24))),
            "the 253 other addresses of 192.168.1.0/24"
        );
        assert_eq!(
            describe_scope(Some((ip("10.42.0.1"), 30))),
            "the 1 other address of 10.42.0.0/30"
        );
        assert_eq!(
            describe_scope(Some((ip("10.0.0.1"), 8))),
            "none: 10.0.0.0/8 is larger than a /16, so the active check will not run"
        );
        assert!(describe_scope(None).starts_with("no address"));
        assert_eq!(
            describe_scope(Some((ip("10.0.0.1"), 32))),
            "no other address: 10.0.0.1/32 has none"
        );
    }

    #[test]
    fn refuses_subnets_larger_than_a_16() {
        assert!(
            sweep_targets(Ipv4Addr::new(10, 0, 0, 5), 8)
                .expect_err("too large")
                .contains("larger than a /16")
        );
        let t = sweep_targets(Ipv4Addr::new(10, 200, 0, 1), 24).expect("ok");
        assert_eq!(t.len(), 253);
        assert!(
            !t.contains(&Ipv4Addr::new(10, 200, 0, 1))
                && !t.contains(&Ipv4Addr::new(10, 200, 0, 255))
        );
        assert_eq!(
            sweep_targets(Ipv4Addr::new(10, 1, 2, 3), 16)
                .expect("ok")
                .len(),
            65_533
        );
    }
}
