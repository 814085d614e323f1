//! The live capture's rules through its I/O seam, in milliseconds and without root: frames
//! and time-outs come from a scripted receiver, the time from a scripted clock. (One real
//! end-to-end capture on a namespace stays in `tests/traffic_live.rs`.)

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use pnet::datalink::DataLinkReceiver;
use sweep::observation::{Observation, Record, SourceState, Timestamp};
use sweep::sources::traffic::LiveTrafficSource;
use sweep::sources::{Clock, Sink, Source, Stop};
use sweep::testkit::capture::{Cap, LinkKind, dns_query};

/// One step of the script: nothing for some seconds, or a frame.
enum Step {
    Quiet(i64),
    Frame(Vec<u8>),
}

struct ScriptClock(Arc<Mutex<Timestamp>>);

impl Clock for ScriptClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock")
    }
}

/// Gives the script's frames; each quiet step moves the clock and times out, as a socket
/// with a read time-out does. At the end it stops the source.
struct ScriptRx {
    steps: std::vec::IntoIter<Step>,
    now: Arc<Mutex<Timestamp>>,
    stop: Stop,
    frame: Vec<u8>,
}

impl DataLinkReceiver for ScriptRx {
    fn next(&mut self) -> std::io::Result<&[u8]> {
        match self.steps.next() {
            Some(Step::Frame(f)) => {
                *self.now.lock().expect("clock") += chrono::Duration::milliseconds(1);
                self.frame = f;
                Ok(&self.frame)
            }
            Some(Step::Quiet(s)) => {
                *self.now.lock().expect("clock") += chrono::Duration::seconds(s);
                Err(std::io::ErrorKind::TimedOut.into())
            }
            None => {
                self.stop.stop();
                Err(std::io::ErrorKind::TimedOut.into())
            }
        }
    }
}

fn dns_frame(name: &str) -> Vec<u8> {
    let mut cap = Cap::new(LinkKind::Ethernet);
    cap.udp_eth(
        [0x02, 0, 0, 0, 0, 0x10],
        [0x02, 0, 0, 0, 0, 0x01],
        [10, 42, 0, 10],
        [10, 42, 0, 1],
        40_000,
        53,
        &dns_query(7, name),
    );
    cap.frames.remove(0)
}

/// Run the live source over the script; every record it sent, in order.
fn run(steps: Vec<Step>) -> (Vec<Record>, Timestamp) {
    let t0 = chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap_or_default();
    let now = Arc::new(Mutex::new(t0));
    let stop = Stop::new();
    let rx = ScriptRx {
        steps: steps.into_iter(),
        now: Arc::clone(&now),
        stop: stop.clone(),
        frame: Vec::new(),
    };
    let src = LiveTrafficSource::new("hot0", None)
        .with_io(Box::new(rx), Arc::new(ScriptClock(Arc::clone(&now))));
    let (tx, out) = mpsc::sync_channel(1024);
    Box::new(src)
        .run(&Sink::new(tx), &stop)
        .expect("the capture ends cleanly");
    (out.try_iter().flatten().collect(), t0)
}

fn statuses(recs: &[Record]) -> Vec<(i64, Option<String>)> {
    let t0 = recs.first().map(|r| r.t).unwrap_or_default();
    recs.iter()
        .filter_map(|r| match &r.obs {
            Observation::Source(e) if e.state == SourceState::Running => {
                Some(((r.t - t0).num_seconds(), e.reason.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_quiet_hotspot_is_said_after_ten_seconds_and_cleared_by_traffic() {
    let (recs, t0) = run(vec![
        Step::Quiet(4),
        Step::Quiet(4),
        // Nothing yet at 8 s; at 12 s the volunteer is told.
        Step::Quiet(4),
        Step::Frame(dns_frame("example.org")),
        Step::Quiet(5),
        Step::Quiet(6),
    ]);
    let s = statuses(&recs);
    // Running; "no traffic yet" at 12 s; cleared by the frame; "no traffic for 10 s" at 23 s.
    assert_eq!(s.len(), 4, "{s:?}");
    assert_eq!(s[0], (0, None));
    assert_eq!(s[1].0, 12);
    assert!(
        s[1].1
            .as_deref()
            .is_some_and(|r| r.contains("No traffic seen on hot0 yet")),
        "{s:?}"
    );
    assert_eq!(s[2], (12, None));
    assert_eq!(s[3].0, 23);
    assert!(
        s[3].1
            .as_deref()
            .is_some_and(|r| r.contains("No traffic on hot0 for 10 seconds")),
        "{s:?}"
    );
    // The look-up is an observation at the clock's time when it came.
    let dns: Vec<&Record> = recs
        .iter()
        .filter(|r| matches!(r.obs, Observation::Dns(_)))
        .collect();
    assert_eq!(dns.len(), 1);
    assert_eq!(
        dns[0].t,
        t0 + chrono::Duration::seconds(12) + chrono::Duration::milliseconds(1)
    );
}

#[test]
fn steady_traffic_never_warns() {
    let mut steps = Vec::new();
    for _ in 0..30 {
        steps.push(Step::Quiet(3));
        steps.push(Step::Frame(dns_frame("example.org")));
    }
    let (recs, _) = run(steps);
    let s = statuses(&recs);
    assert_eq!(s, vec![(0, None)], "{s:?}");
}

/// A made-up machine for the live capture: its interfaces, and what opening a channel on
/// one gives (here always an error of `kind`).
struct NoCapture {
    list: Vec<pnet::datalink::NetworkInterface>,
    kind: std::io::ErrorKind,
}

impl sweep::sources::Network for NoCapture {
    fn interfaces(&self) -> Vec<pnet::datalink::NetworkInterface> {
        self.list.clone()
    }
    fn channel(
        &self,
        _iface: &pnet::datalink::NetworkInterface,
        _opts: sweep::sources::LinkOptions,
    ) -> std::io::Result<pnet::datalink::Channel> {
        Err(self.kind.into())
    }
}

/// Before anything is captured: a hotspot that is not there names the interfaces there
/// are, and a capture without the right gives the exact setcap line, through the made-up
/// machine (no root, not this machine's interfaces).
#[test]
fn a_missing_hotspot_names_the_interfaces_and_no_right_gives_the_setcap_line() {
    use sweep::sources::SourceError;
    use sweep::testkit::lan::interface;
    let machine = |kind| {
        Arc::new(NoCapture {
            list: vec![
                interface("lo", [0; 6], Some(([127, 0, 0, 1], 8))),
                interface("wlp2s0", [2, 0, 0, 0, 0, 1], Some(([10, 42, 0, 1], 24))),
            ],
            kind,
        })
    };
    let mut s = LiveTrafficSource::new("wlan0", None)
        .with_network(machine(std::io::ErrorKind::PermissionDenied));
    match s.prepare() {
        Err(SourceError::Unavailable { reason, fix }) => {
            assert_eq!(reason, "There is no network interface called \"wlan0\".");
            assert!(fix.starts_with("Pick one of: lo, wlp2s0."), "{fix}");
        }
        other => panic!("{other:?}"),
    }
    let mut s = LiveTrafficSource::new("wlp2s0", None)
        .with_network(machine(std::io::ErrorKind::PermissionDenied));
    let e = s.prepare().expect_err("no right to capture").to_string();
    assert!(e.contains(&sweep::sources::setcap_line()), "{e}");
}
