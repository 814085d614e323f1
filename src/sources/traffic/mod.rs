//! Phone traffic: saved captures (pcap / pcapng) and live capture on an interface.
//! Both turn packets into `dns`, `tls`, `quic`, `http` and `flow` observations.

pub mod quic;

use std::path::PathBuf;

use crate::observation::SourceKind;
use crate::sources::{Sink, Source, SourceError, Stop};

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

    fn run(self: Box<Self>, _sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        Err(SourceError::Input(format!(
            "{}: reading captures is not built yet",
            self.path.display()
        )))
    }
}

/// Live capture of a client's traffic on an interface (the laptop's hotspot).
pub struct LiveTrafficSource {
    pub interface: String,
    /// Save the raw capture here as pcapng (evidence for the case file).
    pub save_to: Option<PathBuf>,
}

impl Source for LiveTrafficSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Traffic
    }

    fn run(self: Box<Self>, _sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        Err(SourceError::Unavailable {
            reason: "Live traffic capture is not built yet.".into(),
            fix: "Capture with another tool and use --from FILE.pcapng.".into(),
        })
    }
}
