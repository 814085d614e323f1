//! Live collection: run the read-only commands on the phone, pull the APKs of apps that are
//! not part of the system image, and write the snapshot folder (`android/<serial>/`).
//!
//! The collector talks to the phone through the [`Phone`] trait ("run this command", "pull
//! this file"), so tests can fake the phone without an adb server too.

use std::path::Path;

use super::apk;
use super::error::AndroidError;
use super::parse::{self, ApkRecord};
use super::snapshot::{CommandRecord, MANIFEST, Manifest};
use crate::observation::Timestamp;
use crate::sources::snapshot_files::write_file;

/// Every command the check runs on the phone, and the file its output goes to. All of them
/// only read; nothing installs, changes a setting or starts an app (docs/android.md).
pub const COMMANDS: &[(&str, &str)] = &[
    ("getprop.txt", "getprop"),
    ("dumpsys-package.txt", "dumpsys package"),
    ("dumpsys-accessibility.txt", "dumpsys accessibility"),
    ("dumpsys-device_policy.txt", "dumpsys device_policy"),
    (
        "notification-listeners.txt",
        "settings get secure enabled_notification_listeners",
    ),
    ("settings-global.txt", "settings list global"),
    ("settings-secure.txt", "settings list secure"),
    ("settings-system.txt", "settings list system"),
    (
        "launcher-apps.txt",
        "cmd package query-activities --brief -a android.intent.action.MAIN -c android.intent.category.LAUNCHER",
    ),
];

/// Largest APK pulled (bigger ones are hashed on no side and reported).
pub const MAX_APK: u64 = 1024 * 1024 * 1024;

/// A command's output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CmdOutput {
    pub stdout: Vec<u8>,
    /// Exit code when the phone's shell reported one (shell protocol v2).
    pub exit_code: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PhoneError {
    /// The phone went away (unplugged, locked out, adb server gone). `partial` holds the
    /// output received before that.
    Disconnected { reason: String, partial: Vec<u8> },
    /// This one command or pull failed; the phone is still there.
    Failed(String),
}

/// What the collector needs from a phone.
pub trait Phone {
    /// Run a read-only shell command.
    fn run(&mut self, command: &str) -> Result<CmdOutput, PhoneError>;
    /// Read a file from the phone (sync protocol), at most `max` bytes.
    fn pull(&mut self, path: &str, max: u64) -> Result<Vec<u8>, PhoneError>;
}

/// Clock for the manifest (the tests pass a fixed one).
pub type Clock<'a> = &'a dyn Fn() -> Timestamp;

/// The APK of every installed app that is not part of the system image.
pub fn apk_paths(dumpsys_package: &str) -> Vec<(String, String)> {
    parse::dumpsys_package("dumpsys-package.txt", dumpsys_package)
        .value
        .into_iter()
        .filter(|p| p.installed && !p.system)
        .filter_map(|p| {
            let code = p.code_path?;
            let path = if code.ends_with(".apk") {
                code
            } else {
                format!("{}/base.apk", code.trim_end_matches('/'))
            };
            Some((p.package, path))
        })
        .collect()
}

/// Run the collection into `dir` (created, private). Returns the manifest it wrote. What was
/// collected before a disconnection is kept, and the manifest says the collection is partial.
pub fn collect(
    phone: &mut dyn Phone,
    serial: &str,
    dir: &Path,
    clock: Clock,
    stop: &dyn Fn() -> bool,
) -> Result<Manifest, AndroidError> {
    crate::case::create_private_dir(dir).map_err(|source| AndroidError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut m = Manifest {
        tool: "sweep".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        serial: Some(serial.to_string()),
        started: Some(clock()),
        ..Default::default()
    };
    let mut gone: Option<String> = None;
    let mut package_text = None;
    for (file, cmd) in COMMANDS {
        if let Some(why) = &gone {
            m.commands.push(CommandRecord {
                command: cmd.to_string(),
                file: Some(file.to_string()),
                exit_code: None,
                error: Some(format!("not run: {why}")),
            });
            continue;
        }
        if stop() {
            gone = Some("the check was stopped".into());
            m.partial = true;
            m.commands.push(CommandRecord {
                command: cmd.to_string(),
                file: Some(file.to_string()),
                exit_code: None,
                error: Some("not run: the check was stopped".into()),
            });
            continue;
        }
        let (bytes, rec) = match phone.run(cmd) {
            Ok(out) => (
                out.stdout,
                CommandRecord {
                    command: cmd.to_string(),
                    file: Some(file.to_string()),
                    exit_code: out.exit_code,
                    error: None,
                },
            ),
            Err(PhoneError::Disconnected { reason, partial }) => {
                m.partial = true;
                gone = Some(format!("the phone disconnected ({reason})"));
                let error = Some(format!(
                    "the phone disconnected during this command ({reason}); the output is cut short"
                ));
                let rec = CommandRecord {
                    command: cmd.to_string(),
                    file: Some(file.to_string()),
                    exit_code: None,
                    error,
                };
                if partial.is_empty() {
                    m.commands.push(rec);
                    continue;
                }
                (partial, rec)
            }
            Err(PhoneError::Failed(e)) => {
                m.commands.push(CommandRecord {
                    command: cmd.to_string(),
                    file: Some(file.to_string()),
                    exit_code: None,
                    error: Some(e),
                });
                continue;
            }
        };
        if *file == "dumpsys-package.txt" {
            package_text = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        m.files.push(write_file(dir, file, &bytes)?);
        m.commands.push(rec);
    }
    // APK hashes and certificates, for every app not on the system image.
    if let Some(text) = package_text {
        let mut apks = Vec::new();
        for (package, path) in apk_paths(&text) {
            let command = format!("sync RECV {path}");
            if let Some(why) = &gone {
                m.commands.push(CommandRecord {
                    command,
                    file: None,
                    exit_code: None,
                    error: Some(format!("not run: {why}")),
                });
                continue;
            }
            if stop() {
                gone = Some("the check was stopped".into());
                m.partial = true;
                continue;
            }
            let mut rec = ApkRecord {
                package,
                path: Some(path.clone()),
                ..Default::default()
            };
            let mut cmd = CommandRecord {
                command,
                file: None,
                exit_code: None,
                error: None,
            };
            match phone.pull(&path, MAX_APK) {
                Ok(bytes) => {
                    let f = apk::facts(&bytes);
                    rec.sha256 = Some(f.sha256);
                    rec.cert_sha1 = f.cert_sha1;
                    rec.cert_sha256 = f.cert_sha256;
                    rec.error = f.error;
                    apks.push(rec);
                }
                Err(PhoneError::Disconnected { reason, .. }) => {
                    m.partial = true;
                    gone = Some(format!("the phone disconnected ({reason})"));
                    cmd.error = Some(format!("the phone disconnected ({reason})"));
                }
                Err(PhoneError::Failed(e)) => {
                    rec.error = Some(e.clone());
                    cmd.error = Some(e);
                    apks.push(rec);
                }
            }
            m.commands.push(cmd);
        }
        let json = serde_json::to_vec_pretty(&apks).map_err(AndroidError::Encode)?;
        m.files.push(write_file(dir, "apks.json", &json)?);
    }
    m.ended = Some(clock());
    let json = serde_json::to_vec_pretty(&m).map_err(AndroidError::Encode)?;
    write_file(dir, MANIFEST, &json)?;
    Ok(m)
}
