//! The consultation: the client's concerns, their answers to findings, what was decided,
//! and the volunteer's notes. Each arrives as an observation, so it is in the journal,
//! survives a crash and replays with the rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::observation::{
    AccountAnswer, AccountItem, ClientAnswer, Concern, Decision, Observation, Timestamp,
};

/// Most notes and answers kept (a consultation has a handful).
pub const MAX_NOTES: usize = 1_000;
pub const MAX_RESPONSES: usize = 10_000;

/// The client's concerns as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcernsRecord {
    pub concerns: Vec<Concern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: Timestamp,
}

/// The client's latest answer to a finding and the latest decision, each with who
/// recorded it and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ClientAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub t: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub text: String,
}

/// The latest answer to one item of the account-access checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountCheckRecord {
    pub answer: AccountAnswer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: Timestamp,
}

/// Everything said and decided in the consultation (`consultation` in the findings JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Consultation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concerns: Option<ConcernsRecord>,
    /// Finding id → the client's answer and the decision.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, ClientResponse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// The account-access checklist as gone through with the client (latest answer per item).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub account_checks: BTreeMap<AccountItem, AccountCheckRecord>,
}

impl Consultation {
    pub fn ingest(&mut self, t: Timestamp, obs: &Observation) {
        match obs {
            Observation::Concerns(c) => {
                let mut concerns = c.concerns.clone();
                concerns.sort();
                concerns.dedup();
                self.concerns = Some(ConcernsRecord {
                    concerns,
                    by: c.by.clone(),
                    at: t,
                });
            }
            Observation::Answer(a) => {
                if !self.responses.contains_key(&a.finding) && self.responses.len() >= MAX_RESPONSES
                {
                    return;
                }
                let r = self.responses.entry(a.finding.clone()).or_default();
                if let Some(ans) = a.answer {
                    r.answer = Some(ans);
                    r.answered_by.clone_from(&a.by);
                    r.answered_at = Some(t);
                }
                if let Some(d) = a.decision {
                    r.decision = Some(d);
                    r.decided_by.clone_from(&a.by);
                    r.decided_at = Some(t);
                }
            }
            Observation::Note(n) if self.notes.len() < MAX_NOTES => self.notes.push(Note {
                t,
                by: n.by.clone(),
                text: n.text.clone(),
            }),
            Observation::AccountCheck(a) => {
                self.account_checks.insert(
                    a.item,
                    AccountCheckRecord {
                        answer: a.answer,
                        by: a.by.clone(),
                        at: t,
                    },
                );
            }
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.concerns.is_none()
            && self.responses.is_empty()
            && self.notes.is_empty()
            && self.account_checks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{AnswerObs, ConcernsObs, NoteObs, Record};

    #[test]
    fn answers_decisions_and_notes_round_trip_through_the_journal_format() {
        let t0 = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap_or_default();
        let recs = vec![
            Record::new(
                t0,
                Observation::Concerns(ConcernsObs {
                    concerns: vec![Concern::UntrustedItem, Concern::KnowsWhereIAm],
                    by: Some("VO".into()),
                }),
            ),
            Record::new(
                t0 + chrono::Duration::seconds(60),
                Observation::Answer(AnswerObs {
                    finding: "tracker-1".into(),
                    answer: Some(ClientAnswer::NotRecognised),
                    decision: None,
                    by: Some("VO".into()),
                }),
            ),
            Record::new(
                t0 + chrono::Duration::seconds(90),
                Observation::Answer(AnswerObs {
                    finding: "tracker-1".into(),
                    answer: None,
                    decision: Some(Decision::KeepAsEvidence),
                    by: Some("AB".into()),
                }),
            ),
            Record::new(
                t0 + chrono::Duration::seconds(120),
                Observation::Note(NoteObs {
                    text: "Tag found in the lining of the bag.".into(),
                    by: Some("VO".into()),
                }),
            ),
        ];
        let mut live = Consultation::default();
        let mut replayed = Consultation::default();
        for r in &recs {
            live.ingest(r.t, &r.obs);
            let line = serde_json::to_string(r).unwrap_or_default();
            let back: Record = serde_json::from_str(&line).expect("journal line");
            replayed.ingest(back.t, &back.obs);
        }
        assert_eq!(live, replayed);
        let r = &live.responses["tracker-1"];
        assert_eq!(r.answer, Some(ClientAnswer::NotRecognised));
        assert_eq!(r.answered_by.as_deref(), Some("VO"));
        assert_eq!(r.decision, Some(Decision::KeepAsEvidence));
        assert_eq!(r.decided_by.as_deref(), Some("AB"));
        assert_eq!(
            live.concerns.as_ref().map(|c| c.concerns.clone()),
            Some(vec![Concern::KnowsWhereIAm, Concern::UntrustedItem])
        );
        assert_eq!(live.notes.len(), 1);
    }

    #[test]
    fn the_latest_account_check_answer_counts_and_keeps_its_json_spelling() {
        let t0 = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap_or_default();
        let line1 = r#"{"t":"2025-11-24T16:00:00Z","kind":"account-check","item":"find-my-sharing","answer":"not-checked","by":"VO"}"#;
        let line2 = r#"{"t":"2025-11-24T16:05:00Z","kind":"account-check","item":"find-my-sharing","answer":"something-unexpected","by":"AB"}"#;
        let mut c = Consultation::default();
        for line in [line1, line2] {
            let rec: Record = serde_json::from_str(line).expect("a valid account-check record");
            c.ingest(rec.t, &rec.obs);
        }
        let r = &c.account_checks[&crate::observation::AccountItem::FindMySharing];
        assert_eq!(r.answer, AccountAnswer::SomethingUnexpected);
        assert_eq!(r.by.as_deref(), Some("AB"));
        assert_eq!(r.at, t0 + chrono::Duration::seconds(300));
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(
            json["account_checks"]["find-my-sharing"]["answer"],
            "something-unexpected"
        );
        assert!(!c.is_empty());
    }
}
