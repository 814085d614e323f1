//! The Android app check's volunteer-facing texts now live in `crate::texts::phone` (a leaf
//! module the signature sets and sources can use without depending on the engine); this path
//! stays for the callers that name it.

pub use crate::texts::phone::*;
