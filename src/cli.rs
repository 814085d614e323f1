//! Command line: `sweep` (UI), `sweep demo`, `sweep scan` (headless), `sweep signatures`, `sweep cases`.
//! Exit codes: 0 the command ran (whatever it found), 1 it could not run, 2 bad input or usage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::observation::{MacAddr, MineMark, Observation, PlaceMark, Record};
use crate::report::{self, Report};
use crate::session::{self, CheckRequest, EngineLoad, Session, SessionSpec};
use crate::signatures::SignatureSet;

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
    /// ios/<udid>/, a case folder holding them, an AndroidQF folder or an iPhone backup) to analyse;
    /// the format is read from the file.
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
    /// How long live checks run, in seconds (at most a day).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
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
    /// Paper size of PDF reports.
    #[arg(long, value_enum, default_value_t = crate::report::pdf::Paper::A4)]
    pub paper: crate::report::pdf::Paper,
    /// Check the apps on an Android phone connected over USB (through the local adb server;
    /// read-only). The raw outputs go into the case folder (android/<serial>/).
    #[arg(long)]
    pub android: bool,
    /// Which phone, when several are connected (as `adb devices` lists it).
    #[arg(long, value_name = "SERIAL", requires = "android")]
    pub serial: Option<String>,
    /// Check an iPhone connected over USB (through usbmuxd and libimobiledevice's tools;
    /// read-only): apps and who signed them, provisioning profiles, Developer Mode,
    /// supervision. The raw answers go into the case folder (ios/<udid>/).
    #[arg(long)]
    pub ios: bool,
    /// Which iPhone, when several are connected (as `idevice_id -l` lists it).
    #[arg(long, value_name = "UDID", requires = "ios")]
    pub udid: Option<String>,
    /// With --ios, also make a full backup of the iPhone into the case folder
    /// (ios/<udid>/backup/, through idevicebackup2): the only way to list its configuration
    /// profiles over USB. Only with the client's agreement: the backup holds their
    /// messages and photos. It can take many minutes; the iPhone may ask for its passcode.
    #[arg(long, requires = "ios")]
    pub ios_backup: bool,
}

/// The clap command: `Cli` with the long version (`sweep --version`), which names the
/// embedded signature files' versions too. Also used for the man pages and completions
/// (`examples/gen_manual.rs`) and the `--help` snapshots.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let sigs: Vec<String> = crate::signatures::embedded_versions()
        .into_iter()
        .map(|(file, version)| format!("  {file} {version}"))
        .collect();
    Cli::command().long_version(format!(
        "{}\nBuilt-in signatures:\n{}",
        env!("CARGO_PKG_VERSION"),
        sigs.join("\n")
    ))
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    use clap::FromArgMatches;
    let cli = match command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
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
        } => print_or_bad_input(crate::signatures::echap::import_command_with_samples(
            &ioc_yaml,
            samples.as_deref(),
            &out,
            commit.as_deref(),
        )),
        SigCommand::ImportIsdi { csv, out } => {
            print_or_bad_input(crate::signatures::isdi::import_command(&csv, &out))
        }
    }
}

/// Print what an import wrote, or its error (exit code 2).
fn print_or_bad_input(r: Result<String, crate::signatures::ImportError>) -> u8 {
    match r {
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

/// Headless scan: the same session layer as the screens.
pub fn scan(args: ScanArgs, sig_dir: Option<&Path>) -> u8 {
    let live = args.ble || args.lan.is_some() || args.traffic.is_some() || args.android || args.ios;
    if !live && args.from.is_empty() {
        eprintln!(
            "sweep: nothing to scan: give --from FILE, or --ble, --lan IFACE, --traffic IFACE, --android or --ios (see sweep scan --help)"
        );
        return EXIT_BAD_INPUT;
    }
    // Outputs are checked before anything is scanned: a wrong name is found now, not
    // after fifteen minutes.
    let outputs: Vec<&Path> = args
        .json
        .iter()
        .map(PathBuf::as_path)
        .chain(args.report.iter().map(PathBuf::as_path))
        .collect();
    if let Err(e) = session::check_outputs(&outputs, args.overwrite) {
        eprintln!("sweep: {e}");
        return EXIT_BAD_INPUT;
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
    let engine_load = match EngineLoad::start(sig_dir) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sweep: signature error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut checks: Vec<CheckRequest> = args.from.iter().cloned().map(CheckRequest::File).collect();
    if args.ble {
        checks.push(CheckRequest::Bluetooth);
    }
    if let Some(iface) = &args.lan {
        if args.active {
            eprintln!(
                "Active check on {iface}: asking {} who they are (ARP), then camera ports, RTSP, ONVIF and mDNS.",
                crate::sources::lan::active_scope(iface)
            );
        }
        checks.push(CheckRequest::Network {
            interface: iface.clone(),
            active: args.active,
        });
    }
    if let Some(iface) = &args.traffic {
        checks.push(CheckRequest::PhoneTraffic {
            interface: iface.clone(),
        });
    }
    if args.android {
        checks.push(CheckRequest::PhoneApps {
            serial: args.serial.clone(),
        });
    }
    if args.ios {
        checks.push(CheckRequest::Iphone {
            udid: args.udid.clone(),
            backup: args.ios_backup,
        });
    }
    let spec = SessionSpec {
        checks,
        duration: args.duration.map(Duration::from_secs),
        case: args.case.clone(),
        operator: args.operator.clone(),
        cases_dir: args.cases_dir.clone(),
        record: args.record.clone(),
        marks,
        speed: args.speed,
        opener: None,
    };
    let root = crate::privilege::running_as_root();
    let mut session = match Session::start(spec) {
        Ok(s) => s,
        Err(e) if e.is_bad_input() => {
            eprintln!("sweep: {e}");
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            eprintln!("sweep: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    // The sources are running; their first observations wait in the channel.
    let mut engine = match engine_load.wait() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("sweep: signature error: {e}");
            session.stop();
            return EXIT_BAD_INPUT;
        }
    };
    crate::cases::stop_on_ctrl_c(session.stop_handle());
    session.run_to_end(&mut engine);
    if let Some((_, last)) = engine.window() {
        for a in mine {
            let rec = Record::new(
                last,
                Observation::Mine(MineMark {
                    address: a,
                    by: args.operator.clone(),
                    undo: false,
                }),
            );
            session.add(&mut engine, rec);
        }
    }
    let mut code = EXIT_OK;
    for e in session.source_errors() {
        match e {
            crate::sources::SourceError::Input(m) => {
                eprintln!("sweep: {}", crate::sanitize::message(m));
                code = EXIT_BAD_INPUT;
            }
            crate::sources::SourceError::Unavailable { reason, fix } => eprintln!(
                "sweep: {} {}",
                crate::sanitize::message(reason),
                crate::sanitize::message(fix)
            ),
            crate::sources::SourceError::Failed(m) => {
                eprintln!("sweep: {}", crate::sanitize::message(m))
            }
        }
    }
    if let Some(e) = session.journal_error() {
        eprintln!("sweep: {e}");
    }
    if let Some(e) = session.privilege_error() {
        eprintln!("sweep: warning: {e}; the check ran with more privileges than it needs");
    }
    if root {
        eprintln!("sweep: {}", crate::privilege::root_not_needed());
    }
    let report = session.close(&engine);
    for e in &session.close_errors {
        eprintln!("sweep: {e}");
    }
    if code == EXIT_OK && report.scan.nothing_ran() {
        code = EXIT_CANNOT_RUN;
    }
    if let Some(dir) = &session.case_dir {
        eprintln!("Case folder: {}", dir.display());
    }
    // Every output is attempted; a failure is named and the others are still written.
    let mut written = Vec::new();
    let mut failed = Vec::new();
    if let Some(j) = &args.json {
        if j.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(report.to_json().as_bytes());
            let _ = out.write_all(b"\n");
        } else {
            match report::write_atomic(j, report.to_json().as_bytes(), args.overwrite) {
                Ok(()) => written.push(j.display().to_string()),
                Err(e) => failed.push(format!("{}: {}", j.display(), crate::case::io_words(&e))),
            }
        }
    }
    for p in &args.report {
        let result = report::Format::from_path(p)
            .and_then(|f| {
                let options = report::RenderOptions {
                    pdf: crate::report::pdf::PdfOptions {
                        paper: args.paper,
                        ..Default::default()
                    },
                };
                report::render_with(&report, f, &options)
            })
            .and_then(|bytes| {
                report::write_atomic(p, &bytes, args.overwrite).map_err(|source| {
                    report::ReportError::Write {
                        path: p.clone(),
                        source,
                    }
                })
            });
        match result {
            Ok(()) => written.push(p.display().to_string()),
            Err(e) => failed.push(e.to_string()),
        }
    }
    if !failed.is_empty() {
        for f in &failed {
            eprintln!("sweep: not written: {f}");
        }
        if !written.is_empty() {
            eprintln!("sweep: written: {}", written.join(", "));
        }
        if code == EXIT_OK {
            code = EXIT_CANNOT_RUN;
        }
    }
    eprint!("{}", summary_text(&report));
    code
}

/// A short plain summary for the terminal (stderr): first what did not run as asked, then
/// what was found, in the same words as the reports.
pub fn summary_text(r: &Report) -> String {
    let mut s = String::new();
    if r.scan.demo {
        s.push_str(crate::report::view::DEMO_BANNER);
        s.push_str(".\n");
    }
    let head = crate::report::view::headline(r);
    for n in &head.not_checked {
        s.push_str(&format!("Not checked as asked: {n}\n"));
    }
    s.push_str(&head.summary);
    s.push('\n');
    let active: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.recognised.is_none())
        .collect();
    if !active.is_empty() {
        s.push_str(&format!(
            "{} to look at:\n",
            crate::report::view::plural(active.len(), "finding", "findings")
        ));
        for f in active {
            s.push_str(&format!(
                "  [{}] {}\n",
                f.severity.as_str(),
                crate::sanitize::clean(&f.title, 120)
            ));
        }
    }
    if r.scan.coverage.iter().any(|c| {
        c.check == crate::engine::coverage::Check::PhoneTraffic
            && c.status != crate::engine::coverage::CoverageStatus::NotRun
    }) {
        s.push_str(crate::sources::traffic::CAPTURE_GUIDANCE);
        s.push('\n');
    }
    s
}
