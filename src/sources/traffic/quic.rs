//! QUIC Initial decryption (RFC 9001 §5, RFC 9369): SNI from the client's Initial packets.
//!
//! Interface stub on the `pcap` branch; the `quic` branch provides the implementation
//! behind exactly this interface.

use std::net::SocketAddr;

/// What a decrypted client Initial told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuicHello {
    pub version: u32,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub ech: bool,
}

/// Follows QUIC connections across datagrams until their ClientHello is complete.
#[derive(Debug, Default)]
pub struct QuicTracker {}

impl QuicTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// One UDP datagram whose first byte has the long-header bits set
    /// (`payload[0] & 0xC0 == 0xC0`), from `client` to `server`.
    pub fn on_datagram(
        &mut self,
        _client: SocketAddr,
        _server: SocketAddr,
        _payload: &[u8],
    ) -> Option<QuicHello> {
        None
    }
}
