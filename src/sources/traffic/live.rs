//! Live capture on an interface (the laptop's hotspot) with pnet's AF_PACKET channel.
//! Every frame goes through the same extractor as saved captures and, when
//! `save_to` is set, into a pcapng file in the case folder (evidence, hashed later).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pnet::datalink::DataLinkReceiver;

use crate::observation::{SourceKind, SourceState};
use crate::sources::traffic::extract::{Extractor, Link};
use crate::sources::traffic::send_out;
use crate::sources::{Sink, Source, SourceError, Stop};

/// After this long without a single frame, the UI is told (once).
pub const QUIET_WARNING: Duration = Duration::from_secs(10);

/// Live capture of a client's traffic on an interface (the laptop's hotspot).
pub struct LiveTrafficSource {
    pub interface: String,
    /// Save the raw capture here as pcapng (evidence for the case file).
    pub save_to: Option<PathBuf>,
    /// The capture channel, opened by `prepare` while the process still holds CAP_NET_RAW.
    rx: Option<Box<dyn DataLinkReceiver>>,
    /// Opens the raw socket for a caller without CAP_NET_RAW (the screens).
    opener: Option<crate::sources::LinkOpener>,
    /// Where the time comes from (the system clock, or a test's).
    clock: std::sync::Arc<dyn crate::sources::Clock>,
    /// Where `prepare` finds the interface and opens the channel when no opener is given.
    network: std::sync::Arc<dyn crate::sources::Network>,
}

impl LiveTrafficSource {
    pub fn new(interface: impl Into<String>, save_to: Option<PathBuf>) -> Self {
        Self {
            interface: interface.into(),
            save_to,
            rx: None,
            opener: None,
            clock: std::sync::Arc::new(crate::sources::SystemClock),
            network: std::sync::Arc::new(crate::sources::SystemNetwork),
        }
    }

    /// The interfaces and channels from `network` (the machine's, or a test's made-up one).
    pub fn with_network(mut self, network: std::sync::Arc<dyn crate::sources::Network>) -> Self {
        self.network = network;
        self
    }

    /// The I/O seam: frames from `rx` (any pnet receiver: a raw socket, or a test's
    /// scripted frames and time-outs) and the time from `clock`.
    pub fn with_io(
        mut self,
        rx: Box<dyn DataLinkReceiver>,
        clock: std::sync::Arc<dyn crate::sources::Clock>,
    ) -> Self {
        self.rx = Some(rx);
        self.clock = clock;
        self
    }

    /// Open the raw socket through `opener` instead of on the calling thread.
    pub fn with_opener(mut self, opener: Option<crate::sources::LinkOpener>) -> Self {
        self.opener = opener;
        self
    }
}

/// The message shown while an interface carries nothing.
pub fn quiet_reason(iface: &str) -> String {
    format!(
        "No traffic seen on {iface} yet: is the phone connected to this hotspot? (Join the phone to the hotspot: the start screen's ? explains how.)"
    )
}

/// Open the capture channel (needs CAP_NET_RAW): called from `prepare`, on the main
/// thread, before the process drops its capabilities.
fn open_channel(
    network: &dyn crate::sources::Network,
    interface: &str,
    opener: Option<&crate::sources::LinkOpener>,
) -> Result<Box<dyn DataLinkReceiver>, SourceError> {
    let opts = crate::sources::LinkOptions::new(1 << 20);
    match opener {
        Some(o) => (o.0)(interface, "capture traffic", opts),
        None => crate::sources::open_link_on(network, interface, "capture traffic", opts),
    }
    .map(|(_, rx, _)| rx)
}

impl Source for LiveTrafficSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Traffic
    }

    fn prepare(&mut self) -> Result<(), SourceError> {
        if self.rx.is_none() {
            self.rx = Some(open_channel(
                self.network.as_ref(),
                &self.interface,
                self.opener.as_ref(),
            )?);
        }
        Ok(())
    }

    fn run(mut self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let mut rx = match self.rx.take() {
            Some(rx) => rx,
            None => open_channel(self.network.as_ref(), &self.interface, self.opener.as_ref())?,
        };
        let mut writer = match &self.save_to {
            Some(p) => Some(open_writer(p).map_err(|e| {
                SourceError::Failed(format!(
                    "{}: cannot create the capture file: {e}",
                    p.display()
                ))
            })?),
            None => None,
        };
        let clock = std::sync::Arc::clone(&self.clock);
        sink.status(
            clock.now(),
            SourceKind::Traffic,
            SourceState::Running,
            None,
            None,
        );
        let mut ex = Extractor::new();
        let mut last_frame = clock.now();
        let mut seen = false;
        let mut quiet = false;
        let mut offset: u64 = 0;
        let mut write_error: Option<String> = None;
        let mut last_flush = clock.now();
        while !stop.is_stopped() {
            match rx.next() {
                Ok(frame) => {
                    seen = true;
                    last_frame = clock.now();
                    if quiet {
                        // Traffic again: clear the notice.
                        quiet = false;
                        sink.status(
                            clock.now(),
                            SourceKind::Traffic,
                            SourceState::Running,
                            None,
                            None,
                        );
                    }
                    let now = clock.now();
                    if let Some(w) = writer.as_ref() {
                        offset = w.get_ref().n;
                    }
                    ex.packet(Link::Ethernet, now, offset, frame);
                    if let Some(w) = writer.as_mut() {
                        let since = now
                            .signed_duration_since(chrono::DateTime::UNIX_EPOCH)
                            .to_std()
                            .unwrap_or_default();
                        let epb = EnhancedPacketBlock {
                            interface_id: 0,
                            timestamp: since,
                            original_len: frame.len() as u32,
                            data: Cow::Borrowed(frame),
                            options: vec![],
                        };
                        match w.write_pcapng_block(epb) {
                            Ok(_) => {}
                            Err(e) => {
                                write_error = Some(pcap_words(&e));
                                writer = None;
                            }
                        }
                    }
                    if !ex.out.is_empty() && !send_out(&mut ex, sink) {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    ex.finish();
                    send_out(&mut ex, sink);
                    let _ = finish_writer(writer);
                    return Err(SourceError::Failed(format!(
                        "{}: capture stopped: {e}",
                        self.interface
                    )));
                }
            }
            if !quiet && elapsed(clock.now(), last_frame) >= QUIET_WARNING {
                quiet = true;
                let reason = if seen {
                    format!(
                        "No traffic on {} for {} seconds: is the phone still connected to this hotspot?",
                        self.interface,
                        QUIET_WARNING.as_secs()
                    )
                } else {
                    quiet_reason(&self.interface)
                };
                sink.status(
                    clock.now(),
                    SourceKind::Traffic,
                    SourceState::Running,
                    Some(reason),
                    Some("Connect the phone to the hotspot's Wi-Fi, then open an app or a web page on it.".into()),
                );
            }
            if elapsed(clock.now(), last_flush) >= Duration::from_secs(30) {
                last_flush = clock.now();
                ex.flush_flows();
                if !send_out(&mut ex, sink) {
                    break;
                }
            }
        }
        ex.finish();
        send_out(&mut ex, sink);
        let closed = finish_writer(writer);
        if let Some(e) = write_error.or(closed.err().map(|e| e.to_string())) {
            return Err(SourceError::Failed(format!(
                "{}: the capture file could not be written completely: {e}",
                self.save_to
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )));
        }
        Ok(())
    }
}

/// How long from `since` to `now` (none when the clock went back).
fn elapsed(now: crate::observation::Timestamp, since: crate::observation::Timestamp) -> Duration {
    (now - since).to_std().unwrap_or_default()
}

type Writer = PcapNgWriter<Counting>;

/// Counts bytes written, so observations carry their block's offset in the saved file.
struct Counting {
    inner: BufWriter<File>,
    n: u64,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The live capture file could not be written.
#[derive(Debug, thiserror::Error)]
enum CaptureFileError {
    #[error("{}", crate::case::io_words(.0))]
    Io(#[from] std::io::Error),
    #[error("{}", pcap_words(.0))]
    Pcap(#[from] pcap_file::PcapError),
}

fn open_writer(p: &std::path::Path) -> Result<Writer, CaptureFileError> {
    let f = crate::case::create_private_file(p)?;
    let mut w = PcapNgWriter::new(Counting {
        inner: BufWriter::new(f),
        n: 0,
    })?;
    let idb = InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 0,
        // pcap-file writes EPB timestamps in nanoseconds: say so (if_tsresol = 9).
        options: vec![InterfaceDescriptionOption::IfTsResol(9)],
    };
    w.write_pcapng_block(idb)?;
    Ok(w)
}

/// pcap-file's write errors say "Error reading bytes" for any I/O error: name the cause.
fn pcap_words(e: &pcap_file::PcapError) -> String {
    match e {
        pcap_file::PcapError::IoError(io) => crate::case::io_words(io),
        other => other.to_string(),
    }
}

fn finish_writer(w: Option<Writer>) -> Result<(), CaptureFileError> {
    if let Some(w) = w {
        let mut inner = w.into_inner();
        inner.flush()?;
        inner.inner.get_ref().sync_all()?;
    }
    Ok(())
}
