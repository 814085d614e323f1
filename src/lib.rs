//! sweep: device checks for stalking clinics.
//!
//! Data flows one way: `sources` (each on its own thread) → one bounded channel
//! (`pipeline`) → the pure `engine` → read by `ui` and `report`.

pub mod case;
pub mod cases;
pub mod cli;
pub mod engine;
pub mod fuzzing;
pub mod journal;
pub mod observation;
pub mod pipeline;
pub mod privilege;
pub mod report;
pub mod sanitize;
pub mod session;
pub mod severity;
pub mod signatures;
pub mod sources;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod texts;
pub mod ui;
