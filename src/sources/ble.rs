//! Live Bluetooth LE source: btleplug on its own thread with a small current-thread tokio
//! runtime (an "async island"), passive scanning through BlueZ on the system bus
//! (`DBUS_SYSTEM_BUS_ADDRESS` is honoured by libdbus). It never connects to a device and
//! never reads GATT: it only listens to advertisements.
//!
//! The I/O seam: the source takes its adverts from an [`AdvertFeed`] (production:
//! [`BtleplugFeed`], btleplug's adapter events made into full adverts; tests: a scripted
//! feed) and its time from a [`Clock`], so its rules (what the volunteer is told when
//! Bluetooth cannot start, each advert an observation at the time it came, stopping on
//! [`Stop`]) are tested without BlueZ.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use btleplug::api::{
    AddressType as BtAddressType, Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter,
};
use btleplug::platform::{Adapter, Manager, PeripheralId};
use futures::{Stream, StreamExt};

use crate::observation::{
    AddressType, BleAdvert, BleUuid, HexBytes, MacAddr, Observation, SourceKind, SourceState,
};
use crate::sources::{Clock, Sink, Source, SourceError, Stop, SystemClock};

/// Longest the source waits for an advert before it looks at [`Stop`] again.
const ADVERT_WAIT: Duration = Duration::from_millis(200);

/// Passive BLE scan through BlueZ on the system bus.
pub struct BleSource {
    /// Where the adverts come from (`None`: btleplug, made when the source runs).
    feed: Option<Box<dyn AdvertFeed>>,
    /// Where the time comes from (the system clock, or a test's).
    clock: Arc<dyn Clock>,
}

impl Default for BleSource {
    fn default() -> Self {
        Self {
            feed: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for BleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BleSource")
    }
}

impl BleSource {
    pub fn new() -> Self {
        Self::default()
    }

    /// The I/O seam: adverts from `feed` (btleplug's adapter, or a test's script) and the
    /// time from `clock`.
    pub fn with_io(mut self, feed: Box<dyn AdvertFeed>, clock: Arc<dyn Clock>) -> Self {
        self.feed = Some(feed);
        self.clock = clock;
        self
    }
}

/// Why the feed could not start, by the step that failed (the source words each for the
/// volunteer).
#[derive(Debug)]
pub enum StartError {
    /// The Bluetooth service (BlueZ on the system D-Bus), its adapters or its events could
    /// not be had.
    Service(btleplug::Error),
    /// There is no Bluetooth adapter.
    NoAdapter,
    /// The adapter did not start the scan (switched off, busy, or not allowed).
    Scan(btleplug::Error),
}

/// What one wait on the feed gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// A device's advert, complete (what it said before, updated with what it says now).
    Advert(BleAdvert),
    /// Nothing worth reporting within the wait.
    Nothing,
    /// The feed has ended (the adapter went away).
    Ended,
}

/// Where the Bluetooth source's adverts come from.
pub trait AdvertFeed: Send {
    /// Find the adapter and start a passive scan.
    fn start(&mut self) -> Result<(), StartError>;
    /// The next advert, waiting at most `wait`.
    fn next(&mut self, wait: Duration) -> Heard;
    /// Stop scanning (errors ignored: the source is ending).
    fn stop(&mut self);
}

const FIX_SERVICE: &str = "Start the Bluetooth service (sudo systemctl start bluetooth), or install BlueZ (sudo apt install bluez), then try again.";

/// Turn a btleplug error into what the volunteer sees.
fn unavailable(e: &btleplug::Error) -> SourceError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let (reason, fix) = if matches!(e, btleplug::Error::PermissionDenied)
        || lower.contains("accessdenied")
        || lower.contains("permission")
        || lower.contains("not authorized")
    {
        (
            "sweep is not allowed to use Bluetooth.".to_string(),
            "Add your user to the bluetooth group (sudo usermod -aG bluetooth $USER), then log out and in again.".to_string(),
        )
    } else if lower.contains("serviceunknown")
        || lower.contains("org.bluez") && lower.contains("not provided")
    {
        (
            "The Bluetooth service (BlueZ) is not running.".to_string(),
            FIX_SERVICE.to_string(),
        )
    } else if lower.contains("socket")
        || lower.contains("connect")
        || lower.contains("dbus")
        || lower.contains("d-bus")
        || lower.contains("no such file")
    {
        (
            "The Bluetooth service is not reachable (no system D-Bus).".to_string(),
            FIX_SERVICE.to_string(),
        )
    } else {
        (
            format!(
                "Bluetooth could not start ({}).",
                crate::sanitize::clean(&text, 160)
            ),
            FIX_SERVICE.to_string(),
        )
    };
    SourceError::Unavailable { reason, fix }
}

/// What the volunteer is told when the feed cannot start.
fn start_error(e: StartError) -> SourceError {
    match e {
        StartError::Service(e) => unavailable(&e),
        StartError::NoAdapter => no_adapter(),
        StartError::Scan(e) => match unavailable(&e) {
            SourceError::Unavailable { reason, .. } if reason.starts_with("Bluetooth could not start") => SourceError::Unavailable {
                reason: "The Bluetooth adapter is switched off or busy.".into(),
                fix: "Switch Bluetooth on (bluetoothctl power on, or the laptop's settings), then try again.".into(),
            },
            other => other,
        },
    }
}

fn no_adapter() -> SourceError {
    SourceError::Unavailable {
        reason: "No Bluetooth adapter was found.".into(),
        fix: "Plug in a Bluetooth USB dongle (or switch Bluetooth on in the laptop's settings), then try again.".into(),
    }
}

fn to_advert(p: &btleplug::api::PeripheralProperties) -> BleAdvert {
    BleAdvert {
        address: MacAddr(p.address.into_inner()),
        address_type: p.address_type.map(|t| match t {
            BtAddressType::Public => AddressType::Public,
            BtAddressType::Random => AddressType::Random,
        }),
        rssi: p.rssi,
        name: p.local_name.clone().map(|n| n.chars().take(256).collect()),
        tx_power: p.tx_power_level,
        manufacturer_data: p
            .manufacturer_data
            .iter()
            .map(|(k, v)| (*k, HexBytes(v.clone())))
            .collect(),
        service_data: p
            .service_data
            .iter()
            .map(|(k, v)| (BleUuid(*k), HexBytes(v.clone())))
            .collect(),
        services: p.services.iter().map(|u| BleUuid(*u)).collect(),
    }
}

/// The adverts BlueZ hears, through btleplug: its async API runs on a small current-thread
/// tokio runtime owned by the feed (the "async island"), driven only from the Bluetooth
/// thread.
pub struct BtleplugFeed {
    rt: tokio::runtime::Runtime,
    /// Kept for as long as the scan runs.
    manager: Option<Manager>,
    central: Option<Adapter>,
    events: Option<Pin<Box<dyn Stream<Item = CentralEvent> + Send>>>,
    /// The last full advert of each device: later events carry only what changed.
    last: HashMap<PeripheralId, BleAdvert>,
}

impl BtleplugFeed {
    pub fn new() -> Result<Self, SourceError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                SourceError::Failed(format!("Bluetooth: cannot start its runtime: {e}"))
            })?;
        Ok(BtleplugFeed {
            rt,
            manager: None,
            central: None,
            events: None,
            last: HashMap::new(),
        })
    }
}

/// Most devices whose last advert is kept.
const MAX_DEVICES: usize = 50_000;

impl AdvertFeed for BtleplugFeed {
    fn start(&mut self) -> Result<(), StartError> {
        let (manager, central, events) = self.rt.block_on(async {
            let manager = Manager::new().await.map_err(StartError::Service)?;
            let adapters = manager.adapters().await.map_err(StartError::Service)?;
            let central: Adapter = adapters.into_iter().next().ok_or(StartError::NoAdapter)?;
            let events = central.events().await.map_err(StartError::Service)?;
            central
                .start_scan(ScanFilter::default())
                .await
                .map_err(StartError::Scan)?;
            Ok::<_, StartError>((manager, central, events))
        })?;
        self.manager = Some(manager);
        self.central = Some(central);
        self.events = Some(events);
        Ok(())
    }

    fn next(&mut self, wait: Duration) -> Heard {
        let (Some(central), Some(events)) = (self.central.as_ref(), self.events.as_mut()) else {
            return Heard::Ended;
        };
        let last = &mut self.last;
        self.rt.block_on(async {
            let ev = match tokio::time::timeout(wait, events.next()).await {
                Ok(Some(ev)) => ev,
                Ok(None) => return Heard::Ended,
                Err(_) => return Heard::Nothing,
            };
            let id = match &ev {
                CentralEvent::DeviceDiscovered(id)
                | CentralEvent::DeviceUpdated(id)
                | CentralEvent::ManufacturerDataAdvertisement { id, .. }
                | CentralEvent::ServiceDataAdvertisement { id, .. }
                | CentralEvent::ServicesAdvertisement { id, .. }
                | CentralEvent::RssiUpdate { id, .. } => id.clone(),
                _ => return Heard::Nothing,
            };
            if !last.contains_key(&id) || matches!(ev, CentralEvent::DeviceDiscovered(_)) {
                // Data present at discovery only comes through properties().
                let Ok(p) = central.peripheral(&id).await else {
                    return Heard::Nothing;
                };
                let Ok(Some(props)) = p.properties().await else {
                    return Heard::Nothing;
                };
                if last.len() >= MAX_DEVICES {
                    last.clear();
                }
                last.insert(id.clone(), to_advert(&props));
            }
            let Some(a) = last.get_mut(&id) else {
                return Heard::Nothing;
            };
            match ev {
                CentralEvent::ManufacturerDataAdvertisement {
                    manufacturer_data, ..
                } => {
                    for (k, v) in manufacturer_data {
                        a.manufacturer_data.insert(k, HexBytes(v));
                    }
                }
                CentralEvent::ServiceDataAdvertisement { service_data, .. } => {
                    for (k, v) in service_data {
                        a.service_data.insert(BleUuid(k), HexBytes(v));
                    }
                }
                CentralEvent::ServicesAdvertisement { services, .. } => {
                    a.services = services.into_iter().map(BleUuid).collect();
                }
                CentralEvent::RssiUpdate { rssi, .. } => a.rssi = Some(rssi),
                _ => {}
            }
            Heard::Advert(a.clone())
        })
    }

    fn stop(&mut self) {
        if let Some(central) = self.central.as_ref() {
            let _ = self.rt.block_on(central.stop_scan());
        }
    }
}

impl Source for BleSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Ble
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let clock = self.clock;
        let mut feed = match self.feed {
            Some(f) => f,
            None => Box::new(BtleplugFeed::new()?),
        };
        feed.start().map_err(start_error)?;
        if !sink.status(
            clock.now(),
            SourceKind::Ble,
            SourceState::Running,
            None,
            None,
        ) {
            return Ok(());
        }
        while !stop.is_stopped() {
            match feed.next(ADVERT_WAIT) {
                Heard::Advert(a) => {
                    if !sink.send(clock.now(), Observation::Ble(a)) {
                        break;
                    }
                }
                Heard::Nothing => {}
                Heard::Ended => break,
            }
        }
        feed.stop();
        Ok(())
    }
}
