//! What is read above TCP and UDP: DNS messages (UDP, and TCP with length-prefixed
//! messages across segments; resent ones once), TLS ClientHellos and HTTP/1 request heads
//! (reassembled across segments), and the network-device observations.

use std::net::{IpAddr, SocketAddr};

use crate::observation::{
    DnsObs, Endpoints, HttpObs, Observation, Record, Timestamp, TlsObs, Transport,
};
use crate::sanitize::clean;
use crate::sources::traffic::hello::parse_client_hello;

use super::flows::is_multicast;
use super::tcp::{MAX_REMEMBERED, Stream, StreamKey, StreamKind};
use super::{Extractor, Pkt};

/// An HTTP request head is put back together from its segments up to this many bytes;
/// a head with no `Host` line by then is given up (and counted in [`Stats::http_over_cap`]).
pub const HTTP_HEAD_MAX: usize = 16 * 1024;
/// A DNS message over UDP repeated with the same id within this many seconds of packet
/// time (a resent query, or its repeated answer) is recorded once.
pub const DNS_REPEAT_SECS: i64 = 2;

/// A DNS message, for recognising one resent with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct DnsKey {
    pub(super) src: IpAddr,
    pub(super) dst: IpAddr,
    pub(super) id: u16,
    pub(super) response: bool,
    pub(super) names: u64,
}

impl Extractor {
    /// A network-device observation (ARP, DHCP, mDNS announcement, SSDP).
    pub(super) fn lan_record(&mut self, t: Timestamp, obs: Observation) {
        self.stats.lan += 1;
        self.out.push(Record::new(t, obs));
    }

    /// True when this UDP DNS message repeats one recorded less than [`DNS_REPEAT_SECS`]
    /// before (same sender, receiver, id, direction and names): a resent query or its
    /// repeated answer. The window runs from the last copy.
    pub(super) fn dns_repeat(&mut self, h: &Pkt, msg: &DnsMsg, t: Timestamp) -> bool {
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

    /// A DNS message (`at`: time and offset of the packet it started in); false when
    /// nothing was recorded (not DNS, or a repeat).
    pub(super) fn dns(
        &mut self,
        p: &Pkt,
        payload: &[u8],
        transport: Transport,
        at: (Timestamp, u64),
    ) -> bool {
        let (h, sp, dp, (t, offset)) = (p, p.sp, p.dp, at);
        let Some(msg) = parse_dns(payload) else {
            return false;
        };
        if transport == Transport::Udp && self.dns_repeat(h, &msg, t) {
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
                transport: Some(transport),
                ech_names: msg.ech_names,
                offset: Some(offset),
            }),
        ));
        true
    }

    pub(super) fn dns_tcp(&mut self, p: &Pkt, seq: u32, payload: &[u8]) {
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
            self.dns(p, &m, Transport::Tcp, (mt, off));
        }
    }

    /// A TCP payload that is not DNS: a TLS ClientHello or an HTTP/1 request head, put
    /// back together across segments (in order or not, retransmissions ignored) when it
    /// spans several.
    pub(super) fn tcp_payload(&mut self, p: &Pkt, seq: u32, payload: &[u8]) {
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
    pub(super) fn http_request(
        &mut self,
        p: &Pkt,
        seq: u32,
        head: &[u8],
        host: String,
        at: (Timestamp, u64),
    ) {
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

    pub(super) fn client_hello(&mut self, p: &Pkt, seq: u32, record: &[u8], at: (Timestamp, u64)) {
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
}

pub(super) fn is_dns_port(p: u16) -> bool {
    p == 53 || p == 5353
}

/// Bytes needed for the whole TLS record starting at `buf[0]`.
pub(super) fn tls_record_need(buf: &[u8]) -> Option<usize> {
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

pub(super) const METHODS: [&[u8]; 9] = [
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

pub(super) fn starts_with_method(p: &[u8]) -> bool {
    METHODS.iter().any(|m| p.starts_with(m))
}

/// How far an HTTP/1 request head has come.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Head {
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
pub(super) fn http_head(buf: &[u8]) -> Head {
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

pub(super) fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
