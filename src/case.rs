//! Case folders: one per check, 0700, files 0600. Nothing is written elsewhere.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::Utc;

/// Where case folders live: `$SWEEP_HOME/cases`, else `$XDG_DATA_HOME/sweep/cases`,
/// else `~/.local/share/sweep/cases`.
pub fn cases_root() -> PathBuf {
    if let Some(h) = std::env::var_os("SWEEP_HOME") {
        return PathBuf::from(h).join("cases");
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("sweep").join("cases");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/sweep/cases")
}

/// Create a directory (and parents) with mode 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Create a new file with mode 0600; fails if it exists (never overwrite silently).
/// An I/O error in words a volunteer can act on: a full disk says so, with what to do.
pub fn io_words(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "disk full: free some space on this laptop (what was analysed until now is still counted and reported)".into(),
        io::ErrorKind::QuotaExceeded => "disk full for this user (quota reached): free some space (what was analysed until now is still counted and reported)".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the disk is read-only: choose a folder on a writable disk".into(),
        _ => e.to_string(),
    }
}

pub fn create_private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Keep only characters safe in a folder name from a case reference.
pub fn safe_ref(case_ref: &str) -> String {
    let s: String = case_ref
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    if s.is_empty() { "check".into() } else { s }
}

/// Make a new case folder `<root>/<UTC time>-<ref>` (0700).
pub fn new_case_dir(root: &Path, case_ref: Option<&str>) -> io::Result<PathBuf> {
    create_private_dir(root)?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let base = format!("{stamp}-{}", safe_ref(case_ref.unwrap_or("check")));
    for n in 0..1000 {
        let name = if n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("could not create a unique case folder"))
}
