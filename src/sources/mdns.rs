//! mDNS / DNS-SD browsing (mdns-sd): every advertised service type
//! (`_services._dns-sd._udp.local.`), then each type's instances, resolved. Browsing
//! sends mDNS queries, so it runs only as part of the volunteer-started active check; it
//! needs no raw-socket capability. Names and TXT values are untrusted and sanitised.

use std::collections::HashSet;
use std::time::Duration;

use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent};

use crate::observation::{MdnsService, Observation, SourceKind, SourceState};
use crate::sources::{Sink, Source, SourceError, Stop};

pub const META_QUERY: &str = "_services._dns-sd._udp.local.";
const MAX_TYPES: usize = 256;
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

#[derive(Debug)]
pub struct MdnsSource {
    pub interface: String,
}

impl Source for MdnsSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Mdns
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let unavailable = |e: mdns_sd::Error| SourceError::Unavailable {
            reason: format!("mDNS could not start on {}: {e}.", self.interface),
            fix: "Check that the interface is up and has an address, then try again.".into(),
        };
        let daemon = ServiceDaemon::new().map_err(unavailable)?;
        let _ = daemon.disable_interface(IfKind::All);
        daemon
            .enable_interface(IfKind::Name(self.interface.clone()))
            .map_err(unavailable)?;
        let types = daemon.browse(META_QUERY).map_err(unavailable)?;
        sink.status(
            chrono::Utc::now(),
            SourceKind::Mdns,
            SourceState::Running,
            None,
            None,
        );
        let mut browsing: HashSet<String> = HashSet::new();
        let mut receivers = Vec::new();
        for ty in COMMON_TYPES {
            if browsing.insert(ty.to_string())
                && let Ok(r) = daemon.browse(ty)
            {
                receivers.push(r);
            }
        }
        while !stop.is_stopped() {
            // New service types from the meta-query.
            while let Ok(ev) = types.try_recv() {
                if let ServiceEvent::ServiceFound(_, fullname) = ev {
                    // The meta-query answers with "<type>.local." names.
                    let ty = fullname.trim_end_matches('.').to_string() + ".";
                    if browsing.len() < MAX_TYPES
                        && browsing.insert(ty.clone())
                        && let Ok(r) = daemon.browse(&ty)
                    {
                        receivers.push(r);
                    }
                }
            }
            let mut idle = true;
            for r in &receivers {
                while let Ok(ev) = r.try_recv() {
                    idle = false;
                    if let ServiceEvent::ServiceResolved(info) = ev {
                        let svc = MdnsService {
                            service_type: crate::sanitize::clean(&info.ty_domain, 200),
                            instance: crate::sanitize::clean(&info.fullname, 200),
                            hostname: Some(crate::sanitize::clean(&info.host, 200)),
                            addresses: info.addresses.iter().map(|a| a.to_ip_addr()).collect(),
                            port: Some(info.port),
                            txt: info
                                .txt_properties
                                .iter()
                                .take(32)
                                .map(|p| {
                                    (
                                        crate::sanitize::clean(p.key(), 64),
                                        crate::sanitize::clean(p.val_str(), 200),
                                    )
                                })
                                .collect(),
                        };
                        if !sink.send(chrono::Utc::now(), Observation::Mdns(svc)) {
                            let _ = daemon.shutdown();
                            return Ok(());
                        }
                    }
                }
            }
            if idle {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = daemon.shutdown();
        Ok(())
    }
}
