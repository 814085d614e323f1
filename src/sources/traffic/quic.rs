//! QUIC Initial decryption (RFC 9001 §5, RFC 9369 for v2): the server name from a
//! client's Initial packets. Initial keys are derived from the client's first
//! Destination Connection ID and are public by design; nothing else is decrypted.
//!
//! Crypto: RustCrypto's `hkdf` + `sha2` (HKDF-Extract/Expand), `aes` (header protection,
//! one AES-ECB block) and `aes-gcm` (AEAD): maintained, pure Rust, constant-time, and no
//! `unsafe` in this crate.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::OnceLock;

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes_gcm::aead::{AeadInOut, inout::InOutBuf};
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use foldhash::HashMap;
use hkdf::{Hkdf, HkdfExtract};
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

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, into a fixed-size array.
fn expand_label<const N: usize>(hk: &Hkdf<Sha256>, label: &str) -> Option<[u8; N]> {
    const PREFIX: &[u8] = b"tls13 ";
    let mut info = [0u8; 4 + 6 + 32];
    let full = PREFIX.len() + label.len();
    let end = 4 + full;
    if end > info.len() {
        return None;
    }
    info[..2].copy_from_slice(&u16::try_from(N).ok()?.to_be_bytes());
    info[2] = full as u8;
    info[3..3 + PREFIX.len()].copy_from_slice(PREFIX);
    info[3 + PREFIX.len()..3 + full].copy_from_slice(label.as_bytes());
    // info[end - 1] stays 0: the empty context.
    let mut out = [0u8; N];
    hk.expand(&info[..end], &mut out).ok()?;
    Some(out)
}

/// HKDF-Extract keyed with a version's Initial salt, computed once and cloned for each
/// connection (the HMAC key schedule of the salt is then not redone).
fn salted(version: u32) -> Option<HkdfExtract<Sha256>> {
    static SALTED: OnceLock<[HkdfExtract<Sha256>; 2]> = OnceLock::new();
    let s = SALTED.get_or_init(|| {
        [
            HkdfExtract::new(Some(&SALT_V1)),
            HkdfExtract::new(Some(&SALT_V2)),
        ]
    });
    match version {
        V1 => Some(s[0].clone()),
        V2 => Some(s[1].clone()),
        _ => None,
    }
}

/// Derive the client Initial keys from the Destination Connection ID (RFC 9001 §5.2).
pub fn client_initial_keys(version: u32, dcid: &[u8]) -> Option<InitialKeys> {
    let (key_l, iv_l, hp_l) = match version {
        V1 => ("quic key", "quic iv", "quic hp"),
        V2 => ("quicv2 key", "quicv2 iv", "quicv2 hp"),
        _ => return None,
    };
    let mut extract = salted(version)?;
    extract.input_ikm(dcid);
    let (_, initial) = extract.finalize();
    let client: [u8; 32] = expand_label(&initial, "client in")?;
    let client = Hkdf::<Sha256>::from_prk(&client).ok()?;
    Some(InitialKeys {
        key: expand_label(&client, key_l)?,
        iv: expand_label(&client, iv_l)?,
        hp: expand_label(&client, hp_l)?,
    })
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

/// Remove header protection and decrypt one Initial packet's payload into `out`
/// (reused from packet to packet). `None` when the packet does not decrypt.
fn decrypt(p: &LongPacket<'_>, keys: &InitialKeys, out: &mut Vec<u8>) -> Option<()> {
    let b = p.bytes;
    let sample: [u8; 16] = b.get(p.pn_offset + 4..p.pn_offset + 20)?.try_into().ok()?;
    let hp = aes::Aes128::new(&keys.hp.into());
    let mut mask = sample.into();
    hp.encrypt_block(&mut mask);
    let first = b[0] ^ (mask[0] & 0x0f);
    let pn_len = usize::from(first & 3) + 1;
    // The header is the AEAD's associated data, unprotected. Usually short (it grows only
    // with a token), so it goes on the stack.
    let n = p.pn_offset + pn_len;
    let mut small = [0u8; 128];
    let mut large = Vec::new();
    let header: &mut [u8] = if n <= small.len() {
        small[..n].copy_from_slice(b.get(..n)?);
        &mut small[..n]
    } else {
        large.extend_from_slice(b.get(..n)?);
        &mut large
    };
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
    let sealed = b.get(p.pn_offset + pn_len..)?;
    let (body, tag) = sealed.split_at(sealed.len().checked_sub(16)?);
    let tag = Tag::try_from(tag).ok()?;
    // Decrypted from the packet straight into `out` (no copy of the ciphertext first).
    out.resize(body.len(), 0);
    let buf = InOutBuf::new(body, out).ok()?;
    let cipher = Aes128Gcm::new(&keys.key.into());
    cipher
        .decrypt_inout_detached(&Nonce::from(nonce), header, buf, &tag)
        .ok()
}

/// CRYPTO frames of a decrypted Initial payload, (offset, data), in packet order; other
/// frames (PADDING, PING, ACK) are skipped, anything else ends the walk.
struct CryptoFrames<'a> {
    payload: &'a [u8],
    at: usize,
}

fn crypto_frames(payload: &[u8]) -> CryptoFrames<'_> {
    CryptoFrames { payload, at: 0 }
}

impl<'a> Iterator for CryptoFrames<'a> {
    type Item = (u64, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let next = self.walk();
        if next.is_none() {
            // A malformed frame ends the walk for good.
            self.at = self.payload.len();
        }
        next
    }
}

impl<'a> CryptoFrames<'a> {
    fn walk(&mut self) -> Option<(u64, &'a [u8])> {
        let payload = self.payload;
        let at = &mut self.at;
        while *at < payload.len() {
            let ty = varint(payload, at)?;
            match ty {
                0x00 | 0x01 => {}
                0x02 | 0x03 => {
                    varint(payload, at)?;
                    varint(payload, at)?;
                    let ranges = varint(payload, at)?;
                    varint(payload, at)?;
                    for _ in 0..ranges.min(1024) {
                        varint(payload, at)?;
                        varint(payload, at)?;
                    }
                    if ty == 0x03 {
                        for _ in 0..3 {
                            varint(payload, at)?;
                        }
                    }
                }
                0x06 => {
                    let off = varint(payload, at)?;
                    let len = usize::try_from(varint(payload, at)?).ok()?;
                    let data = payload.get(*at..at.checked_add(len)?)?;
                    *at += data.len();
                    return Some((off, data));
                }
                _ => {
                    *at = payload.len();
                    return None;
                }
            }
        }
        None
    }
}

/// A complete ClientHello handshake message at the start of `data`, if there is one.
fn whole_hello(data: &[u8]) -> Option<&[u8]> {
    if data.len() < 4 || data[0] != 1 {
        return None;
    }
    let need = 4 + (usize::from(data[1]) << 16 | usize::from(data[2]) << 8 | usize::from(data[3]));
    data.get(..need)
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
        whole_hello(&buf).map(<[u8]>::to_vec)
    }
}

/// A connection ID: at most 20 bytes in QUIC v1 and v2 (RFC 9000 §17.2), kept inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Cid {
    len: u8,
    bytes: [u8; 20],
}

impl Cid {
    fn new(b: &[u8]) -> Option<Cid> {
        let mut bytes = [0u8; 20];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Cid {
            len: b.len() as u8,
            bytes,
        })
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// A client/server address pair as one flat key: hashed in a single pass, compared as
/// bytes (IPv4 addresses in their IPv6-mapped form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Pair([u8; 36]);

impl Pair {
    fn new(client: SocketAddr, server: SocketAddr) -> Pair {
        let mut b = [0u8; 36];
        for (at, a) in [(0, client), (18, server)] {
            let ip = match a.ip() {
                std::net::IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                std::net::IpAddr::V6(v6) => v6,
            };
            b[at..at + 16].copy_from_slice(&ip.octets());
            b[at + 16..at + 18].copy_from_slice(&a.port().to_be_bytes());
        }
        Pair(b)
    }
}

type ConnKey = (Pair, Cid);

/// Follows QUIC connections across datagrams until their ClientHello is complete.
#[derive(Default)]
pub struct QuicTracker {
    /// Decrypted payload of the packet at hand (reused).
    scratch: Vec<u8>,
    conns: HashMap<ConnKey, Conn>,
    /// The DCID each client/server pair started with (later Initials may change DCID).
    pairs: HashMap<Pair, Cid>,
    order: VecDeque<ConnKey>,
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

    /// Whether [`QuicTracker::on_datagram`] has anything to do with this datagram: it starts
    /// with a long-header packet of QUIC version 1 or 2 (the same test ends its walk over
    /// coalesced packets).
    pub fn wants(payload: &[u8]) -> bool {
        payload.len() > 7
            && payload[0] & 0x80 != 0
            && matches!(
                u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]),
                V1 | V2
            )
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
        let mut plain = std::mem::take(&mut self.scratch);
        let mut rest = payload;
        let mut pair = None;
        // Coalesced long-header packets of versions 1 and 2, up to the first other packet.
        while Self::wants(rest) {
            let Some((p, end)) = parse_long(rest) else {
                break;
            };
            rest = &rest[end..];
            // Version 1 and 2 endpoints drop packets with a longer DCID (RFC 9000 §17.2).
            let (true, Some(dcid)) = (p.initial, Cid::new(p.dcid)) else {
                continue;
            };
            let pair = *pair.get_or_insert_with(|| Pair::new(client, server));
            // Keys come from the DCID of the client's first Initial on this pair; a packet
            // with another DCID may start a connection of its own.
            let first = self.pairs.get(&pair).copied();
            let other = (first != Some(dcid)).then_some(dcid);
            for dcid in [first, other].into_iter().flatten() {
                let key = (pair, dcid);
                let conn = match self.conns.entry(key) {
                    Entry::Occupied(o) => {
                        let conn = o.into_mut();
                        if conn.done {
                            break;
                        }
                        if decrypt(&p, &conn.keys, &mut plain).is_none() {
                            continue;
                        }
                        conn
                    }
                    Entry::Vacant(v) => {
                        let Some(keys) = client_initial_keys(p.version, dcid.as_slice()) else {
                            continue;
                        };
                        // Only a packet that decrypts with these keys starts a connection.
                        if decrypt(&p, &keys, &mut plain).is_none() {
                            continue;
                        }
                        self.order.push_back(key);
                        v.insert(Conn {
                            version: p.version,
                            keys,
                            crypto: BTreeMap::new(),
                            bytes: 0,
                            done: false,
                        })
                    }
                };
                result = Self::take_crypto(conn, &plain);
                if self.conns.len() > MAX_CONNECTIONS {
                    self.forget_oldest();
                }
                self.pairs.entry(pair).or_insert(dcid);
                break;
            }
        }
        self.scratch = plain;
        result
    }

    /// Add one decrypted Initial's CRYPTO frames to `conn`; the ClientHello once whole.
    fn take_crypto(conn: &mut Conn, plain: &[u8]) -> Option<QuicHello> {
        // Usually the whole ClientHello is in the first CRYPTO frame of one packet: read it
        // there. Otherwise keep the frames until offset 0 onwards is whole.
        if conn.crypto.is_empty()
            && let Some(msg) = crypto_frames(plain)
                .find(|(off, _)| *off == 0)
                .and_then(|(_, data)| whole_hello(data))
        {
            conn.done = true;
            return client_hello(conn.version, msg);
        }
        for (off, data) in crypto_frames(plain) {
            if conn.bytes + data.len() > MAX_CRYPTO {
                break;
            }
            conn.bytes += data.len();
            let e = conn.crypto.entry(off).or_default();
            if data.len() > e.len() {
                *e = data.to_vec();
            }
        }
        let msg = conn.hello()?;
        conn.done = true;
        conn.crypto.clear();
        client_hello(conn.version, &msg)
    }

    /// Bounded memory: forget the connection followed longest.
    fn forget_oldest(&mut self) {
        if let Some(old) = self.order.pop_front() {
            self.conns.remove(&old);
            if self.pairs.get(&old.0) == Some(&old.1) {
                self.pairs.remove(&old.0);
            }
        }
    }
}

/// Parse a ClientHello handshake message (the same parser as TCP TLS).
fn client_hello(version: u32, msg: &[u8]) -> Option<QuicHello> {
    let h = crate::sources::traffic::hello::parse_client_hello_message(msg)?;
    Some(QuicHello {
        version,
        sni: h.sni,
        alpn: h.alpn,
        ech: h.ech,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::quic::{build_client_initial, client_hello_message, crypto_frame};

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
    fn only_version_1_and_2_long_headers_are_wanted() {
        let frames = crypto_frame(0, &client_hello_message("a.example", 0));
        for v in [V1, V2] {
            let p = build_client_initial(v, &[9; 8], 0, &frames).expect("initial");
            assert!(QuicTracker::wants(&p));
        }
        let mut other = build_client_initial(V1, &[9; 8], 0, &frames).expect("initial");
        other[1..5].copy_from_slice(&0xff00_001du32.to_be_bytes()); // a draft version
        assert!(!QuicTracker::wants(&other));
        other[1..5].copy_from_slice(&[0; 4]); // version negotiation
        assert!(!QuicTracker::wants(&other));
        assert!(!QuicTracker::wants(&[0x40; 1200])); // short header
        assert!(!QuicTracker::wants(&[0xc0, 0, 0, 0, 1])); // too short
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
