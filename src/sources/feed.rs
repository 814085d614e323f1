//! Input files read once, in chunks, for everything that needs their bytes.
//!
//! A capture given with `--from` is needed twice: by its source (packets → observations)
//! and by the evidence checksum (SHA-256 in the findings). The source reads the file in
//! chunks on its own thread and parses each one while it is still in that core's cache;
//! with [`tee`], it also hands every chunk to the checksum on another core, so the kernel
//! copies each byte once. [`ChunkWindow`] lets a parser read records straight out of the
//! chunks; only a record that straddles two chunks is copied.
//!
//! The checksum always covers the whole file: if the source stops early (a damaged
//! record, Ctrl-C), the [`FeedReader`] reads the rest of the file itself.
//!
//! Memory is bounded: at most [`POOL`] chunks of [`CHUNK`] bytes exist per file, and a
//! record spanning chunks is kept only up to [`MAX_RECORD`] bytes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Bytes per chunk: small enough to stay in a core's L2 cache while it is parsed.
pub const CHUNK: usize = 256 * 1024;
/// Most chunks of one file in memory at once (being parsed, queued for the checksum).
pub const POOL: usize = 16;
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

/// What a tee hands the checksum.
enum Msg {
    Chunk(Chunk),
    /// The whole file was read.
    End,
    Failed(String),
}

/// A file's chunks, read on the calling thread.
pub struct FileChunks {
    file: File,
    free: Receiver<Vec<u8>>,
    home: SyncSender<Vec<u8>>,
    made: usize,
    tee: Option<SyncSender<Msg>>,
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
        tee: None,
        done: false,
    })
}

/// Read `path` in chunks on the calling thread, and hand each chunk to the returned
/// reader as well (the checksum, on another thread).
pub fn tee(path: &Path) -> io::Result<(FileChunks, FeedReader)> {
    let mut c = chunks(path)?;
    let (tx, rx) = sync_channel(POOL - 2);
    c.tee = Some(tx);
    Ok((
        c,
        FeedReader {
            rx: Some(rx),
            path: path.to_path_buf(),
            own: None,
            offset: 0,
        },
    ))
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
        // Every buffer is in use: wait until the checksum (or the parser) lets one go.
        self.free.recv().ok()
    }

    fn tell(&mut self, m: Msg) {
        if let Some(t) = &self.tee
            && t.send(m).is_err()
        {
            self.tee = None;
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
                self.tell(Msg::End);
                None
            }
            Ok(len) => {
                let c = Arc::new(Buf {
                    data,
                    len,
                    home: Some(self.home.clone()),
                });
                self.tell(Msg::Chunk(Arc::clone(&c)));
                Some(Ok(c))
            }
            Err(e) => {
                self.done = true;
                self.tell(Msg::Failed(e.to_string()));
                Some(Err(e))
            }
        }
    }
}

/// The checksum's end of a [`tee`]: the chunks the source read, then, if the source
/// stopped before the end of the file, the rest read from the file itself.
pub struct FeedReader {
    rx: Option<Receiver<Msg>>,
    path: PathBuf,
    own: Option<FileChunks>,
    offset: u64,
}

impl Iterator for FeedReader {
    type Item = io::Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(rx) = &self.rx {
            match rx.recv() {
                Ok(Msg::Chunk(c)) => {
                    self.offset += c.len() as u64;
                    return Some(Ok(c));
                }
                Ok(Msg::End) => {
                    self.rx = None;
                    return None;
                }
                Ok(Msg::Failed(e)) => {
                    self.rx = None;
                    return Some(Err(io::Error::other(e)));
                }
                // The source stopped early: read on from where it left off.
                Err(_) => {
                    self.rx = None;
                    let own = chunks(&self.path).and_then(|mut c| {
                        c.file.seek(SeekFrom::Start(self.offset))?;
                        Ok(c)
                    });
                    match own {
                        Ok(c) => self.own = Some(c),
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
        self.own.as_mut()?.next()
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
        let collect = |r: FeedReader| {
            let mut got = Vec::new();
            for c in r {
                got.extend_from_slice(&c.expect("chunk"));
            }
            got
        };
        // The parser reads everything.
        let (parser, hash) = tee(&p).expect("tee");
        let h = std::thread::spawn(move || collect(hash));
        let mut seen = Vec::new();
        for c in parser {
            seen.extend_from_slice(&c.expect("chunk"));
        }
        assert!(seen == data);
        assert!(h.join().expect("join") == data);
        // The parser stops after three chunks: the checksum reads on by itself.
        let (parser, hash) = tee(&p).expect("tee");
        let h = std::thread::spawn(move || collect(hash));
        assert_eq!(parser.take(3).count(), 3);
        assert!(h.join().expect("join") == data);
        // Nothing shared.
        let mut direct = Vec::new();
        for c in chunks(&p).expect("chunks") {
            direct.extend_from_slice(&c.expect("chunk"));
        }
        assert!(direct == data);
    }
}
