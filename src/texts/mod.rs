//! Volunteer-facing texts shared by the engine, the signature sets, the sources, the screens
//! and the reports. A leaf: it uses nothing else of the crate.

pub mod phone;
