//! One session layer for every front end: `sweep scan`, the screens, `sweep demo` and a
//! reopened case all ask for checks here, run them through the one pipeline, and get the
//! same finished result (a `Report`) with the same inputs, checksums, case and coverage.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::Engine;
use crate::engine::coverage::Asked;
use crate::observation::{AskedCheck, Check, Observation, Record, SessionInfo, Timestamp};
use crate::pipeline::{InputFile, Pipeline, Plan, Pump};
use crate::report::{self, Format, Report, ScanMeta};
use crate::signatures::{SignatureError, SignatureSet};
use crate::sources::Source;
use crate::sources::android::AndroidError;
use crate::sources::replay::{Pace, ReplayInput, ReplaySource};
use crate::sources::traffic::{CaptureFileSource, LiveTrafficSource, is_capture_magic};

/// The recorded clinic session shown by `sweep demo`.
pub const DEMO_SESSION: &str = include_str!("../demo/clinic-session.jsonl");

/// How long a live check runs when nobody says.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(60);

/// Errors of the session layer.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// An input or output named on the command line is unusable (exit code 2).
    #[error("{0}")]
    Input(String),
    /// The session could not start here (exit code 1).
    #[error("{0}")]
    CannotRun(String),
    /// A phone snapshot folder named with `--from` cannot be read (exit code 2).
    #[error(transparent)]
    Android(#[from] AndroidError),
    /// An iPhone backup given to `--from` that cannot be read (encrypted, damaged).
    #[error(transparent)]
    Backup(#[from] crate::sources::ios::backup::BackupError),
    /// A `--from` folder that holds no phone snapshot (exit code 2).
    #[error(
        "{}: this folder holds no phone snapshot (android/<serial>/ with getprop.txt, dumpsys-package.txt, ...; ios/<udid>/ with device-info.plist; or AndroidQF's packages.json)",
        .0.display()
    )]
    NoPhoneSnapshot(PathBuf),
    /// A `--from` file that cannot be opened or read (exit code 2).
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A `--from` file with no byte at all (exit code 2).
    #[error(
        "{}: the file is empty (offset 0); expected a recording (.jsonl) or a capture (pcap/pcapng)",
        .0.display()
    )]
    EmptyFile(PathBuf),
    /// A `--from` file whose first bytes are neither JSON Lines nor a capture (exit code 2).
    #[error(
        "{}: not a recording or a capture (offset 0: bytes {}); expected JSON Lines, pcap or pcapng",
        path.display(),
        hex::encode(head)
    )]
    UnknownFile { path: PathBuf, head: Vec<u8> },
    /// No case folder could be made for an export.
    #[error("could not create a case folder in {}: {source}", root.display())]
    CaseFolder {
        root: PathBuf,
        source: std::io::Error,
    },
    /// The reports could not be written.
    #[error(transparent)]
    Report(#[from] report::ReportError),
    /// The signatures given with `--signatures` (or the embedded ones) do not load (exit
    /// code 2).
    #[error(transparent)]
    Signatures(#[from] SignatureError),
    /// The signature loader could not give up its capabilities.
    #[error(transparent)]
    Privilege(#[from] crate::privilege::PrivilegeError),
    /// The thread loading the embedded signatures ended without a result.
    #[error("the signature loader stopped unexpectedly")]
    LoaderStopped,
}

impl SessionError {
    /// The error is in what was given to sweep (a file, a folder, a signature file, an
    /// option), not in this machine: exit code 2 rather than 1.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SessionError::Input(_)
                | SessionError::Android(_)
                | SessionError::Backup(_)
                | SessionError::NoPhoneSnapshot(_)
                | SessionError::Open { .. }
                | SessionError::Read { .. }
                | SessionError::EmptyFile(_)
                | SessionError::UnknownFile { .. }
                | SessionError::Signatures(_)
        )
    }
}

/// One check the volunteer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRequest {
    Bluetooth,
    Network {
        interface: String,
        active: bool,
    },
    PhoneTraffic {
        interface: String,
    },
    /// The apps on an Android phone over USB (through the local adb server; read-only).
    PhoneApps {
        serial: Option<String>,
    },
    /// An iPhone over USB (usbmuxd and lockdown, through libimobiledevice's tools;
    /// read-only).
    Iphone {
        udid: Option<String>,
        /// Also make a full backup into the case folder (the client agreed): it gives the
        /// configuration profiles, which cannot be listed over USB otherwise.
        backup: bool,
    },
    /// A recording (.jsonl), a capture (pcap/pcapng) or a phone snapshot folder to analyse.
    File(PathBuf),
}

impl CheckRequest {
    fn live_check(&self) -> Option<Check> {
        match self {
            CheckRequest::Bluetooth => Some(Check::Bluetooth),
            CheckRequest::Network { .. } => Some(Check::Network),
            CheckRequest::PhoneTraffic { .. } => Some(Check::PhoneTraffic),
            CheckRequest::PhoneApps { .. } => Some(Check::PhoneApps),
            CheckRequest::Iphone { .. } => Some(Check::Iphone),
            CheckRequest::File(_) => None,
        }
    }
}

/// What kind of session this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A check the volunteer started (live, or files analysed).
    Check,
    /// `sweep demo`: the embedded recording; never a case.
    Demo,
    /// A finished case replayed from its journal: read-only.
    Reopened,
}

/// Everything a session needs to start.
#[derive(Debug, Clone, Default)]
pub struct SessionSpec {
    pub checks: Vec<CheckRequest>,
    /// How long live checks run.
    pub duration: Option<Duration>,
    pub case: Option<String>,
    pub operator: Option<String>,
    /// Folder for case folders (default `case::cases_root()`).
    pub cases_dir: Option<PathBuf>,
    /// Also record every observation here (`--record`).
    pub record: Option<PathBuf>,
    /// Volunteer marks at given times (place marks).
    pub marks: Vec<Record>,
    /// Replay speed for recordings (`None`: as fast as possible).
    pub speed: Option<f64>,
    /// Opens raw sockets for a caller that has dropped its capabilities (the screens).
    pub opener: Option<crate::sources::LinkOpener>,
}

/// A running or finished session.
pub struct Session {
    pipeline: Pipeline,
    pub mode: Mode,
    pub case_dir: Option<PathBuf>,
    pub case: Option<String>,
    pub operator: Option<String>,
    /// Wall-clock start and end (live checks).
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    live: bool,
    asked: Vec<Asked>,
    live_capture: Option<PathBuf>,
    /// The app check writes the phone's snapshot into the case folder (hashed at the end).
    phone_snapshot: bool,
    inputs: Vec<InputFile>,
    /// Problems met while closing (checksums, the case's findings.json).
    pub close_errors: Vec<String>,
    closed: bool,
    /// The volunteer stopped the check before its time.
    pub stopped_early: bool,
}

/// The phone folders a `--from DIR` names: an iPhone's live-check folder (`ios/<udid>/`)
/// alone, or Android snapshots and iPhone folders (a case folder may hold both); each with
/// the files whose checksums go into the findings.
pub fn phone_sources_for_dir(p: &Path) -> Result<Vec<crate::sources::ios::Opened>, SessionError> {
    use crate::sources::ios::snapshot as ios;
    let mut out: Vec<crate::sources::ios::Opened> = Vec::new();
    let ios_dirs = ios::snapshot_dirs(p);
    let ios_itself = ios_dirs.len() == 1 && ios_dirs[0] == p;
    if !ios_itself && let Some(s) = crate::sources::android::source_for_dir(p)? {
        out.push((s, crate::sources::android::input_files(p)));
    }
    if !ios_dirs.is_empty() {
        let files = ios_dirs.iter().flat_map(|d| ios::input_files(d)).collect();
        out.push((Box::new(ios::SnapshotSource { dirs: ios_dirs }), files));
    }
    Ok(out)
}

/// Which source reads a `--from` file, decided by its first bytes (a folder: a phone
/// snapshot).
pub fn source_for_file(p: &Path, pace: Pace) -> Result<Box<dyn Source>, SessionError> {
    if p.is_dir() {
        return phone_sources_for_dir(p)?
            .into_iter()
            .next()
            .map(|(s, _)| s)
            .ok_or_else(|| SessionError::NoPhoneSnapshot(p.to_path_buf()));
    }
    let mut f = std::fs::File::open(p).map_err(|source| SessionError::Open {
        path: p.to_path_buf(),
        source,
    })?;
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(source) => {
                return Err(SessionError::Read {
                    path: p.to_path_buf(),
                    source,
                });
            }
        }
    }
    if n == 0 {
        return Err(SessionError::EmptyFile(p.to_path_buf()));
    }
    if is_capture_magic(&head[..n]) {
        return Ok(Box::new(CaptureFileSource::new(p)));
    }
    if head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_none_or(|b| *b == b'{')
    {
        return Ok(Box::new(ReplaySource {
            name: p.display().to_string(),
            input: ReplayInput::File(p.to_path_buf()),
            pace,
            rebase_to: None,
        }));
    }
    Err(SessionError::UnknownFile {
        path: p.to_path_buf(),
        head: head[..n].to_vec(),
    })
}

impl Session {
    /// Start the checks asked for. Live checks get a case folder with the journal (and
    /// the capture); the session's first record says what was asked.
    pub fn start(spec: SessionSpec) -> Result<Session, SessionError> {
        let pace = spec
            .speed
            .filter(|s| *s > 0.0)
            .map_or(Pace::AsFast, Pace::Speed);
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        let mut files = Vec::new();
        for c in &spec.checks {
            if let CheckRequest::File(p) = c {
                // A phone snapshot folder (Android, an AndroidQF collection, an iPhone's
                // ios/<udid>/, or a case folder holding them): every file of it is
                // checksummed into the findings.
                if p.is_dir() {
                    let found = phone_sources_for_dir(p)?;
                    if !found.is_empty() {
                        for (source, inputs) in found {
                            sources.push(source);
                            files.extend(inputs);
                        }
                        continue;
                    }
                }
                // An iPhone backup folder: its files' checksums go into the findings.
                if let Some((source, inputs)) = crate::sources::ios::open_dir(p)? {
                    sources.push(source);
                    files.extend(inputs);
                    continue;
                }
                sources.push(source_for_file(p, pace)?);
                files.push(p.clone());
            }
        }
        let live = spec.checks.iter().any(|c| c.live_check().is_some());
        if !live && files.is_empty() {
            return Err(SessionError::Input(
                "nothing to check: ask for at least one check".into(),
            ));
        }
        // The app check ends by itself; only checks that listen need a time limit.
        let listens = spec.checks.iter().any(|c| {
            matches!(
                c,
                CheckRequest::Bluetooth
                    | CheckRequest::Network { .. }
                    | CheckRequest::PhoneTraffic { .. }
            )
        });
        let duration = listens.then(|| spec.duration.unwrap_or(DEFAULT_DURATION));
        let case_dir = if live {
            let root = spec
                .cases_dir
                .clone()
                .unwrap_or_else(crate::case::cases_root);
            Some(
                crate::case::new_case_dir(&root, spec.case.as_deref()).map_err(|e| {
                    SessionError::CannotRun(format!(
                        "cannot create a case folder in {}: {e}",
                        root.display()
                    ))
                })?,
            )
        } else {
            None
        };
        let mut live_capture = None;
        let mut phone_snapshot = false;
        let mut asked = Vec::new();
        for c in &spec.checks {
            if let Some(check) = c.live_check()
                && !asked.iter().any(|a: &Asked| a.check == check)
            {
                asked.push(Asked { check, duration });
            }
            match c {
                CheckRequest::Bluetooth => {
                    sources.push(Box::new(crate::sources::ble::BleSource::new()))
                }
                CheckRequest::Network { interface, active } => {
                    sources.push(Box::new(
                        crate::sources::lan::LanSource::new(interface.clone(), *active)
                            .with_opener(spec.opener.clone()),
                    ));
                    // mDNS browsing sends queries, so it is part of the active check;
                    // passive listening still hears announcements through the LAN source.
                    if *active {
                        sources.push(Box::new(crate::sources::mdns::MdnsSource::new(
                            interface.clone(),
                        )));
                    }
                }
                CheckRequest::PhoneTraffic { interface } => {
                    let p = case_dir.as_ref().map(|d| d.join("capture.pcapng"));
                    live_capture = p.clone();
                    sources.push(Box::new(
                        LiveTrafficSource::new(interface.clone(), p)
                            .with_opener(spec.opener.clone()),
                    ));
                }
                CheckRequest::PhoneApps { serial } => {
                    if let Some(d) = &case_dir {
                        sources.push(crate::sources::android::live_source(d, serial.as_deref()));
                        phone_snapshot = true;
                    }
                }
                CheckRequest::Iphone { udid, backup } => {
                    if let Some(d) = &case_dir {
                        sources.push(crate::sources::ios::live::live_source(
                            d,
                            udid.as_deref(),
                            crate::sources::ios::live::Extras { backup: *backup },
                        ));
                        phone_snapshot = true;
                    }
                }
                CheckRequest::File(_) => {}
            }
        }
        let mut marks = spec.marks.clone();
        let started = chrono::Utc::now();
        if live {
            marks.push(Record::new(
                started,
                Observation::Session(SessionInfo {
                    case: spec.case.clone(),
                    operator: spec.operator.clone(),
                    checks: asked
                        .iter()
                        .map(|a| AskedCheck {
                            check: a.check,
                            seconds: a.duration.map(|d| d.as_secs()),
                        })
                        .collect(),
                    demo: false,
                }),
            ));
        }
        let journal = spec
            .record
            .clone()
            .or_else(|| case_dir.as_ref().map(|d| d.join("journal.jsonl")));
        let pipeline = Pipeline::start(Plan {
            sources,
            duration,
            journal,
            marks,
            inputs: files,
        })
        .map_err(|e| SessionError::CannotRun(e.to_string()))?;
        Ok(Session {
            pipeline,
            mode: Mode::Check,
            case_dir,
            case: spec.case,
            operator: spec.operator,
            started,
            ended: None,
            live,
            asked,
            live_capture,
            phone_snapshot,
            inputs: Vec::new(),
            close_errors: Vec::new(),
            closed: false,
            stopped_early: false,
        })
    }

    /// `sweep demo`: the embedded recording at `speed`, times moved to now.
    pub fn demo(speed: f64) -> Result<Session, SessionError> {
        let pipeline = Pipeline::start(Plan {
            sources: vec![Box::new(ReplaySource {
                name: "demo/clinic-session.jsonl".into(),
                input: ReplayInput::Text(DEMO_SESSION),
                pace: Pace::Speed(speed.max(0.01)),
                rebase_to: Some(chrono::Utc::now()),
            })],
            duration: None,
            journal: None,
            marks: Vec::new(),
            inputs: Vec::new(),
        })
        .map_err(|e| SessionError::CannotRun(e.to_string()))?;
        Ok(Session::replaying(pipeline, Mode::Demo, None))
    }

    /// Replay a case folder's journal, read-only: nothing in the folder is changed.
    pub fn reopen(case_dir: &Path) -> Result<Session, SessionError> {
        let journal = case_dir.join("journal.jsonl");
        if !journal.is_file() {
            return Err(SessionError::Input(format!(
                "{}: this case has no journal to reopen",
                case_dir.display()
            )));
        }
        let pipeline = Pipeline::start(Plan {
            sources: vec![Box::new(ReplaySource {
                name: journal.display().to_string(),
                input: ReplayInput::File(journal.clone()),
                pace: Pace::AsFast,
                rebase_to: None,
            })],
            duration: None,
            journal: None,
            marks: Vec::new(),
            inputs: vec![journal],
        })
        .map_err(|e| SessionError::CannotRun(e.to_string()))?;
        Ok(Session::replaying(
            pipeline,
            Mode::Reopened,
            Some(case_dir.to_path_buf()),
        ))
    }

    fn replaying(pipeline: Pipeline, mode: Mode, case_dir: Option<PathBuf>) -> Session {
        Session {
            pipeline,
            mode,
            case_dir,
            case: None,
            operator: None,
            started: chrono::Utc::now(),
            ended: None,
            live: false,
            asked: Vec::new(),
            live_capture: None,
            phone_snapshot: false,
            inputs: Vec::new(),
            close_errors: Vec::new(),
            closed: false,
            stopped_early: false,
        }
    }

    /// Move what the sources sent into the engine (see `Pipeline::pump`).
    pub fn pump(&mut self, engine: &mut Engine, wait: Duration) -> Pump {
        engine.set_latest_plausible(self.started + chrono::Duration::days(1));
        let p = self.pipeline.pump(engine, wait);
        if p == Pump::Done && self.ended.is_none() {
            self.ended = Some(chrono::Utc::now());
        }
        p
    }

    /// Run to the end (headless).
    pub fn run_to_end(&mut self, engine: &mut Engine) {
        while self.pump(engine, Duration::from_millis(200)) == Pump::Running {}
    }

    /// Add a volunteer's observation now (place mark, "this is mine"); it is journalled.
    pub fn add(&mut self, engine: &mut Engine, rec: Record) {
        self.pipeline.add(engine, rec);
    }

    /// Stop the sources (the volunteer ended the check, or quit).
    pub fn stop(&mut self) {
        if !self.is_finished() {
            self.stopped_early = true;
        }
        self.pipeline.stop();
    }

    pub fn stop_handle(&self) -> crate::sources::Stop {
        self.pipeline.stop_handle()
    }

    /// Every source has ended.
    pub fn is_finished(&self) -> bool {
        self.ended.is_some()
    }

    /// Share of the asked time gone and time left, frozen once the session has ended.
    pub fn progress(&self) -> Option<(f64, Duration)> {
        if self.is_finished() {
            return None;
        }
        self.pipeline.progress()
    }

    /// Errors the sources returned (bad input, unavailable, failed).
    pub fn source_errors(&self) -> &[crate::sources::SourceError] {
        &self.pipeline.errors
    }

    pub fn journal_error(&self) -> Option<&str> {
        self.pipeline.journal_error.as_deref()
    }

    /// The capabilities could not be dropped after the sockets were opened: the check ran
    /// with more privileges than it should have.
    pub fn privilege_error(&self) -> Option<&str> {
        self.pipeline.privilege_error.as_deref()
    }

    pub fn journal_path(&self) -> Option<&Path> {
        self.pipeline.journal_path()
    }

    /// A live session asked for real checks (not files, not a demo).
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// After the sources ended: checksum the inputs and, for a live check, write the
    /// case's own findings.json (never over an existing one). Idempotent.
    pub fn close(&mut self, engine: &Engine) -> Report {
        if !self.closed {
            self.closed = true;
            for h in self.pipeline.input_hashes() {
                match h {
                    Ok(i) => self.inputs.push(i),
                    Err(e) => self.close_errors.push(e.to_string()),
                }
            }
            let mut written: Vec<PathBuf> = self
                .live_capture
                .iter()
                .filter(|p| p.exists())
                .cloned()
                .collect();
            if self.phone_snapshot
                && let Some(d) = &self.case_dir
            {
                written.extend(crate::sources::android::input_files(d));
                for ios in crate::sources::ios::snapshot::snapshot_dirs(d) {
                    written.extend(crate::sources::ios::snapshot::input_files(&ios));
                }
            }
            for p in &written {
                match crate::pipeline::hash_file(p) {
                    Ok(i) => self.inputs.push(i),
                    Err(e) => self.close_errors.push(e.to_string()),
                }
            }
            if self.live
                && let Some(dir) = &self.case_dir
            {
                let p = dir.join("findings.json");
                let r = self.report(engine);
                if let Err(e) = report::write_atomic(&p, r.to_json().as_bytes(), false) {
                    self.close_errors.push(format!(
                        "{}: {}",
                        p.display(),
                        crate::case::io_words(&e)
                    ));
                }
            }
        }
        self.report(engine)
    }

    /// The result as it stands: the same model every report format and the JSON render.
    pub fn report(&self, engine: &Engine) -> Report {
        let running = !self.is_finished();
        Report::build(
            engine,
            ScanMeta {
                case: self.case.clone(),
                operator: self.operator.clone(),
                started: self.live.then_some(self.started),
                ended: if self.live { self.ended } else { None },
                inputs: self.inputs.clone(),
                extra_sources: Vec::new(),
                asked: self.asked.clone(),
                demo: self.mode == Mode::Demo,
                now: (self.live && running).then(chrono::Utc::now),
            },
        )
    }

    /// Export every format into the case folder (a demo gets a folder of its own), beside
    /// what is already there: existing files are never replaced (`report-2.pdf`, ...).
    pub fn export(&mut self, engine: &Engine, root: &Path) -> Result<Vec<PathBuf>, SessionError> {
        let dir = match &self.case_dir {
            Some(d) => d.clone(),
            None => {
                let r = match self.mode {
                    Mode::Demo => Some("demo"),
                    _ => self.case.as_deref(),
                };
                let d = crate::case::new_case_dir(root, r).map_err(|source| {
                    SessionError::CaseFolder {
                        root: root.to_path_buf(),
                        source,
                    }
                })?;
                self.case_dir = Some(d.clone());
                d
            }
        };
        let r = if self.is_finished() {
            self.close(engine)
        } else {
            self.report(engine)
        };
        Ok(report::export_all(&r, &dir)?)
    }
}

/// Check report and JSON outputs before anything is scanned: a known format, a folder that
/// exists, and no existing file unless `overwrite` (and then only a regular file).
pub fn check_outputs(paths: &[&Path], overwrite: bool) -> Result<(), SessionError> {
    for p in paths {
        if p.as_os_str() == "-" {
            continue;
        }
        if !p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Format::from_path(p).map_err(|e| SessionError::Input(e.to_string()))?;
        }
        report::check_writable(p, overwrite).map_err(|e| SessionError::Input(e.to_string()))?;
    }
    Ok(())
}

/// The engine for a session, and where its signatures come from.
pub enum EngineLoad {
    Ready(Box<Engine>),
    /// The embedded signatures (checked when sweep is built, and by its tests), parsed and
    /// indexed on a helper thread while the sources start.
    Loading(std::thread::JoinHandle<Result<Engine, SessionError>>),
}

impl EngineLoad {
    /// A folder given with --signatures is read and checked now, before anything starts;
    /// the embedded signatures load alongside the sources.
    pub fn start(sig_dir: Option<&Path>) -> Result<EngineLoad, SessionError> {
        if let Some(d) = sig_dir {
            let s = SignatureSet::load(d)?;
            return Ok(EngineLoad::Ready(Box::new(Engine::new(Arc::new(s)))));
        }
        match std::thread::Builder::new()
            .name("signatures".into())
            .spawn(|| {
                // Started before the sources open their sockets: this thread gives up
                // every capability first, so parsing never runs with one.
                crate::privilege::drop_all()?;
                Ok(Engine::new(Arc::new(SignatureSet::embedded()?)))
            }) {
            Ok(h) => Ok(EngineLoad::Loading(h)),
            Err(_) => Ok(EngineLoad::Ready(Box::new(Engine::new(Arc::new(
                SignatureSet::embedded()?,
            ))))),
        }
    }

    pub fn wait(self) -> Result<Engine, SessionError> {
        match self {
            EngineLoad::Ready(e) => Ok(*e),
            EngineLoad::Loading(h) => h
                .join()
                .unwrap_or_else(|_| Err(SessionError::LoaderStopped)),
        }
    }
}
