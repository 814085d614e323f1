//! The iPhone link sweep ships: Debian's `libimobiledevice-utils` and `ideviceinstaller`
//! command-line tools, run as child processes with read-only subcommands only. They talk
//! to usbmuxd, keep the pairing records (`/var/lib/lockdown/`) and speak lockdown's TLS, so
//! sweep carries no TLS stack or lockdown code of its own (docs/ios.md says why this was
//! chosen over the `idevice` crate).
//!
//! | request | command |
//! |---|---|
//! | listing | `idevice_id -l`, then `ideviceinfo -s -x -u UDID` (no pairing) |
//! | device info | `ideviceinfo -u UDID -x` |
//! | supervision | `ideviceinfo -u UDID -q com.apple.mobile.chaperone -x` |
//! | Developer Mode | `ideviceinfo -u UDID -q com.apple.security.mac.amfi -k DeveloperModeStatus` |
//! | apps | `ideviceinstaller -u UDID -l -o list_all -o xml` |
//! | provisioning profiles | `ideviceprovision -u UDID copy DIR` (a private temporary folder on this computer) |
//! | backup (only when asked, with the client's consent) | `idevicebackup2 -u UDID backup --full DIR` (`ios/<udid>/backup/` in the case folder) |
//!
//! The programs are found on `PATH` (tests put recorded ones first).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::live::{Answer, IphoneLink, LinkError, Listed, Request, UNAVAILABLE_FIX};
use crate::sources::Stop;

/// How long one command may take before it is stopped (a full app list takes seconds).
pub const TIMEOUT: Duration = Duration::from_secs(180);

/// How long a backup may take before it is stopped (a phone full of photos takes long;
/// the volunteer can stop it sooner).
pub const BACKUP_TIMEOUT: Duration = Duration::from_secs(3 * 60 * 60);

/// Most bytes kept from one command's output.
pub const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// The command-line tools.
#[derive(Clone)]
pub struct ToolsLink {
    pub timeout: Duration,
    /// Set when the check is stopped: the running command is ended.
    pub stop: Option<Stop>,
}

impl Default for ToolsLink {
    fn default() -> Self {
        ToolsLink {
            timeout: TIMEOUT,
            stop: None,
        }
    }
}

/// A finished command.
#[derive(Debug, Clone, Default)]
pub struct Ran {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Ran {
    /// What a failed tool said: its error output, then the start of its standard output
    /// (libimobiledevice 1.3.0's `ideviceinfo` and `ideviceprovision` print their errors
    /// there).
    pub fn said(&self) -> String {
        let head = &self.stdout[..self.stdout.len().min(4096)];
        format!(
            "{}\n{}",
            self.stderr.trim(),
            String::from_utf8_lossy(head).trim()
        )
        .trim()
        .to_string()
    }
}

fn read_capped(mut r: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.len() < MAX_OUTPUT {
                    let take = n.min(MAX_OUTPUT - out.len());
                    out.extend_from_slice(&buf[..take]);
                }
            }
        }
    }
    out
}

/// Run one program and collect its output, stopping it after `timeout`.
pub fn run_tool(program: &str, args: &[&str], timeout: Duration) -> Result<Ran, LinkError> {
    run_tool_until(program, args, timeout, None)
}

/// [`run_tool`], also ending the program when `stop` is set.
pub fn run_tool_until(
    program: &str,
    args: &[&str],
    timeout: Duration,
    stop: Option<&Stop>,
) -> Result<Ran, LinkError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                LinkError::Unavailable {
                    reason: format!(
                        "`{program}` is not installed, so the iPhone cannot be read over USB."
                    ),
                    fix: UNAVAILABLE_FIX.into(),
                }
            } else {
                LinkError::Failed(format!("cannot run `{program}`: {e}"))
            }
        })?;
    let out = child
        .stdout
        .take()
        .map(|o| std::thread::spawn(move || read_capped(o)));
    let err = child
        .stderr
        .take()
        .map(|o| std::thread::spawn(move || read_capped(o)));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > timeout || stop.is_some_and(Stop::is_stopped) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(LinkError::Failed(format!("`{program}`: {e}"))),
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let Some(status) = status else {
        let reason = if stop.is_some_and(Stop::is_stopped) {
            "the check was stopped".to_string()
        } else {
            format!(
                "`{program}` gave no answer in {} seconds",
                timeout.as_secs()
            )
        };
        return Err(LinkError::Disconnected {
            reason,
            partial: stdout,
        });
    };
    Ok(Ran {
        stdout,
        stderr,
        code: status.code(),
    })
}

/// What a tool's error output means (libimobiledevice 1.3.0's messages and lockdown's
/// error codes: -17 password protected, -18 user denied pairing, -19 pairing dialog
/// pending, -20/-21 missing or invalid host id).
pub fn classify(stderr: &str) -> Option<LinkError> {
    let s = stderr.to_ascii_lowercase();
    // A pattern ending in a digit must not run on into another one ("code -20" is not
    // "Error Code -208").
    let found = |x: &str| {
        s.match_indices(x).any(|(i, _)| {
            !x.ends_with(|c: char| c.is_ascii_digit())
                || !s[i + x.len()..].starts_with(|c: char| c.is_ascii_digit())
        })
    };
    let has = |w: &[&str]| w.iter().any(|x| found(x));
    if has(&[
        "password protected",
        "passwordprotected",
        "(-17)",
        "code -17",
    ]) {
        return Some(LinkError::NotTrusted(
            "it is locked (lockdown said \"password protected\")".into(),
        ));
    }
    if has(&[
        "pairing dialog",
        "pairingdialogresponsepending",
        "(-19)",
        "code -19",
        "accept the trust dialog",
    ]) {
        return Some(LinkError::NotTrusted(
            "it is asking \"Trust This Computer?\" and nobody has answered yet".into(),
        ));
    }
    if has(&[
        "user denied pairing",
        "userdeniedpairing",
        "(-18)",
        "code -18",
    ]) {
        return Some(LinkError::NotTrusted(
            "\"Don't Trust\" was tapped on it".into(),
        ));
    }
    if has(&[
        "hostid",
        "pair record",
        "(-20)",
        "(-21)",
        "code -20",
        "code -21",
        "not paired",
    ]) {
        return Some(LinkError::NotTrusted(
            "this computer is not paired with it".into(),
        ));
    }
    if has(&["could not connect to lockdownd"]) {
        return Some(LinkError::NotTrusted(
            "it refused the connection (it may be locked, or not trust this computer yet)".into(),
        ));
    }
    if has(&["unable to retrieve device list", "usbmuxd"]) {
        return Some(LinkError::Unavailable {
            reason:
                "usbmuxd is not running on this computer, so no iPhone can be reached over USB."
                    .into(),
            fix: UNAVAILABLE_FIX.into(),
        });
    }
    if has(&["no device found", "not found!", "device not found"]) {
        return Some(LinkError::Disconnected {
            reason: "the iPhone is no longer connected".into(),
            partial: Vec::new(),
        });
    }
    None
}

fn first_line(s: &str) -> String {
    crate::sanitize::clean(s.lines().find(|l| !l.trim().is_empty()).unwrap_or(""), 200)
}

impl ToolsLink {
    fn args(udid: &str, req: Request) -> (&'static str, Vec<String>) {
        let u = udid.to_string();
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match req {
            Request::DeviceInfo => ("ideviceinfo", [v(&["-u"]), vec![u], v(&["-x"])].concat()),
            Request::Supervision => (
                "ideviceinfo",
                [
                    v(&["-u"]),
                    vec![u],
                    v(&["-q", "com.apple.mobile.chaperone", "-x"]),
                ]
                .concat(),
            ),
            Request::DeveloperMode => (
                "ideviceinfo",
                [
                    v(&["-u"]),
                    vec![u],
                    v(&[
                        "-q",
                        "com.apple.security.mac.amfi",
                        "-k",
                        "DeveloperModeStatus",
                    ]),
                ]
                .concat(),
            ),
            Request::Apps => (
                "ideviceinstaller",
                [
                    v(&["-u"]),
                    vec![u],
                    v(&["-l", "-o", "list_all", "-o", "xml"]),
                ]
                .concat(),
            ),
            Request::Provisioning => (
                "ideviceprovision",
                [v(&["-u"]), vec![u], v(&["copy", "DIR"])].concat(),
            ),
        }
    }

    fn finish(&self, cmd: &str, ran: Ran) -> Result<Answer, LinkError> {
        if ran.code == Some(0) {
            return Ok(Answer {
                bytes: ran.stdout,
                exit_code: ran.code,
            });
        }
        let said = ran.said();
        match classify(&said) {
            Some(LinkError::Disconnected { reason, .. }) => Err(LinkError::Disconnected {
                reason,
                partial: ran.stdout,
            }),
            Some(e) => Err(e),
            None => Err(LinkError::Failed(format!(
                "`{cmd}` exited with code {}: {}",
                ran.code.map_or("none".into(), |c| c.to_string()),
                first_line(&said)
            ))),
        }
    }

    /// `ideviceprovision copy` into a private temporary folder, the files read back as
    /// one property list: a list of data, one `.mobileprovision` each (sorted by name).
    fn provisioning(&self, udid: &str) -> Result<Answer, LinkError> {
        let tmp = std::env::temp_dir().join(format!(
            "sweep-provisioning-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        crate::case::create_private_dir(&tmp)
            .map_err(|e| LinkError::Failed(format!("{}: cannot create: {e}", tmp.display())))?;
        let tmp_s = tmp.to_string_lossy().into_owned();
        let result = run_tool_until(
            "ideviceprovision",
            &["-u", udid, "copy", &tmp_s],
            self.timeout,
            self.stop.as_ref(),
        )
        .and_then(|ran| {
            let code = ran.code;
            self.finish(&self.describe(udid, Request::Provisioning), ran)?;
            let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&tmp)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let mut items = Vec::new();
            for f in files.iter().take(super::snapshot::MAX_ITEMS) {
                let b = std::fs::read(f)
                    .map_err(|e| LinkError::Failed(format!("{}: cannot read: {e}", f.display())))?;
                items.push(plist::Value::Data(b));
            }
            let mut out = Vec::new();
            plist::Value::Array(items)
                .to_writer_xml(&mut out)
                .map_err(|e| LinkError::Failed(format!("provisioning.plist: {e}")))?;
            Ok(Answer {
                bytes: out,
                exit_code: code,
            })
        });
        let _ = std::fs::remove_dir_all(&tmp);
        result
    }

    fn version_of(&self, program: &str) -> Option<String> {
        let ran = run_tool(program, &["-v"], Duration::from_secs(10)).ok()?;
        let t = String::from_utf8_lossy(&ran.stdout);
        let l = first_line(&t);
        (!l.is_empty()).then_some(l)
    }
}

impl IphoneLink for ToolsLink {
    fn list(&mut self) -> Result<Vec<Listed>, LinkError> {
        let ran = run_tool("idevice_id", &["-l"], Duration::from_secs(30))?;
        if ran.code != Some(0) {
            let said = ran.said();
            return Err(match classify(&said) {
                Some(e @ LinkError::Unavailable { .. }) => e,
                _ => LinkError::Unavailable {
                    reason: format!(
                        "The list of iPhones could not be read (`idevice_id -l`: {}).",
                        first_line(&said)
                    ),
                    fix: UNAVAILABLE_FIX.into(),
                },
            });
        }
        let text = String::from_utf8_lossy(&ran.stdout).into_owned();
        let mut out: Vec<Listed> = Vec::new();
        for line in text.lines() {
            // 1.3.0 prints the UDID alone; later versions add " (USB)" or " (Network)".
            let mut it = line.split_whitespace();
            let Some(udid) = it.next() else { continue };
            if it.next().is_some_and(|w| w.contains("Network")) {
                continue;
            }
            if out.iter().any(|l| l.udid == udid) {
                continue;
            }
            let mut l = Listed {
                udid: udid.to_string(),
                ..Listed::default()
            };
            if let Ok(r) = run_tool(
                "ideviceinfo",
                &["-s", "-x", "-u", udid],
                Duration::from_secs(30),
            ) && r.code == Some(0)
                && let Ok(v) = plist::Value::from_reader(std::io::Cursor::new(&r.stdout))
                && let Some(d) = v.as_dictionary()
            {
                let s = |k: &str| {
                    d.get(k)
                        .and_then(plist::Value::as_string)
                        .map(str::to_string)
                };
                l.name = s("DeviceName");
                l.product_type = s("ProductType");
                l.ios_version = s("ProductVersion");
            }
            out.push(l);
        }
        Ok(out)
    }

    fn request(&mut self, udid: &str, req: Request) -> Result<Answer, LinkError> {
        if req == Request::Provisioning {
            return self.provisioning(udid);
        }
        let (program, args) = Self::args(udid, req);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ran = run_tool_until(program, &args, self.timeout, self.stop.as_ref())?;
        self.finish(&self.describe(udid, req), ran)
    }

    fn set_stop(&mut self, stop: Stop) {
        self.stop = Some(stop);
    }

    fn backup(&mut self, udid: &str, dir: &std::path::Path) -> Result<Answer, LinkError> {
        let d = dir.to_string_lossy().into_owned();
        let ran = run_tool_until(
            "idevicebackup2",
            &["-u", udid, "backup", "--full", &d],
            BACKUP_TIMEOUT.max(self.timeout),
            self.stop.as_ref(),
        )?;
        // The answer is the tool's own account of the backup (`backup.log`).
        self.finish(&self.describe_backup(udid), ran)
    }

    fn describe_backup(&self, udid: &str) -> String {
        format!(
            "idevicebackup2 -u {udid} backup --full {}",
            super::live::BACKUP_DIR
        )
    }

    fn describe(&self, udid: &str, req: Request) -> String {
        let (program, args) = Self::args(udid, req);
        format!("{program} {}", args.join(" "))
    }

    fn name(&self) -> String {
        let v: Vec<String> = ["ideviceinfo", "ideviceinstaller"]
            .iter()
            .filter_map(|p| self.version_of(p))
            .collect();
        if v.is_empty() {
            "libimobiledevice-utils".into()
        } else {
            format!("libimobiledevice-utils ({})", v.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockdown_messages_are_told_apart() {
        assert!(matches!(
            classify("ERROR: Could not connect to lockdownd: Password protected (-17)"),
            Some(LinkError::NotTrusted(m)) if m.contains("locked")
        ));
        assert!(matches!(
            classify("ERROR: Could not connect to lockdownd, error code -19"),
            Some(LinkError::NotTrusted(m)) if m.contains("Trust This Computer")
        ));
        assert!(matches!(
            classify("ERROR: Could not connect to lockdownd: Invalid HostID (-21)"),
            Some(LinkError::NotTrusted(m)) if m.contains("not paired")
        ));
        assert!(matches!(
            classify("Could not connect to lockdownd. Exiting."),
            Some(LinkError::NotTrusted(_))
        ));
        assert!(matches!(
            classify("ERROR: Unable to retrieve device list!"),
            Some(LinkError::Unavailable { .. })
        ));
        assert!(matches!(
            classify("ERROR: Device 0000 not found!"),
            Some(LinkError::Disconnected { .. })
        ));
        assert_eq!(classify("something else"), None);
        // Not error code -20 (pairing): idevicebackup2's own failure code.
        assert_eq!(classify("ERROR: Backup Failed (Error Code -208)"), None);
        assert!(matches!(
            classify("ERROR: Could not connect to lockdownd, error code -20"),
            Some(LinkError::NotTrusted(_))
        ));
    }
}
