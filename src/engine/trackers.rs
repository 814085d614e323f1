//! Engine part: trackers.

use crate::engine::Context;
use crate::engine::finding::{Device, Finding};
use crate::engine::locate::Locate;
use crate::observation::{MacAddr, Observation, Timestamp};
use crate::signatures::SignatureSet;

#[derive(Debug, Default)]
pub struct TrackerState {}

impl TrackerState {
    pub fn new(_signatures: &SignatureSet) -> Self {
        Self::default()
    }

    pub fn ingest(&mut self, _t: Timestamp, _obs: &Observation, _ctx: &Context<'_>) {}

    pub fn findings(&self, _out: &mut Vec<Finding>) {}

    pub fn devices(&self, _out: &mut Vec<Device>) {}

    /// Locate-mode data for the tracker that has (or had) this address.
    pub fn locate(&self, _address: &MacAddr) -> Option<Locate> {
        None
    }
}
