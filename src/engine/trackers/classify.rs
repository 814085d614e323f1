//! Tracker classification from one advertisement (see docs/trackers.md for the sources).
//! Every offset is checked: adverts come from the air and may be anything.

use crate::observation::{BleAdvert, BleUuid};
use crate::signatures::{Entry, MatchRule};

const APPLE: u16 = 0x004c;
const UUID_FMDN: u16 = 0xfeaa;
const UUID_DULT: u16 = 0xfcb2;
const UUID_SMARTTAG: u16 = 0xfd5a;
const UUID_SAMSUNG_FMM: u16 = 0xfd69;
const UUID_CHIPOLO: u16 = 0xfe33;

/// What the advert says about the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerState {
    /// The advert says the tracker is away from its owner.
    Separated,
    /// The advert says the owner is near (or connected).
    NearOwner,
    /// The advert cannot say.
    Unknown,
}

impl OwnerState {
    pub fn words(self) -> &'static str {
        match self {
            OwnerState::Separated => "says it is away from its owner",
            OwnerState::NearOwner => "says its owner is nearby",
            OwnerState::Unknown => "cannot say whether its owner is nearby",
        }
    }
}

/// What ties adverts of one tracker together when its address changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkKey {
    /// SmartTag: privacy id, aging counter, and state + properties bytes.
    SmartTag {
        privacy_id: [u8; 8],
        aging: u32,
        state: u8,
        props: u8,
    },
    /// Find My separated form: the public-key bytes carried in the advert.
    FindMyKey([u8; 22]),
}

/// One advert, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// Index of the matching signature entry.
    pub entry: usize,
    pub state: OwnerState,
    pub battery: Option<&'static str>,
    pub link: Option<LinkKey>,
}

/// A non-tracker description for adverts that are not trackers (look-alikes included).
pub fn describe_other(a: &BleAdvert) -> &'static str {
    if let Some(d) = a.manufacturer_data.get(&APPLE) {
        return match d.first() {
            Some(0x12) => "Apple Find My device near its owner",
            Some(0x07) => "Apple earbuds or headphones (pairing signal)",
            Some(0x10) | Some(0x0f) | Some(0x0c) | Some(0x09) => {
                "Apple device (iPhone, iPad, Mac or Watch)"
            }
            Some(0x02) => "Beacon (iBeacon)",
            _ => "Apple device",
        };
    }
    if let Some(d) = a.service_data.get(&BleUuid::from_u16(UUID_FMDN)) {
        return match d.first() {
            Some(0x40) => "Google Find My Device tag near its owner",
            _ => "Eddystone beacon",
        };
    }
    if a.service_data
        .contains_key(&BleUuid::from_u16(UUID_SMARTTAG))
    {
        return "Samsung SmartTag near its owner";
    }
    if a.service_data.contains_key(&BleUuid::from_u16(UUID_DULT)) {
        return "Location tracker near its owner";
    }
    "Bluetooth device"
}

fn has_uuid(a: &BleAdvert, u: BleUuid) -> bool {
    a.services.contains(&u) || a.service_data.contains_key(&u)
}

fn battery4(v: u8, full_high: bool) -> &'static str {
    // Apple: 0 full .. 3 critical. SmartTag: 3 full .. 0 very low.
    let v = if full_high { 3 - (v & 3) } else { v & 3 };
    match v {
        0 => "full",
        1 => "medium",
        2 => "low",
        _ => "very low",
    }
}

/// Classify one advert against the tracker entries. `None`: not a tracker.
pub fn classify(a: &BleAdvert, entries: &[Entry]) -> Option<Classified> {
    let find = |pred: &dyn Fn(&MatchRule) -> bool| entries.iter().position(|e| pred(&e.rule));

    // 1. Apple Offline Finding (type 0x12). Other Apple types are Continuity, never trackers.
    if let Some(d) = a.manufacturer_data.get(&APPLE) {
        if d.len() >= 3 && d[0] == 0x12 {
            let status = d[2];
            let device_type = (status >> 4) & 3;
            let entry =
                find(&|r| matches!(r, MatchRule::FindMy { device_type: t } if *t == device_type))?;
            let separated = d[1] == 0x19;
            let link = if separated && d.len() >= 25 {
                let mut k = [0u8; 22];
                k.copy_from_slice(&d[3..25]);
                Some(LinkKey::FindMyKey(k))
            } else {
                None
            };
            return Some(Classified {
                entry,
                state: if separated {
                    OwnerState::Separated
                } else {
                    OwnerState::NearOwner
                },
                battery: Some(battery4(status >> 6, false)),
                link,
            });
        }
        return None;
    }

    // 2. Google Find My Device network: Eddystone UUID with frame 0x40/0x41 only.
    if let Some(d) = a.service_data.get(&BleUuid::from_u16(UUID_FMDN)) {
        return match d.first() {
            Some(f @ (0x40 | 0x41)) => Some(Classified {
                entry: find(&|r| matches!(r, MatchRule::Fmdn))?,
                state: if f & 1 == 1 {
                    OwnerState::Separated
                } else {
                    OwnerState::NearOwner
                },
                battery: None,
                link: None,
            }),
            _ => None,
        };
    }

    // 3. DULT: network id, then the near-owner bit.
    if let Some(d) = a.service_data.get(&BleUuid::from_u16(UUID_DULT)) {
        if d.len() < 2 {
            return None;
        }
        return Some(Classified {
            entry: find(&|r| matches!(r, MatchRule::Dult))?,
            state: if d[1] & 1 == 0 {
                OwnerState::Separated
            } else {
                OwnerState::NearOwner
            },
            battery: None,
            link: None,
        });
    }

    // 4. Samsung SmartTag family.
    if let Some(d) = a.service_data.get(&BleUuid::from_u16(UUID_SMARTTAG)) {
        if d.is_empty() || d[0] & 0xf8 != 0x10 {
            return None;
        }
        let state = match d[0] & 0x07 {
            0b011 | 0b010 => OwnerState::Separated,
            _ => OwnerState::NearOwner,
        };
        let link = (d.len() >= 13).then(|| {
            let mut privacy_id = [0u8; 8];
            privacy_id.copy_from_slice(&d[4..12]);
            LinkKey::SmartTag {
                privacy_id,
                aging: u32::from(d[1]) | u32::from(d[2]) << 8 | u32::from(d[3]) << 16,
                state: d[0],
                props: d[12],
            }
        });
        return Some(Classified {
            entry: find(&|r| matches!(r, MatchRule::SamsungSmarttag))?,
            state,
            battery: d.get(12).map(|p| battery4(*p, true)),
            link,
        });
    }

    // 5. Samsung Find My Mobile (phones, tablets): listed, never an alarm.
    if has_uuid(a, BleUuid::from_u16(UUID_SAMSUNG_FMM)) {
        return Some(Classified {
            entry: find(&|r| matches!(r, MatchRule::SamsungFindMyMobile))?,
            state: OwnerState::NearOwner,
            battery: None,
            link: None,
        });
    }

    // 6. Service UUID families (Tile, Chipolo, Pebblebee).
    for (i, e) in entries.iter().enumerate() {
        if let MatchRule::ServiceUuid { uuids, name_prefix } = &e.rule {
            let uuid_hit = uuids.iter().any(|u| has_uuid(a, *u));
            let name_hit = name_prefix
                .as_ref()
                .is_some_and(|p| a.name.as_deref().is_some_and(|n| n.starts_with(p.as_str())));
            if uuid_hit || name_hit {
                let mut state = OwnerState::Unknown;
                // Older Chipolo firmware (address first byte <= 0xD8) says when the owner is away.
                if uuids.contains(&BleUuid::from_u16(UUID_CHIPOLO))
                    && a.address.0[0] <= 0xd8
                    && let Some(d) = a.service_data.get(&BleUuid::from_u16(UUID_CHIPOLO))
                    && let Some(b) = d.get(1)
                {
                    state = if b & 1 == 1 {
                        OwnerState::Separated
                    } else {
                        OwnerState::NearOwner
                    };
                }
                return Some(Classified {
                    entry: i,
                    state,
                    battery: None,
                    link: None,
                });
            }
        }
    }
    None
}
