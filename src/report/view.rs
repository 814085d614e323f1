//! The view model every report format renders: plain words derived once from the
//! `Report` (the findings JSON), so Markdown, HTML and PDF cannot drift apart.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::finding::{Category, Finding, Severity};
use crate::observation::Timestamp;
use crate::report::Report;
use crate::sanitize;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub title: String,
    /// "Demonstration: invented data, not a real check" on every export of `sweep demo`.
    pub demo_banner: Option<&'static str>,
    /// What was checked and what was not, one line per check asked for.
    pub coverage: Vec<CoverageView>,
    /// The checks that did not run as asked, said first in every summary.
    pub not_checked: Vec<String>,
    /// Every check asked for ran as asked and saw what it needed.
    pub complete: bool,
    /// The client's concerns as recorded, in their words.
    pub concerns: Vec<&'static str>,
    /// The volunteer's notes, with time and initials.
    pub notes: Vec<String>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    pub check: &'static str,
    /// "complete", "stopped-early", "saw-nothing", "not-run".
    pub status: &'static str,
    pub status_words: &'static str,
    pub summary: String,
    pub fix: Option<String>,
}

/// Whose it is, in words: "Marked as the client's own by VO at 10:42." or nothing.
pub fn recognise_words(f: &Finding) -> String {
    match &f.recognised {
        Some(r) => format!(
            "Marked as the client's own{} at {}.",
            r.by.as_deref()
                .map(|b| format!(" by {}", sanitize::clean(b, 16)))
                .unwrap_or_default(),
            local_time(&r.at)
        ),
        None => String::new(),
    }
}

/// The questions clinics ask about a finding, in the client's terms.
pub fn questions(f: &Finding) -> Vec<&'static str> {
    match f.category {
        Category::Stalkerware | Category::PhoneApp => vec![
            "Did you know this app was installed? Did you install it?",
            "Do you know who did?",
        ],
        Category::Tracker => vec![
            "Do you recognise this tracker? Is it yours, or someone's in your household?",
            "Has anyone given you a gift or had access to your bag or car recently?",
        ],
        Category::NetworkDevice => {
            vec!["Do you recognise this device on your network? Who set it up?"]
        }
        Category::HiddenLookups | Category::PhoneSetting => {
            vec!["Did you, or someone else, change this setting on the phone?"]
        }
    }
}

/// A time in the machine's time zone, with its UTC offset ("10:42:05 +01:00").
pub fn local_time(t: &Timestamp) -> String {
    t.with_timezone(&chrono::Local)
        .format("%H:%M:%S %:z")
        .to_string()
}

/// A date and time in the machine's time zone with its UTC offset.
pub fn local_datetime(t: &Timestamp) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

/// The line at the top of every export of demonstration data.
pub const DEMO_BANNER: &str = "Demonstration: invented data, not a real check";

/// "1 tracker", "2 trackers".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The headline of a result, shared by every report and the terminal summary: first what
/// did not run as asked, then what was found; "we did not find" only after a complete check.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub not_checked: Vec<String>,
    pub summary: String,
    pub complete: bool,
}

pub fn headline(r: &Report) -> Headline {
    use crate::engine::coverage::CoverageStatus;
    let mut order: Vec<&crate::engine::coverage::Coverage> = r
        .scan
        .coverage
        .iter()
        .filter(|c| c.status != CoverageStatus::Complete)
        .collect();
    order.sort_by_key(|c| match c.status {
        CoverageStatus::NotRun => 0,
        CoverageStatus::SawNothing => 1,
        _ => 2,
    });
    let not_checked: Vec<String> = order
        .iter()
        .map(|c| {
            let mut s = clean(&c.summary);
            if let Some(f) = &c.fix {
                s.push_str(&format!(" What to do: {}", clean(f)));
            }
            s
        })
        .collect();
    let complete = r.scan.complete();
    let active: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.recognised.is_none())
        .collect();
    let summary = if r.scan.nothing_ran() {
        "The check could not be done: nothing was checked. Do not treat this as a result."
            .to_string()
    } else if let Some(found) = found_words(&active) {
        found
    } else if complete {
        "We did not find a known tracker or stalkerware sign in what we checked. This is not proof that nothing is there: see \"What this check cannot tell\".".to_string()
    } else if r
        .scan
        .coverage
        .iter()
        .any(|c| c.status == CoverageStatus::Complete)
    {
        let ran: Vec<&str> = r
            .scan
            .coverage
            .iter()
            .filter(|c| c.status == CoverageStatus::Complete)
            .map(|c| c.check.plain_name())
            .collect();
        format!(
            "This check is incomplete, so it cannot say that nothing is there (see above). The checks that ran as asked ({}) flagged no known tracker or stalkerware sign.",
            ran.join(", ")
        )
    } else {
        "None of the checks ran as asked, so this says nothing about trackers or stalkerware (see above).".to_string()
    };
    Headline {
        not_checked,
        summary,
        complete,
    }
}

/// "We found ..." for findings worth attention; `None` when there are none.
fn found_words(active: &[&Finding]) -> Option<String> {
    if active.iter().all(|f| f.severity >= Severity::Low) {
        return None;
    }
    let high = active
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count();
    let trackers = active
        .iter()
        .filter(|f| f.category == Category::Tracker && f.severity <= Severity::Medium)
        .count();
    let stalker = active
        .iter()
        .filter(|f| f.category == Category::Stalkerware && f.severity == Severity::High)
        .count();
    let mut parts = Vec::new();
    if trackers > 0 {
        parts.push(format!(
            "{} that could be following the client",
            plural(trackers, "Bluetooth tracker", "Bluetooth trackers")
        ));
    }
    if stalker > 0 {
        parts.push(format!(
            "signs of {} on the phone",
            plural(stalker, "stalkerware app", "stalkerware apps")
        ));
    }
    let others = active
        .iter()
        .filter(|f| f.severity <= Severity::Medium)
        .count()
        .saturating_sub(trackers + stalker);
    if others > 0 {
        parts.push(format!(
            "{} worth checking",
            plural(others, "other thing", "other things")
        ));
    }
    Some(format!(
        "We found {}{}. Read \"Before you act\" before doing anything about it.",
        parts.join(" and "),
        if high > 0 {
            ", which need attention"
        } else {
            ""
        }
    ))
}

fn status_words(s: crate::engine::coverage::CoverageStatus) -> &'static str {
    use crate::engine::coverage::CoverageStatus;
    match s {
        CoverageStatus::Complete => "checked",
        CoverageStatus::StoppedEarly => "stopped early",
        CoverageStatus::SawNothing => "saw nothing it could judge",
        CoverageStatus::NotRun => "not checked",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub number: usize,
    pub title: String,
    pub severity: &'static str,
    pub severity_words: &'static str,
    pub what: String,
    pub meaning: String,
    pub confidence: String,
    pub evidence: Vec<String>,
    pub next_steps: Vec<String>,
    /// Signal strength over time: a text sparkline, and points for SVG/PDF plots.
    pub sparkline: Option<String>,
    pub plot: Option<Plot>,
    pub times: String,
    pub signature: String,
    /// The questions to ask the client about it.
    pub questions: Vec<&'static str>,
    /// "the client does not recognise it (recorded by VO at 10:42:05 +00:00)"
    pub client_answer: Option<String>,
    /// "keep as evidence (recorded by VO at 10:43:00 +00:00)"
    pub decision: Option<String>,
    /// "Marked as the client's own by VO at 10:44:00 +00:00."
    pub recognised_words: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plot {
    /// SVG polyline points in a 300x80 box, and the axis labels.
    pub points: String,
    pub min_rssi: i16,
    pub max_rssi: i16,
    pub start: String,
    pub end: String,
    /// Normalised (x, y) in 0..1 for other renderers.
    pub xy: Vec<(f64, f64)>,
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

pub const BEFORE_YOU_ACT: &[&str] = &[
    "Document first: keep this report, and take photos or screenshots with a different device, noting the date and time.",
    "Removing an app, resetting a phone, changing passwords or switching off a tracker can alert the person who placed it, and can make things more dangerous.",
    "Decide what to do together with the client's advocate, as part of a safety plan. The client decides.",
    "Keep this report where the other person cannot see it: not on a shared phone, computer, email or cloud account.",
    "If the client is in immediate danger, call the emergency services.",
];

fn ts(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn severity_words(s: Severity) -> &'static str {
    match s {
        Severity::High => "Important",
        Severity::Medium => "Worth checking",
        Severity::Low => "For information, low concern",
        Severity::Info => "For information",
    }
}

/// Untrusted text for any report: control characters and escapes removed, length capped.
fn clean(s: &str) -> String {
    sanitize::clean(s, 2000)
}

fn what(f: &Finding) -> String {
    let mut s = clean(&f.title);
    match f.subject.kind.as_str() {
        "bluetooth" => {
            if let Some(a) = f.subject.address {
                s.push_str(&format!(" — Bluetooth address {a}"));
            }
            if f.subject.addresses.len() > 1 {
                s.push_str(&format!(
                    " (also seen as {})",
                    f.subject
                        .addresses
                        .iter()
                        .filter(|x| Some(**x) != f.subject.address)
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        _ => {
            if let Some(a) = f.subject.address {
                s.push_str(&format!(" — device {a}"));
            }
            if let Some(ip) = f.subject.ip {
                s.push_str(&format!(" (IP {ip})"));
            }
        }
    }
    if let Some(n) = &f.subject.name {
        s.push_str(&format!(", named \"{}\"", sanitize::clean(n, 64)));
    }
    s
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn plot(f: &Finding) -> (Option<String>, Option<Plot>) {
    if f.signal.len() < 2 {
        return (None, None);
    }
    let min = f.signal.iter().map(|p| p.rssi).min().unwrap_or(-100);
    let max = f.signal.iter().map(|p| p.rssi).max().unwrap_or(-30);
    let span = f64::from((max - min).max(1));
    let t0 = f.signal[0].t;
    let t1 = f.signal[f.signal.len() - 1].t;
    let dt = ((t1 - t0).num_milliseconds().max(1)) as f64;
    let xy: Vec<(f64, f64)> = f
        .signal
        .iter()
        .map(|p| {
            (
                (p.t - t0).num_milliseconds() as f64 / dt,
                f64::from(p.rssi - min) / span,
            )
        })
        .collect();
    let points = xy
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", x * 300.0, 80.0 - y * 80.0))
        .collect::<Vec<_>>()
        .join(" ");
    // Sparkline: up to 60 buckets.
    let n = f.signal.len().min(60);
    let spark: String = (0..n)
        .map(|i| {
            let p = &f.signal[i * f.signal.len() / n];
            BARS[((f64::from(p.rssi - min) / span) * 7.0)
                .round()
                .clamp(0.0, 7.0) as usize]
        })
        .collect();
    (
        Some(format!(
            "{spark}  ({min} to {max} dBm, {} to {})",
            t0.format("%H:%M:%S"),
            t1.format("%H:%M:%S")
        )),
        Some(Plot {
            points,
            min_rssi: min,
            max_rssi: max,
            start: t0.format("%H:%M:%S").to_string(),
            end: t1.format("%H:%M:%S").to_string(),
            xy,
        }),
    )
}

fn recorded(by: &Option<String>, at: &Option<Timestamp>) -> String {
    let by = by
        .as_deref()
        .map(|b| format!(" by {}", sanitize::clean(b, 16)))
        .unwrap_or_default();
    let at = at
        .as_ref()
        .map(|t| format!(" at {}", local_time(t)))
        .unwrap_or_default();
    format!("(recorded{by}{at})")
}

fn finding_view(i: usize, f: &Finding, r: &Report) -> FindingView {
    let response = r.consultation.responses.get(&f.id);
    let (sparkline, plot) = plot(f);
    let mut evidence: Vec<String> = f.evidence.iter().map(|e| clean(&e.text)).collect();
    if f.evidence_dropped > 0 {
        evidence.push(format!(
            "({} more pieces of evidence not listed.)",
            f.evidence_dropped
        ));
    }
    FindingView {
        number: i + 1,
        title: clean(&f.title),
        severity: f.severity.as_str(),
        severity_words: severity_words(f.severity),
        what: what(f),
        meaning: clean(&f.meaning),
        confidence: clean(&f.confidence.text),
        evidence,
        next_steps: f.next_steps.iter().map(|s| clean(s)).collect(),
        sparkline,
        plot,
        times: format!(
            "First seen {}, last seen {}.",
            ts(&f.first_seen),
            ts(&f.last_seen)
        ),
        signature: f.signature.clone(),
        questions: questions(f),
        client_answer: response.and_then(|x| {
            x.answer
                .map(|a| format!("{} {}", a.words(), recorded(&x.answered_by, &x.answered_at)))
        }),
        decision: response.and_then(|x| {
            x.decision
                .map(|d| format!("{} {}", d.words(), recorded(&x.decided_by, &x.decided_at)))
        }),
        recognised_words: recognise_words(f),
    }
}

/// SHA-256 of the findings JSON exactly as `Report::to_json` writes it.
pub fn findings_json_sha256(r: &Report) -> String {
    hex::encode(Sha256::digest(r.to_json().as_bytes()))
}

impl View {
    pub fn build(r: &Report) -> View {
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
        if !r.scan.coverage.iter().any(|c| {
            matches!(
                c.check,
                crate::engine::coverage::Check::PhoneApps | crate::engine::coverage::Check::Iphone
            ) && c.status == crate::engine::coverage::CoverageStatus::Complete
        }) {
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
            (Some(a), Some(b)) => format!("{} to {}", ts(&a), ts(&b)),
            _ => "no observations".into(),
        };
        let c = &r.scan.counters;
        View {
            title: "Device check findings".into(),
            demo_banner: r.scan.demo.then_some(DEMO_BANNER),
            coverage: r
                .scan
                .coverage
                .iter()
                .map(|c| CoverageView {
                    check: c.check.plain_name(),
                    status: c.status.as_str(),
                    status_words: status_words(c.status),
                    summary: clean(&c.summary),
                    fix: c.fix.as_deref().map(clean),
                })
                .collect(),
            not_checked: head.not_checked,
            complete: head.complete,
            concerns: r
                .consultation
                .concerns
                .as_ref()
                .map(|c| c.concerns.iter().map(|c| c.words()).collect())
                .unwrap_or_default(),
            notes: r
                .consultation
                .notes
                .iter()
                .map(|n| {
                    format!(
                        "{}{}: {}",
                        local_datetime(&n.t),
                        n.by.as_deref()
                            .map(|b| format!(", {}", sanitize::clean(b, 16)))
                            .unwrap_or_default(),
                        clean(&n.text)
                    )
                })
                .collect(),
            case: r.scan.case.as_deref().map(|s| sanitize::clean(s, 40)),
            operator: r.scan.operator.as_deref().map(|s| sanitize::clean(s, 16)),
            window,
            checks_run,
            checks_not_run,
            summary,
            findings: active
                .iter()
                .enumerate()
                .map(|(i, f)| finding_view(i, f, r))
                .collect(),
            recognised: recognised
                .iter()
                .enumerate()
                .map(|(i, f)| finding_view(i, f, r))
                .collect(),
            before_you_act: BEFORE_YOU_ACT.to_vec(),
            cannot_tell,
            devices: r
                .devices
                .iter()
                .map(|d| DeviceView {
                    kind: d.kind.clone(),
                    address: d.address.to_string(),
                    name: d
                        .name
                        .as_deref()
                        .map(|n| sanitize::clean(n, 40))
                        .unwrap_or_default(),
                    description: clean(&d.description),
                    seen: format!(
                        "{} to {}",
                        d.first_seen.format("%H:%M:%S"),
                        d.last_seen.format("%H:%M:%S")
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
            counters: format!(
                "{} observations; {} devices set aside by the memory limits.",
                c.observations, c.devices_dropped
            ),
        }
    }
}
