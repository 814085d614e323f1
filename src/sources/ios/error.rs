//! Errors of the iPhone check's folders: reading the answers of `ios/<udid>/` (and of a
//! backup made over USB) and writing them. Each names its file; the messages are the ones
//! the volunteer sees (in the `ios-part` reasons and on the screen).

use std::path::Path;

use super::backup::BackupError;
use crate::sources::snapshot_files::SnapshotFileError;

/// Why a file of an iPhone check's folder could not be read, understood or written.
#[derive(Debug, thiserror::Error)]
pub enum IosError {
    /// A raw answer that could not be read (missing, too large, unreadable) or written.
    #[error(transparent)]
    File(#[from] SnapshotFileError),
    /// Not a property list at all (often an answer cut short).
    #[error(
        "{shown}: not a readable property list ({reason}); the answer may have been cut short: run the check again"
    )]
    NotPlist { shown: String, reason: String },
    /// A property list, but not the shape the answer has.
    #[error("{shown}: expected {expected}")]
    Shape {
        shown: String,
        expected: &'static str,
    },
    /// `developer-mode.txt` says neither true nor false.
    #[error("{shown}: expected true or false, found {found:?}")]
    NotAFlag { shown: String, found: String },
    /// One item of misagent's list is not a provisioning profile.
    #[error("{shown}: item {index} is not a provisioning profile (not data)")]
    NotAProfile { shown: String, index: usize },
    /// `manifest.json` is not valid (line and column of the JSON).
    #[error("{path}:{line}:{column}: not a valid manifest: {reason}")]
    Manifest {
        path: String,
        line: usize,
        column: usize,
        reason: String,
    },
    /// A provisioning profile, or the backup made over USB, could not be read.
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error("{path}: cannot create: {reason}")]
    CannotCreate { path: String, reason: String },
    /// `manifest.json` could not be encoded.
    #[error("{path}: cannot write: {reason}")]
    CannotWrite { path: String, reason: String },
}

impl IosError {
    pub(crate) fn not_plist(shown: &str, e: impl std::fmt::Display) -> Self {
        IosError::NotPlist {
            shown: shown.to_string(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn shape(shown: &str, expected: &'static str) -> Self {
        IosError::Shape {
            shown: shown.to_string(),
            expected,
        }
    }

    pub(crate) fn cannot_create(path: &Path, e: impl std::fmt::Display) -> Self {
        IosError::CannotCreate {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn cannot_write(path: &Path, e: impl std::fmt::Display) -> Self {
        IosError::CannotWrite {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

/// Several errors of one folder, as one message (`; ` between them).
pub fn joined(errors: &[IosError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
