//! What one QUIC connection's first packet costs sweep, on its own:
//! `cargo run --release --example bench_quic_initials [CONNECTIONS]` (default 15,000).
//!
//! Builds one client Initial per connection (distinct connection IDs, a ClientHello naming
//! `q<N>.example.net`, as `examples/gen_quic.rs` writes them), then times
//! `QuicTracker::on_datagram` over all of them: Initial key derivation (HKDF), header
//! protection, AES-128-GCM authentication and decryption, and reading the ClientHello.

use std::net::SocketAddr;
use std::time::Instant;

use sweep::sources::traffic::quic::{QuicTracker, V1};
use sweep::testkit::quic::{build_client_initial, client_hello_message, crypto_frame};

fn main() -> Result<(), String> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|s| s.parse().map_err(|e| format!("connections: {e}")))
        .transpose()?
        .unwrap_or(15_000);
    let server: SocketAddr = "142.250.74.35:443".parse().map_err(|e| format!("{e}"))?;
    let mut datagrams = Vec::new();
    for c in 0..n {
        let dcid = c.to_be_bytes().repeat(2);
        let msg = client_hello_message(&format!("q{c}.example.net"), 300);
        let pkt = build_client_initial(V1, &dcid, 0, &crypto_frame(0, &msg))
            .ok_or("could not build an Initial")?;
        let client = SocketAddr::from(([192, 168, 1, 23], 20_000 + (c % 40_000) as u16));
        datagrams.push((client, pkt));
    }
    let mut tracker = QuicTracker::new();
    let start = Instant::now();
    let mut names = 0u32;
    for (client, pkt) in &datagrams {
        if tracker
            .on_datagram(*client, server, pkt)
            .is_some_and(|h| h.sni.is_some())
        {
            names += 1;
        }
    }
    let t = start.elapsed();
    println!(
        "{n} Initials in {:.1} ms: {:.2} µs per connection, {names} server names",
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e6 / f64::from(n.max(1))
    );
    if names != n {
        return Err(format!("only {names} of {n} server names were read"));
    }
    Ok(())
}
