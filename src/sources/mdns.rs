//! mDNS / DNS-SD browsing (mdns-sd): every advertised service type
//! (`_services._dns-sd._udp.local.`), then each type's instances, resolved. Browsing
//! sends mDNS queries, so it runs only as part of the volunteer-started active check; it
//! needs no raw-socket capability. Names and TXT values are untrusted and sanitised.
//!
//! The I/O seam: the source asks a [`Browser`] for what was heard (production:
//! [`DaemonBrowser`], mdns-sd's daemon on the chosen interface) and its time from a
//! [`Clock`] ([`MdnsSource::with_io`]), so its rules (which types it browses, at most
//! [`MAX_TYPES`], the names cleaned, stopping) are tested without a network
//! (`tests/mdns_seam.rs`); `tests/lan_netns.rs` browses a real responder in a namespace.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use mdns_sd::{IfKind, Receiver, ServiceDaemon, ServiceEvent};

use crate::observation::{MdnsService, Observation, SourceKind, SourceState};
use crate::sources::{Clock, Sink, Source, SourceError, Stop, SystemClock};

pub const META_QUERY: &str = "_services._dns-sd._udp.local.";
/// Most service types browsed (a hostile responder cannot make the check browse without
/// end).
pub const MAX_TYPES: usize = 256;
/// Most TXT entries kept from one service.
pub const MAX_TXT: usize = 32;
/// Types browsed directly too, for responders that do not answer the meta-query.
pub const COMMON_TYPES: &[&str] = &[
    "_rtsp._tcp.local.",
    "_onvif._tcp.local.",
    "_hap._tcp.local.",
    "_homekit._tcp.local.",
    "_googlecast._tcp.local.",
    "_airplay._tcp.local.",
    "_raop._tcp.local.",
    "_amzn-wplay._tcp.local.",
    "_matter._tcp.local.",
    "_spotify-connect._tcp.local.",
    "_http._tcp.local.",
    "_ipp._tcp.local.",
    "_smb._tcp.local.",
    "_sonos._tcp.local.",
];

/// A service instance as a responder described it (untrusted, not yet cleaned).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    pub service_type: String,
    pub instance: String,
    pub host: String,
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    pub txt: Vec<(String, String)>,
}

/// What the browser heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// A service type named in an answer to the meta-query (`<type>.local.`).
    Type(String),
    /// A service instance, resolved.
    Service(Resolved),
}

/// What the source needs from mDNS.
pub trait Browser: Send {
    /// Start on `interface` (only there).
    fn start(&mut self, interface: &str) -> Result<(), String>;
    /// Browse one service type (the meta-query included); false when it cannot.
    fn browse(&mut self, service_type: &str) -> bool;
    /// What was heard since the last call, waiting at most `wait` when nothing was.
    fn heard(&mut self, wait: Duration) -> Vec<Heard>;
    /// Stop browsing (errors ignored: the source is ending).
    fn shutdown(&mut self);
}

/// mdns-sd's daemon, on one interface.
#[derive(Default)]
pub struct DaemonBrowser {
    daemon: Option<ServiceDaemon>,
    /// The meta-query's answers: service types.
    meta: Option<Receiver<ServiceEvent>>,
    /// Each browsed type's answers: its instances.
    receivers: Vec<Receiver<ServiceEvent>>,
}

impl Browser for DaemonBrowser {
    fn start(&mut self, interface: &str) -> Result<(), String> {
        let daemon = ServiceDaemon::new().map_err(|e| e.to_string())?;
        let _ = daemon.disable_interface(IfKind::All);
        daemon
            .enable_interface(IfKind::Name(interface.to_string()))
            .map_err(|e| e.to_string())?;
        self.daemon = Some(daemon);
        Ok(())
    }

    fn browse(&mut self, service_type: &str) -> bool {
        match self.daemon.as_ref().map(|d| d.browse(service_type)) {
            Some(Ok(r)) if service_type == META_QUERY => {
                self.meta = Some(r);
                true
            }
            Some(Ok(r)) => {
                self.receivers.push(r);
                true
            }
            _ => false,
        }
    }

    fn heard(&mut self, wait: Duration) -> Vec<Heard> {
        let mut out = Vec::new();
        if let Some(meta) = &self.meta {
            while let Ok(ev) = meta.try_recv() {
                // The meta-query answers with "<type>.local." names.
                if let ServiceEvent::ServiceFound(_, fullname) = ev {
                    out.push(Heard::Type(fullname));
                }
            }
        }
        for r in &self.receivers {
            while let Ok(ev) = r.try_recv() {
                if let ServiceEvent::ServiceResolved(info) = ev {
                    out.push(Heard::Service(Resolved {
                        service_type: info.ty_domain.clone(),
                        instance: info.fullname.clone(),
                        host: info.host.clone(),
                        addresses: info.addresses.iter().map(|a| a.to_ip_addr()).collect(),
                        port: info.port,
                        txt: info
                            .txt_properties
                            .iter()
                            .take(MAX_TXT)
                            .map(|p| (p.key().to_string(), p.val_str().to_string()))
                            .collect(),
                    }));
                }
            }
        }
        if out.is_empty() {
            // mdns-sd gives one channel per browsed type: poll them, idly.
            std::thread::sleep(wait);
        }
        out
    }

    fn shutdown(&mut self) {
        if let Some(d) = self.daemon.take() {
            let _ = d.shutdown();
        }
    }
}

pub struct MdnsSource {
    pub interface: String,
    browser: Box<dyn Browser>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for MdnsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MdnsSource")
            .field("interface", &self.interface)
            .finish_non_exhaustive()
    }
}

impl MdnsSource {
    /// Browse on `interface` with mdns-sd and the system clock.
    pub fn new(interface: impl Into<String>) -> Self {
        Self::with_io(
            interface,
            Box::new(DaemonBrowser::default()),
            Arc::new(SystemClock),
        )
    }

    /// Browse through `browser`, stamping what is heard with `clock`.
    pub fn with_io(
        interface: impl Into<String>,
        browser: Box<dyn Browser>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        MdnsSource {
            interface: interface.into(),
            browser,
            clock,
        }
    }
}

/// A resolved service as the engine gets it: every name cleaned for the terminal, at
/// most [`MAX_TXT`] TXT entries.
pub fn service_of(r: &Resolved) -> MdnsService {
    use crate::sanitize::clean;
    MdnsService {
        service_type: clean(&r.service_type, 200),
        instance: clean(&r.instance, 200),
        hostname: Some(clean(&r.host, 200)),
        addresses: r.addresses.clone(),
        port: Some(r.port),
        txt: r
            .txt
            .iter()
            .take(MAX_TXT)
            .map(|(k, v)| (clean(k, 64), clean(v, 200)))
            .collect(),
    }
}

/// How long one wait for news lasts (the stop flag is looked at in between).
const WAIT: Duration = Duration::from_millis(50);

impl Source for MdnsSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Mdns
    }

    fn run(mut self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let interface = self.interface.clone();
        let unavailable = |e: String| SourceError::Unavailable {
            reason: format!("mDNS could not start on {interface}: {e}."),
            fix: "Check that the interface is up and has an address, then try again.".into(),
        };
        self.browser.start(&self.interface).map_err(unavailable)?;
        if !self.browser.browse(META_QUERY) {
            self.browser.shutdown();
            return Err(unavailable("the service types cannot be browsed".into()));
        }
        sink.status(
            self.clock.now(),
            SourceKind::Mdns,
            SourceState::Running,
            None,
            None,
        );
        let mut browsing: HashSet<String> = HashSet::new();
        for ty in COMMON_TYPES {
            if browsing.insert(ty.to_string()) {
                self.browser.browse(ty);
            }
        }
        while !stop.is_stopped() {
            for h in self.browser.heard(WAIT) {
                match h {
                    Heard::Type(fullname) => {
                        let ty = fullname.trim_end_matches('.').to_string() + ".";
                        if browsing.len() < MAX_TYPES && browsing.insert(ty.clone()) {
                            self.browser.browse(&ty);
                        }
                    }
                    Heard::Service(r) => {
                        let obs = Observation::Mdns(service_of(&r));
                        if !sink.send(self.clock.now(), obs) {
                            self.browser.shutdown();
                            return Ok(());
                        }
                    }
                }
            }
        }
        self.browser.shutdown();
        Ok(())
    }
}
