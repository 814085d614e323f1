//! Generate a large capture of realistic mixed phone traffic for the traffic benchmark.
//!
//! `cargo run --release --example gen_capture -- OUT.pcap [MEGABYTES]` (default 520 MB).
//! Ethernet, IPv4 and some IPv6: DNS lookups with CNAME answers, TLS connections (ClientHello,
//! sometimes split over two segments, then bulk server data), QUIC-like UDP bulk with short
//! headers, plain HTTP, and a few names from the stalkerware list. Deterministic.

use std::fs::File;
use std::io::BufWriter;
use std::net::IpAddr;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use sweep::testkit::capture::{
    GW_MAC, PHONE_MAC, Seg, client_hello, dns_query, dns_response, eth_header, ip_tcp, ip_udp,
};

const DOMAINS: [&str; 16] = [
    "googleapis.com",
    "gstatic.com",
    "whatsapp.net",
    "instagram.com",
    "fbcdn.net",
    "apple.com",
    "icloud.com",
    "spotify.com",
    "tiktokcdn.com",
    "cloudfront.net",
    "akamaized.net",
    "bbc.co.uk",
    "wikipedia.org",
    "example.org",
    "copy9.com",
    "mspy.com",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Gen {
    w: PcapWriter<BufWriter<File>>,
    t: Duration,
    bytes: u64,
    buf: Vec<u8>,
}

impl Gen {
    fn emit(&mut self, src: IpAddr, dst: IpAddr, build: impl FnOnce(&mut Vec<u8>, IpAddr, IpAddr)) {
        self.buf.clear();
        let from_phone = matches!(src, IpAddr::V4(v) if v.octets()[0] == 10)
            || matches!(src, IpAddr::V6(v) if v.segments()[0] == 0xfd00);
        let (s, d) = if from_phone {
            (PHONE_MAC, GW_MAC)
        } else {
            (GW_MAC, PHONE_MAC)
        };
        eth_header(
            &mut self.buf,
            s,
            d,
            if src.is_ipv4() { 0x0800 } else { 0x86dd },
        );
        let mut b = std::mem::take(&mut self.buf);
        build(&mut b, src, dst);
        self.t += Duration::from_micros(150);
        self.w
            .write_packet(&PcapPacket::new(self.t, b.len() as u32, &b))
            .expect("write");
        self.bytes += 16 + b.len() as u64;
        self.buf = b;
    }

    fn udp(&mut self, src: IpAddr, dst: IpAddr, sp: u16, dp: u16, payload: &[u8]) {
        self.emit(src, dst, |v, s, d| ip_udp(v, s, d, sp, dp, payload));
    }

    /// `ack` 0: no ACK flag.
    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        sp: u16,
        dp: u16,
        seq: u32,
        ack: u32,
        syn: bool,
        payload: &[u8],
    ) {
        let seg = Seg {
            sp,
            dp,
            seq,
            ack: (ack != 0).then_some(ack),
            syn,
            window: 65535,
        };
        self.emit(src, dst, |v, s, d| ip_tcp(v, s, d, seg, payload));
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .expect("usage: gen_capture OUT.pcap [MEGABYTES]");
    let mb: u64 = args
        .next()
        .map(|s| s.parse().expect("megabytes"))
        .unwrap_or(520);
    let f = BufWriter::with_capacity(1 << 20, File::create(&out).expect("create"));
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..Default::default()
    };
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut g = Gen {
        w: PcapWriter::with_header(f, header).expect("header"),
        t: Duration::from_secs(1_795_341_600),
        bytes: 24,
        buf: Vec::with_capacity(2048),
    };
    // Encrypted-looking bulk: a TLS application-data record filling each segment.
    let mut bulk: Vec<u8> = vec![0x17, 0x03, 0x03];
    bulk.extend_from_slice(&(1400u16 - 5).to_be_bytes());
    while bulk.len() < 1400 {
        bulk.push(r.next() as u8);
    }
    let phone4: IpAddr = "10.42.0.20".parse().expect("ip");
    let gw4: IpAddr = "10.42.0.1".parse().expect("ip");
    let phone6: IpAddr = "fd00::20".parse().expect("ip");
    let gw6: IpAddr = "fd00::1".parse().expect("ip");
    let mut id: u16 = 0;
    let mut port: u16 = 30000;
    while g.bytes < mb * 1_000_000 {
        id = id.wrapping_add(1);
        port = if port >= 60000 { 30000 } else { port + 1 };
        let v6 = r.below(5) == 0;
        let (phone, gw) = if v6 { (phone6, gw6) } else { (phone4, gw4) };
        let dom = DOMAINS[r.below(DOMAINS.len() as u64) as usize];
        let name = format!("h{}.{dom}", r.below(400));
        let a = [
            100 + r.below(100) as u8,
            r.below(250) as u8,
            r.below(250) as u8,
            1 + r.below(250) as u8,
        ];
        let server: IpAddr = if v6 {
            IpAddr::V6(std::net::Ipv6Addr::new(
                0x2001,
                0xdb8,
                a[0].into(),
                a[1].into(),
                0,
                0,
                a[2].into(),
                a[3].into(),
            ))
        } else {
            IpAddr::V4(a.into())
        };
        // DNS lookup with a CNAME answer.
        g.udp(phone, gw, port, 53, &dns_query(id, &name));
        g.udp(
            gw,
            phone,
            53,
            port,
            &dns_response(id, &name, &[&format!("edge{}.cdn.{dom}", r.below(9))], a),
        );
        match r.below(10) {
            // TLS connection with bulk download.
            0..=5 => {
                let (mut cs, mut ss) = (r.next() as u32, r.next() as u32);
                g.tcp(phone, server, port, 443, cs, 0, true, &[]);
                g.tcp(server, phone, 443, port, ss, cs.wrapping_add(1), true, &[]);
                cs = cs.wrapping_add(1);
                ss = ss.wrapping_add(1);
                g.tcp(phone, server, port, 443, cs, ss, false, &[]);
                let padding = if r.below(4) == 0 { 1500 } else { 200 };
                let hello = client_hello(&name, &["h2", "http/1.1"], false, padding);
                for part in hello.chunks(1400) {
                    g.tcp(phone, server, port, 443, cs, ss, false, part);
                    cs = cs.wrapping_add(part.len() as u32);
                }
                for i in 0..(10 + r.below(150)) {
                    g.tcp(server, phone, 443, port, ss, cs, false, &bulk);
                    ss = ss.wrapping_add(bulk.len() as u32);
                    if i % 2 == 1 {
                        g.tcp(phone, server, port, 443, cs, ss, false, &[]);
                    }
                }
            }
            // QUIC-like bulk (short header packets: nothing to extract).
            6 | 7 => {
                for _ in 0..(20 + r.below(200)) {
                    let mut d = bulk[5..1205].to_vec();
                    d[0] = 0x40 | (r.below(64) as u8);
                    g.udp(server, phone, 443, port, &d);
                }
            }
            // Plain HTTP.
            8 => {
                let req = format!("GET /a HTTP/1.1\r\nHost: {name}\r\nUser-Agent: x\r\n\r\n");
                g.tcp(phone, server, port, 80, 1, 0, true, &[]);
                g.tcp(server, phone, 80, port, 1, 2, true, &[]);
                g.tcp(phone, server, port, 80, 2, 2, false, req.as_bytes());
                for _ in 0..(10 + r.below(50)) {
                    g.tcp(server, phone, 80, port, 2, 2, false, &bulk[5..]);
                }
            }
            // Just lookups.
            _ => {}
        }
    }
    drop(g.w);
    eprintln!("wrote {out}: {} bytes", g.bytes);
}
