//! The network check's rules through its I/O seam, in milliseconds, without root or a
//! namespace: frames come from a scripted receiver, requests go to a recording sender, the
//! interfaces from a made-up list and the time from a scripted clock; the hosts that answer
//! the active sweep are simulated from the requests sent. (The real end-to-end checks on
//! namespaces the tests create stay in `tests/lan_netns.rs`.)

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pnet::datalink::{Channel, DataLinkReceiver, DataLinkSender, NetworkInterface};
use sweep::observation::{
    ArpSighting, MacAddr, Observation, Probe, ProbeResult, Record, SourceState, Timestamp,
};
use sweep::sources::lan::{
    LanSource, Probes, SWEEP_INTERVAL, SWEEP_ROUNDS, TooLarge, active_scope_on,
};
use sweep::sources::{
    Clock, LinkOptions, Network, Sink, Source, SourceError, Stop, find_interface, open_link_on,
};
use sweep::testkit::lan::{arp_frame, arp_request_of, dhcp_request_frame};

const OWN_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x10];

/// One step of the receiver's script.
enum Step {
    /// A frame arrives (1 ms later).
    Frame(Vec<u8>),
    /// Nothing for this long (the read times out).
    Quiet(Duration),
    /// The socket fails.
    Fail(&'static str),
}

/// The made-up network: what the receiver will give, what was sent, which hosts answer ARP,
/// the time, and the channels opened.
#[derive(Default)]
struct Wire {
    steps: VecDeque<Step>,
    sent: Vec<Vec<u8>>,
    /// Sent frames the hosts have seen.
    seen: usize,
    /// Hosts that answer ARP: their MAC and from which request on (1: the first).
    hosts: HashMap<[u8; 4], ([u8; 6], u32)>,
    /// ARP requests per target address.
    asked: BTreeMap<[u8; 4], u32>,
    /// Time since the start.
    elapsed: Duration,
    /// After the script: keep reading quietly (until the source is stopped) instead of
    /// stopping it.
    keep_reading: bool,
    /// Sending fails with this.
    send_error: Option<&'static str>,
    /// The options of each channel opened.
    opened: Vec<LinkOptions>,
    /// What opening a channel gives (None: success).
    open_error: Option<io::ErrorKind>,
}

impl Wire {
    /// The hosts answer the requests sent since they last looked.
    fn answer(&mut self) {
        while self.seen < self.sent.len() {
            let frame = &self.sent[self.seen];
            self.seen += 1;
            let Some((mac, from, target)) = arp_request_of(frame) else {
                continue;
            };
            let n = self.asked.entry(target).or_default();
            *n += 1;
            if let Some((host_mac, first)) = self.hosts.get(&target)
                && *n >= *first
            {
                self.steps
                    .push_back(Step::Frame(arp_frame(2, *host_mac, target, mac, from)));
            }
        }
    }
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Wire>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Wire> {
        self.0.lock().expect("wire")
    }
}

struct ScriptClock {
    t0: Timestamp,
    i0: Instant,
    wire: Shared,
}

impl Clock for ScriptClock {
    fn now(&self) -> Timestamp {
        self.t0 + self.wire.lock().elapsed
    }
    fn instant(&self) -> Instant {
        self.i0 + self.wire.lock().elapsed
    }
}

struct ScriptTx(Shared);

impl DataLinkSender for ScriptTx {
    fn build_and_send(
        &mut self,
        _num_packets: usize,
        _packet_size: usize,
        _func: &mut dyn FnMut(&mut [u8]),
    ) -> Option<io::Result<()>> {
        None
    }

    fn send_to(&mut self, packet: &[u8], _dst: Option<NetworkInterface>) -> Option<io::Result<()>> {
        let mut w = self.0.lock();
        if let Some(e) = w.send_error {
            return Some(Err(io::Error::other(e)));
        }
        w.sent.push(packet.to_vec());
        Some(Ok(()))
    }
}

struct ScriptRx {
    wire: Shared,
    stop: Stop,
    frame: Vec<u8>,
}

impl DataLinkReceiver for ScriptRx {
    fn next(&mut self) -> io::Result<&[u8]> {
        let mut w = self.wire.lock();
        w.answer();
        match w.steps.pop_front() {
            Some(Step::Frame(f)) => {
                w.elapsed += Duration::from_millis(1);
                self.frame = f;
                Ok(&self.frame)
            }
            Some(Step::Quiet(d)) => {
                w.elapsed += d;
                Err(io::ErrorKind::TimedOut.into())
            }
            Some(Step::Fail(e)) => Err(io::Error::other(e)),
            None => {
                w.elapsed += SWEEP_INTERVAL;
                // A safety net: a source that never ends fails its test rather than hangs.
                if !w.keep_reading || w.elapsed > Duration::from_secs(600) {
                    self.stop.stop();
                }
                Err(io::ErrorKind::TimedOut.into())
            }
        }
    }
}

/// The local address and the hosts, for each time the probes were started.
type Started = Vec<(Ipv4Addr, Vec<(Ipv4Addr, MacAddr)>)>;

/// The active check's probes, recorded: who they would be sent to. They report one open
/// RTSP port on the first host, then stop the source.
struct RecordProbes {
    got: Mutex<Started>,
    stop: Stop,
}

impl Probes for RecordProbes {
    fn start(
        &self,
        local: Ipv4Addr,
        hosts: &[(Ipv4Addr, MacAddr)],
        tx: &mpsc::Sender<Observation>,
    ) {
        self.got
            .lock()
            .expect("probes")
            .push((local, hosts.to_vec()));
        if let Some((ip, mac)) = hosts.first() {
            let _ = tx.send(Observation::Probe(ProbeResult {
                ip: IpAddr::V4(*ip),
                mac: Some(*mac),
                probe: Probe::Rtsp,
                port: Some(554),
                open: true,
                detail: Some("RTSP/1.0 200 OK".into()),
            }));
        }
        self.stop.stop();
    }
}

fn iface(name: &str, net: Option<([u8; 4], u8)>) -> NetworkInterface {
    sweep::testkit::lan::interface(name, OWN_MAC, net)
}

/// The made-up machine: its interfaces, channels on the wire.
struct FakeNetwork {
    list: Vec<NetworkInterface>,
    wire: Shared,
    stop: Stop,
}

impl Network for FakeNetwork {
    fn interfaces(&self) -> Vec<NetworkInterface> {
        self.list.clone()
    }
    fn channel(&self, _iface: &NetworkInterface, opts: LinkOptions) -> io::Result<Channel> {
        let mut w = self.wire.lock();
        w.opened.push(opts);
        if let Some(kind) = w.open_error {
            return Err(io::Error::new(kind, "refused"));
        }
        Ok(Channel::Ethernet(
            Box::new(ScriptTx(self.wire.clone())),
            Box::new(ScriptRx {
                wire: self.wire.clone(),
                stop: self.stop.clone(),
                frame: Vec::new(),
            }),
        ))
    }
}

fn machine() -> FakeNetwork {
    FakeNetwork {
        list: vec![
            iface("lo", Some(([127, 0, 0, 1], 8))),
            iface("eth0", Some(([192, 168, 1, 37], 24))),
            iface("hot0", None),
        ],
        wire: Shared::default(),
        stop: Stop::new(),
    }
}

fn t0() -> Timestamp {
    chrono::DateTime::from_timestamp(1_795_341_600, 0).unwrap_or_default()
}

struct Run {
    result: Result<(), SourceError>,
    records: Vec<Record>,
    wire: Shared,
    probes: Arc<RecordProbes>,
}

/// Run the LAN source on `eth` (the interface its link is on) with the wire set up by `setup`.
fn run(eth: NetworkInterface, active: bool, setup: impl FnOnce(&mut Wire)) -> Run {
    let wire = Shared::default();
    setup(&mut wire.lock());
    let stop = Stop::new();
    let probes = Arc::new(RecordProbes {
        got: Mutex::new(Vec::new()),
        stop: stop.clone(),
    });
    let clock = Arc::new(ScriptClock {
        t0: t0(),
        i0: Instant::now(),
        wire: wire.clone(),
    });
    let link = (
        Box::new(ScriptTx(wire.clone())) as Box<dyn DataLinkSender>,
        Box::new(ScriptRx {
            wire: wire.clone(),
            stop: stop.clone(),
            frame: Vec::new(),
        }) as Box<dyn DataLinkReceiver>,
        eth.clone(),
    );
    let mut src = LanSource::new(eth.name.clone(), active).with_io(link, clock, probes.clone());
    src.prepare().expect("the link is given: nothing to open");
    let (tx, out) = mpsc::sync_channel(1 << 16);
    let result = Box::new(src).run(&Sink::new(tx), &stop);
    Run {
        result,
        records: out.try_iter().flatten().collect(),
        wire,
        probes,
    }
}

fn arps(recs: &[Record]) -> Vec<(Duration, &ArpSighting)> {
    recs.iter()
        .filter_map(|r| match &r.obs {
            Observation::Arp(a) => Some(((r.t - t0()).to_std().unwrap_or_default(), a)),
            _ => None,
        })
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn passive_listening_turns_arp_and_dhcp_into_sightings_at_the_clocks_time_and_sends_nothing() {
    let camera = [0x44, 0x19, 0xb6, 0x12, 0x34, 0x56];
    let phone = [0x5a, 0xe3, 0x44, 0x21, 0x0c, 0x77];
    let r = run(iface("eth0", Some(([192, 168, 1, 37], 24))), false, |w| {
        w.steps.extend([
            Step::Frame(arp_frame(
                2,
                camera,
                [192, 168, 1, 5],
                OWN_MAC,
                [192, 168, 1, 37],
            )),
            Step::Quiet(Duration::from_secs(1)),
            Step::Frame(dhcp_request_frame(
                phone,
                [192, 168, 1, 23],
                "android-phone",
                "android-dhcp-13",
            )),
            // Our own request, looped back: not a device.
            Step::Frame(arp_frame(
                1,
                OWN_MAC,
                [192, 168, 1, 37],
                [0; 6],
                [192, 168, 1, 5],
            )),
            // The camera again 2 s later: already said.
            Step::Quiet(Duration::from_secs(2)),
            Step::Frame(arp_frame(
                1,
                camera,
                [192, 168, 1, 5],
                [0; 6],
                [192, 168, 1, 1],
            )),
            // And 10 s after it was said: said again.
            Step::Quiet(Duration::from_secs(8)),
            Step::Frame(arp_frame(
                1,
                camera,
                [192, 168, 1, 5],
                [0; 6],
                [192, 168, 1, 1],
            )),
        ]);
    });
    assert_eq!(r.result, Ok(()));
    assert!(
        r.wire.lock().sent.is_empty(),
        "the passive check sent a frame"
    );
    let running = &r.records[0];
    assert_eq!(running.t, t0());
    assert!(
        matches!(&running.obs, Observation::Source(e) if e.state == SourceState::Running),
        "{running:?}"
    );
    let a = arps(&r.records);
    let ms = Duration::from_millis;
    assert_eq!(a.len(), 3, "{a:?}");
    assert_eq!(a[0].0, ms(1));
    assert_eq!(
        a[0].1,
        &ArpSighting {
            mac: MacAddr(camera),
            ip: ip("192.168.1.5"),
            via: Some("arp-reply".into()),
            hostname: None,
            vendor_class: None,
        }
    );
    assert_eq!(a[1].0, ms(1_002));
    assert_eq!(
        a[1].1,
        &ArpSighting {
            mac: MacAddr(phone),
            ip: ip("192.168.1.23"),
            via: Some("dhcp".into()),
            hostname: Some("android-phone".into()),
            vendor_class: Some("android-dhcp-13".into()),
        }
    );
    assert_eq!(a[2].0, ms(11_005), "the camera said again after 10 s");
    assert_eq!(a[2].1.via.as_deref(), Some("arp-request"));
    assert!(
        !r.records
            .iter()
            .any(|r| matches!(r.obs, Observation::Probe(_))),
        "probes from a passive check"
    );
    assert!(r.probes.got.lock().expect("probes").is_empty());
}

#[test]
fn the_active_sweep_asks_its_scope_only_retries_the_silent_and_probes_who_answered() {
    let router = [0x02, 0xaa, 0, 0, 0, 1];
    let camera = [0x44, 0x19, 0xb6, 0, 0, 20];
    let sleepy = [0x02, 0xaa, 0, 0, 0, 25];
    let stranger = [0x02, 0xbb, 0, 0, 0, 7];
    // 192.168.50.10/27: the 29 other addresses .1 to .30.
    let r = run(iface("eth0", Some(([192, 168, 50, 10], 27))), true, |w| {
        w.keep_reading = true;
        w.hosts.insert([192, 168, 50, 1], (router, 1));
        w.hosts.insert([192, 168, 50, 20], (camera, 1));
        // Answers only when asked a second time.
        w.hosts.insert([192, 168, 50, 25], (sleepy, 2));
        // Outside the scope, heard unprompted: a sighting, but not one of the sweep's.
        w.steps.push_back(Step::Frame(arp_frame(
            2,
            stranger,
            [192, 168, 51, 7],
            OWN_MAC,
            [192, 168, 50, 10],
        )));
    });
    assert_eq!(r.result, Ok(()));
    let w = r.wire.lock();

    // Every frame sent is an ARP request from us, for an address of the scope.
    let scope: BTreeSet<[u8; 4]> = (1..=30u8)
        .filter(|h| *h != 10)
        .map(|h| [192, 168, 50, h])
        .collect();
    for f in &w.sent {
        let (mac, from, target) = arp_request_of(f).expect("an ARP request");
        assert_eq!((mac, from), (OWN_MAC, [192, 168, 50, 10]));
        assert!(
            scope.contains(&target),
            "asked {target:?}, outside the scope"
        );
    }
    let asked: BTreeSet<[u8; 4]> = w.asked.keys().copied().collect();
    assert_eq!(asked, scope, "every address of the scope is asked");

    // Who answered is asked no more; the silent ones are asked again, up to the rounds.
    assert_eq!(w.asked[&[192, 168, 50, 1]], 1);
    assert_eq!(w.asked[&[192, 168, 50, 20]], 1);
    assert_eq!(w.asked[&[192, 168, 50, 25]], 2);
    for (target, n) in &w.asked {
        if ![1, 20, 25].contains(&target[3]) {
            assert_eq!(*n, SWEEP_ROUNDS, "{target:?}");
        }
    }
    assert_eq!(w.sent.len(), 1 + 1 + 2 + 26 * SWEEP_ROUNDS as usize);

    // The sweep finished: the hosts that answered went to the probes, once.
    let got = r.probes.got.lock().expect("probes");
    assert_eq!(
        *got,
        vec![(
            Ipv4Addr::new(192, 168, 50, 10),
            vec![
                (Ipv4Addr::new(192, 168, 50, 1), MacAddr(router)),
                (Ipv4Addr::new(192, 168, 50, 20), MacAddr(camera)),
                (Ipv4Addr::new(192, 168, 50, 25), MacAddr(sleepy)),
            ]
        )]
    );

    // Every reply is a sighting, the stranger's too; the probe's result is passed on.
    let seen: BTreeSet<(IpAddr, MacAddr)> = arps(&r.records)
        .iter()
        .map(|(_, a)| (a.ip, a.mac))
        .collect();
    let want: BTreeSet<(IpAddr, MacAddr)> = [
        (ip("192.168.50.1"), MacAddr(router)),
        (ip("192.168.50.20"), MacAddr(camera)),
        (ip("192.168.50.25"), MacAddr(sleepy)),
        (ip("192.168.51.7"), MacAddr(stranger)),
    ]
    .into();
    assert_eq!(seen, want);
    let probes: Vec<&Record> = r
        .records
        .iter()
        .filter(|r| matches!(r.obs, Observation::Probe(_)))
        .collect();
    assert_eq!(probes.len(), 1);
    assert_eq!(probes[0].t, t0() + w.elapsed, "at the clock's time");
}

#[test]
fn a_network_larger_than_a_16_is_refused_before_anything_is_sent() {
    let r = run(iface("eth0", Some(([10, 0, 0, 5], 8))), true, |_| {});
    assert_eq!(
        r.result,
        Err(SourceError::Unavailable {
            reason: TooLarge { prefix: 8 }.to_string(),
            fix: "Use a smaller network, or listen only.".into(),
        })
    );
    assert!(
        r.result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("larger than a /16"))
    );
    assert!(r.wire.lock().sent.is_empty());

    let r = run(iface("eth0", None), true, |_| {});
    assert_eq!(
        r.result,
        Err(SourceError::Unavailable {
            reason: "eth0 has no IPv4 address, so there is no subnet to check.".into(),
            fix: "Join the network first, then try again.".into(),
        })
    );
    assert!(r.wire.lock().sent.is_empty());
}

#[test]
fn a_failing_socket_ends_the_source_with_what_happened() {
    let camera = [0x44, 0x19, 0xb6, 0x12, 0x34, 0x56];
    let r = run(iface("eth0", Some(([192, 168, 1, 37], 24))), false, |w| {
        w.steps.extend([
            Step::Frame(arp_frame(
                2,
                camera,
                [192, 168, 1, 5],
                OWN_MAC,
                [192, 168, 1, 37],
            )),
            Step::Fail("Network is down (os error 100)"),
            Step::Frame(arp_frame(
                2,
                camera,
                [192, 168, 1, 6],
                OWN_MAC,
                [192, 168, 1, 37],
            )),
        ]);
    });
    assert_eq!(
        r.result,
        Err(SourceError::Failed(
            "eth0: capture stopped: Network is down (os error 100)".into()
        ))
    );
    let a = arps(&r.records);
    assert_eq!(
        a.len(),
        1,
        "what came before the failure is kept, nothing after"
    );

    let r = run(iface("eth0", Some(([192, 168, 1, 37], 24))), true, |w| {
        w.send_error = Some("No buffer space available (os error 105)");
    });
    assert_eq!(
        r.result,
        Err(SourceError::Failed(
            "eth0: cannot send: No buffer space available (os error 105)".into()
        ))
    );
}

#[test]
fn no_such_interface_names_the_ones_there_are() {
    let net = Arc::new(machine());
    let mut src = LanSource::new("wlan9", false).with_network(net.clone());
    let want = SourceError::Unavailable {
        reason: "There is no network interface called \"wlan9\".".into(),
        fix: "Pick one of: lo, eth0, hot0. For a hotspot, start it first (the start screen's ? explains how).".into(),
    };
    assert_eq!(src.prepare(), Err(want.clone()));
    assert!(net.wire.lock().opened.is_empty(), "nothing opened");
    // The same words for the phone-traffic capture, which opens through the same call.
    assert_eq!(
        open_link_on(&*net, "wlan9", "capture traffic", LinkOptions::new(4096)).err(),
        Some(want)
    );
    assert_eq!(
        find_interface(net.interfaces(), "eth0").map(|i| i.name),
        Ok("eth0".to_string())
    );
}

#[test]
fn the_channel_is_opened_for_listening_or_for_the_sweep() {
    let net = Arc::new(machine());
    let mut passive = LanSource::new("eth0", false).with_network(net.clone());
    passive.prepare().expect("opened");
    let mut active = LanSource::new("eth0", true).with_network(net.clone());
    active.prepare().expect("opened");
    let opened = net.wire.lock().opened.clone();
    assert_eq!(opened.len(), 2);
    // Listening wakes every 100 ms with the default queue; the sweep reads at its pace,
    // with a queue for its 253 targets (1280 bytes each).
    assert_eq!(opened[0].read_timeout, Duration::from_millis(100));
    assert_eq!(opened[0].socket_buffer, None);
    assert_eq!(opened[1].read_timeout, SWEEP_INTERVAL);
    assert_eq!(opened[1].socket_buffer, Some(253 * 1280));
}

#[test]
fn without_the_right_to_listen_the_setcap_line_is_given() {
    let net = machine();
    net.wire.lock().open_error = Some(io::ErrorKind::PermissionDenied);
    let net = Arc::new(net);
    let mut src = LanSource::new("eth0", false).with_network(net.clone());
    match src.prepare() {
        Err(SourceError::Unavailable { reason, fix }) => {
            assert!(
                reason.starts_with("sweep is not allowed to listen on eth0 (it needs CAP_NET_RAW"),
                "{reason}"
            );
            assert!(
                fix.starts_with("Run once: sudo setcap cap_net_raw+eip "),
                "{fix}"
            );
        }
        other => panic!("{other:?}"),
    }
    net.wire.lock().open_error = Some(io::ErrorKind::NotFound);
    let mut src = LanSource::new("eth0", false).with_network(net.clone());
    assert_eq!(
        src.prepare(),
        Err(SourceError::Unavailable {
            reason: "Cannot listen on eth0: refused.".into(),
            fix: "Check that the interface is up (ip link), then try again.".into(),
        })
    );
}

#[test]
fn the_scope_is_described_from_the_interface_list() {
    let net = machine();
    assert_eq!(
        active_scope_on(&net, "eth0"),
        "the 253 other addresses of 192.168.1.0/24"
    );
    assert_eq!(
        active_scope_on(&net, "lo"),
        "none: 127.0.0.0/8 is larger than a /16, so the active check will not run"
    );
    for no_address in ["hot0", "wlan9"] {
        assert_eq!(
            active_scope_on(&net, no_address),
            "no address: this interface has no IPv4 address, so there is nothing to ask"
        );
    }
}
