//! Reports: one model (the findings JSON contract, `docs/findings-json.md`) read
//! from the engine, rendered to every format. Writers never touch the engine.

pub mod fonts;
pub mod markdown;
pub mod pdf;
pub mod view;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::consultation::Consultation;
use crate::engine::coverage::{Asked, Coverage};
use crate::engine::finding::{Device, Finding};
use crate::engine::{Counters, Engine, Place};
use crate::observation::{SourceEvent, Timestamp};
use crate::pipeline::InputFile;
use crate::signatures::LoadedFile;

pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "sweep",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// Case reference (never a name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Initials of who ran the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    /// Demonstration data, not a real check (`sweep demo`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// For each check asked for: did it run, for how long, what it saw, why not.
    pub coverage: Vec<Coverage>,
    pub sources: Vec<SourceEvent>,
    pub inputs: Vec<InputFile>,
    pub places: Vec<Place>,
    pub counters: Counters,
    /// The client's devices and belongings examined, as the records show them (phones
    /// checked over USB or from a backup or snapshot, phones whose traffic was seen, the
    /// Bluetooth sweep, the network). Empty: no device of the client's was examined.
    pub examined: Vec<Examined>,
}

/// What was examined (`scan.examined[].kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExaminedKind {
    /// An Android phone's apps and settings (over USB, or its snapshot folder).
    AndroidPhone,
    /// An iPhone (from its backup folder).
    Iphone,
    /// A phone (or other device) whose traffic was seen on the hotspot or in a capture.
    PhoneTraffic,
    /// The Bluetooth sweep of the client's belongings and the room.
    Bluetooth,
    /// The network the laptop was on.
    Network,
}

/// One device or belonging examined (`scan.examined[]`). Untrusted strings (model, serial,
/// versions) are as the phone gave them, cleaned of control characters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Examined {
    pub kind: ExaminedKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Android: the serial (adb).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// iPhone: the UDID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ios_version: Option<String>,
    /// How it was read: `backup`, `usb` (iPhone, as the records say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// iPhone: when the backup was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_date: Option<Timestamp>,
    /// Phones: how many apps were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apps: Option<u64>,
    /// iPhone: how many profiles were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profiles: Option<u64>,
    /// Phone traffic: the device's name on the network (DHCP or mDNS; cleaned, untrusted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone traffic: the device's MAC address (when the capture had it) and addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<crate::observation::MacAddr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<std::net::IpAddr>,
    /// Phone traffic: `true` when captured live on the laptop's hotspot, `false` for a
    /// saved capture or recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotspot: Option<bool>,
    /// Bluetooth: devices in range; network: hosts seen; phone traffic: observations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen: Option<u64>,
    /// Network: the IPv4 networks (/24) of the hosts seen.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// When it was first and last examined (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Timestamp>,
}

impl Examined {
    fn new(kind: ExaminedKind) -> Self {
        Examined {
            kind,
            model: None,
            manufacturer: None,
            serial: None,
            udid: None,
            android_version: None,
            ios_version: None,
            via: None,
            backup_date: None,
            apps: None,
            profiles: None,
            name: None,
            mac: None,
            ips: Vec::new(),
            hotspot: None,
            seen: None,
            networks: Vec::new(),
            first: None,
            last: None,
        }
    }
}

/// What the records say was examined (see `Scan::examined`).
fn examined(engine: &Engine, coverage: &[Coverage], devices: &[Device]) -> Vec<Examined> {
    use crate::engine::coverage::{Check, CoverageStatus};
    let cleaned = |s: &Option<String>| s.as_deref().map(|s| crate::sanitize::clean(s, 64));
    let ran = |check: Check| {
        coverage
            .iter()
            .any(|c| c.check == check && c.status != CoverageStatus::NotRun)
    };
    let log = |check: Check| engine.coverage_log().observations.get(&check).cloned();
    let mut out = Vec::new();
    for (serial, dev, apps, first) in engine.phone.examined() {
        let mut e = Examined::new(ExaminedKind::AndroidPhone);
        e.serial = Some(crate::sanitize::clean(serial, 64));
        if let Some(d) = dev {
            e.model = cleaned(&d.model);
            e.manufacturer = cleaned(&d.manufacturer);
            e.android_version = cleaned(&d.android_version);
        }
        e.apps = Some(apps as u64);
        e.first = first;
        out.push(e);
    }
    for p in engine.iphone.examined() {
        let mut e = Examined::new(ExaminedKind::Iphone);
        e.udid = Some(crate::sanitize::clean(p.udid, 64));
        if let Some(d) = p.device {
            e.model = cleaned(&d.model).or_else(|| cleaned(&d.product_type));
            e.ios_version = cleaned(&d.ios_version);
            e.via = cleaned(&d.via);
            e.backup_date = d.backup_date;
        }
        e.apps = Some(p.apps as u64);
        e.profiles = Some(p.profiles as u64);
        e.first = p.first;
        out.push(e);
    }
    if ran(Check::PhoneTraffic) {
        let hotspot = engine
            .sources()
            .contains_key(&crate::observation::SourceKind::Traffic);
        for c in engine.traffic.clients() {
            let mut e = Examined::new(ExaminedKind::PhoneTraffic);
            e.mac = c.mac;
            e.name = devices
                .iter()
                .find(|d| {
                    d.kind != "bluetooth"
                        && (c.mac.is_some_and(|m| m == d.address)
                            || d.ips.iter().any(|i| c.ips.contains(i)))
                })
                .and_then(|d| d.name.clone());
            e.ips = c.ips;
            e.hotspot = Some(hotspot);
            e.seen = Some(c.observations);
            e.first = Some(c.first);
            e.last = Some(c.last);
            out.push(e);
        }
    }
    if ran(Check::Bluetooth) {
        let mut e = Examined::new(ExaminedKind::Bluetooth);
        e.seen = Some(engine.trackers.device_count() as u64);
        if let Some(l) = log(Check::Bluetooth) {
            e.first = l.first;
            e.last = l.last;
        }
        out.push(e);
    }
    if ran(Check::Network) {
        let mut e = Examined::new(ExaminedKind::Network);
        e.seen = Some(engine.lan.host_count() as u64);
        let mut nets: Vec<String> = devices
            .iter()
            .filter(|d| d.kind != "bluetooth")
            .flat_map(|d| d.ips.iter())
            .filter_map(|ip| match ip {
                std::net::IpAddr::V4(v4) => {
                    let o = v4.octets();
                    Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
                }
                std::net::IpAddr::V6(_) => None,
            })
            .collect();
        nets.sort();
        nets.dedup();
        e.networks = nets;
        if let Some(l) = log(Check::Network) {
            e.first = l.first;
            e.last = l.last;
        }
        out.push(e);
    }
    out
}

impl Scan {
    /// Every check asked for ran as asked and saw what it needs.
    pub fn complete(&self) -> bool {
        !self.coverage.is_empty()
            && self
                .coverage
                .iter()
                .all(|c| c.status == crate::engine::coverage::CoverageStatus::Complete)
    }

    /// No check asked for ran at all.
    pub fn nothing_ran(&self) -> bool {
        self.coverage
            .iter()
            .all(|c| c.status == crate::engine::coverage::CoverageStatus::NotRun)
    }
}

/// The findings JSON, and the model every report format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    pub tool: Tool,
    pub signatures: Vec<LoadedFile>,
    pub scan: Scan,
    pub devices: Vec<Device>,
    pub findings: Vec<Finding>,
    /// The client's concerns, answers and decisions (by finding id), and the volunteer's
    /// notes, each with who recorded it and when.
    #[serde(skip_serializing_if = "Consultation::is_empty")]
    pub consultation: Consultation,
}

/// What the caller knows about the scan that the engine does not.
#[derive(Debug, Clone, Default)]
pub struct ScanMeta {
    pub case: Option<String>,
    pub operator: Option<String>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    pub inputs: Vec<InputFile>,
    /// Sources that never reported (e.g. could not start), with reason.
    pub extra_sources: Vec<SourceEvent>,
    /// The checks asked for; empty: those the records say (a recording, a capture).
    pub asked: Vec<Asked>,
    /// Demonstration data.
    pub demo: bool,
    /// The time now, for a check still running (the screens); `None` once it has ended.
    pub now: Option<Timestamp>,
}

impl Report {
    pub fn build(engine: &Engine, meta: ScanMeta) -> Self {
        let window = engine.window();
        let mut sources: Vec<SourceEvent> = engine.sources().values().cloned().collect();
        for s in meta.extra_sources {
            if !sources.iter().any(|x| x.source == s.source) {
                sources.push(s);
            }
        }
        let recorded = engine.session_info();
        // The checks asked for (by this session, or as recorded), and every other check
        // the records show ran (a capture or recording given alongside).
        let mut asked: Vec<Asked> = if !meta.asked.is_empty() {
            meta.asked
        } else if let Some(r) = recorded.filter(|r| !r.checks.is_empty()) {
            r.checks
                .iter()
                .map(|a| Asked {
                    check: a.check,
                    duration: a.seconds.map(std::time::Duration::from_secs),
                })
                .collect()
        } else {
            Vec::new()
        };
        for check in engine.coverage_log().checks_seen() {
            if !asked.iter().any(|a| a.check == check) {
                asked.push(Asked {
                    check,
                    duration: None,
                });
            }
        }
        let coverage = engine.coverage(&asked, meta.now);
        let devices: Vec<Device> = engine.devices().into_iter().map(clean_device).collect();
        let examined = examined(engine, &coverage, &devices);
        Report {
            schema: SCHEMA,
            tool: TOOL,
            signatures: engine.signatures().files.clone(),
            scan: Scan {
                case: meta.case.or_else(|| recorded.and_then(|r| r.case.clone())),
                operator: meta
                    .operator
                    .or_else(|| recorded.and_then(|r| r.operator.clone())),
                started: meta.started.or(window.map(|w| w.0)),
                ended: meta.ended.or(window.map(|w| w.1)),
                demo: meta.demo || recorded.is_some_and(|r| r.demo),
                coverage,
                sources,
                inputs: meta.inputs,
                places: engine.places().to_vec(),
                counters: engine.counters(),
                examined,
            },
            devices,
            findings: engine.findings().into_iter().map(clean_finding).collect(),
            consultation: engine.consultation().clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// A name from the air cleaned for every reader (terminal, reports, case systems); the raw
/// bytes stay in the JSON as hex when cleaning changed anything.
fn clean_name(name: &mut Option<String>, hex_out: &mut Option<String>) {
    if let Some(n) = name.as_mut() {
        let c = crate::sanitize::name(n);
        if c != *n {
            *hex_out = Some(hex::encode(n.as_bytes()));
            *n = c;
        }
    }
}

fn clean_device(mut d: Device) -> Device {
    clean_name(&mut d.name, &mut d.name_hex);
    d
}

fn clean_finding(mut f: Finding) -> Finding {
    clean_name(&mut f.subject.name, &mut f.subject.name_hex);
    f
}

/// Output formats, chosen by a path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Pdf,
    Json,
}

/// A report that could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "{}: unknown report format; use a name ending in .md, .html, .pdf or .json",
        .0.display()
    )]
    UnknownFormat(PathBuf),
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
    /// The PDF could not be made (krilla's settings or its archival checks).
    #[error("PDF{0}")]
    Pdf(String),
    /// Something built into sweep could not be used (an embedded font, the paper size).
    #[error("{0}")]
    Resource(&'static str),
    #[error("{}: {}", path.display(), crate::case::io_words(source))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Some formats of an export were written, others not.
    #[error("not written: {}. Written: {}", failed.join("; "), if written.is_empty() { "nothing".to_string() } else { written.join(", ") })]
    Partial {
        failed: Vec<String>,
        written: Vec<String>,
    },
}

impl Format {
    pub fn from_path(p: &Path) -> Result<Self, ReportError> {
        match p
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("md") => Ok(Format::Markdown),
            Some("html" | "htm") => Ok(Format::Html),
            Some("pdf") => Ok(Format::Pdf),
            Some("json") => Ok(Format::Json),
            _ => Err(ReportError::UnknownFormat(p.to_path_buf())),
        }
    }
}

pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, ReportError> {
    render_with(report, format, &RenderOptions::default())
}

/// How to render a report (today: the PDF's paper size and fonts).
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub pdf: pdf::PdfOptions,
}

/// Render a report with explicit options (`--paper`).
pub fn render_with(
    report: &Report,
    format: Format,
    options: &RenderOptions,
) -> Result<Vec<u8>, ReportError> {
    render_view(report, &view::View::build(report), format, options)
}

/// Render an already built view (the JSON comes from the report).
pub fn render_view(
    report: &Report,
    view: &view::View,
    format: Format,
    options: &RenderOptions,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Markdown => markdown::render(view).map(String::into_bytes),
        Format::Html => markdown::render_template("report.html", view).map(String::into_bytes),
        Format::Pdf => pdf::render_with(view, &options.pdf),
        Format::Json => Ok(report.to_json().into_bytes()),
    }
}

/// Whether `path` may be written: its folder exists, and it does not exist unless
/// `overwrite`; even then only a regular file is replaced, never a device, a FIFO, a
/// folder or a symbolic link (so `--json /dev/null --overwrite` as root replaces nothing).
pub fn check_writable(path: &Path, overwrite: bool) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a device, a pipe, a folder or a link): sweep never writes over it; choose another name",
                path.display()
            ),
        )),
        Ok(_) if !overwrite => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; choose another name, or add --overwrite to replace it",
                path.display()
            ),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if dir.is_dir() {
                Ok(())
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{}: there is no folder {}", path.display(), dir.display()),
                ))
            }
        }
        Err(e) => Err(e),
    }
}

/// Write a file atomically: a temporary file in the same folder (0600), fsync, rename.
/// Refuses to replace an existing file unless `overwrite`.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    write_atomic_with(path, bytes, overwrite, |tmp, path| {
        std::fs::rename(tmp, path)
    })
}

/// `write_atomic` with the last step, putting the complete temporary file in place, given
/// by the caller: `write_atomic` passes `std::fs::rename`; a test passes a step that looks
/// at both files at that moment and fails, as a crash just before the rename would.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    overwrite: bool,
    put_in_place: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    check_writable(path, overwrite)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = crate::case::create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        put_in_place(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The first free name for `stem.ext` in `dir`: `stem.ext`, else `stem-2.ext`, ...
fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let p = dir.join(name);
        if std::fs::symlink_metadata(&p).is_err() || n >= 10_000 {
            return p;
        }
        n += 1;
    }
}

/// Write every report format into a case folder (the screens' export), beside what is
/// there: nothing is ever replaced (`report-2.pdf`, `findings-2.json`, ...). When one
/// format fails the others are still written, and the error names both.
pub fn export_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for (stem, ext, format) in [
        ("report", "md", Format::Markdown),
        ("report", "html", Format::Html),
        ("report", "pdf", Format::Pdf),
        ("findings", "json", Format::Json),
    ] {
        let path = free_name(dir, stem, ext);
        let result = render(report, format).and_then(|bytes| {
            write_atomic(&path, &bytes, false).map_err(|source| ReportError::Write {
                path: path.clone(),
                source,
            })
        });
        match result {
            Ok(()) => written.push(path),
            Err(e) => failed.push(e.to_string()),
        }
    }
    if failed.is_empty() {
        Ok(written)
    } else {
        Err(ReportError::Partial {
            failed,
            written: written.iter().map(|p| p.display().to_string()).collect(),
        })
    }
}
