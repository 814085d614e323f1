//! Locate-mode data: smoothed signal strength and its trend (closer / further / steady),
//! for the UI's warmer/colder meter and the report's signal-over-time plot.

use serde::Serialize;

use crate::engine::finding::SignalPoint;
use crate::observation::{MacAddr, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Closer,
    Further,
    Steady,
    /// Not enough recent signal to tell.
    Unknown,
}

impl Trend {
    /// Plain words for the meter.
    pub fn words(self) -> &'static str {
        match self {
            Trend::Closer => "getting closer",
            Trend::Further => "getting further away",
            Trend::Steady => "about the same",
            Trend::Unknown => "not enough signal yet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Locate {
    /// The tracker's current address.
    pub address: MacAddr,
    /// Smoothed signal strength over the last few seconds (dBm).
    pub smoothed_rssi: Option<f64>,
    pub latest_rssi: Option<i16>,
    pub trend: Trend,
    /// Signal history (bounded).
    pub history: Vec<SignalPoint>,
    pub last_seen: Option<Timestamp>,
}
