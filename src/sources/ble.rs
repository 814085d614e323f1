//! Live Bluetooth LE source: btleplug on its own thread with a small current-thread tokio
//! runtime (an "async island"), passive scanning through BlueZ on the system bus
//! (`DBUS_SYSTEM_BUS_ADDRESS` is honoured by libdbus). It never connects to a device and
//! never reads GATT: it only listens to advertisements.

use std::collections::HashMap;
use std::time::Duration;

use btleplug::api::{
    AddressType as BtAddressType, Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter,
};
use btleplug::platform::{Adapter, Manager, PeripheralId};
use futures::StreamExt;

use crate::observation::{
    AddressType, BleAdvert, BleUuid, HexBytes, MacAddr, Observation, SourceKind, SourceState,
};
use crate::sources::{Sink, Source, SourceError, Stop};

/// Passive BLE scan through BlueZ on the system bus.
#[derive(Debug, Default)]
pub struct BleSource {}

impl BleSource {
    pub fn new() -> Self {
        Self::default()
    }
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

async fn scan(sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
    let manager = Manager::new().await.map_err(|e| unavailable(&e))?;
    let adapters = manager.adapters().await.map_err(|e| unavailable(&e))?;
    let central: Adapter = adapters.into_iter().next().ok_or_else(no_adapter)?;
    let mut events = central.events().await.map_err(|e| unavailable(&e))?;
    central.start_scan(ScanFilter::default()).await.map_err(|e| {
        let e2 = unavailable(&e);
        match e2 {
            SourceError::Unavailable { reason, .. } if reason.starts_with("Bluetooth could not start") => SourceError::Unavailable {
                reason: "The Bluetooth adapter is switched off or busy.".into(),
                fix: "Switch Bluetooth on (bluetoothctl power on, or the laptop's settings), then try again.".into(),
            },
            other => other,
        }
    })?;
    if !sink.status(
        chrono::Utc::now(),
        SourceKind::Ble,
        SourceState::Running,
        None,
        None,
    ) {
        return Ok(());
    }
    // The last full advert of each device: later events carry only what changed.
    let mut last: HashMap<PeripheralId, BleAdvert> = HashMap::new();
    let max_devices = 50_000;
    while !stop.is_stopped() {
        let ev = match tokio::time::timeout(Duration::from_millis(200), events.next()).await {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(_) => continue,
        };
        let id = match &ev {
            CentralEvent::DeviceDiscovered(id)
            | CentralEvent::DeviceUpdated(id)
            | CentralEvent::ManufacturerDataAdvertisement { id, .. }
            | CentralEvent::ServiceDataAdvertisement { id, .. }
            | CentralEvent::ServicesAdvertisement { id, .. }
            | CentralEvent::RssiUpdate { id, .. } => id.clone(),
            _ => continue,
        };
        if !last.contains_key(&id) || matches!(ev, CentralEvent::DeviceDiscovered(_)) {
            // Data present at discovery only comes through properties().
            let Ok(p) = central.peripheral(&id).await else {
                continue;
            };
            let Ok(Some(props)) = p.properties().await else {
                continue;
            };
            if last.len() >= max_devices {
                last.clear();
            }
            last.insert(id.clone(), to_advert(&props));
        }
        let Some(a) = last.get_mut(&id) else { continue };
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
        if !sink.send(chrono::Utc::now(), Observation::Ble(a.clone())) {
            break;
        }
    }
    let _ = central.stop_scan().await;
    Ok(())
}

impl Source for BleSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Ble
    }

    fn run(self: Box<Self>, sink: &Sink, stop: &Stop) -> Result<(), SourceError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                SourceError::Failed(format!("Bluetooth: cannot start its runtime: {e}"))
            })?;
        rt.block_on(scan(sink, stop))
    }
}
