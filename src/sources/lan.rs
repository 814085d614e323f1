//! Local network source: ARP/DHCP (passive) and the active sweep and probes (pnet).

use crate::observation::SourceKind;
use crate::sources::{Sink, Source, SourceError, Stop};

#[derive(Debug)]
pub struct LanSource {
    pub interface: String,
    /// Send ARP requests and probes (only when the volunteer asked for it).
    pub active: bool,
}

impl Source for LanSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Lan
    }

    fn run(self: Box<Self>, _sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        Err(SourceError::Unavailable {
            reason: "The network check is not built yet.".into(),
            fix: "Use a recording with --from.".into(),
        })
    }
}
