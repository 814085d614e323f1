#![allow(clippy::unwrap_used)]
//! QUIC Initial SNI: real captures against tshark's names, and Initials built here
//! (v1, v2, coalesced, a ClientHello split over two Initials delivered out of order, a
//! listed stalkerware server inside).

mod support;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use support::traffic::{run_sweep, tshark_names};
use sweep::observation::{Observation, Record};
use sweep::sources::traffic::quic::{QuicTracker, V1, V2};
use sweep::testkit::capture::{Cap, LinkKind, client_hello, client_hello_tls12, dns_query};

/// The handshake message of a ClientHello (the record without its 5-byte header).
fn hello_msg(sni: &str, padding: usize) -> Vec<u8> {
    client_hello(sni, &["h3"], false, padding)[5..].to_vec()
}

fn crypto_frame(offset: u64, data: &[u8]) -> Vec<u8> {
    sweep::testkit::quic::crypto_frame(offset as u32, data)
}

/// One protected client Initial packet.
fn initial(version: u32, dcid: &[u8], pn: u16, frames: &[u8]) -> Vec<u8> {
    sweep::testkit::quic::build_client_initial(version, dcid, pn, frames).expect("initial")
}

fn ends() -> (SocketAddr, SocketAddr) {
    (
        "192.168.1.23:51000".parse().expect("a"),
        "203.0.113.5:443".parse().expect("b"),
    )
}

#[test]
fn v1_and_v2_initials_give_the_server_name() {
    for version in [V1, V2] {
        let (c, s) = ends();
        let mut t = QuicTracker::new();
        let msg = hello_msg("chat.example.org", 0);
        let h = t
            .on_datagram(
                c,
                s,
                &initial(
                    version,
                    &[1, 2, 3, 4, 5, 6, 7, 8],
                    0,
                    &crypto_frame(0, &msg),
                ),
            )
            .expect("hello");
        assert_eq!(h.version, version);
        assert_eq!(h.sni.as_deref(), Some("chat.example.org"));
        assert_eq!(h.alpn, vec!["h3"]);
        assert!(!h.ech);
    }
}

#[test]
fn coalesced_packets_in_one_datagram() {
    let (c, s) = ends();
    let msg = hello_msg("coalesced.example.net", 0);
    let dcid = [0xaa; 8];
    // A garbage-free second packet (0-RTT-like long header of another type) after the Initial.
    let mut d = initial(V1, &dcid, 0, &crypto_frame(0, &msg));
    let mut other = vec![0xd1u8];
    other.extend_from_slice(&V1.to_be_bytes());
    other.extend_from_slice(&[
        8, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0x40, 20,
    ]);
    other.extend_from_slice(&[0x55; 20]);
    d.extend_from_slice(&other);
    assert_eq!(
        QuicTracker::new()
            .on_datagram(c, s, &d)
            .and_then(|h| h.sni)
            .as_deref(),
        Some("coalesced.example.net")
    );
    // The Initial second in the datagram.
    let mut d = other.clone();
    d.extend_from_slice(&initial(V1, &dcid, 0, &crypto_frame(0, &msg)));
    // The first packet has a wrong type for Initial: skipped, the second one is read.
    assert_eq!(
        QuicTracker::new()
            .on_datagram(c, s, &d)
            .and_then(|h| h.sni)
            .as_deref(),
        Some("coalesced.example.net")
    );
}

#[test]
fn client_hello_split_over_two_initials_out_of_order() {
    let (c, s) = ends();
    let msg = hello_msg("split.example.com", 1400);
    assert!(msg.len() > 1400);
    let dcid = [0x5e; 8];
    let cut = 900;
    let first = initial(V1, &dcid, 0, &crypto_frame(0, &msg[..cut]));
    let second = initial(V1, &dcid, 1, &crypto_frame(cut as u64, &msg[cut..]));
    let mut t = QuicTracker::new();
    assert_eq!(
        t.on_datagram(c, s, &second),
        None,
        "the second half alone is not enough"
    );
    let h = t.on_datagram(c, s, &first).expect("complete after both");
    assert_eq!(h.sni.as_deref(), Some("split.example.com"));
    assert_eq!(
        t.on_datagram(c, s, &first),
        None,
        "reported once per connection"
    );
}

#[test]
fn a_listed_c2_name_inside_a_quic_initial_is_a_stalkerware_finding() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut cap = Cap::new(LinkKind::Ethernet);
    let phone: IpAddr = "192.168.1.23".parse().expect("ip");
    let server: IpAddr = "203.0.113.5".parse().expect("ip");
    let msg = hello_msg("protocol-a720.thetruthspy.com", 1300);
    let dcid = [0x42; 8];
    cap.udp(
        phone,
        server,
        51000,
        443,
        &initial(V2, &dcid, 1, &crypto_frame(700, &msg[700..])),
    );
    cap.udp(
        phone,
        server,
        51000,
        443,
        &initial(V2, &dcid, 0, &crypto_frame(0, &msg[..700])),
    );
    let f = dir.path().join("quic-c2.pcap");
    cap.write_pcap(&f);
    let (code, stderr, recs, json) = run_sweep(&f, dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(recs.iter().any(|r| matches!(&r.obs, Observation::Quic(q) if q.version == V2 && q.sni.as_deref() == Some("protocol-a720.thetruthspy.com"))));
    let findings = json["findings"].as_array().expect("findings");
    let c2 = findings
        .iter()
        .find(|f| f["signature"] == "stalkerware.thetruthspy.c2")
        .expect("C2 finding from QUIC");
    assert!(c2.to_string().contains("QUIC server name"), "{c2}");
}

fn sweep_names(recs: &[Record]) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for r in recs {
        match &r.obs {
            Observation::Dns(d) if !d.response => s.extend(d.names.iter().cloned()),
            Observation::Tls(t) => s.extend(t.sni.iter().cloned()),
            Observation::Quic(q) => s.extend(q.sni.iter().cloned()),
            _ => {}
        }
    }
    s
}

/// The real captures vendored in `tests/data/captures/` (see its SOURCE.txt), and captures
/// built here in place of the real ones whose licence does not allow shipping them: each
/// with the names sweep must give (DNS queries, TLS and QUIC server names) and its QUIC
/// server names. The names of the vendored file are the ones tshark 4.x gives.
fn real_and_rebuilt_captures(dir: &Path) -> Vec<(PathBuf, Vec<&'static str>, Vec<&'static str>)> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    let phone: IpAddr = "192.168.1.23".parse().expect("ip");
    let resolver: IpAddr = "192.168.1.1".parse().expect("ip");
    let server: IpAddr = "142.250.74.35".parse().expect("ip");
    // In place of retina's quic.pcap (a browser's QUIC traffic to Google services): DNS
    // look-ups, then one QUIC v1 connection per name, each Initial in a full-size datagram.
    let browser = dir.join("browser-quic.pcap");
    let names = ["b1.nel.goog", "beacons.gvt2.com", "csp.withgoogle.com"];
    let mut cap = Cap::new(LinkKind::Ethernet);
    for (i, name) in names.iter().enumerate() {
        let sport = cap.ephemeral();
        cap.udp(phone, resolver, sport, 53, &dns_query(i as u16 + 1, name));
        let mut d = initial(
            V1,
            &[i as u8 + 1; 8],
            0,
            &crypto_frame(0, &hello_msg(name, 0)),
        );
        d.resize(1250, 0); // the rest of the datagram: padding
        cap.udp(phone, server, 50_000 + i as u16, 443, &d);
        cap.udp(phone, server, 50_000 + i as u16, 443, &[0x40; 1200]);
    }
    cap.write_pcap(&browser);
    // In place of retina's quic_kyber.pcapng (Chrome with a post-quantum key share): a
    // ClientHello too big for one packet, its CRYPTO data over two Initials, in pcapng.
    let kyber = dir.join("big-hello.pcapng");
    let msg = hello_msg("encrypted-tbn0.gstatic.com", 1_300);
    assert!(msg.len() > 1_200);
    let mut cap = Cap::new(LinkKind::Ethernet);
    let dcid = [0x4b; 8];
    cap.udp(
        phone,
        server,
        51_000,
        443,
        &initial(V1, &dcid, 0, &crypto_frame(0, &msg[..1_100])),
    );
    cap.udp(
        phone,
        server,
        51_000,
        443,
        &initial(V1, &dcid, 1, &crypto_frame(1_100, &msg[1_100..])),
    );
    cap.write_pcapng(&kyber);
    // In place of the Wireshark sample tls_ciphers.pcap (OpenSSL GET requests over TLS 1.2,
    // one connection per cipher suite): ClientHellos without a server name give no names.
    let tls12 = dir.join("tls12-ciphers.pcap");
    let mut cap = Cap::new(LinkKind::Ethernet);
    for suite in [0xc02fu16, 0xc030, 0x009c, 0x002f, 0x0035, 0xc013, 0x000a] {
        cap.tcp_conn(
            "10.42.0.20".parse().expect("ip"),
            "198.51.100.9".parse().expect("ip"),
            443,
            &[&client_hello_tls12(&[suite])],
        );
    }
    cap.write_pcap(&tls12);
    vec![
        (
            data.join("quic_xargs.pcap"),
            vec!["example.ulfheim.net"],
            vec!["example.ulfheim.net"],
        ),
        (browser, names.to_vec(), names.to_vec()),
        (
            kyber,
            vec!["encrypted-tbn0.gstatic.com"],
            vec!["encrypted-tbn0.gstatic.com"],
        ),
        (tls12, vec![], vec![]),
    ]
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn real_and_rebuilt_captures_give_their_names() {
    let dir = tempfile::tempdir().expect("tmp");
    for (path, names, quic_names) in real_and_rebuilt_captures(dir.path()) {
        let file = path.display();
        let (code, stderr, recs, _) = run_sweep(&path, dir.path());
        assert_eq!(code, 0, "{file}: {stderr}");
        let quic: BTreeSet<String> = recs
            .iter()
            .filter_map(|r| match &r.obs {
                Observation::Quic(q) => q.sni.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(quic, set(&quic_names), "{file}: QUIC server names");
        assert_eq!(sweep_names(&recs), set(&names), "{file}: every name");
    }
}

#[test]
#[ignore = "needs tshark"]
fn real_and_rebuilt_captures_give_the_names_tshark_gives() {
    let dir = tempfile::tempdir().expect("tmp");
    for (path, names, _) in real_and_rebuilt_captures(dir.path()) {
        let (code, stderr, recs, _) = run_sweep(&path, dir.path());
        assert_eq!(code, 0, "{}: {stderr}", path.display());
        let t = tshark_names(&path);
        assert_eq!(t, set(&names), "{}: tshark's names", path.display());
        assert_eq!(
            sweep_names(&recs),
            t,
            "{}: same names as tshark (DNS queries, TLS and QUIC SNI)",
            path.display()
        );
    }
}

#[test]
fn captures_with_dot_doh_and_ech_give_hidden_lookups_and_ordinary_https_does_not() {
    let dir = tempfile::tempdir().expect("tmp");
    let phone: IpAddr = "192.168.1.23".parse().expect("ip");
    let run = |name: &str, build: &dyn Fn(&mut Cap)| -> Vec<serde_json::Value> {
        let mut cap = Cap::new(LinkKind::Ethernet);
        build(&mut cap);
        let f = dir.path().join(name);
        cap.write_pcap(&f);
        let (code, stderr, _, json) = run_sweep(&f, dir.path());
        assert_eq!(code, 0, "{stderr}");
        json["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f["category"] == "hidden-lookups")
            .collect()
    };
    let dot = run("dot.pcap", &|c| {
        c.tcp_conn(
            phone,
            "1.1.1.1".parse().expect("ip"),
            853,
            &[&client_hello("one.one.one.one", &["dot"], false, 0)],
        )
    });
    assert_eq!(dot.len(), 1);
    assert!(
        dot[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("DNS over TLS")),
        "{}",
        dot[0]
    );
    let doh = run("doh.pcap", &|c| {
        c.tcp_conn(
            phone,
            "8.8.8.8".parse().expect("ip"),
            443,
            &[&client_hello("dns.google", &["h2"], false, 0)],
        )
    });
    assert!(
        doh[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("DNS over HTTPS")),
        "{doh:?}"
    );
    // Real ECH: the outer name is a known ECH public name.
    let ech = run("ech.pcap", &|c| {
        c.tcp_conn(
            phone,
            "104.16.1.1".parse().expect("ip"),
            443,
            &[&client_hello("cloudflare-ech.com", &["h2"], true, 0)],
        )
    });
    assert!(
        ech[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("Encrypted Client Hello")),
        "{ech:?}"
    );
    assert_eq!(ech[0]["severity"], "info");
    // Decoy (GREASE) ECH, the real name outside: nothing is hidden.
    let grease = run("grease.pcap", &|c| {
        c.tcp_conn(
            phone,
            "93.184.216.34".parse().expect("ip"),
            443,
            &[&client_hello("public.example.com", &["h2"], true, 0)],
        )
    });
    assert!(grease.is_empty(), "GREASE ECH: {grease:?}");
    let plain = run("https.pcap", &|c| {
        c.tcp_conn(
            phone,
            "93.184.216.34".parse().expect("ip"),
            443,
            &[&client_hello("www.example.org", &["h2"], false, 0)],
        )
    });
    assert!(plain.is_empty(), "ordinary HTTPS: {plain:?}");
}

/// `sweep scan --from` decrypts QUIC on a worker thread while its source thread reads on.
/// Over a capture long enough for many hand-overs (several thousand observations, some
/// stretches full of datagrams), with QUIC among DNS, TLS and short-header packets, the
/// recording must hold exactly what reading the capture inline on one thread gives, in
/// the same order.
#[test]
fn quic_on_the_worker_thread_gives_the_inline_records_in_the_same_order() {
    use sweep::sources::Stop;
    use sweep::sources::traffic::extract::Extractor;
    use sweep::sources::traffic::read_capture;

    let dir = tempfile::tempdir().expect("tmp");
    let mut cap = Cap::new(LinkKind::Ethernet);
    let phone: IpAddr = "192.168.1.23".parse().expect("ip");
    let resolver: IpAddr = "192.168.1.1".parse().expect("ip");
    for c in 0u32..1500 {
        let server: IpAddr = format!("203.0.{}.{}", 113 + c % 3, 1 + c % 250)
            .parse()
            .expect("ip");
        let sport = 40_000 + (c % 20_000) as u16;
        let dcid = c.to_be_bytes().repeat(2);
        let name = format!("q{c}.example.net");
        if c % 3 == 0 {
            cap.udp(phone, resolver, sport, 53, &dns_query(c as u16, &name));
        }
        let version = if c % 5 == 0 { V2 } else { V1 };
        if c % 4 == 0 {
            // Split over two Initials, the second half first.
            let msg = hello_msg(&name, 1300);
            cap.udp(
                phone,
                server,
                sport,
                443,
                &initial(version, &dcid, 1, &crypto_frame(700, &msg[700..])),
            );
            cap.udp(
                phone,
                server,
                sport,
                443,
                &initial(version, &dcid, 0, &crypto_frame(0, &msg[..700])),
            );
        } else {
            let msg = hello_msg(&name, 200 + (c as usize % 7) * 100);
            cap.udp(
                phone,
                server,
                sport,
                443,
                &initial(version, &dcid, 0, &crypto_frame(0, &msg)),
            );
        }
        for _ in 0..(c % 3) {
            cap.udp(phone, server, sport, 443, &[0x40; 300]);
        }
        if c % 7 == 0 {
            cap.tcp_conn(
                phone,
                server,
                443,
                &[&client_hello(
                    &format!("t{c}.example.org"),
                    &["h2"],
                    false,
                    0,
                )],
            );
        }
    }
    let f = dir.path().join("mixed.pcap");
    cap.write_pcap(&f);

    let mut ex = Extractor::new();
    let mut inline = Vec::new();
    read_capture(&f, &Stop::new(), &mut ex, &mut |ex| {
        inline.append(&mut ex.out);
        true
    })
    .expect("inline read");
    ex.finish();
    inline.append(&mut ex.out);
    assert_eq!(
        inline
            .iter()
            .filter(|r| matches!(r.obs, Observation::Quic(_)))
            .count(),
        1500
    );
    assert!(inline.len() > 3_000, "{} records", inline.len());

    let (code, stderr, recs, _) = run_sweep(&f, dir.path());
    assert_eq!(code, 0, "{stderr}");
    let from_scan: Vec<Record> = recs
        .into_iter()
        .filter(|r| {
            matches!(
                r.obs,
                Observation::Quic(_)
                    | Observation::Dns(_)
                    | Observation::Tls(_)
                    | Observation::Flow(_)
            )
        })
        .collect();
    assert_eq!(from_scan.len(), inline.len());
    for (i, (a, b)) in from_scan.iter().zip(&inline).enumerate() {
        assert_eq!(a, b, "record {i} differs");
    }
}
