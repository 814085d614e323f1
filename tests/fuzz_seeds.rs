//! Seeds for the `packets` fuzz target that reach the matching code: each one leads to a
//! finding through `sweep::fuzzing::packets`. The committed files in `fuzz/corpus/packets/`
//! must equal what is built here; `SWEEP_WRITE_SEEDS=1 cargo test --test fuzz_seeds`
//! rewrites them after a deliberate change.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::path::PathBuf;

use sweep::sources::traffic::quic::{V1, V2};
use sweep::testkit::capture::{Cap, LinkKind, client_hello, scenario};
use sweep::testkit::quic::{build_client_initial, crypto_frame};

/// The fuzz target's input: `[link selector][len u16 le][bytes]` per packet.
fn encode(link: LinkKind, frames: &[Vec<u8>]) -> Vec<u8> {
    let sel = match link {
        LinkKind::Ethernet | LinkKind::Vlan => 0u8,
        LinkKind::Sll => 1,
        LinkKind::Sll2 => 2,
        LinkKind::Raw => 3,
    };
    let mut out = Vec::new();
    for f in frames {
        let len = u16::try_from(f.len()).expect("frame under 64 KiB");
        out.push(sel);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, link, v6) in [
        ("scenario-ethernet", LinkKind::Ethernet, false),
        ("scenario-vlan-v6", LinkKind::Vlan, true),
        ("scenario-sll", LinkKind::Sll, false),
        ("scenario-sll2-v6", LinkKind::Sll2, true),
        ("scenario-raw", LinkKind::Raw, false),
    ] {
        let (cap, _) = scenario(link, v6);
        out.push((name, encode(link, &cap.frames)));
    }

    let phone = ip("10.42.0.20");
    // A ClientHello naming a listed server directly, and plain HTTP to a vendor website.
    let mut c = Cap::new(LinkKind::Ethernet);
    let hello = client_hello("protocol-a.copy9.com", &["h2"], false, 0);
    c.tcp_conn(phone, ip("203.0.113.9"), 443, &[&hello]);
    c.tcp_conn(
        phone,
        ip("203.0.113.10"),
        80,
        &[b"GET / HTTP/1.1\r\nHost: www.mspy.com:80\r\n\r\n"],
    );
    out.push(("tls-http-listed", encode(c.link, &c.frames)));

    // DNS over TLS to a public resolver, and a WireGuard-looking datagram.
    let mut c = Cap::new(LinkKind::Ethernet);
    c.tcp_conn(
        phone,
        ip("1.1.1.1"),
        853,
        &[&[0x16, 0x03, 0x01, 0x00, 0x00]],
    );
    let port = c.ephemeral();
    c.udp(phone, ip("198.51.100.40"), port, 51820, &[1, 0, 0, 0, 9, 9]);
    out.push(("dot-vpn", encode(c.link, &c.frames)));

    // QUIC Initials: v1 in one packet, and v2 split across two sent out of order.
    let mut c = Cap::new(LinkKind::Raw);
    let server = ip("203.0.113.20");
    let msg = client_hello("sync-a.thetruthspy.com", &["h3"], false, 0);
    let hs = &msg[5..];
    let one = build_client_initial(V1, &[1, 2, 3, 4, 5, 6, 7, 8], 0, &crypto_frame(0, hs))
        .expect("v1 initial");
    let port = c.ephemeral();
    c.udp(phone, server, port, 443, &one);
    let big = client_hello("my.thetruthspy.com", &["h3"], false, 1400);
    let hs = &big[5..];
    let dcid = [9, 8, 7, 6, 5, 4, 3, 2];
    let a = build_client_initial(V2, &dcid, 0, &crypto_frame(0, &hs[..700])).expect("v2 a");
    let b = build_client_initial(V2, &dcid, 1, &crypto_frame(700, &hs[700..])).expect("v2 b");
    let port = c.ephemeral();
    c.udp(phone, server, port, 443, &b);
    c.udp(phone, server, port, 443, &a);
    out.push(("quic-v1-v2-split", encode(c.link, &c.frames)));
    out
}

fn seed_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/packets")
        .join(format!("seed-{name}.bin"))
}

#[test]
fn every_seed_leads_to_a_finding() {
    for (name, bytes) in seeds() {
        assert!(
            sweep::fuzzing::packets(&bytes),
            "seed {name} gave no finding through the fuzz entry point"
        );
    }
}

#[test]
fn committed_seeds_are_current() {
    let write = std::env::var_os("SWEEP_WRITE_SEEDS").is_some();
    for (name, bytes) in seeds() {
        let p = seed_path(name);
        if write {
            std::fs::write(&p, &bytes).expect("write seed");
        }
        let committed = std::fs::read(&p).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run SWEEP_WRITE_SEEDS=1 cargo test --test fuzz_seeds)",
                p.display()
            )
        });
        assert!(
            committed == bytes,
            "{} differs from what the test builds (run SWEEP_WRITE_SEEDS=1 cargo test --test fuzz_seeds)",
            p.display()
        );
    }
}
