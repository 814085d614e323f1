//! Flows (client, remote address, port, transport) with their counters, connections, and
//! which side of a connection is the client (the phone).

use std::net::{IpAddr, SocketAddr};

use crate::observation::{Endpoints, FlowObs, Observation, Record, Timestamp, Transport};

use super::{Extractor, Pkt};

/// Normalised 5-tuple of a connection (lower endpoint first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ConnKey {
    pub(super) a: SocketAddr,
    pub(super) b: SocketAddr,
    pub(super) tcp: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Conn {
    /// `a` of the key is the client.
    pub(super) a_is_client: bool,
    pub(super) flow: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    pub(super) client: IpAddr,
    pub(super) server: IpAddr,
    pub(super) port: u16,
    pub(super) tcp: bool,
}

#[derive(Debug)]
pub(super) struct FlowAgg {
    pub(super) ends: Endpoints,
    pub(super) transport: Transport,
    pub(super) packets: u64,
    pub(super) bytes: u64,
    pub(super) dirty: bool,
    pub(super) last: Timestamp,
}

pub(super) const MAX_CONNS: usize = 1 << 20;
/// Most flows (client, server, port) counted at once: far more than a phone makes in a
/// check. Beyond it the counts so far are sent and the table starts again.
pub const MAX_FLOWS: usize = 1 << 16;
/// Flows whose counters changed are re-emitted this often (capture time).
pub(super) const FLOW_FLUSH_SECS: i64 = 60;

impl Extractor {
    /// Emit the counters of every flow that changed since its last emission.
    pub fn flush_flows(&mut self) {
        for f in self.flows.iter_mut().filter(|f| f.dirty) {
            f.dirty = false;
            self.out.push(Record::new(
                f.last,
                Observation::Flow(FlowObs {
                    ends: f.ends.clone(),
                    transport: f.transport,
                    packets: f.packets,
                    bytes: f.bytes,
                }),
            ));
        }
    }

    pub(super) fn count_flow(&mut self, p: &Pkt, tcp: bool, syn_only: bool, len: u64) {
        let (h, sp, dp, t) = (p, p.sp, p.dp, p.t);
        let s = SocketAddr::new(h.src, sp);
        let d = SocketAddr::new(h.dst, dp);
        let src_is_a = (h.src, sp) <= (h.dst, dp);
        let key = if src_is_a {
            ConnKey { a: s, b: d, tcp }
        } else {
            ConnKey { a: d, b: s, tcp }
        };
        let known = match &self.last_conn {
            Some((k, c)) if *k == key => Some(*c),
            _ => self.conns.get(&key).copied(),
        };
        if let Some(c) = known {
            self.last_conn = Some((key, c));
            let f = &mut self.flows[c.flow];
            f.packets += 1;
            f.bytes += len;
            f.dirty = true;
            f.last = t;
            if f.ends.client_mac.is_none() {
                f.ends.client_mac = if c.a_is_client == src_is_a {
                    h.src_mac
                } else {
                    h.dst_mac
                };
            }
            return;
        }
        let src_client = src_is_client(h.src, h.dst, sp, dp, tcp.then_some(syn_only));
        let (client, client_mac, server, port) = if src_client {
            (h.src, h.src_mac, h.dst, dp)
        } else {
            (h.dst, h.dst_mac, h.src, sp)
        };
        let fk = FlowKey {
            client,
            server,
            port,
            tcp,
        };
        let flow = match self.flow_index.get(&fk) {
            Some(&i) => {
                let f = &mut self.flows[i];
                f.packets += 1;
                f.bytes += len;
                f.dirty = true;
                f.last = t;
                i
            }
            None => {
                if self.flows.len() >= MAX_FLOWS {
                    self.forget_flows();
                }
                let ends = Endpoints {
                    client_ip: client,
                    client_mac,
                    server_ip: server,
                    server_port: Some(port),
                };
                let transport = if tcp { Transport::Tcp } else { Transport::Udp };
                self.out.push(Record::new(
                    t,
                    Observation::Flow(FlowObs {
                        ends: ends.clone(),
                        transport,
                        packets: 1,
                        bytes: len,
                    }),
                ));
                self.stats.flows += 1;
                self.flows.push(FlowAgg {
                    ends,
                    transport,
                    packets: 1,
                    bytes: len,
                    dirty: false,
                    last: t,
                });
                self.flow_index.insert(fk, self.flows.len() - 1);
                self.flows.len() - 1
            }
        };
        if self.conns.len() >= MAX_CONNS {
            // Bounded memory: forget connections (flows are kept; a later packet of a
            // forgotten connection joins its flow again by the same rules).
            self.conns.clear();
        }
        let conn = Conn {
            a_is_client: src_client == src_is_a,
            flow,
        };
        self.conns.insert(key, conn);
        self.last_conn = Some((key, conn));
    }

    /// Bounded memory: send the counts of changed flows, then forget every flow and
    /// connection (a later packet starts its flow again, as a new contact).
    pub(super) fn forget_flows(&mut self) {
        self.flush_flows();
        self.stats.flows_forgotten += self.flows.len() as u64;
        self.flows.clear();
        self.flow_index.clear();
        self.conns.clear();
        self.last_conn = None;
    }
}

pub(super) fn is_multicast(ip: IpAddr) -> bool {
    ip.is_multicast()
        || match ip {
            IpAddr::V4(v) => v.is_broadcast(),
            IpAddr::V6(_) => false,
        }
}

/// Private, link-local, loopback, carrier-grade NAT or unique-local: the hotspot side.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_link_local()
                || v.is_loopback()
                || v.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xC0) == 64)
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            v.is_loopback()
                || v.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Which side of a new connection is the client (the phone)?
/// 1. the local side when only one side is local (multicast counts as remote);
/// 2. for TCP, who sent the SYN;
/// 3. the side with the higher (ephemeral) port.
pub(super) fn src_is_client(
    src: IpAddr,
    dst: IpAddr,
    sp: u16,
    dp: u16,
    tcp_syn_only: Option<bool>,
) -> bool {
    let (ls, ld) = (is_local(src), is_local(dst) && !is_multicast(dst));
    if ls != ld {
        return ls;
    }
    if is_multicast(dst) {
        return true;
    }
    if let Some(syn) = tcp_syn_only
        && syn
    {
        return true;
    }
    if sp != dp {
        return sp > dp;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::traffic::extract::Link;

    /// More distinct flows than the cap: memory stays bounded, what is forgotten is
    /// counted, and every flow still reaches the engine at least once.
    #[test]
    fn flows_are_capped_and_none_is_lost() {
        let mut ex = Extractor::new();
        let t = chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap_or_default();
        let n = MAX_FLOWS + 100;
        for i in 0..n {
            let mut frame = Vec::new();
            etherparse::PacketBuilder::ipv4(
                [10, 42, 0, 20],
                [198, 51, (i >> 8) as u8, i as u8],
                64,
            )
            .udp(40000, 1 + (i % 50_000) as u16)
            .write(&mut frame, b"x")
            .expect("udp");
            ex.packet(Link::RawIp, t, 0, &frame);
            assert!(ex.flows.len() <= MAX_FLOWS);
        }
        ex.finish();
        assert_eq!(ex.stats.flows_forgotten, MAX_FLOWS as u64);
        let seen: std::collections::HashSet<(IpAddr, Option<u16>)> = ex
            .out
            .iter()
            .filter_map(|r| match &r.obs {
                Observation::Flow(f) => Some((f.ends.server_ip, f.ends.server_port)),
                _ => None,
            })
            .collect();
        assert_eq!(seen.len(), n);
    }

    #[test]
    fn client_side_rules() {
        let phone: IpAddr = "192.168.12.34".parse().expect("ip");
        let remote: IpAddr = "93.184.216.34".parse().expect("ip");
        assert!(src_is_client(phone, remote, 443, 51000, None));
        assert!(!src_is_client(remote, phone, 51000, 443, None));
        let gw: IpAddr = "192.168.12.1".parse().expect("ip");
        assert!(src_is_client(phone, gw, 40000, 53, None));
        assert!(!src_is_client(gw, phone, 53, 40000, None));
    }
}
