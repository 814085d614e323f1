//! Reports: one model (the findings JSON contract, `docs/findings-json.md`) read
//! from the engine, rendered to every format. Writers never touch the engine.

pub mod fonts;
pub mod markdown;
pub mod pdf;
pub mod view;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

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
    pub sources: Vec<SourceEvent>,
    pub inputs: Vec<InputFile>,
    pub places: Vec<Place>,
    pub counters: Counters,
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
        Report {
            schema: SCHEMA,
            tool: TOOL,
            signatures: engine.signatures().files.clone(),
            scan: Scan {
                case: meta.case,
                operator: meta.operator,
                started: meta.started.or(window.map(|w| w.0)),
                ended: meta.ended.or(window.map(|w| w.1)),
                sources,
                inputs: meta.inputs,
                places: engine.places().to_vec(),
                counters: engine.counters(),
            },
            devices: engine.devices(),
            findings: engine.findings(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// Output formats, chosen by a path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Pdf,
    Json,
}

impl Format {
    pub fn from_path(p: &Path) -> Result<Self, String> {
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
            _ => Err(format!(
                "{}: unknown report format; use a name ending in .md, .html, .pdf or .json",
                p.display()
            )),
        }
    }
}

pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, String> {
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
) -> Result<Vec<u8>, String> {
    render_view(report, &view::View::build(report), format, options)
}

/// Render an already built view (the JSON comes from the report).
pub fn render_view(
    report: &Report,
    view: &view::View,
    format: Format,
    options: &RenderOptions,
) -> Result<Vec<u8>, String> {
    match format {
        Format::Markdown => markdown::render(view).map(String::into_bytes),
        Format::Html => markdown::render_template("report.html", view).map(String::into_bytes),
        Format::Pdf => pdf::render_with(view, &options.pdf),
        Format::Json => Ok(report.to_json().into_bytes()),
    }
}

/// Write a file atomically: a temporary file in the same folder (0600), fsync, rename.
/// Refuses to replace an existing file unless `overwrite`.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    if !overwrite && path.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; choose another name or remove it first",
                path.display()
            ),
        ));
    }
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
        // Test hook: die between writing the new file and putting it in place, as a
        // crash or SIGKILL would (tests/report_files.rs).
        if std::env::var_os("SWEEP_TEST_DIE_BEFORE_RENAME").is_some() {
            std::process::abort();
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Write every report format into a case folder (the UI's export). Returns the paths written.
pub fn export_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for (name, format) in [
        ("report.md", Format::Markdown),
        ("report.html", Format::Html),
        ("report.pdf", Format::Pdf),
        ("findings.json", Format::Json),
    ] {
        let path = dir.join(name);
        let bytes = render(report, format)?;
        write_atomic(&path, &bytes, true).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
