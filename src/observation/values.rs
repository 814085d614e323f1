//! The value types observations are made of: addresses, bytes shown as hex, Bluetooth UUIDs,
//! with their text and JSON forms. Re-exported by `observation`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 48-bit address (Bluetooth or Ethernet), shown uppercase with colons.
///
/// ```
/// let a: sweep::observation::MacAddr = "c4:11:22:33:44:55".parse().unwrap();
/// assert_eq!(a.to_string(), "C4:11:22:33:44:55");
/// assert!("c4:11:22".parse::<sweep::observation::MacAddr>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Locally administered bit set: for Ethernet, a randomised (private) address.
    pub fn is_locally_administered(&self) -> bool {
        self.0[0] & 0x02 != 0
    }
    pub fn oui(&self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let parts: Vec<&str> = if s.contains(':') {
            s.split(':').collect()
        } else if s.contains('-') {
            s.split('-').collect()
        } else if s.len() == 12 && s.is_ascii() {
            (0..6).map(|i| &s[i * 2..i * 2 + 2]).collect()
        } else {
            return Err(format!(
                "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
            ));
        };
        if parts.len() != 6 {
            return Err(format!(
                "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
            ));
        }
        for (i, p) in parts.iter().enumerate() {
            if p.len() != 2 {
                return Err(format!(
                    "invalid address {s:?}: expected six hex bytes like C4:11:22:33:44:55"
                ));
            }
            out[i] = u8::from_str_radix(p, 16)
                .map_err(|_| format!("invalid address {s:?}: {p:?} is not a hex byte"))?;
        }
        Ok(MacAddr(out))
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Raw bytes, written as a hex string in JSON.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct HexBytes(pub Vec<u8>);

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(&self.0))
    }
}

impl std::ops::Deref for HexBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        hex::decode(s.as_ref())
            .map(HexBytes)
            .map_err(|e| serde::de::Error::custom(format!("invalid hex {s:?}: {e}")))
    }
}

/// A Bluetooth service UUID. 16-bit UUIDs (on the Bluetooth base UUID) are
/// written as 4 hex digits, others as the full 128-bit form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BleUuid(pub uuid::Uuid);

const BT_BASE_TAIL: [u8; 12] = [
    0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb,
];

impl BleUuid {
    pub fn from_u16(v: u16) -> Self {
        let mut b = [0u8; 16];
        b[2] = (v >> 8) as u8;
        b[3] = v as u8;
        b[4..].copy_from_slice(&BT_BASE_TAIL);
        BleUuid(uuid::Uuid::from_bytes(b))
    }
    /// The 16-bit form, when this UUID is on the Bluetooth base UUID.
    pub fn as_u16(&self) -> Option<u16> {
        let b = self.0.as_bytes();
        if b[0] == 0 && b[1] == 0 && b[4..] == BT_BASE_TAIL {
            Some(u16::from(b[2]) << 8 | u16::from(b[3]))
        } else {
            None
        }
    }
}

impl fmt::Display for BleUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_u16() {
            Some(v) => write!(f, "{v:04x}"),
            None => write!(f, "{}", self.0.hyphenated()),
        }
    }
}

impl fmt::Debug for BleUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for BleUuid {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim_start_matches("0x");
        if t.len() == 4 {
            return u16::from_str_radix(t, 16)
                .map(BleUuid::from_u16)
                .map_err(|_| {
                    format!("invalid UUID {s:?}: expected 4 hex digits or a 128-bit UUID")
                });
        }
        uuid::Uuid::parse_str(t)
            .map(BleUuid)
            .map_err(|_| format!("invalid UUID {s:?}: expected 4 hex digits or a 128-bit UUID"))
    }
}

impl Serialize for BleUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BleUuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
