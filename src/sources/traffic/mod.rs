//! Phone traffic: saved captures (pcap / pcapng) and live capture on an interface.
//! Both turn packets into `dns`, `tls`, `quic`, `http` and `flow` observations
//! through the same [`extract::Extractor`].

pub mod extract;
pub mod hello;
pub mod live;
pub mod quic;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};

use byteorder::{BigEndian, LittleEndian};
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{PcapNgParser, RawBlock};
use pcap_file::{Endianness, PcapError, TsResolution};

use crate::observation::{SourceKind, SourceState, Timestamp};
use crate::sources::feed::{self, Chunk, ChunkWindow, FileChunks, WindowError};
use crate::sources::{Sink, Source, SourceError, Stop};
use extract::{Extractor, Link, QuicJob, Stats, linktype_name};
use quic::QuicTracker;

pub use live::LiveTrafficSource;

/// What to tell the volunteer about capturing phone traffic (summary, UI, docs).
pub const CAPTURE_GUIDANCE: &str = "About phone traffic checks: capture for at least 10 to 15 minutes while the phone is used normally. \
During the capture, restart the phone or switch airplane mode on and off once, so that names it has cached are looked up again. \
No match does not mean the phone is free of stalkerware: an app can stay quiet, use names not yet on the list, or hide its lookups.";

/// pcap (either byte order, µs or ns) or pcapng, from the first four bytes.
pub fn is_capture_magic(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some([0xd4, 0xc3, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0xc3, 0xd4])
            | Some([0x4d, 0x3c, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0x3c, 0x4d])
            | Some([0x0a, 0x0d, 0x0d, 0x0a])
    )
}

/// A saved capture file.
pub struct CaptureFileSource {
    pub path: PathBuf,
    /// The file's chunks when the pipeline also wants its checksum: every chunk read here
    /// goes to the checksum as well (one read of the file for both).
    feed: Option<FileChunks>,
}

impl CaptureFileSource {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CaptureFileSource {
            path: path.into(),
            feed: None,
        }
    }
}

impl Source for CaptureFileSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Capture
    }

    fn input_file(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn set_feed(&mut self, feed: FileChunks) {
        self.feed = Some(feed);
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        sink.status(
            chrono::Utc::now(),
            SourceKind::Capture,
            SourceState::Running,
            None,
            None,
        );
        // QUIC Initials are decrypted on a worker thread of this source while this one
        // goes on reading; the worker sends each stretch of observations on, in order.
        std::thread::scope(|scope| {
            let (jobs, queue) = sync_channel::<QuicJob>(QUIC_JOBS);
            let worker = std::thread::Builder::new()
                .name("source-quic".into())
                .spawn_scoped(scope, move || {
                    let mut tracker = QuicTracker::new();
                    for job in queue {
                        let recs = job.resolve(&mut tracker);
                        if !recs.is_empty() && !sink.send_all(recs) {
                            break;
                        }
                    }
                })
                .map_err(|e| SourceError::Input(format!("cannot start a thread: {e}")))?;
            let mut ex = Extractor::offloading();
            let mut flush = |ex: &mut Extractor| hand_on(ex, &jobs);
            let result = match self.feed {
                // Read here, and handed on to the checksum too.
                Some(f) => read_chunks(&self.path, f, stop, &mut ex, &mut flush),
                // Read here: each chunk is parsed while it is still in this core's cache.
                None => read_capture(&self.path, stop, &mut ex, &mut flush),
            };
            // Whatever happened, everything from the packets before it is sent.
            ex.finish();
            hand_on(&mut ex, &jobs);
            drop(jobs);
            if worker.join().is_err() {
                return Err(SourceError::Input(format!(
                    "{}: the QUIC decryption stopped unexpectedly",
                    self.path.display()
                )));
            }
            result.map(|_| ())
        })
    }
}

/// Stretches of output queued for a capture file's QUIC worker (each at most
/// [`FLUSH_BATCH`] records, or [`extract::JOB_BYTES`] of datagrams).
const QUIC_JOBS: usize = 4;

/// Queue what an offloading extractor produced for the QUIC worker; false when the
/// worker (so the pipeline) has gone.
fn hand_on(ex: &mut Extractor, jobs: &SyncSender<QuicJob>) -> bool {
    let job = ex.take_job();
    job.is_empty() || jobs.send(job).is_ok()
}

/// Send what the extractor produced; false when the pipeline has gone.
pub(crate) fn send_out(ex: &mut Extractor, sink: &Sink) -> bool {
    ex.out.is_empty() || sink.send_all(ex.out.drain(..))
}

/// The error a reader gives when the file ends inside a record.
fn cut_short() -> PcapError {
    PcapError::IoError(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
}

fn window_err(path: &Path, e: WindowError, offset: u64) -> SourceError {
    match e {
        WindowError::CutShort => input_err(path, &describe(&cut_short()), offset),
        WindowError::TooLong => input_err(
            path,
            &format!(
                "the capture is damaged (a record claims to be longer than {} MiB)",
                feed::MAX_RECORD >> 20
            ),
            offset,
        ),
        WindowError::Io(io) => input_err(path, &format!("cannot read the file ({io})"), offset),
    }
}

fn input_err(path: &Path, what: &str, offset: u64) -> SourceError {
    SourceError::Input(format!(
        "{}: {what} at byte offset {offset}",
        path.display()
    ))
}

fn describe(e: &PcapError) -> String {
    match e {
        PcapError::IncompleteBuffer => {
            "the capture is cut short (an incomplete packet record)".into()
        }
        PcapError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the capture is cut short or damaged (a record is longer than what is left of the file)"
                .into()
        }
        PcapError::IoError(io) => format!("cannot read the file ({io})"),
        PcapError::InvalidField(f) => format!("the capture is damaged ({f})"),
        other => format!("the capture is damaged ({other})"),
    }
}

fn time_from(secs: u64, nanos: u32) -> Timestamp {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, nanos))
        .unwrap_or_default()
}

/// Packet times to timestamps, with the calendar date worked out once per day of capture
/// rather than for every packet. Same results as [`time_from`].
#[derive(Default)]
struct PacketClock {
    day: Option<(u64, chrono::NaiveDate)>,
}

impl PacketClock {
    fn at(&mut self, secs: u64, nanos: u32) -> Timestamp {
        let day = secs / 86_400;
        let date = match self.day {
            Some((d, date)) if d == day => date,
            _ => {
                let midnight = time_from(day * 86_400, 0);
                if midnight == Timestamp::default() && day != 0 {
                    return time_from(secs, nanos);
                }
                self.day = Some((day, midnight.date_naive()));
                midnight.date_naive()
            }
        };
        let in_day = (secs % 86_400) as u32;
        chrono::NaiveTime::from_num_seconds_from_midnight_opt(in_day, nanos)
            .map_or_else(|| time_from(secs, nanos), |t| date.and_time(t).and_utc())
    }
}

/// Observations a capture file read hands over at a time: the engine then wakes once per
/// batch instead of once per observation. Bounded, so memory does not grow.
pub const FLUSH_BATCH: usize = crate::sources::MAX_BATCH;

/// Read a capture file (pcap or pcapng, from its magic) packet by packet, on this thread.
/// `flush` is called whenever [`FLUSH_BATCH`] observations are ready (the caller sends
/// what is left when this returns); it returns false to stop early. Returns the counters,
/// or an error naming the byte offset.
pub fn read_capture(
    path: &Path,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let chunks = feed::chunks(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
    read_chunks(path, chunks, stop, ex, flush)
}

/// [`read_capture`] on a file's chunks (see [`feed`]); `path` names it in messages.
pub fn read_chunks(
    path: &Path,
    chunks: impl Iterator<Item = std::io::Result<Chunk>>,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let mut w = ChunkWindow::new(chunks);
    w.fill_to(12).map_err(|e| window_err(path, e, 0))?;
    let head = w.view();
    if !is_capture_magic(&head[..head.len().min(12)]) {
        return Err(input_err(
            path,
            "not a pcap or pcapng capture (unknown magic)",
            0,
        ));
    }
    if head.get(..4) == Some(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        read_pcapng(path, &mut w, stop, ex, flush)
    } else {
        read_pcap(path, &mut w, stop, ex, flush)
    }
}

/// The file header (pcap) or first section header (pcapng), read with `parse` at offset 0,
/// with more of the file brought in while it is incomplete.
fn file_header<I, P>(
    path: &Path,
    w: &mut ChunkWindow<I>,
    parse: impl Fn(&[u8]) -> Result<(&[u8], P), PcapError>,
) -> Result<P, SourceError>
where
    I: Iterator<Item = std::io::Result<Chunk>>,
{
    loop {
        let view = w.view();
        match parse(view) {
            Ok((rem, p)) => {
                let used = view.len() - rem.len();
                w.consume(used);
                return Ok(p);
            }
            Err(PcapError::IncompleteBuffer) => {
                if !w.more().map_err(|e| window_err(path, e, 0))? {
                    return Err(input_err(path, &describe(&cut_short()), 0));
                }
            }
            Err(e) => return Err(input_err(path, &describe(&e), 0)),
        }
    }
}

fn read_pcap<I: Iterator<Item = std::io::Result<Chunk>>>(
    path: &Path,
    w: &mut ChunkWindow<I>,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let parser = file_header(path, w, PcapParser::new)?;
    let hdr = parser.header();
    let lt = u32::from(hdr.datalink);
    let link = Link::from_linktype(lt).ok_or_else(|| unsupported(path, lt))?;
    let nanos = hdr.ts_resolution == TsResolution::NanoSecond;
    let mut count = 0u32;
    let mut clock = PacketClock::default();
    loop {
        let at = w.offset();
        let view = w.view();
        if view.is_empty() {
            if w.more().map_err(|e| window_err(path, e, at))? {
                continue;
            }
            break;
        }
        match parser.next_raw_packet(view) {
            Ok((rem, p)) => {
                let used = view.len() - rem.len();
                let frac = if nanos {
                    p.ts_frac
                } else {
                    p.ts_frac.saturating_mul(1000)
                };
                let t = clock.at(u64::from(p.ts_sec), frac.min(999_999_999));
                ex.packet(link, t, at, &p.data);
                w.consume(used);
            }
            Err(PcapError::IncompleteBuffer) => {
                if !w.more().map_err(|e| window_err(path, e, at))? {
                    return Err(input_err(path, &describe(&cut_short()), at));
                }
                continue;
            }
            Err(e) => return Err(input_err(path, &describe(&e), at)),
        }
        if ex.ready() && !flush(ex) {
            break;
        }
        count = count.wrapping_add(1);
        if count.is_multiple_of(4096) && stop.is_stopped() {
            break;
        }
    }
    Ok(ex.stats.clone())
}

/// Per-interface facts from the Interface Description Blocks of the current section.
#[derive(Clone, Copy)]
struct Iface {
    link: Result<Link, u32>,
    /// Timestamp units per second.
    units: u64,
}

fn read_pcapng<I: Iterator<Item = std::io::Result<Chunk>>>(
    path: &Path,
    w: &mut ChunkWindow<I>,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let mut parser = file_header(path, w, PcapNgParser::new)?;
    let mut endian = parser.section().endianness;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut count = 0u32;
    let mut skipped_link: Option<u32> = None;
    let mut clock = PacketClock::default();
    loop {
        let this = w.offset();
        let view = w.view();
        if view.is_empty() {
            if w.more().map_err(|e| window_err(path, e, this))? {
                continue;
            }
            break;
        }
        let (used, raw) = match parser.next_raw_block(view) {
            Ok((rem, raw)) => (view.len() - rem.len(), raw),
            Err(PcapError::IncompleteBuffer) => {
                if !w.more().map_err(|e| window_err(path, e, this))? {
                    return Err(input_err(path, &describe(&cut_short()), this));
                }
                continue;
            }
            Err(e) => return Err(input_err(path, &describe(&e), this)),
        };
        pcapng_block(
            path,
            raw,
            this,
            &mut endian,
            &mut ifaces,
            &mut skipped_link,
            &mut clock,
            ex,
        )?;
        w.consume(used);
        if ex.ready() && !flush(ex) {
            break;
        }
        count = count.wrapping_add(1);
        if count.is_multiple_of(4096) && stop.is_stopped() {
            break;
        }
    }
    if let Some(lt) = skipped_link
        && ex.stats.packets == 0
    {
        return Err(unsupported(path, lt));
    }
    Ok(ex.stats.clone())
}

/// One pcapng block: section and interface facts, or a packet for the extractor.
#[allow(clippy::too_many_arguments)]
fn pcapng_block(
    path: &Path,
    raw: RawBlock<'_>,
    this: u64,
    endian: &mut Endianness,
    ifaces: &mut Vec<Iface>,
    skipped_link: &mut Option<u32>,
    clock: &mut PacketClock,
    ex: &mut Extractor,
) -> Result<(), SourceError> {
    match raw.type_ {
        0x0A0D_0D0A => {
            ifaces.clear();
            *endian = if raw.body.get(..4) == Some(&[0x4d, 0x3c, 0x2b, 0x1a]) {
                Endianness::Little
            } else {
                Endianness::Big
            };
        }
        1 => {
            let Block::InterfaceDescription(idb) =
                to_block(raw, *endian).map_err(|e| input_err(path, &describe(&e), this))?
            else {
                return Ok(());
            };
            let lt = u32::from(idb.linktype);
            let mut units = 1_000_000u64;
            for o in &idb.options {
                if let InterfaceDescriptionOption::IfTsResol(v) = o {
                    let exp = u32::from(v & 0x7f);
                    units = if v & 0x80 != 0 {
                        2u64.checked_pow(exp).unwrap_or(u64::MAX)
                    } else {
                        10u64.checked_pow(exp).unwrap_or(u64::MAX)
                    };
                }
            }
            ifaces.push(Iface {
                link: Link::from_linktype(lt).ok_or(lt),
                units: units.max(1),
            });
        }
        6 | 3 => {
            let (iface_id, raw_ts, data) = match to_block(raw, *endian)
                .map_err(|e| input_err(path, &describe(&e), this))?
            {
                Block::EnhancedPacket(p) => (p.interface_id, p.timestamp.as_nanos() as u64, p.data),
                Block::SimplePacket(p) => (0, 0, p.data),
                _ => return Ok(()),
            };
            let Some(iface) = ifaces.get(iface_id as usize).copied() else {
                return Err(input_err(
                    path,
                    &format!(
                        "the capture is damaged (a packet names interface {iface_id}, which is not described)"
                    ),
                    this,
                ));
            };
            // Multi-interface captures (e.g. dumpcap on several interfaces) may mix in
            // link types sweep does not read: skip those packets, fail only if that is all.
            let link = match iface.link {
                Ok(l) => l,
                Err(lt) => {
                    skipped_link.get_or_insert(lt);
                    return Ok(());
                }
            };
            let secs = raw_ts / iface.units;
            let rem = raw_ts % iface.units;
            let nanos = (u128::from(rem) * 1_000_000_000 / u128::from(iface.units)) as u32;
            ex.packet(link, clock.at(secs, nanos), this, &data);
        }
        _ => {}
    }
    Ok(())
}

fn to_block<'a>(raw: RawBlock<'a>, endian: Endianness) -> Result<Block<'a>, PcapError> {
    match endian {
        Endianness::Big => raw.try_into_block::<BigEndian>(),
        Endianness::Little => raw.try_into_block::<LittleEndian>(),
    }
}

fn unsupported(path: &Path, lt: u32) -> SourceError {
    SourceError::Input(format!(
        "{}: link type {} is not supported; sweep reads Ethernet (with VLAN tags), Linux cooked capture v1 and v2 (tcpdump -i any) and raw IP captures",
        path.display(),
        linktype_name(lt)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_clock_equals_the_plain_conversion() {
        let mut c = PacketClock::default();
        for (secs, nanos) in [
            (0u64, 0u32),
            (1_795_341_600, 123_456_789),
            (1_795_341_600 + 86_399, 999_999_999),
            (1_795_341_600 + 86_400, 1),
            (1_795_341_601, 0),
            (4_294_967_295, 5),
            (u64::MAX, 7),
            (i64::MAX as u64, 0),
            (86_400, 0),
        ] {
            assert_eq!(c.at(secs, nanos), time_from(secs, nanos), "{secs}.{nanos}");
        }
    }
}
