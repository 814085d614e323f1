//! Live Bluetooth LE source (btleplug, on its own thread with a small tokio runtime).

use crate::observation::SourceKind;
use crate::sources::{Sink, Source, SourceError, Stop};

/// Passive BLE scan through BlueZ on the system bus (honours `DBUS_SYSTEM_BUS_ADDRESS`).
#[derive(Debug, Default)]
pub struct BleSource {}

impl BleSource {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Source for BleSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Ble
    }

    fn run(self: Box<Self>, _sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        Err(SourceError::Unavailable {
            reason: "Bluetooth scanning is not built yet.".into(),
            fix: "Use a recording with --from.".into(),
        })
    }
}
