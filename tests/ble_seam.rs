//! The Bluetooth source's rules through its I/O seam, in milliseconds and without BlueZ:
//! adverts come from a scripted feed, the time from a scripted clock. (The end-to-end scan
//! against a mock BlueZ on a private D-Bus stays in `tests/ble_live.rs`.)

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sweep::observation::{
    BleAdvert, HexBytes, MacAddr, Observation, Record, SourceState, Timestamp,
};
use sweep::sources::ble::{AdvertFeed, BleSource, Heard, StartError};
use sweep::sources::{Clock, Sink, Source, SourceError, Stop};

enum Step {
    /// An advert, at the current time.
    Advert(BleAdvert),
    /// Nothing for this long.
    Quiet(Duration),
    /// The scan ends here (the volunteer, the duration, the screens).
    StopHere,
}

/// What the source asked of the feed.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Start,
    Next,
    Stop,
}

#[derive(Default)]
struct State {
    elapsed: Duration,
    calls: Vec<Call>,
    /// The longest the source was ready to wait for an advert.
    longest_wait: Duration,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<State>>);

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.lock().expect("state"))
    }
}

struct ScriptClock(Shared);

fn t0() -> Timestamp {
    chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap_or_default()
}

impl Clock for ScriptClock {
    fn now(&self) -> Timestamp {
        t0() + self.0.with(|s| s.elapsed)
    }
}

struct ScriptFeed {
    start: Option<StartError>,
    steps: Arc<Mutex<VecDeque<Step>>>,
    state: Shared,
    stop: Stop,
}

impl AdvertFeed for ScriptFeed {
    fn start(&mut self) -> Result<(), StartError> {
        self.state.with(|s| s.calls.push(Call::Start));
        self.start.take().map_or(Ok(()), Err)
    }

    fn next(&mut self, wait: Duration) -> Heard {
        self.state.with(|s| {
            s.calls.push(Call::Next);
            s.longest_wait = s.longest_wait.max(wait);
        });
        match self.steps.lock().expect("steps").pop_front() {
            Some(Step::Advert(a)) => Heard::Advert(a),
            Some(Step::Quiet(d)) => {
                self.state.with(|s| s.elapsed += d);
                Heard::Nothing
            }
            Some(Step::StopHere) => {
                self.stop.stop();
                Heard::Nothing
            }
            None => Heard::Ended,
        }
    }

    fn stop(&mut self) {
        self.state.with(|s| s.calls.push(Call::Stop));
    }
}

struct Run {
    result: Result<(), SourceError>,
    records: Vec<Record>,
    state: Shared,
    /// The steps the source did not read.
    left: usize,
}

fn run(start: Option<StartError>, steps: Vec<Step>) -> Run {
    let state = Shared::default();
    let stop = Stop::new();
    let steps = Arc::new(Mutex::new(VecDeque::from(steps)));
    let feed = ScriptFeed {
        start,
        steps: Arc::clone(&steps),
        state: state.clone(),
        stop: stop.clone(),
    };
    let src = BleSource::new().with_io(Box::new(feed), Arc::new(ScriptClock(state.clone())));
    let (tx, out) = mpsc::sync_channel(1024);
    let result = Box::new(src).run(&Sink::new(tx), &stop);
    let left = steps.lock().expect("steps").len();
    Run {
        result,
        records: out.try_iter().flatten().collect(),
        state,
        left,
    }
}

fn advert(last: u8, rssi: i16) -> BleAdvert {
    BleAdvert {
        address: MacAddr([0xc4, 0x11, 0x22, 0x33, 0x44, last]),
        rssi: Some(rssi),
        manufacturer_data: [(76, HexBytes(vec![0x12, 0x19, 0x10]))].into(),
        ..Default::default()
    }
}

/// (seconds since the start, advert) of each Bluetooth observation.
fn adverts(recs: &[Record]) -> Vec<(u64, &BleAdvert)> {
    recs.iter()
        .filter_map(|r| match &r.obs {
            Observation::Ble(a) => Some(((r.t - t0()).num_seconds() as u64, a)),
            _ => None,
        })
        .collect()
}

#[test]
fn each_advert_is_an_observation_at_the_time_it_came() {
    let s = Duration::from_secs;
    let r = run(
        None,
        vec![
            Step::Quiet(s(3)),
            Step::Advert(advert(1, -70)),
            Step::Quiet(s(2)),
            Step::Advert(advert(2, -50)),
            Step::Advert(advert(1, -64)),
        ],
    );
    assert_eq!(r.result, Ok(()), "the feed ended: the source finishes");
    assert!(
        matches!(&r.records[0].obs, Observation::Source(e) if e.state == SourceState::Running),
        "{:?}",
        r.records[0]
    );
    assert_eq!(r.records[0].t, t0(), "running once the scan started");
    let a = adverts(&r.records);
    let (one, two, again) = (advert(1, -70), advert(2, -50), advert(1, -64));
    assert_eq!(a, vec![(3, &one), (5, &two), (5, &again)]);
    assert_eq!(r.records.len(), 4, "{:?}", r.records);
    let calls = r.state.with(|s| s.calls.clone());
    assert_eq!(calls.first(), Some(&Call::Start));
    assert_eq!(
        calls.last(),
        Some(&Call::Stop),
        "the scan is stopped at the end"
    );
    assert!(
        r.state.with(|s| s.longest_wait) <= Duration::from_millis(250),
        "a wait on the feed holds up Stop"
    );
}

#[test]
fn stop_ends_the_scan_and_nothing_more_is_read() {
    let r = run(
        None,
        vec![
            Step::Advert(advert(1, -70)),
            Step::StopHere,
            Step::Advert(advert(2, -50)),
            Step::Advert(advert(3, -50)),
        ],
    );
    assert_eq!(r.result, Ok(()));
    assert_eq!(adverts(&r.records).len(), 1);
    assert_eq!(r.left, 2, "adverts read after Stop");
    let calls = r.state.with(|s| s.calls.clone());
    assert_eq!(
        calls,
        vec![Call::Start, Call::Next, Call::Next, Call::Stop],
        "scan stopped once, right after Stop"
    );
}

const FIX_SERVICE: &str = "Start the Bluetooth service (sudo systemctl start bluetooth), or install BlueZ (sudo apt install bluez), then try again.";

#[test]
fn when_bluetooth_cannot_start_the_volunteer_is_told_why_and_what_to_do() {
    let other = |m: &str| btleplug::Error::Other(m.into());
    let cases: Vec<(StartError, &str, &str)> = vec![
        (
            StartError::NoAdapter,
            "No Bluetooth adapter was found.",
            "Plug in a Bluetooth USB dongle (or switch Bluetooth on in the laptop's settings), then try again.",
        ),
        (
            StartError::Scan(btleplug::Error::RuntimeError(
                "org.bluez.Error.NotReady: Resource Not Ready".into(),
            )),
            "The Bluetooth adapter is switched off or busy.",
            "Switch Bluetooth on (bluetoothctl power on, or the laptop's settings), then try again.",
        ),
        (
            StartError::Service(btleplug::Error::PermissionDenied),
            "sweep is not allowed to use Bluetooth.",
            "Add your user to the bluetooth group (sudo usermod -aG bluetooth $USER), then log out and in again.",
        ),
        (
            // Refused at the scan: still a permission problem, not a switched-off adapter.
            StartError::Scan(other(
                "org.freedesktop.DBus.Error.AccessDenied: Rejected send message",
            )),
            "sweep is not allowed to use Bluetooth.",
            "Add your user to the bluetooth group (sudo usermod -aG bluetooth $USER), then log out and in again.",
        ),
        (
            StartError::Service(other(
                "org.freedesktop.DBus.Error.ServiceUnknown: The name org.bluez was not provided by any .service files",
            )),
            "The Bluetooth service (BlueZ) is not running.",
            FIX_SERVICE,
        ),
        (
            StartError::Service(other(
                "Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory",
            )),
            "The Bluetooth service is not reachable (no system D-Bus).",
            FIX_SERVICE,
        ),
    ];
    for (e, reason, fix) in cases {
        let what = format!("{e:?}");
        let r = run(Some(e), vec![Step::Advert(advert(1, -70))]);
        assert_eq!(
            r.result,
            Err(SourceError::Unavailable {
                reason: reason.into(),
                fix: fix.into(),
            }),
            "{what}"
        );
        assert!(r.records.is_empty(), "{what}: said running");
        assert_eq!(
            r.state.with(|s| s.calls.clone()),
            vec![Call::Start],
            "{what}"
        );
    }

    // Anything else: the error in plain sight, cleaned for the terminal.
    let r = run(
        Some(StartError::Service(btleplug::Error::RuntimeError(
            "odd \u{1b}[31mthing".into(),
        ))),
        vec![],
    );
    match r.result {
        Err(SourceError::Unavailable { reason, fix }) => {
            assert!(
                reason.starts_with("Bluetooth could not start ("),
                "{reason}"
            );
            assert!(reason.contains("odd"), "{reason}");
            assert!(!reason.contains('\u{1b}'), "{reason:?}");
            assert_eq!(fix, FIX_SERVICE);
        }
        other => panic!("{other:?}"),
    }
}
