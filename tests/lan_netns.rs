//! The network check in a testbed of network namespaces this test creates (root only):
//! a bridge, the scanner, a camera with a camera maker's MAC prefix and an RTSP responder
//! on 554, a host publishing an mDNS service, a host with a randomised MAC, and a host that
//! stays silent until asked. Only addresses inside these namespaces are ever targeted;
//! every namespace is deleted when the test ends, whatever happens.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::netns::{Kid, Netns, ip};

const NET: &str = "10.213.0";

/// The namespaces and the helpers started in them; the helpers are killed first, then the
/// namespaces deleted (field order), whatever happens.
struct Testbed {
    prefix: String,
    children: Vec<Kid>,
    namespaces: Vec<Netns>,
    dir: tempfile::TempDir,
}

impl Testbed {
    fn new(tag: &str) -> Testbed {
        let prefix = format!("swl{tag}{}", std::process::id() % 100_000);
        let mut tb = Testbed {
            namespaces: vec![Netns::named(format!("{prefix}-sw"))],
            prefix,
            children: Vec::new(),
            dir: tempfile::tempdir().expect("tmp"),
        };
        let sw = tb.ns("sw");
        ip(&["-n", &sw, "link", "add", "br0", "type", "bridge"]);
        ip(&[
            "-n",
            &sw,
            "link",
            "set",
            "br0",
            "type",
            "bridge",
            "ageing_time",
            "0",
        ]);
        ip(&["-n", &sw, "link", "set", "br0", "up"]);
        // host index, MAC
        for (i, mac) in [
            (1, "0a:00:00:00:00:01"),
            (2, "44:19:b6:00:00:02"),
            (3, "f0:18:98:00:00:03"),
            (4, "02:00:00:00:00:04"),
            (5, "00:11:22:00:00:05"),
        ] {
            let ns = tb.ns(&format!("h{i}"));
            tb.namespaces.push(Netns::named(ns.clone()));
            // No IPv6 chatter from the kernel (router solicitations, MLD) in the testbed.
            let _ = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &ns,
                    "sysctl",
                    "-qw",
                    "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1",
                ])
                .status();
            ip(&[
                "link",
                "add",
                "eth0",
                "netns",
                &ns,
                "type",
                "veth",
                "peer",
                "name",
                &format!("p{i}"),
                "netns",
                &sw,
            ]);
            ip(&["-n", &sw, "link", "set", &format!("p{i}"), "master", "br0"]);
            ip(&["-n", &sw, "link", "set", &format!("p{i}"), "up"]);
            ip(&["-n", &ns, "link", "set", "eth0", "address", mac]);
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{NET}.{i}/24"),
                "dev",
                "eth0",
            ]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
        }
        tb
    }

    /// `n` more live hosts, 10.213.0.6 upwards, each a macvlan interface with its own MAC
    /// (02:cc:00:00:00:NN) in one namespace, answering ARP only for its own address.
    fn crowd(&mut self, n: usize) -> Vec<(String, String)> {
        let (sw, ns) = (self.ns("sw"), self.ns("crowd"));
        self.namespaces.push(Netns::named(ns.clone()));
        let sysctl = |kv: &[&str]| {
            let s = Command::new("ip")
                .args(["netns", "exec", &ns, "sysctl", "-qw"])
                .args(kv)
                .status()
                .expect("sysctl");
            assert!(s.success(), "sysctl {kv:?}");
        };
        sysctl(&[
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
            "net.ipv4.conf.all.arp_ignore=1",
            "net.ipv4.conf.default.arp_ignore=1",
            "net.ipv4.conf.all.arp_announce=2",
            "net.ipv4.conf.default.arp_announce=2",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
        ]);
        ip(&[
            "link", "add", "up0", "netns", &ns, "type", "veth", "peer", "name", "pcrowd", "netns",
            &sw,
        ]);
        ip(&["-n", &sw, "link", "set", "pcrowd", "master", "br0"]);
        ip(&["-n", &sw, "link", "set", "pcrowd", "up"]);
        ip(&["-n", &ns, "link", "set", "up0", "up"]);
        let mut batch = String::new();
        let mut hosts = Vec::new();
        for i in 0..n {
            let (addr, mac) = (
                format!("{NET}.{}", i + 6),
                format!("02:cc:00:00:00:{:02x}", i + 6),
            );
            batch.push_str(&format!(
                "link add c{i} link up0 address {mac} type macvlan mode bridge\naddr add {addr}/32 dev c{i}\nlink set c{i} up\n"
            ));
            hosts.push((mac.to_uppercase(), addr));
        }
        let file = self.path("crowd.batch");
        std::fs::write(&file, batch).expect("batch file");
        ip(&["-n", &ns, "-batch", file.to_str().expect("path")]);
        sysctl(
            &(0..n)
                .map(|i| format!("net.ipv4.conf.c{i}.arp_ignore=1"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        hosts
    }

    fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    fn spawn(&mut self, ns: &str, program: &str, args: &[&str]) -> usize {
        let c = Command::new("ip")
            .args(["netns", "exec", &self.ns(ns), program])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn in namespace");
        self.children.push(Kid(c));
        self.children.len() - 1
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The camera: an RTSP responder on 554 that notes every connection in a file.
    fn camera(&mut self) {
        let marker = self.path("rtsp-connections");
        let code = format!(
            "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('{NET}.2',554));s.listen(8)\nprint('ready',flush=True)\nwhile True:\n c,_=s.accept();open('{}','a').write('x\\n')\n try:\n  c.settimeout(2);c.recv(1024);c.sendall(b'RTSP/1.0 200 OK\\r\\nCSeq: 1\\r\\nServer: TestCam\\r\\nPublic: OPTIONS, DESCRIBE\\r\\n\\r\\n')\n except Exception: pass\n c.close()\n",
            marker.display()
        );
        let i = self.spawn("h2", "/usr/bin/python3", &["-c", &code]);
        self.wait_line(i, "ready");
    }

    /// An ONVIF camera's WS-Discovery responder on h5: it joins the multicast group on its
    /// own link, notes who asked, and answers a Probe with a ProbeMatch naming its service.
    fn onvif_responder(&mut self) {
        let marker = self.path("onvif-probes");
        let code = format!(
            "import socket,struct\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('',3702))\ns.setsockopt(socket.IPPROTO_IP,socket.IP_ADD_MEMBERSHIP,struct.pack('4s4s',socket.inet_aton('239.255.255.250'),socket.inet_aton('{NET}.5')))\nprint('ready',flush=True)\nwhile True:\n d,a=s.recvfrom(8192);open('{}','a').write(a[0]+'\\n')\n if b'Probe' in d: s.sendto(b'<?xml version=\"1.0\"?><e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsdd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><e:Body><wsdd:ProbeMatches><wsdd:ProbeMatch><wsdd:Types>dn:NetworkVideoTransmitter</wsdd:Types><wsdd:XAddrs>http://{NET}.5/onvif/device_service</wsdd:XAddrs></wsdd:ProbeMatch></wsdd:ProbeMatches></e:Body></e:Envelope>',a)\n",
            marker.display()
        );
        let i = self.spawn("h5", "/usr/bin/python3", &["-c", &code]);
        self.wait_line(i, "ready");
    }

    fn mdns_publisher(&mut self) {
        let exe = std::env::current_exe().expect("exe");
        let examples = exe
            .parent()
            .and_then(|d| d.parent())
            .expect("target dir")
            .join("examples")
            .join("mdns_publish");
        assert!(
            examples.exists(),
            "{} not built (cargo test builds examples)",
            examples.display()
        );
        let i = self.spawn(
            "h3",
            examples.to_str().expect("path"),
            &[
                &format!("{NET}.3"),
                "_airplay._tcp.local.",
                "Living Room",
                "7000",
            ],
        );
        self.wait_line(i, "published");
    }

    fn wait_line(&mut self, i: usize, want: &str) {
        use std::io::{BufRead, BufReader};
        let out = self.children[i].0.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut r = BufReader::new(out);
        r.read_line(&mut line).expect("read");
        assert!(line.contains(want), "helper said {line:?}");
    }

    fn sweep(&self, args: &[&str], json: &PathBuf, rec: &PathBuf) -> std::process::Output {
        let home = self.path("home");
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns("h1"),
                env!("CARGO_BIN_EXE_sweep"),
                "scan",
                "--lan",
                "eth0",
            ])
            .args(args)
            .arg("--json")
            .arg(json)
            .arg("--record")
            .arg(rec)
            .env("SWEEP_HOME", home)
            .output()
            .expect("sweep")
    }
}

fn json(p: &PathBuf) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("json")).expect("parse")
}

fn device<'a>(v: &'a serde_json::Value, mac: &str) -> Option<&'a serde_json::Value> {
    v["devices"]
        .as_array()?
        .iter()
        .find(|d| d["kind"] == "network" && d["address"] == mac)
}

#[test]
#[ignore = "needs root, network namespaces and python3"]
fn active_check_finds_every_host_the_service_and_the_camera() {
    let mut tb = Testbed::new("a");
    tb.camera();
    tb.mdns_publisher();
    tb.onvif_responder();
    let (j, r) = (tb.path("active.json"), tb.path("active.jsonl"));
    let out = tb.sweep(&["--active", "--duration", "8"], &j, &r);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Before sending, sweep says which addresses it asks (the testbed's /24, minus itself).
    assert!(
        err.contains(&format!("asking the 253 other addresses of {NET}.0/24")),
        "{err}"
    );
    let v = json(&j);
    for (mac, vendor) in [
        ("44:19:B6:00:00:02", "Hikvision"),
        ("F0:18:98:00:00:03", "Apple"),
        ("02:00:00:00:00:04", "randomised"),
        ("00:11:22:00:00:05", ""),
    ] {
        let d = device(&v, mac).unwrap_or_else(|| panic!("{mac} not found: {}", v["devices"]));
        assert!(
            d["vendor"].as_str().is_some_and(|x| x.contains(vendor)),
            "{mac}: vendor {}",
            d["vendor"]
        );
    }
    // The mDNS service, attached to its host.
    let speaker = device(&v, "F0:18:98:00:00:03").expect("mdns host");
    assert!(
        speaker["description"]
            .as_str()
            .is_some_and(|d| d.contains("_airplay._tcp")),
        "{speaker}"
    );
    // The camera lead, with the RTSP answer as evidence.
    let cam = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["subject"]["address"] == "44:19:B6:00:00:02")
        .expect("camera finding");
    assert_eq!(cam["title"], "Possible camera — check physically");
    assert!(cam.to_string().contains("RTSP/1.0 200 OK"), "{cam}");
    assert!(
        std::fs::read_to_string(tb.path("rtsp-connections")).is_ok_and(|s| !s.is_empty()),
        "the camera was probed"
    );
    // The ONVIF Probe went out on the chosen link, from the scanner, and the answer is a lead
    // on the host that gave it, with its service address.
    let asked = std::fs::read_to_string(tb.path("onvif-probes")).unwrap_or_default();
    assert_eq!(
        asked.trim(),
        format!("{NET}.1"),
        "ONVIF probes seen: {asked:?}"
    );
    let onvif = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["signature"] == "network.onvif")
        .unwrap_or_else(|| panic!("no ONVIF finding: {}", v["findings"]));
    assert_eq!(onvif["subject"]["address"], "00:11:22:00:00:05", "{onvif}");
    assert!(
        onvif
            .to_string()
            .contains(&format!("http://{NET}.5/onvif/device_service")),
        "{onvif}"
    );
    // Probes went only to hosts inside the testbed.
    let text = std::fs::read_to_string(&r).expect("record");
    for line in text.lines().filter(|l| l.contains(r#""kind":"probe""#)) {
        assert!(
            line.contains(&format!("\"{NET}.")),
            "probe outside the testbed: {line}"
        );
    }
}

#[test]
#[ignore = "needs root and network namespaces"]
fn active_check_finds_every_one_of_250_live_hosts() {
    let mut tb = Testbed::new("c");
    // The four hosts of the testbed plus 246: 250 live hosts of the 253 other addresses.
    let mut live: Vec<(String, String)> = [
        ("44:19:B6:00:00:02", 2),
        ("F0:18:98:00:00:03", 3),
        ("02:00:00:00:00:04", 4),
        ("00:11:22:00:00:05", 5),
    ]
    .iter()
    .map(|(m, i)| (m.to_string(), format!("{NET}.{i}")))
    .collect();
    live.extend(tb.crowd(246));
    assert_eq!(live.len(), 250);
    let (j, r) = (tb.path("crowd.json"), tb.path("crowd.jsonl"));
    let out = tb.sweep(&["--active", "--duration", "4"], &j, &r);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&j);
    let missing: Vec<&(String, String)> = live
        .iter()
        .filter(|(mac, addr)| {
            !device(&v, mac).is_some_and(|d| d.to_string().contains(&format!("\"{addr}\"")))
        })
        .collect();
    assert!(missing.is_empty(), "not found: {missing:?}");
}

#[test]
#[ignore = "needs root, network namespaces, python3, tcpdump and ping"]
fn passive_check_sends_nothing_and_needs_active_to_probe() {
    let mut tb = Testbed::new("p");
    tb.camera();
    // Capture everything on the scanner's link while it runs.
    let pcap = tb.path("scanner.pcap");
    let td = Command::new("ip")
        .args([
            "netns",
            "exec",
            &tb.ns("h1"),
            "tcpdump",
            "-i",
            "eth0",
            "-U",
            "-n",
            "-w",
        ])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpdump (CI installs it)");
    tb.children.push(Kid(td));
    let idx = tb.children.len() - 1;
    {
        use std::io::{BufRead, BufReader};
        let err = tb.children[idx].0.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(err)
            .read_line(&mut line)
            .expect("tcpdump started");
        assert!(line.contains("listening"), "{line}");
    }
    // Start the passive check, and once it listens, make the camera ask for the speaker.
    let (j, r) = (tb.path("passive.json"), tb.path("passive.jsonl"));
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            &tb.ns("h1"),
            env!("CARGO_BIN_EXE_sweep"),
            "scan",
            "--lan",
            "eth0",
            "--duration",
            "4",
            "--json",
        ])
        .arg(&j)
        .arg("--record")
        .arg(&r)
        .env("SWEEP_HOME", tb.path("home"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sweep");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&r)
        .is_ok_and(|t| t.contains(r#""source":"lan","state":"running""#))
    {
        assert!(Instant::now() < deadline, "the LAN source did not start");
        std::thread::yield_now();
    }
    let _ = Command::new("ip")
        .args(["-n", &tb.ns("h2"), "neigh", "flush", "all"])
        .status();
    let _ = Command::new("ip")
        .args([
            "netns",
            "exec",
            &tb.ns("h2"),
            "ping",
            "-c",
            "2",
            "-i",
            "0.3",
            &format!("{NET}.3"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ping is needed (iputils-ping)");
    let out = child.wait_with_output().expect("sweep ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Stop tcpdump and read what the scanner's interface sent.
    let _ = tb.children[idx].0.kill();
    let _ = tb.children[idx].0.wait();
    let dump = Command::new("tcpdump")
        .args(["-r"])
        .arg(&pcap)
        .args(["-e", "-n"])
        .output()
        .expect("tcpdump -r");
    let text = String::from_utf8_lossy(&dump.stdout);
    let sent: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("0a:00:00:00:00:01 >"))
        .collect();
    assert!(
        sent.is_empty(),
        "the passive check sent frames:\n{}",
        sent.join("\n")
    );
    // It still heard the camera's ARP request.
    let v = json(&j);
    assert!(
        device(&v, "44:19:B6:00:00:02").is_some(),
        "the camera was heard passively: {}",
        v["devices"]
    );
    // And it probed nothing.
    assert!(
        !std::fs::read_to_string(&r)
            .expect("record")
            .contains(r#""kind":"probe""#)
    );
    assert!(
        !tb.path("rtsp-connections").exists(),
        "the passive check connected to the camera"
    );
}

#[test]
#[ignore = "needs root and setpriv"]
fn without_capture_rights_the_exact_setcap_line_is_given() {
    // Run as an unprivileged user (no CAP_NET_RAW): the LAN source says what to do.
    assert!(
        support::netns::is_root(),
        "needs root (to drop to an unprivileged user)"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let _ = Command::new("chmod").arg("777").arg(dir.path()).status();
    let json = dir.path().join("out.json");
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_sweep"))
        .args(["scan", "--lan", "lo", "--duration", "1", "--json"])
        .arg(&json)
        .env("SWEEP_HOME", dir.path())
        .output()
        .expect("setpriv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sudo setcap cap_net_raw+eip"), "{err}");
    assert!(!err.contains("panicked"));
}
