//! Packets → observations. One [`Extractor`] per capture (file or live); it keeps
//! the little state needed across packets: flow counters, TCP reassembly for
//! ClientHellos, HTTP request heads and DNS over TCP, and the QUIC tracker.
//!
//! Parsers: etherparse (link, VLAN, IPv4/IPv6, UDP/TCP; zero-copy, lax so that
//! snap-length-cut packets still give their headers), simple-dns (DNS messages,
//! name compression, CNAME chains) and tls-parser (TLS records, ClientHello and its
//! extensions; [`crate::sources::traffic::hello`]). Only the fixed 16/20-byte Linux
//! cooked capture headers are read here.
//!
//! - [`link`]: link types and the link-layer demux down to IP and UDP/TCP;
//! - [`flows`]: flows and their counters, connections, which side is the client;
//! - [`tcp`]: TCP reassembly and retransmissions;
//! - [`apps`]: DNS, TLS ClientHello and HTTP adapters, and network-device observations;
//! - [`quic_job`]: QUIC datagrams handed to a worker, and their records.

mod apps;
mod flows;
mod link;
mod quic_job;
mod tcp;

use std::net::{IpAddr, SocketAddr};

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use foldhash::HashMap;

use crate::observation::{MacAddr, Observation, Record, Timestamp, Transport};
use crate::sources::lanparse;
use crate::sources::traffic::FLUSH_BATCH;
use crate::sources::traffic::quic::QuicTracker;

pub use apps::{DNS_REPEAT_SECS, HTTP_HEAD_MAX};
pub use flows::{MAX_FLOWS, is_local};
pub use link::{Link, linktype_name};
pub use quic_job::{JOB_BYTES, QuicJob};

use apps::{DnsKey, is_dns_port};
use flows::{Conn, ConnKey, FLOW_FLUSH_SECS, FlowAgg, FlowKey};
use link::{Above, above_ether, mac_at, slice_ip};
use quic_job::PendingQuic;
use tcp::{MAX_STREAMS, Stream, StreamKey};

/// Counters for the summary and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    pub dns: u64,
    pub tls: u64,
    /// ClientHellos read from QUIC Initials here (an offloading extractor leaves them to
    /// its [`QuicJob`]s and counts none).
    pub quic: u64,
    pub http: u64,
    pub flows: u64,
    /// Packets whose link or IP header could not be read (skipped).
    pub undecodable: u64,
    /// Flows forgotten because [`MAX_FLOWS`] was reached (their counts were sent first).
    pub flows_forgotten: u64,
    /// TLS ClientHellos and HTTP requests seen again in a retransmission (same connection,
    /// same sequence number, same bytes) and not recorded again.
    pub retransmissions: u64,
    /// DNS messages over UDP resent with the same id (same sender, receiver and names)
    /// within [`DNS_REPEAT_SECS`] of the last one, not recorded again.
    pub dns_repeats: u64,
    /// HTTP request heads still without a `Host` after [`HTTP_HEAD_MAX`] bytes (given up).
    pub http_over_cap: u64,
    /// Network-device observations (ARP, DHCP, mDNS announcements, SSDP).
    pub lan: u64,
}

/// One decoded packet: addressing, ports (0 until the transport is read), capture time and
/// the byte offset of its record in the file (evidence).
struct Pkt {
    src: IpAddr,
    dst: IpAddr,
    src_mac: Option<MacAddr>,
    dst_mac: Option<MacAddr>,
    sp: u16,
    dp: u16,
    t: Timestamp,
    offset: u64,
}

/// Turns packets into observations.
pub struct Extractor {
    conns: HashMap<ConnKey, Conn>,
    /// The connection of the last packet: packets come in bursts per connection.
    last_conn: Option<(ConnKey, Conn)>,
    flows: Vec<FlowAgg>,
    flow_index: HashMap<FlowKey, usize>,
    streams: HashMap<StreamKey, Stream>,
    /// ClientHellos and request heads recorded: (sender, receiver, first sequence number)
    /// → hash of their bytes, so a retransmission is recorded once.
    recorded: HashMap<(SocketAddr, SocketAddr, u32), u64>,
    /// DNS messages over UDP recorded, with the packet time of the last copy.
    dns_seen: HashMap<DnsKey, Timestamp>,
    quic: QuicTracker,
    /// When set, QUIC datagrams are queued for a QUIC worker instead of being decrypted
    /// here (see [`QuicJob`]); their observations keep their place in the output.
    offload: bool,
    pending: Vec<PendingQuic>,
    pending_bytes: Vec<u8>,
    /// MAC last seen sending from each local address (cooked captures only carry the sender's).
    macs: HashMap<IpAddr, MacAddr>,
    /// When the changed flows are next emitted (capture time).
    next_flush: Option<Timestamp>,
    /// Observations ready to send (drained by the caller).
    pub out: Vec<Record>,
    pub stats: Stats,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    pub fn new() -> Self {
        Extractor {
            conns: HashMap::default(),
            last_conn: None,
            flows: Vec::new(),
            flow_index: HashMap::default(),
            streams: HashMap::default(),
            recorded: HashMap::default(),
            dns_seen: HashMap::default(),
            quic: QuicTracker::new(),
            offload: false,
            pending: Vec::new(),
            pending_bytes: Vec::new(),
            macs: HashMap::default(),
            next_flush: None,
            out: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// An extractor that leaves QUIC decryption to a worker: its output is taken with
    /// [`Extractor::take_job`] and finished with [`QuicJob::resolve`], in order.
    pub fn offloading() -> Self {
        Extractor {
            offload: true,
            ..Self::new()
        }
    }

    /// True when enough output is waiting to be handed on (observations and queued QUIC
    /// datagrams; bounded in count and bytes).
    pub fn ready(&self) -> bool {
        self.out.len() + self.pending.len() >= FLUSH_BATCH || self.pending_bytes.len() >= JOB_BYTES
    }

    /// Everything produced so far, with the queued QUIC datagrams.
    pub fn take_job(&mut self) -> QuicJob {
        QuicJob {
            records: std::mem::take(&mut self.out),
            pending: std::mem::take(&mut self.pending),
            bytes: std::mem::take(&mut self.pending_bytes),
        }
    }

    /// One captured frame. `offset` is its byte offset in the capture file (evidence).
    pub fn packet(&mut self, link: Link, t: Timestamp, offset: u64, data: &[u8]) {
        self.stats.packets += 1;
        self.stats.bytes += data.len() as u64;
        let mut src_mac = None;
        let mut dst_mac = None;
        let above = match link {
            Link::Ethernet => match data.get(..14) {
                Some(h) => {
                    dst_mac = mac_at(data, 0);
                    src_mac = mac_at(data, 6);
                    above_ether(u16::from_be_bytes([h[12], h[13]]), &data[14..])
                }
                None => Above::Undecodable,
            },
            Link::LinuxSll => match data.get(16..) {
                Some(rest) => {
                    let addr_len = u16::from_be_bytes([data[4], data[5]]);
                    if addr_len == 6 {
                        src_mac = mac_at(data, 6);
                    }
                    above_ether(u16::from_be_bytes([data[14], data[15]]), rest)
                }
                None => Above::Undecodable,
            },
            Link::LinuxSll2 => match data.get(20..) {
                Some(rest) => {
                    if data[11] == 6 {
                        src_mac = mac_at(data, 12);
                    }
                    above_ether(u16::from_be_bytes([data[0], data[1]]), rest)
                }
                None => Above::Undecodable,
            },
            Link::RawIp => Above::Ip(data),
            Link::Null => data.get(4..).map_or(Above::Undecodable, Above::Ip),
        };
        let (net, transport) = match above {
            Above::Ip(bytes) => slice_ip(bytes),
            Above::Macsec(ty, rest) => {
                let p = LaxSlicedPacket::from_ether_type(ty, rest);
                (p.net, p.transport)
            }
            Above::Arp(body) => {
                if let Some(a) = lanparse::arp(body) {
                    self.lan_record(t, Observation::Arp(a));
                }
                return;
            }
            Above::Undecodable => (None, None),
        };
        let (src, dst, fragmented) = match &net {
            Some(LaxNetSlice::Ipv4(v4)) => (
                IpAddr::V4(v4.header().source_addr()),
                IpAddr::V4(v4.header().destination_addr()),
                v4.is_payload_fragmented(),
            ),
            Some(LaxNetSlice::Ipv6(v6)) => (
                IpAddr::V6(v6.header().source_addr()),
                IpAddr::V6(v6.header().destination_addr()),
                v6.is_payload_fragmented(),
            ),
            _ => {
                self.stats.undecodable += u64::from(net.is_none());
                return;
            }
        };
        if let Some(m) = src_mac
            && is_local(src)
            && self.macs.get(&src) != Some(&m)
        {
            if self.macs.len() >= MAX_STREAMS {
                self.macs.clear();
            }
            self.macs.insert(src, m);
        }
        if dst_mac.is_none() {
            dst_mac = self.macs.get(&dst).copied();
        }
        let mut p = Pkt {
            src,
            dst,
            src_mac,
            dst_mac,
            sp: 0,
            dp: 0,
            t,
            offset,
        };
        let wire_len = data.len() as u64;
        match &transport {
            Some(TransportSlice::Udp(u)) if !fragmented => {
                let (sp, dp) = (u.source_port(), u.destination_port());
                (p.sp, p.dp) = (sp, dp);
                self.count_flow(&p, false, false, wire_len);
                let payload = u.payload();
                if is_dns_port(sp) || is_dns_port(dp) {
                    if self.dns(&p, payload, Transport::Udp, (t, offset)) && sp == 5353 {
                        let mut obs = Vec::new();
                        lanparse::mdns_announcement(src, payload, &mut obs);
                        for o in obs {
                            self.lan_record(t, o);
                        }
                    }
                } else if lanparse::is_dhcp_request(sp, dp) {
                    let mut obs = Vec::new();
                    lanparse::dhcp(payload, &mut obs);
                    for o in obs {
                        self.lan_record(t, o);
                    }
                } else if sp == lanparse::SSDP_PORT || dp == lanparse::SSDP_PORT {
                    if let Some(n) = lanparse::ssdp(src, src_mac, payload) {
                        self.lan_record(t, Observation::Ssdp(n));
                    }
                } else if payload.first().is_some_and(|b| b & 0xC0 == 0xC0) {
                    self.quic_datagram(&p, payload);
                }
            }
            Some(TransportSlice::Tcp(tcp)) if !fragmented => {
                let (sp, dp) = (tcp.source_port(), tcp.destination_port());
                (p.sp, p.dp) = (sp, dp);
                let syn_only = tcp.syn() && !tcp.ack();
                self.count_flow(&p, true, syn_only, wire_len);
                let payload = tcp.payload();
                if payload.is_empty() {
                    return;
                }
                let seq = tcp.sequence_number();
                if dp == 53 || sp == 53 {
                    self.dns_tcp(&p, seq, payload);
                } else {
                    self.tcp_payload(&p, seq, payload);
                }
            }
            _ => {}
        }
        if self.next_flush.is_none_or(|n| t >= n) {
            if self.next_flush.is_some() {
                self.flush_flows();
            }
            self.next_flush = Some(
                t.checked_add_signed(chrono::Duration::seconds(FLOW_FLUSH_SECS))
                    .unwrap_or(t),
            );
        }
    }

    /// End of the capture: final flow counters.
    pub fn finish(&mut self) {
        self.flush_flows();
    }
}
