//! Replay of a recording (JSON Lines, one observation per line; `docs/replay-format.md`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::observation::{Record, SourceKind, Timestamp};
use crate::sources::{MAX_BATCH, Sink, Source, SourceError, Stop};

/// Longest line accepted (a BLE advert is a few hundred bytes).
pub const MAX_LINE: usize = 1 << 20;

/// A problem in a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// What reading a recording gave besides records.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    pub records: u64,
    /// A truncated last line (as a crash leaves it) that was skipped.
    pub warning: Option<String>,
}

/// Parse one line (without its newline).
pub fn parse_line(line: &str) -> Result<Record, serde_json::Error> {
    serde_json::from_str::<Record>(line)
}

/// What is wrong with a line, for `file:line: ...` (serde_json appends " at line 1
/// column N": keep the column, drop the line).
pub fn line_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rsplit_once(" at line 1 column ") {
        Some((m, col)) => format!("{m} (column {col})"),
        None => msg,
    }
}

/// Read every record from `reader`, calling `each` for each one in order.
/// A malformed line is an error naming file:line. A truncated *last* line
/// (no newline at the end and not valid JSON) is a warning and is skipped.
pub fn read_records<R: Read>(
    file: &str,
    reader: R,
    mut each: impl FnMut(Record) -> bool,
) -> Result<ReadSummary, ReplayError> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut buf = Vec::with_capacity(512);
    let mut line_no = 0usize;
    let mut summary = ReadSummary::default();
    loop {
        buf.clear();
        let n = reader
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ReplayError {
                file: file.into(),
                line: line_no + 1,
                message: format!("cannot read: {e}"),
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        if !complete && buf.len() > MAX_LINE {
            return Err(ReplayError {
                file: file.into(),
                line: line_no,
                message: format!("line is longer than {MAX_LINE} bytes"),
            });
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(s) => s.trim_end_matches(['\n', '\r']),
            Err(e) => {
                if !complete {
                    summary.warning = Some(format!(
                        "{file}:{line_no}: last line is truncated (not valid UTF-8); skipped"
                    ));
                    break;
                }
                return Err(ReplayError {
                    file: file.into(),
                    line: line_no,
                    message: format!(
                        "not valid UTF-8 at byte {} of the line",
                        e.valid_up_to() + 1
                    ),
                });
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(text) {
            Ok(rec) => {
                summary.records += 1;
                if !each(rec) {
                    break;
                }
            }
            Err(e) => {
                let message = line_message(&e);
                if !complete && serde_json::from_str::<serde_json::Value>(text).is_err() {
                    summary.warning = Some(format!(
                        "{file}:{line_no}: last line is truncated (as a crash leaves it); skipped"
                    ));
                    break;
                }
                return Err(ReplayError {
                    file: file.into(),
                    line: line_no,
                    message,
                });
            }
        }
    }
    Ok(summary)
}

/// Read a whole recording into memory (tests, small files).
pub fn read_file(path: &Path) -> Result<(Vec<Record>, ReadSummary), ReplayError> {
    let f = File::open(path).map_err(|e| ReplayError {
        file: path.display().to_string(),
        line: 0,
        message: format!("cannot open: {e}"),
    })?;
    let mut out = Vec::new();
    let s = read_records(&path.display().to_string(), f, |r| {
        out.push(r);
        true
    })?;
    Ok((out, s))
}

/// How fast to replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the engine takes it (headless analysis, tests).
    AsFast,
    /// Real time multiplied by this factor (the demo).
    Speed(f64),
}

/// Replays a recording file, or embedded text, through the pipeline.
pub struct ReplaySource {
    pub name: String,
    pub input: ReplayInput,
    pub pace: Pace,
    /// Shift every timestamp so the recording starts at this time (the demo: "now").
    pub rebase_to: Option<Timestamp>,
}

pub enum ReplayInput {
    File(PathBuf),
    Text(&'static str),
}

impl Source for ReplaySource {
    fn kind(&self) -> SourceKind {
        SourceKind::Replay
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let reader: Box<dyn Read> =
            match &self.input {
                ReplayInput::File(p) => Box::new(File::open(p).map_err(|e| {
                    SourceError::Input(format!("{}: cannot open: {e}", p.display()))
                })?),
                ReplayInput::Text(s) => Box::new(s.as_bytes()),
            };
        let started = Instant::now();
        let mut offset: Option<chrono::Duration> = None;
        let mut first_t: Option<Timestamp> = None;
        let pace = self.pace;
        let rebase = self.rebase_to;
        // As fast as possible: records go in batches (one engine wake-up each). Paced: one by one.
        let mut batch: Vec<Record> = Vec::new();
        let mut sent_all = true;
        let read = read_records(&self.name, reader, |mut rec| {
            if stop.is_stopped() {
                return false;
            }
            if let Some(base) = rebase {
                let off = *offset.get_or_insert(base - rec.t);
                rec.t += off;
            }
            if let Pace::Speed(speed) = pace {
                let first = *first_t.get_or_insert(rec.t);
                let due = (rec.t - first)
                    .to_std()
                    .unwrap_or_default()
                    .div_f64(speed.max(0.001));
                while let Some(wait) = due.checked_sub(started.elapsed()) {
                    if stop.is_stopped() {
                        return false;
                    }
                    std::thread::sleep(wait.min(Duration::from_millis(100)));
                }
                return sink.send_record(rec);
            }
            batch.push(rec);
            if batch.len() < MAX_BATCH {
                return true;
            }
            sent_all = sink.send_all(batch.drain(..));
            sent_all
        });
        // Whatever happened, the records read before it reach the engine.
        if sent_all && !batch.is_empty() {
            sink.send_all(batch.drain(..));
        }
        let summary = read.map_err(|e| SourceError::Input(e.to_string()))?;
        if let Some(w) = summary.warning {
            eprintln!("warning: {w}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"C4:11:22:33:44:55","rssi":-58}"#;

    fn read(text: &str) -> Result<(Vec<Record>, ReadSummary), ReplayError> {
        let mut v = Vec::new();
        let s = read_records("x.jsonl", text.as_bytes(), |r| {
            v.push(r);
            true
        })?;
        Ok((v, s))
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let text = format!("{GOOD}\n{{\"t\":\"2026-11-22T10:00:01Z\",\"kind\":\"ble\"}}\n{GOOD}\n");
        let e = read(&text).expect_err("must fail");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            "x.jsonl:2: missing field `address` (column 41)"
        );
    }

    #[test]
    fn bad_hex_is_named() {
        let text = format!(
            "{GOOD}\n{}\n",
            r#"{"t":"2026-11-22T10:00:01Z","kind":"ble","address":"C4:11:22:33:44:55","manufacturer_data":{"76":"12zz"}}"#
        );
        let e = read(&text).expect_err("must fail");
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("invalid hex \"12zz\""), "{e}");
    }

    #[test]
    fn bad_uuid_is_named() {
        let text = r#"{"t":"2026-11-22T10:00:01Z","kind":"ble","address":"C4:11:22:33:44:55","services":["fe"]}"#;
        let e = read(text).expect_err("must fail");
        assert!(e.message.starts_with("invalid UUID \"fe\""), "{e}");
    }

    #[test]
    fn truncated_last_line_is_a_warning() {
        let text = format!("{GOOD}\n{GOOD}\n{{\"t\":\"2026-11-22T10:00:0");
        let (v, s) = read(&text).expect("reads");
        assert_eq!(v.len(), 2);
        assert_eq!(
            s.warning.as_deref(),
            Some("x.jsonl:3: last line is truncated (as a crash leaves it); skipped")
        );
    }

    #[test]
    fn complete_last_line_without_newline_is_kept() {
        let (v, s) = read(&format!("{GOOD}\n{GOOD}")).expect("reads");
        assert_eq!(v.len(), 2);
        assert_eq!(s.warning, None);
    }

    #[test]
    fn unknown_kind_is_an_error() {
        let e = read(r#"{"t":"2026-11-22T10:00:01Z","kind":"wifi"}"#).expect_err("must fail");
        assert!(e.message.contains("unknown variant `wifi`"), "{e}");
    }
}
