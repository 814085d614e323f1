//! What each check actually did: when its sources ran, how they ended, and how much they
//! saw. The engine keeps this log from the records themselves (source state changes and
//! observations), so a replayed journal gives the same account as the live check did.
//! Judging it against what was asked (`coverage_of`) is pure too: time comes in.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::observation::Check;
use crate::observation::{Observation, SourceKind, SourceState, Timestamp};

impl Check {
    pub const ALL: [Check; 5] = [
        Check::Bluetooth,
        Check::Network,
        Check::PhoneTraffic,
        Check::PhoneApps,
        Check::Iphone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Bluetooth => "bluetooth",
            Check::Network => "network",
            Check::PhoneTraffic => "phone-traffic",
            Check::PhoneApps => "phone-apps",
            Check::Iphone => "iphone",
        }
    }

    /// Plain name for screens and reports.
    pub fn plain_name(self) -> &'static str {
        match self {
            Check::Bluetooth => "Bluetooth trackers",
            Check::Network => "Devices on this network",
            Check::PhoneTraffic => "Phone traffic",
            Check::PhoneApps => "Phone apps (Android, USB)",
            Check::Iphone => "iPhone",
        }
    }

    /// What is lost when this check does not run.
    pub fn not_run_means(self) -> &'static str {
        match self {
            Check::Bluetooth => "Bluetooth was not checked: trackers could not be looked for.",
            Check::Network => {
                "The network was not checked: devices on it (cameras, controllable devices) could not be looked for."
            }
            Check::PhoneTraffic => {
                "Phone traffic was not checked: the phone's connections could not be compared with stalkerware servers."
            }
            Check::PhoneApps => {
                "The phone's apps were not checked: stalkerware apps and apps with dangerous powers could not be looked for."
            }
            Check::Iphone => {
                "The iPhone was not checked: profiles, apps and jailbreak signs could not be looked for."
            }
        }
    }

    /// The check a source serves (`None` for a recording, which carries its own sources).
    pub fn of_source(k: SourceKind) -> Option<Check> {
        match k {
            SourceKind::Ble => Some(Check::Bluetooth),
            SourceKind::Lan | SourceKind::Mdns => Some(Check::Network),
            SourceKind::Traffic | SourceKind::Capture => Some(Check::PhoneTraffic),
            SourceKind::Android => Some(Check::PhoneApps),
            SourceKind::Replay => None,
            SourceKind::Ios => Some(Check::Iphone),
        }
    }

    /// The check an observation belongs to.
    pub fn of_observation(o: &Observation) -> Option<Check> {
        match o {
            Observation::Ble(_) => Some(Check::Bluetooth),
            Observation::Arp(_)
            | Observation::Mdns(_)
            | Observation::Probe(_)
            | Observation::Ssdp(_) => Some(Check::Network),
            Observation::AndroidDevice(_)
            | Observation::AndroidApp(_)
            | Observation::AndroidSettings(_)
            | Observation::AndroidOwner(_)
            | Observation::AndroidPart(_) => Some(Check::PhoneApps),
            Observation::Dns(_)
            | Observation::Tls(_)
            | Observation::Quic(_)
            | Observation::Http(_)
            | Observation::Flow(_) => Some(Check::PhoneTraffic),
            Observation::IosDevice(_)
            | Observation::IosApp(_)
            | Observation::IosProfile(_)
            | Observation::IosPart(_) => Some(Check::Iphone),
            Observation::Place(_)
            | Observation::Mine(_)
            | Observation::Source(_)
            | Observation::Session(_)
            | Observation::Concerns(_)
            | Observation::Answer(_)
            | Observation::Note(_)
            | Observation::AccountCheck(_) => None,
        }
    }
}

/// One source's life as the records tell it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceLog {
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    pub state: Option<SourceState>,
    pub reason: Option<String>,
    pub fix: Option<String>,
}

/// What one check's observations were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservationLog {
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub count: u64,
}

/// The engine's log of sources and observations per check.
#[derive(Debug, Clone, Default)]
pub struct CoverageLog {
    pub sources: BTreeMap<SourceKind, SourceLog>,
    pub observations: BTreeMap<Check, ObservationLog>,
    /// The last observation of any check (a recording that ends without its sources'
    /// end: they ran until then).
    pub last: Option<Timestamp>,
}

impl CoverageLog {
    pub fn ingest(&mut self, t: Timestamp, obs: &Observation) {
        if let Observation::Source(ev) = obs {
            let s = self.sources.entry(ev.source).or_default();
            match ev.state {
                SourceState::Running => {
                    s.started.get_or_insert(t);
                }
                SourceState::Finished | SourceState::Failed | SourceState::Unavailable => {
                    s.ended.get_or_insert(t);
                }
            }
            // A failure is never overwritten by a later "finished".
            let keep_failure = matches!(
                s.state,
                Some(SourceState::Failed | SourceState::Unavailable)
            ) && ev.state == SourceState::Finished;
            if !keep_failure {
                s.state = Some(ev.state);
                // What a running source says it is doing ("making a backup") is not why it
                // failed: only an ending's reason is kept.
                if ev.reason.is_some() && ev.state != SourceState::Running {
                    s.reason.clone_from(&ev.reason);
                    s.fix.clone_from(&ev.fix);
                }
            }
            return;
        }
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        if let Some(c) = Check::of_observation(obs) {
            let o = self.observations.entry(c).or_default();
            o.first = Some(o.first.map_or(t, |f| f.min(t)));
            o.last = Some(o.last.map_or(t, |l| l.max(t)));
            o.count += 1;
        }
    }

    /// Checks that the records show were run (sources that reported, or observations).
    pub fn checks_seen(&self) -> Vec<Check> {
        let mut v: Vec<Check> = self
            .sources
            .keys()
            .filter_map(|k| Check::of_source(*k))
            .chain(self.observations.keys().copied())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// How a check went, judged against what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// Ran as asked and saw what it needs to judge.
    Complete,
    /// Ran, but stopped early (failed, or ran shorter than asked).
    StoppedEarly,
    /// Ran, but saw nothing it could judge (no device heard, no phone's traffic).
    SawNothing,
    /// Did not run at all.
    NotRun,
}

impl CoverageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Complete => "complete",
            CoverageStatus::StoppedEarly => "stopped-early",
            CoverageStatus::SawNothing => "saw-nothing",
            CoverageStatus::NotRun => "not-run",
        }
    }
}

/// One check's account in the findings (`scan.coverage[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub check: Check,
    pub status: CoverageStatus,
    /// How long the volunteer asked it to run (live checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_seconds: Option<u64>,
    /// How long it ran (for files: the time the observations span).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran_seconds: Option<u64>,
    /// What it saw: counts by what matters for this check ("devices", "adverts", "hosts",
    /// "phones", "records", "apps").
    pub saw: BTreeMap<String, u64>,
    /// Why it did not run or stopped, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the volunteer can do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// One plain sentence for screens and reports.
    pub summary: String,
}

/// A check that was asked for, and for how long (live checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub check: Check,
    pub duration: Option<Duration>,
}

/// Ran shorter than this share of what was asked counts as stopped early.
const SHORT_SHARE: f64 = 0.9;

/// Plain duration: "45 seconds", "3 minutes", "1 minute 30 seconds".
pub fn plain_duration(secs: u64) -> String {
    let unit = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match (secs / 60, secs % 60) {
        (0, s) => unit(s, "second", "seconds"),
        (m, 0) => unit(m, "minute", "minutes"),
        (m, s) => format!(
            "{} {}",
            unit(m, "minute", "minutes"),
            unit(s, "second", "seconds")
        ),
    }
}

/// Judge each asked check from the log and the counts of what it saw. `now` is the end of
/// a check still running (the screens), `None` for a finished one.
pub fn coverage_of(
    log: &CoverageLog,
    asked: &[Asked],
    saw: &dyn Fn(Check) -> BTreeMap<String, u64>,
    now: Option<Timestamp>,
) -> Vec<Coverage> {
    asked
        .iter()
        .map(|a| judge(log, *a, saw(a.check), now))
        .collect()
}

/// The counts that say a check saw what it needs: Bluetooth heard a device, the network
/// check saw a host, the traffic check saw a phone, the app checks read apps.
fn needed(check: Check) -> &'static str {
    match check {
        Check::Bluetooth => "devices",
        Check::Network => "hosts",
        Check::PhoneTraffic => "phones",
        Check::PhoneApps | Check::Iphone => "apps",
    }
}

fn judge(
    log: &CoverageLog,
    a: Asked,
    saw: BTreeMap<String, u64>,
    now: Option<Timestamp>,
) -> Coverage {
    let check = a.check;
    let kinds: Vec<(&SourceKind, &SourceLog)> = log
        .sources
        .iter()
        .filter(|(k, _)| Check::of_source(**k) == Some(check))
        .collect();
    let obs = log.observations.get(&check);
    // The main source speaks for the check: the first that started, else the first listed.
    let main = kinds
        .iter()
        .find(|(_, s)| s.started.is_some())
        .or(kinds.first())
        .map(|(k, s)| (**k, *s));
    let started = main.and_then(|(_, s)| s.started);
    // A source that reported itself unavailable did not run, even if it said "running" first.
    let unavailable = main.is_some_and(|(_, s)| s.state == Some(SourceState::Unavailable));
    let ran = (started.is_some() && !unavailable) || obs.is_some_and(|o| o.count > 0);
    let failure = kinds.iter().map(|(_, s)| *s).find(|s| {
        matches!(
            s.state,
            Some(SourceState::Failed | SourceState::Unavailable)
        )
    });
    let reason = failure.and_then(|s| s.reason.clone());
    let fix = failure.and_then(|s| s.fix.clone());
    let asked_seconds = a.duration.map(|d| d.as_secs());
    let name = check.plain_name();
    if !ran {
        let why = match &reason {
            Some(r) => format!(" {}", r.trim()),
            None if kinds.is_empty() => " It did not start.".to_string(),
            None => String::new(),
        };
        return Coverage {
            check,
            status: CoverageStatus::NotRun,
            asked_seconds,
            ran_seconds: None,
            saw,
            summary: format!("{}{why}", check.not_run_means()),
            reason,
            fix,
        };
    }
    // Files (a capture) are judged by the time their observations span; live sources by
    // how long they ran.
    let from_file = main.is_some_and(|(k, _)| k == SourceKind::Capture) || main.is_none();
    let ran_seconds = if from_file {
        obs.and_then(|o| Some((o.last? - o.first?).num_seconds().max(0) as u64))
    } else {
        let end = main.and_then(|(_, s)| s.ended).or(now).or(log.last);
        match (started, end) {
            (Some(s), Some(e)) => Some((e - s).num_seconds().max(0) as u64),
            _ => None,
        }
    };
    let failed = main.is_some_and(|(_, s)| s.state == Some(SourceState::Failed))
        || main.is_some_and(|(_, s)| s.state == Some(SourceState::Unavailable));
    let short = match (asked_seconds, ran_seconds) {
        (Some(want), Some(got)) if now.is_none() => (got as f64) < want as f64 * SHORT_SHARE,
        _ => false,
    };
    let ran_words = ran_seconds.map(plain_duration);
    let need = needed(check);
    let seen = saw.get(need).copied().unwrap_or(0);
    let (status, summary) = if failed || short {
        let how_long = match (&ran_words, asked_seconds) {
            (Some(r), Some(w)) => format!("it ran for {r} of the {} asked", plain_duration(w)),
            (Some(r), None) => format!("it ran for {r}"),
            _ => "it stopped early".to_string(),
        };
        let why = reason
            .as_deref()
            .map(|r| format!(" ({})", r.trim().trim_end_matches('.')))
            .unwrap_or_default();
        (
            CoverageStatus::StoppedEarly,
            format!(
                "{name} stopped early: {how_long}{why}. Anything that showed up only after it stopped was missed."
            ),
        )
    } else if seen == 0 {
        let r = ran_words.unwrap_or_else(|| "a while".into());
        let s = match check {
            Check::Bluetooth => format!(
                "Bluetooth ran for {r} but heard no device at all. With phones in the room that usually means the Bluetooth adapter did not work: trackers could not be looked for."
            ),
            Check::Network => format!(
                "The network check ran for {r} but saw no other device: the laptop was probably not on the client's network, so its devices were not checked."
            ),
            Check::PhoneTraffic => format!(
                "The traffic check ran for {r} but saw no traffic from any phone: the phone was probably not on the hotspot, so its traffic was not checked."
            ),
            Check::PhoneApps | Check::Iphone => format!(
                "{name}: no app could be read from the phone, so its apps were not checked."
            ),
        };
        (CoverageStatus::SawNothing, s)
    } else {
        // What it needed first, then the rest.
        let mut keys: Vec<&String> = saw.keys().collect();
        keys.sort_by_key(|k| k.as_str() != need);
        let counts = keys
            .into_iter()
            .filter_map(|k| saw.get(k).filter(|n| **n > 0).map(|n| (k, *n)))
            .map(|(k, n)| format!("{n} {}", plural_label(k, n)))
            .collect::<Vec<_>>()
            .join(", ");
        let r = ran_words
            .map(|r| format!("Ran for {r}"))
            .unwrap_or_else(|| "Ran".into());
        (CoverageStatus::Complete, format!("{r}; saw {counts}."))
    };
    Coverage {
        check,
        status,
        asked_seconds,
        ran_seconds,
        saw,
        reason,
        fix,
        summary,
    }
}

/// "1 device", "3 devices" for the count keys.
fn plural_label(key: &str, n: u64) -> String {
    if n == 1 {
        key.strip_suffix("es")
            .filter(|_| key == "addresses")
            .or_else(|| key.strip_suffix('s'))
            .unwrap_or(key)
            .to_string()
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::SourceEvent;

    fn t(s: u32) -> Timestamp {
        chrono::DateTime::from_timestamp(1_764_000_000 + i64::from(s), 0).unwrap_or_default()
    }

    fn ev(source: SourceKind, state: SourceState, reason: Option<&str>) -> Observation {
        Observation::Source(SourceEvent {
            source,
            state,
            reason: reason.map(Into::into),
            fix: None,
        })
    }

    fn saw(devices: u64) -> impl Fn(Check) -> BTreeMap<String, u64> {
        move |c| BTreeMap::from([(needed(c).to_string(), devices)])
    }

    #[test]
    fn unavailable_bluetooth_is_not_run() {
        let mut log = CoverageLog::default();
        log.ingest(
            t(0),
            &ev(
                SourceKind::Ble,
                SourceState::Unavailable,
                Some("No Bluetooth adapter was found."),
            ),
        );
        let c = coverage_of(
            &log,
            &[Asked {
                check: Check::Bluetooth,
                duration: Some(Duration::from_secs(3)),
            }],
            &saw(0),
            None,
        );
        assert_eq!(c[0].status, CoverageStatus::NotRun);
        assert!(c[0].summary.starts_with("Bluetooth was not checked"));
        assert!(c[0].summary.contains("No Bluetooth adapter"));
    }

    #[test]
    fn what_a_running_source_was_doing_is_not_why_it_failed() {
        let mut log = CoverageLog::default();
        log.ingest(
            t(0),
            &ev(
                SourceKind::Ios,
                SourceState::Running,
                Some("making a backup"),
            ),
        );
        log.ingest(t(9), &ev(SourceKind::Ios, SourceState::Failed, None));
        let s = &log.sources[&SourceKind::Ios];
        assert_eq!(s.state, Some(SourceState::Failed));
        assert_eq!(s.reason, None);
    }

    #[test]
    fn failed_after_seconds_is_stopped_early_and_names_the_time() {
        let mut log = CoverageLog::default();
        log.ingest(t(0), &ev(SourceKind::Traffic, SourceState::Running, None));
        log.ingest(
            t(4),
            &ev(
                SourceKind::Traffic,
                SourceState::Failed,
                Some("capture stopped"),
            ),
        );
        log.ingest(t(5), &ev(SourceKind::Traffic, SourceState::Finished, None));
        let c = coverage_of(
            &log,
            &[Asked {
                check: Check::PhoneTraffic,
                duration: Some(Duration::from_secs(300)),
            }],
            &saw(1),
            None,
        );
        assert_eq!(c[0].status, CoverageStatus::StoppedEarly);
        assert_eq!(c[0].ran_seconds, Some(4));
        assert!(
            c[0].summary
                .contains("ran for 4 seconds of the 5 minutes asked"),
            "{}",
            c[0].summary
        );
    }

    /// Bluetooth asked for and run for a minute, having heard `devices` devices.
    fn a_minute_of_bluetooth(devices: u64) -> Coverage {
        let mut log = CoverageLog::default();
        log.ingest(t(0), &ev(SourceKind::Ble, SourceState::Running, None));
        log.ingest(t(60), &ev(SourceKind::Ble, SourceState::Finished, None));
        let asked = [Asked {
            check: Check::Bluetooth,
            duration: Some(Duration::from_secs(60)),
        }];
        coverage_of(&log, &asked, &saw(devices), None).remove(0)
    }

    #[test]
    fn ran_but_heard_nothing_says_so() {
        let c = a_minute_of_bluetooth(0);
        assert_eq!(c.status, CoverageStatus::SawNothing);
        assert!(c.summary.contains("heard no device at all"));
    }

    #[test]
    fn full_run_that_saw_devices_is_complete() {
        let c = a_minute_of_bluetooth(1);
        assert_eq!(c.status, CoverageStatus::Complete);
        assert_eq!(c.summary, "Ran for 1 minute; saw 1 device.");
    }

    #[test]
    fn durations_read_plainly() {
        assert_eq!(plain_duration(1), "1 second");
        assert_eq!(plain_duration(90), "1 minute 30 seconds");
        assert_eq!(plain_duration(900), "15 minutes");
    }
}
