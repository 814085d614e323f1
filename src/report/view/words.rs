//! The report's words: the headline, what a finding is about, what to ask the client, and
//! the fixed texts (the demonstration banner, "Before acting").

use super::*;

/// Whose it is, in words: "Marked as the client's own by VO at 10:42." or nothing.
pub fn recognise_words(f: &Finding) -> String {
    recognise_words_in(f, Zone::System)
}

pub(super) fn recognise_words_in(f: &Finding, zone: Zone) -> String {
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

/// "1 tracker", "2 trackers": counts in plain words, never "tracker(s)".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub const BEFORE_YOU_ACT: &[&str] = &[
    "Document first: keep this report, and take photos or screenshots with a different device, noting the date and time.",
    "Removing an app, resetting a phone, changing passwords or switching off a tracker can alert the person who placed it, and can make things more dangerous.",
    "Decide what to do together with the client's advocate, as part of a safety plan. The client decides.",
    "Keep this report where the other person cannot see it: not on a shared phone, computer, email or cloud account.",
    "If the client is in immediate danger, call the emergency services.",
];

pub(super) fn severity_words(s: Severity) -> &'static str {
    match s {
        Severity::High => "Important",
        Severity::Medium => "Worth checking",
        Severity::Low => "For information, low concern",
        Severity::Info => "For information",
    }
}

/// Untrusted text for any report: control characters and escapes removed, length capped.
pub(super) fn clean(s: &str) -> String {
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
