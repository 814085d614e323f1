//! The link layer: which link types are read, and what a frame carries above its link
//! header (Ethernet with VLAN tags, Linux cooked capture v1/v2, raw IP, BSD loopback) down
//! to etherparse's lax IP and UDP/TCP slices.

use etherparse::{
    EtherType, IpNumber, LaxIpSlice, LaxNetSlice, TcpSlice, TransportSlice, UdpSlice,
};

use crate::observation::MacAddr;

/// Link types sweep reads (pcap `LINKTYPE_*` numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// LINKTYPE_ETHERNET (1), with 802.1Q / QinQ VLAN tags.
    Ethernet,
    /// LINKTYPE_LINUX_SLL (113): `tcpdump -i any`.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276): newer `tcpdump -i any`.
    LinuxSll2,
    /// LINKTYPE_RAW (101, also 12 and 14), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229):
    /// what phone-side capture apps write.
    RawIp,
    /// LINKTYPE_NULL (0) and LINKTYPE_LOOP (108): BSD loopback, 4-byte family header.
    Null,
}

impl Link {
    pub fn from_linktype(n: u32) -> Option<Link> {
        match n {
            1 => Some(Link::Ethernet),
            113 => Some(Link::LinuxSll),
            276 => Some(Link::LinuxSll2),
            101 | 12 | 14 | 228 | 229 => Some(Link::RawIp),
            0 | 108 => Some(Link::Null),
            _ => None,
        }
    }
}

/// Plain name of a link type number, for error messages.
pub fn linktype_name(n: u32) -> String {
    let name = match n {
        105 => "IEEE 802.11 Wi-Fi (monitor mode, no radiotap)",
        127 => "IEEE 802.11 with radiotap (monitor mode)",
        163 => "IEEE 802.11 with AVS header",
        192 => "PPI",
        9 => "PPP",
        50 => "PPP in HDLC",
        147..=162 => "user-defined",
        187 | 201 | 249 => "Bluetooth",
        _ => "unknown",
    };
    format!("{n} ({name})")
}

/// What a frame carries above its link layer.
pub(super) enum Above<'a> {
    /// An IP packet.
    Ip(&'a [u8]),
    /// MACsec: left to etherparse's full slicer.
    Macsec(EtherType, &'a [u8]),
    /// ARP: who is on the network.
    Arp(&'a [u8]),
    /// Too short, or a type sweep does not read.
    Undecodable,
}

/// The payload of an Ethernet type, through up to three VLAN tags (802.1Q, 802.1ad, QinQ),
/// as etherparse's lax slicer reads it. Slicing here, then IP and UDP/TCP with etherparse's
/// own lax slices, avoids building and moving its whole-packet struct for every packet.
pub(super) fn above_ether(mut ty: u16, mut rest: &[u8]) -> Above<'_> {
    let mut tags = 0;
    loop {
        match ty {
            0x0800 | 0x86dd => return Above::Ip(rest),
            0x0806 => return Above::Arp(rest),
            0x88e5 => return Above::Macsec(EtherType(ty), rest),
            0x8100 | 0x88a8 | 0x9100 if tags < 3 => {
                let Some(tag) = rest.get(..4) else {
                    return Above::Undecodable;
                };
                ty = u16::from_be_bytes([tag[2], tag[3]]);
                rest = &rest[4..];
                tags += 1;
            }
            _ => return Above::Undecodable,
        }
    }
}

/// IPv4/IPv6 (lax: a packet cut by the snap length still gives its headers), then UDP or
/// TCP unless the payload is a fragment or an extension header could not be read.
pub(super) fn slice_ip(b: &[u8]) -> (Option<LaxNetSlice<'_>>, Option<TransportSlice<'_>>) {
    let Ok((ip, stop)) = LaxIpSlice::from_slice(b) else {
        return (None, None);
    };
    let pl = ip.payload();
    let transport = if stop.is_none() && !pl.fragmented {
        let payload = pl.payload;
        match pl.ip_number {
            IpNumber::UDP => UdpSlice::from_slice_lax(payload)
                .ok()
                .map(TransportSlice::Udp),
            IpNumber::TCP => TcpSlice::from_slice(payload).ok().map(TransportSlice::Tcp),
            _ => None,
        }
    } else {
        None
    };
    (Some(ip.into()), transport)
}

pub(super) fn mac_at(d: &[u8], at: usize) -> Option<MacAddr> {
    let b: [u8; 6] = d.get(at..at + 6)?.try_into().ok()?;
    Some(MacAddr(b))
}
