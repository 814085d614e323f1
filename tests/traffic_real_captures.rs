//! What real captures showed (issue 22), on captures built here: Chrome's decoy (GREASE)
//! ECH is not a hidden look-up and real ECH is; an HTTP request whose `Host` is in its
//! third segment, in order and out of order; retransmitted ClientHellos and resent DNS
//! queries counted once; DNS over TLS not listed again as DNS over HTTPS; and the devices a
//! capture shows (ARP, DHCP, mDNS, SSDP) reaching the same network-device engine as the
//! live passive check. tshark gives the same names and counts on each file.

#![allow(clippy::unwrap_used)]

mod support;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use simple_dns::rdata::{A, HTTPS, RData, SVCB, SVCParam};
use simple_dns::{CLASS, Name, Packet, Question, ResourceRecord, TYPE};
use support::traffic::*;
use sweep::engine::{Category, Engine, Finding};
use sweep::observation::{Observation, Record};
use sweep::signatures::SignatureSet;
use sweep::testkit::capture::*;

thread_local! {
    /// Set by the `needs tshark` test, which runs every test below again with tshark's
    /// answers compared; the plain tests assert sweep's behaviour alone.
    static WITH_TSHARK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` (a comparison with tshark) only inside `tshark_agrees_on_every_capture`.
fn tshark<T>(f: impl FnOnce() -> T) -> Option<T> {
    WITH_TSHARK.with(|w| w.get()).then(f)
}

#[test]
#[ignore = "needs tshark"]
fn tshark_agrees_on_every_capture() {
    WITH_TSHARK.with(|w| w.set(true));
    grease_ech_with_the_real_name_outside_is_not_a_hidden_look_up();
    real_ech_behind_a_listed_public_name_or_a_dns_ech_key_is_a_hidden_look_up();
    http_host_in_the_third_segment_in_order_and_out_of_order();
    retransmitted_client_hellos_and_resent_dns_queries_count_once();
    dns_over_tls_is_not_listed_again_as_dns_over_https();
    devices_in_a_capture_reach_the_network_check_as_in_a_live_passive_check();
}

fn phone() -> IpAddr {
    "10.42.0.20".parse().unwrap()
}
fn gw() -> IpAddr {
    "10.42.0.1".parse().unwrap()
}

/// DNS query and A answer for `name` → `addr`, from the phone to the gateway.
fn lookup(c: &mut Cap, id: u16, name: &str, addr: [u8; 4]) {
    let port = c.ephemeral();
    c.udp(phone(), gw(), port, 53, &dns_query(id, name));
    c.udp(gw(), phone(), 53, port, &dns_response(id, name, &[], addr));
}

/// An HTTPS-record answer for `name`, with an ECH configuration or without.
fn https_answer(id: u16, name: &str, ech: bool) -> Vec<u8> {
    let mut p = Packet::new_reply(id);
    p.questions.push(Question::new(
        Name::new_unchecked(name),
        TYPE::HTTPS.into(),
        CLASS::IN.into(),
        false,
    ));
    let mut svcb = SVCB::new(1, Name::new_unchecked(""));
    svcb.set_alpn(&["h2".try_into().unwrap()]);
    if ech {
        // An ECHConfigList as a server publishes it (contents are not read by sweep).
        let mut cfg = vec![
            0x00, 0x45, 0xfe, 0x0d, 0x00, 0x41, 0x2a, 0x00, 0x20, 0x00, 0x20,
        ];
        cfg.extend_from_slice(&[0x42; 32]);
        cfg.extend_from_slice(&[0x00, 0x04, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0b]);
        cfg.extend_from_slice(b"cover.example");
        cfg.extend_from_slice(&[0x00, 0x00]);
        svcb.set_param(SVCParam::Ech(Cow::Owned(cfg)));
    }
    p.answers.push(ResourceRecord::new(
        Name::new_unchecked(name),
        CLASS::IN,
        300,
        RData::HTTPS(HTTPS(svcb)),
    ));
    p.build_bytes_vec_compressed().unwrap()
}

fn findings(json: &serde_json::Value, category: &str) -> Vec<serde_json::Value> {
    json["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f["category"] == category)
        .collect()
}

fn run(c: &Cap, dir: &Path, name: &str) -> (Vec<Record>, serde_json::Value) {
    let f = dir.join(name);
    c.write_pcap(&f);
    let (code, stderr, recs, json) = run_sweep(&f, dir);
    assert_eq!(code, 0, "{name}: {stderr}");
    if let Some(t) = tshark(|| tshark_names(&f)) {
        assert_eq!(name_set(&recs), t, "{name}: sweep vs tshark");
    }
    (recs, json)
}

#[test]
fn grease_ech_with_the_real_name_outside_is_not_a_hidden_look_up() {
    let d = tempfile::tempdir().unwrap();
    let mut c = Cap::new(LinkKind::Ethernet);
    // Chrome: looks the name up (A and HTTPS, no ECH key offered), then connects with a
    // decoy ECH extension and the real name outside.
    lookup(&mut c, 1, "lh3.google.com", [142, 250, 1, 1]);
    let port = c.ephemeral();
    c.udp(phone(), gw(), port, 53, &dns_query(2, "lh3.google.com"));
    c.udp(
        gw(),
        phone(),
        53,
        port,
        &https_answer(2, "lh3.google.com", false),
    );
    let hello = client_hello("lh3.google.com", &["h2"], true, 0);
    c.tcp_conn(phone(), "142.250.1.1".parse().unwrap(), 443, &[&hello]);
    // A name looked up before the capture started (no DNS seen), decoy ECH too.
    let hello = client_hello("bsky.app", &["h2"], true, 0);
    c.tcp_conn(phone(), "198.51.100.80".parse().unwrap(), 443, &[&hello]);
    let (recs, json) = run(&c, d.path(), "grease.pcap");
    let tls: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Tls(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(tls.len(), 2);
    assert!(tls.iter().all(|t| t.ech), "the extension is still recorded");
    let hidden = findings(&json, "hidden-lookups");
    assert!(hidden.is_empty(), "decoy ECH is not hidden: {hidden:#?}");
}

#[test]
fn real_ech_behind_a_listed_public_name_or_a_dns_ech_key_is_a_hidden_look_up() {
    let d = tempfile::tempdir().unwrap();
    // 1. The outer name is Cloudflare's ECH public name.
    let mut c = Cap::new(LinkKind::Ethernet);
    lookup(&mut c, 1, "private-site.example", [104, 16, 1, 1]);
    let hello = client_hello("cloudflare-ech.com", &["h2"], true, 0);
    c.tcp_conn(phone(), "104.16.1.1".parse().unwrap(), 443, &[&hello]);
    let (_, json) = run(&c, d.path(), "ech-public.pcap");
    let hidden = findings(&json, "hidden-lookups");
    assert_eq!(hidden.len(), 1, "{hidden:#?}");
    assert!(
        hidden[0]["title"]
            .as_str()
            .unwrap()
            .contains("Encrypted Client Hello")
    );
    let ev = hidden[0]["evidence"].to_string();
    assert!(ev.contains("cloudflare-ech.com"), "{ev}");
    assert!(ev.contains("known ECH public name"), "{ev}");

    // 2. DNS gave the phone an ECH key for the name it looked up, and the outer name of
    //    the connection to that name's address differs from it.
    let mut c = Cap::new(LinkKind::Ethernet);
    lookup(&mut c, 1, "secret.example", [198, 51, 100, 50]);
    let port = c.ephemeral();
    c.udp(phone(), gw(), port, 53, &dns_query(2, "secret.example"));
    c.udp(
        gw(),
        phone(),
        53,
        port,
        &https_answer(2, "secret.example", true),
    );
    let hello = client_hello("cover.example.net", &["h2"], true, 0);
    c.tcp_conn(phone(), "198.51.100.50".parse().unwrap(), 443, &[&hello]);
    let (recs, json) = run(&c, d.path(), "ech-dns.pcap");
    let ech_names: Vec<String> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Dns(d) => Some(d.ech_names.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(ech_names, vec!["secret.example"]);
    let hidden = findings(&json, "hidden-lookups");
    assert_eq!(hidden.len(), 1, "{hidden:#?}");
    let ev = hidden[0]["evidence"].to_string();
    assert!(
        ev.contains("cover.example.net (looked up: secret.example)"),
        "{ev}"
    );
    assert!(ev.contains("outer name differs"), "{ev}");
}

/// A long request puts its Host in the third segment; the Host line itself is cut
/// between the second and third.
fn long_request() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut a = b"GET /openapi/ad/v3?".to_vec();
    while a.len() < 1200 {
        a.extend_from_slice(b"unit_id=1234567&ts=1795341600&sign=abcdef0123456789&");
    }
    a.extend_from_slice(b" HTTP/1.1\r\n");
    let b =
        b"User-Agent: Dalvik/2.1.0 (Linux; U; Android 13)\r\nAccept-Encoding: gzip\r\nHo".to_vec();
    let c = b"st: adx-tk.rayjump.example:80\r\nConnection: Keep-Alive\r\n\r\n".to_vec();
    (a, b, c)
}

#[test]
fn http_host_in_the_third_segment_in_order_and_out_of_order() {
    let d = tempfile::tempdir().unwrap();
    let server: IpAddr = "203.0.113.80".parse().unwrap();
    let (a, b, c3) = long_request();
    let mut c = Cap::new(LinkKind::Ethernet);
    // In order.
    c.tcp_conn(phone(), server, 80, &[&a, &b, &c3]);
    // Out of order: the third segment before the second.
    let cp = c.ephemeral();
    let (cs, ss) = (7000u32, 9000u32);
    c.tcp(phone(), server, cp, 80, cs, None, true, &[]);
    c.tcp(server, phone(), 80, cp, ss, Some(cs + 1), true, &[]);
    c.tcp(phone(), server, cp, 80, cs + 1, Some(ss + 1), false, &[]);
    let s1 = cs + 1;
    let s2 = s1 + a.len() as u32;
    let s3 = s2 + b.len() as u32;
    c.tcp(phone(), server, cp, 80, s1, Some(ss + 1), false, &a);
    c.tcp(phone(), server, cp, 80, s3, Some(ss + 1), false, &c3);
    c.tcp(phone(), server, cp, 80, s2, Some(ss + 1), false, &b);
    let f = d.path().join("http.pcap");
    c.write_pcap(&f);
    let (code, stderr, recs, _) = run_sweep(&f, d.path());
    assert_eq!(code, 0, "{stderr}");
    let hosts: Vec<(String, u16)> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Http(h) => Some((h.host.clone(), h.ends.server_port.unwrap())),
            _ => None,
        })
        .collect();
    assert_eq!(
        hosts,
        vec![
            ("adx-tk.rayjump.example".to_string(), 80),
            ("adx-tk.rayjump.example".to_string(), 80)
        ]
    );
    if let Some(t) = tshark(|| tshark_fields(&f, "http.request", &["http.host"])) {
        let t: Vec<String> = t
            .iter()
            .map(|h| h.trim_end_matches(":80").to_string())
            .collect();
        assert_eq!(
            t,
            hosts.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>(),
            "sweep vs tshark"
        );
    }
}

#[test]
fn retransmitted_client_hellos_and_resent_dns_queries_count_once() {
    let d = tempfile::tempdir().unwrap();
    let server: IpAddr = "198.51.100.9".parse().unwrap();
    let mut c = Cap::new(LinkKind::Ethernet);
    // A query resent with the same id 1 s later, then its answer.
    let port = c.ephemeral();
    let q = dns_query(0x4242, "api.copy9.com");
    c.udp(phone(), gw(), port, 53, &q);
    c.pause(Duration::from_secs(1));
    c.udp(phone(), gw(), port, 53, &q);
    c.udp(
        gw(),
        phone(),
        53,
        port,
        &dns_response(0x4242, "api.copy9.com", &[], [198, 51, 100, 9]),
    );
    // A ClientHello in one segment, sent again (same sequence number, same bytes).
    let hello = client_hello("api.copy9.com", &["h2"], false, 0);
    let cp = c.ephemeral();
    c.tcp(phone(), server, cp, 443, 100, None, true, &[]);
    c.tcp(server, phone(), 443, cp, 500, Some(101), true, &[]);
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, &[]);
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, &hello);
    c.pause(Duration::from_millis(300));
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, &hello);
    // A ClientHello over two segments, both sent again.
    let big = client_hello("api.copy9.com", &["h2"], false, 1600);
    let (x, y) = big.split_at(1000);
    let cp = c.ephemeral();
    c.tcp(phone(), server, cp, 443, 100, None, true, &[]);
    c.tcp(server, phone(), 443, cp, 500, Some(101), true, &[]);
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, &[]);
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, x);
    c.tcp(phone(), server, cp, 443, 1101, Some(501), false, y);
    c.pause(Duration::from_millis(300));
    c.tcp(phone(), server, cp, 443, 101, Some(501), false, x);
    c.tcp(phone(), server, cp, 443, 1101, Some(501), false, y);
    // The same query again 5 s later: a new look-up, counted.
    c.pause(Duration::from_secs(5));
    c.udp(phone(), gw(), port, 53, &q);
    let f = d.path().join("retrans.pcap");
    c.write_pcap(&f);
    let (code, stderr, recs, json) = run_sweep(&f, d.path());
    assert_eq!(code, 0, "{stderr}");
    let queries = recs
        .iter()
        .filter(|r| matches!(&r.obs, Observation::Dns(d) if !d.response))
        .count();
    assert_eq!(queries, 2, "the resend within 2 s is counted once");
    let hellos = recs
        .iter()
        .filter(|r| matches!(r.obs, Observation::Tls(_)))
        .count();
    assert_eq!(hellos, 2, "one per connection");
    if let Some(t) = tshark(|| tshark_fields(&f, "tls.handshake.type == 1", &["frame.number"])) {
        assert_eq!(hellos, t.len(), "sweep vs tshark's hello count");
    }
    if let Some(t) = tshark(|| tshark_names(&f)) {
        assert_eq!(name_set(&recs), t);
    }
    // Evidence counts: 2 look-ups, 1 answer and 2 ClientHellos for the listed name, and 2
    // connections to the address DNS gave for it (10 if every copy counted).
    let stalker = findings(&json, "stalkerware");
    assert_eq!(stalker.len(), 1, "{stalker:#?}");
    assert!(
        stalker[0]["evidence"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("7 contacts"),
        "{}",
        stalker[0]["evidence"][0]
    );
    let ind = &stalker[0]["indicators"][0];
    assert_eq!(ind["type"], "domain");
    assert_eq!(ind["value"], "api.copy9.com");
    assert_eq!(ind["listed"], "copy9.com");
    assert_eq!(ind["count"], 5);
}

#[test]
fn dns_over_tls_is_not_listed_again_as_dns_over_https() {
    let d = tempfile::tempdir().unwrap();
    let mut c = Cap::new(LinkKind::Ethernet);
    // Android Private DNS: looks up the provider, then DNS over TLS on port 853.
    lookup(&mut c, 1, "dns.google", [8, 8, 8, 8]);
    for _ in 0..3 {
        let hello = client_hello("dns.google", &[], false, 0);
        c.tcp_conn(phone(), "8.8.8.8".parse().unwrap(), 853, &[&hello]);
    }
    let (_, json) = run(&c, d.path(), "dot.pcap");
    let hidden = findings(&json, "hidden-lookups");
    assert_eq!(hidden.len(), 1, "{hidden:#?}");
    let title = hidden[0]["title"].as_str().unwrap();
    assert!(title.contains("DNS over TLS"), "{title}");
    assert!(!title.contains("DNS over HTTPS"), "{title}");
    let ev = hidden[0]["evidence"].to_string();
    assert!(!ev.contains("DNS over HTTPS"), "{ev}");

    // DNS over HTTPS to the same provider is still DNS over HTTPS.
    let mut c = Cap::new(LinkKind::Ethernet);
    lookup(&mut c, 1, "dns.google", [8, 8, 8, 8]);
    let hello = client_hello("dns.google", &["h2"], false, 0);
    c.tcp_conn(phone(), "8.8.8.8".parse().unwrap(), 443, &[&hello]);
    let (_, json) = run(&c, d.path(), "doh.pcap");
    let hidden = findings(&json, "hidden-lookups");
    let title = hidden[0]["title"].as_str().unwrap();
    assert!(title.contains("DNS over HTTPS"), "{title}");
    assert!(!title.contains("DNS over TLS"), "{title}");
}

const CAMERA_MAC: [u8; 6] = [0x44, 0x19, 0xb6, 0x12, 0x34, 0x56];
const CAST_MAC: [u8; 6] = [0xf4, 0xf5, 0xd8, 0x00, 0x11, 0x22];
const TV_MAC: [u8; 6] = [0x02, 0x77, 0x00, 0x00, 0x00, 0x50];
const PC_MAC: [u8; 6] = [0x02, 0x99, 0x00, 0x00, 0x00, 0x30];
const MDNS_MAC: [u8; 6] = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];

/// An mDNS announcement of one service instance (PTR, SRV, TXT, A).
fn mdns_announce(
    ty: &str,
    instance: &str,
    host: &str,
    ip: [u8; 4],
    port: u16,
    txt: &str,
) -> Vec<u8> {
    use simple_dns::rdata::{PTR, SRV, TXT};
    let mut p = Packet::new_reply(0);
    let full = format!("{instance}.{ty}");
    p.answers.push(ResourceRecord::new(
        Name::new_unchecked(ty),
        CLASS::IN,
        4500,
        RData::PTR(PTR(Name::new_unchecked(&full))),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked(&full),
        CLASS::IN,
        120,
        RData::SRV(SRV {
            priority: 0,
            weight: 0,
            port,
            target: Name::new_unchecked(host),
        }),
    ));
    let mut t = TXT::new();
    t.add_string(txt).unwrap();
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked(&full),
        CLASS::IN,
        4500,
        RData::TXT(t),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked(host),
        CLASS::IN,
        120,
        RData::A(A {
            address: u32::from_be_bytes(ip),
        }),
    ));
    p.build_bytes_vec_compressed().unwrap()
}

/// A home network heard from the router: ARP, a phone's DHCP request, a cast device and a
/// camera announcing themselves over mDNS, a TV over SSDP, and a PC's and the phone's traffic.
fn home_network() -> Cap {
    let mut c = Cap::new(LinkKind::Ethernet);
    let gw_mac = GW_MAC;
    c.eth(
        CAMERA_MAC,
        gw_mac,
        0x0806,
        &sweep::testkit::lan::arp_packet(2, CAMERA_MAC, [10, 42, 0, 64], gw_mac, [10, 42, 0, 1]),
    );
    c.frames.push(sweep::testkit::lan::dhcp_request_frame(
        PHONE_MAC,
        [10, 42, 0, 20],
        "Galaxy-S21",
        "android-dhcp-13",
    ));
    c.udp_eth(
        CAST_MAC,
        MDNS_MAC,
        [10, 42, 0, 40],
        [224, 0, 0, 251],
        5353,
        5353,
        &mdns_announce(
            "_googlecast._tcp.local",
            "Living Room TV",
            "tv-cast.local",
            [10, 42, 0, 40],
            8009,
            "md=Chromecast",
        ),
    );
    c.udp_eth(
        CAMERA_MAC,
        MDNS_MAC,
        [10, 42, 0, 64],
        [224, 0, 0, 251],
        5353,
        5353,
        &mdns_announce(
            "_rtsp._tcp.local",
            "HD Camera",
            "ipcam-1234.local",
            [10, 42, 0, 64],
            554,
            "model=DS-2CD",
        ),
    );
    c.udp_eth(
        TV_MAC,
        [0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa],
        [10, 42, 0, 50],
        [239, 255, 255, 250],
        1900,
        1900,
        b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://10.42.0.50:49152/description.xml\r\nNT: urn:schemas-upnp-org:device:MediaRenderer:1\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.4 UPnP/1.0 SmartTV/2.0\r\nUSN: uuid:5f0e6c64-0000-0000-0000-000000000050::urn:schemas-upnp-org:device:MediaRenderer:1\r\n\r\n",
    );
    // The phone's traffic.
    lookup(&mut c, 1, "www.example.org", [93, 184, 216, 34]);
    let hello = client_hello("www.example.org", &["h2"], false, 0);
    c.tcp_conn(phone(), "93.184.216.34".parse().unwrap(), 443, &[&hello]);
    // A PC's traffic (nothing shows it is a phone).
    let mut v = Vec::new();
    sweep::testkit::capture::ip_udp(
        &mut v,
        "10.42.0.30".parse().expect("ip"),
        "10.42.0.1".parse().expect("ip"),
        50000,
        53,
        &dns_query(9, "updates.example.com"),
    );
    c.eth(PC_MAC, gw_mac, 0x0800, &v);
    c
}

fn lan_findings(recs: &[Record]) -> Vec<Finding> {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().unwrap()));
    for r in recs {
        if matches!(r.obs, Observation::Arp(_) | Observation::Mdns(_)) {
            e.ingest(r);
        }
    }
    e.findings()
        .into_iter()
        .filter(|f| f.category == Category::NetworkDevice)
        .collect()
}

#[test]
fn devices_in_a_capture_reach_the_network_check_as_in_a_live_passive_check() {
    let d = tempfile::tempdir().unwrap();
    let c = home_network();
    let (recs, json) = run(&c, d.path(), "home.pcap");

    // The same frames through the live passive check's parser give the same devices and
    // leads (the live check does not read SSDP).
    let mut live = Vec::new();
    for (i, fr) in c.frames.iter().enumerate() {
        let t =
            chrono::DateTime::from_timestamp(c.time(i).as_secs() as i64, c.time(i).subsec_nanos())
                .unwrap();
        let mut obs = Vec::new();
        sweep::sources::lan::frame_observations(fr, &mut obs);
        live.extend(obs.into_iter().map(|o| Record::new(t, o)));
    }
    assert_eq!(live.len(), 4, "{live:#?}");
    assert_eq!(lan_findings(&recs), lan_findings(&live));

    let net = findings(&json, "network-device");
    let by_ip = |ip: &str| -> Vec<&serde_json::Value> {
        net.iter().filter(|f| f["subject"]["ip"] == ip).collect()
    };
    let camera = by_ip("10.42.0.64");
    assert_eq!(camera.len(), 1, "{net:#?}");
    assert_eq!(camera[0]["title"], "Possible camera — check physically");
    assert_eq!(camera[0]["severity"], "medium");
    assert!(camera[0]["evidence"].to_string().contains("_rtsp._tcp"));
    let cast = by_ip("10.42.0.40");
    assert_eq!(cast[0]["signature"], "network.controllable", "{cast:#?}");
    let tv = by_ip("10.42.0.50");
    assert!(
        tv[0]["evidence"].to_string().contains("MediaRenderer"),
        "{tv:#?}"
    );
    let phone_lead = by_ip("10.42.0.20");
    assert!(
        phone_lead[0]["evidence"]
            .to_string()
            .contains("android-dhcp-13"),
        "{phone_lead:#?}"
    );

    // Devices: one entry each; "phone" only on evidence.
    let devices = json["devices"].as_array().unwrap();
    let dev = |mac: [u8; 6]| -> Vec<&serde_json::Value> {
        let m = sweep::observation::MacAddr(mac).to_string();
        devices
            .iter()
            .filter(|d| d["address"] == m.as_str())
            .collect()
    };
    let p = dev(PHONE_MAC);
    assert_eq!(p.len(), 1, "{devices:#?}");
    assert_eq!(p[0]["kind"], "phone");
    assert!(
        p[0]["description"]
            .as_str()
            .unwrap()
            .contains("android-dhcp-13")
    );
    assert!(
        p[0]["description"]
            .as_str()
            .unwrap()
            .contains("sent traffic")
    );
    let pc = dev(PC_MAC);
    assert_eq!(pc.len(), 1, "{devices:#?}");
    assert_eq!(pc[0]["kind"], "network");
    assert!(
        pc[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("Device on this network"),
        "{}",
        pc[0]["description"]
    );
    let cam = dev(CAMERA_MAC);
    assert_eq!(cam.len(), 1, "{devices:#?}");
    assert_eq!(cam[0]["kind"], "network");
    let tv = dev(TV_MAC);
    assert!(
        tv[0]["description"]
            .as_str()
            .unwrap()
            .contains("UPnP: MediaRenderer")
    );
    let kinds: BTreeSet<&str> = devices.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert!(kinds.contains("network") && kinds.contains("phone"));
    assert!(
        !devices.iter().any(|d| d["kind"] == "phone"
            && d["address"] != sweep::observation::MacAddr(PHONE_MAC).to_string().as_str()),
        "only the phone is a phone: {devices:#?}"
    );
}
