//! What kind of finding, and how serious: shared by the engine, the signature sets and the
//! reports. A leaf: it uses nothing else of the crate (re-exported as
//! `engine::finding::{Category, Severity}`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Tracker,
    Stalkerware,
    NetworkDevice,
    /// The phone hides its look-ups (encrypted DNS, ECH, VPN): the check may miss names.
    HiddenLookups,
    /// An app on the phone with powers worth asking about (a lead, not a verdict).
    PhoneApp,
    /// A phone-wide setting or state worth asking about (verification off, root signs, ...).
    PhoneSetting,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Tracker => "tracker",
            Category::Stalkerware => "stalkerware",
            Category::NetworkDevice => "network-device",
            Category::HiddenLookups => "hidden-lookups",
            Category::PhoneApp => "phone-app",
            Category::PhoneSetting => "phone-setting",
        }
    }
}

/// Ordered so that `High` sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// How serious, as a number: info 0, low 1, medium 2, high 3.
    pub fn rank(self) -> u8 {
        match self {
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }

    /// This severity is `other` or more serious ("at least medium").
    pub fn at_least(self, other: Severity) -> bool {
        self.rank() >= other.rank()
    }

    /// This severity is `other` or less serious ("low or below").
    pub fn at_most(self, other: Severity) -> bool {
        self.rank() <= other.rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}
