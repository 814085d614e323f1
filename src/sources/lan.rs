//! Local network source (pnet). Passive: listens to ARP, DHCP and mDNS announcements on the
//! chosen interface and sends nothing. Active (`--active`, confirmed by the volunteer): an
//! ARP sweep of the interface's IPv4 subnet (at most a /16; paced batches with the replies
//! read in between, then retries only for silent addresses after a wait derived from the
//! replies' round trip: [`ArpSweep`]), then TCP checks of camera ports on the hosts that
//! answered, an RTSP `OPTIONS`, and an ONVIF WS-Discovery probe. Never passwords, never
//! stream URLs.
//!
//! The I/O seam: the link, the clock and the probes come from [`LanSource::with_io`], the
//! interfaces and channels from a [`Network`] ([`LanSource::with_network`]); production
//! uses pnet, the system clock and [`CameraProbes`], `tests/lan_seam.rs` scripted ones.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pnet::datalink::NetworkInterface;
use pnet::packet::arp::{ArpHardwareTypes, ArpOperations, MutableArpPacket};
use pnet::packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::udp::UdpPacket;
use pnet::packet::{MutablePacket, Packet};

use crate::observation::{MacAddr, Observation, Probe, ProbeResult, SourceKind, SourceState};
use crate::sources::{
    Clock, Link, Network, Sink, Source, SourceError, Stop, SystemClock, SystemNetwork, lanparse,
};

/// Camera ports checked by the active check.
pub const CAMERA_PORTS: [u16; 7] = [554, 8554, 80, 8000, 8080, 37777, 34567];
/// ARP requests sent at once; the replies are read between two batches.
pub const SWEEP_BATCH: usize = 64;
/// Least time between two batches: at most `SWEEP_BATCH` requests per `SWEEP_INTERVAL`
/// (8,000 a second, about 4 Mbit/s of 60-byte broadcasts: a /24 in four batches, about
/// 30 ms; a /16 in about 8 s). docs/network-check.md says what this means for a router.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(8);
/// Times every silent address is asked (the first request and two retries).
pub const SWEEP_ROUNDS: u32 = 3;
/// Wait before retrying silent addresses while no reply has given a round trip time.
pub const SWEEP_WAIT_UNKNOWN: Duration = Duration::from_millis(250);
/// Bounds of the wait before a retry (twice the slowest round trip seen).
pub const SWEEP_WAIT_MIN: Duration = Duration::from_millis(20);
pub const SWEEP_WAIT_MAX: Duration = Duration::from_millis(1000);
/// Receive queue asked for per target address (each queued frame costs the kernel about a
/// kilobyte); capped by the kernel at net.core.rmem_max.
const QUEUE_PER_TARGET: usize = 1280;
/// Largest subnet the active sweep accepts.
pub const MIN_PREFIX: u8 = 16;

pub struct LanSource {
    pub interface: String,
    /// Send ARP requests and probes (only when the volunteer asked for it).
    pub active: bool,
    channel: Option<Link>,
    /// Opens the raw socket for a caller without CAP_NET_RAW (the screens).
    opener: Option<crate::sources::LinkOpener>,
    /// The interfaces and channels (the machine's, or a test's).
    net: Arc<dyn Network>,
    /// Where the time comes from (the system clock, or a test's).
    clock: Arc<dyn Clock>,
    /// What the active check does with the hosts that answered.
    probes: Arc<dyn Probes>,
}

impl LanSource {
    pub fn new(interface: impl Into<String>, active: bool) -> Self {
        Self {
            interface: interface.into(),
            active,
            channel: None,
            opener: None,
            net: Arc::new(SystemNetwork),
            clock: Arc::new(SystemClock),
            probes: Arc::new(CameraProbes),
        }
    }

    /// The I/O seam: frames sent and read on `link` (any pnet sender and receiver, and the
    /// interface whose address and prefix set the active check's scope), the time from
    /// `clock`, and the hosts that answered the sweep handed to `probes` (the camera checks
    /// in production; a test's record).
    pub fn with_io(mut self, link: Link, clock: Arc<dyn Clock>, probes: Arc<dyn Probes>) -> Self {
        self.channel = Some(link);
        self.clock = clock;
        self.probes = probes;
        self
    }

    /// Find the interface and open its channel on `net` (when no opener is given).
    pub fn with_network(mut self, net: Arc<dyn Network>) -> Self {
        self.net = net;
        self
    }

    /// Open the raw socket through `opener` instead of on the calling thread.
    pub fn with_opener(mut self, opener: Option<crate::sources::LinkOpener>) -> Self {
        self.opener = opener;
        self
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
    active_scope_on(&SystemNetwork, interface)
}

/// [`active_scope`] among the interfaces of `net`.
pub fn active_scope_on(net: &dyn Network, interface: &str) -> String {
    net.interfaces()
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

/// A network too large for the active sweep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The network is a /{prefix}: larger than a /{MIN_PREFIX}, too large to ask every address. Run the check without --active (listen only)."
)]
pub struct TooLarge {
    pub prefix: u8,
}

/// Every host address of a subnet except ours; refuses anything larger than a /16.
pub fn sweep_targets(ip: Ipv4Addr, prefix: u8) -> Result<Vec<Ipv4Addr>, TooLarge> {
    if prefix < MIN_PREFIX {
        return Err(TooLarge { prefix });
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

/// The active ARP sweep's plan: which addresses to ask when, and when it is over. Pure
/// (time is an input), so its pacing and retries are tested without a network.
///
/// Requests go out in batches of [`SWEEP_BATCH`] at least [`SWEEP_INTERVAL`] apart, with
/// the replies read in between (a reply never waits behind the rest of the subnet). After
/// each round, only addresses that have not answered are asked again, after a wait of
/// twice the slowest round trip seen so far (a network that answers in 2 ms is not waited
/// on for 250 ms; a slow one gets the time it needs).
#[derive(Debug)]
pub struct ArpSweep {
    order: Vec<Ipv4Addr>,
    targets: HashSet<Ipv4Addr>,
    answered: HashMap<Ipv4Addr, MacAddr>,
    /// When each silent address was last asked.
    asked_at: HashMap<Ipv4Addr, Instant>,
    round: u32,
    cursor: usize,
    next_batch: Instant,
    /// When the current round's wait ends (set once its last request is sent).
    round_end: Option<Instant>,
    slowest: Option<Duration>,
}

impl ArpSweep {
    pub fn new(targets: Vec<Ipv4Addr>, now: Instant) -> Self {
        ArpSweep {
            targets: targets.iter().copied().collect(),
            order: targets,
            answered: HashMap::new(),
            asked_at: HashMap::new(),
            round: 0,
            cursor: 0,
            next_batch: now,
            round_end: None,
            slowest: None,
        }
    }

    /// The wait before silent addresses are asked again.
    pub fn retry_wait(&self) -> Duration {
        self.slowest.map_or(SWEEP_WAIT_UNKNOWN, |rtt| {
            (rtt * 2).clamp(SWEEP_WAIT_MIN, SWEEP_WAIT_MAX)
        })
    }

    /// Addresses to ask now (at most one batch), appended to `out`.
    pub fn due(&mut self, now: Instant, out: &mut Vec<Ipv4Addr>) {
        if self.answered.len() == self.order.len() {
            self.round = SWEEP_ROUNDS;
        }
        if self.round >= SWEEP_ROUNDS || now < self.next_batch {
            return;
        }
        if let Some(end) = self.round_end {
            // Between rounds: wait for late replies, then start the next round.
            if now < end + self.retry_wait() {
                return;
            }
            self.round_end = None;
            self.round += 1;
            self.cursor = 0;
            if self.round >= SWEEP_ROUNDS {
                return;
            }
        }
        let start = out.len();
        while self.cursor < self.order.len() && out.len() - start < SWEEP_BATCH {
            let t = self.order[self.cursor];
            self.cursor += 1;
            if !self.answered.contains_key(&t) {
                self.asked_at.insert(t, now);
                out.push(t);
            }
        }
        if out.len() > start {
            self.next_batch = now + SWEEP_INTERVAL;
        }
        if self.cursor >= self.order.len() {
            self.round_end = Some(now);
        }
    }

    /// A sighting of `ip` (a reply, or the host's own ARP): true if it is one of the
    /// targets and had not answered yet.
    pub fn heard(&mut self, ip: Ipv4Addr, mac: MacAddr, now: Instant) -> bool {
        if !self.targets.contains(&ip) || self.answered.contains_key(&ip) {
            return false;
        }
        if let Some(at) = self.asked_at.remove(&ip) {
            let rtt = now.saturating_duration_since(at);
            self.slowest = Some(self.slowest.map_or(rtt, |s| s.max(rtt)));
        }
        self.answered.insert(ip, mac);
        true
    }

    /// Every round sent and the last wait over (or every address answered).
    pub fn finished(&self, now: Instant) -> bool {
        self.round >= SWEEP_ROUNDS
            || self.answered.len() == self.order.len()
            || (self.round + 1 >= SWEEP_ROUNDS
                && self
                    .round_end
                    .is_some_and(|end| now >= end + self.retry_wait()))
    }

    /// The hosts that answered.
    pub fn answered(&self) -> &HashMap<Ipv4Addr, MacAddr> {
        &self.answered
    }
}

/// How many addresses an active check on `interface` asks (0 when it asks none).
fn target_count(net: &dyn Network, interface: &str) -> usize {
    net.interfaces()
        .into_iter()
        .find(|i| i.name == interface)
        .and_then(|i| ipv4_net(&i))
        .and_then(|(ip, prefix)| sweep_targets(ip, prefix).ok())
        .map_or(0, |t| t.len())
}

/// The link: passive listening wakes at most every 100 ms; an active check reads with a
/// timeout of one batch interval (its pacing) and a receive queue sized for its targets.
fn open(
    net: &dyn Network,
    interface: &str,
    active: bool,
    opener: Option<&crate::sources::LinkOpener>,
) -> Result<Link, SourceError> {
    let mut opts = crate::sources::LinkOptions::new(1 << 20);
    if active {
        opts.read_timeout = SWEEP_INTERVAL;
        opts.socket_buffer =
            Some((target_count(net, interface) * QUEUE_PER_TARGET).clamp(256 << 10, 16 << 20));
    }
    match opener {
        Some(o) => (o.0)(interface, "listen", opts),
        None => crate::sources::open_link_on(net, interface, "listen", opts),
    }
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
        let mut probe = Probe::Tcp;
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
                        probe = Probe::Rtsp;
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
            probe,
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
                probe: Probe::Onvif,
                port: Some(3702),
                open: true,
                detail: xaddrs(&text).map(|x| crate::sanitize::clean(x, 120)),
            }));
        }
    }
}

/// What the active check does once the sweep is over: in production ([`CameraProbes`])
/// the camera-port checks and RTSP `OPTIONS` on each host that answered and one ONVIF
/// probe from `local`, each on its own thread, their results sent on `tx`. A test records
/// the hosts instead (and sends nothing on any network).
pub trait Probes: Send + Sync {
    fn start(&self, local: Ipv4Addr, hosts: &[(Ipv4Addr, MacAddr)], tx: &mpsc::Sender<Observation>);
}

/// The real probes: TCP, RTSP and ONVIF on the network.
#[derive(Debug, Clone, Copy, Default)]
pub struct CameraProbes;

impl Probes for CameraProbes {
    fn start(
        &self,
        local: Ipv4Addr,
        hosts: &[(Ipv4Addr, MacAddr)],
        tx: &mpsc::Sender<Observation>,
    ) {
        for (ip, m) in hosts {
            let (ip, m, t) = (*ip, *m, tx.clone());
            let _ = std::thread::Builder::new()
                .name("lan-probe".into())
                .spawn(move || probe_host(ip, m, t));
        }
        let t = tx.clone();
        let _ = std::thread::Builder::new()
            .name("onvif-probe".into())
            .spawn(move || onvif_probe(local, t));
    }
}

impl Source for LanSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Lan
    }

    fn prepare(&mut self) -> Result<(), SourceError> {
        if self.channel.is_none() {
            self.channel = Some(open(
                &*self.net,
                &self.interface,
                self.active,
                self.opener.as_ref(),
            )?);
        }
        Ok(())
    }

    fn run(mut self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let (mut tx, mut rx, iface) = match self.channel.take() {
            Some(c) => c,
            None => open(
                &*self.net,
                &self.interface,
                self.active,
                self.opener.as_ref(),
            )?,
        };
        let own = iface.mac;
        let clock = Arc::clone(&self.clock);
        let now = || clock.now();
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
            targets = sweep_targets(ip, prefix).map_err(|e| SourceError::Unavailable {
                reason: e.to_string(),
                fix: "Use a smaller network, or listen only.".into(),
            })?;
            src_ip = ip;
        }
        let own_mac = own.unwrap_or_default();
        let mut sweep = self
            .active
            .then(|| ArpSweep::new(std::mem::take(&mut targets), clock.instant()));
        let mut last_sent: HashMap<(MacAddr, IpAddr), Instant> = HashMap::new();
        let (ptx, prx) = mpsc::channel::<Observation>();
        let mut probing_started = false;
        let mut out = Vec::new();
        let mut batch = Vec::new();
        while !stop.is_stopped() {
            // Active sweep: the batch that is due (if any), then read what came in; a read
            // waits at most one batch interval.
            if let Some(sw) = sweep.as_mut() {
                sw.due(clock.instant(), &mut batch);
                for t in batch.drain(..) {
                    if let Some(frame) = arp_request(own_mac, src_ip, t)
                        && let Some(Err(e)) = tx.send_to(&frame, None)
                    {
                        return Err(SourceError::Failed(format!(
                            "{}: cannot send: {e}",
                            self.interface
                        )));
                    }
                }
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
                            if let (IpAddr::V4(v4), Some(sw)) = (a.ip, sweep.as_mut()) {
                                sw.heard(v4, a.mac, clock.instant());
                            }
                            let key = (a.mac, a.ip);
                            let at = clock.instant();
                            if last_sent.get(&key).is_some_and(|t| {
                                at.saturating_duration_since(*t) < Duration::from_secs(10)
                            }) {
                                continue;
                            }
                            if last_sent.len() > 65_536 {
                                last_sent.clear();
                            }
                            last_sent.insert(key, at);
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
            // After the sweep, check the hosts that answered (each on its own thread).
            if let Some(sw) = sweep.as_ref()
                && !probing_started
                && sw.finished(clock.instant())
            {
                probing_started = true;
                let mut hosts: Vec<(Ipv4Addr, MacAddr)> =
                    sw.answered().iter().map(|(ip, m)| (*ip, *m)).collect();
                hosts.sort();
                self.probes.start(src_ip, &hosts, &ptx);
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
                .to_string()
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

    /// Everything the sweep asks from `t0` on, in (milliseconds since `t0`, address)
    /// order, stepping time by 1 ms; `answers(ip)` says after how many ms a host answers
    /// (None: silent).
    fn run_sweep(
        targets: Vec<Ipv4Addr>,
        answers: impl Fn(Ipv4Addr) -> Option<u64>,
    ) -> (Vec<(u64, Ipv4Addr)>, ArpSweep, u64) {
        let t0 = Instant::now();
        let mut sw = ArpSweep::new(targets, t0);
        let mut sent = Vec::new();
        let mut pending: Vec<(u64, Ipv4Addr)> = Vec::new();
        let mut batch = Vec::new();
        for ms in 0..10_000u64 {
            let now = t0 + Duration::from_millis(ms);
            pending.retain(|(at, ip)| {
                if *at <= ms {
                    sw.heard(*ip, MacAddr([2, 0, 0, 0, 0, 1]), now);
                    false
                } else {
                    true
                }
            });
            if sw.finished(now) {
                return (sent, sw, ms);
            }
            sw.due(now, &mut batch);
            for ip in batch.drain(..) {
                sent.push((ms, ip));
                if let Some(d) = answers(ip) {
                    pending.push((ms + d, ip));
                }
            }
        }
        panic!("the sweep never finished");
    }

    fn slash24() -> Vec<Ipv4Addr> {
        sweep_targets(Ipv4Addr::new(10, 9, 0, 1), 24).expect("targets")
    }

    #[test]
    fn sweep_is_paced_in_batches() {
        let (sent, _, _) = run_sweep(slash24(), |_| Some(2));
        assert_eq!(sent.len(), 253, "every address once: all answered");
        for w in sent.windows(SWEEP_BATCH + 1) {
            let span = w[SWEEP_BATCH].0 - w[0].0;
            assert!(
                span >= SWEEP_INTERVAL.as_millis() as u64,
                "{} requests within {span} ms",
                SWEEP_BATCH + 1
            );
        }
    }

    #[test]
    fn only_silent_addresses_are_asked_again_after_a_wait_from_the_round_trip() {
        let silent = [Ipv4Addr::new(10, 9, 0, 7), Ipv4Addr::new(10, 9, 0, 200)];
        let (sent, sw, end) = run_sweep(slash24(), |ip| (!silent.contains(&ip)).then_some(3));
        assert_eq!(sw.answered().len(), 251);
        let retries: Vec<_> = sent[253..].to_vec();
        assert_eq!(retries.len(), 2 * silent.len(), "{retries:?}");
        assert!(retries.iter().all(|(_, ip)| silent.contains(ip)));
        // Replies took 3 ms (4 with the 1 ms step): the wait is the floor, 20 ms, not 250.
        assert_eq!(sw.retry_wait(), SWEEP_WAIT_MIN);
        let first_round_end = sent[252].0;
        assert_eq!(retries[0].0, first_round_end + 20);
        assert_eq!(retries[2].0, retries[0].0 + 20);
        assert_eq!(end, retries[2].0 + 20, "finished after the last wait");
    }

    #[test]
    fn retry_wait_follows_the_slowest_round_trip() {
        let (_, sw, _) = run_sweep(slash24(), |ip| (ip.octets()[3] != 9).then_some(150));
        assert_eq!(sw.retry_wait(), Duration::from_millis(300));
        let (_, sw, end) = run_sweep(slash24(), |_| None);
        assert_eq!(sw.retry_wait(), SWEEP_WAIT_UNKNOWN);
        assert!(sw.answered().is_empty());
        assert!(end > 3 * 250, "three rounds, each waited on");
        // Nothing to ask: finished at once.
        let (sent, _, end) = run_sweep(Vec::new(), |_| Some(1));
        assert!(sent.is_empty() && end == 0);
    }

    #[test]
    fn a_reply_from_outside_the_targets_is_not_an_answer() {
        let mut sw = ArpSweep::new(slash24(), Instant::now());
        let m = MacAddr([2, 0, 0, 0, 0, 9]);
        assert!(!sw.heard(Ipv4Addr::new(10, 9, 1, 5), m, Instant::now()));
        assert!(
            !sw.heard(Ipv4Addr::new(10, 9, 0, 1), m, Instant::now()),
            "ourselves"
        );
        assert!(sw.heard(Ipv4Addr::new(10, 9, 0, 5), m, Instant::now()));
        assert!(
            !sw.heard(Ipv4Addr::new(10, 9, 0, 5), m, Instant::now()),
            "once"
        );
    }
}
