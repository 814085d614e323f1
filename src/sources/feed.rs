//! Input files read once, in chunks, for everything that needs their bytes.
//!
//! A capture given with `--from` is needed twice: by its source (packets → observations)
//! and by the evidence checksum (SHA-256 in the findings). The source reads the file in
//! chunks on its own thread; with [`hashed`], each chunk is added to the file's SHA-256
//! as it is read and then parsed while it is still in that core's cache, so the kernel
//! copies each byte once and no chunk goes to another thread. (Handing each chunk to a
//! checksum thread on the other core was slower: the hash then reads the chunk from the
//! other core's cache; see docs/benchmarks.md.) [`ChunkWindow`] lets a parser read
//! records straight out of the chunks; only a record that straddles two chunks is copied.
//!
//! The checksum always covers the whole file: if the source stops early (a damaged
//! record, Ctrl-C), [`FileChunks`] reads and hashes the rest of the file when it is
//! dropped.
//!
//! Memory is bounded: at most [`POOL`] chunks of [`CHUNK`] bytes exist per file, and a
//! record spanning chunks is kept only up to [`MAX_RECORD`] bytes.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use sha2::{Digest, Sha256};

/// Bytes per chunk: small enough to stay in a core's L2 cache while it is parsed.
pub const CHUNK: usize = 256 * 1024;
/// Most chunks of one file in memory at once (a parser holds at most two).
pub const POOL: usize = 4;
/// Longest record a [`ChunkWindow`] puts together across chunks.
pub const MAX_RECORD: usize = 8 * 1024 * 1024;

/// One chunk of a file. Its buffer goes back to the pool when the last reader drops it.
pub struct Buf {
    data: Vec<u8>,
    len: usize,
    home: Option<SyncSender<Vec<u8>>>,
}

impl Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            let _ = home.try_send(std::mem::take(&mut self.data));
        }
    }
}

pub type Chunk = Arc<Buf>;

/// A chunk holding a copy of `bytes` (tests and fuzzing: any cut of a file into chunks).
pub fn chunk_of(bytes: &[u8]) -> Chunk {
    Arc::new(Buf {
        data: bytes.to_vec(),
        len: bytes.len(),
        home: None,
    })
}

/// Fill `buf` from `r` (short only at the end of the file).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Size and SHA-256 (hex) of a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSum {
    pub bytes: u64,
    pub sha256: String,
}

/// The running checksum of a file read through [`FileChunks`].
struct Checksum {
    hash: Sha256,
    bytes: u64,
    to: SyncSender<io::Result<FileSum>>,
}

/// A file's chunks, read on the calling thread.
pub struct FileChunks {
    file: File,
    free: Receiver<Vec<u8>>,
    home: SyncSender<Vec<u8>>,
    made: usize,
    sum: Option<Checksum>,
    done: bool,
}

/// Read `path` in chunks on the calling thread.
pub fn chunks(path: &Path) -> io::Result<FileChunks> {
    let (home, free) = sync_channel(POOL);
    Ok(FileChunks {
        file: File::open(path)?,
        free,
        home,
        made: 0,
        sum: None,
        done: false,
    })
}

/// Read `path` in chunks on the calling thread and checksum every chunk as it is read.
/// The receiver gets the size and SHA-256 of the whole file once it has all been read:
/// at its end, or, if the reader stops early, when the [`FileChunks`] is dropped (it
/// then reads the rest itself).
pub fn hashed(path: &Path) -> io::Result<(FileChunks, Receiver<io::Result<FileSum>>)> {
    let mut c = chunks(path)?;
    let (to, sum) = sync_channel(1);
    c.sum = Some(Checksum {
        hash: Sha256::new(),
        bytes: 0,
        to,
    });
    Ok((c, sum))
}

/// Size and SHA-256 of a whole file from its chunks, read on the calling thread.
pub fn sha256_of(chunks: FileChunks) -> io::Result<FileSum> {
    let mut h = Sha256::new();
    let mut bytes = 0u64;
    for c in chunks {
        let c = c?;
        bytes += c.len() as u64;
        h.update(&c[..]);
    }
    Ok(FileSum {
        bytes,
        sha256: hex::encode(h.finalize()),
    })
}

impl FileChunks {
    fn buffer(&mut self) -> Option<Vec<u8>> {
        if let Ok(v) = self.free.try_recv() {
            return Some(v);
        }
        if self.made < POOL {
            self.made += 1;
            return Some(vec![0; CHUNK]);
        }
        // Every buffer is in use: wait until the parser lets one go.
        self.free.recv().ok()
    }

    /// Hand the checksum on (once).
    fn conclude(&mut self, r: io::Result<()>) {
        if let Some(s) = self.sum.take() {
            let _ = s.to.send(r.map(|()| FileSum {
                bytes: s.bytes,
                sha256: hex::encode(s.hash.finalize()),
            }));
        }
    }
}

impl Iterator for FileChunks {
    type Item = io::Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut data = self.buffer()?;
        match fill(&mut self.file, &mut data) {
            Ok(0) => {
                self.done = true;
                self.conclude(Ok(()));
                None
            }
            Ok(len) => {
                if let Some(s) = &mut self.sum {
                    s.hash.update(&data[..len]);
                    s.bytes += len as u64;
                }
                Some(Ok(Arc::new(Buf {
                    data,
                    len,
                    home: Some(self.home.clone()),
                })))
            }
            Err(e) => {
                self.done = true;
                self.conclude(Err(io::Error::new(e.kind(), e.to_string())));
                Some(Err(e))
            }
        }
    }
}

impl Drop for FileChunks {
    /// The reader stopped before the end: checksum the rest of the file here.
    fn drop(&mut self) {
        let Some(s) = &mut self.sum else { return };
        let mut buf = vec![0; CHUNK];
        let r = loop {
            match fill(&mut self.file, &mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    s.hash.update(&buf[..n]);
                    s.bytes += n as u64;
                }
                Err(e) => break Err(e),
            }
        };
        self.conclude(r);
    }
}

/// What a [`ChunkWindow`] could not do.
#[derive(Debug)]
pub enum WindowError {
    /// The file ends inside a record.
    CutShort,
    /// A record would be longer than [`MAX_RECORD`].
    TooLong,
    Io(io::Error),
}

/// A parser's view of a chunked file: the unread bytes of the current chunk, or, for a
/// record straddling chunks, a copy of just that record's bytes.
pub struct ChunkWindow<I> {
    chunks: I,
    cur: Option<Chunk>,
    pos: usize,
    /// Bytes of a record that spans chunks (empty when reading straight from `cur`).
    carry: Vec<u8>,
    carrying: bool,
    /// Bytes of `cur` already copied into `carry`.
    taken: usize,
    /// Bytes consumed from the start of the file.
    consumed: u64,
}

impl<I: Iterator<Item = io::Result<Chunk>>> ChunkWindow<I> {
    pub fn new(chunks: I) -> Self {
        ChunkWindow {
            chunks,
            cur: None,
            pos: 0,
            carry: Vec::new(),
            carrying: false,
            taken: 0,
            consumed: 0,
        }
    }

    /// The bytes not yet consumed that are at hand (may end inside a record: then call
    /// [`ChunkWindow::more`]).
    pub fn view(&self) -> &[u8] {
        if self.carrying {
            &self.carry
        } else {
            self.cur.as_deref().map_or(&[][..], |c| &c[self.pos..])
        }
    }

    /// Offset in the file of the first byte of [`ChunkWindow::view`].
    pub fn offset(&self) -> u64 {
        self.consumed
    }

    /// Mark the first `n` bytes of the view as read.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.view().len());
        self.consumed += n as u64;
        if !self.carrying {
            self.pos += n;
            return;
        }
        // What is left of the carry is the tail of what was copied from `cur`: read on
        // from there in `cur` itself once it is all there.
        let left = self.carry.len() - n;
        if left <= self.taken {
            self.pos = self.taken - left;
            self.carry.clear();
            self.carrying = false;
        } else {
            self.carry.drain(..n);
        }
    }

    /// Bring more bytes into the view because it ends inside a record. Ok(false) at the
    /// end of the file.
    pub fn more(&mut self) -> Result<bool, WindowError> {
        if !self.carrying {
            let rest = self.view().len();
            if rest == 0 {
                // Between records at a chunk's end: just read on in the next chunk.
                return match self.chunks.next() {
                    None => Ok(false),
                    Some(Err(e)) => Err(WindowError::Io(e)),
                    Some(Ok(c)) => {
                        self.cur = Some(c);
                        self.pos = 0;
                        Ok(true)
                    }
                };
            }
            self.carry.clear();
            if let Some(c) = &self.cur {
                self.carry.extend_from_slice(&c[self.pos..]);
            }
            self.carrying = true;
            self.taken = self.cur.as_ref().map_or(0, |c| c.len());
        }
        if self.carry.len() >= MAX_RECORD {
            return Err(WindowError::TooLong);
        }
        // Copy a growing part of the following bytes (a record is usually short).
        let want = self
            .carry
            .len()
            .max(2048)
            .min(MAX_RECORD - self.carry.len());
        let mut added = 0;
        while added < want {
            let avail = self.cur.as_ref().map_or(0, |c| c.len()) - self.taken;
            if avail == 0 {
                match self.chunks.next() {
                    None => break,
                    Some(Err(e)) => return Err(WindowError::Io(e)),
                    Some(Ok(c)) => {
                        self.cur = Some(c);
                        self.taken = 0;
                        continue;
                    }
                }
            }
            let n = avail.min(want - added);
            if let Some(c) = &self.cur {
                self.carry.extend_from_slice(&c[self.taken..self.taken + n]);
            }
            self.taken += n;
            added += n;
        }
        Ok(added > 0)
    }

    /// Make sure at least `n` bytes are in view, unless the file is shorter.
    pub fn fill_to(&mut self, n: usize) -> Result<(), WindowError> {
        while self.view().len() < n {
            if !self.more()? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(data: &[u8], size: usize) -> impl Iterator<Item = io::Result<Chunk>> {
        data.chunks(size)
            .map(|c| {
                Ok(Arc::new(Buf {
                    data: c.to_vec(),
                    len: c.len(),
                    home: None,
                }))
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// Records `[len u8][len bytes]` read through a window over chunks of every size
    /// give the same records and offsets as reading them from one slice.
    #[test]
    fn records_across_chunk_boundaries() {
        let mut data = Vec::new();
        let mut want = Vec::new();
        for i in 0..300u32 {
            let len = (i * 37 % 251) as u8;
            want.push((data.len() as u64, vec![i as u8; usize::from(len)]));
            data.push(len);
            data.extend(std::iter::repeat_n(i as u8, usize::from(len)));
        }
        for size in [1, 2, 3, 7, 64, 255, 256, 1000, 4096, data.len()] {
            let mut w = ChunkWindow::new(chunked(&data, size));
            let mut got = Vec::new();
            loop {
                let v = w.view();
                let complete = v.first().is_some_and(|&l| v.len() > usize::from(l));
                if !complete {
                    if w.more().expect("more") {
                        continue;
                    }
                    assert!(w.view().is_empty(), "chunk size {size}: trailing bytes");
                    break;
                }
                let l = usize::from(v[0]);
                got.push((w.offset(), v[1..=l].to_vec()));
                w.consume(1 + l);
            }
            assert_eq!(got, want, "chunk size {size}");
        }
    }

    #[test]
    fn a_record_cut_short_is_seen_at_the_end() {
        let data = [5u8, 1, 2];
        let mut w = ChunkWindow::new(chunked(&data, 2));
        w.fill_to(6).expect("fill");
        assert_eq!(w.view(), &data[..]);
        assert!(!w.more().expect("end"));
    }

    #[test]
    fn the_checksum_gets_the_whole_file_whatever_the_parser_does() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("f.bin");
        let data: Vec<u8> = (0..(CHUNK * POOL * 2 + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&p, &data).expect("write");
        let want = FileSum {
            bytes: data.len() as u64,
            sha256: hex::encode(Sha256::digest(&data)),
        };
        assert_eq!(sha256_of(chunks(&p).expect("open")).expect("sum"), want);
        // The parser reads everything, holding two chunks at a time as a window does.
        let (parser, sum) = hashed(&p).expect("hashed");
        let mut seen = Vec::new();
        let mut prev = None;
        for c in parser {
            let c = c.expect("chunk");
            seen.extend_from_slice(&c);
            prev = Some(c);
        }
        drop(prev);
        assert!(seen == data);
        assert_eq!(sum.recv().expect("sent").expect("sum"), want);
        // The parser stops after three chunks: the rest is checksummed when it is dropped.
        let (mut parser, sum) = hashed(&p).expect("hashed");
        assert!(parser.by_ref().take(3).all(|c| c.is_ok()));
        assert!(sum.try_recv().is_err(), "not yet: the file is not all read");
        drop(parser);
        assert_eq!(sum.recv().expect("sent").expect("sum"), want);
        // Nothing shared.
        let mut direct = Vec::new();
        for c in chunks(&p).expect("chunks") {
            direct.extend_from_slice(&c.expect("chunk"));
        }
        assert!(direct == data);
    }
}
