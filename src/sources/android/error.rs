//! Errors of the Android layer: the adb server's address, the sync protocol, an APK's
//! signatures, the snapshot folder and its files. Each message names what it is about (the
//! file and line, the APK's signature file) in the words the check has always used; the
//! source layer turns them into a [`SourceError`] with `From`.

use std::path::PathBuf;

use crate::sources::SourceError;
use crate::sources::snapshot_files::SnapshotFileError;

/// What went wrong in the Android layer.
#[derive(Debug, thiserror::Error)]
pub enum AndroidError {
    // ---- the adb server
    /// `ADB_SERVER_SOCKET` is not `tcp:HOST:PORT` or `tcp:PORT`.
    #[error("ADB_SERVER_SOCKET={value:?} is not understood: sweep reads tcp:HOST:PORT or tcp:PORT")]
    ServerSocket { value: String },
    /// `ADB_SERVER_SOCKET`'s port is not a number.
    #[error("ADB_SERVER_SOCKET={value:?}: {port:?} is not a port number")]
    ServerPort { value: String, port: String },

    // ---- the sync protocol
    /// The connection to the adb server for a sync session failed.
    #[error("{0}")]
    SyncIo(#[source] std::io::Error),
    /// The adb server refused a request (its FAIL message).
    #[error("adb: {0}")]
    SyncRefused(String),

    // ---- an APK's signing certificates
    #[error("not an APK (not a zip file)")]
    NotZip,
    #[error("no APK Signing Block (v2/v3) could be read ({0})")]
    NoSigningBlock(String),
    #[error("the APK Signing Block holds no v2/v3 certificate")]
    NoV2V3Certificate,
    #[error("no v1 signature either: the zip cannot be read ({0})")]
    V1Zip(String),
    #[error("no v1 signature either (no META-INF/*.RSA, *.DSA or *.EC file)")]
    NoV1Signature,
    /// Every v1 signature file of the APK, and why none gave a certificate.
    #[error("{}", join(.0))]
    V1Signatures(Vec<V1Problem>),
    /// Neither the v2/v3 block nor a v1 signature gave a certificate.
    #[error("{v2}; {v1}")]
    NoCertificate {
        v2: Box<AndroidError>,
        v1: Box<AndroidError>,
    },

    // ---- the snapshot folder
    #[error("{}: not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error(
        "{}: not a phone snapshot folder (expected getprop.txt, dumpsys-package.txt, ... or AndroidQF's packages.json)",
        .0.display()
    )]
    NotASnapshot(PathBuf),
    /// `manifest.json` is not JSON of a manifest.
    #[error("{}:{line}:{column}: not a valid manifest: {source}", path.display())]
    Manifest {
        path: PathBuf,
        line: usize,
        column: usize,
        source: serde_json::Error,
    },
    /// A folder of the snapshot could not be created.
    #[error("{}: cannot create: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A snapshot file could not be written or read.
    #[error(transparent)]
    File(#[from] SnapshotFileError),
    /// What the collection wrote could not be encoded as JSON.
    #[error("{0}")]
    Encode(#[source] serde_json::Error),
    /// A JSON value that should be hex of `bytes` bytes.
    #[error("{value} is not {} hex digits", .bytes * 2)]
    NotHex { value: String, bytes: usize },
}

/// Why one v1 signature file (`META-INF/NAME.RSA|.DSA|.EC`) gave no certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the v1 signature {file} {problem}")]
pub struct V1Problem {
    pub file: String,
    pub problem: V1Fault,
}

/// What is wrong with a v1 signature file (after "the v1 signature NAME").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V1Fault {
    #[error("cannot be read from the zip ({0})")]
    Unreadable(String),
    #[error("is over 1 MiB: not a signature")]
    TooLarge,
    #[error("is not a PKCS#7 structure ({0})")]
    NotPkcs7(String),
    #[error("is not PKCS#7 SignedData (content type {0})")]
    NotSignedData(String),
    #[error("is not a readable PKCS#7 SignedData ({0})")]
    BadSignedData(String),
    #[error("holds no certificate")]
    NoCertificate,
    #[error("holds a certificate that cannot be encoded ({0})")]
    Unencodable(String),
    #[error("holds a certificate not in strict DER: its fingerprint would not be the listed one")]
    NotStrictDer,
}

fn join(problems: &[V1Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<AndroidError> for SourceError {
    /// A bad folder or file is bad input (exit code 2); a bad `ADB_SERVER_SOCKET` makes the
    /// check unavailable, with the fix; the rest (writing the snapshot, the sync connection,
    /// an APK) is a failure of the check.
    fn from(e: AndroidError) -> Self {
        match e {
            AndroidError::ServerSocket { .. } | AndroidError::ServerPort { .. } => {
                SourceError::Unavailable {
                    reason: e.to_string(),
                    fix: "Set ADB_SERVER_SOCKET=tcp:127.0.0.1:5037 or unset it.".into(),
                }
            }
            AndroidError::NotAFolder(_)
            | AndroidError::NotASnapshot(_)
            | AndroidError::Manifest { .. }
            | AndroidError::NotHex { .. }
            | AndroidError::File(
                SnapshotFileError::Metadata { .. }
                | SnapshotFileError::TooLarge { .. }
                | SnapshotFileError::Read { .. },
            ) => SourceError::Input(e.to_string()),
            _ => SourceError::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_unavailable_and_failed_stay_apart() {
        let socket = SourceError::from(AndroidError::ServerPort {
            value: "tcp:x".into(),
            port: "x".into(),
        });
        assert_eq!(
            socket,
            SourceError::Unavailable {
                reason: "ADB_SERVER_SOCKET=\"tcp:x\": \"x\" is not a port number".into(),
                fix: "Set ADB_SERVER_SOCKET=tcp:127.0.0.1:5037 or unset it.".into(),
            }
        );
        let folder = SourceError::from(AndroidError::NotASnapshot(PathBuf::from("/c/x")));
        assert!(
            matches!(&folder, SourceError::Input(m) if m.starts_with("/c/x: not a phone snapshot folder")),
            "{folder:?}"
        );
        let write = SourceError::from(AndroidError::File(SnapshotFileError::Write {
            path: PathBuf::from("/c/x/getprop.txt"),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        }));
        assert!(
            matches!(&write, SourceError::Failed(m) if m.starts_with("/c/x/getprop.txt: cannot write: ")),
            "{write:?}"
        );
    }

    #[test]
    fn apk_messages_read_as_before() {
        let e = AndroidError::NoCertificate {
            v2: Box::new(AndroidError::NoV2V3Certificate),
            v1: Box::new(AndroidError::V1Signatures(vec![
                V1Problem {
                    file: "META-INF/A.RSA".into(),
                    problem: V1Fault::TooLarge,
                },
                V1Problem {
                    file: "META-INF/B.RSA".into(),
                    problem: V1Fault::NoCertificate,
                },
            ])),
        };
        assert_eq!(
            e.to_string(),
            "the APK Signing Block holds no v2/v3 certificate; the v1 signature META-INF/A.RSA is over 1 MiB: not a signature; the v1 signature META-INF/B.RSA holds no certificate"
        );
    }
}
