//! QUIC Initial decryption (RFC 9001 §5, RFC 9369 for v2): the server name from a
//! client's Initial packets. Initial keys are derived from the client's first
//! Destination Connection ID and are public by design; nothing else is decrypted.
//!
//! Crypto: RustCrypto's `hkdf` + `sha2` (HKDF-Extract/Expand), `aes` (header protection,
//! one AES-ECB block) and `aes-gcm` (AEAD): maintained, pure Rust, constant-time, and no
//! `unsafe` in this crate.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;

use aes::cipher::{BlockEncrypt, KeyInit, generic_array::GenericArray};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;

pub const V1: u32 = 0x0000_0001;
pub const V2: u32 = 0x6b33_43cf;
const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
    0xf9, 0xbd, 0x2e, 0xd9,
];

/// Most connections followed at once; the oldest are forgotten beyond it.
pub const MAX_CONNECTIONS: usize = 4_096;
/// Most CRYPTO bytes kept per connection while waiting for the ClientHello.
pub const MAX_CRYPTO: usize = 64 * 1024;

/// What a decrypted client Initial told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuicHello {
    pub version: u32,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub ech: bool,
}

/// The client's Initial keys for one connection.
#[derive(Clone)]
pub struct InitialKeys {
    pub key: [u8; 16],
    pub iv: [u8; 12],
    pub hp: [u8; 16],
}

fn expand_label(secret: &[u8], label: &str, len: usize) -> Option<Vec<u8>> {
    let hk = Hkdf::<Sha256>::from_prk(secret).ok()?;
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0u8; len];
    hk.expand(&info, &mut out).ok()?;
    Some(out)
}

/// Derive the client Initial keys from the Destination Connection ID (RFC 9001 §5.2).
pub fn client_initial_keys(version: u32, dcid: &[u8]) -> Option<InitialKeys> {
    let (salt, key_l, iv_l, hp_l) = match version {
        V1 => (&SALT_V1, "quic key", "quic iv", "quic hp"),
        V2 => (&SALT_V2, "quicv2 key", "quicv2 iv", "quicv2 hp"),
        _ => return None,
    };
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), dcid);
    let client = expand_label(&prk, "client in", 32)?;
    let mut k = InitialKeys {
        key: [0; 16],
        iv: [0; 12],
        hp: [0; 16],
    };
    k.key.copy_from_slice(&expand_label(&client, key_l, 16)?);
    k.iv.copy_from_slice(&expand_label(&client, iv_l, 12)?);
    k.hp.copy_from_slice(&expand_label(&client, hp_l, 16)?);
    Some(k)
}

/// QUIC variable-length integer.
fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let first = *b.get(*at)?;
    let len = 1usize << (first >> 6);
    let bytes = b.get(*at..*at + len)?;
    let mut v = u64::from(first & 0x3f);
    for x in &bytes[1..] {
        v = (v << 8) | u64::from(*x);
    }
    *at += len;
    Some(v)
}

/// One long-header packet, parsed up to the protected packet number.
struct LongPacket<'a> {
    version: u32,
    initial: bool,
    dcid: &'a [u8],
    /// The whole packet (header + protected payload).
    bytes: &'a [u8],
    pn_offset: usize,
}

/// Split a datagram into its coalesced long-header packets (stops at a short header).
fn packets(d: &[u8]) -> Vec<LongPacket<'_>> {
    let mut out = Vec::new();
    let mut rest = d;
    while rest.len() > 7 && rest[0] & 0x80 != 0 {
        let Some(p) = parse_long(rest) else { break };
        let end = p.1;
        out.push(p.0);
        rest = &rest[end..];
    }
    out
}

fn parse_long(b: &[u8]) -> Option<(LongPacket<'_>, usize)> {
    let version = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?);
    let mut at = 5;
    let dl = usize::from(*b.get(at)?);
    at += 1;
    let dcid = b.get(at..at + dl)?;
    at += dl;
    let sl = usize::from(*b.get(at)?);
    at += 1 + sl;
    let ty = (b[0] >> 4) & 3;
    let initial = match version {
        V1 => ty == 0,
        V2 => ty == 1,
        _ => return None,
    };
    if initial {
        let token = varint(b, &mut at)? as usize;
        at = at.checked_add(token)?;
    } else if (version == V1 && ty == 3) || (version == V2 && ty == 0) {
        // Retry: no length field; it is the rest of the datagram.
        return Some((
            LongPacket {
                version,
                initial: false,
                dcid,
                bytes: b,
                pn_offset: b.len(),
            },
            b.len(),
        ));
    }
    let len = varint(b, &mut at)? as usize;
    let end = at.checked_add(len)?;
    if end > b.len() {
        return None;
    }
    Some((
        LongPacket {
            version,
            initial,
            dcid,
            bytes: &b[..end],
            pn_offset: at,
        },
        end,
    ))
}

/// Remove header protection and decrypt one Initial packet's payload.
fn decrypt(p: &LongPacket<'_>, keys: &InitialKeys) -> Option<Vec<u8>> {
    let b = p.bytes;
    let sample = b.get(p.pn_offset + 4..p.pn_offset + 20)?;
    let hp = aes::Aes128::new(GenericArray::from_slice(&keys.hp));
    let mut mask = GenericArray::clone_from_slice(sample);
    hp.encrypt_block(&mut mask);
    let first = b[0] ^ (mask[0] & 0x0f);
    let pn_len = usize::from(first & 3) + 1;
    let mut header = b.get(..p.pn_offset + pn_len)?.to_vec();
    header[0] = first;
    let mut pn: u64 = 0;
    for i in 0..pn_len {
        header[p.pn_offset + i] ^= mask[1 + i];
        pn = (pn << 8) | u64::from(header[p.pn_offset + i]);
    }
    let mut nonce = keys.iv;
    for (i, x) in pn.to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= x;
    }
    let cipher = Aes128Gcm::new(GenericArray::from_slice(&keys.key));
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: b.get(p.pn_offset + pn_len..)?,
                aad: &header,
            },
        )
        .ok()
}

/// CRYPTO frames of a decrypted Initial payload: (offset, data).
fn crypto_frames(payload: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < payload.len() {
        let Some(ty) = varint(payload, &mut at) else {
            break;
        };
        match ty {
            0x00 | 0x01 => {}
            0x02 | 0x03 => {
                let ok = (|| {
                    varint(payload, &mut at)?;
                    varint(payload, &mut at)?;
                    let ranges = varint(payload, &mut at)?;
                    varint(payload, &mut at)?;
                    for _ in 0..ranges.min(1024) {
                        varint(payload, &mut at)?;
                        varint(payload, &mut at)?;
                    }
                    if ty == 0x03 {
                        for _ in 0..3 {
                            varint(payload, &mut at)?;
                        }
                    }
                    Some(())
                })();
                if ok.is_none() {
                    break;
                }
            }
            0x06 => {
                let (Some(off), Some(len)) = (varint(payload, &mut at), varint(payload, &mut at))
                else {
                    break;
                };
                let Some(data) = usize::try_from(len)
                    .ok()
                    .and_then(|l| payload.get(at..at.checked_add(l)?))
                else {
                    break;
                };
                at += data.len();
                out.push((off, data));
            }
            0x1c | 0x1d => break,
            _ => break,
        }
    }
    out
}

struct Conn {
    version: u32,
    keys: InitialKeys,
    crypto: BTreeMap<u64, Vec<u8>>,
    bytes: usize,
    done: bool,
}

impl Conn {
    /// The ClientHello, once bytes from offset 0 cover the whole handshake message.
    fn hello(&self) -> Option<Vec<u8>> {
        let mut buf: Vec<u8> = Vec::new();
        for (off, data) in &self.crypto {
            let off = usize::try_from(*off).ok()?;
            if off > buf.len() {
                break;
            }
            let skip = buf.len() - off;
            if skip < data.len() {
                buf.extend_from_slice(&data[skip..]);
            }
        }
        if buf.len() < 4 || buf[0] != 1 {
            return None;
        }
        let need = 4 + (usize::from(buf[1]) << 16 | usize::from(buf[2]) << 8 | usize::from(buf[3]));
        (buf.len() >= need).then(|| buf[..need].to_vec())
    }
}

/// Follows QUIC connections across datagrams until their ClientHello is complete.
#[derive(Default)]
pub struct QuicTracker {
    conns: HashMap<(SocketAddr, SocketAddr, Vec<u8>), Conn>,
    /// The DCID each client/server pair started with (later Initials may change DCID).
    pairs: HashMap<(SocketAddr, SocketAddr), Vec<u8>>,
    order: VecDeque<(SocketAddr, SocketAddr, Vec<u8>)>,
}

impl std::fmt::Debug for QuicTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QuicTracker({} connections)", self.conns.len())
    }
}

impl QuicTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// One UDP datagram from `client` to `server`. Returns the ClientHello's details once
    /// it is complete (once per connection).
    pub fn on_datagram(
        &mut self,
        client: SocketAddr,
        server: SocketAddr,
        payload: &[u8],
    ) -> Option<QuicHello> {
        let mut result = None;
        for p in packets(payload) {
            if !p.initial {
                continue;
            }
            let pair = (client, server);
            // Keys come from the DCID of the client's first Initial on this pair.
            let first_dcid = self.pairs.get(&pair).cloned();
            let mut tried = Vec::new();
            if let Some(d) = first_dcid {
                tried.push(d);
            }
            if !tried.iter().any(|d| d.as_slice() == p.dcid) {
                tried.push(p.dcid.to_vec());
            }
            for dcid in tried {
                let key = (client, server, dcid.clone());
                let mut fresh = None;
                if !self.conns.contains_key(&key) {
                    let Some(keys) = client_initial_keys(p.version, &dcid) else {
                        continue;
                    };
                    // Only a packet that decrypts with these keys starts a connection.
                    let Some(plain) = decrypt(&p, &keys) else {
                        continue;
                    };
                    self.insert(
                        key.clone(),
                        Conn {
                            version: p.version,
                            keys,
                            crypto: BTreeMap::new(),
                            bytes: 0,
                            done: false,
                        },
                    );
                    self.pairs.entry(pair).or_insert_with(|| dcid.clone());
                    fresh = Some(plain);
                }
                let Some(conn) = self.conns.get_mut(&key) else {
                    continue;
                };
                if conn.done {
                    break;
                }
                let Some(plain) = fresh.or_else(|| decrypt(&p, &conn.keys)) else {
                    continue;
                };
                for (off, data) in crypto_frames(&plain) {
                    if conn.bytes + data.len() > MAX_CRYPTO {
                        break;
                    }
                    conn.bytes += data.len();
                    let e = conn.crypto.entry(off).or_default();
                    if data.len() > e.len() {
                        *e = data.to_vec();
                    }
                }
                if let Some(msg) = conn.hello() {
                    conn.done = true;
                    conn.crypto.clear();
                    result = client_hello(conn.version, &msg);
                }
                break;
            }
        }
        result
    }

    fn insert(&mut self, key: (SocketAddr, SocketAddr, Vec<u8>), conn: Conn) {
        if self.conns.len() >= MAX_CONNECTIONS
            && let Some(old) = self.order.pop_front()
        {
            self.conns.remove(&old);
            self.pairs.remove(&(old.0, old.1));
        }
        self.order.push_back(key.clone());
        self.conns.insert(key, conn);
    }
}

/// Parse the reassembled ClientHello handshake message (wrapped as a TLS record for
/// tls-parser, the same parser as TCP TLS).
fn client_hello(version: u32, msg: &[u8]) -> Option<QuicHello> {
    let len = u16::try_from(msg.len()).ok()?;
    let mut record = vec![0x16, 0x03, 0x03];
    record.extend_from_slice(&len.to_be_bytes());
    record.extend_from_slice(msg);
    let h = crate::sources::traffic::extract::parse_client_hello(&record)?;
    Some(QuicHello {
        version,
        sni: h.sni,
        alpn: h.alpn,
        ech: h.ech,
    })
}

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
    let ct = Aes128Gcm::new(GenericArray::from_slice(&keys.key))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &payload,
                aad: &h,
            },
        )
        .ok()?;
    let mut pkt = h;
    pkt.extend_from_slice(&ct);
    let mut mask = GenericArray::clone_from_slice(pkt.get(pn_offset + 4..pn_offset + 20)?);
    aes::Aes128::new(GenericArray::from_slice(&keys.hp)).encrypt_block(&mut mask);
    pkt[0] ^= mask[0] & 0x0f;
    pkt[pn_offset] ^= mask[1];
    pkt[pn_offset + 1] ^= mask[2];
    Some(pkt)
}

/// A CRYPTO frame (4-byte offset and 2-byte length varints).
pub fn crypto_frame(offset: u32, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0x06];
    f.extend_from_slice(&(0x8000_0000u32 | offset).to_be_bytes());
    f.extend_from_slice(&(0x4000u16 | (data.len() as u16 & 0x3fff)).to_be_bytes());
    f.extend_from_slice(data);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).expect("hex")
    }

    /// RFC 9001 Appendix A.1: client Initial keys for DCID 0x8394c8f03e515708.
    #[test]
    fn rfc9001_client_initial_keys() {
        let k = client_initial_keys(V1, &unhex("8394c8f03e515708")).expect("keys");
        assert_eq!(hex::encode(k.key), "1f369613dd76d5467730efcbe3b1a22d");
        assert_eq!(hex::encode(k.iv), "fa044b2f42a3fd3b46fb255c");
        assert_eq!(hex::encode(k.hp), "9f50449e04a0e810283a1e9933adedd2");
    }

    /// RFC 9369 Appendix A.1: the same DCID with QUIC version 2.
    #[test]
    fn rfc9369_client_initial_keys() {
        let k = client_initial_keys(V2, &unhex("8394c8f03e515708")).expect("keys");
        assert_eq!(hex::encode(k.key), "8b1a0bc121284290a29e0971b5cd045d");
        assert_eq!(hex::encode(k.iv), "91f73e2351d8fa91660e909f");
        assert_eq!(hex::encode(k.hp), "45b95e15235d6f45a6b19cbcb0294ba9");
    }

    #[test]
    fn varints() {
        for (b, v) in [
            ("25", 37u64),
            ("7bbd", 15293),
            ("9d7f3e7d", 494_878_333),
            ("c2197c5eff14e88c", 151_288_809_941_952_652),
        ] {
            let mut at = 0;
            assert_eq!(varint(&unhex(b), &mut at), Some(v));
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut t = QuicTracker::new();
        let a: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        let b: SocketAddr = "1.2.3.4:443".parse().expect("addr");
        let mut x: u32 = 1;
        for n in 0..2000usize {
            let mut d = vec![0xc0u8, 0, 0, 0, 1];
            for _ in 0..(n % 90) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                d.push(x as u8);
            }
            let _ = t.on_datagram(a, b, &d);
        }
    }
}
