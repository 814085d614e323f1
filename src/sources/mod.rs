//! Sources: each runs on its own thread and sends typed observations on the
//! pipeline's one bounded channel. A failed send means "shut down".

pub mod android;
pub mod ble;
pub mod feed;
pub mod ios;
pub mod lan;
pub mod lanparse;
pub mod mdns;
pub mod replay;
pub mod snapshot_files;
pub mod traffic;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;

use crate::observation::{Observation, Record, SourceEvent, SourceKind, SourceState, Timestamp};

/// Shared stop flag: set by the pipeline when the scan ends (duration, Ctrl-C, UI).
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Most records one message on the pipeline channel carries.
pub const MAX_BATCH: usize = 128;

/// One message on the pipeline channel: records in the order the source made them.
pub type Batch = Vec<Record>;

/// The sending end of the pipeline channel.
#[derive(Clone)]
pub struct Sink {
    tx: SyncSender<Batch>,
}

impl Sink {
    pub fn new(tx: SyncSender<Batch>) -> Self {
        Self { tx }
    }

    /// Send one observation. Returns false when the pipeline has gone (shut down).
    pub fn send(&self, t: Timestamp, obs: Observation) -> bool {
        self.send_record(Record::new(t, obs))
    }

    pub fn send_record(&self, rec: Record) -> bool {
        self.tx.send(vec![rec]).is_ok()
    }

    /// Send records in order, up to [`MAX_BATCH`] per message, so the engine wakes once
    /// per batch rather than once per record (readers of files and recordings).
    pub fn send_all(&self, recs: impl IntoIterator<Item = Record>) -> bool {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        for r in recs {
            batch.push(r);
            if batch.len() == MAX_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
                if self.tx.send(full).is_err() {
                    return false;
                }
            }
        }
        batch.is_empty() || self.tx.send(batch).is_ok()
    }

    /// Report a change of this source's state.
    pub fn status(
        &self,
        t: Timestamp,
        source: SourceKind,
        state: SourceState,
        reason: Option<String>,
        fix: Option<String>,
    ) -> bool {
        self.send(
            t,
            Observation::Source(SourceEvent {
                source,
                state,
                reason,
                fix,
            }),
        )
    }
}

/// Why a source stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The input is malformed (exit code 2). The message names the file and line or offset.
    Input(String),
    /// The source cannot run here; `reason` in plain words and `fix` says what to do.
    Unavailable { reason: String, fix: String },
    /// Anything else.
    Failed(String),
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Input(m) | SourceError::Failed(m) => f.write_str(m),
            SourceError::Unavailable { reason, fix } => write!(f, "{reason} {fix}"),
        }
    }
}

/// Something that produces observations.
pub trait Source: Send + 'static {
    fn kind(&self) -> SourceKind;
    /// Open what needs privileges (raw sockets) on the calling thread, before the
    /// process drops its capabilities. Called once, before `run`, on the main thread.
    fn prepare(&mut self) -> Result<(), SourceError> {
        Ok(())
    }
    /// The file this source reads, if any. When the same file is also an input whose
    /// checksum goes into the findings, the pipeline has it read once for both: it gives
    /// the source a [`feed::tee`] with [`Source::set_feed`] and checksums the other end.
    fn input_file(&self) -> Option<&std::path::Path> {
        None
    }
    /// Read the file through these chunks (which also go to the checksum).
    fn set_feed(&mut self, _feed: feed::FileChunks) {}
    /// Run until the input ends, `stop` is set or the sink is gone.
    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError>;
}

/// Start a source on its own named thread. It reports running, then finished,
/// unavailable or failed on the channel itself; the error is also returned by `join`.
pub fn spawn(
    source: Box<dyn Source>,
    sink: Sink,
    stop: Stop,
) -> std::io::Result<JoinHandle<Result<(), SourceError>>> {
    let kind = source.kind();
    std::thread::Builder::new()
        .name(format!("source-{}", kind.as_str()))
        .spawn(move || {
            let result = source.run(&sink, &stop);
            let now = chrono::Utc::now();
            match &result {
                Ok(()) => sink.status(now, kind, SourceState::Finished, None, None),
                Err(SourceError::Unavailable { reason, fix }) => sink.status(
                    now,
                    kind,
                    SourceState::Unavailable,
                    Some(reason.clone()),
                    Some(fix.clone()),
                ),
                Err(e) => sink.status(now, kind, SourceState::Failed, Some(e.to_string()), None),
            };
            result
        })
}

/// An open Ethernet channel (pnet, AF_PACKET) and its interface.
pub type Link = (
    Box<dyn pnet::datalink::DataLinkSender>,
    Box<dyn pnet::datalink::DataLinkReceiver>,
    pnet::datalink::NetworkInterface,
);

/// How a link is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkOptions {
    /// Bytes of the buffer each frame is read into.
    pub read_buffer: usize,
    /// Longest a read waits for a frame before it returns `TimedOut`.
    pub read_timeout: std::time::Duration,
    /// The socket's receive queue (SO_RCVBUF) in bytes, for a source that expects many
    /// frames at once (the kernel caps it at net.core.rmem_max); `None`: the default.
    pub socket_buffer: Option<usize>,
}

impl LinkOptions {
    /// Frames read into `read_buffer` bytes; reads wait up to 100 ms.
    pub fn new(read_buffer: usize) -> Self {
        LinkOptions {
            read_buffer,
            read_timeout: std::time::Duration::from_millis(100),
            socket_buffer: None,
        }
    }
}

/// Where a live source reads the time: the system clock in production, a scripted one in
/// tests (so rules such as "no traffic for 10 seconds" are tested in milliseconds).
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// The monotonic time, for pacing and waits (the active sweep's batches and retries,
    /// how recently an address was reported). A scripted clock moves it with [`Clock::now`].
    fn instant(&self) -> std::time::Instant {
        std::time::Instant::now()
    }
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// Opens links on behalf of a thread that has dropped its capabilities (the screens'
/// `privilege::Opener`), passed to the sources that need raw sockets.
#[derive(Clone)]
pub struct LinkOpener(pub std::sync::Arc<OpenLink>);

/// Open a link: interface, what it is for, options.
pub type OpenLink = dyn Fn(&str, &str, LinkOptions) -> Result<Link, SourceError> + Send + Sync;

impl std::fmt::Debug for LinkOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkOpener")
    }
}

/// The exact line that gives the binary what the network checks need: CAP_NET_RAW only.
pub fn setcap_line() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "$(command -v sweep)".into());
    format!("sudo setcap cap_net_raw+eip {exe}")
}

/// Open a raw Ethernet channel on an interface (needs CAP_NET_RAW). `what` says what the
/// channel is for ("capture traffic", "listen"); errors say what to do.
pub fn open_link(interface: &str, what: &str, read_buffer: usize) -> Result<Link, SourceError> {
    open_link_with(interface, what, LinkOptions::new(read_buffer), None)
}

/// [`open_link`] with every option, through `opener` when one is given (a thread that
/// holds CAP_NET_RAW for a caller that does not), else on the calling thread.
pub fn open_link_with(
    interface: &str,
    what: &str,
    opts: LinkOptions,
    opener: Option<&LinkOpener>,
) -> Result<Link, SourceError> {
    match opener {
        Some(o) => (o.0)(interface, what, opts),
        None => open_link_here(interface, what, opts),
    }
}

/// An AF_PACKET socket for every protocol with a receive queue of `bytes` (pnet binds it).
fn packet_socket(bytes: usize) -> std::io::Result<socket2::Socket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let all = i32::from((libc::ETH_P_ALL as u16).to_be());
    let s = Socket::new(
        Domain::from(libc::AF_PACKET),
        Type::RAW,
        Some(Protocol::from(all)),
    )?;
    s.set_recv_buffer_size(bytes)?;
    Ok(s)
}

/// The machine's network as the live sources see it: its interfaces and a raw Ethernet
/// channel on one of them. [`SystemNetwork`] (pnet) in production; tests give a list of
/// made-up interfaces and scripted channels, so what the volunteer is told ("no interface
/// called ...", "not allowed to listen", the active check's scope) is tested without the
/// machine's interfaces or root.
pub trait Network: Send + Sync {
    /// Every interface (name, MAC, addresses, flags).
    fn interfaces(&self) -> Vec<pnet::datalink::NetworkInterface>;
    /// A raw channel on `iface`.
    fn channel(
        &self,
        iface: &pnet::datalink::NetworkInterface,
        opts: LinkOptions,
    ) -> std::io::Result<pnet::datalink::Channel>;
}

/// The machine's own interfaces and AF_PACKET channels (pnet).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemNetwork;

impl Network for SystemNetwork {
    fn interfaces(&self) -> Vec<pnet::datalink::NetworkInterface> {
        // The one place sweep lists the machine's interfaces.
        pnet::datalink::interfaces()
    }

    fn channel(
        &self,
        iface: &pnet::datalink::NetworkInterface,
        opts: LinkOptions,
    ) -> std::io::Result<pnet::datalink::Channel> {
        use std::os::fd::IntoRawFd;
        // A socket made here when its receive queue is to be larger; pnet binds it (and
        // owns and closes it from then on).
        let socket_fd = opts
            .socket_buffer
            .map(packet_socket)
            .transpose()?
            .map(IntoRawFd::into_raw_fd);
        let cfg = pnet::datalink::Config {
            read_timeout: Some(opts.read_timeout),
            read_buffer_size: opts.read_buffer,
            socket_fd,
            ..pnet::datalink::Config::default()
        };
        pnet::datalink::channel(iface, cfg)
    }
}

/// The machine's network interfaces ([`SystemNetwork`]).
pub fn interfaces() -> Vec<pnet::datalink::NetworkInterface> {
    SystemNetwork.interfaces()
}

/// The interface called `name` among `list`; if there is none, what to tell the volunteer
/// (the names there are).
pub fn find_interface(
    list: Vec<pnet::datalink::NetworkInterface>,
    name: &str,
) -> Result<pnet::datalink::NetworkInterface, SourceError> {
    let names: Vec<String> = list.iter().map(|i| i.name.clone()).collect();
    list.into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| SourceError::Unavailable {
            reason: format!("There is no network interface called {name:?}."),
            fix: format!(
                "Pick one of: {}. For a hotspot, start it first (the start screen's ? explains how).",
                names.join(", ")
            ),
        })
}

/// Open the channel on the calling thread, with its own capabilities.
pub fn open_link_here(interface: &str, what: &str, opts: LinkOptions) -> Result<Link, SourceError> {
    open_link_on(&SystemNetwork, interface, what, opts)
}

/// Open a channel on `interface` of `net`; errors say what to do.
pub fn open_link_on(
    net: &dyn Network,
    interface: &str,
    what: &str,
    opts: LinkOptions,
) -> Result<Link, SourceError> {
    let iface = find_interface(net.interfaces(), interface)?;
    match net.channel(&iface, opts) {
        Ok(pnet::datalink::Channel::Ethernet(tx, rx)) => Ok((tx, rx, iface)),
        Ok(_) => Err(SourceError::Failed(format!(
            "{interface}: this kind of channel is not supported"
        ))),
        Err(e) => Err(link_error(interface, what, e)),
    }
}

/// What to tell the volunteer when a link cannot be opened.
fn link_error(interface: &str, what: &str, e: std::io::Error) -> SourceError {
    if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error() == Some(1) {
        SourceError::Unavailable {
            reason: format!(
                "sweep is not allowed to {what} on {interface} (it needs CAP_NET_RAW: {e})."
            ),
            fix: format!("Run once: {}", setcap_line()),
        }
    } else {
        SourceError::Unavailable {
            reason: format!("Cannot {what} on {interface}: {e}."),
            fix: "Check that the interface is up (ip link), then try again.".into(),
        }
    }
}
