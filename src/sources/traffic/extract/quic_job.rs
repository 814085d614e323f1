//! QUIC hand-off: datagrams queued for a worker thread in a [`QuicJob`] (or decrypted here
//! inline), and the record each ClientHello gives, in its place in the output.

use std::net::SocketAddr;

use crate::observation::{Endpoints, MacAddr, Observation, QuicObs, Record, Timestamp};
use crate::sources::traffic::quic::{QuicHello, QuicTracker};

use super::{Extractor, Pkt};

/// Most bytes of QUIC datagrams queued in one [`QuicJob`].
pub const JOB_BYTES: usize = 1024 * 1024;

/// A QUIC datagram queued for a worker: where its observation goes in the output.
#[derive(Debug)]
pub(super) struct PendingQuic {
    pub(super) at: usize,
    pub(super) client: SocketAddr,
    pub(super) client_mac: Option<MacAddr>,
    pub(super) server: SocketAddr,
    pub(super) t: Timestamp,
    pub(super) offset: u64,
    pub(super) bytes: std::ops::Range<usize>,
}

/// A stretch of an offloading [`Extractor`]'s output: its observations, and the QUIC
/// datagrams among them still to decrypt. Decrypting costs microseconds per connection
/// (key derivation, AES-GCM), the rest of a packet tens of nanoseconds, so a capture
/// source hands these to a worker thread and goes on reading.
#[derive(Debug, Default)]
pub struct QuicJob {
    pub(super) records: Vec<Record>,
    pub(super) pending: Vec<PendingQuic>,
    pub(super) bytes: Vec<u8>,
}

impl QuicJob {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.pending.is_empty()
    }

    /// Decrypt the queued datagrams with `tracker` (jobs must come in the order they were
    /// taken) and put each ClientHello's observation where the extractor would have put
    /// it inline: the same records in the same order.
    pub fn resolve(self, tracker: &mut QuicTracker) -> Vec<Record> {
        if self.pending.is_empty() {
            return self.records;
        }
        let mut out = Vec::with_capacity(self.records.len() + self.pending.len());
        let mut pending = self.pending.into_iter().peekable();
        for (i, rec) in self.records.into_iter().enumerate() {
            while let Some(p) = pending.next_if(|p| p.at <= i) {
                out.extend(resolve_one(tracker, &self.bytes, p));
            }
            out.push(rec);
        }
        for p in pending {
            out.extend(resolve_one(tracker, &self.bytes, p));
        }
        out
    }
}

pub(super) fn resolve_one(
    tracker: &mut QuicTracker,
    bytes: &[u8],
    p: PendingQuic,
) -> Option<Record> {
    let hello = tracker.on_datagram(p.client, p.server, bytes.get(p.bytes)?)?;
    Some(quic_record(
        p.client,
        p.client_mac,
        p.server,
        hello,
        p.t,
        p.offset,
    ))
}

pub(super) fn quic_record(
    client: SocketAddr,
    client_mac: Option<MacAddr>,
    server: SocketAddr,
    hello: QuicHello,
    t: Timestamp,
    offset: u64,
) -> Record {
    Record::new(
        t,
        Observation::Quic(QuicObs {
            ends: Endpoints {
                client_ip: client.ip(),
                client_mac,
                server_ip: server.ip(),
                server_port: Some(server.port()),
            },
            version: hello.version,
            // Cleaned of control characters by the ClientHello parser.
            sni: hello.sni,
            ech: hello.ech,
            alpn: hello.alpn,
            offset: Some(offset),
        }),
    )
}

impl Extractor {
    pub(super) fn quic_datagram(&mut self, p: &Pkt, payload: &[u8]) {
        let (h, sp, dp, t, offset) = (p, p.sp, p.dp, p.t, p.offset);
        if !QuicTracker::wants(payload) {
            return;
        }
        let client = SocketAddr::new(h.src, sp);
        let server = SocketAddr::new(h.dst, dp);
        if self.offload {
            let start = self.pending_bytes.len();
            self.pending_bytes.extend_from_slice(payload);
            self.pending.push(PendingQuic {
                at: self.out.len(),
                client,
                client_mac: h.src_mac,
                server,
                t,
                offset,
                bytes: start..self.pending_bytes.len(),
            });
            return;
        }
        let Some(hello) = self.quic.on_datagram(client, server, payload) else {
            return;
        };
        self.stats.quic += 1;
        self.out
            .push(quic_record(client, h.src_mac, server, hello, t, offset));
    }
}
