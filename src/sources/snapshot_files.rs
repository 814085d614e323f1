//! The files of a phone's snapshot folder in a case folder (`android/<serial>/`,
//! `ios/<udid>/`): each raw output written once, private (0600) and never over an existing
//! file, with its size and SHA-256 for the manifest; and read back with a size cap, so a
//! hostile or broken folder cannot make sweep read without end.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One file a collection wrote, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileRecord {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A snapshot file that could not be written or read. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    /// Creating, writing or syncing the file failed (it may already exist: nothing is
    /// replaced).
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file's size could not be learned (missing, no permission).
    #[error("{}: {source}", path.display())]
    Metadata {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Larger than the caller reads.
    #[error("{}: {size} bytes, more than the {max} bytes sweep reads", path.display())]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Write `bytes` to `dir/name`: a new private file (0600, created only if it does not exist
/// yet), written and synced to the disk before its record is returned.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<FileRecord, SnapshotFileError> {
    let path = dir.join(name);
    let written = crate::case::create_private_file(&path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()));
    if let Err(source) = written {
        return Err(SnapshotFileError::Write { path, source });
    }
    Ok(FileRecord {
        file: name.to_string(),
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// The whole file at `path`, refused when it is over `max` bytes.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, SnapshotFileError> {
    let meta = std::fs::metadata(path).map_err(|source| SnapshotFileError::Metadata {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > max {
        return Err(SnapshotFileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            max,
        });
    }
    std::fs::read(path).map_err(|source| SnapshotFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn written_private_once_and_read_back_within_the_cap() {
        let dir = tempfile::tempdir().expect("tmp");
        let rec = write_file(dir.path(), "a.txt", b"hello\n").expect("write");
        assert_eq!(rec.bytes, 6);
        assert_eq!(rec.sha256, hex::encode(Sha256::digest(b"hello\n")));
        let path = dir.path().join("a.txt");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // Never over an existing file.
        let again = write_file(dir.path(), "a.txt", b"other").expect_err("exists");
        assert!(
            again.to_string().contains("a.txt: cannot write: "),
            "{again}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"hello\n");
        assert_eq!(read_capped(&path, 6).expect("fits"), b"hello\n");
        let big = read_capped(&path, 5).expect_err("too big");
        assert!(
            big.to_string()
                .ends_with(": 6 bytes, more than the 5 bytes sweep reads"),
            "{big}"
        );
        let gone = read_capped(&dir.path().join("missing"), 5).expect_err("missing");
        assert!(matches!(gone, SnapshotFileError::Metadata { .. }), "{gone}");
    }
}
