//! mDNS / DNS-SD browsing source (mdns-sd).

use crate::observation::SourceKind;
use crate::sources::{Sink, Source, SourceError, Stop};

#[derive(Debug)]
pub struct MdnsSource {
    pub interface: String,
}

impl Source for MdnsSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Mdns
    }

    fn run(self: Box<Self>, _sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        Err(SourceError::Unavailable {
            reason: "The mDNS check is not built yet.".into(),
            fix: "Use a recording with --from.".into(),
        })
    }
}
