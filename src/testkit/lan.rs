//! Local-network frames for tests: ARP requests and replies and DHCP requests in Ethernet
//! frames, as the LAN source reads them from its raw socket.

/// The Ethernet broadcast address.
pub const BROADCAST: [u8; 6] = [0xff; 6];

/// An ARP packet for Ethernet and IPv4 (`op` 1: request, 2: reply), without its frame.
pub fn arp_packet(
    op: u16,
    sender_mac: [u8; 6],
    sender_ip: [u8; 4],
    target_mac: [u8; 6],
    target_ip: [u8; 4],
) -> Vec<u8> {
    let mut b = Vec::with_capacity(28);
    b.extend_from_slice(&[0, 1, 8, 0, 6, 4]);
    b.extend_from_slice(&op.to_be_bytes());
    b.extend_from_slice(&sender_mac);
    b.extend_from_slice(&sender_ip);
    b.extend_from_slice(&target_mac);
    b.extend_from_slice(&target_ip);
    b
}

/// An Ethernet frame carrying an ARP packet (`op` 1: request, to everyone; 2: reply).
pub fn arp_frame(
    op: u16,
    sender_mac: [u8; 6],
    sender_ip: [u8; 4],
    target_mac: [u8; 6],
    target_ip: [u8; 4],
) -> Vec<u8> {
    let dst = if op == 1 { BROADCAST } else { target_mac };
    let mut f = Vec::with_capacity(42);
    super::capture::eth_header(&mut f, sender_mac, dst, 0x0806);
    f.extend_from_slice(&arp_packet(
        op, sender_mac, sender_ip, target_mac, target_ip,
    ));
    f
}

/// The ARP request in `frame` (Ethernet): who asks, from which address, for which address.
pub fn arp_request_of(frame: &[u8]) -> Option<([u8; 6], [u8; 4], [u8; 4])> {
    if frame.len() < 42 || frame[12..14] != [0x08, 0x06] || frame[20..22] != [0, 1] {
        return None;
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&frame[22..28]);
    let mut from = [0u8; 4];
    from.copy_from_slice(&frame[28..32]);
    let mut target = [0u8; 4];
    target.copy_from_slice(&frame[38..42]);
    Some((mac, from, target))
}

/// A DHCP request's payload (BOOTP with the DHCP options) from `mac` asking for `ip`,
/// with its host name (option 12) and vendor class (option 60).
pub fn dhcp_request(mac: [u8; 6], ip: [u8; 4], hostname: &str, vendor: &str) -> Vec<u8> {
    let mut p = vec![0u8; 240];
    p[0] = 1;
    p[1] = 1;
    p[2] = 6;
    p[4..8].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    p[28..34].copy_from_slice(&mac);
    p[236..240].copy_from_slice(&[99, 130, 83, 99]);
    p.extend_from_slice(&[53, 1, 3, 50, 4]);
    p.extend_from_slice(&ip);
    for (code, v) in [(12u8, hostname), (60, vendor)] {
        let v = &v.as_bytes()[..v.len().min(255)];
        p.extend_from_slice(&[code, v.len() as u8]);
        p.extend_from_slice(v);
    }
    p.push(255);
    p
}

/// [`dhcp_request`] broadcast from the client port 68 to the server port 67, in its frame.
pub fn dhcp_request_frame(mac: [u8; 6], ip: [u8; 4], hostname: &str, vendor: &str) -> Vec<u8> {
    let mut cap = super::capture::Cap::new(super::capture::LinkKind::Ethernet);
    cap.udp_eth(
        mac,
        BROADCAST,
        [0, 0, 0, 0],
        [255, 255, 255, 255],
        68,
        67,
        &dhcp_request(mac, ip, hostname, vendor),
    );
    cap.frames.remove(0)
}

/// A made-up network interface `name` with MAC `mac` and, if given, an IPv4 address and
/// prefix, as pnet lists the machine's interfaces.
pub fn interface(
    name: &str,
    mac: [u8; 6],
    net: Option<([u8; 4], u8)>,
) -> pnet::datalink::NetworkInterface {
    use pnet::ipnetwork::{IpNetwork, Ipv4Network};
    pnet::datalink::NetworkInterface {
        name: name.into(),
        description: String::new(),
        index: 2,
        mac: Some(mac.into()),
        ips: net
            .map(|(ip, prefix)| {
                IpNetwork::V4(Ipv4Network::new(ip.into(), prefix).expect("network"))
            })
            .into_iter()
            .collect(),
        flags: 0,
    }
}
