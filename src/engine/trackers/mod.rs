//! Bluetooth devices and trackers: classification, identity across address changes,
//! "moved with you" across place marks, own-device marks and locate data.

pub mod classify;

use std::collections::{HashMap, VecDeque};

use crate::engine::Context;
use crate::engine::finding::{
    Category, Confidence, Device, DeviceKind, Evidence, Finding, Level, Recognised, Severity,
    SignalPoint, Subject,
};
use crate::engine::locate::{Locate, Trend};
use crate::observation::{BleAdvert, MacAddr, Observation, Timestamp};
use crate::signatures::{Entry, SignatureSet};
use classify::{Classified, LinkKey, OwnerState};

/// Most Bluetooth devices kept; beyond it the least useful are forgotten (and counted).
pub const MAX_DEVICES: usize = 20_000;
/// Most trackers kept.
pub const MAX_TRACKERS: usize = 5_000;
/// Signal points kept per tracker (at one advert every 2 s, about 40 minutes).
pub const MAX_SIGNAL: usize = 1_200;
/// Window of the smoothed signal (a mean over the last few seconds of adverts).
pub const LOCATE_WINDOW_MS: i64 = 4_000;
/// The smoothed signal is compared with itself this long ago: a slow walk (a quarter of a
/// dB a second, the demo's recorded walk) changes it by 2-3 dB over this span.
pub const TREND_SPAN_MS: i64 = 10_000;
/// Change in smoothed signal (dB) below which the trend reads "about the same".
pub const TREND_DB: f64 = 2.0;
/// A change must hold this long (now and this long ago) before the meter says so, so noise
/// does not flip it back and forth.
pub const TREND_SUSTAIN_MS: i64 = 2_500;
/// "Moved with you" needs the tracker heard this long in the new place after the volunteer
/// marked it, so walking past a tracker at the door cannot raise it.
pub const MOVED_DWELL_SECS: i64 = 120;
/// Places tracked per device (a bit each).
const MAX_PLACES: usize = 64;
/// Addresses remembered per tracker (the latest ones).
pub const MAX_ADDRESSES: usize = 64;

/// Index keys that find a tracker again after its address changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LinkIndex {
    FindMy([u8; 22]),
    SmartTagId([u8; 8]),
    /// Aging counter, state byte, properties byte.
    SmartTagAging(u32, u8, u8),
}

#[derive(Debug, Clone)]
struct BleDevice {
    name: Option<String>,
    first_seen: Timestamp,
    last_seen: Timestamp,
    rssi: Option<i16>,
    sightings: u64,
    /// Bit i: seen in place i (0 = before the first place mark).
    places: u64,
    /// The tracker's number (key in `trackers`), when this address belongs to a tracker.
    /// A tracker forgotten by the cap is no longer in `trackers`, so a number left here
    /// finds nothing.
    tracker: Option<usize>,
    desc: Desc,
}

/// What a device is: a signature entry, or a plain description of a non-tracker.
#[derive(Debug, Clone, Copy)]
enum Desc {
    Entry(usize),
    Other(&'static str),
}

#[derive(Debug, Clone)]
struct Tracker {
    entry: usize,
    /// Every address seen, oldest first; the last is the current one.
    addresses: Vec<MacAddr>,
    name: Option<String>,
    first_seen: Timestamp,
    last_seen: Timestamp,
    /// First time the advert said "away from owner" (or could not say).
    alarm_since: Option<Timestamp>,
    /// The advert said "away from its owner" at least once.
    ever_separated: bool,
    state: OwnerState,
    battery: Option<&'static str>,
    link: Option<LinkKey>,
    sightings: u64,
    places: u64,
    signal: VecDeque<SignalPoint>,
    recognised: Option<Recognised>,
    /// (earlier place, later place, devices of the earlier place, how many stayed) once it
    /// was judged to have moved with the client: kept, it never flips back.
    moved: Option<(usize, usize, usize, usize)>,
}

#[derive(Debug, Default)]
pub struct TrackerState {
    entries: Vec<Entry>,
    /// Looked up several times per advert: foldhash (randomly seeded) rather than SipHash.
    devices: foldhash::HashMap<MacAddr, BleDevice>,
    /// The trackers kept, by number (0, 1, 2, ... in order of creation; the finding id is
    /// `tracker-{number + 1}`). Forgotten trackers are removed, so memory follows the cap
    /// (`MAX_TRACKERS`), not how many trackers the check has seen.
    trackers: foldhash::HashMap<usize, Tracker>,
    /// Number of the next tracker created.
    next_tracker: usize,
    /// Mine marks for addresses not seen yet.
    pending_mine: HashMap<MacAddr, Recognised>,
    links: foldhash::HashMap<LinkIndex, usize>,
    dropped: u64,
}

/// A place in words for reports: its label and when the client got there, never "place 2".
fn place_words(places: &[crate::engine::Place], i: usize) -> String {
    match i.checked_sub(1).and_then(|j| places.get(j)) {
        Some(p) => match &p.label {
            Some(l) => format!(
                "\"{}\" (from {})",
                crate::sanitize::clean(l, 60),
                p.t.format("%H:%M:%S")
            ),
            None => format!("the place reached at {}", p.t.format("%H:%M:%S")),
        },
        None => match places.first() {
            Some(p) => format!("the first place (until {})", p.t.format("%H:%M:%S")),
            None => "the first place".to_string(),
        },
    }
}

fn place_index(places: &[crate::engine::Place], t: Timestamp) -> usize {
    places
        .iter()
        .take_while(|p| p.t <= t)
        .count()
        .min(MAX_PLACES - 1)
}

impl TrackerState {
    pub fn new(signatures: &SignatureSet) -> Self {
        let entries = signatures
            .entries
            .iter()
            .filter(|e| e.category == Category::Tracker)
            .cloned()
            .collect();
        Self {
            entries,
            ..Self::default()
        }
    }

    /// Bluetooth devices heard (and still kept).
    pub fn device_count(&self) -> usize {
        self.devices.len()
    }

    /// Devices and trackers forgotten because of the caps.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn ingest(&mut self, t: Timestamp, obs: &Observation, ctx: &Context<'_>) {
        match obs {
            Observation::Ble(a) => self.advert(t, a, ctx),
            Observation::Mine(m) if m.undo => {
                self.pending_mine.remove(&m.address);
                if let Some(tr) = self
                    .devices
                    .get(&m.address)
                    .and_then(|d| d.tracker)
                    .and_then(|i| self.trackers.get_mut(&i))
                {
                    tr.recognised = None;
                }
            }
            Observation::Mine(m) => {
                let mark = Recognised {
                    by: m.by.clone(),
                    at: t,
                };
                match self
                    .devices
                    .get(&m.address)
                    .and_then(|d| d.tracker)
                    .and_then(|i| self.trackers.get_mut(&i))
                {
                    Some(tr) => tr.recognised = Some(mark),
                    None => {
                        if self.pending_mine.len() < 1_000 {
                            self.pending_mine.insert(m.address, mark);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn advert(&mut self, t: Timestamp, a: &BleAdvert, ctx: &Context<'_>) {
        let place = place_index(ctx.places, t);
        let bit = 1u64 << place;
        let known_tracker = self.devices.get(&a.address).and_then(|d| d.tracker);
        let class = classify::classify(a, &self.entries);
        let tracker = match (&class, known_tracker) {
            (Some(c), Some(i)) if self.trackers.get(&i).is_some_and(|tr| tr.entry == c.entry) => {
                Some(i)
            }
            (Some(c), _) => Some(self.link_or_new(t, a.address, c)),
            (None, _) => None,
        };
        if self.devices.len() >= MAX_DEVICES && !self.devices.contains_key(&a.address) {
            self.evict_devices();
        }
        let desc = match &class {
            Some(c) => Desc::Entry(c.entry),
            None => Desc::Other(classify::describe_other(a)),
        };
        let dev = self.devices.entry(a.address).or_insert_with(|| BleDevice {
            name: None,
            first_seen: t,
            last_seen: t,
            rssi: None,
            sightings: 0,
            places: 0,
            tracker: None,
            desc,
        });
        dev.first_seen = dev.first_seen.min(t);
        dev.last_seen = dev.last_seen.max(t);
        dev.sightings += 1;
        dev.places |= bit;
        dev.desc = desc;
        if a.rssi.is_some() {
            dev.rssi = a.rssi;
        }
        if let Some(n) = &a.name {
            dev.name = Some(n.chars().take(256).collect());
        }
        dev.tracker = tracker;
        let name = dev.name.clone();
        if let (Some(i), Some(c)) = (tracker, class) {
            let pending = self.pending_mine.remove(&a.address);
            let Some(tr) = self.trackers.get_mut(&i) else {
                return;
            };
            if !tr.addresses.contains(&a.address) {
                if tr.addresses.len() >= MAX_ADDRESSES {
                    tr.addresses.remove(0);
                }
                tr.addresses.push(a.address);
            } else if tr.addresses.last() != Some(&a.address) {
                tr.addresses.retain(|x| x != &a.address);
                tr.addresses.push(a.address);
            }
            tr.first_seen = tr.first_seen.min(t);
            tr.last_seen = tr.last_seen.max(t);
            tr.sightings += 1;
            tr.places |= bit;
            tr.state = c.state;
            tr.battery = c.battery.or(tr.battery);
            if let Some(l) = &c.link {
                if self.links.len() > 4 * MAX_DEVICES {
                    // Bounded: forget old link keys (linking restarts from current adverts).
                    self.links.clear();
                }
                match l {
                    LinkKey::FindMyKey(k) => {
                        self.links.insert(LinkIndex::FindMy(*k), i);
                    }
                    LinkKey::SmartTag {
                        privacy_id,
                        aging,
                        state,
                        props,
                    } => {
                        self.links.insert(LinkIndex::SmartTagId(*privacy_id), i);
                        self.links
                            .insert(LinkIndex::SmartTagAging(*aging, *state, *props), i);
                    }
                }
                tr.link = c.link;
            }
            if name.is_some() {
                tr.name = name;
            }
            tr.ever_separated |= c.state == OwnerState::Separated;
            if c.state != OwnerState::NearOwner && tr.alarm_since.is_none() {
                tr.alarm_since = Some(t);
            }
            if let Some(m) = pending {
                tr.recognised = Some(m);
            }
            if let Some(rssi) = a.rssi {
                if tr.signal.len() == MAX_SIGNAL {
                    tr.signal.pop_front();
                }
                tr.signal.push_back(SignalPoint { t, rssi });
            }
            // Moved with the client: heard in the new place for the dwell time after the
            // mark, while most devices of the earlier place were left behind; once judged,
            // it stays so.
            let dwelt = place > 0
                && ctx
                    .places
                    .get(place - 1)
                    .is_some_and(|m| (t - m.t).num_seconds() >= MOVED_DWELL_SECS);
            if tr.moved.is_none() && dwelt && tr.places.count_ones() >= 2 {
                let moved = self
                    .trackers
                    .get(&i)
                    .and_then(|tr| self.moved_with_client(tr));
                if let Some(tr) = self.trackers.get_mut(&i) {
                    tr.moved = moved;
                }
            }
        }
    }

    /// Find the tracker this advert belongs to across an address change, or start one.
    fn link_or_new(&mut self, t: Timestamp, address: MacAddr, c: &Classified) -> usize {
        if let Some(key) = &c.link {
            let candidates: [Option<LinkIndex>; 2] = match key {
                LinkKey::FindMyKey(k) => [Some(LinkIndex::FindMy(*k)), None],
                LinkKey::SmartTag {
                    privacy_id,
                    aging,
                    state,
                    props,
                } => [
                    Some(LinkIndex::SmartTagId(*privacy_id)),
                    Some(LinkIndex::SmartTagAging(
                        aging.wrapping_sub(1),
                        *state,
                        *props,
                    )),
                ],
            };
            for k in candidates.into_iter().flatten() {
                if let Some(&i) = self.links.get(&k)
                    && let Some(tr) = self.trackers.get(&i)
                    && tr.entry == c.entry
                    && !tr.addresses.contains(&address)
                    && linked(tr, key, t)
                {
                    return i;
                }
            }
        }
        if self.trackers.len() >= MAX_TRACKERS {
            self.evict_trackers();
        }
        let number = self.next_tracker;
        self.next_tracker += 1;
        self.trackers.insert(
            number,
            Tracker {
                entry: c.entry,
                addresses: Vec::new(),
                name: None,
                first_seen: t,
                last_seen: t,
                alarm_since: None,
                ever_separated: false,
                state: c.state,
                battery: c.battery,
                link: c.link.clone(),
                sightings: 0,
                places: 0,
                signal: VecDeque::new(),
                recognised: None,
                moved: None,
            },
        );
        number
    }

    /// Forget the least useful fifth of the devices: the longest unseen non-trackers first.
    /// A fifth, not a tenth: each eviction walks every device kept, so forgetting more at
    /// once halves that cost per new address (`bench/engine.sh`), and 16,000 devices stay.
    fn evict_devices(&mut self) {
        let mut v: Vec<(bool, Timestamp, MacAddr)> = self
            .devices
            .iter()
            .map(|(a, d)| (d.tracker.is_some(), d.last_seen, *a))
            .collect();
        let n = (MAX_DEVICES / 5).max(1);
        v.select_nth_unstable(n);
        for (_, _, a) in &v[..n] {
            self.devices.remove(a);
        }
        self.dropped += n as u64;
    }

    /// Forget the least useful tenth of the trackers: never-alarming, longest unseen first.
    /// The cost follows the trackers kept (at most `MAX_TRACKERS`) and the link index (at
    /// most `4 * MAX_DEVICES` keys), never how many trackers were seen before.
    fn evict_trackers(&mut self) {
        let mut v: Vec<(bool, bool, Timestamp, usize)> = self
            .trackers
            .iter()
            .map(|(i, t)| {
                (
                    t.alarm_since.is_some(),
                    t.recognised.is_none(),
                    t.last_seen,
                    *i,
                )
            })
            .collect();
        let n = (MAX_TRACKERS / 10).max(1).min(v.len().saturating_sub(1));
        if n == 0 {
            return;
        }
        v.select_nth_unstable(n);
        let mut gone = foldhash::HashSet::default();
        for (_, _, _, i) in &v[..n] {
            let Some(tr) = self.trackers.remove(i) else {
                continue;
            };
            gone.insert(*i);
            for a in tr.addresses {
                if let Some(d) = self.devices.get_mut(&a)
                    && d.tracker == Some(*i)
                {
                    d.tracker = None;
                }
            }
        }
        self.links.retain(|_, i| !gone.contains(i));
        self.dropped += n as u64;
    }

    fn tracker_by_address(&self, a: &MacAddr) -> Option<&Tracker> {
        if let Some(i) = self.devices.get(a).and_then(|d| d.tracker) {
            return self.trackers.get(&i);
        }
        // Earliest-created first, as when trackers were kept in creation order.
        self.trackers
            .iter()
            .filter(|(_, t)| t.addresses.contains(a))
            .min_by_key(|(i, _)| **i)
            .map(|(_, t)| t)
    }

    /// Locate-mode data for the tracker that has (or had) this address.
    pub fn locate(&self, address: &MacAddr) -> Option<Locate> {
        let tr = self.tracker_by_address(address)?;
        Some(locate_of(tr))
    }

    /// Whether a tracker moved with the client: seen in two or more places while most other
    /// devices seen in the earlier place were not seen in the later one.
    fn moved_with_client(&self, tr: &Tracker) -> Option<(usize, usize, usize, usize)> {
        if tr.places.count_ones() < 2 {
            return None;
        }
        let first = tr.places.trailing_zeros() as usize;
        let last = 63 - tr.places.leading_zeros() as usize;
        let (fb, lb) = (1u64 << first, 1u64 << last);
        let mut before = 0usize;
        let mut stayed = 0usize;
        for d in self.devices.values() {
            if d.tracker.is_some() || d.places & fb == 0 {
                continue;
            }
            before += 1;
            if d.places & lb != 0 {
                stayed += 1;
            }
        }
        (before == 0 || stayed * 2 < before).then_some((first, last, before, stayed))
    }

    pub fn findings(&self, places: &[crate::engine::Place], out: &mut Vec<Finding>) {
        // In order of creation (the order findings had when trackers were kept in a list).
        let mut raised: Vec<(usize, &Tracker, &Entry)> = self
            .trackers
            .iter()
            .filter(|(_, tr)| tr.alarm_since.is_some() && !tr.addresses.is_empty())
            .map(|(i, tr)| (*i, tr, &self.entries[tr.entry]))
            .filter(|(_, _, e)| e.severity != Severity::Info)
            .collect();
        raised.sort_unstable_by_key(|(i, _, _)| *i);
        for (i, tr, e) in raised {
            out.push(self.finding(i, tr, e, places));
        }
    }

    fn finding(
        &self,
        i: usize,
        tr: &Tracker,
        e: &Entry,
        places: &[crate::engine::Place],
    ) -> Finding {
        let moved = tr.moved;
        let ever_separated = tr.ever_separated;
        let mut severity = if moved.is_some() {
            Severity::High
        } else if ever_separated {
            e.severity
        } else {
            // Cannot say whether its owner is near: medium at most.
            Severity::Medium.max(e.severity)
        };
        let address = *tr.addresses.last().unwrap_or(&MacAddr::default());
        let minutes = (tr.last_seen - tr.first_seen).num_seconds().max(0) as f64 / 60.0;
        let mut title = match (moved.is_some(), ever_separated) {
            (true, _) => format!("{}: this tracker moved with the client", e.name),
            (false, true) => format!("{} away from its owner", e.name),
            (false, false) => format!("{} nearby", e.name),
        };
        let mut evidence = vec![
            Evidence {
                t: Some(tr.first_seen),
                text: format!(
                    "Seen {} times over {} during the check (first {}, last {}).",
                    tr.sightings,
                    plain_duration(minutes),
                    tr.first_seen.format("%H:%M:%S"),
                    tr.last_seen.format("%H:%M:%S")
                ),
            },
            Evidence {
                t: Some(tr.last_seen),
                text: format!("Its signal {}.", tr.state_words(ever_separated)),
            },
        ];
        if let Some(b) = tr.battery {
            evidence.push(Evidence {
                t: None,
                text: format!("Battery: {b}."),
            });
        }
        if tr.addresses.len() > 1 {
            evidence.push(Evidence {
                t: None,
                text: format!(
                    "It changed its Bluetooth address {}; these were linked as one tracker.",
                    if tr.addresses.len() == 2 {
                        "once".to_string()
                    } else {
                        format!("{} times", tr.addresses.len() - 1)
                    }
                ),
            });
        }
        if let Some((first, last, before, stayed)) = moved {
            evidence.push(Evidence {
                t: None,
                text: format!(
                    "Seen at {} and again at {}; of the {before} other devices seen at the first, {stayed} {} still around.",
                    place_words(places, first),
                    place_words(places, last),
                    if stayed == 1 { "was" } else { "were" }
                ),
            });
        }
        let mut meaning = e.meaning.clone();
        if moved.is_some() {
            meaning = format!(
                "This tracker moved with the client: it was still nearby after the client changed places, while most other devices were left behind. {meaning}"
            );
        }
        let (level, text) = match (moved.is_some(), ever_separated) {
            (true, _) => (
                Level::High,
                "High: the advert identifies the tracker, and it stayed with the client across places.",
            ),
            (false, true) if e.severity == Severity::High => (
                Level::High,
                "High that this is a tracker away from its owner; we cannot tell from the signal alone who placed it or whether it belongs to someone nearby.",
            ),
            (false, true) => (
                Level::Medium,
                "Medium: this is away from its owner, but ordinary Apple devices look the same as home-made trackers.",
            ),
            (false, false) => (
                Level::Medium,
                "Medium: this is a tracker, but it cannot tell us whether its owner is nearby, so it may belong to someone else in the room.",
            ),
        };
        if let Some(r) = &tr.recognised {
            severity = Severity::Info;
            title = format!("{} (marked as the client's own)", e.name);
            evidence.push(Evidence {
                t: Some(r.at),
                text: format!(
                    "Marked as the client's own{} at {}.",
                    r.by.as_deref()
                        .map(|b| format!(" by {}", crate::sanitize::clean(b, 16)))
                        .unwrap_or_default(),
                    r.at.format("%H:%M:%S")
                ),
            });
        }
        Finding {
            id: format!("tracker-{}", i + 1),
            category: Category::Tracker,
            severity,
            signature: e.id.clone(),
            title,
            subject: Subject {
                kind: DeviceKind::Bluetooth,
                address: Some(address),
                addresses: tr.addresses.clone(),
                ip: None,
                name: tr.name.clone(),
                ..Default::default()
            },
            first_seen: tr.first_seen,
            last_seen: tr.last_seen,
            evidence,
            evidence_dropped: 0,
            meaning,
            confidence: Confidence {
                level,
                text: text.into(),
            },
            next_steps: e.next_steps.clone(),
            recognised: tr.recognised.clone(),
            signal: tr.signal.iter().copied().collect(),
            indicators: Vec::new(),
            indicators_dropped: 0,
        }
    }

    pub fn devices(&self, out: &mut Vec<Device>) {
        for (a, d) in &self.devices {
            let tr = d.tracker.and_then(|i| self.trackers.get(&i));
            out.push(Device {
                kind: DeviceKind::Bluetooth,
                address: *a,
                addresses: tr.map(|t| t.addresses.clone()).unwrap_or_default(),
                ips: Vec::new(),
                name: d.name.clone(),
                name_hex: None,
                description: match d.desc {
                    Desc::Entry(i) => self
                        .entries
                        .get(i)
                        .map_or_else(String::new, |e| e.name.clone()),
                    Desc::Other(s) => s.to_string(),
                },
                vendor: None,
                first_seen: d.first_seen,
                last_seen: d.last_seen,
                rssi: d.rssi,
                sightings: d.sightings,
            });
        }
        out.sort_by_key(|d| d.address);
    }
}

impl Tracker {
    fn state_words(&self, ever_separated: bool) -> &'static str {
        if ever_separated && self.state == OwnerState::NearOwner {
            "said it was away from its owner earlier in the check"
        } else {
            self.state.words()
        }
    }
}

/// SmartTag: same privacy id, or the next aging counter with the same state and properties
/// within AirGuard's window (50 min before to 5 min after). Find My: the same key bytes.
fn linked(tr: &Tracker, key: &LinkKey, t: Timestamp) -> bool {
    match (&tr.link, key) {
        (
            Some(LinkKey::SmartTag {
                privacy_id: p0,
                aging: a0,
                state: s0,
                props: r0,
            }),
            LinkKey::SmartTag {
                privacy_id: p1,
                aging: a1,
                state: s1,
                props: r1,
            },
        ) => {
            let dt = (t - tr.last_seen).num_seconds();
            p0 == p1
                || (*a1 == a0.wrapping_add(1)
                    && s0 == s1
                    && r0 == r1
                    && (-300..=3000).contains(&dt))
        }
        (Some(LinkKey::FindMyKey(k0)), LinkKey::FindMyKey(k1)) => k0 == k1,
        _ => false,
    }
}

fn locate_of(tr: &Tracker) -> Locate {
    let last = tr.signal.back().map(|p| p.t);
    // Mean signal over the window ending `ago_ms` before the latest advert.
    let smoothed = |ago_ms: i64| -> Option<f64> {
        let end = last? - chrono::Duration::milliseconds(ago_ms);
        let (mut sum, mut n) = (0f64, 0u32);
        for p in tr.signal.iter().rev() {
            let age = (end - p.t).num_milliseconds();
            if age < 0 {
                continue;
            }
            if age >= LOCATE_WINDOW_MS {
                break;
            }
            sum += f64::from(p.rssi);
            n += 1;
        }
        (n > 0).then(|| sum / f64::from(n))
    };
    // Change of the smoothed signal over the trend span, ending `ago_ms` ago.
    let change = |ago_ms: i64| Some(smoothed(ago_ms)? - smoothed(ago_ms + TREND_SPAN_MS)?);
    let now = smoothed(0);
    let trend = match (change(0), change(TREND_SUSTAIN_MS)) {
        (Some(a), Some(b)) if a >= TREND_DB && b >= TREND_DB => Trend::Closer,
        (Some(a), Some(b)) if a <= -TREND_DB && b <= -TREND_DB => Trend::Further,
        (Some(_), _) => Trend::Steady,
        _ => Trend::Unknown,
    };
    Locate {
        address: *tr.addresses.last().unwrap_or(&MacAddr::default()),
        smoothed_rssi: now,
        latest_rssi: tr.signal.back().map(|p| p.rssi),
        trend,
        history: tr.signal.iter().copied().collect(),
        last_seen: Some(tr.last_seen),
    }
}

fn plain_duration(minutes: f64) -> String {
    if minutes < 1.0 {
        "less than a minute".into()
    } else if minutes < 1.5 {
        "about 1 minute".into()
    } else {
        format!("about {} minutes", minutes.round() as u64)
    }
}
