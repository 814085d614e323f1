//! Phone traffic: saved captures (pcap / pcapng) and live capture on an interface.
//! Both turn packets into `dns`, `tls`, `quic`, `http` and `flow` observations
//! through the same [`extract::Extractor`].

pub mod extract;
pub mod live;
pub mod quic;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use byteorder::{BigEndian, LittleEndian};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{PcapNgReader, RawBlock};
use pcap_file::{Endianness, PcapError, TsResolution};

use crate::observation::{SourceKind, SourceState, Timestamp};
use crate::sources::{Sink, Source, SourceError, Stop};
use extract::{Extractor, Link, Stats, linktype_name};

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
}

impl Source for CaptureFileSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Capture
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        sink.status(
            chrono::Utc::now(),
            SourceKind::Capture,
            SourceState::Running,
            None,
            None,
        );
        let mut ex = Extractor::new();
        let result = read_capture(&self.path, stop, &mut ex, &mut |ex| send_out(ex, sink));
        // Whatever happened, everything from the packets before it is sent.
        ex.finish();
        send_out(&mut ex, sink);
        result.map(|_| ())
    }
}

/// Send what the extractor produced; false when the pipeline has gone.
pub(crate) fn send_out(ex: &mut Extractor, sink: &Sink) -> bool {
    for r in ex.out.drain(..) {
        if !sink.send_record(r) {
            return false;
        }
    }
    true
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

/// Read a capture file (pcap or pcapng, from its magic) packet by packet, streaming.
/// `flush` is called after every packet that produced observations; it returns false
/// to stop early. Returns the counters, or an error naming the byte offset.
pub fn read_capture(
    path: &Path,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let mut f = File::open(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
    let mut head = [0u8; 12];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(SourceError::Input(format!(
                    "{}: cannot read: {e}",
                    path.display()
                )));
            }
        }
    }
    let f = File::open(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
    if !is_capture_magic(&head[..n]) {
        return Err(input_err(
            path,
            "not a pcap or pcapng capture (unknown magic)",
            0,
        ));
    }
    if head[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        read_pcapng(path, f, &head[..n], stop, ex, flush)
    } else {
        read_pcap(path, f, stop, ex, flush)
    }
}

fn read_pcap(
    path: &Path,
    f: File,
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    let mut r = PcapReader::new(f).map_err(|e| input_err(path, &describe(&e), 0))?;
    let hdr = r.header();
    let lt = u32::from(hdr.datalink);
    let link = Link::from_linktype(lt).ok_or_else(|| unsupported(path, lt))?;
    let nanos = hdr.ts_resolution == TsResolution::NanoSecond;
    let mut offset: u64 = 24;
    let mut count = 0u32;
    while let Some(p) = r.next_raw_packet() {
        let p = p.map_err(|e| input_err(path, &describe(&e), offset))?;
        let frac = if nanos {
            p.ts_frac
        } else {
            p.ts_frac.saturating_mul(1000)
        };
        let t = time_from(u64::from(p.ts_sec), frac.min(999_999_999));
        ex.packet(link, t, offset, &p.data);
        offset += 16 + u64::from(p.incl_len);
        if !ex.out.is_empty() && !flush(ex) {
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

fn read_pcapng(
    path: &Path,
    f: File,
    head: &[u8],
    stop: &Stop,
    ex: &mut Extractor,
    flush: &mut dyn FnMut(&mut Extractor) -> bool,
) -> Result<Stats, SourceError> {
    // Byte order of the first section, to know the length of its header block.
    let little = head.get(8..12) == Some(&[0x4d, 0x3c, 0x2b, 0x1a]);
    let shb_len = head.get(4..8).map_or(0, |b| {
        let b = [b[0], b[1], b[2], b[3]];
        u64::from(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    });
    let mut r = PcapNgReader::new(f).map_err(|e| input_err(path, &describe(&e), 0))?;
    let mut endian = r.section().endianness;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut offset = shb_len;
    let mut count = 0u32;
    let mut skipped_link: Option<u32> = None;
    loop {
        let raw = match r.next_raw_block() {
            None => break,
            Some(Ok(raw)) => raw,
            Some(Err(e)) => return Err(input_err(path, &describe(&e), offset)),
        };
        let this = offset;
        offset += u64::from(raw.initial_len);
        match raw.type_ {
            0x0A0D_0D0A => {
                ifaces.clear();
                endian = if raw.body.get(..4) == Some(&[0x4d, 0x3c, 0x2b, 0x1a]) {
                    Endianness::Little
                } else {
                    Endianness::Big
                };
            }
            1 => {
                let Block::InterfaceDescription(idb) =
                    to_block(raw, endian).map_err(|e| input_err(path, &describe(&e), this))?
                else {
                    continue;
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
                let (iface_id, raw_ts, data) = match to_block(raw, endian)
                    .map_err(|e| input_err(path, &describe(&e), this))?
                {
                    Block::EnhancedPacket(p) => {
                        (p.interface_id, p.timestamp.as_nanos() as u64, p.data)
                    }
                    Block::SimplePacket(p) => (0, 0, p.data),
                    _ => continue,
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
                        continue;
                    }
                };
                let secs = raw_ts / iface.units;
                let rem = raw_ts % iface.units;
                let nanos = (u128::from(rem) * 1_000_000_000 / u128::from(iface.units)) as u32;
                ex.packet(link, time_from(secs, nanos), this, &data);
                if !ex.out.is_empty() && !flush(ex) {
                    break;
                }
                count = count.wrapping_add(1);
                if count.is_multiple_of(4096) && stop.is_stopped() {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(lt) = skipped_link
        && ex.stats.packets == 0
    {
        return Err(unsupported(path, lt));
    }
    Ok(ex.stats.clone())
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
