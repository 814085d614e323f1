//! The journal: every observation of a scan appended in the replay format, made
//! durable at least once a second, so `sweep scan --from JOURNAL` after a crash
//! reproduces every finding seen up to the last second.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::observation::Record;

pub const SYNC_EVERY: Duration = Duration::from_millis(500);

pub struct Journal {
    path: PathBuf,
    out: BufWriter<File>,
    last_sync: Instant,
    dirty: bool,
    /// One record's line, reused (the I/O error of a write keeps its kind: "disk full").
    line: Vec<u8>,
}

impl Journal {
    /// Create (never overwrite) a journal file with permissions 0600.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = crate::case::create_private_file(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 16, file),
            last_sync: Instant::now(),
            dirty: false,
            line: Vec::with_capacity(512),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&mut self, rec: &Record) -> std::io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, rec).map_err(std::io::Error::other)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.dirty = true;
        self.maybe_sync()
    }

    /// Flush and fsync if the last sync is older than [`SYNC_EVERY`].
    pub fn maybe_sync(&mut self) -> std::io::Result<()> {
        if self.dirty && self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    pub fn sync(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        self.last_sync = Instant::now();
        self.dirty = false;
        Ok(())
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}
