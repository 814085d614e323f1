//! The pipeline: sources on their own threads → one bounded channel → journal
//! → engine. Live scans and replays go through exactly this path.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Engine;
use crate::journal::Journal;
use crate::observation::{Record, SourceState, Timestamp};
use crate::sources::{self, Batch, MAX_BATCH, Sink, Source, SourceError, Stop, feed};

/// Most records in flight on the one channel between sources and the engine: the channel
/// holds `CHANNEL_DEPTH / MAX_BATCH` messages of at most `MAX_BATCH` records each. It is
/// also the most records one `pump` moves into the engine.
pub const CHANNEL_DEPTH: usize = 8192;

/// An input file and its checksum (evidence).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What to run.
pub struct Plan {
    pub sources: Vec<Box<dyn Source>>,
    /// Stop live sources after this long.
    pub duration: Option<Duration>,
    /// Append every observation here (the case journal or `--record`).
    pub journal: Option<PathBuf>,
    /// Observations the volunteer added at given times (place marks, "this is mine"),
    /// injected in time order among the others.
    pub marks: Vec<Record>,
    /// Files whose SHA-256 goes into the findings (captures, recordings).
    pub inputs: Vec<PathBuf>,
}

/// Why a pump returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pump {
    Running,
    Done,
}

pub struct Pipeline {
    rx: Receiver<Batch>,
    /// What is left of the last batch received (a pump moves at most CHANNEL_DEPTH records).
    carry: std::vec::IntoIter<Record>,
    handles: Vec<JoinHandle<Result<(), SourceError>>>,
    stop: Stop,
    journal: Option<Journal>,
    deadline: Option<Instant>,
    started_at: Instant,
    duration: Option<Duration>,
    marks: Vec<Record>,
    hasher: Option<JoinHandle<Vec<Result<InputFile, InputError>>>>,
    done: bool,
    pub errors: Vec<SourceError>,
    pub journal_error: Option<String>,
    /// The capabilities could not be dropped after the sockets were opened.
    pub privilege_error: Option<String>,
}

/// An input file that could not be checksummed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read: {}", path.display(), crate::case::io_words(source))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A time on the command line that is not RFC 3339.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} is not a time like 2026-11-22T10:00:00Z: {source}")]
pub struct TimeError {
    value: String,
    source: chrono::ParseError,
}

/// SHA-256 and size of a file, streamed.
pub fn hash_file(p: &Path) -> Result<InputFile, InputError> {
    let chunks = feed::chunks(p).map_err(|source| InputError::Open {
        path: p.to_path_buf(),
        source,
    })?;
    hash_chunks(p, chunks)
}

/// SHA-256 and size of a file from its chunks (see `sources::feed`).
fn hash_chunks(
    p: &Path,
    chunks: impl Iterator<Item = std::io::Result<feed::Chunk>>,
) -> Result<InputFile, InputError> {
    let mut h = Sha256::new();
    let mut bytes = 0u64;
    for c in chunks {
        let c = c.map_err(|source| InputError::Read {
            path: p.to_path_buf(),
            source,
        })?;
        bytes += c.len() as u64;
        h.update(&c[..]);
    }
    Ok(InputFile {
        path: p.display().to_string(),
        bytes,
        sha256: hex::encode(h.finalize()),
    })
}

/// An input file to checksum: read by the hasher, or shared with the source that reads it.
enum HashJob {
    File(PathBuf),
    Feed(PathBuf, feed::FeedReader),
}

impl Pipeline {
    /// Start every source on its own thread.
    pub fn start(plan: Plan) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(CHANNEL_DEPTH / MAX_BATCH);
        let stop = Stop::new();
        let journal = match &plan.journal {
            Some(p) => Some(Journal::create(p).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("{}: cannot create the journal: {e}", p.display()),
                )
            })?),
            None => None,
        };
        // Open privileged handles on this thread, then drop every capability before any
        // source thread (or the UI) runs: threads created afterwards inherit none.
        let mut ready = Vec::new();
        let mut errors = Vec::new();
        for mut s in plan.sources {
            match s.prepare() {
                Ok(()) => ready.push(s),
                Err(e) => {
                    let (state, reason, fix) = match &e {
                        SourceError::Unavailable { reason, fix } => {
                            (SourceState::Unavailable, reason.clone(), Some(fix.clone()))
                        }
                        other => (SourceState::Failed, other.to_string(), None),
                    };
                    Sink::new(tx.clone()).status(
                        chrono::Utc::now(),
                        s.kind(),
                        state,
                        Some(reason),
                        fix,
                    );
                    errors.push(e);
                }
            }
        }
        let privilege_error = crate::privilege::drop_all().err().map(|e| e.to_string());
        // A source's file that is also an input to checksum is read once, for both.
        let mut jobs: Vec<HashJob> = plan.inputs.iter().cloned().map(HashJob::File).collect();
        for s in &mut ready {
            let Some(path) = s.input_file().map(Path::to_path_buf) else {
                continue;
            };
            let Some(job) = jobs
                .iter_mut()
                .find(|j| matches!(j, HashJob::File(p) if *p == path))
            else {
                continue;
            };
            // If it cannot be opened, the source and the hasher each say so themselves.
            if let Ok((for_source, for_hash)) = feed::tee(&path) {
                s.set_feed(for_source);
                *job = HashJob::Feed(path, for_hash);
            }
        }
        let hasher = if jobs.is_empty() {
            None
        } else {
            Some(
                std::thread::Builder::new()
                    .name("hash-inputs".into())
                    .spawn(move || {
                        jobs.into_iter()
                            .map(|j| match j {
                                HashJob::File(p) => hash_file(&p),
                                HashJob::Feed(p, r) => hash_chunks(&p, r),
                            })
                            .collect()
                    })?,
            )
        };
        let mut handles = Vec::new();
        for s in ready {
            handles.push(sources::spawn(s, Sink::new(tx.clone()), stop.clone())?);
        }
        drop(tx);
        let mut marks = plan.marks;
        marks.sort_by_key(|r| std::cmp::Reverse(r.t));
        Ok(Self {
            rx,
            carry: Vec::new().into_iter(),
            handles,
            stop,
            journal,
            deadline: plan.duration.map(|d| Instant::now() + d),
            started_at: Instant::now(),
            duration: plan.duration,
            marks,
            hasher,
            done: false,
            errors,
            journal_error: None,
            privilege_error,
        })
    }

    pub fn stop_handle(&self) -> Stop {
        self.stop.clone()
    }

    /// Ask every source to stop (the scan then drains and ends).
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// Fraction of a timed scan that has passed, and the time left.
    pub fn progress(&self) -> Option<(f64, Duration)> {
        let d = self.duration?;
        let el = self.started_at.elapsed().min(d);
        Some((el.as_secs_f64() / d.as_secs_f64().max(0.001), d - el))
    }

    fn feed(&mut self, engine: &mut Engine, rec: Record) {
        while self.marks.last().is_some_and(|m| m.t <= rec.t) {
            if let Some(m) = self.marks.pop() {
                self.record(engine, m);
            }
        }
        self.record(engine, rec);
    }

    fn record(&mut self, engine: &mut Engine, rec: Record) {
        if let Some(j) = self.journal.as_mut()
            && let Err(e) = j.append(&rec)
        {
            self.journal_error = Some(format!(
                "{}: cannot write the journal: {}",
                j.path().display(),
                crate::case::io_words(&e)
            ));
            self.journal = None;
        }
        engine.ingest(&rec);
    }

    /// Add an observation made by the volunteer now (place mark, "this is mine").
    pub fn add(&mut self, engine: &mut Engine, rec: Record) {
        self.record(engine, rec);
    }

    /// Move what the sources sent into the engine, waiting at most `wait` for the
    /// first observation. Returns `Done` once every source has ended.
    pub fn pump(&mut self, engine: &mut Engine, wait: Duration) -> Pump {
        if self.done {
            return Pump::Done;
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.stop.stop();
        }
        let wait = match self.deadline {
            Some(d) => wait.min(
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            ),
            None => wait,
        };
        // Move what is queued, at most CHANNEL_DEPTH records, so a UI stays responsive; wait
        // for the first batch only when nothing was left over from the last call.
        let mut moved = self.drain_carry(engine, CHANNEL_DEPTH);
        if moved == 0 {
            match self.rx.recv_timeout(wait) {
                Ok(batch) => {
                    self.carry = batch.into_iter();
                    moved = self.drain_carry(engine, CHANNEL_DEPTH);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.finish(engine);
                    return Pump::Done;
                }
            }
        }
        while moved > 0 && moved < CHANNEL_DEPTH {
            match self.rx.try_recv() {
                Ok(batch) => {
                    self.carry = batch.into_iter();
                    moved += self.drain_carry(engine, CHANNEL_DEPTH - moved);
                }
                Err(_) => break,
            }
        }
        if let Some(j) = self.journal.as_mut() {
            let _ = j.maybe_sync();
        }
        Pump::Running
    }

    /// Feed up to `max` records left from the last batch; how many were fed.
    fn drain_carry(&mut self, engine: &mut Engine, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            let Some(rec) = self.carry.next() else { break };
            self.feed(engine, rec);
            n += 1;
        }
        n
    }

    fn finish(&mut self, engine: &mut Engine) {
        while let Some(m) = self.marks.pop() {
            self.record(engine, m);
        }
        for h in self.handles.drain(..) {
            match h.join() {
                Ok(Err(e)) => self.errors.push(e),
                Ok(Ok(())) => {}
                Err(_) => self.errors.push(SourceError::Failed(
                    "a source thread stopped unexpectedly".into(),
                )),
            }
        }
        if let Some(j) = self.journal.as_mut() {
            let _ = j.sync();
        }
        self.done = true;
    }

    /// Run to the end (headless).
    pub fn run_to_end(&mut self, engine: &mut Engine) {
        while self.pump(engine, Duration::from_millis(200)) == Pump::Running {}
    }

    /// Checksums of the input files (after the scan).
    pub fn input_hashes(&mut self) -> Vec<Result<InputFile, InputError>> {
        self.hasher
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }

    pub fn journal_path(&self) -> Option<&Path> {
        self.journal.as_ref().map(|j| j.path())
    }
}

/// Parse RFC 3339 times given on the command line.
pub fn parse_time(s: &str) -> Result<Timestamp, TimeError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|source| TimeError {
            value: s.to_string(),
            source,
        })
}
