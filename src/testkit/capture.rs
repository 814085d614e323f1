//! Captures built from scratch, for tests, examples and benchmarks: pcap and pcapng files in
//! several link types (etherparse's packet builder for IP/UDP/TCP, simple-dns for DNS
//! messages, hand-laid TLS ClientHellos), and the standard phone session most tests use.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use simple_dns::rdata::{A, CNAME, RData};
use simple_dns::{CLASS, Name, Packet, PacketFlag, Question, ResourceRecord, TYPE};

pub const PHONE_MAC: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
pub const GW_MAC: [u8; 6] = [0x0a, 0x00, 0x00, 0x00, 0x00, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Ethernet,
    Vlan,
    Sll,
    Sll2,
    Raw,
}

impl LinkKind {
    pub fn linktype(self) -> u32 {
        match self {
            LinkKind::Ethernet | LinkKind::Vlan => 1,
            LinkKind::Sll => 113,
            LinkKind::Sll2 => 276,
            LinkKind::Raw => 101,
        }
    }
    pub fn has_mac(self) -> bool {
        self != LinkKind::Raw
    }
}

/// A capture being built: frames in the chosen link type.
pub struct Cap {
    pub link: LinkKind,
    pub frames: Vec<Vec<u8>>,
    next_port: u16,
    /// (frame index, pause): frames from that index on are this much later.
    pauses: Vec<(usize, Duration)>,
}

fn octets4(ip: IpAddr) -> [u8; 4] {
    match ip {
        IpAddr::V4(v) => v.octets(),
        IpAddr::V6(_) => panic!("mixed IP versions"),
    }
}
fn octets16(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V6(v) => v.octets(),
        IpAddr::V4(_) => panic!("mixed IP versions"),
    }
}

/// A TCP segment's ports, numbers and flags (PSH is set when it carries data).
#[derive(Debug, Clone, Copy)]
pub struct Seg {
    pub sp: u16,
    pub dp: u16,
    pub seq: u32,
    pub ack: Option<u32>,
    pub syn: bool,
    pub window: u16,
}

/// An IPv4 or IPv6 packet (by the addresses) carrying a UDP datagram, appended to `out`.
pub fn ip_udp(out: &mut Vec<u8>, src: IpAddr, dst: IpAddr, sp: u16, dp: u16, payload: &[u8]) {
    let b = if src.is_ipv4() {
        PacketBuilder::ipv4(octets4(src), octets4(dst), 64).udp(sp, dp)
    } else {
        PacketBuilder::ipv6(octets16(src), octets16(dst), 64).udp(sp, dp)
    };
    b.write(out, payload).expect("build udp");
}

/// An IPv4 or IPv6 packet (by the addresses) carrying a TCP segment, appended to `out`.
pub fn ip_tcp(out: &mut Vec<u8>, src: IpAddr, dst: IpAddr, seg: Seg, payload: &[u8]) {
    let mut b = if src.is_ipv4() {
        PacketBuilder::ipv4(octets4(src), octets4(dst), 64).tcp(seg.sp, seg.dp, seg.seq, seg.window)
    } else {
        PacketBuilder::ipv6(octets16(src), octets16(dst), 64)
            .tcp(seg.sp, seg.dp, seg.seq, seg.window)
    };
    if seg.syn {
        b = b.syn();
    }
    if let Some(a) = seg.ack {
        b = b.ack(a);
    }
    if !payload.is_empty() {
        b = b.psh();
    }
    b.write(out, payload).expect("build tcp");
}

/// An Ethernet header (destination, source, EtherType), appended to `out`.
pub fn eth_header(out: &mut Vec<u8>, src_mac: [u8; 6], dst_mac: [u8; 6], ethertype: u16) {
    out.extend_from_slice(&dst_mac);
    out.extend_from_slice(&src_mac);
    out.extend_from_slice(&ethertype.to_be_bytes());
}

pub fn is_phone(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.octets()[..3] == [10, 42, 0] && v.octets()[3] != 1,
        IpAddr::V6(v) => v.segments()[0] == 0xfd00 && v.segments()[7] != 1,
    }
}

impl Cap {
    pub fn new(link: LinkKind) -> Self {
        Cap {
            link,
            frames: Vec::new(),
            next_port: 40000,
            pauses: Vec::new(),
        }
    }

    /// Frames are 1 ms apart; frames added after this call are `d` later still.
    pub fn pause(&mut self, d: Duration) {
        self.pauses.push((self.frames.len(), d));
    }

    /// The capture time of frame `i`.
    pub fn time(&self, i: usize) -> Duration {
        let mut t = Duration::from_secs(1_795_341_600) + Duration::from_millis(i as u64);
        for (from, d) in &self.pauses {
            if i >= *from {
                t += *d;
            }
        }
        t
    }

    /// An Ethernet frame from `src_mac` to `dst_mac` (the capture must be Ethernet).
    pub fn eth(&mut self, src_mac: [u8; 6], dst_mac: [u8; 6], ethertype: u16, payload: &[u8]) {
        assert_eq!(self.link, LinkKind::Ethernet);
        let mut f = Vec::new();
        eth_header(&mut f, src_mac, dst_mac, ethertype);
        f.extend_from_slice(payload);
        self.frames.push(f);
    }

    /// An IPv4 UDP datagram in an Ethernet frame between the given MACs.
    #[allow(clippy::too_many_arguments)]
    pub fn udp_eth(
        &mut self,
        src_mac: [u8; 6],
        dst_mac: [u8; 6],
        src: [u8; 4],
        dst: [u8; 4],
        sp: u16,
        dp: u16,
        payload: &[u8],
    ) {
        let mut v = Vec::new();
        PacketBuilder::ipv4(src, dst, 64)
            .udp(sp, dp)
            .write(&mut v, payload)
            .expect("build udp");
        self.eth(src_mac, dst_mac, 0x0800, &v);
    }

    pub fn ephemeral(&mut self) -> u16 {
        self.next_port += 1;
        self.next_port
    }

    fn frame(&mut self, src: IpAddr, ip_packet: Vec<u8>) {
        let from_phone = is_phone(src);
        let (smac, dmac) = if from_phone {
            (PHONE_MAC, GW_MAC)
        } else {
            (GW_MAC, PHONE_MAC)
        };
        let ethertype: u16 = if src.is_ipv4() { 0x0800 } else { 0x86dd };
        let mut f = Vec::new();
        match self.link {
            LinkKind::Ethernet => eth_header(&mut f, smac, dmac, ethertype),
            LinkKind::Vlan => {
                f.extend_from_slice(&dmac);
                f.extend_from_slice(&smac);
                f.extend_from_slice(&0x8100u16.to_be_bytes());
                f.extend_from_slice(&42u16.to_be_bytes());
                f.extend_from_slice(&ethertype.to_be_bytes());
            }
            LinkKind::Sll => {
                let pkttype: u16 = if from_phone { 0 } else { 4 };
                f.extend_from_slice(&pkttype.to_be_bytes());
                f.extend_from_slice(&1u16.to_be_bytes());
                f.extend_from_slice(&6u16.to_be_bytes());
                f.extend_from_slice(&smac);
                f.extend_from_slice(&[0, 0]);
                f.extend_from_slice(&ethertype.to_be_bytes());
            }
            LinkKind::Sll2 => {
                f.extend_from_slice(&ethertype.to_be_bytes());
                f.extend_from_slice(&[0, 0]);
                f.extend_from_slice(&3u32.to_be_bytes());
                f.extend_from_slice(&1u16.to_be_bytes());
                f.push(if from_phone { 0 } else { 4 });
                f.push(6);
                f.extend_from_slice(&smac);
                f.extend_from_slice(&[0, 0]);
            }
            LinkKind::Raw => {}
        }
        f.extend_from_slice(&ip_packet);
        self.frames.push(f);
    }

    pub fn udp(&mut self, src: IpAddr, dst: IpAddr, sp: u16, dp: u16, payload: &[u8]) {
        let mut v = Vec::new();
        ip_udp(&mut v, src, dst, sp, dp, payload);
        self.frame(src, v);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        sp: u16,
        dp: u16,
        seq: u32,
        ack: Option<u32>,
        syn: bool,
        payload: &[u8],
    ) {
        let seg = Seg {
            sp,
            dp,
            seq,
            ack,
            syn,
            window: 64240,
        };
        let mut v = Vec::new();
        ip_tcp(&mut v, src, dst, seg, payload);
        self.frame(src, v);
    }

    /// A whole TCP connection: handshake, then the client's segments (each acked).
    pub fn tcp_conn(&mut self, client: IpAddr, server: IpAddr, dp: u16, segments: &[&[u8]]) {
        let cp = self.ephemeral();
        let (mut cs, ss) = (1000u32, 5000u32);
        self.tcp(client, server, cp, dp, cs, None, true, &[]);
        self.tcp(server, client, dp, cp, ss, Some(cs + 1), true, &[]);
        cs += 1;
        self.tcp(client, server, cp, dp, cs, Some(ss + 1), false, &[]);
        for s in segments {
            self.tcp(client, server, cp, dp, cs, Some(ss + 1), false, s);
            cs += s.len() as u32;
            self.tcp(server, client, dp, cp, ss + 1, Some(cs), false, &[]);
        }
    }

    pub fn write_pcap(&self, path: &Path) {
        self.write_pcap_with(
            path,
            pcap_file::Endianness::Big,
            pcap_file::TsResolution::MicroSecond,
        )
    }

    pub fn write_pcap_with(
        &self,
        path: &Path,
        endianness: pcap_file::Endianness,
        ts_resolution: pcap_file::TsResolution,
    ) {
        let f = std::fs::File::create(path).expect("create");
        let header = PcapHeader {
            datalink: DataLink::from(self.link.linktype()),
            endianness,
            ts_resolution,
            ..Default::default()
        };
        let mut w = PcapWriter::with_header(f, header).expect("pcap header");
        for (i, fr) in self.frames.iter().enumerate() {
            let ts = self.time(i);
            w.write_packet(&PcapPacket::new(ts, fr.len() as u32, fr))
                .expect("write");
        }
    }

    pub fn write_pcapng(&self, path: &Path) {
        self.write_pcapng_with(path, pcap_file::Endianness::Little)
    }

    pub fn write_pcapng_with(&self, path: &Path, endianness: pcap_file::Endianness) {
        let f = std::fs::File::create(path).expect("create");
        let mut w = PcapNgWriter::with_endianness(f, endianness).expect("pcapng");
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: DataLink::from(self.link.linktype()),
            snaplen: 0,
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        })
        .expect("idb");
        for (i, fr) in self.frames.iter().enumerate() {
            let ts = self.time(i);
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id: 0,
                timestamp: ts,
                original_len: fr.len() as u32,
                data: Cow::Borrowed(fr),
                options: vec![],
            })
            .expect("epb");
        }
    }
}

pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut p = Packet::new_query(id);
    p.set_flags(PacketFlag::RECURSION_DESIRED);
    p.questions.push(Question::new(
        Name::new_unchecked(name),
        TYPE::A.into(),
        CLASS::IN.into(),
        false,
    ));
    p.build_bytes_vec_compressed().expect("dns query")
}

/// A response for `name` through a CNAME chain ending at `address`.
pub fn dns_response(id: u16, name: &str, chain: &[&str], address: [u8; 4]) -> Vec<u8> {
    let mut p = Packet::new_reply(id);
    p.questions.push(Question::new(
        Name::new_unchecked(name),
        TYPE::A.into(),
        CLASS::IN.into(),
        false,
    ));
    let mut owner = name;
    for c in chain {
        p.answers.push(ResourceRecord::new(
            Name::new_unchecked(owner),
            CLASS::IN,
            300,
            RData::CNAME(CNAME(Name::new_unchecked(c))),
        ));
        owner = c;
    }
    p.answers.push(ResourceRecord::new(
        Name::new_unchecked(owner),
        CLASS::IN,
        300,
        RData::A(A {
            address: u32::from_be_bytes(address),
        }),
    ));
    p.build_bytes_vec_compressed().expect("dns response")
}

/// A TLS 1.3-style ClientHello record with SNI, ALPN, optional ECH and padding.
pub fn client_hello(sni: &str, alpn: &[&str], ech: bool, padding: usize) -> Vec<u8> {
    fn ext(out: &mut Vec<u8>, ty: u16, body: &[u8]) {
        out.extend_from_slice(&ty.to_be_bytes());
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    let mut exts = Vec::new();
    let mut sn = Vec::new();
    sn.extend_from_slice(&((sni.len() + 3) as u16).to_be_bytes());
    sn.push(0);
    sn.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    sn.extend_from_slice(sni.as_bytes());
    ext(&mut exts, 0x0000, &sn);
    if !alpn.is_empty() {
        let mut list = Vec::new();
        for a in alpn {
            list.push(a.len() as u8);
            list.extend_from_slice(a.as_bytes());
        }
        let mut body = (list.len() as u16).to_be_bytes().to_vec();
        body.extend_from_slice(&list);
        ext(&mut exts, 0x0010, &body);
    }
    ext(&mut exts, 0x002b, &[0x02, 0x03, 0x04]);
    if ech {
        // outer ClientHello: type 0, HPKE suite, config id, enc, payload
        let mut body = vec![0x00, 0x00, 0x01, 0x00, 0x01, 0x07];
        body.extend_from_slice(&32u16.to_be_bytes());
        body.extend_from_slice(&[0x11; 32]);
        body.extend_from_slice(&64u16.to_be_bytes());
        body.extend_from_slice(&[0x22; 64]);
        ext(&mut exts, 0xfe0d, &body);
    }
    if padding > 0 {
        ext(&mut exts, 0x0015, &vec![0u8; padding]);
    }
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x5a; 32]);
    body.push(32);
    body.extend_from_slice(&[0x33; 32]);
    body.extend_from_slice(&[0x00, 0x04, 0x13, 0x01, 0x13, 0x02]);
    body.extend_from_slice(&[0x01, 0x00]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// What the standard scenario puts in a capture (for assertions).
pub struct Expect {
    pub queries: Vec<&'static str>,
    pub snis: Vec<&'static str>,
    pub http_hosts: Vec<&'static str>,
    pub cname_targets: Vec<&'static str>,
    pub ip_only: IpAddr,
}

/// The standard phone session used by most tests, over IPv4 or IPv6.
pub fn scenario(link: LinkKind, v6: bool) -> (Cap, Expect) {
    let mut c = Cap::new(link);
    let (phone, gw, web, cdn, listed_ip): (IpAddr, IpAddr, IpAddr, IpAddr, IpAddr) = if v6 {
        (
            "fd00::20".parse().expect("address"),
            "fd00::1".parse().expect("address"),
            "2001:db8:80::80".parse().expect("address"),
            "2001:db8:cd::1".parse().expect("address"),
            "2001:db8:77::77".parse().expect("address"),
        )
    } else {
        (
            "10.42.0.20".parse().expect("address"),
            "10.42.0.1".parse().expect("address"),
            "93.184.216.34".parse().expect("address"),
            "198.51.100.7".parse().expect("address"),
            "203.0.113.77".parse().expect("address"),
        )
    };
    // DNS over UDP, with a CNAME chain to a listed-looking name, and look-alikes.
    let names = [
        "www.example.org",
        "innocent-cdn.example",
        "xcopy9.com",
        "copy9.com.example.net",
        "notcopy9.com",
    ];
    for (i, n) in names.iter().enumerate() {
        let port = c.ephemeral();
        c.udp(phone, gw, port, 53, &dns_query(i as u16 + 1, n));
        let chain: Vec<&str> = if *n == "innocent-cdn.example" {
            vec!["edge.innocent-cdn.example", "api.copy9.com"]
        } else {
            vec![]
        };
        c.udp(
            gw,
            phone,
            53,
            port,
            &dns_response(i as u16 + 1, n, &chain, [198, 51, 100, 7]),
        );
    }
    // DNS over TCP: two length-prefixed queries whose boundary crosses segments.
    let mut stream = Vec::new();
    for (i, n) in ["tcp-one.example.com", "tcp-two.example.com"]
        .iter()
        .enumerate()
    {
        let q = dns_query(100 + i as u16, n);
        stream.extend_from_slice(&(q.len() as u16).to_be_bytes());
        stream.extend_from_slice(&q);
    }
    let cut = stream.len() / 2 + 3;
    c.tcp_conn(phone, gw, 53, &[&stream[..cut], &stream[cut..]]);
    // TLS in one segment, with ALPN.
    let hello = client_hello("tls.example.com", &["h2", "http/1.1"], false, 0);
    c.tcp_conn(phone, web, 443, &[&hello]);
    // A ClientHello split over three segments.
    let big = client_hello("split.example.com", &["h2"], false, 1400);
    let (a, rest) = big.split_at(300);
    let (b, d) = rest.split_at(1200);
    c.tcp_conn(phone, cdn, 443, &[a, b, d]);
    // ECH: the outer (public) name is what is visible.
    let ech = client_hello("public.example.com", &["h2"], true, 0);
    c.tcp_conn(phone, web, 443, &[&ech]);
    // Plain HTTP.
    c.tcp_conn(
        phone,
        web,
        80,
        &[b"GET /index.html HTTP/1.1\r\nHost: plain.example.com\r\nAccept: */*\r\n\r\n"],
    );
    // An IP-only contact (no DNS, no TLS).
    c.tcp_conn(phone, listed_ip, 8443, &[b"\x00\x01binary-hello"]);
    (
        c,
        Expect {
            queries: vec![
                "www.example.org",
                "innocent-cdn.example",
                "xcopy9.com",
                "copy9.com.example.net",
                "notcopy9.com",
                "tcp-one.example.com",
                "tcp-two.example.com",
            ],
            snis: vec!["tls.example.com", "split.example.com", "public.example.com"],
            http_hosts: vec!["plain.example.com"],
            cname_targets: vec!["edge.innocent-cdn.example", "api.copy9.com"],
            ip_only: listed_ip,
        },
    )
}

/// A TLS 1.2 ClientHello record without extensions (so without a server name) offering
/// `suites`, as an older client or a cipher-suite test sends it.
pub fn client_hello_tls12(suites: &[u16]) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x6b; 32]);
    body.push(0);
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}
