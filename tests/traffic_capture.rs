//! Saved captures: every link type, IPv4/IPv6, VLAN, DNS over UDP and TCP, CNAME
//! chains, split ClientHellos, ECH, HTTP Host, IP-only contacts, damaged files,
//! and the same name set as tshark.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use support::traffic::{name_set, run_sweep, tshark_names};
use sweep::observation::{MacAddr, Observation, Record, Transport};
use sweep::testkit::capture::*;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Write the scenario in `link`, both as pcap and pcapng; return the paths.
fn write_both(dir: &Path, link: LinkKind, v6: bool) -> (Expect, Vec<PathBuf>) {
    let (cap, exp) = scenario(link, v6);
    let tag = format!("{link:?}-{}", if v6 { "v6" } else { "v4" }).to_lowercase();
    // Names say nothing: the format must come from the magic.
    let a = dir.join(format!("{tag}-a.dat"));
    let b = dir.join(format!("{tag}-b.dat"));
    cap.write_pcap(&a);
    cap.write_pcapng(&b);
    (exp, vec![a, b])
}

fn check_scenario(file: &Path, link: LinkKind, exp: &Expect, dir: &Path) -> Vec<Record> {
    let (code, stderr, recs, json) = run_sweep(file, dir);
    assert_eq!(code, 0, "{}: {stderr}", file.display());
    let names = name_set(&recs);
    let want: BTreeSet<String> = exp
        .queries
        .iter()
        .chain(exp.snis.iter())
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, want, "{}", file.display());

    // CNAME chain names appear in the response observation.
    let answer_names: BTreeSet<String> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Dns(d) if d.response => Some(d.names.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    for c in &exp.cname_targets {
        assert!(
            answer_names.contains(*c),
            "{}: CNAME {c} missing",
            file.display()
        );
    }
    // HTTP Host, ALPN, ECH.
    let hosts: Vec<String> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Http(h) => Some(h.host.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(hosts, exp.http_hosts, "{}", file.display());
    let tls: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Tls(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let plain = tls
        .iter()
        .find(|t| t.sni.as_deref() == Some("tls.example.com"))
        .expect("tls obs");
    assert_eq!(plain.alpn, vec!["h2", "http/1.1"]);
    assert!(!plain.ech);
    assert_eq!(plain.ends.server_port, Some(443));
    assert!(is_phone(plain.ends.client_ip));
    let ech = tls
        .iter()
        .find(|t| t.sni.as_deref() == Some("public.example.com"))
        .expect("ech obs");
    assert!(ech.ech, "ECH extension not noticed");
    // The phone is the client everywhere, with its MAC when the link type has one.
    for r in &recs {
        let ends = match &r.obs {
            Observation::Dns(d) => &d.ends,
            Observation::Tls(t) => &t.ends,
            Observation::Http(h) => &h.ends,
            Observation::Flow(f) => &f.ends,
            _ => continue,
        };
        assert!(
            is_phone(ends.client_ip),
            "{}: client {} in {:?}",
            file.display(),
            ends.client_ip,
            r.obs
        );
        if link.has_mac() {
            assert_eq!(ends.client_mac, Some(MacAddr(PHONE_MAC)), "{:?}", r.obs);
        } else {
            assert_eq!(ends.client_mac, None);
        }
    }
    // The IP-only contact is a flow with its remote address and counts.
    let ip_flows: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Flow(f) if f.ends.server_ip == exp.ip_only => Some(f.clone()),
            _ => None,
        })
        .collect();
    assert!(!ip_flows.is_empty(), "no flow to {}", exp.ip_only);
    let last = ip_flows.last().unwrap();
    assert_eq!(last.transport, Transport::Tcp);
    assert_eq!(last.ends.server_port, Some(8443));
    assert_eq!(last.packets, 5, "SYN, SYN-ACK, ACK, data, ACK");
    // Evidence: the file's SHA-256 in the findings.
    let inputs = json["scan"]["inputs"].as_array().expect("inputs");
    let bytes = std::fs::read(file).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert!(
        inputs.iter().any(|i| i["sha256"] == sha.as_str()),
        "sha256 missing: {inputs:?}"
    );
    recs
}

/// Every link type, IPv4 and IPv6, pcap and pcapng: the same names as tshark.
#[test]
#[ignore = "needs tshark"]
fn every_link_type_gives_the_names_tshark_gives() {
    let d = tmp();
    for (link, v6) in [
        (LinkKind::Ethernet, false),
        (LinkKind::Ethernet, true),
        (LinkKind::Vlan, false),
        (LinkKind::Sll, false),
        (LinkKind::Sll2, true),
        (LinkKind::Raw, false),
        (LinkKind::Raw, true),
    ] {
        let (_, files) = write_both(d.path(), link, v6);
        for f in files {
            let (code, stderr, recs, _) = run_sweep(&f, d.path());
            assert_eq!(code, 0, "{}: {stderr}", f.display());
            assert_eq!(
                name_set(&recs),
                tshark_names(&f),
                "{}: sweep vs tshark",
                f.display()
            );
        }
    }
}

#[test]
fn ethernet_ipv4_pcap_and_pcapng() {
    let d = tmp();
    let (exp, files) = write_both(d.path(), LinkKind::Ethernet, false);
    for f in files {
        check_scenario(&f, LinkKind::Ethernet, &exp, d.path());
    }
}

#[test]
fn ethernet_ipv6() {
    let d = tmp();
    let (exp, files) = write_both(d.path(), LinkKind::Ethernet, true);
    for f in files {
        check_scenario(&f, LinkKind::Ethernet, &exp, d.path());
    }
}

#[test]
fn vlan_tagged_ethernet() {
    let d = tmp();
    let (exp, files) = write_both(d.path(), LinkKind::Vlan, false);
    for f in files {
        check_scenario(&f, LinkKind::Vlan, &exp, d.path());
    }
}

#[test]
fn linux_cooked_capture_v1() {
    let d = tmp();
    let (exp, files) = write_both(d.path(), LinkKind::Sll, false);
    for f in files {
        check_scenario(&f, LinkKind::Sll, &exp, d.path());
    }
}

#[test]
fn linux_cooked_capture_v2_ipv6() {
    let d = tmp();
    let (exp, files) = write_both(d.path(), LinkKind::Sll2, true);
    for f in files {
        check_scenario(&f, LinkKind::Sll2, &exp, d.path());
    }
}

#[test]
fn raw_ip_as_phone_capture_apps_write() {
    let d = tmp();
    for v6 in [false, true] {
        let (exp, files) = write_both(d.path(), LinkKind::Raw, v6);
        for f in files {
            check_scenario(&f, LinkKind::Raw, &exp, d.path());
        }
    }
}

#[test]
fn look_alikes_are_extracted_verbatim_not_widened() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("x.pcap");
    cap.write_pcap(&f);
    let (_, _, recs, _) = run_sweep(&f, d.path());
    let names = name_set(&recs);
    for n in ["xcopy9.com", "copy9.com.example.net", "notcopy9.com"] {
        assert!(names.contains(n), "{n}");
    }
    assert!(!names.contains("copy9.com"), "a look-alike was shortened");
}

fn offset_of_packet(cap: &Cap, pcap: bool, index: usize) -> u64 {
    if pcap {
        24 + cap.frames[..index]
            .iter()
            .map(|f| 16 + f.len() as u64)
            .sum::<u64>()
    } else {
        // SHB 28 + IDB 20 + 8 (tsresol) + 4 (end of options)
        let mut o = 28 + 32;
        for f in &cap.frames[..index] {
            o += 32 + f.len().div_ceil(4) as u64 * 4;
        }
        o
    }
}

#[test]
fn truncated_capture_names_the_offset_and_keeps_earlier_packets() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    for pcap in [true, false] {
        let f = d.path().join(if pcap { "cut.pcap" } else { "cut.pcapng" });
        if pcap {
            cap.write_pcap(&f);
        } else {
            cap.write_pcapng(&f);
        }
        // Cut in the middle of packet 12 (after the UDP DNS traffic).
        let at = offset_of_packet(&cap, pcap, 12);
        let bytes = std::fs::read(&f).unwrap();
        std::fs::write(&f, &bytes[..at as usize + 20]).unwrap();
        let (code, stderr, recs, _) = run_sweep(&f, d.path());
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("at byte offset {at}")),
            "expected offset {at} in: {stderr}"
        );
        assert!(stderr.contains(&f.display().to_string()), "{stderr}");
        let names = name_set(&recs);
        for n in ["www.example.org", "innocent-cdn.example", "notcopy9.com"] {
            assert!(names.contains(n), "{n} lost: {names:?}");
        }
    }
}

#[test]
fn corrupt_block_length_is_a_clear_error() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("bad.pcapng");
    cap.write_pcapng(&f);
    let mut bytes = std::fs::read(&f).unwrap();
    let at = offset_of_packet(&cap, false, 4) as usize;
    // A block length that is not a multiple of 4.
    bytes[at + 4..at + 8].copy_from_slice(&13u32.to_le_bytes());
    std::fs::write(&f, &bytes).unwrap();
    let (code, stderr, recs, _) = run_sweep(&f, d.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("byte offset {at}")), "{stderr}");
    assert!(name_set(&recs).contains("www.example.org"));
}

/// The parser stops at a damaged block near the start of a capture many chunks long; the
/// evidence checksum still covers the whole file, read once for both.
#[test]
fn checksum_covers_the_whole_file_when_parsing_stops_early() {
    let d = tmp();
    let (mut cap, _) = scenario(LinkKind::Ethernet, false);
    let filler = cap.frames[0].clone();
    while cap.frames.len() < 40_000 {
        cap.frames.push(filler.clone());
    }
    let f = d.path().join("big-bad.pcapng");
    cap.write_pcapng(&f);
    let mut bytes = std::fs::read(&f).unwrap();
    assert!(
        bytes.len() > 4 * sweep::sources::feed::CHUNK,
        "{} bytes",
        bytes.len()
    );
    let at = offset_of_packet(&cap, false, 4) as usize;
    bytes[at + 4..at + 8].copy_from_slice(&13u32.to_le_bytes());
    std::fs::write(&f, &bytes).unwrap();
    let (code, stderr, _, json) = run_sweep(&f, d.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("byte offset {at}")), "{stderr}");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let input = &json["scan"]["inputs"][0];
    assert_eq!(input["sha256"], sha.as_str(), "{input}");
    assert_eq!(input["bytes"], bytes.len() as u64, "{input}");
}

#[test]
fn unsupported_link_type_is_named() {
    let d = tmp();
    let mut cap = Cap::new(LinkKind::Ethernet);
    cap.frames.push(vec![0u8; 40]);
    let f = d.path().join("wifi.pcap");
    cap.write_pcap(&f);
    let mut bytes = std::fs::read(&f).unwrap();
    let lt = if bytes[0] == 0xa1 {
        127u32.to_be_bytes()
    } else {
        127u32.to_le_bytes()
    };
    bytes[20..24].copy_from_slice(&lt);
    std::fs::write(&f, &bytes).unwrap();
    let (code, stderr, _, _) = run_sweep(&f, d.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("link type 127"), "{stderr}");
    assert!(stderr.contains("radiotap"), "{stderr}");
}

#[test]
fn hostile_bytes_never_panic() {
    // Random frames in every link type: sweep must finish (exit 0) without panicking.
    let d = tmp();
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for link in [
        LinkKind::Ethernet,
        LinkKind::Sll,
        LinkKind::Sll2,
        LinkKind::Raw,
    ] {
        let (mut cap, _) = scenario(link, false);
        let n = cap.frames.len();
        for i in 0..n {
            let mut fr = cap.frames[i].clone();
            // Flip bytes in the copy, keep the original too.
            for _ in 0..4 {
                let k = (next() as usize) % fr.len();
                fr[k] = next() as u8;
            }
            let cut = (next() as usize) % fr.len();
            cap.frames.push(fr[..cut].to_vec());
            cap.frames.push(fr);
        }
        let f = d.path().join(format!("fuzz-{link:?}.pcap"));
        cap.write_pcap(&f);
        let (code, stderr, recs, _) = run_sweep(&f, d.path());
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(name_set(&recs).contains("www.example.org"));
    }
}

#[test]
fn summary_gives_capture_guidance() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("g.pcap");
    cap.write_pcap(&f);
    let (_, stderr, _, _) = run_sweep(&f, d.path());
    assert!(stderr.contains("airplane mode"), "{stderr}");
    assert!(stderr.contains("No match does not mean"), "{stderr}");
}

#[test]
fn dns_answers_carry_addresses() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("a.pcap");
    cap.write_pcap(&f);
    let (_, _, recs, _) = run_sweep(&f, d.path());
    let want: IpAddr = "198.51.100.7".parse().unwrap();
    let resp = recs
        .iter()
        .find_map(|r| match &r.obs {
            Observation::Dns(d) if d.response && d.names[0] == "innocent-cdn.example" => {
                Some(d.clone())
            }
            _ => None,
        })
        .expect("response");
    assert_eq!(resp.answers, vec![want]);
    assert_eq!(
        resp.names,
        vec![
            "innocent-cdn.example",
            "edge.innocent-cdn.example",
            "api.copy9.com"
        ]
    );
    assert_eq!(resp.transport, Some(Transport::Udp));
    assert!(resp.offset.is_some());
}

/// A CNAME chain ending at a listed name (`copy9.com` is on Echap's list) is a finding; look-alikes are not.
#[test]
fn capture_cname_to_listed_name_is_a_finding() {
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("cname.pcap");
    cap.write_pcap(&f);
    let (code, stderr, _, json) = run_sweep(&f, d.path());
    assert_eq!(code, 0, "{stderr}");
    let findings = json["findings"].as_array().expect("findings");
    let stalker: Vec<_> = findings
        .iter()
        .filter(|f| f["category"] == "stalkerware")
        .collect();
    assert!(
        stalker
            .iter()
            .any(|f| f.to_string().contains("api.copy9.com")),
        "no finding for the CNAME to api.copy9.com: {findings:#?}"
    );
    // Look-alikes are not findings.
    for f in &stalker {
        let s = f.to_string();
        assert!(!s.contains("xcopy9.com"), "{s}");
        assert!(!s.contains("notcopy9.com"), "{s}");
        assert!(!s.contains("copy9.com.example.net"), "{s}");
    }
}

#[test]
fn byte_orders_and_timestamp_resolutions_give_the_packet_times() {
    use pcap_file::{Endianness, TsResolution};
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let start = chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap();
    let mut files = Vec::new();
    for (e, r) in [
        (Endianness::Little, TsResolution::MicroSecond),
        (Endianness::Big, TsResolution::NanoSecond),
        (Endianness::Little, TsResolution::NanoSecond),
    ] {
        let f = d.path().join(format!("{e:?}-{r:?}.pcap"));
        cap.write_pcap_with(&f, e, r);
        files.push(f);
    }
    for e in [Endianness::Big, Endianness::Little] {
        let f = d.path().join(format!("{e:?}.pcapng"));
        cap.write_pcapng_with(&f, e);
        files.push(f);
    }
    for f in files {
        let (code, stderr, recs, _) = run_sweep(&f, d.path());
        assert_eq!(code, 0, "{}: {stderr}", f.display());
        // The first DNS query is packet 0, its answer packet 1 (1 ms apart).
        let dns: Vec<_> = recs
            .iter()
            .filter(|r| matches!(r.obs, Observation::Dns(_)))
            .collect();
        assert_eq!(dns[0].t, start, "{}", f.display());
        assert_eq!(
            dns[1].t,
            start + chrono::Duration::milliseconds(1),
            "{}",
            f.display()
        );
        assert!(name_set(&recs).contains("split.example.com"));
    }
}

#[test]
fn pcapng_with_an_unsupported_interface_reads_the_others() {
    use pcap_file::DataLink;
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    use std::borrow::Cow;
    let d = tmp();
    let (cap, _) = scenario(LinkKind::Ethernet, false);
    let f = d.path().join("multi.pcapng");
    let mut w = PcapNgWriter::new(std::fs::File::create(&f).unwrap()).unwrap();
    for lt in [DataLink::IEEE802_11_RADIOTAP, DataLink::ETHERNET] {
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: lt,
            snaplen: 0,
            options: vec![],
        })
        .unwrap();
    }
    for fr in &cap.frames {
        for iface in [0, 1] {
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id: iface,
                timestamp: std::time::Duration::from_secs(1),
                original_len: fr.len() as u32,
                data: Cow::Borrowed(fr),
                options: vec![],
            })
            .unwrap();
        }
    }
    drop(w);
    let (code, stderr, recs, _) = run_sweep(&f, d.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(name_set(&recs).contains("split.example.com"));
}
