//! Packets → observations. One [`Extractor`] per capture (file or live); it keeps
//! the little state needed across packets: flow counters, TCP reassembly for
//! ClientHellos and DNS over TCP, and the QUIC tracker.
//!
//! Parsers: etherparse (link, VLAN, IPv4/IPv6, UDP/TCP; zero-copy, lax so that
//! snap-length-cut packets still give their headers), simple-dns (DNS messages,
//! name compression, CNAME chains) and tls-parser (TLS records, ClientHello and its
//! extensions). Only the fixed 16/20-byte Linux cooked capture headers are read here.

use std::net::{IpAddr, SocketAddr};

use foldhash::HashMap;

use etherparse::{
    EtherType, IpNumber, LaxIpSlice, LaxNetSlice, LaxSlicedPacket, TcpSlice, TransportSlice,
    UdpSlice,
};

use crate::observation::{
    DnsObs, Endpoints, FlowObs, HttpObs, MacAddr, Observation, QuicObs, Record, Timestamp, TlsObs,
    Transport,
};
use crate::sanitize::clean;
use crate::sources::lanparse;
use crate::sources::traffic::FLUSH_BATCH;
use crate::sources::traffic::quic::{QuicHello, QuicTracker};

/// Link types sweep reads (pcap `LINKTYPE_*` numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// LINKTYPE_ETHERNET (1), with 802.1Q / QinQ VLAN tags.
    Ethernet,
    /// LINKTYPE_LINUX_SLL (113): `tcpdump -i any`.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276): newer `tcpdump -i any`.
    LinuxSll2,
    /// LINKTYPE_RAW (101, also 12 and 14), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229):
    /// what phone-side capture apps write.
    RawIp,
    /// LINKTYPE_NULL (0) and LINKTYPE_LOOP (108): BSD loopback, 4-byte family header.
    Null,
}

impl Link {
    pub fn from_linktype(n: u32) -> Option<Link> {
        match n {
            1 => Some(Link::Ethernet),
            113 => Some(Link::LinuxSll),
            276 => Some(Link::LinuxSll2),
            101 | 12 | 14 | 228 | 229 => Some(Link::RawIp),
            0 | 108 => Some(Link::Null),
            _ => None,
        }
    }
}

/// Plain name of a link type number, for error messages.
pub fn linktype_name(n: u32) -> String {
    let name = match n {
        105 => "IEEE 802.11 Wi-Fi (monitor mode, no radiotap)",
        127 => "IEEE 802.11 with radiotap (monitor mode)",
        163 => "IEEE 802.11 with AVS header",
        192 => "PPI",
        9 => "PPP",
        50 => "PPP in HDLC",
        147..=162 => "user-defined",
        187 | 201 | 249 => "Bluetooth",
        _ => "unknown",
    };
    format!("{n} ({name})")
}

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

/// Normalised 5-tuple of a connection (lower endpoint first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ConnKey {
    a: SocketAddr,
    b: SocketAddr,
    tcp: bool,
}

#[derive(Debug, Clone, Copy)]
struct Conn {
    /// `a` of the key is the client.
    a_is_client: bool,
    flow: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FlowKey {
    client: IpAddr,
    server: IpAddr,
    port: u16,
    tcp: bool,
}

#[derive(Debug)]
struct FlowAgg {
    ends: Endpoints,
    transport: Transport,
    packets: u64,
    bytes: u64,
    dirty: bool,
    last: Timestamp,
}

/// One direction of a TCP stream being put back together (bounded).
#[derive(Debug)]
struct Stream {
    /// Sequence number of the first byte (where the ClientHello or request starts).
    start: u32,
    /// An HTTP request head (else a TLS record, or DNS messages).
    http: bool,
    next_seq: u32,
    buf: Vec<u8>,
    pending: Vec<(u32, Vec<u8>)>,
    offset: u64,
    t: Timestamp,
}

const MAX_STREAM_BYTES: usize = 64 * 1024 + 2;
const MAX_PENDING: usize = 16;
const MAX_STREAMS: usize = 16 * 1024;
const MAX_CONNS: usize = 1 << 20;
/// Most flows (client, server, port) counted at once: far more than a phone makes in a
/// check. Beyond it the counts so far are sent and the table starts again.
pub const MAX_FLOWS: usize = 1 << 16;
/// Flows whose counters changed are re-emitted this often (capture time).
const FLOW_FLUSH_SECS: i64 = 60;
/// An HTTP request head is put back together from its segments up to this many bytes;
/// a head with no `Host` line by then is given up (and counted in [`Stats::http_over_cap`]).
pub const HTTP_HEAD_MAX: usize = 16 * 1024;
/// A DNS message over UDP repeated with the same id within this many seconds of packet
/// time (a resent query, or its repeated answer) is recorded once.
pub const DNS_REPEAT_SECS: i64 = 2;
/// Most ClientHellos / request heads remembered for recognising retransmissions, and most
/// DNS messages remembered for recognising repeats.
const MAX_REMEMBERED: usize = 64 * 1024;

impl Stream {
    fn new(seq: u32, offset: u64, t: Timestamp) -> Self {
        Stream {
            start: seq,
            http: false,
            next_seq: seq,
            buf: Vec::new(),
            pending: Vec::new(),
            offset,
            t,
        }
    }

    /// Add a segment; false when the stream went over its bound (drop it).
    fn push(&mut self, seq: u32, data: &[u8]) -> bool {
        let rel = seq.wrapping_sub(self.next_seq) as i32;
        if rel > 0 {
            if self.pending.len() >= MAX_PENDING || rel as usize > MAX_STREAM_BYTES {
                return false;
            }
            self.pending.push((seq, data.to_vec()));
            return true;
        }
        let skip = rel.unsigned_abs() as usize;
        if skip < data.len() {
            self.append(&data[skip..]);
        }
        // Splice in segments that arrived early.
        loop {
            let mut progressed = false;
            let mut i = 0;
            while i < self.pending.len() {
                let (s, _) = &self.pending[i];
                let rel = s.wrapping_sub(self.next_seq) as i32;
                if rel <= 0 {
                    let (_, d) = self.pending.swap_remove(i);
                    let skip = rel.unsigned_abs() as usize;
                    if skip < d.len() {
                        self.append(&d[skip..]);
                        progressed = true;
                    }
                } else {
                    i += 1;
                }
            }
            if !progressed {
                break;
            }
        }
        self.buf.len() <= MAX_STREAM_BYTES
    }

    fn append(&mut self, d: &[u8]) {
        self.buf.extend_from_slice(d);
        self.next_seq = self.next_seq.wrapping_add(d.len() as u32);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum StreamKind {
    /// A TLS ClientHello or an HTTP request head.
    App,
    Dns,
}

/// A DNS message, for recognising one resent with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DnsKey {
    src: IpAddr,
    dst: IpAddr,
    id: u16,
    response: bool,
    names: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct StreamKey {
    src: SocketAddr,
    dst: SocketAddr,
    kind: StreamKind,
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
                    if self.dns(&p, payload, "udp", (t, offset)) && sp == 5353 {
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

    /// Emit the counters of every flow that changed since its last emission.
    pub fn flush_flows(&mut self) {
        for f in self.flows.iter_mut().filter(|f| f.dirty) {
            f.dirty = false;
            self.out.push(Record::new(
                f.last,
                Observation::Flow(FlowObs {
                    ends: f.ends.clone(),
                    transport: f.transport,
                    packets: f.packets,
                    bytes: f.bytes,
                }),
            ));
        }
    }

    /// End of the capture: final flow counters.
    pub fn finish(&mut self) {
        self.flush_flows();
    }

    fn count_flow(&mut self, p: &Pkt, tcp: bool, syn_only: bool, len: u64) {
        let (h, sp, dp, t) = (p, p.sp, p.dp, p.t);
        let s = SocketAddr::new(h.src, sp);
        let d = SocketAddr::new(h.dst, dp);
        let src_is_a = (h.src, sp) <= (h.dst, dp);
        let key = if src_is_a {
            ConnKey { a: s, b: d, tcp }
        } else {
            ConnKey { a: d, b: s, tcp }
        };
        let known = match &self.last_conn {
            Some((k, c)) if *k == key => Some(*c),
            _ => self.conns.get(&key).copied(),
        };
        if let Some(c) = known {
            self.last_conn = Some((key, c));
            let f = &mut self.flows[c.flow];
            f.packets += 1;
            f.bytes += len;
            f.dirty = true;
            f.last = t;
            if f.ends.client_mac.is_none() {
                f.ends.client_mac = if c.a_is_client == src_is_a {
                    h.src_mac
                } else {
                    h.dst_mac
                };
            }
            return;
        }
        let src_client = src_is_client(h.src, h.dst, sp, dp, tcp.then_some(syn_only));
        let (client, client_mac, server, port) = if src_client {
            (h.src, h.src_mac, h.dst, dp)
        } else {
            (h.dst, h.dst_mac, h.src, sp)
        };
        let fk = FlowKey {
            client,
            server,
            port,
            tcp,
        };
        let flow = match self.flow_index.get(&fk) {
            Some(&i) => {
                let f = &mut self.flows[i];
                f.packets += 1;
                f.bytes += len;
                f.dirty = true;
                f.last = t;
                i
            }
            None => {
                if self.flows.len() >= MAX_FLOWS {
                    self.forget_flows();
                }
                let ends = Endpoints {
                    client_ip: client,
                    client_mac,
                    server_ip: server,
                    server_port: Some(port),
                };
                let transport = if tcp { Transport::Tcp } else { Transport::Udp };
                self.out.push(Record::new(
                    t,
                    Observation::Flow(FlowObs {
                        ends: ends.clone(),
                        transport,
                        packets: 1,
                        bytes: len,
                    }),
                ));
                self.stats.flows += 1;
                self.flows.push(FlowAgg {
                    ends,
                    transport,
                    packets: 1,
                    bytes: len,
                    dirty: false,
                    last: t,
                });
                self.flow_index.insert(fk, self.flows.len() - 1);
                self.flows.len() - 1
            }
        };
        if self.conns.len() >= MAX_CONNS {
            // Bounded memory: forget connections (flows are kept; a later packet of a
            // forgotten connection joins its flow again by the same rules).
            self.conns.clear();
        }
        let conn = Conn {
            a_is_client: src_client == src_is_a,
            flow,
        };
        self.conns.insert(key, conn);
        self.last_conn = Some((key, conn));
    }

    /// Bounded memory: send the counts of changed flows, then forget every flow and
    /// connection (a later packet starts its flow again, as a new contact).
    fn forget_flows(&mut self) {
        self.flush_flows();
        self.stats.flows_forgotten += self.flows.len() as u64;
        self.flows.clear();
        self.flow_index.clear();
        self.conns.clear();
        self.last_conn = None;
    }

    /// A network-device observation (ARP, DHCP, mDNS announcement, SSDP).
    fn lan_record(&mut self, t: Timestamp, obs: Observation) {
        self.stats.lan += 1;
        self.out.push(Record::new(t, obs));
    }

    /// True when this UDP DNS message repeats one recorded less than [`DNS_REPEAT_SECS`]
    /// before (same sender, receiver, id, direction and names): a resent query or its
    /// repeated answer. The window runs from the last copy.
    fn dns_repeat(&mut self, h: &Pkt, msg: &DnsMsg, t: Timestamp) -> bool {
        use std::hash::BuildHasher;
        let key = DnsKey {
            src: h.src,
            dst: h.dst,
            id: msg.id,
            response: msg.response,
            names: foldhash::fast::FixedState::with_seed(0).hash_one(&msg.names),
        };
        let window = chrono::Duration::seconds(DNS_REPEAT_SECS);
        let repeat = self
            .dns_seen
            .get(&key)
            .is_some_and(|prev| (t - *prev).abs() <= window);
        if !repeat && self.dns_seen.len() >= MAX_REMEMBERED {
            self.dns_seen.retain(|_, prev| (t - *prev).abs() <= window);
            if self.dns_seen.len() >= MAX_REMEMBERED {
                self.dns_seen.clear();
            }
        }
        self.dns_seen.insert(key, t);
        repeat
    }

    /// True the first time a ClientHello or request head starting at `seq` from `src` to
    /// `dst` with these bytes is seen; false for a retransmission of it (counted).
    fn first_time(&mut self, src: SocketAddr, dst: SocketAddr, seq: u32, bytes: &[u8]) -> bool {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::with_seed(0).hash_one(bytes);
        if self.recorded.get(&(src, dst, seq)) == Some(&hash) {
            self.stats.retransmissions += 1;
            return false;
        }
        if self.recorded.len() >= MAX_REMEMBERED {
            self.recorded.clear();
        }
        self.recorded.insert((src, dst, seq), hash);
        true
    }

    /// A DNS message (`at`: time and offset of the packet it started in); false when
    /// nothing was recorded (not DNS, or a repeat).
    fn dns(&mut self, p: &Pkt, payload: &[u8], transport: &str, at: (Timestamp, u64)) -> bool {
        let (h, sp, dp, (t, offset)) = (p, p.sp, p.dp, at);
        let Some(msg) = parse_dns(payload) else {
            return false;
        };
        if transport == "udp" && self.dns_repeat(h, &msg, t) {
            self.stats.dns_repeats += 1;
            return false;
        }
        // The client asked (query) or is answered (response). mDNS answers go to a
        // multicast group: the sender is then the device.
        let src_client = !msg.response || is_multicast(h.dst);
        let ends = if src_client {
            Endpoints {
                client_ip: h.src,
                client_mac: h.src_mac,
                server_ip: h.dst,
                server_port: Some(dp),
            }
        } else {
            Endpoints {
                client_ip: h.dst,
                client_mac: h.dst_mac,
                server_ip: h.src,
                server_port: Some(sp),
            }
        };
        self.stats.dns += 1;
        self.out.push(Record::new(
            t,
            Observation::Dns(DnsObs {
                ends,
                names: msg.names,
                answers: msg.answers,
                response: msg.response,
                transport: Some(transport.to_string()),
                ech_names: msg.ech_names,
                offset: Some(offset),
            }),
        ));
        true
    }

    fn dns_tcp(&mut self, p: &Pkt, seq: u32, payload: &[u8]) {
        let (h, sp, dp, t, offset) = (p, p.sp, p.dp, p.t, p.offset);
        let key = StreamKey {
            src: SocketAddr::new(h.src, sp),
            dst: SocketAddr::new(h.dst, dp),
            kind: StreamKind::Dns,
        };
        if !self.streams.contains_key(&key) {
            self.make_room();
            self.streams.insert(key, Stream::new(seq, offset, t));
        }
        let mut messages = Vec::new();
        let mut drop = false;
        if let Some(s) = self.streams.get_mut(&key) {
            if !s.push(seq, payload) {
                drop = true;
            } else {
                // Length-prefixed messages (RFC 1035 §4.2.2), possibly several per segment.
                let mut used = 0;
                while let Some(len) = s.buf.get(used..used + 2) {
                    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                    if s.buf.len() < used + 2 + len {
                        break;
                    }
                    messages.push((s.buf[used + 2..used + 2 + len].to_vec(), s.offset, s.t));
                    used += 2 + len;
                }
                if used > 0 {
                    s.buf.drain(..used);
                    s.offset = offset;
                    s.t = t;
                }
            }
        }
        if drop {
            self.streams.remove(&key);
        }
        for (m, off, mt) in messages {
            self.dns(p, &m, "tcp", (mt, off));
        }
    }

    /// A TCP payload that is not DNS: a TLS ClientHello or an HTTP/1 request head, put
    /// back together across segments (in order or not, retransmissions ignored) when it
    /// spans several.
    fn tcp_payload(&mut self, p: &Pkt, seq: u32, payload: &[u8]) {
        let (h, sp, dp, t, offset) = (p, p.sp, p.dp, p.t, p.offset);
        let key = StreamKey {
            src: SocketAddr::new(h.src, sp),
            dst: SocketAddr::new(h.dst, dp),
            kind: StreamKind::App,
        };
        if !self.streams.is_empty()
            && let Some(s) = self.streams.get_mut(&key)
        {
            let ok = s.push(seq, payload);
            if s.http {
                match http_head(&s.buf) {
                    Head::More if ok => {}
                    Head::More => {
                        self.stats.http_over_cap += 1;
                        self.streams.remove(&key);
                    }
                    Head::NoHost => {
                        if s.buf.len() >= HTTP_HEAD_MAX {
                            self.stats.http_over_cap += 1;
                        }
                        self.streams.remove(&key);
                    }
                    Head::Host(host, end) => {
                        if let Some(s) = self.streams.remove(&key) {
                            self.http_request(p, s.start, &s.buf[..end], host, (s.t, s.offset));
                        }
                    }
                }
                return;
            }
            let need = tls_record_need(&s.buf);
            match need {
                Some(n) if ok && s.buf.len() >= n => {
                    if let Some(s) = self.streams.remove(&key) {
                        self.client_hello(p, s.start, &s.buf[..n], (s.t, s.offset));
                    }
                }
                Some(_) if ok => {}
                _ => {
                    self.streams.remove(&key);
                }
            }
            return;
        }
        if payload.len() >= 6 && payload[0] == 0x16 && payload[1] == 0x03 && payload[5] == 0x01 {
            let Some(n) = tls_record_need(payload) else {
                return;
            };
            if payload.len() >= n {
                self.client_hello(p, seq, &payload[..n], (t, offset));
            } else {
                self.make_room();
                let mut s = Stream::new(seq, offset, t);
                s.push(seq, payload);
                self.streams.insert(key, s);
            }
            return;
        }
        if starts_with_method(payload) {
            match http_head(payload) {
                Head::Host(host, end) => {
                    self.http_request(p, seq, &payload[..end], host, (t, offset))
                }
                Head::NoHost => {
                    if payload.len() >= HTTP_HEAD_MAX {
                        self.stats.http_over_cap += 1;
                    }
                }
                Head::More => {
                    self.make_room();
                    let mut s = Stream::new(seq, offset, t);
                    s.http = true;
                    s.push(seq, payload);
                    self.streams.insert(key, s);
                }
            }
        }
    }

    /// An HTTP request's `Host`; `head` is the request head up to the end of that line
    /// (the same bytes however it was cut into segments), for recognising retransmissions.
    fn http_request(&mut self, p: &Pkt, seq: u32, head: &[u8], host: String, at: (Timestamp, u64)) {
        let (h, sp, dp, (t, offset)) = (p, p.sp, p.dp, at);
        if !self.first_time(
            SocketAddr::new(h.src, sp),
            SocketAddr::new(h.dst, dp),
            seq,
            head,
        ) {
            return;
        }
        self.stats.http += 1;
        self.out.push(Record::new(
            t,
            Observation::Http(HttpObs {
                ends: Endpoints {
                    client_ip: h.src,
                    client_mac: h.src_mac,
                    server_ip: h.dst,
                    server_port: Some(dp),
                },
                host,
                offset: Some(offset),
            }),
        ));
    }

    fn make_room(&mut self) {
        if self.streams.len() >= MAX_STREAMS {
            self.streams.clear();
        }
    }

    fn client_hello(&mut self, p: &Pkt, seq: u32, record: &[u8], at: (Timestamp, u64)) {
        let (h, sp, dp, (t, offset)) = (p, p.sp, p.dp, at);
        let Some(ch) = parse_client_hello(record) else {
            return;
        };
        if !self.first_time(
            SocketAddr::new(h.src, sp),
            SocketAddr::new(h.dst, dp),
            seq,
            record,
        ) {
            return;
        }
        self.stats.tls += 1;
        self.out.push(Record::new(
            t,
            Observation::Tls(TlsObs {
                ends: Endpoints {
                    client_ip: h.src,
                    client_mac: h.src_mac,
                    server_ip: h.dst,
                    server_port: Some(dp),
                },
                sni: ch.sni,
                ech: ch.ech,
                alpn: ch.alpn,
                offset: Some(offset),
            }),
        ));
    }

    fn quic_datagram(&mut self, p: &Pkt, payload: &[u8]) {
        let (h, sp, dp, t, offset) = (p, p.sp, p.dp, p.t, p.offset);
        if !QuicTracker::wants(payload) {
            return;
        }
        let client = SocketAddr::new(h.src, sp);
        let server = SocketAddr::new(h.dst, dp);
        if self.offload {
            let start = self.pending_bytes.len();
            self.pending_bytes.extend_from_slice(payload);
            self.pending.push(PendingQuic {
                at: self.out.len(),
                client,
                client_mac: h.src_mac,
                server,
                t,
                offset,
                bytes: start..self.pending_bytes.len(),
            });
            return;
        }
        let Some(hello) = self.quic.on_datagram(client, server, payload) else {
            return;
        };
        self.stats.quic += 1;
        self.out
            .push(quic_record(client, h.src_mac, server, hello, t, offset));
    }
}

/// Most bytes of QUIC datagrams queued in one [`QuicJob`].
pub const JOB_BYTES: usize = 1024 * 1024;

/// A QUIC datagram queued for a worker: where its observation goes in the output.
#[derive(Debug)]
struct PendingQuic {
    at: usize,
    client: SocketAddr,
    client_mac: Option<MacAddr>,
    server: SocketAddr,
    t: Timestamp,
    offset: u64,
    bytes: std::ops::Range<usize>,
}

/// A stretch of an offloading [`Extractor`]'s output: its observations, and the QUIC
/// datagrams among them still to decrypt. Decrypting costs microseconds per connection
/// (key derivation, AES-GCM), the rest of a packet tens of nanoseconds, so a capture
/// source hands these to a worker thread and goes on reading.
#[derive(Debug, Default)]
pub struct QuicJob {
    records: Vec<Record>,
    pending: Vec<PendingQuic>,
    bytes: Vec<u8>,
}

impl QuicJob {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.pending.is_empty()
    }

    /// Decrypt the queued datagrams with `tracker` (jobs must come in the order they were
    /// taken) and put each ClientHello's observation where the extractor would have put
    /// it inline: the same records in the same order.
    pub fn resolve(self, tracker: &mut QuicTracker) -> Vec<Record> {
        if self.pending.is_empty() {
            return self.records;
        }
        let mut out = Vec::with_capacity(self.records.len() + self.pending.len());
        let mut pending = self.pending.into_iter().peekable();
        for (i, rec) in self.records.into_iter().enumerate() {
            while let Some(p) = pending.next_if(|p| p.at <= i) {
                out.extend(resolve_one(tracker, &self.bytes, p));
            }
            out.push(rec);
        }
        for p in pending {
            out.extend(resolve_one(tracker, &self.bytes, p));
        }
        out
    }
}

fn resolve_one(tracker: &mut QuicTracker, bytes: &[u8], p: PendingQuic) -> Option<Record> {
    let hello = tracker.on_datagram(p.client, p.server, bytes.get(p.bytes)?)?;
    Some(quic_record(
        p.client,
        p.client_mac,
        p.server,
        hello,
        p.t,
        p.offset,
    ))
}

fn quic_record(
    client: SocketAddr,
    client_mac: Option<MacAddr>,
    server: SocketAddr,
    hello: QuicHello,
    t: Timestamp,
    offset: u64,
) -> Record {
    Record::new(
        t,
        Observation::Quic(QuicObs {
            ends: Endpoints {
                client_ip: client.ip(),
                client_mac,
                server_ip: server.ip(),
                server_port: Some(server.port()),
            },
            version: hello.version,
            // Cleaned of control characters by the ClientHello parser.
            sni: hello.sni,
            ech: hello.ech,
            alpn: hello.alpn,
            offset: Some(offset),
        }),
    )
}

/// What a frame carries above its link layer.
enum Above<'a> {
    /// An IP packet.
    Ip(&'a [u8]),
    /// MACsec: left to etherparse's full slicer.
    Macsec(EtherType, &'a [u8]),
    /// ARP: who is on the network.
    Arp(&'a [u8]),
    /// Too short, or a type sweep does not read.
    Undecodable,
}

/// The payload of an Ethernet type, through up to three VLAN tags (802.1Q, 802.1ad, QinQ),
/// as etherparse's lax slicer reads it. Slicing here, then IP and UDP/TCP with etherparse's
/// own lax slices, avoids building and moving its whole-packet struct for every packet.
fn above_ether(mut ty: u16, mut rest: &[u8]) -> Above<'_> {
    let mut tags = 0;
    loop {
        match ty {
            0x0800 | 0x86dd => return Above::Ip(rest),
            0x0806 => return Above::Arp(rest),
            0x88e5 => return Above::Macsec(EtherType(ty), rest),
            0x8100 | 0x88a8 | 0x9100 if tags < 3 => {
                let Some(tag) = rest.get(..4) else {
                    return Above::Undecodable;
                };
                ty = u16::from_be_bytes([tag[2], tag[3]]);
                rest = &rest[4..];
                tags += 1;
            }
            _ => return Above::Undecodable,
        }
    }
}

/// IPv4/IPv6 (lax: a packet cut by the snap length still gives its headers), then UDP or
/// TCP unless the payload is a fragment or an extension header could not be read.
fn slice_ip(b: &[u8]) -> (Option<LaxNetSlice<'_>>, Option<TransportSlice<'_>>) {
    let Ok((ip, stop)) = LaxIpSlice::from_slice(b) else {
        return (None, None);
    };
    let pl = ip.payload();
    let transport = if stop.is_none() && !pl.fragmented {
        let payload = pl.payload;
        match pl.ip_number {
            IpNumber::UDP => UdpSlice::from_slice_lax(payload)
                .ok()
                .map(TransportSlice::Udp),
            IpNumber::TCP => TcpSlice::from_slice(payload).ok().map(TransportSlice::Tcp),
            _ => None,
        }
    } else {
        None
    };
    (Some(ip.into()), transport)
}

fn mac_at(d: &[u8], at: usize) -> Option<MacAddr> {
    let b: [u8; 6] = d.get(at..at + 6)?.try_into().ok()?;
    Some(MacAddr(b))
}

fn is_dns_port(p: u16) -> bool {
    p == 53 || p == 5353
}

fn is_multicast(ip: IpAddr) -> bool {
    ip.is_multicast()
        || match ip {
            IpAddr::V4(v) => v.is_broadcast(),
            IpAddr::V6(_) => false,
        }
}

/// Private, link-local, loopback, carrier-grade NAT or unique-local: the hotspot side.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_link_local()
                || v.is_loopback()
                || v.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xC0) == 64)
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            v.is_loopback()
                || v.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Which side of a new connection is the client (the phone)?
/// 1. the local side when only one side is local (multicast counts as remote);
/// 2. for TCP, who sent the SYN;
/// 3. the side with the higher (ephemeral) port.
fn src_is_client(src: IpAddr, dst: IpAddr, sp: u16, dp: u16, tcp_syn_only: Option<bool>) -> bool {
    let (ls, ld) = (is_local(src), is_local(dst) && !is_multicast(dst));
    if ls != ld {
        return ls;
    }
    if is_multicast(dst) {
        return true;
    }
    if let Some(syn) = tcp_syn_only
        && syn
    {
        return true;
    }
    if sp != dp {
        return sp > dp;
    }
    true
}

/// Bytes needed for the whole TLS record starting at `buf[0]`.
fn tls_record_need(buf: &[u8]) -> Option<usize> {
    if buf.len() < 5 || buf[0] != 0x16 || buf[1] != 0x03 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
    if len == 0 || len > 16384 + 2048 {
        return None;
    }
    Some(5 + len)
}

pub(crate) struct DnsMsg {
    pub id: u16,
    pub names: Vec<String>,
    pub answers: Vec<IpAddr>,
    pub response: bool,
    /// Names given an ECH configuration (HTTPS/SVCB answers with `ech`), with the
    /// question names of that response.
    pub ech_names: Vec<String>,
}

/// A DNS message through simple-dns: question names, and for responses every name in
/// the answers (CNAME chains) and the addresses.
pub(crate) fn parse_dns(payload: &[u8]) -> Option<DnsMsg> {
    use simple_dns::rdata::RData;
    let p = simple_dns::Packet::parse(payload).ok()?;
    let response = p.has_flags(simple_dns::PacketFlag::RESPONSE);
    let mut names: Vec<String> = Vec::new();
    let mut add = |n: String| {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    };
    for q in &p.questions {
        add(clean(&q.qname.to_string(), 253));
    }
    let mut answers = Vec::new();
    let mut ech_names: Vec<String> = Vec::new();
    if response {
        for rr in &p.answers {
            add(clean(&rr.name.to_string(), 253));
            match &rr.rdata {
                RData::CNAME(c) => add(clean(&c.0.to_string(), 253)),
                RData::A(a) => answers.push(IpAddr::V4(std::net::Ipv4Addr::from(a.address))),
                RData::AAAA(a) => answers.push(IpAddr::V6(std::net::Ipv6Addr::from(a.address))),
                RData::HTTPS(simple_dns::rdata::HTTPS(svcb)) | RData::SVCB(svcb)
                    if svcb
                        .iter_params()
                        .any(|x| matches!(x, simple_dns::rdata::SVCParam::Ech(_))) =>
                {
                    let owner = clean(&rr.name.to_string(), 253);
                    if !ech_names.contains(&owner) {
                        ech_names.push(owner);
                    }
                }
                _ => {}
            }
        }
        if !ech_names.is_empty() {
            for q in &p.questions {
                let n = clean(&q.qname.to_string(), 253);
                if !ech_names.contains(&n) {
                    ech_names.push(n);
                }
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(DnsMsg {
        id: p.id(),
        names,
        answers,
        response,
        ech_names,
    })
}

pub(crate) struct Hello {
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub ech: bool,
}

/// A TLS record holding a ClientHello, through tls-parser.
pub(crate) fn parse_client_hello(record: &[u8]) -> Option<Hello> {
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_plaintext};
    let (_, plain) = parse_tls_plaintext(record).ok()?;
    plain.msg.iter().find_map(|msg| match msg {
        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => Some(hello_of(ch)),
        _ => None,
    })
}

/// A ClientHello handshake message without a record around it (QUIC CRYPTO data).
pub(crate) fn parse_client_hello_message(msg: &[u8]) -> Option<Hello> {
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};
    match parse_tls_message_handshake(msg).ok()?.1 {
        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => Some(hello_of(&ch)),
        _ => None,
    }
}

/// Server name, ALPN and ECH of a ClientHello (names cleaned of control characters).
fn hello_of(ch: &tls_parser::TlsClientHelloContents<'_>) -> Hello {
    use tls_parser::{SNIType, TlsExtension, TlsExtensionType, parse_tls_client_hello_extensions};
    let mut hello = Hello {
        sni: None,
        alpn: Vec::new(),
        ech: false,
    };
    if let Some(ext) = ch.ext
        && let Ok((_, exts)) = parse_tls_client_hello_extensions(ext)
    {
        for e in &exts {
            match e {
                TlsExtension::SNI(list) => {
                    if let Some((_, name)) = list.iter().find(|(t, _)| *t == SNIType::HostName) {
                        hello.sni = Some(clean(&String::from_utf8_lossy(name), 253));
                    }
                }
                TlsExtension::ALPN(list) => {
                    hello.alpn = list
                        .iter()
                        .map(|p| clean(&String::from_utf8_lossy(p), 64))
                        .collect();
                }
                TlsExtension::Unknown(TlsExtensionType(0xfe0d), _) => hello.ech = true,
                _ => {}
            }
        }
    }
    hello
}

const METHODS: [&[u8]; 9] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
    b"TRACE ",
];

fn starts_with_method(p: &[u8]) -> bool {
    METHODS.iter().any(|m| p.starts_with(m))
}

/// How far an HTTP/1 request head has come.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// The `Host` header (without its port), and where its line ends.
    Host(String, usize),
    /// The head is complete (or at its cap) and has no `Host` line.
    NoHost,
    /// More segments are needed.
    More,
}

/// The `Host` header of an HTTP/1 request head (its first [`HTTP_HEAD_MAX`] bytes),
/// without the port. Only whole lines are read: a line cut at the end of what has come so
/// far waits for the next segment.
fn http_head(buf: &[u8]) -> Head {
    let b = &buf[..buf.len().min(HTTP_HEAD_MAX)];
    let head_end = find(b, b"\r\n\r\n");
    let lim = head_end.map_or(b.len(), |e| e + 2);
    let mut at = 0;
    let mut first = true;
    while let Some(nl) = b[at..lim].iter().position(|&c| c == b'\n') {
        let line = &b[at..at + nl];
        let end = at + nl + 1;
        at = end;
        if std::mem::take(&mut first) {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > 5 && line[..5].eq_ignore_ascii_case(b"host:") {
            let v = String::from_utf8_lossy(&line[5..]);
            let v = v.trim();
            let host = if let Some(rest) = v.strip_prefix('[') {
                rest.split(']').next().unwrap_or(rest)
            } else {
                v.rsplit_once(':')
                    .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                    .map_or(v, |(h, _)| h)
            };
            let host = clean(host, 253);
            return if host.is_empty() {
                Head::NoHost
            } else {
                Head::Host(host, end)
            };
        }
    }
    if head_end.is_some() || buf.len() >= HTTP_HEAD_MAX {
        Head::NoHost
    } else {
        Head::More
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More distinct flows than the cap: memory stays bounded, what is forgotten is
    /// counted, and every flow still reaches the engine at least once.
    #[test]
    fn flows_are_capped_and_none_is_lost() {
        let mut ex = Extractor::new();
        let t = chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap_or_default();
        let n = MAX_FLOWS + 100;
        for i in 0..n {
            let mut frame = Vec::new();
            etherparse::PacketBuilder::ipv4(
                [10, 42, 0, 20],
                [198, 51, (i >> 8) as u8, i as u8],
                64,
            )
            .udp(40000, 1 + (i % 50_000) as u16)
            .write(&mut frame, b"x")
            .expect("udp");
            ex.packet(Link::RawIp, t, 0, &frame);
            assert!(ex.flows.len() <= MAX_FLOWS);
        }
        ex.finish();
        assert_eq!(ex.stats.flows_forgotten, MAX_FLOWS as u64);
        let seen: std::collections::HashSet<(IpAddr, Option<u16>)> = ex
            .out
            .iter()
            .filter_map(|r| match &r.obs {
                Observation::Flow(f) => Some((f.ends.server_ip, f.ends.server_port)),
                _ => None,
            })
            .collect();
        assert_eq!(seen.len(), n);
    }

    #[test]
    fn http_host_strips_port_and_handles_ipv6_literals() {
        let host = |b: &[u8]| match http_head(b) {
            Head::Host(h, _) => Some(h),
            _ => None,
        };
        assert_eq!(
            host(b"GET / HTTP/1.1\r\nUser-Agent: x\r\nHOST: Example.com:8080\r\n\r\n").as_deref(),
            Some("Example.com")
        );
        assert_eq!(
            host(b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            http_head(b"GET / HTTP/1.1\r\n\r\nHost: body.example\r\n"),
            Head::NoHost
        );
        // A head cut inside the Host line, or before it, waits for more.
        assert_eq!(http_head(b"GET / HTTP/1.1\r\nHost: exam"), Head::More);
        assert_eq!(http_head(b"GET /long HTTP/1.1\r\nUser-Ag"), Head::More);
        // The line end is where the bytes compared for retransmissions stop.
        let b = b"GET / HTTP/1.1\r\nHost: a.example\r\nX: y\r\n\r\n";
        assert_eq!(http_head(b), Head::Host("a.example".into(), 33));
        // No Host within the cap: given up.
        let mut big = b"GET / HTTP/1.1\r\n".to_vec();
        while big.len() < HTTP_HEAD_MAX + 10 {
            big.extend_from_slice(b"X-Pad: aaaaaaaaaaaaaaaa\r\n");
        }
        assert_eq!(http_head(&big), Head::NoHost);
    }

    #[test]
    fn stream_reorders_and_ignores_retransmissions() {
        let t = chrono::Utc::now();
        let mut s = Stream::new(1000, 0, t);
        assert!(s.push(1003, b"def"));
        assert!(s.buf.is_empty());
        assert!(s.push(1000, b"abc"));
        assert_eq!(s.buf, b"abcdef");
        assert!(s.push(1000, b"abcdefg"));
        assert_eq!(s.buf, b"abcdefg");
    }

    #[test]
    fn client_side_rules() {
        let phone: IpAddr = "192.168.12.34".parse().expect("ip");
        let remote: IpAddr = "93.184.216.34".parse().expect("ip");
        assert!(src_is_client(phone, remote, 443, 51000, None));
        assert!(!src_is_client(remote, phone, 51000, 443, None));
        let gw: IpAddr = "192.168.12.1".parse().expect("ip");
        assert!(src_is_client(phone, gw, 40000, 53, None));
        assert!(!src_is_client(gw, phone, 53, 40000, None));
    }
}
