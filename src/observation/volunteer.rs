//! What the volunteer records during a check: a new place, "this is mine", the session's
//! request, the client's concerns, answers and decisions, notes and the Apple Account
//! checklist. Re-exported by `observation`; their JSON is part of the replay format.

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceMark {
    /// Optional short label ("waiting room", "car park"). Never a client name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineMark {
    /// Any address of the device (Bluetooth address or network MAC).
    pub address: MacAddr,
    /// Initials of whoever marked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Takes back an earlier mark ("not the client's own after all").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undo: bool,
}

/// The checks a volunteer can ask for, as the client would name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Bluetooth,
    Network,
    PhoneTraffic,
    PhoneApps,
    Iphone,
}

/// A check asked for, and for how long (live checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskedCheck {
    pub check: Check,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
}

/// The start of a session, recorded first in its journal so a replay knows what was asked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionInfo {
    /// Case reference (never a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Initials of who ran the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<AskedCheck>,
    /// Demonstration data, not a real check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// What a client may be worried about (ISDi's consult form, clinic practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    /// Someone knows where I am.
    KnowsWhereIAm,
    /// Someone knows what I say in messages.
    ReadsMyMessages,
    /// My phone behaves strangely.
    PhoneBehavesStrangely,
    /// Someone got into my accounts.
    AccountsAccessed,
    /// A gift or item I do not trust.
    UntrustedItem,
    Other,
}

impl Concern {
    pub const ALL: [Concern; 6] = [
        Concern::KnowsWhereIAm,
        Concern::ReadsMyMessages,
        Concern::PhoneBehavesStrangely,
        Concern::AccountsAccessed,
        Concern::UntrustedItem,
        Concern::Other,
    ];

    /// In the client's words.
    pub fn words(self) -> &'static str {
        match self {
            Concern::KnowsWhereIAm => "Someone knows where I am",
            Concern::ReadsMyMessages => "Someone knows what I say in messages",
            Concern::PhoneBehavesStrangely => "My phone behaves strangely",
            Concern::AccountsAccessed => "Someone got into my accounts",
            Concern::UntrustedItem => "A gift or item I do not trust",
            Concern::Other => "Something else",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcernsObs {
    pub concerns: Vec<Concern>,
    /// Initials of the volunteer who recorded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The client's answer to "do you recognise this?" (for an app: "did you install it?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAnswer {
    Recognised,
    NotRecognised,
    NotSure,
}

impl ClientAnswer {
    pub fn words(self) -> &'static str {
        match self {
            ClientAnswer::Recognised => "the client recognises it",
            ClientAnswer::NotRecognised => "the client does not recognise it",
            ClientAnswer::NotSure => "the client is not sure",
        }
    }
}

/// What was decided about a finding, with the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    KeepAsEvidence,
    LeaveForNow,
    DecideWithAdvocate,
}

impl Decision {
    pub fn words(self) -> &'static str {
        match self {
            Decision::KeepAsEvidence => "keep as evidence",
            Decision::LeaveForNow => "leave it for now",
            Decision::DecideWithAdvocate => "decide with the advocate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerObs {
    /// The finding's id within the session (`tracker-1`, `traffic-2`, ...).
    pub finding: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ClientAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Initials of the volunteer who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteObs {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The account-access checklist (Apple Account and its sharing): reviewed by the
/// volunteer with the client, never automated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountItem {
    /// The devices signed in to the client's Apple Account.
    AppleAccountDevices,
    /// Family Sharing: the group and its organiser.
    FamilySharing,
    /// Find My: people the location is shared with, items registered to others.
    FindMySharing,
    /// Safety Check (iOS 16 and later): who and which apps have access.
    SafetyCheck,
    /// Who knows the account password and passcode; where two-factor codes go.
    PasswordsAndCodes,
}

impl AccountItem {
    pub const ALL: [AccountItem; 5] = [
        AccountItem::AppleAccountDevices,
        AccountItem::FamilySharing,
        AccountItem::FindMySharing,
        AccountItem::SafetyCheck,
        AccountItem::PasswordsAndCodes,
    ];

    /// A short title.
    pub fn title(self) -> &'static str {
        match self {
            AccountItem::AppleAccountDevices => "Apple Account devices",
            AccountItem::FamilySharing => "Family Sharing",
            AccountItem::FindMySharing => "Find My sharing",
            AccountItem::SafetyCheck => "Safety Check",
            AccountItem::PasswordsAndCodes => "Passwords and codes",
        }
    }
}

/// What the volunteer and client found on one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountAnswer {
    /// Looked at together; the client recognises everything there.
    NothingUnexpected,
    /// Looked at together; something the client does not recognise or did not agree to.
    SomethingUnexpected,
    /// Not looked at (no time, no access, the client chose not to).
    NotChecked,
}

impl AccountAnswer {
    pub fn words(self) -> &'static str {
        match self {
            AccountAnswer::NothingUnexpected => {
                "looked at with the client: nothing the client does not recognise"
            }
            AccountAnswer::SomethingUnexpected => {
                "looked at with the client: something the client does not recognise"
            }
            AccountAnswer::NotChecked => "not looked at",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountCheckObs {
    pub item: AccountItem,
    pub answer: AccountAnswer,
    /// Initials of the volunteer who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}
