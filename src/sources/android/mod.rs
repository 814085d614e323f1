//! The Android app check: what is installed on the phone itself, read over USB through the
//! local adb server (`sweep scan --android`), or from a snapshot folder the check wrote
//! (`sweep scan --from CASE/android/SERIAL`) or AndroidQF wrote. See `docs/android.md`.
//!
//! Both paths end in [`snapshot::read_folder`]: the live check first writes every raw output
//! into the case folder, then reads that folder, so it gives exactly the findings `--from`
//! gives on the same folder.

pub mod parse;
pub mod snapshot;

use std::path::{Path, PathBuf};

use crate::observation::SourceKind;
use crate::sources::{Sink, Source, SourceError, Stop};

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
pub fn source_for_dir(path: &Path) -> Result<Option<Box<dyn Source>>, String> {
    if !path.is_dir() {
        return Err(format!("{}: not a folder", path.display()));
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
            let recs = snapshot::read_folder(d).map_err(SourceError::Input)?;
            if !sink.send_all(recs) {
                break;
            }
        }
        Ok(())
    }
}
