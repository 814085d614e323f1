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

/// Whose it is, in words: "Marked as the client's own by VO at 10:42." or nothing.
pub fn recognise_words(f: &Finding) -> String {
    recognise_words_in(f, Zone::System)
}

fn recognise_words_in(f: &Finding, zone: Zone) -> String {
    match &f.recognised {
        Some(r) => format!(
            "Marked as the client's own{} at {}.",
            r.by.as_deref()
                .map(|b| format!(" by {}", sanitize::clean(b, 16)))
                .unwrap_or_default(),
            zone.time(&r.at)
        ),
        None => String::new(),
    }
}

/// What clinics ask the client about a finding, as the record says it ("whether ...").
pub fn questions(f: &Finding) -> Vec<&'static str> {
    match f.category {
        Category::Stalkerware | Category::PhoneApp => vec![
            "whether the client knew this app was installed, whether they installed it, and whether they know who did;",
        ],
        Category::Tracker => vec![
            "whether the client recognises this tracker (theirs, or someone's in their household);",
            "whether anyone has given the client a gift or had access to their bag or car recently.",
        ],
        Category::NetworkDevice => {
            vec!["whether the client recognises this device on their network, and who set it up."]
        }
        Category::HiddenLookups | Category::PhoneSetting => {
            vec!["whether the client, or someone else, changed this setting on the phone."]
        }
    }
}

/// The time zone the reports show times in: the machine's (`TZ`, else /etc/localtime), or
/// a fixed offset (tests, or a caller that knows the clinic's zone). The JSON stays UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Zone {
    #[default]
    System,
    Fixed(chrono::FixedOffset),
}

impl Zone {
    /// The instant in this zone, with its offset (daylight saving time as it was then).
    pub fn at(self, t: &Timestamp) -> chrono::DateTime<chrono::FixedOffset> {
        match self {
            Zone::System => t.with_timezone(&chrono::Local).fixed_offset(),
            Zone::Fixed(o) => t.with_timezone(&o),
        }
    }

    /// "10:42:05 +01:00".
    pub fn time(self, t: &Timestamp) -> String {
        self.at(t).format("%H:%M:%S %:z").to_string()
    }

    /// "2026-11-22 10:42:05 +01:00".
    pub fn datetime(self, t: &Timestamp) -> String {
        self.at(t).format("%Y-%m-%d %H:%M:%S %:z").to_string()
    }
}

/// Times an engine text gives in UTC ("first 10:00:00", "installed 2026-10-21 10:00 UTC")
/// said in `zone` with the offset. `reference` is an instant near them (the evidence's or
/// the finding's), which gives the date of a bare time of day. Only times after the words
/// the engine writes before them are changed, so a name that looks like a time is kept.
pub fn localise(text: &str, reference: &Timestamp, zone: Zone) -> String {
    const BEFORE: [&str; 9] = [
        "first ",
        "last ",
        "between ",
        "and ",
        "until ",
        "from ",
        "at ",
        "installed ",
        "created ",
    ];
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < b.len() {
        let prefixed = BEFORE.iter().any(|w| text[..i].ends_with(w));
        // "2026-10-21 10:00 UTC"
        if prefixed
            && b.len() >= i + 20
            && text.is_char_boundary(i + 20)
            && &text[i + 16..i + 20] == " UTC"
            && let Ok(naive) =
                chrono::NaiveDateTime::parse_from_str(&text[i..i + 16], "%Y-%m-%d %H:%M")
        {
            let t = naive.and_utc();
            out.push_str(&zone.at(&t).format("%Y-%m-%d %H:%M %:z").to_string());
            i += 20;
            continue;
        }
        // "10:00:00" not followed by more of an address or a number.
        if prefixed
            && (0..8).all(|k| {
                if k == 2 || k == 5 {
                    b.get(i + k) == Some(&b':')
                } else {
                    digit(i + k)
                }
            })
            && !b.get(i + 8).is_some_and(u8::is_ascii_alphanumeric)
            && !(b.get(i + 8) == Some(&b':') && b.get(i + 9).is_some_and(u8::is_ascii_alphanumeric))
            && let Ok(tod) = chrono::NaiveTime::parse_from_str(&text[i..i + 8], "%H:%M:%S")
        {
            // The day nearest the reference instant.
            let day = reference.date_naive();
            let t = [day.pred_opt(), Some(day), day.succ_opt()]
                .into_iter()
                .flatten()
                .map(|d| d.and_time(tod).and_utc())
                .min_by_key(|t| (*t - *reference).num_seconds().abs())
                .unwrap_or(*reference);
            out.push_str(&zone.time(&t));
            i += 8;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
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
    if active.iter().all(|f| f.severity.at_most(Severity::Low)) {
        return None;
    }
    let high = active
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count();
    let trackers = active
        .iter()
        .filter(|f| f.category == Category::Tracker && f.severity.at_least(Severity::Medium))
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
        .filter(|f| f.severity.at_least(Severity::Medium))
        .count()
        .saturating_sub(trackers + stalker);
    if others > 0 {
        parts.push(format!(
            "{} worth checking",
            plural(others, "other thing", "other things")
        ));
    }
    Some(format!(
        "We found {}{}. Read \"Before acting\" before doing anything about it.",
        parts.join(" and "),
        if high > 0 {
            ", which need attention"
        } else {
            ""
        }
    ))
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
    /// The client's answer to the volunteer's question about this finding.
    pub answer: Option<String>,
    /// What the client decided to do about it.
    pub decision: Option<String>,
    /// "Marked as the client's own by VO at 10:04:12 UTC" (who and when).
    pub recognised: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plot {
    /// SVG polyline points in a 300x80 box, and the axis labels.
    pub points: String,
    /// Weakest and strongest signal measured.
    pub min_rssi: i16,
    pub max_rssi: i16,
    /// First and last measurement, local with the UTC offset.
    pub start: String,
    pub end: String,
    /// Normalised (x, y) in 0..1 of the axes for other renderers.
    pub xy: Vec<(f64, f64)>,
    /// The signal axis: at least `PLOT_MIN_SPAN_DB` tall, so noise looks like noise.
    pub axis_min: i16,
    pub axis_max: i16,
    /// Signal-axis ticks (every 10 dB): label and position (0 bottom .. 1 top).
    pub y_ticks: Vec<Tick>,
    /// Time-axis ticks: label ("10:02") and position (0 left .. 1 right).
    pub x_ticks: Vec<Tick>,
    /// Axis titles.
    pub y_label: &'static str,
    /// "Time (UTC+05:30)": the tick labels are local times.
    pub x_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub label: String,
    pub pos: f64,
    /// The same position in the 300x80 SVG box (x for time ticks, y for signal ticks).
    pub svg: f64,
}

/// The signal axis of a plot is never shorter than this (issue #18: a plot autoscaled to
/// -71..-65 dBm made 6 dB of noise look dramatic).
pub const PLOT_MIN_SPAN_DB: i16 = 30;

/// The signal axis for measured values: at least `PLOT_MIN_SPAN_DB`, centred on the data,
/// on multiples of 10 dB, widened to hold every value.
pub fn plot_axis(min: i16, max: i16) -> (i16, i16) {
    let (min, max) = (i32::from(min.min(max)), i32::from(max.max(min)));
    let span = (max - min).max(i32::from(PLOT_MIN_SPAN_DB));
    let mid = (min + max) as f64 / 2.0;
    let mut lo = ((mid - span as f64 / 2.0) / 10.0).round() as i32 * 10;
    let mut hi = lo + ((span + 9) / 10) * 10;
    if hi < max {
        hi = (max + 9).div_euclid(10) * 10;
    }
    if lo > min {
        lo = min.div_euclid(10) * 10;
    }
    let clamp = |v: i32| v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    (clamp(lo), clamp(hi))
}

/// "1 tracker", "2 trackers": counts in plain words, never "tracker(s)".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
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

/// What a finding is about, with the addresses and name a client can recognise it by.
pub fn what(f: &Finding) -> String {
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

fn plot(f: &Finding, zone: Zone) -> (Option<String>, Option<Plot>) {
    if f.signal.len() < 2 {
        return (None, None);
    }
    let min = f.signal.iter().map(|p| p.rssi).min().unwrap_or(-100);
    let max = f.signal.iter().map(|p| p.rssi).max().unwrap_or(-30);
    let (axis_min, axis_max) = plot_axis(min, max);
    let axis_span = f64::from(axis_max) - f64::from(axis_min);
    let t0 = f.signal[0].t;
    let t1 = f.signal[f.signal.len() - 1].t;
    let dt = ((t1 - t0).num_milliseconds().max(1)) as f64;
    let xy: Vec<(f64, f64)> = f
        .signal
        .iter()
        .map(|p| {
            (
                (p.t - t0).num_milliseconds() as f64 / dt,
                (f64::from(p.rssi) - f64::from(axis_min)) / axis_span,
            )
        })
        .collect();
    let y_ticks: Vec<Tick> = (0..)
        .map(|i| i32::from(axis_min) + 10 * i)
        .take_while(|v| *v <= i32::from(axis_max))
        .map(|v| {
            let pos = (f64::from(v) - f64::from(axis_min)) / axis_span;
            Tick {
                label: v.to_string(),
                pos,
                svg: ((80.0 - pos * 80.0) * 10.0).round() / 10.0,
            }
        })
        .collect();
    // Time ticks: start, end and up to 3 round minutes between.
    let clock = |t: &Timestamp, fmt: &str| zone.at(t).format(fmt).to_string();
    let mut x_ticks = vec![Tick {
        label: clock(&t0, "%H:%M:%S"),
        pos: 0.0,
        svg: 0.0,
    }];
    let total_min = (t1 - t0).num_minutes();
    if total_min >= 2 {
        let step = (total_min / 4).max(1);
        let first = t0 + chrono::Duration::seconds(60 - i64::from(chrono::Timelike::second(&t0)));
        let mut t = first;
        while t < t1 && x_ticks.len() < 5 {
            let pos = (t - t0).num_milliseconds() as f64 / dt;
            if pos > 0.15 && pos < 0.85 {
                x_ticks.push(Tick {
                    label: clock(&t, "%H:%M"),
                    pos,
                    svg: (pos * 3000.0).round() / 10.0,
                });
            }
            t += chrono::Duration::minutes(step);
        }
    }
    x_ticks.push(Tick {
        label: clock(&t1, "%H:%M:%S"),
        pos: 1.0,
        svg: 300.0,
    });
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
            BARS[(((f64::from(p.rssi) - f64::from(axis_min)) / axis_span) * 7.0)
                .round()
                .clamp(0.0, 7.0) as usize]
        })
        .collect();
    (
        Some(format!(
            "{spark}  ({min} to {max} dBm, {} to {})",
            zone.time(&t0),
            zone.time(&t1)
        )),
        Some(Plot {
            points,
            min_rssi: min,
            max_rssi: max,
            start: zone.time(&t0),
            end: zone.time(&t1),
            xy,
            axis_min,
            axis_max,
            y_ticks,
            x_ticks,
            y_label: "Signal (dBm)",
            x_label: format!("Time (UTC{})", zone.at(&t0).format("%:z")),
        }),
    )
}

fn recorded(by: &Option<String>, at: &Option<Timestamp>, zone: Zone) -> String {
    let by = by
        .as_deref()
        .map(|b| format!(" by {}", sanitize::clean(b, 16)))
        .unwrap_or_default();
    let at = at
        .as_ref()
        .map(|t| format!(" at {}", zone.time(t)))
        .unwrap_or_default();
    format!("(recorded{by}{at})")
}

fn finding_view(i: usize, f: &Finding, r: &Report, zone: Zone) -> FindingView {
    let response = r.consultation.responses.get(&f.id);
    let (sparkline, plot) = plot(f, zone);
    let mut evidence: Vec<String> = f
        .evidence
        .iter()
        .map(|e| localise(&clean(&e.text), &e.t.unwrap_or(f.first_seen), zone))
        .collect();
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
        meaning: localise(&clean(&f.meaning), &f.first_seen, zone),
        confidence: clean(&f.confidence.text),
        evidence,
        next_steps: f.next_steps.iter().map(|s| clean(s)).collect(),
        sparkline,
        plot,
        times: format!(
            "First seen {}, last seen {}.",
            zone.datetime(&f.first_seen),
            zone.datetime(&f.last_seen)
        ),
        signature: f.signature.clone(),
        questions: questions(f),
        answer: response.and_then(|x| {
            x.answer.map(|a| {
                format!(
                    "{} {}",
                    a.words(),
                    recorded(&x.answered_by, &x.answered_at, zone)
                )
            })
        }),
        decision: response.and_then(|x| {
            x.decision.map(|d| {
                format!(
                    "{} {}",
                    d.words(),
                    recorded(&x.decided_by, &x.decided_at, zone)
                )
            })
        }),
        recognised: f.recognised.as_ref().map(|_| recognise_words_in(f, zone)),
    }
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

/// Whether the Apple Account checklist belongs in the report: an iPhone was checked or
/// asked for, or an item was answered.
fn shows_account_checklist(r: &Report) -> bool {
    use crate::engine::coverage::Check;
    !r.consultation.account_checks.is_empty()
        || r.scan.coverage.iter().any(|c| c.check == Check::Iphone)
        || r.scan
            .examined
            .iter()
            .any(|e| e.kind == crate::report::ExaminedKind::Iphone)
}

fn account_checklist(r: &Report, zone: Zone) -> Option<AccountChecklistView> {
    use crate::observation::{AccountAnswer, AccountItem};
    if !shows_account_checklist(r) {
        return None;
    }
    let mut looked = 0;
    let mut unexpected = Vec::new();
    let mut not_looked = Vec::new();
    let items: Vec<AccountItemView> = AccountItem::ALL
        .iter()
        .map(|item| {
            let short = item.title();
            let guidance = crate::engine::iphone::account_guidance(*item);
            // "Safety Check (iOS 16 and later): Settings, ..." → the title with its
            // qualifier, then what to look at.
            let (title, guidance) = match guidance.split_once(": ") {
                Some((head, rest)) if head.starts_with(short) => (head, rest),
                _ => (short, guidance),
            };
            let rec = r.consultation.account_checks.get(item);
            let (answer, status) = match rec {
                Some(a) => {
                    let words = a.answer.words();
                    let mut cap = words.chars();
                    let words = cap
                        .next()
                        .map(|c| c.to_uppercase().collect::<String>() + cap.as_str())
                        .unwrap_or_default();
                    (
                        format!("{words} {}.", recorded(&a.by, &Some(a.at), zone)),
                        match a.answer {
                            AccountAnswer::NothingUnexpected => "nothing-unexpected",
                            AccountAnswer::SomethingUnexpected => "something-unexpected",
                            AccountAnswer::NotChecked => "not-checked",
                        },
                    )
                }
                None => (
                    "Not recorded. Whether it was looked at is not known.".to_string(),
                    "not-recorded",
                ),
            };
            match rec.map(|a| a.answer) {
                Some(AccountAnswer::NothingUnexpected) => looked += 1,
                Some(AccountAnswer::SomethingUnexpected) => {
                    looked += 1;
                    unexpected.push(short);
                }
                _ => not_looked.push(short),
            }
            AccountItemView {
                title,
                guidance,
                answer,
                status,
            }
        })
        .collect();
    let mut summary = format!(
        "{looked} of {} items looked at with the client",
        items.len()
    );
    if !unexpected.is_empty() {
        summary.push_str(&format!(
            "; something the client does not recognise: {}",
            unexpected.join(", ")
        ));
    }
    if !not_looked.is_empty() {
        summary.push_str(&format!(
            "; not looked at or not recorded: {}",
            not_looked.join(", ")
        ));
    }
    summary.push('.');
    Some(AccountChecklistView {
        intro: crate::engine::iphone::ACCOUNT_CHECKLIST_INTRO,
        summary,
        items,
    })
}

/// The client's devices and belongings examined, in words, from `scan.examined`.
fn devices_examined(r: &Report, zone: Zone) -> Vec<String> {
    use crate::report::ExaminedKind;
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    r.scan
        .examined
        .iter()
        .map(|e| match e.kind {
            ExaminedKind::AndroidPhone => {
                let model = [opt(&e.manufacturer), opt(&e.model)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut s = "Android phone".to_string();
                if !model.is_empty() {
                    s.push_str(&format!(" {model}"));
                }
                if let Some(x) = &e.serial {
                    s.push_str(&format!(", serial {x}"));
                }
                if let Some(v) = &e.android_version {
                    s.push_str(&format!(", Android {v}"));
                }
                s.push_str(&format!(
                    ": apps and settings checked ({})",
                    plural(e.apps.unwrap_or(0) as usize, "app", "apps")
                ));
                s
            }
            ExaminedKind::Iphone => {
                let mut s = match &e.model {
                    Some(m) if m.starts_with("iPhone") => m.clone(),
                    Some(m) => format!("iPhone {m}"),
                    None => "iPhone".into(),
                };
                if let Some(x) = &e.udid {
                    s.push_str(&format!(", UDID {x}"));
                }
                if let Some(v) = &e.ios_version {
                    s.push_str(&format!(", iOS {v}"));
                }
                match (e.via.as_deref(), &e.backup_date) {
                    (Some("backup") | None, Some(d)) => {
                        s.push_str(&format!(", from a backup made {}", zone.datetime(d)))
                    }
                    (Some("backup"), None) => s.push_str(", from a backup"),
                    (Some("usb"), _) => s.push_str(", read over USB"),
                    _ => {}
                }
                s.push_str(&format!(
                    ": apps and profiles checked ({}, {})",
                    plural(e.apps.unwrap_or(0) as usize, "app", "apps"),
                    plural(e.profiles.unwrap_or(0) as usize, "profile", "profiles")
                ));
                s
            }
            ExaminedKind::PhoneTraffic => {
                let mut who: Vec<String> = e.mac.iter().map(|m| m.to_string()).collect();
                who.extend(e.ips.iter().map(|i| i.to_string()));
                if let Some(n) = &e.name {
                    who.push(format!("named \"{}\"", sanitize::clean(n, 40)));
                }
                format!(
                    "The traffic of the phone or device {}, {}",
                    who.join(", "),
                    if e.hotspot == Some(true) {
                        "on the laptop's hotspot"
                    } else {
                        "from a saved capture"
                    }
                )
            }
            ExaminedKind::Bluetooth => format!(
                "The client's belongings and the room, by a Bluetooth sweep{} ({} in range)",
                match (&e.first, &e.last) {
                    (Some(a), Some(b)) => format!(" from {} to {}", zone.time(a), zone.time(b)),
                    _ => String::new(),
                },
                plural(e.seen.unwrap_or(0) as usize, "device", "devices")
            ),
            ExaminedKind::Network => format!(
                "The network the laptop was on{} ({} seen)",
                if e.networks.is_empty() {
                    String::new()
                } else {
                    format!(", {}", e.networks.join(", "))
                },
                plural(e.seen.unwrap_or(0) as usize, "host", "hosts")
            ),
        })
        .collect()
}

/// What was checked and what was not: each check asked for, from `scan.coverage`, then
/// what no check of this session looks at.
/// When a check saw something, from what it examined: "First and last observation:
/// 10:00:00 +01:00 and 10:05:59 +01:00."
fn coverage_when(r: &Report, check: crate::engine::coverage::Check, zone: Zone) -> String {
    use crate::engine::coverage::Check;
    use crate::report::ExaminedKind;
    let kind = match check {
        Check::Bluetooth => ExaminedKind::Bluetooth,
        Check::Network => ExaminedKind::Network,
        Check::PhoneTraffic => ExaminedKind::PhoneTraffic,
        Check::PhoneApps => ExaminedKind::AndroidPhone,
        Check::Iphone => ExaminedKind::Iphone,
    };
    let of_kind = || r.scan.examined.iter().filter(|e| e.kind == kind);
    let first = of_kind().filter_map(|e| e.first).min();
    let last = of_kind().filter_map(|e| e.last.or(e.first)).max();
    match (first, last) {
        (Some(a), Some(b)) if b > a => {
            format!(
                " First and last observation: {} and {}.",
                zone.time(&a),
                zone.time(&b)
            )
        }
        (Some(a), _) => format!(" Observed at {}.", zone.time(&a)),
        _ => String::new(),
    }
}

fn coverage(r: &Report, zone: Zone) -> Vec<CoverageView> {
    use crate::engine::coverage::{Check, CoverageStatus};
    let mut out: Vec<CoverageView> = r
        .scan
        .coverage
        .iter()
        .map(|c| CoverageView {
            check: c.check.plain_name().to_string(),
            status: match c.status {
                CoverageStatus::Complete => "Checked",
                CoverageStatus::StoppedEarly => "Stopped early",
                CoverageStatus::SawNothing => "Saw nothing it could judge",
                CoverageStatus::NotRun => "Not checked",
            }
            .into(),
            when: if c.status == CoverageStatus::NotRun {
                String::new()
            } else {
                coverage_when(r, c.check, zone)
            },
            detail: format!(
                "{}{}",
                clean(&c.summary),
                c.fix
                    .as_deref()
                    .filter(|_| c.status != CoverageStatus::Complete)
                    .map(|f| format!(" What to do: {}", clean(f)))
                    .unwrap_or_default()
            ),
        })
        .collect();
    if !r
        .scan
        .coverage
        .iter()
        .any(|c| matches!(c.check, Check::PhoneApps | Check::Iphone))
    {
        out.push(CoverageView {
            check: "Apps installed on the phone".into(),
            status: "Not checked".into(),
            detail: "not asked for in this session.".into(),
            when: String::new(),
        });
    }
    let checklist = account_checklist(r, zone);
    if let Some(a) = &checklist {
        let all = a
            .items
            .iter()
            .all(|i| matches!(i.status, "nothing-unexpected" | "something-unexpected"));
        let some = a
            .items
            .iter()
            .any(|i| matches!(i.status, "nothing-unexpected" | "something-unexpected"));
        out.push(CoverageView {
            check: "The client's Apple Account (with the client)".into(),
            status: if all {
                "Checked"
            } else if some {
                "Partly checked"
            } else {
                "Not checked"
            }
            .into(),
            detail: format!("{} See \"The client's Apple Account\".", a.summary),
            when: String::new(),
        });
    }
    out.push(CoverageView {
        check: if checklist.is_some() {
            "Other shared accounts, passwords"
        } else {
            "Shared accounts, passwords"
        }
        .into(),
        status: "Not checked".into(),
        detail: "not something this tool can check: review them with the client.".into(),
        when: String::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&chrono::Utc)
    }

    fn kolkata() -> Zone {
        Zone::Fixed(chrono::FixedOffset::east_opt(5 * 3600 + 1800).expect("offset"))
    }

    #[test]
    fn engine_times_are_said_in_the_zone_and_names_that_look_like_times_are_kept() {
        let r = t("2026-07-15T09:00:00Z");
        let z = kolkata();
        assert_eq!(
            localise("Seen 3 times (first 09:00:00, last 09:05:58).", &r, z),
            "Seen 3 times (first 14:30:00 +05:30, last 14:35:58 +05:30)."
        );
        assert_eq!(
            localise("7 contacts between 09:01:35 and 09:03:35: 1.2.3.4", &r, z),
            "7 contacts between 14:31:35 +05:30 and 14:33:35 +05:30: 1.2.3.4"
        );
        assert_eq!(
            localise(
                "Profile \"X\", installed 2026-07-01 08:00 UTC, read from f",
                &r,
                z
            ),
            "Profile \"X\", installed 2026-07-01 13:30 +05:30, read from f"
        );
        // Not after the engine's words, part of an address, or a name: unchanged.
        for keep in [
            "Names: clock 09:00:00.local.",
            "Bluetooth address at 12:34:56:78:9A:BC",
            "seen at 09:00:001",
            "Alarm 23:59:59",
        ] {
            assert_eq!(localise(keep, &r, z), keep);
        }
    }

    #[test]
    fn a_bare_time_of_day_takes_the_date_nearest_the_reference() {
        // 23:50 UTC the evening before a reference just after midnight UTC.
        let r = t("2026-07-15T00:05:00Z");
        assert_eq!(
            localise("first 23:50:00", &r, kolkata()),
            "first 05:20:00 +05:30"
        );
        let london_summer = Zone::Fixed(chrono::FixedOffset::east_opt(3600).expect("offset"));
        assert_eq!(
            london_summer.datetime(&t("2026-07-15T09:00:00Z")),
            "2026-07-15 10:00:00 +01:00"
        );
    }
}
