//! Test helper (used by tests/lan_netns.rs inside a network namespace): publish one mDNS
//! service until killed. `mdns_publish IP TYPE NAME PORT`
use std::collections::HashMap;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: mdns_publish IP TYPE NAME PORT");
        std::process::exit(2);
    }
    let port: u16 = a[4].parse().unwrap_or(7000);
    let daemon = mdns_sd::ServiceDaemon::new().expect("daemon");
    let props: HashMap<String, String> = [("model".to_string(), "TestSpeaker".to_string())].into();
    let info =
        mdns_sd::ServiceInfo::new(&a[2], &a[3], "testhost.local.", a[1].as_str(), port, props)
            .expect("info");
    daemon.register(info).expect("register");
    println!("published");
    loop {
        std::thread::park();
    }
}
