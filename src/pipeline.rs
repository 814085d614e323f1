//! The pipeline: sources on their own threads → one bounded channel → journal
//! → engine. Live scans and replays go through exactly this path.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Engine;
use crate::journal::Journal;
use crate::observation::{Record, SourceState, Timestamp};
use crate::sources::{self, Sink, Source, SourceError, Stop};

/// Depth of the one channel between sources and the engine.
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
    rx: Receiver<Record>,
    handles: Vec<JoinHandle<Result<(), SourceError>>>,
    stop: Stop,
    journal: Option<Journal>,
    deadline: Option<Instant>,
    started_at: Instant,
    duration: Option<Duration>,
    marks: Vec<Record>,
    hasher: Option<JoinHandle<Vec<Result<InputFile, String>>>>,
    done: bool,
    pub errors: Vec<SourceError>,
    pub journal_error: Option<String>,
}

/// SHA-256 and size of a file, streamed.
pub fn hash_file(p: &Path) -> Result<InputFile, String> {
    let mut f = std::fs::File::open(p).map_err(|e| format!("{}: cannot open: {e}", p.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(InputFile {
        path: p.display().to_string(),
        bytes,
        sha256: hex::encode(h.finalize()),
    })
}

impl Pipeline {
    /// Start every source on its own thread.
    pub fn start(plan: Plan) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(CHANNEL_DEPTH);
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
        let _ = crate::privilege::drop_all();
        let inputs = plan.inputs.clone();
        let hasher = if inputs.is_empty() {
            None
        } else {
            Some(
                std::thread::Builder::new()
                    .name("hash-inputs".into())
                    .spawn(move || inputs.iter().map(|p| hash_file(p)).collect())?,
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
                "{}: cannot write the journal: {e}",
                j.path().display()
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
        match self.rx.recv_timeout(wait) {
            Ok(rec) => {
                self.feed(engine, rec);
                // Drain what is already queued, bounded so a UI stays responsive.
                for _ in 0..CHANNEL_DEPTH {
                    match self.rx.try_recv() {
                        Ok(rec) => self.feed(engine, rec),
                        Err(_) => break,
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                self.finish(engine);
                return Pump::Done;
            }
        }
        if let Some(j) = self.journal.as_mut() {
            let _ = j.maybe_sync();
        }
        Pump::Running
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
    pub fn input_hashes(&mut self) -> Vec<Result<InputFile, String>> {
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
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{s:?} is not a time like 2026-11-22T10:00:00Z: {e}"))
}
