//! QUIC client Initial packets built from scratch: the inverse of what
//! `sources::traffic::quic::QuicTracker` reads.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes_gcm::Aes128Gcm;
use aes_gcm::Nonce;
use aes_gcm::aead::{Aead, Payload};

use crate::sources::traffic::quic::{V2, client_initial_keys};

/// Build one protected client Initial packet carrying `frames` (for tests and benchmarks:
/// the inverse of what `QuicTracker` reads). Packet number length 2; padded for the sample.
pub fn build_client_initial(version: u32, dcid: &[u8], pn: u16, frames: &[u8]) -> Option<Vec<u8>> {
    let keys = client_initial_keys(version, dcid)?;
    let ty = if version == V2 { 1u8 } else { 0 };
    let mut payload = frames.to_vec();
    while payload.len() < 40 {
        payload.push(0);
    }
    let mut h = vec![0xc0 | (ty << 4) | 0x01];
    h.extend_from_slice(&version.to_be_bytes());
    h.push(u8::try_from(dcid.len()).ok()?);
    h.extend_from_slice(dcid);
    h.extend_from_slice(&[4, 9, 9, 9, 9, 0]); // source connection id, empty token
    let len = u16::try_from(2 + payload.len() + 16)
        .ok()
        .filter(|l| *l < 0x4000)?;
    h.extend_from_slice(&(0x4000 | len).to_be_bytes());
    let pn_offset = h.len();
    h.extend_from_slice(&pn.to_be_bytes());
    let mut nonce = keys.iv;
    for (i, x) in u64::from(pn).to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= x;
    }
    let ct = Aes128Gcm::new(&keys.key.into())
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &payload,
                aad: &h,
            },
        )
        .ok()?;
    let mut pkt = h;
    pkt.extend_from_slice(&ct);
    let sample: [u8; 16] = pkt.get(pn_offset + 4..pn_offset + 20)?.try_into().ok()?;
    let mut mask = sample.into();
    aes::Aes128::new(&keys.hp.into()).encrypt_block(&mut mask);
    pkt[0] ^= mask[0] & 0x0f;
    pkt[pn_offset] ^= mask[1];
    pkt[pn_offset + 1] ^= mask[2];
    Some(pkt)
}

/// A ClientHello handshake message naming `sni`, offering h3, with `pad` bytes of padding
/// extension (for tests and benchmarks; `pad` 1,500 makes it span two Initials).
pub fn client_hello_message(sni: &str, pad: usize) -> Vec<u8> {
    let mut ext = Vec::new();
    let name = sni.as_bytes();
    let mut sni_body = Vec::new();
    sni_body.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    sni_body.push(0);
    sni_body.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni_body.extend_from_slice(name);
    for (ty, body) in [
        (0u16, sni_body),
        (0x10, vec![0, 3, 2, b'h', b'3']),
        (0x15, vec![0u8; pad]),
    ] {
        ext.extend_from_slice(&ty.to_be_bytes());
        ext.extend_from_slice(&(body.len() as u16).to_be_bytes());
        ext.extend_from_slice(&body);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7u8; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
    msg.extend_from_slice(&body);
    msg
}

/// A CRYPTO frame (4-byte offset and 2-byte length varints).
pub fn crypto_frame(offset: u32, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0x06];
    f.extend_from_slice(&(0x8000_0000u32 | offset).to_be_bytes());
    f.extend_from_slice(&(0x4000u16 | (data.len() as u16 & 0x3fff)).to_be_bytes());
    f.extend_from_slice(data);
    f
}
