//! Generates a QUIC-heavy capture for the QUIC benchmark: `gen_quic OUT.pcap CONNECTIONS`.
//! Each connection: a client Initial (a quarter split over two, sent out of order) with a
//! ClientHello naming `q<N>.example.net`, then ten 1,200-byte short-header datagrams.

use std::io::BufWriter;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use sweep::sources::traffic::quic::V1;
use sweep::testkit::capture::{eth_header, ip_udp};
use sweep::testkit::quic::{build_client_initial, client_hello_message, crypto_frame};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "quic-bench.pcap".into());
    let n: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(15_000);
    let f = BufWriter::new(std::fs::File::create(&out).expect("create"));
    let mut w = PcapWriter::with_header(f, PcapHeader::default()).expect("pcap");
    let mut t = 1_795_341_600u64 * 1_000_000;
    let write =
        |w: &mut PcapWriter<BufWriter<std::fs::File>>, sport: u16, payload: &[u8], t: u64| {
            let mut frame = Vec::with_capacity(42 + payload.len());
            eth_header(
                &mut frame,
                [0x5a, 1, 2, 3, 4, 5],
                [2, 0, 0, 0, 0, 1],
                0x0800,
            );
            ip_udp(
                &mut frame,
                [192, 168, 1, 23].into(),
                [142, 250, 74, 35].into(),
                sport,
                443,
                payload,
            );
            let ts = std::time::Duration::from_micros(t);
            w.write_packet(&PcapPacket::new(ts, frame.len() as u32, &frame))
                .expect("write");
        };
    let bulk = vec![0x40u8; 1200];
    for c in 0..n {
        let sport = 20_000 + (c % 40_000) as u16;
        let dcid = c.to_be_bytes().repeat(2);
        let split = c % 4 == 0;
        let msg =
            client_hello_message(&format!("q{c}.example.net"), if split { 1500 } else { 300 });
        if split {
            let cut = 900;
            let a =
                build_client_initial(V1, &dcid, 0, &crypto_frame(0, &msg[..cut])).expect("initial");
            let b = build_client_initial(V1, &dcid, 1, &crypto_frame(cut as u32, &msg[cut..]))
                .expect("initial");
            write(&mut w, sport, &b, t);
            write(&mut w, sport, &a, t + 1);
        } else {
            let a = build_client_initial(V1, &dcid, 0, &crypto_frame(0, &msg)).expect("initial");
            write(&mut w, sport, &a, t);
        }
        for k in 0..10 {
            write(&mut w, sport, &bulk, t + 10 + k);
        }
        t += 1000;
    }
}
