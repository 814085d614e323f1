//! The Android app check: what is installed on the phone itself, read over USB through the
//! local adb server (`sweep scan --android`), or from a snapshot folder the check wrote
//! (`sweep scan --from CASE/android/SERIAL`) or AndroidQF wrote. See `docs/android.md`.
//!
//! Both paths end in [`snapshot::read_folder`]: the live check first writes every raw output
//! into the case folder, then reads that folder, so it gives exactly the findings `--from`
//! gives on the same folder.

pub mod adb;
pub mod apk;
pub mod collect;
pub mod error;
pub mod parse;
pub mod snapshot;

use std::path::{Path, PathBuf};

use crate::observation::{SourceKind, SourceState};
use crate::sources::{Sink, Source, SourceError, Stop};
pub use error::AndroidError;

/// The snapshot folders under `path`: `path` itself, or `path/android/<serial>/` of a case
/// folder (every phone in it), sorted.
pub fn snapshot_dirs(path: &Path) -> Vec<PathBuf> {
    if snapshot::layout(path).is_some() {
        return vec![path.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path.join("android"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && snapshot::layout(p).is_some())
        .collect();
    out.sort();
    out
}

/// Every file a `--from DIR` reads, for `scan.inputs` (SHA-256 of each).
pub fn input_files(path: &Path) -> Vec<PathBuf> {
    snapshot_dirs(path)
        .iter()
        .flat_map(|d| snapshot::input_files(d))
        .collect()
}

/// The source for a `--from` folder: a phone snapshot (sweep's or AndroidQF's) or a case
/// folder holding `android/<serial>/`. `Ok(None)` when the folder holds neither.
pub fn source_for_dir(path: &Path) -> Result<Option<Box<dyn Source>>, AndroidError> {
    if !path.is_dir() {
        return Err(AndroidError::NotAFolder(path.to_path_buf()));
    }
    let dirs = snapshot_dirs(path);
    if dirs.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(SnapshotSource { dirs })))
}

/// Reads snapshot folders and sends their observations.
pub struct SnapshotSource {
    pub dirs: Vec<PathBuf>,
}

impl Source for SnapshotSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Android
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        for d in &self.dirs {
            if stop.is_stopped() {
                break;
            }
            let recs = snapshot::read_folder(d)?;
            if !sink.send_all(recs) {
                break;
            }
        }
        Ok(())
    }
}

/// A serial number as a folder name: letters, digits, `.`, `_` and `-` kept, anything else
/// written as `%XX` (serials come from the phone: untrusted).
pub fn safe_serial(serial: &str) -> String {
    let mut out = String::new();
    for b in serial.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && !out.is_empty()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

/// Where a phone's snapshot goes in a case folder.
pub fn snapshot_dir(case_dir: &Path, serial: &str) -> PathBuf {
    case_dir.join("android").join(safe_serial(serial))
}

/// Collect from `phone` into the case folder, then read what was written (the same path
/// as `--from`), sending the observations.
pub fn collect_and_send(
    phone: &mut dyn collect::Phone,
    serial: &str,
    case_dir: &Path,
    sink: &Sink,
    stop: &Stop,
) -> Result<PathBuf, SourceError> {
    let android = case_dir.join("android");
    crate::case::create_private_dir(&android).map_err(|source| AndroidError::CreateDir {
        path: android.clone(),
        source,
    })?;
    let dir = snapshot_dir(case_dir, serial);
    collect::collect(phone, serial, &dir, &chrono::Utc::now, &|| {
        stop.is_stopped()
    })?;
    let recs = snapshot::read_folder(&dir)?;
    sink.send_all(recs);
    Ok(dir)
}

/// The live check: the phone over USB through the local adb server
/// (`sweep scan --android [--serial SERIAL]`). Its snapshot goes into `case_dir`.
pub struct LiveSource {
    pub serial: Option<String>,
    pub case_dir: PathBuf,
}

/// The live source, for the session layer.
pub fn live_source(case_dir: &Path, serial: Option<&str>) -> Box<dyn Source> {
    Box::new(LiveSource {
        serial: serial.map(str::to_string),
        case_dir: case_dir.to_path_buf(),
    })
}

impl Source for LiveSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Android
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        sink.status(
            chrono::Utc::now(),
            SourceKind::Android,
            SourceState::Running,
            None,
            None,
        );
        let (mut phone, listed) = adb::AdbPhone::open(self.serial.as_deref())?;
        collect_and_send(&mut phone, &listed.serial, &self.case_dir, sink, stop)?;
        Ok(())
    }
}
