//! The engine: a pure, synchronous state machine. It takes each observation
//! with its timestamp and keeps devices and findings. It never reads the clock,
//! touches the network or the terminal; the UI and the report writers only read it.

pub mod capped;
pub mod consultation;
pub mod coverage;
pub mod finding;
pub mod iphone;
pub mod lan;
pub mod locate;
pub mod phone;
pub mod phone_texts;
pub mod trackers;
pub mod traffic;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::observation::{Observation, Record, SessionInfo, SourceEvent, SourceKind, Timestamp};
use crate::signatures::SignatureSet;
pub use finding::{Category, Device, Finding, Severity};

/// A place mark: from this time on, the client is somewhere else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub t: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Counters of what the engine saw and what its caps dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counters {
    pub observations: u64,
    /// Per kind of observation.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Devices forgotten because the device cap was reached (oldest, least useful first).
    pub devices_dropped: u64,
    /// Records kept whose time cannot be right (before 2000, or more than a day after the
    /// check started): they never stretch the scan's window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub implausible_times: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Before this, an observation's time is a wrong clock (a capture from a device whose clock
/// was never set starts in 1970).
pub const EARLIEST_PLAUSIBLE: &str = "2000-01-01T00:00:00Z";

/// Shared, read-only context the parts of the engine may consult.
pub struct Context<'a> {
    pub signatures: &'a SignatureSet,
    pub places: &'a [Place],
}

pub struct Engine {
    signatures: Arc<SignatureSet>,
    pub trackers: trackers::TrackerState,
    pub lan: lan::LanState,
    pub traffic: traffic::TrafficState,
    pub phone: phone::PhoneState,
    pub iphone: iphone::IphoneState,
    sources: BTreeMap<SourceKind, SourceEvent>,
    coverage: coverage::CoverageLog,
    session: Option<SessionInfo>,
    consultation: consultation::Consultation,
    places: Vec<Place>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    /// Records after this have an implausible time (set from the session's start).
    latest_plausible: Option<Timestamp>,
    counters: Counters,
}

impl Engine {
    /// Times later than `t` are implausible (the session layer sets its start plus a day;
    /// the engine itself never reads the clock).
    pub fn set_latest_plausible(&mut self, t: Timestamp) {
        self.latest_plausible = Some(t);
    }

    fn plausible(&self, t: Timestamp) -> bool {
        let earliest = chrono::DateTime::parse_from_rfc3339(EARLIEST_PLAUSIBLE)
            .map(|d| d.to_utc())
            .unwrap_or_default();
        t >= earliest && self.latest_plausible.is_none_or(|l| t <= l)
    }

    pub fn new(signatures: Arc<SignatureSet>) -> Self {
        let trackers = trackers::TrackerState::new(&signatures);
        let lan = lan::LanState::new(&signatures);
        let traffic = traffic::TrafficState::new(&signatures);
        let phone = phone::PhoneState::new(&signatures);
        let iphone = iphone::IphoneState::new(&signatures);
        Self {
            signatures,
            trackers,
            lan,
            traffic,
            phone,
            iphone,
            sources: BTreeMap::new(),
            coverage: coverage::CoverageLog::default(),
            session: None,
            consultation: consultation::Consultation::default(),
            places: Vec::new(),
            first: None,
            last: None,
            latest_plausible: None,
            counters: Counters::default(),
        }
    }

    /// Take one observation. Time is the record's own `t`.
    pub fn ingest(&mut self, rec: &Record) {
        let t = rec.t;
        // Source status changes carry the wall clock; the window is the observations'.
        if !matches!(
            rec.obs,
            Observation::Source(_)
                | Observation::Session(_)
                | Observation::Concerns(_)
                | Observation::Answer(_)
                | Observation::Note(_)
                | Observation::AccountCheck(_)
        ) {
            if self.plausible(t) {
                self.first = Some(self.first.map_or(t, |f| f.min(t)));
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
            } else {
                self.counters.implausible_times += 1;
            }
        }
        self.counters.observations += 1;
        *self.counters.by_kind.entry(rec.obs.kind()).or_default() += 1;
        self.coverage.ingest(t, &rec.obs);
        match &rec.obs {
            Observation::Source(ev) => {
                self.sources.insert(ev.source, ev.clone());
                return;
            }
            Observation::Session(info) => {
                self.session = Some(info.clone());
                return;
            }
            Observation::Concerns(_)
            | Observation::Answer(_)
            | Observation::Note(_)
            | Observation::AccountCheck(_) => {
                self.consultation.ingest(t, &rec.obs);
                return;
            }
            Observation::Place(p) => {
                self.places.push(Place {
                    t,
                    label: p.label.clone(),
                });
            }
            _ => {}
        }
        let ctx = Context {
            signatures: &self.signatures,
            places: &self.places,
        };
        match &rec.obs {
            Observation::Ble(_) | Observation::Place(_) => self.trackers.ingest(t, &rec.obs, &ctx),
            Observation::Mine(_) => {
                self.trackers.ingest(t, &rec.obs, &ctx);
                self.lan.ingest(t, &rec.obs, &ctx);
            }
            Observation::Arp(_)
            | Observation::Mdns(_)
            | Observation::Probe(_)
            | Observation::Ssdp(_) => self.lan.ingest(t, &rec.obs, &ctx),
            Observation::Dns(_)
            | Observation::Tls(_)
            | Observation::Quic(_)
            | Observation::Http(_)
            | Observation::Flow(_) => self.traffic.ingest(t, &rec.obs, &ctx),
            Observation::AndroidDevice(_)
            | Observation::AndroidApp(_)
            | Observation::AndroidSettings(_)
            | Observation::AndroidOwner(_)
            | Observation::AndroidPart(_) => self.phone.ingest(t, &rec.obs, &ctx),
            Observation::IosDevice(_)
            | Observation::IosApp(_)
            | Observation::IosProfile(_)
            | Observation::IosPart(_) => self.iphone.ingest(t, &rec.obs, &ctx),
            Observation::Source(_)
            | Observation::Session(_)
            | Observation::Concerns(_)
            | Observation::Answer(_)
            | Observation::Note(_)
            | Observation::AccountCheck(_) => {}
        }
    }

    /// Every finding, most severe first, then by first sighting.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.trackers.findings(&self.places, &mut out);
        self.lan.findings(&mut out);
        self.traffic.findings(&mut out, &self.lan, self.hotspot());
        self.phone.findings(&mut out);
        self.iphone.findings(&mut out);
        out.sort_by(|a, b| {
            (a.recognised.is_some(), a.severity, a.first_seen, &a.id).cmp(&(
                b.recognised.is_some(),
                b.severity,
                b.first_seen,
                &b.id,
            ))
        });
        out
    }

    /// Every device seen.
    pub fn devices(&self) -> Vec<Device> {
        let mut out = Vec::new();
        self.trackers.devices(&mut out);
        self.lan.devices(&mut out);
        self.traffic.devices(&mut out, &self.lan, self.hotspot());
        out
    }

    /// Traffic was captured live on the laptop's hotspot (`--traffic`): its clients are
    /// the phones brought to the check.
    fn hotspot(&self) -> bool {
        self.sources.contains_key(&SourceKind::Traffic)
    }

    pub fn sources(&self) -> &BTreeMap<SourceKind, SourceEvent> {
        &self.sources
    }

    /// The session as recorded (case, operator, checks asked), if the records carry it.
    pub fn session_info(&self) -> Option<&SessionInfo> {
        self.session.as_ref()
    }

    /// The client's concerns, answers and decisions, and the volunteer's notes.
    pub fn consultation(&self) -> &consultation::Consultation {
        &self.consultation
    }

    /// When each source ran and how much each check saw.
    pub fn coverage_log(&self) -> &coverage::CoverageLog {
        &self.coverage
    }

    /// What a check saw, by the counts that matter for it.
    pub fn saw(&self, check: coverage::Check) -> BTreeMap<String, u64> {
        use coverage::Check;
        let records = self
            .coverage
            .observations
            .get(&check)
            .map_or(0, |o| o.count);
        let pairs: Vec<(&str, u64)> = match check {
            Check::Bluetooth => vec![
                ("devices", self.trackers.device_count() as u64),
                ("adverts", records),
            ],
            Check::Network => vec![
                ("hosts", self.lan.host_count() as u64),
                ("observations", records),
            ],
            Check::PhoneTraffic => vec![
                ("phones", self.traffic.client_count() as u64),
                ("records", records),
            ],
            Check::PhoneApps => vec![(
                "apps",
                self.phone.app_counts().values().sum::<usize>() as u64,
            )],
            Check::Iphone => vec![("apps", self.iphone.app_count() as u64)],
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Judge the checks asked for against what the records show (`now`: a check still running).
    pub fn coverage(
        &self,
        asked: &[coverage::Asked],
        now: Option<Timestamp>,
    ) -> Vec<coverage::Coverage> {
        coverage::coverage_of(&self.coverage, asked, &|c| self.saw(c), now)
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Time of the first and last observation.
    pub fn window(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.first?, self.last?))
    }

    pub fn counters(&self) -> Counters {
        let mut c = self.counters.clone();
        c.devices_dropped = self.trackers.dropped()
            + self.lan.dropped()
            + self.traffic.dropped()
            + self.phone.dropped()
            + self.iphone.dropped();
        c
    }

    pub fn signatures(&self) -> &SignatureSet {
        &self.signatures
    }
}
