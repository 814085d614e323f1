//! TCP reassembly, bounded: one direction of a stream put back together (in order or not,
//! retransmissions ignored), and the record of what was already extracted so that a
//! retransmitted ClientHello or request is counted once.

use std::net::SocketAddr;

use crate::observation::Timestamp;

use super::Extractor;

/// One direction of a TCP stream being put back together (bounded).
#[derive(Debug)]
pub(super) struct Stream {
    /// Sequence number of the first byte (where the ClientHello or request starts).
    pub(super) start: u32,
    /// An HTTP request head (else a TLS record, or DNS messages).
    pub(super) http: bool,
    pub(super) next_seq: u32,
    pub(super) buf: Vec<u8>,
    pub(super) pending: Vec<(u32, Vec<u8>)>,
    pub(super) offset: u64,
    pub(super) t: Timestamp,
}

pub(super) const MAX_STREAM_BYTES: usize = 64 * 1024 + 2;
pub(super) const MAX_PENDING: usize = 16;
pub(super) const MAX_STREAMS: usize = 16 * 1024;
/// Most ClientHellos / request heads remembered for recognising retransmissions, and most
/// DNS messages remembered for recognising repeats.
pub(super) const MAX_REMEMBERED: usize = 64 * 1024;

impl Stream {
    pub(super) fn new(seq: u32, offset: u64, t: Timestamp) -> Self {
        Stream {
            start: seq,
            http: false,
            next_seq: seq,
            buf: Vec::new(),
            pending: Vec::new(),
            offset,
            t,
        }
    }

    /// Add a segment; false when the stream went over its bound (drop it).
    pub(super) fn push(&mut self, seq: u32, data: &[u8]) -> bool {
        let rel = seq.wrapping_sub(self.next_seq) as i32;
        if rel > 0 {
            if self.pending.len() >= MAX_PENDING || rel as usize > MAX_STREAM_BYTES {
                return false;
            }
            self.pending.push((seq, data.to_vec()));
            return true;
        }
        let skip = rel.unsigned_abs() as usize;
        if skip < data.len() {
            self.append(&data[skip..]);
        }
        // Splice in segments that arrived early.
        loop {
            let mut progressed = false;
            let mut i = 0;
            while i < self.pending.len() {
                let (s, _) = &self.pending[i];
                let rel = s.wrapping_sub(self.next_seq) as i32;
                if rel <= 0 {
                    let (_, d) = self.pending.swap_remove(i);
                    let skip = rel.unsigned_abs() as usize;
                    if skip < d.len() {
                        self.append(&d[skip..]);
                        progressed = true;
                    }
                } else {
                    i += 1;
                }
            }
            if !progressed {
                break;
            }
        }
        self.buf.len() <= MAX_STREAM_BYTES
    }

    fn append(&mut self, d: &[u8]) {
        self.buf.extend_from_slice(d);
        self.next_seq = self.next_seq.wrapping_add(d.len() as u32);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum StreamKind {
    /// A TLS ClientHello or an HTTP request head.
    App,
    Dns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct StreamKey {
    pub(super) src: SocketAddr,
    pub(super) dst: SocketAddr,
    pub(super) kind: StreamKind,
}

impl Extractor {
    /// True the first time a ClientHello or request head starting at `seq` from `src` to
    /// `dst` with these bytes is seen; false for a retransmission of it (counted).
    pub(super) fn first_time(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        bytes: &[u8],
    ) -> bool {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::with_seed(0).hash_one(bytes);
        if self.recorded.get(&(src, dst, seq)) == Some(&hash) {
            self.stats.retransmissions += 1;
            return false;
        }
        if self.recorded.len() >= MAX_REMEMBERED {
            self.recorded.clear();
        }
        self.recorded.insert((src, dst, seq), hash);
        true
    }

    pub(super) fn make_room(&mut self) {
        if self.streams.len() >= MAX_STREAMS {
            self.streams.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_reorders_and_ignores_retransmissions() {
        let t = chrono::Utc::now();
        let mut s = Stream::new(1000, 0, t);
        assert!(s.push(1003, b"def"));
        assert!(s.buf.is_empty());
        assert!(s.push(1000, b"abc"));
        assert_eq!(s.buf, b"abcdef");
        assert!(s.push(1000, b"abcdefg"));
        assert_eq!(s.buf, b"abcdefg");
    }
}
