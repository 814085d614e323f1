//! Command line: `sweep` (UI), `sweep demo`, `sweep scan` (headless), `sweep signatures`, `sweep cases`.
//! Exit codes: 0 the command ran (whatever it found), 1 it could not run, 2 bad input or usage.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::engine::Engine;
use crate::observation::{MacAddr, MineMark, Observation, PlaceMark, Record, SourceState};
use crate::pipeline::{Pipeline, Plan};
use crate::report::{self, Report, ScanMeta};
use crate::signatures::SignatureSet;
use crate::sources::Source;
use crate::sources::replay::{Pace, ReplayInput, ReplaySource};
use crate::sources::traffic::{CaptureFileSource, LiveTrafficSource, is_capture_magic};

pub const EXIT_OK: u8 = 0;
pub const EXIT_CANNOT_RUN: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "sweep",
    version,
    about = "Device checks for stalking clinics: Bluetooth trackers, devices on a network, and phone traffic against stalkerware indicators.",
    after_help = "Without a command, sweep opens the terminal screens.\nStalkerware indicators from Echap's stalkerware-indicators (https://github.com/AssoEchap/stalkerware-indicators), licensed CC BY 4.0; converted by sweep."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Signature folder to use instead of the built-in signatures.
    #[arg(long, global = true, value_name = "DIR")]
    pub signatures: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run checks without the screens and write the findings.
    Scan(Box<ScanArgs>),
    /// Show the screens on a recorded clinic session (nothing is scanned).
    Demo {
        /// Replay speed (1 = real time).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Check or regenerate signature files.
    Signatures {
        #[command(subcommand)]
        command: SigCommand,
    },
    /// List case folders, or delete one completely.
    Cases {
        /// Delete this case folder (name as listed) and everything in it.
        #[arg(long, value_name = "CASE")]
        delete: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SigCommand {
    /// Validate signature files (a file or a folder; default: the built-in ones).
    Check { path: Option<PathBuf> },
    /// Regenerate signatures/stalkerware.toml from Echap's ioc.yaml.
    ImportEchap {
        ioc_yaml: PathBuf,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Upstream commit the file was taken from (recorded in the provenance).
        #[arg(long)]
        commit: Option<String>,
        /// Echap's samples.csv: APK SHA-256 of known stalkerware samples, learnt too.
        #[arg(long, value_name = "FILE")]
        samples: Option<PathBuf>,
    },
    /// Convert ISDi's app-flags.csv for local use (never shipped: its licence is ambiguous).
    ImportIsdi {
        csv: PathBuf,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args, Default)]
pub struct ScanArgs {
    /// Recordings (.jsonl), captures (.pcap, .pcapng) or phone snapshot folders (android/<serial>/,
    /// a case folder holding one, or an AndroidQF folder) to analyse; the format is read from the file.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub from: Vec<PathBuf>,
    /// Scan for Bluetooth trackers (passive; sends nothing).
    #[arg(long)]
    pub ble: bool,
    /// Look at devices on this network interface (passive unless --active).
    #[arg(long, value_name = "IFACE")]
    pub lan: Option<String>,
    /// Also ask the --lan network: ARP requests to every address, camera-port checks, mDNS queries.
    #[arg(long, requires = "lan")]
    pub active: bool,
    /// Capture phone traffic on this interface (the laptop's hotspot).
    #[arg(long, value_name = "IFACE")]
    pub traffic: Option<String>,
    /// How long live checks run, in seconds.
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Write the findings JSON here ("-" for standard output).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a report; the format comes from the extension (.md, .html, .pdf, .json). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub report: Vec<PathBuf>,
    /// Case reference (never a name).
    #[arg(long, value_name = "REF")]
    pub case: Option<String>,
    /// Initials of who ran the check.
    #[arg(long, value_name = "INITIALS")]
    pub operator: Option<String>,
    /// Also record every observation here (replay format).
    #[arg(long, value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Times (RFC 3339) when the client moved to a new place, comma-separated.
    #[arg(long, value_name = "TIMES", value_delimiter = ',')]
    pub place_marks: Vec<String>,
    /// Mark a device as the client's own ("this is mine"). Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub mine: Vec<String>,
    /// Folder for case folders (default: $SWEEP_HOME/cases or ~/.local/share/sweep/cases).
    #[arg(long, value_name = "DIR")]
    pub cases_dir: Option<PathBuf>,
    /// Replace report files that already exist.
    #[arg(long)]
    pub overwrite: bool,
    /// Replay recordings at this speed (1 = real time) instead of as fast as possible.
    #[arg(long, value_name = "FACTOR")]
    pub speed: Option<f64>,
    /// Check the apps on an Android phone connected over USB (through the local adb server;
    /// read-only). The raw outputs go into the case folder (android/<serial>/).
    #[arg(long)]
    pub android: bool,
    /// Which phone, when several are connected (as `adb devices` lists it).
    #[arg(long, value_name = "SERIAL", requires = "android")]
    pub serial: Option<String>,
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            });
        }
    };
    let code = run(cli);
    if std::env::var_os("SWEEP_REPORT_RSS").is_some() {
        report_peak_memory();
    }
    ExitCode::from(code)
}

/// Print the peak resident memory (VmHWM) to stderr; used by the flood test and benchmarks.
fn report_peak_memory() {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
    {
        eprintln!(
            "sweep: peak memory {}",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        None => run_ui(crate::ui::UiOptions {
            signatures: cli.signatures,
            ..Default::default()
        }),
        Some(Command::Demo { speed }) => run_ui(crate::ui::UiOptions {
            signatures: cli.signatures,
            demo_speed: Some(speed),
            ..Default::default()
        }),
        Some(Command::Scan(args)) => scan(*args, cli.signatures.as_deref()),
        Some(Command::Signatures { command }) => signatures(command),
        Some(Command::Cases { delete }) => crate::cases::command(delete.as_deref()),
    }
}

fn run_ui(opts: crate::ui::UiOptions) -> u8 {
    match crate::ui::run(opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sweep: {e:#}");
            EXIT_CANNOT_RUN
        }
    }
}

/// Load the signatures (override or embedded), printing a located error.
pub fn load_signatures(dir: Option<&Path>) -> Result<SignatureSet, u8> {
    let r = match dir {
        Some(d) => SignatureSet::load(d),
        None => SignatureSet::embedded(),
    };
    r.map_err(|e| {
        eprintln!("sweep: signature error: {e}");
        EXIT_BAD_INPUT
    })
}

fn signatures(cmd: SigCommand) -> u8 {
    match cmd {
        SigCommand::Check { path } => match load_signatures(path.as_deref()) {
            Ok(set) => {
                for f in &set.files {
                    println!("ok  {}  {} entries  sha256 {}", f.file, f.entries, f.sha256);
                }
                EXIT_OK
            }
            Err(code) => code,
        },
        SigCommand::ImportEchap {
            ioc_yaml,
            out,
            commit,
            samples,
        } => match crate::signatures::echap::import_command_with_samples(
            &ioc_yaml,
            samples.as_deref(),
            &out,
            commit.as_deref(),
        ) {
            Ok(msg) => {
                println!("{msg}");
                EXIT_OK
            }
            Err(e) => {
                eprintln!("sweep: {e}");
                EXIT_BAD_INPUT
            }
        },
        SigCommand::ImportIsdi { csv, out } => {
            match crate::signatures::isdi::import_command(&csv, &out) {
                Ok(msg) => {
                    println!("{msg}");
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("sweep: {e}");
                    EXIT_BAD_INPUT
                }
            }
        }
    }
}

/// Which source reads a `--from` file, decided by its first bytes.
fn source_for_file(p: &Path, pace: Pace) -> Result<Box<dyn Source>, String> {
    if p.is_dir() {
        return crate::sources::android::source_for_dir(p)?.ok_or_else(|| {
            format!(
                "{}: this folder holds no phone snapshot (android/<serial>/ with getprop.txt, dumpsys-package.txt, ...; or AndroidQF's packages.json)",
                p.display()
            )
        });
    }
    let mut f = std::fs::File::open(p).map_err(|e| format!("{}: cannot open: {e}", p.display()))?;
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(format!("{}: cannot read: {e}", p.display())),
        }
    }
    if n == 0 {
        return Err(format!(
            "{}: the file is empty (offset 0); expected a recording (.jsonl) or a capture (pcap/pcapng)",
            p.display()
        ));
    }
    if is_capture_magic(&head[..n]) {
        return Ok(Box::new(CaptureFileSource::new(p)));
    }
    if head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_none_or(|b| *b == b'{')
    {
        return Ok(Box::new(ReplaySource {
            name: p.display().to_string(),
            input: ReplayInput::File(p.to_path_buf()),
            pace,
            rebase_to: None,
        }));
    }
    Err(format!(
        "{}: not a recording or a capture (offset 0: bytes {}); expected JSON Lines, pcap or pcapng",
        p.display(),
        hex::encode(&head[..n])
    ))
}

/// The files whose SHA-256 goes into `scan.inputs`: each `--from` file, and every file of a
/// `--from` folder (a phone snapshot).
pub fn input_paths(from: &[PathBuf]) -> Vec<PathBuf> {
    from.iter()
        .flat_map(|p| {
            if p.is_dir() {
                crate::sources::android::input_files(p)
            } else {
                vec![p.clone()]
            }
        })
        .collect()
}

/// The engine for a scan, and where its signatures come from.
pub enum EngineLoad {
    Ready(Box<Engine>),
    /// The embedded signatures (checked when sweep is built, and by its tests), parsed and
    /// indexed on a helper thread while the sources start.
    Loading(std::thread::JoinHandle<Result<Engine, String>>),
}

impl EngineLoad {
    /// A folder given with --signatures is read and checked now, before anything starts
    /// (exit code 2 when it is broken); the embedded signatures load alongside the sources.
    pub fn start(sig_dir: Option<&Path>) -> Result<EngineLoad, u8> {
        if sig_dir.is_some() {
            let s = load_signatures(sig_dir)?;
            return Ok(EngineLoad::Ready(Box::new(Engine::new(Arc::new(s)))));
        }
        std::thread::Builder::new()
            .name("signatures".into())
            .spawn(|| {
                SignatureSet::embedded()
                    .map(|s| Engine::new(Arc::new(s)))
                    .map_err(|e| e.to_string())
            })
            .map(EngineLoad::Loading)
            .or_else(|_| {
                load_signatures(None).map(|s| EngineLoad::Ready(Box::new(Engine::new(Arc::new(s)))))
            })
    }

    pub fn wait(self) -> Result<Engine, u8> {
        let r = match self {
            EngineLoad::Ready(e) => return Ok(*e),
            EngineLoad::Loading(h) => h
                .join()
                .unwrap_or_else(|_| Err("the signature loader stopped unexpectedly".into())),
        };
        r.map_err(|e| {
            eprintln!("sweep: signature error: {e}");
            EXIT_BAD_INPUT
        })
    }
}

/// Headless scan.
pub fn scan(args: ScanArgs, sig_dir: Option<&Path>) -> u8 {
    let engine_load = match EngineLoad::start(sig_dir) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let live = args.ble || args.lan.is_some() || args.traffic.is_some() || args.android;
    if !live && args.from.is_empty() {
        eprintln!(
            "sweep: nothing to scan: give --from FILE, or --ble, --lan IFACE, --traffic IFACE or --android (see sweep scan --help)"
        );
        return EXIT_BAD_INPUT;
    }
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    for p in &args.from {
        let pace = args
            .speed
            .filter(|s| *s > 0.0)
            .map_or(Pace::AsFast, Pace::Speed);
        match source_for_file(p, pace) {
            Ok(s) => sources.push(s),
            Err(e) => {
                eprintln!("sweep: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let mut marks = Vec::new();
    for t in &args.place_marks {
        match crate::pipeline::parse_time(t) {
            Ok(t) => marks.push(Record::new(
                t,
                Observation::Place(PlaceMark { label: None }),
            )),
            Err(e) => {
                eprintln!("sweep: --place-marks: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let mut mine = Vec::new();
    for m in &args.mine {
        match m.parse::<MacAddr>() {
            Ok(a) => mine.push(a),
            Err(e) => {
                eprintln!("sweep: --mine: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }

    // Live scans keep a case folder with the journal (and the capture).
    let case_dir = if live {
        let root = args
            .cases_dir
            .clone()
            .unwrap_or_else(crate::case::cases_root);
        match crate::case::new_case_dir(&root, args.case.as_deref()) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!(
                    "sweep: cannot create a case folder in {}: {e}",
                    root.display()
                );
                return EXIT_CANNOT_RUN;
            }
        }
    } else {
        None
    };
    if args.ble {
        sources.push(Box::new(crate::sources::ble::BleSource::new()));
    }
    if let Some(iface) = &args.lan {
        sources.push(Box::new(crate::sources::lan::LanSource::new(
            iface.clone(),
            args.active,
        )));
        // mDNS browsing sends queries, so it is part of the active check; passive listening
        // still hears mDNS announcements through the LAN source.
        if args.active {
            eprintln!(
                "Active check on {iface}: asking {} who they are (ARP), then camera ports, RTSP, ONVIF and mDNS.",
                crate::sources::lan::active_scope(iface)
            );
            sources.push(Box::new(crate::sources::mdns::MdnsSource {
                interface: iface.clone(),
            }));
        }
    }
    // The live capture is saved in the case folder and hashed once it is complete.
    let live_capture = args
        .traffic
        .as_ref()
        .and(case_dir.as_ref())
        .map(|d| d.join("capture.pcapng"));
    if let Some(iface) = &args.traffic {
        sources.push(Box::new(LiveTrafficSource::new(
            iface.clone(),
            live_capture.clone(),
        )));
    }
    if args.android
        && let Some(d) = &case_dir
    {
        sources.push(crate::sources::android::live_source(
            d,
            args.serial.as_deref(),
        ));
    }
    // The app check ends by itself; only checks that listen need a time limit.
    let listens = args.ble || args.lan.is_some() || args.traffic.is_some();
    let journal = args
        .record
        .clone()
        .or_else(|| case_dir.as_ref().map(|d| d.join("journal.jsonl")));
    let started = live.then(chrono::Utc::now);
    let plan = Plan {
        sources,
        duration: args.duration.map(Duration::from_secs).or(if listens {
            Some(Duration::from_secs(60))
        } else {
            None
        }),
        journal,
        marks,
        inputs: input_paths(&args.from),
    };
    let mut pipeline = match Pipeline::start(plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sweep: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    // The sources are running; their first observations wait in the channel.
    let mut engine = match engine_load.wait() {
        Ok(e) => e,
        Err(c) => {
            pipeline.stop();
            return c;
        }
    };
    crate::cases::stop_on_ctrl_c(pipeline.stop_handle());
    pipeline.run_to_end(&mut engine);
    if let Some((_, last)) = engine.window() {
        for a in mine {
            let rec = Record::new(
                last,
                Observation::Mine(MineMark {
                    address: a,
                    by: args.operator.clone(),
                }),
            );
            pipeline.add(&mut engine, rec);
        }
    }
    let mut code = EXIT_OK;
    for e in &pipeline.errors {
        match e {
            crate::sources::SourceError::Input(m) => {
                eprintln!("sweep: {m}");
                code = EXIT_BAD_INPUT;
            }
            crate::sources::SourceError::Unavailable { reason, fix } => {
                eprintln!("sweep: {reason} {fix}")
            }
            crate::sources::SourceError::Failed(m) => eprintln!("sweep: {m}"),
        }
    }
    if let Some(e) = &pipeline.journal_error {
        eprintln!("sweep: {e}");
    }
    let mut inputs = Vec::new();
    for h in pipeline.input_hashes() {
        match h {
            Ok(i) => inputs.push(i),
            Err(e) => eprintln!("sweep: {e}"),
        }
    }
    if let Some(p) = live_capture.as_ref().filter(|p| p.exists()) {
        match crate::pipeline::hash_file(p) {
            Ok(i) => inputs.push(i),
            Err(e) => eprintln!("sweep: {e}"),
        }
    }
    // The phone snapshot the app check wrote into the case folder.
    if args.android
        && let Some(d) = &case_dir
    {
        for p in crate::sources::android::input_files(d) {
            match crate::pipeline::hash_file(&p) {
                Ok(i) => inputs.push(i),
                Err(e) => eprintln!("sweep: {e}"),
            }
        }
    }
    let report = Report::build(
        &engine,
        ScanMeta {
            case: args.case.clone(),
            operator: args.operator.clone(),
            started,
            ended: live.then(chrono::Utc::now),
            inputs,
            extra_sources: Vec::new(),
        },
    );
    if code == EXIT_OK
        && live
        && !report
            .scan
            .sources
            .iter()
            .any(|s| matches!(s.state, SourceState::Running | SourceState::Finished))
    {
        code = EXIT_CANNOT_RUN;
    }
    if let Some(dir) = &case_dir {
        let p = dir.join("findings.json");
        if let Err(e) = report::write_atomic(&p, report.to_json().as_bytes(), false) {
            eprintln!("sweep: {}: {e}", p.display());
        }
        eprintln!("Case folder: {}", dir.display());
    }
    if let Some(j) = &args.json {
        if j.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(report.to_json().as_bytes());
            let _ = out.write_all(b"\n");
        } else if let Err(e) = report::write_atomic(j, report.to_json().as_bytes(), args.overwrite)
        {
            eprintln!("sweep: {}: {e}", j.display());
            return EXIT_CANNOT_RUN;
        }
    }
    for p in &args.report {
        let written = report::Format::from_path(p)
            .and_then(|f| report::render(&report, f))
            .and_then(|bytes| {
                report::write_atomic(p, &bytes, args.overwrite)
                    .map_err(|e| format!("{}: {e}", p.display()))
            });
        if let Err(e) = written {
            eprintln!("sweep: {e}");
            if code == EXIT_OK {
                code = EXIT_CANNOT_RUN;
            }
        }
    }
    eprint!("{}", summary_text(&report));
    code
}

/// A short plain summary for the terminal (stderr).
pub fn summary_text(r: &Report) -> String {
    let mut s = String::new();
    let active: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.recognised.is_none())
        .collect();
    if active.is_empty() {
        s.push_str("No known tracker or stalkerware sign was found in what was checked. This is not proof that nothing is there.\n");
    } else {
        s.push_str(&format!("{} thing(s) to look at:\n", active.len()));
        for f in active {
            s.push_str(&format!(
                "  [{}] {}\n",
                f.severity.as_str(),
                crate::sanitize::clean(&f.title, 120)
            ));
        }
    }
    if r.scan.sources.iter().any(|s| {
        matches!(
            s.source,
            crate::observation::SourceKind::Capture | crate::observation::SourceKind::Traffic
        ) && s.state != SourceState::Unavailable
    }) {
        s.push_str(crate::sources::traffic::CAPTURE_GUIDANCE);
        s.push('\n');
    }
    for src in &r.scan.sources {
        if matches!(src.state, SourceState::Unavailable | SourceState::Failed) {
            s.push_str(&format!(
                "  Not checked: {} — {}\n",
                src.source.plain_name(),
                src.reason.as_deref().unwrap_or("it could not run")
            ));
        }
    }
    s
}
