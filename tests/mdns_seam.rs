//! The active check's mDNS browsing through its I/O seam, without a network: a scripted
//! [`Browser`] says what was heard, a fixed clock gives the time. Which service types are
//! browsed (the common ones, then those the meta-query names, at most `MAX_TYPES`), names
//! from the air cleaned, TXT entries capped, start failures worded with their fix, and
//! stopping. (A real responder in a namespace is browsed in `tests/lan_netns.rs`.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sweep::observation::{Observation, Record, SourceState, Timestamp};
use sweep::sources::mdns::{
    Browser, COMMON_TYPES, Heard, MAX_TXT, MAX_TYPES, META_QUERY, MdnsSource, Resolved,
};
use sweep::sources::{Clock, Sink, Source, SourceError, Stop};

fn at() -> Timestamp {
    "2026-11-26T15:00:00Z".parse().expect("time")
}

struct Fixed;

impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        at()
    }
}

/// What the scripted browser was asked to do.
#[derive(Default)]
struct Log {
    started_on: Option<String>,
    browsed: Vec<String>,
    shut_down: bool,
}

/// Gives each batch of `script` in turn, then stops the source.
struct Scripted {
    script: VecDeque<Vec<Heard>>,
    start_error: Option<String>,
    log: Arc<Mutex<Log>>,
    stop: Stop,
}

impl Browser for Scripted {
    fn start(&mut self, interface: &str) -> Result<(), String> {
        self.log.lock().expect("log").started_on = Some(interface.to_string());
        self.start_error.clone().map_or(Ok(()), Err)
    }
    fn browse(&mut self, service_type: &str) -> bool {
        self.log
            .lock()
            .expect("log")
            .browsed
            .push(service_type.to_string());
        true
    }
    fn heard(&mut self, _wait: Duration) -> Vec<Heard> {
        match self.script.pop_front() {
            Some(batch) => batch,
            None => {
                self.stop.stop();
                Vec::new()
            }
        }
    }
    fn shutdown(&mut self) {
        self.log.lock().expect("log").shut_down = true;
    }
}

fn run(
    script: Vec<Vec<Heard>>,
    start_error: Option<&str>,
) -> (Result<(), SourceError>, Vec<Record>, Arc<Mutex<Log>>) {
    let stop = Stop::new();
    let log = Arc::new(Mutex::new(Log::default()));
    let browser = Scripted {
        script: script.into(),
        start_error: start_error.map(str::to_string),
        log: log.clone(),
        stop: stop.clone(),
    };
    let source = MdnsSource::with_io("eth0", Box::new(browser), Arc::new(Fixed));
    let (tx, rx) = std::sync::mpsc::sync_channel(4096);
    let sink = Sink::new(tx);
    let r = Box::new(source).run(&sink, &stop);
    drop(sink);
    (r, rx.into_iter().flatten().collect(), log)
}

fn camera(name: &str, txt: usize) -> Heard {
    Heard::Service(Resolved {
        service_type: "_rtsp._tcp.local.".into(),
        instance: format!("{name}._rtsp._tcp.local."),
        host: "cam-1.local.".into(),
        addresses: vec!["192.0.2.64".parse().expect("ip")],
        port: 554,
        txt: (0..txt)
            .map(|i| (format!("k{i}"), format!("v{i}")))
            .collect(),
    })
}

#[test]
fn browses_the_common_types_then_those_named_and_sends_cleaned_services() {
    let (r, recs, log) = run(
        vec![
            vec![Heard::Type("_printer._tcp.local".into())],
            vec![
                // Named again, and already browsed: asked once.
                Heard::Type("_printer._tcp.local.".into()),
                Heard::Type("_rtsp._tcp.local.".into()),
                camera("Hall\u{1b}[2J Cam", MAX_TXT + 8),
            ],
        ],
        None,
    );
    r.expect("ends when stopped");
    let log = log.lock().expect("log");
    assert_eq!(log.started_on.as_deref(), Some("eth0"));
    assert!(log.shut_down);
    let mut want = vec![META_QUERY.to_string()];
    want.extend(COMMON_TYPES.iter().map(|t| t.to_string()));
    want.push("_printer._tcp.local.".into());
    assert_eq!(log.browsed, want);
    // Running first, then the camera at the clock's time, its name cleaned.
    assert!(matches!(
        &recs[0].obs,
        Observation::Source(e) if e.state == SourceState::Running
    ));
    let svc: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::Mdns(s) => Some((r.t, s.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(svc.len(), 1);
    let (t, s) = &svc[0];
    assert_eq!(*t, at());
    assert!(!s.instance.contains('\u{1b}'), "{}", s.instance);
    assert!(s.instance.starts_with("Hall"), "{}", s.instance);
    assert_eq!(s.txt.len(), MAX_TXT);
    assert_eq!(s.port, Some(554));
}

#[test]
fn a_responder_naming_endless_types_is_browsed_for_at_most_max_types() {
    let named: Vec<Heard> = (0..MAX_TYPES * 2)
        .map(|i| Heard::Type(format!("_t{i}._tcp.local.")))
        .collect();
    let (r, _, log) = run(vec![named], None);
    r.expect("ends when stopped");
    let log = log.lock().expect("log");
    // The meta-query, and at most MAX_TYPES types (the common ones among them).
    assert_eq!(log.browsed.len(), 1 + MAX_TYPES);
}

#[test]
fn mdns_that_cannot_start_says_so_with_the_fix_and_sends_nothing() {
    let (r, recs, _) = run(Vec::new(), Some("No such device (os error 19)"));
    match r {
        Err(SourceError::Unavailable { reason, fix }) => {
            assert_eq!(
                reason,
                "mDNS could not start on eth0: No such device (os error 19)."
            );
            assert!(fix.contains("interface is up"), "{fix}");
        }
        other => panic!("{other:?}"),
    }
    assert!(recs.is_empty(), "{recs:?}");
}
