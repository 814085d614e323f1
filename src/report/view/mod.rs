//! The view model every report format renders: plain words derived once from the
//! `Report` (the findings JSON), so Markdown, HTML and PDF cannot drift apart.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::finding::{Category, Finding, Severity};
use crate::observation::Timestamp;
use crate::report::Report;
use crate::sanitize;

mod findings;
mod sections;
mod times;
mod words;

pub use findings::*;
use sections::*;
pub use times::*;
pub use words::*;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub title: String,
    /// "Demonstration: invented data, not a real check" on every export of `sweep demo`.
    pub demo_banner: Option<&'static str>,
    /// The checks that did not run as asked, said first in every summary.
    pub not_checked: Vec<String>,
    /// Every check asked for ran as asked and saw what it needed.
    pub complete: bool,
    pub case: Option<String>,
    pub operator: Option<String>,
    pub window: String,
    pub checks_run: Vec<String>,
    pub checks_not_run: Vec<String>,
    pub summary: String,
    pub findings: Vec<FindingView>,
    pub recognised: Vec<FindingView>,
    pub before_you_act: Vec<&'static str>,
    pub cannot_tell: Vec<String>,
    pub devices: Vec<DeviceView>,
    pub tool: String,
    pub signatures: Vec<SignatureView>,
    pub attributions: Vec<String>,
    pub inputs: Vec<InputView>,
    pub findings_json_sha256: String,
    pub counters: String,
    // First page (issue #18). Defaulted from the Report here; the session layer fills
    // what the engine does not know (concerns, notes, devices examined, place).
    /// When this report was made: local time with its UTC offset.
    pub generated: String,
    /// The same instant, for the PDF's document date.
    #[serde(skip)]
    pub generated_at: chrono::DateTime<chrono::FixedOffset>,
    /// Date of the check, local.
    pub date: String,
    /// Where the check took place (the clinic), if recorded.
    pub place: Option<String>,
    /// The client's devices and belongings examined ("the client's phone", "the bag").
    pub devices_examined: Vec<String>,
    /// What was checked and what was not, one line per check.
    pub coverage: Vec<CoverageView>,
    /// The client's concerns, in their words as the volunteer wrote them.
    pub concerns: Vec<String>,
    /// The volunteer's notes, with times.
    pub notes: Vec<NoteView>,
    /// Places during the check (label and time), instead of "place 1".
    pub places: Vec<PlaceView>,
    /// Who recorded the concerns and when ("(recorded by VO at ...)").
    pub concerns_recorded: Option<String>,
    /// The Apple Account checklist, when an iPhone was checked or any item was answered.
    pub account_checklist: Option<AccountChecklistView>,
}

/// The account-access checklist as gone through with the client: every item, answered or
/// not, so an item nobody looked at is never read as safe.
#[derive(Debug, Clone, Serialize)]
pub struct AccountChecklistView {
    pub intro: &'static str,
    /// "2 of 5 items looked at with the client; ..." (also on the first page).
    pub summary: String,
    pub items: Vec<AccountItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountItemView {
    pub title: &'static str,
    /// What to look at with the client.
    pub guidance: &'static str,
    /// The recorded answer with who and when, or "Not recorded."
    pub answer: String,
    /// "nothing-unexpected", "something-unexpected", "not-checked" or "not-recorded".
    pub status: &'static str,
}

/// One check in the coverage account: what it was, whether it ran, and any detail.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    pub check: String,
    /// "Checked", "Not checked", "Partly checked".
    pub status: String,
    pub detail: String,
    /// When it saw something, local: " First and last observation: ... and ...." (reports
    /// only; the screens show their own times).
    pub when: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub time: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    pub label: String,
    pub time: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub kind: String,
    pub address: String,
    pub name: String,
    pub description: String,
    pub seen: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub file: String,
    pub version: String,
    pub source: String,
    pub licence: String,
    pub sha256: String,
    pub entries: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputView {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// SHA-256 of the findings JSON exactly as `Report::to_json` writes it.
pub fn findings_json_sha256(r: &Report) -> String {
    hex::encode(Sha256::digest(r.to_json().as_bytes()))
}

impl View {
    /// The view with times in the machine's time zone (`TZ`, else /etc/localtime).
    pub fn build(r: &Report) -> View {
        Self::build_in(r, Zone::System)
    }

    /// The view with every time in `zone`, with its UTC offset.
    pub fn build_in(r: &Report, zone: Zone) -> View {
        let active: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.recognised.is_none())
            .collect();
        let recognised: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.recognised.is_some())
            .collect();
        let head = headline(r);
        let summary = head.summary.clone();
        use crate::engine::coverage::CoverageStatus;
        let checks_run: Vec<String> = r
            .scan
            .coverage
            .iter()
            .filter(|c| c.status != CoverageStatus::NotRun)
            .map(|c| c.check.plain_name().to_string())
            .collect();
        let checks_not_run: Vec<String> = r
            .scan
            .coverage
            .iter()
            .filter(|c| c.status == CoverageStatus::NotRun)
            .map(|c| clean(&c.summary))
            .collect();
        let mut cannot_tell = head.not_checked.clone();
        cannot_tell.extend([
            "No match is not proof that a phone or a bag is clean. Trackers can be switched off, out of range or of a kind we do not know yet; stalkerware lists are incomplete and only work while the phone contacts its servers during the check.".to_string(),
            "This check does not look at shared accounts (cloud, family sharing, location sharing), or at who else knows the client's passwords. These are common ways to be followed too.".to_string(),
        ]);
        let apps_checked = r.scan.coverage.iter().any(|c| {
            matches!(
                c.check,
                crate::engine::coverage::Check::PhoneApps | crate::engine::coverage::Check::Iphone
            ) && c.status == CoverageStatus::Complete
        });
        if !apps_checked {
            cannot_tell
                .push("The apps installed on the phone were not checked in this session.".into());
        }
        if r.findings
            .iter()
            .any(|f| f.category == Category::HiddenLookups)
        {
            cannot_tell.push("The phone hides some of its look-ups (see the findings), so names it contacted may be missing from this check.".into());
        }
        let window = match (r.scan.started, r.scan.ended) {
            (Some(a), Some(b)) => format!("{} to {}", zone.datetime(&a), zone.datetime(&b)),
            _ => "no observations".into(),
        };
        let c = &r.scan.counters;
        let coverage = coverage(r, zone);
        let generated_at = zone.at(&chrono::Utc::now());
        let places = r
            .scan
            .places
            .iter()
            .map(|p| PlaceView {
                label: p
                    .label
                    .as_deref()
                    .map(|l| sanitize::clean(l, 60))
                    .unwrap_or_else(|| format!("Moved on at {}", zone.time(&p.t))),
                time: zone.datetime(&p.t),
            })
            .collect();
        View {
            title: "Device check findings".into(),
            demo_banner: r.scan.demo.then_some(DEMO_BANNER),
            not_checked: head.not_checked,
            complete: head.complete,
            case: r.scan.case.as_deref().map(|s| sanitize::clean(s, 40)),
            operator: r.scan.operator.as_deref().map(|s| sanitize::clean(s, 16)),
            window,
            checks_run,
            checks_not_run,
            summary,
            findings: active
                .iter()
                .enumerate()
                .map(|(i, f)| finding_view(i, f, r, zone))
                .collect(),
            recognised: recognised
                .iter()
                .enumerate()
                .map(|(i, f)| finding_view(i, f, r, zone))
                .collect(),
            before_you_act: BEFORE_YOU_ACT.to_vec(),
            cannot_tell,
            devices: r
                .devices
                .iter()
                .map(|d| DeviceView {
                    kind: d.kind.as_str().to_string(),
                    address: d.address.to_string(),
                    name: d
                        .name
                        .as_deref()
                        .map(|n| sanitize::clean(n, 40))
                        .unwrap_or_default(),
                    description: clean(&d.description),
                    seen: format!(
                        "{} to {}",
                        zone.time(&d.first_seen),
                        zone.time(&d.last_seen)
                    ),
                })
                .collect(),
            tool: format!("{} {}", r.tool.name, r.tool.version),
            signatures: r
                .signatures
                .iter()
                .map(|s| SignatureView {
                    file: s.file.clone(),
                    version: s.source.version.clone(),
                    source: s.source.source.clone(),
                    licence: s.source.licence.clone(),
                    sha256: s.sha256.clone(),
                    entries: s.entries,
                })
                .collect(),
            attributions: r
                .signatures
                .iter()
                .filter_map(|s| s.source.attribution.clone())
                .collect(),
            inputs: r
                .scan
                .inputs
                .iter()
                .map(|i| InputView {
                    path: clean(&i.path),
                    bytes: i.bytes,
                    sha256: i.sha256.clone(),
                })
                .collect(),
            findings_json_sha256: findings_json_sha256(r),
            counters: {
                let mut t = format!(
                    "{} observations; {} devices set aside by the memory limits.",
                    c.observations, c.devices_dropped
                );
                if c.implausible_times > 0 {
                    t.push_str(&format!(
                        " {} with a time that cannot be right (before 2000, or more than a day after the check began): kept in the evidence, not used for the times of the check.",
                        plural(c.implausible_times as usize, "record", "records")
                    ));
                }
                t
            },
            generated: generated_at
                .format("%Y-%m-%d %H:%M:%S (UTC%:z)")
                .to_string(),
            generated_at,
            date: r
                .scan
                .started
                .map(|t| zone.at(&t).format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            place: None,
            devices_examined: devices_examined(r, zone),
            coverage,
            concerns: r
                .consultation
                .concerns
                .as_ref()
                .map(|c| c.concerns.iter().map(|c| c.words().to_string()).collect())
                .unwrap_or_default(),
            notes: r
                .consultation
                .notes
                .iter()
                .map(|n| NoteView {
                    time: zone.datetime(&n.t),
                    text: format!(
                        "{}{}",
                        n.by.as_deref()
                            .map(|b| format!("{}: ", sanitize::clean(b, 16)))
                            .unwrap_or_default(),
                        clean(&n.text)
                    ),
                })
                .collect(),
            places,
            concerns_recorded: r
                .consultation
                .concerns
                .as_ref()
                .map(|c| recorded(&c.by, &Some(c.at), zone)),
            account_checklist: account_checklist(r, zone),
        }
    }
}
