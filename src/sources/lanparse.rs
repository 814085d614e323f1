//! Who is on the network, from frames heard passively: ARP, DHCP requests, mDNS
//! announcements and SSDP (UPnP) notices. Shared by the live network check
//! ([`crate::sources::lan`], which reads ARP, DHCP and mDNS from its raw socket) and by
//! phone-traffic captures ([`crate::sources::traffic`], which reads all four from any link
//! type it supports), so both feed the same observations to the network-device engine.
//! Every name here comes from the network: untrusted, cleaned for the terminal.

use std::net::{IpAddr, Ipv4Addr};

use pnet::packet::arp::{ArpOperations, ArpPacket};

use crate::observation::{ArpSighting, MacAddr, MdnsService, Observation, SsdpNotice};
use crate::sanitize::clean;

/// The body of an ARP packet (after the link header): who says they have which address.
pub fn arp(body: &[u8]) -> Option<ArpSighting> {
    let arp = ArpPacket::new(body)?;
    // Ethernet / IPv4 only: the fixed-size fields pnet reads.
    if arp.get_hw_addr_len() != 6 || arp.get_proto_addr_len() != 4 {
        return None;
    }
    let ip = arp.get_sender_proto_addr();
    if ip.is_unspecified() {
        return None;
    }
    let via = if arp.get_operation() == ArpOperations::Reply {
        "arp-reply"
    } else {
        "arp-request"
    };
    let m = arp.get_sender_hw_addr();
    Some(ArpSighting {
        mac: MacAddr([m.0, m.1, m.2, m.3, m.4, m.5]),
        ip: IpAddr::V4(ip),
        via: Some(via.into()),
        hostname: None,
        vendor_class: None,
    })
}

/// UDP ports of a DHCP request (client 68 to server 67).
pub fn is_dhcp_request(sp: u16, dp: u16) -> bool {
    sp == 68 && dp == 67
}

/// A DHCP request: the client's MAC, the address it asks for, its host name (option 12)
/// and vendor class (option 60, e.g. `android-dhcp-13`), all untrusted.
pub fn dhcp(p: &[u8], out: &mut Vec<Observation>) {
    if p.len() < 240 || p[236..240] != [99, 130, 83, 99] {
        return;
    }
    let Some(chaddr) = p.get(28..34) else { return };
    let mut m = [0u8; 6];
    m.copy_from_slice(chaddr);
    let mut ip = Ipv4Addr::from([p[12], p[13], p[14], p[15]]);
    let mut hostname = None;
    let mut vendor_class = None;
    let mut at = 240;
    while at + 1 < p.len() {
        let (code, len) = (p[at], usize::from(p[at + 1]));
        if code == 255 {
            break;
        }
        if code == 0 {
            at += 1;
            continue;
        }
        let Some(v) = p.get(at + 2..at + 2 + len) else {
            break;
        };
        match code {
            12 => hostname = Some(clean(&String::from_utf8_lossy(v), 64)),
            60 => vendor_class = Some(clean(&String::from_utf8_lossy(v), 64)),
            50 if len == 4 => ip = Ipv4Addr::from([v[0], v[1], v[2], v[3]]),
            _ => {}
        }
        at += 2 + len;
    }
    if !ip.is_unspecified() {
        out.push(Observation::Arp(ArpSighting {
            mac: MacAddr(m),
            ip: IpAddr::V4(ip),
            via: Some("dhcp".into()),
            hostname,
            vendor_class: vendor_class.filter(|v| !v.is_empty()),
        }));
    }
}

/// An mDNS response heard on the wire (passive): PTR service instances with SRV/TXT.
pub fn mdns_announcement(src: IpAddr, payload: &[u8], out: &mut Vec<Observation>) {
    use simple_dns::rdata::RData;
    let Ok(pkt) = simple_dns::Packet::parse(payload) else {
        return;
    };
    let records: Vec<&simple_dns::ResourceRecord> = pkt
        .answers
        .iter()
        .chain(pkt.additional_records.iter())
        .collect();
    for r in &records {
        let RData::PTR(ptr) = &r.rdata else { continue };
        let ty = r.name.to_string();
        if ty.starts_with("_services._dns-sd") || !(ty.contains("._tcp") || ty.contains("._udp")) {
            continue;
        }
        let instance = ptr.0.to_string();
        let mut svc = MdnsService {
            service_type: format!("{}.", ty.trim_end_matches('.')),
            instance: clean(&instance, 200),
            hostname: None,
            addresses: vec![src],
            port: None,
            txt: Default::default(),
        };
        for x in &records {
            if x.name.to_string() != instance {
                continue;
            }
            match &x.rdata {
                RData::SRV(srv) => {
                    svc.port = Some(srv.port);
                    svc.hostname = Some(clean(&srv.target.to_string(), 200));
                }
                RData::TXT(txt) => {
                    for (k, v) in txt.attributes().into_iter().take(32) {
                        svc.txt
                            .insert(clean(&k, 64), clean(&v.unwrap_or_default(), 200));
                    }
                }
                _ => {}
            }
        }
        out.push(Observation::Mdns(svc));
    }
}

/// The SSDP (UPnP discovery) port.
pub const SSDP_PORT: u16 = 1900;

/// An SSDP notice: a `NOTIFY * HTTP/1.1` with `NTS: ssdp:alive` (sent to 239.255.255.250
/// or ff02::c port 1900), or an answer to a search (`HTTP/1.1 200 OK` from port 1900).
/// Searches (`M-SEARCH`) come from phones and apps looking for devices and are not read;
/// nor is `ssdp:byebye`. Headers are read from the first 4 KiB.
pub fn ssdp(src: IpAddr, src_mac: Option<MacAddr>, payload: &[u8]) -> Option<SsdpNotice> {
    let head = &payload[..payload.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.next()?;
    let notify = first.starts_with("NOTIFY ");
    if !notify && !first.starts_with("HTTP/1.") {
        return None;
    }
    let mut n = SsdpNotice {
        ip: src,
        mac: src_mac,
        target: None,
        server: None,
        usn: None,
        location: None,
    };
    let mut alive = !notify;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "nt" | "st" => n.target = Some(clean(v, 200)),
            "server" => n.server = Some(clean(v, 200)),
            "usn" => n.usn = Some(clean(v, 200)),
            "location" => n.location = Some(clean(v, 200)),
            "nts" => alive = v.eq_ignore_ascii_case("ssdp:alive"),
            _ => {}
        }
    }
    (alive && (n.target.is_some() || n.server.is_some() || n.usn.is_some())).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhcp_request_gives_mac_ip_hostname_and_vendor_class() {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[28..34].copy_from_slice(&[0x5a, 1, 2, 3, 4, 5]);
        p[236..240].copy_from_slice(&[99, 130, 83, 99]);
        p.extend_from_slice(&[53, 1, 3, 50, 4, 192, 168, 1, 23, 12, 5]);
        p.extend_from_slice(b"phone");
        p.extend_from_slice(&[60, 15]);
        p.extend_from_slice(b"android-dhcp-13");
        p.push(255);
        let mut out = Vec::new();
        dhcp(&p, &mut out);
        let Some(Observation::Arp(a)) = out.first() else {
            panic!("{out:?}")
        };
        assert_eq!(a.mac.to_string(), "5A:01:02:03:04:05");
        assert_eq!(a.ip.to_string(), "192.168.1.23");
        assert_eq!(a.hostname.as_deref(), Some("phone"));
        assert_eq!(a.vendor_class.as_deref(), Some("android-dhcp-13"));
        // Truncated or garbage never panics.
        for n in 0..p.len() {
            dhcp(&p[..n], &mut Vec::new());
        }
    }

    #[test]
    fn ssdp_alive_and_search_answers_but_not_searches_or_byebye() {
        let ip: IpAddr = "192.168.1.50".parse().expect("ip");
        let alive = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: urn:schemas-upnp-org:device:MediaRenderer:1\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.9 UPnP/1.0 TV/1.0\r\nUSN: uuid:1234::urn:schemas-upnp-org:device:MediaRenderer:1\r\nLOCATION: http://192.168.1.50:8008/ssdp/device-desc.xml\r\n\r\n";
        let n = ssdp(ip, None, alive).expect("alive");
        assert_eq!(
            n.target.as_deref(),
            Some("urn:schemas-upnp-org:device:MediaRenderer:1")
        );
        assert_eq!(n.server.as_deref(), Some("Linux/4.9 UPnP/1.0 TV/1.0"));
        let answer = b"HTTP/1.1 200 OK\r\nST: urn:dial-multiscreen-org:service:dial:1\r\nUSN: uuid:9::x\r\n\r\n";
        assert!(ssdp(ip, None, answer).is_some());
        let search = b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\nMAN: \"ssdp:discover\"\r\n\r\n";
        assert!(ssdp(ip, None, search).is_none());
        let bye = b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:byebye\r\n\r\n";
        assert!(ssdp(ip, None, bye).is_none());
        for n in 0..alive.len() {
            let _ = ssdp(ip, None, &alive[..n]);
        }
    }

    #[test]
    fn arp_reply_and_short_bodies() {
        let mut b = vec![0, 1, 8, 0, 6, 4, 0, 2];
        b.extend_from_slice(&[0x44, 0x19, 0xb6, 1, 2, 3, 192, 168, 1, 64]);
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(&[192, 168, 1, 1]);
        let a = arp(&b).expect("arp");
        assert_eq!(a.ip.to_string(), "192.168.1.64");
        assert_eq!(a.via.as_deref(), Some("arp-reply"));
        for n in 0..b.len() {
            assert!(arp(&b[..n]).is_none());
        }
    }
}
