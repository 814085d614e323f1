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

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pnet::datalink::NetworkInterface;
use pnet::packet::arp::{ArpHardwareTypes, ArpOperations, MutableArpPacket};
use pnet::packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::udp::UdpPacket;
use pnet::packet::{MutablePacket, Packet};

mod probes;
mod sweep;

pub use probes::{CAMERA_PORTS, CameraProbes, Probes};
pub use sweep::{
    ArpSweep, MIN_PREFIX, SWEEP_BATCH, SWEEP_INTERVAL, SWEEP_ROUNDS, SWEEP_WAIT_MAX,
    SWEEP_WAIT_MIN, SWEEP_WAIT_UNKNOWN, TooLarge, sweep_targets,
};

use crate::observation::{MacAddr, Observation, SourceKind, SourceState};
use crate::sources::{
    Clock, Link, Network, Sink, Source, SourceError, Stop, SystemClock, SystemNetwork, lanparse,
};

/// Receive queue asked for per target address (each queued frame costs the kernel about a
/// kilobyte); capped by the kernel at net.core.rmem_max.
const QUEUE_PER_TARGET: usize = 1280;

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
}
