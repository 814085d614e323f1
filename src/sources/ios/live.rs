//! The live iPhone check over USB (`sweep scan --ios [--udid UDID]`): read-only requests
//! to the phone through usbmuxd and lockdown, each raw answer written into the case folder
//! (`ios/<udid>/`), then that folder read through exactly the path `--from` uses.
//!
//! The collector talks to the phone through the [`IphoneLink`] trait (list the iPhones,
//! make one read-only request), so tests drive the whole live path with answers they
//! generate. The link sweep ships is [`super::tools::ToolsLink`]: Debian's
//! `libimobiledevice-utils` and `ideviceinstaller` command-line tools (docs/ios.md says
//! why, and which command each request runs).

use std::path::{Path, PathBuf};

use super::error::IosError;
use super::snapshot::{self, MANIFEST, Manifest};
use crate::observation::{SourceKind, SourceState, Timestamp};
use crate::sources::android::snapshot::CommandRecord;
use crate::sources::snapshot_files;
use crate::sources::{Sink, Source, SourceError, Stop};

/// One read-only request to the phone. None installs, removes or changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Request {
    /// lockdown's values (model, iOS version, build, name): `ideviceinfo -x`.
    DeviceInfo,
    /// The `com.apple.mobile.chaperone` domain (`DeviceIsChaperoned`: supervised).
    Supervision,
    /// `DeveloperModeStatus` in the `com.apple.security.mac.amfi` domain (iOS 16+).
    DeveloperMode,
    /// installation_proxy's Browse of every app, with all its attributes.
    Apps,
    /// misagent's copy of every provisioning profile.
    Provisioning,
}

/// Every request, in the order the check makes them, and the file its answer goes to.
/// The first one pairs with the phone if needed (it asks "Trust This Computer?").
pub const REQUESTS: &[(Request, &str)] = &[
    (Request::DeviceInfo, "device-info.plist"),
    (Request::Supervision, "supervision.plist"),
    (Request::DeveloperMode, "developer-mode.txt"),
    (Request::Apps, "apps.plist"),
    (Request::Provisioning, "provisioning.plist"),
];

/// An attached iPhone, as the start screen lists it (read without pairing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listed {
    pub udid: String,
    /// The name the owner gave the phone (often their first name: show it only to the
    /// volunteer choosing the phone; it is never put in the findings). Untrusted.
    pub name: Option<String>,
    /// Apple's model code, e.g. `iPhone14,2`. Untrusted.
    pub product_type: Option<String>,
    pub ios_version: Option<String>,
}

impl Listed {
    /// One line for a screen that asks which iPhone to check: name, model code, iOS and
    /// UDID, each cleaned for the terminal (they come from the phone).
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(n) = &self.name {
            parts.push(format!("\"{}\"", crate::sanitize::name(n)));
        }
        if let Some(m) = &self.product_type {
            parts.push(crate::sanitize::name(m));
        }
        if let Some(v) = &self.ios_version {
            parts.push(format!("iOS {}", crate::sanitize::name(v)));
        }
        parts.push(format!("UDID {}", crate::sanitize::name(&self.udid)));
        parts.join(", ")
    }
}

/// A request's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub bytes: Vec<u8>,
    /// The tool's exit code, when a tool answered.
    pub exit_code: Option<i32>,
}

/// Why a request or the listing failed.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkError {
    /// The check cannot run here: no usbmuxd, the tools are missing, no iPhone.
    Unavailable { reason: String, fix: String },
    /// The phone has not trusted this computer yet, or it is locked (lockdown said so).
    NotTrusted(String),
    /// The phone went away; `partial` holds what came before.
    Disconnected { reason: String, partial: Vec<u8> },
    /// This one request failed; the phone is still there.
    Failed(String),
}

/// What the collector needs from the phones.
pub trait IphoneLink {
    /// The attached iPhones, read without pairing.
    fn list(&mut self) -> Result<Vec<Listed>, LinkError>;
    /// Make one read-only request to the phone `udid`.
    fn request(&mut self, udid: &str, req: Request) -> Result<Answer, LinkError>;
    /// The command or lockdown request, as the manifest records it.
    fn describe(&self, udid: &str, req: Request) -> String;
    /// Which link this is (the manifest's `link`).
    fn name(&self) -> String;
    /// The check's stop flag, so a request in progress can be ended early.
    fn set_stop(&mut self, _stop: Stop) {}
    /// Make a full backup of the phone `udid` into `dir` (an empty private folder; the
    /// backup goes into `dir/<udid>/`, as `idevicebackup2` writes it). The answer is the
    /// tool's own account of it. Only with the client's consent (docs/ios.md).
    fn backup(&mut self, _udid: &str, _dir: &Path) -> Result<Answer, LinkError> {
        Err(LinkError::Unavailable {
            reason: format!("{} cannot make backups.", self.name()),
            fix: UNAVAILABLE_FIX.into(),
        })
    }
    /// The backup's command, as the manifest records it.
    fn describe_backup(&self, udid: &str) -> String {
        format!("backup of {udid} into {BACKUP_DIR}/")
    }
}

/// The folder, inside `ios/<udid>/`, that holds the backup made over USB (when the client
/// agreed to one), and the file that keeps the backup tool's own account of it.
pub const BACKUP_DIR: &str = "backup";
pub const BACKUP_LOG: &str = "backup.log";

/// Said with every "not trusted" message: pairing is not invisible.
pub const PAIRING_NOTE: &str = "Pairing leaves a trusted-computer record on the iPhone (and one on this computer) until the iPhone's Location & Privacy settings are reset; talk it through with the client before tapping Trust.";

/// The fix for a phone that has not trusted this computer.
pub fn trust_fix() -> String {
    format!(
        "Unlock the iPhone and tap Trust (then enter its passcode), keep it unlocked, and run the check again. {PAIRING_NOTE}"
    )
}

/// The plain fix when the check cannot run at all.
pub const UNAVAILABLE_FIX: &str = "Install the tools (sudo apt install usbmuxd libimobiledevice-utils ideviceinstaller), make sure usbmuxd runs (it starts when an iPhone is plugged in; or sudo systemctl start usbmuxd), connect the iPhone with a data cable and unlock it.";

/// Clock for the manifest (the tests pass a fixed one).
pub type Clock<'a> = &'a dyn Fn() -> Timestamp;

/// The UDID as a folder name: letters, digits, `-`, `_`, `.` kept; anything else `%XX`.
pub fn snapshot_dir(case_dir: &Path, udid: &str) -> PathBuf {
    case_dir
        .join("ios")
        .join(crate::sources::android::safe_serial(udid))
}

/// What a collection did: the manifest it wrote, and the error that stopped it early
/// (the phone not trusted, gone, or the check unavailable), if any.
#[derive(Debug, Clone)]
pub struct Collection {
    pub manifest: Manifest,
    pub stopped_by: Option<LinkError>,
}

/// What the volunteer asked of the live check beyond the read-only requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extras {
    /// Also make a full backup into `ios/<udid>/backup/` (the client agreed): the only
    /// way sweep lists the configuration profiles of an iPhone over USB.
    pub backup: bool,
}

/// Make every request into `dir` (created, private) and write `manifest.json`. What was
/// collected before an error is kept; the manifest then says the collection is partial.
pub fn collect(
    link: &mut dyn IphoneLink,
    udid: &str,
    dir: &Path,
    clock: Clock,
    stop: &dyn Fn() -> bool,
) -> Result<Collection, IosError> {
    collect_with(link, udid, dir, clock, stop, Extras::default(), &|_| {})
}

/// Said while the backup runs (on the screens, next to the iPhone check).
pub const BACKUP_RUNNING: &str = "making a backup of the iPhone into the case folder: this can take many minutes; keep it connected and unlocked (it may ask for its passcode)";

/// [`collect`], then what `extras` asks for (a backup) when the phone still answers.
/// `progress` is told what is being done when it takes long (`None`: done with it).
pub fn collect_with(
    link: &mut dyn IphoneLink,
    udid: &str,
    dir: &Path,
    clock: Clock,
    stop: &dyn Fn() -> bool,
    extras: Extras,
    progress: &dyn Fn(Option<&str>),
) -> Result<Collection, IosError> {
    crate::case::create_private_dir(dir).map_err(|e| IosError::cannot_create(dir, e))?;
    let mut m = Manifest {
        tool: "sweep".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        udid: Some(udid.to_string()),
        link: Some(link.name()),
        started: Some(clock()),
        ..Default::default()
    };
    let mut gone: Option<String> = None;
    let mut stopped_by = None;
    for (req, file) in REQUESTS {
        let command = link.describe(udid, *req);
        let mut rec = CommandRecord {
            command,
            file: Some(file.to_string()),
            exit_code: None,
            error: None,
        };
        if gone.is_none() && stop() {
            gone = Some("the check was stopped".into());
            m.partial = true;
        }
        if let Some(why) = &gone {
            rec.error = Some(format!("not run: {why}"));
            m.commands.push(rec);
            continue;
        }
        match link.request(udid, *req) {
            Ok(a) => {
                rec.exit_code = a.exit_code;
                m.files
                    .push(snapshot_files::write_file(dir, file, &a.bytes)?);
            }
            Err(LinkError::Disconnected { partial, .. }) if stop() => {
                m.partial = true;
                gone = Some("the check was stopped".into());
                rec.error = Some(
                    "the check was stopped during this request; the answer is cut short".into(),
                );
                if !partial.is_empty() {
                    m.files
                        .push(snapshot_files::write_file(dir, file, &partial)?);
                }
            }
            Err(LinkError::Disconnected { reason, partial }) => {
                m.partial = true;
                gone = Some(format!("the iPhone disconnected ({reason})"));
                rec.error = Some(format!(
                    "the iPhone disconnected during this request ({reason}); the answer is cut short"
                ));
                if !partial.is_empty() {
                    m.files
                        .push(snapshot_files::write_file(dir, file, &partial)?);
                }
                stopped_by = Some(LinkError::Disconnected {
                    reason,
                    partial: Vec::new(),
                });
            }
            Err(e @ (LinkError::NotTrusted(_) | LinkError::Unavailable { .. })) => {
                m.partial = true;
                let why = match &e {
                    LinkError::NotTrusted(r) => r.clone(),
                    LinkError::Unavailable { reason, .. } => reason.clone(),
                    _ => String::new(),
                };
                gone = Some(why.clone());
                rec.error = Some(why);
                stopped_by = Some(e);
            }
            Err(LinkError::Failed(e)) => rec.error = Some(e),
        }
        m.commands.push(rec);
    }
    if extras.backup {
        let running = gone.is_none();
        if running {
            progress(Some(BACKUP_RUNNING));
        }
        let rec = backup_into(link, udid, dir, gone.as_deref(), stop, &mut m);
        if running {
            progress(None);
        }
        m.commands.push(rec?);
    }
    m.ended = Some(clock());
    let path = dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&m).map_err(|e| IosError::cannot_write(&path, e))?;
    snapshot_files::write_file(dir, MANIFEST, &json)?;
    Ok(Collection {
        manifest: m,
        stopped_by,
    })
}

/// The backup over USB into `dir/backup/`, its tool's output kept as `backup.log`. A failed
/// or stopped backup is recorded (the configuration profiles then say why they were not
/// read); the rest of the collection stands.
fn backup_into(
    link: &mut dyn IphoneLink,
    udid: &str,
    dir: &Path,
    gone: Option<&str>,
    stop: &dyn Fn() -> bool,
    m: &mut Manifest,
) -> Result<CommandRecord, IosError> {
    let mut rec = CommandRecord {
        command: link.describe_backup(udid),
        file: Some(BACKUP_LOG.to_string()),
        exit_code: None,
        error: None,
    };
    if let Some(why) = gone {
        rec.error = Some(format!("not run: {why}"));
        return Ok(rec);
    }
    if stop() {
        m.partial = true;
        rec.error = Some("not run: the check was stopped".into());
        return Ok(rec);
    }
    let target = dir.join(BACKUP_DIR);
    crate::case::create_private_dir(&target).map_err(|e| IosError::cannot_create(&target, e))?;
    match link.backup(udid, &target) {
        Ok(a) => {
            rec.exit_code = a.exit_code;
            m.files
                .push(snapshot_files::write_file(dir, BACKUP_LOG, &a.bytes)?);
        }
        Err(LinkError::Disconnected { reason, partial }) => {
            m.partial = true;
            rec.error = Some(if stop() {
                "the check was stopped during the backup; the backup is incomplete".into()
            } else {
                format!(
                    "the iPhone disconnected during the backup ({reason}); the backup is incomplete"
                )
            });
            if !partial.is_empty() {
                m.files
                    .push(snapshot_files::write_file(dir, BACKUP_LOG, &partial)?);
            }
        }
        Err(LinkError::NotTrusted(r)) => rec.error = Some(format!("the backup was refused: {r}")),
        Err(LinkError::Unavailable { reason, .. }) => rec.error = Some(reason),
        Err(LinkError::Failed(e)) => rec.error = Some(e),
    }
    Ok(rec)
}

/// Pick the phone: `udid`, or the only one attached. Two iPhones without `--udid` is a
/// usage error naming them (exit code 2).
pub fn choose(listed: &[Listed], udid: Option<&str>) -> Result<Listed, SourceError> {
    let names = || {
        listed
            .iter()
            .map(|d| d.udid.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match udid {
        Some(u) => listed
            .iter()
            .find(|d| d.udid.eq_ignore_ascii_case(u))
            .cloned()
            .ok_or_else(|| SourceError::Unavailable {
                reason: if listed.is_empty() {
                    format!("No iPhone with the UDID {u} is connected (none is).")
                } else {
                    format!(
                        "No iPhone with the UDID {u} is connected (connected: {}).",
                        names()
                    )
                },
                fix: UNAVAILABLE_FIX.into(),
            }),
        None => match listed {
            [] => Err(SourceError::Unavailable {
                reason: "No iPhone is connected (usbmuxd sees none).".into(),
                fix: UNAVAILABLE_FIX.into(),
            }),
            [one] => Ok(one.clone()),
            many => Err(SourceError::Input(format!(
                "{} iPhones are connected ({}): say which one with --udid UDID.",
                many.len(),
                names()
            ))),
        },
    }
}

fn source_error(e: LinkError) -> SourceError {
    match e {
        LinkError::Unavailable { reason, fix } => SourceError::Unavailable { reason, fix },
        LinkError::NotTrusted(reason) => SourceError::Unavailable {
            reason: format!("The iPhone cannot be read yet: {reason}."),
            fix: trust_fix(),
        },
        LinkError::Disconnected { reason, .. } => SourceError::Unavailable {
            reason: format!(
                "The iPhone disconnected during the check ({reason}); what was read before is kept."
            ),
            fix: "Reconnect the cable, unlock the iPhone, and run the check again.".into(),
        },
        LinkError::Failed(m) => SourceError::Failed(m),
    }
}

/// The whole live check through `link`: choose the phone, collect into
/// `case_dir/ios/<udid>/` (with what `extras` asks for), then read that folder (the
/// `--from` path) and send what it says. Returns the snapshot folder.
pub fn run_check_with(
    link: &mut dyn IphoneLink,
    udid: Option<&str>,
    case_dir: &Path,
    sink: &Sink,
    stop: &Stop,
    clock: Clock,
    extras: Extras,
) -> Result<PathBuf, SourceError> {
    link.set_stop(stop.clone());
    let listed = link.list().map_err(source_error)?;
    let chosen = choose(&listed, udid)?;
    let ios = case_dir.join("ios");
    crate::case::create_private_dir(&ios)
        .map_err(|e| SourceError::Failed(format!("{}: cannot create: {e}", ios.display())))?;
    let dir = snapshot_dir(case_dir, &chosen.udid);
    let progress = |what: Option<&str>| {
        sink.status(
            clock(),
            SourceKind::Ios,
            SourceState::Running,
            what.map(str::to_string),
            None,
        );
    };
    let c = collect_with(
        link,
        &chosen.udid,
        &dir,
        clock,
        &|| stop.is_stopped(),
        extras,
        &progress,
    )
    .map_err(|e| SourceError::Failed(e.to_string()))?;
    let mut problem = None;
    // Nothing answered (not trusted from the start): no phone observations, only the
    // reason; otherwise what was collected is read and sent, as `--from` would.
    if !c.manifest.files.is_empty() {
        let (records, errors) = snapshot::read_folder(&dir);
        if !sink.send_all(records) {
            return Ok(dir);
        }
        if !errors.is_empty() {
            problem = Some(SourceError::Input(super::error::joined(&errors)));
        }
    }
    if let Some(e) = c.stopped_by {
        return Err(source_error(e));
    }
    match problem {
        Some(p) => Err(p),
        None => Ok(dir),
    }
}

/// The attached iPhones (UDID, name, model, iOS), read without pairing, for a screen that
/// asks which one to check. Unavailable with the plain fix when the tools or usbmuxd are
/// missing.
pub fn list_iphones() -> Result<Vec<Listed>, SourceError> {
    super::tools::ToolsLink::default()
        .list()
        .map_err(source_error)
}

/// The live check as a source (`sweep scan --ios [--udid UDID]`): its folder goes into
/// `case_dir`.
pub struct LiveSource {
    pub udid: Option<String>,
    pub case_dir: PathBuf,
    pub link: Box<dyn IphoneLink + Send>,
    pub extras: Extras,
}

/// The live source with the command-line tools, for the session layer.
pub fn live_source(case_dir: &Path, udid: Option<&str>, extras: Extras) -> Box<dyn Source> {
    Box::new(LiveSource {
        udid: udid.map(str::to_string),
        case_dir: case_dir.to_path_buf(),
        link: Box::new(super::tools::ToolsLink::default()),
        extras,
    })
}

impl Source for LiveSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Ios
    }

    fn run(mut self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        sink.status(
            chrono::Utc::now(),
            SourceKind::Ios,
            SourceState::Running,
            None,
            None,
        );
        run_check_with(
            self.link.as_mut(),
            self.udid.as_deref(),
            &self.case_dir,
            sink,
            stop,
            &chrono::Utc::now,
            self.extras,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_iphone_is_cleaned_for_the_screen() {
        let l = Listed {
            udid: "00008110-000A11112222801E".into(),
            name: Some("Sam\u{1b}[2J's iPhone".into()),
            product_type: Some("iPhone14,2".into()),
            ios_version: Some("17.5.1".into()),
        };
        let s = l.label();
        assert!(!s.contains('\u{1b}'), "{s}");
        assert!(
            s.contains("iPhone14,2, iOS 17.5.1, UDID 00008110-000A11112222801E"),
            "{s}"
        );
    }

    #[test]
    fn two_iphones_without_a_udid_is_a_usage_error_naming_both() {
        let l = |u: &str| Listed {
            udid: u.into(),
            ..Listed::default()
        };
        match choose(&[l("A1"), l("B2")], None) {
            Err(SourceError::Input(m)) => assert!(m.contains("A1, B2") && m.contains("--udid")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            choose(&[l("A1"), l("B2")], Some("b2")).map(|x| x.udid),
            Ok("B2".into())
        );
        assert!(matches!(
            choose(&[], None),
            Err(SourceError::Unavailable { .. })
        ));
    }
}
