//! Matching phone traffic against indicators, at the engine: label boundaries, look-alikes,
//! case, trailing dots, ranges, addresses from DNS answers, severities and counts, and the
//! hidden look-ups finding.

use std::sync::Arc;

use sweep::engine::{Category, Engine, Severity};
use sweep::observation::Record;
use sweep::signatures::{SignatureSet, parse_file};

const SIGS: &str = r#"
[source]
name = "test"
version = "1"
description = "test"
source = "test"
licence = "CC0-1.0"

[[entry]]
id = "stalkerware.copy9.c2"
name = "Copy9"
category = "stalkerware"
severity = "high"
meaning = "m"
next_steps = ["n"]
match = { type = "network", role = "c2", domains = ["copy9.com", "spy-1.firebaseio.com"], ips = ["203.0.113.0/28", "198.51.100.7"] }

[[entry]]
id = "stalkerware.copy9.website"
name = "Copy9"
category = "stalkerware"
severity = "low"
meaning = "m"
next_steps = ["n"]
match = { type = "network", role = "website", domains = ["copy9.com", "www.copy9-shop.example"] }
"#;

fn engine() -> Engine {
    let mut set = SignatureSet::embedded().expect("embedded");
    set.entries.retain(|e| e.category != Category::Stalkerware);
    set.entries.extend(
        parse_file("test.toml", SIGS)
            .expect("test signatures")
            .entries,
    );
    Engine::new(Arc::new(set))
}

fn rec(v: serde_json::Value) -> Record {
    serde_json::from_value(v).expect("record")
}

fn dns(s: u32, name: &str, answers: &[&str]) -> Record {
    rec(
        serde_json::json!({"t": format!("2026-11-22T10:00:{s:02}Z"), "kind": "dns", "client_ip": "192.168.1.23",
        "client_mac": "5A:E3:44:21:0C:77", "server_ip": "192.168.1.1", "server_port": 53, "names": [name],
        "answers": answers, "response": !answers.is_empty()}),
    )
}

fn tls(s: u32, sni: &str, ech: bool) -> Record {
    rec(
        serde_json::json!({"t": format!("2026-11-22T10:00:{s:02}Z"), "kind": "tls", "client_ip": "192.168.1.23",
        "client_mac": "5A:E3:44:21:0C:77", "server_ip": "93.184.216.34", "server_port": 443, "sni": sni, "ech": ech}),
    )
}

fn flow(s: u32, ip: &str, port: u16, transport: &str) -> Record {
    rec(
        serde_json::json!({"t": format!("2026-11-22T10:00:{s:02}Z"), "kind": "flow", "client_ip": "192.168.1.23",
        "server_ip": ip, "server_port": port, "transport": transport, "packets": 3, "bytes": 300}),
    )
}

fn stalker(e: &Engine) -> Vec<sweep::engine::Finding> {
    e.findings()
        .into_iter()
        .filter(|f| f.category == Category::Stalkerware)
        .collect()
}

#[test]
fn listed_name_and_subdomains_match_on_label_boundaries_only() {
    for (name, hit) in [
        ("copy9.com", true),
        ("COPY9.COM.", true),
        ("api.sync.copy9.com", true),
        ("xcopy9.com", false),
        ("copy9.com.evil.example", false),
        ("copy9.co", false),
        ("firebaseio.com", false),
        ("other-1.firebaseio.com", false),
        ("spy-1.firebaseio.com", true),
        ("a.spy-1.firebaseio.com", true),
    ] {
        let mut e = engine();
        e.ingest(&dns(1, name, &[]));
        assert_eq!(!stalker(&e).is_empty(), hit, "{name}");
    }
}

#[test]
fn c2_wins_over_website_and_contacts_are_counted_with_first_and_last() {
    let mut e = engine();
    e.ingest(&dns(1, "copy9.com", &[]));
    e.ingest(&tls(5, "Copy9.com", false));
    e.ingest(&dns(9, "api.copy9.com", &[]));
    let f = stalker(&e);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].signature, "stalkerware.copy9.c2");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].first_seen.to_rfc3339(), "2026-11-22T10:00:01+00:00");
    assert_eq!(f[0].last_seen.to_rfc3339(), "2026-11-22T10:00:09+00:00");
    assert!(
        f[0].evidence[0].text.starts_with("3 contacts"),
        "{}",
        f[0].evidence[0].text
    );
    // Nothing shows this client is a phone: a device on this network.
    assert_eq!(f[0].subject.kind, "network");
    // Its DHCP vendor class shows it is an Android phone.
    e.ingest(&rec(
        serde_json::json!({"t": "2026-11-22T10:00:10Z", "kind": "arp", "mac": "5A:E3:44:21:0C:77",
        "ip": "192.168.1.23", "via": "dhcp", "vendor_class": "android-dhcp-13"}),
    ));
    let f = stalker(&e);
    assert_eq!(f[0].subject.kind, "phone");
    let d: Vec<_> = e
        .devices()
        .into_iter()
        .filter(|d| d.address.to_string() == "5A:E3:44:21:0C:77")
        .collect();
    assert_eq!(d.len(), 1, "one entry per device: {d:#?}");
    assert_eq!(d[0].kind, "phone");
    assert!(
        d[0].description.contains("android-dhcp-13"),
        "{}",
        d[0].description
    );
    assert_eq!(
        f[0].subject.address.map(|a| a.to_string()).as_deref(),
        Some("5A:E3:44:21:0C:77")
    );

    let mut e = engine();
    e.ingest(&tls(1, "www.copy9-shop.example", false));
    let f = stalker(&e);
    assert_eq!(f[0].severity, Severity::Low, "the vendor's shop only");
}

#[test]
fn addresses_and_ranges_match_exactly_and_dns_answers_teach_addresses() {
    let mut e = engine();
    e.ingest(&flow(1, "203.0.113.9", 443, "tcp"));
    assert_eq!(stalker(&e).len(), 1, "inside the /28");
    let mut e = engine();
    e.ingest(&flow(1, "203.0.113.16", 443, "tcp"));
    e.ingest(&flow(1, "198.51.100.8", 443, "tcp"));
    assert!(
        stalker(&e).is_empty(),
        "outside the range and not the listed address"
    );
    let mut e = engine();
    e.ingest(&dns(1, "cdn.copy9.com", &["192.0.2.44"]));
    e.ingest(&flow(2, "192.0.2.44", 443, "tcp"));
    let f = stalker(&e);
    assert!(
        f[0].evidence[0]
            .text
            .contains("192.0.2.44 port 443 (address given by DNS for a listed name)"),
        "{}",
        f[0].evidence[0].text
    );
}

#[test]
fn hidden_lookups_for_dot_doh_and_ech_but_not_ordinary_https() {
    let hidden = |recs: Vec<Record>| {
        let mut e = engine();
        for r in &recs {
            e.ingest(r);
        }
        e.findings()
            .into_iter()
            .filter(|f| f.category == Category::HiddenLookups)
            .collect::<Vec<_>>()
    };
    let dot = hidden(vec![flow(1, "1.1.1.1", 853, "tcp")]);
    assert_eq!(dot.len(), 1);
    assert_eq!(dot[0].severity, Severity::Info);
    assert!(dot[0].title.contains("DNS over TLS"), "{}", dot[0].title);
    assert!(dot[0].next_steps.iter().any(|s| s.contains("Private DNS")));
    assert!(
        dot[0]
            .next_steps
            .iter()
            .any(|s| s.contains("could notice the change"))
    );
    assert!(
        hidden(vec![tls(1, "dns.google", false)])[0]
            .title
            .contains("DNS over HTTPS")
    );
    assert!(
        hidden(vec![flow(1, "8.8.8.8", 443, "tcp")])[0]
            .title
            .contains("DNS over HTTPS")
    );
    assert!(
        hidden(vec![tls(1, "cloudflare-ech.com", true)])[0]
            .title
            .contains("Encrypted Client Hello")
    );
    assert!(
        hidden(vec![tls(1, "cover.example", true)]).is_empty(),
        "decoy (GREASE) ECH with an ordinary outer name"
    );
    assert!(
        hidden(vec![flow(1, "162.159.1.1", 51820, "udp")])[0]
            .title
            .contains("VPN")
    );
    assert!(
        hidden(vec![
            tls(1, "www.example.org", false),
            flow(2, "93.184.216.34", 443, "tcp"),
            flow(3, "8.8.8.8", 53, "udp")
        ])
        .is_empty(),
        "ordinary HTTPS and plain DNS"
    );
}

#[test]
fn a_client_is_a_phone_only_on_evidence() {
    let kind_of = |recs: &[serde_json::Value]| {
        let mut e = engine();
        for r in recs {
            e.ingest(&rec(r.clone()));
        }
        e.devices()
            .into_iter()
            .find(|d| d.ips.iter().any(|i| i.to_string() == "192.168.1.23"))
            .map(|d| (d.kind, d.description))
            .expect("device")
    };
    let dns = serde_json::json!({"t": "2026-11-22T10:00:01Z", "kind": "dns", "client_ip": "192.168.1.23",
        "client_mac": "5A:E3:44:21:0C:77", "server_ip": "192.168.1.1", "server_port": 53, "names": ["www.example.org"]});
    // Nothing known: a device on this network.
    let (kind, desc) = kind_of(std::slice::from_ref(&dns));
    assert_eq!(kind, "network");
    assert!(desc.starts_with("Device on this network"), "{desc}");
    // A DHCP host name is not evidence.
    let named = serde_json::json!({"t": "2026-11-22T10:00:00Z", "kind": "arp", "mac": "5A:E3:44:21:0C:77",
        "ip": "192.168.1.23", "via": "dhcp", "hostname": "android-phone"});
    assert_eq!(kind_of(&[named, dns.clone()]).0, "network");
    // A client of the live hotspot is.
    let live = serde_json::json!({"t": "2026-11-22T10:00:00Z", "kind": "source", "source": "traffic", "state": "running"});
    let (kind, desc) = kind_of(&[live, dns.clone()]);
    assert_eq!(kind, "phone");
    assert!(desc.contains("hotspot"), "{desc}");
    // An iPhone model announced over mDNS is.
    let mdns = serde_json::json!({"t": "2026-11-22T10:00:00Z", "kind": "mdns", "service_type": "_device-info._tcp.local.",
        "instance": "Phone._device-info._tcp.local.", "addresses": ["192.168.1.23"], "txt": {"model": "iPhone14,2"}});
    let (kind, desc) = kind_of(&[mdns, dns]);
    assert_eq!(kind, "phone");
    assert!(desc.contains("iPhone14,2"), "{desc}");
}

#[test]
fn real_ech_over_quic_says_which_kind_and_decoy_ech_is_quiet() {
    let quic = |sni: &str| {
        rec(
            serde_json::json!({"t": "2026-11-22T10:00:05Z", "kind": "quic", "client_ip": "192.168.1.23",
            "server_ip": "104.16.1.1", "server_port": 443, "version": 1, "sni": sni, "ech": true}),
        )
    };
    let hidden = |recs: &[Record]| {
        let mut e = engine();
        for r in recs {
            e.ingest(r);
        }
        e.findings()
            .into_iter()
            .filter(|f| f.category == Category::HiddenLookups)
            .collect::<Vec<_>>()
    };
    let f = hidden(&[quic("cloudflare-ech.com")]);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].evidence[0]
            .text
            .contains("QUIC, encrypted client hello behind a known ECH public name"),
        "{:?}",
        f[0].evidence
    );
    // A name under a public name counts too; an ordinary name with the extension does not.
    assert_eq!(hidden(&[quic("eu.cloudflare-ech.com")]).len(), 1);
    assert!(hidden(&[quic("www.example.org")]).is_empty());
    // A DNS ECH key for the name looked up, then a different outer name to its address.
    let answer = rec(
        serde_json::json!({"t": "2026-11-22T10:00:01Z", "kind": "dns", "client_ip": "192.168.1.23",
        "server_ip": "192.168.1.1", "server_port": 53, "names": ["secret.example"], "answers": ["104.16.1.1"],
        "response": true, "ech_names": ["secret.example"]}),
    );
    let f = hidden(&[answer.clone(), quic("cover.example.net")]);
    assert!(
        f[0].evidence[0]
            .text
            .contains("cover.example.net (looked up: secret.example)"),
        "{:?}",
        f[0].evidence
    );
    // The same name outside: a decoy, nothing hidden.
    assert!(hidden(&[answer, quic("secret.example")]).is_empty());
}
