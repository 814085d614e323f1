//! Engine part: lan.

use crate::engine::Context;
use crate::engine::finding::{Device, Finding};
use crate::observation::{Observation, Timestamp};
use crate::signatures::SignatureSet;

#[derive(Debug, Default)]
pub struct LanState {}

impl LanState {
    pub fn new(_signatures: &SignatureSet) -> Self {
        Self::default()
    }

    pub fn ingest(&mut self, _t: Timestamp, _obs: &Observation, _ctx: &Context<'_>) {}

    pub fn findings(&self, _out: &mut Vec<Finding>) {}

    pub fn devices(&self, _out: &mut Vec<Device>) {}
}
