//! What the active network check does after the ARP sweep, on the hosts that answered:
//! TCP connections to the camera ports, an RTSP `OPTIONS`, and an ONVIF WS-Discovery probe
//! ([`CameraProbes`]; tests give the source their own [`Probes`]). Never passwords, never
//! stream URLs.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::observation::{MacAddr, Observation, Probe, ProbeResult};

/// Camera ports checked by the active check.
pub const CAMERA_PORTS: [u16; 7] = [554, 8554, 80, 8000, 8080, 37777, 34567];

/// TCP checks of the camera ports and an RTSP OPTIONS, on one host (its own thread).
fn probe_host(ip: Ipv4Addr, mac: MacAddr, tx: mpsc::Sender<Observation>) {
    for port in CAMERA_PORTS {
        let addr = SocketAddr::new(IpAddr::V4(ip), port);
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(400)) else {
            continue;
        };
        let mut detail = None;
        let mut probe = Probe::Tcp;
        if port == 554 || port == 8554 {
            let _ = s.set_read_timeout(Some(Duration::from_millis(800)));
            let req = format!(
                "OPTIONS rtsp://{ip}:{port}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: sweep\r\n\r\n"
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = [0u8; 1024];
                if let Ok(n) = s.read(&mut buf) {
                    let text = String::from_utf8_lossy(&buf[..n]);
                    if text.starts_with("RTSP/") {
                        probe = Probe::Rtsp;
                        let status = text.lines().next().unwrap_or_default().to_string();
                        let server = text
                            .lines()
                            .find(|l| l.to_ascii_lowercase().starts_with("server:"))
                            .map(|l| l[7..].trim().to_string());
                        detail = Some(crate::sanitize::clean(
                            &format!(
                                "{status}{}",
                                server.map(|s| format!(", server {s}")).unwrap_or_default()
                            ),
                            120,
                        ));
                    }
                }
            }
        }
        let _ = tx.send(Observation::Probe(ProbeResult {
            ip: IpAddr::V4(ip),
            mac: Some(mac),
            probe,
            port: Some(port),
            open: true,
            detail,
        }));
    }
}

/// A UDP socket on `local` whose multicast leaves through the interface that has `local`
/// and goes no further than the local link (TTL 1). Linux already sends multicast from a
/// bound address through the device that owns it; IP_MULTICAST_IF states it explicitly
/// instead of relying on that routing special case.
fn link_multicast_socket(local: Ipv4Addr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_multicast_if_v4(&local)?;
    s.set_multicast_ttl_v4(1)?;
    s.bind(&SocketAddr::new(IpAddr::V4(local), 0).into())?;
    Ok(s.into())
}

/// The service address in a WS-Discovery ProbeMatch (`<...:XAddrs>url</...:XAddrs>`).
fn xaddrs(text: &str) -> Option<&str> {
    let rest = text.split_once("XAddrs>")?.1;
    let value = rest.split('<').next()?.trim();
    (!value.is_empty()).then_some(value)
}

/// ONVIF WS-Discovery: one multicast Probe for video transmitters on the chosen link.
fn onvif_probe(local: Ipv4Addr, tx: mpsc::Sender<Observation>) {
    let Ok(sock) = link_multicast_socket(local) else {
        return;
    };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(300)));
    let msg = r#"<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><e:Header><w:MessageID>uuid:5f0e6c64-7a3b-4d3e-9c0e-73776565702d</w:MessageID><w:To e:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To><w:Action e:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header><e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>"#;
    if sock
        .send_to(msg.as_bytes(), "239.255.255.250:3702")
        .is_err()
    {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut buf = vec![0u8; 8192];
    let mut seen = HashSet::new();
    while Instant::now() < deadline {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        if text.contains("ProbeMatch") && seen.insert(from.ip()) {
            let _ = tx.send(Observation::Probe(ProbeResult {
                ip: from.ip(),
                mac: None,
                probe: Probe::Onvif,
                port: Some(3702),
                open: true,
                detail: xaddrs(&text).map(|x| crate::sanitize::clean(x, 120)),
            }));
        }
    }
}

/// What the active check does once the sweep is over: in production ([`CameraProbes`])
/// the camera-port checks and RTSP `OPTIONS` on each host that answered and one ONVIF
/// probe from `local`, each on its own thread, their results sent on `tx`. A test records
/// the hosts instead (and sends nothing on any network).
pub trait Probes: Send + Sync {
    fn start(&self, local: Ipv4Addr, hosts: &[(Ipv4Addr, MacAddr)], tx: &mpsc::Sender<Observation>);
}

/// The real probes: TCP, RTSP and ONVIF on the network.
#[derive(Debug, Clone, Copy, Default)]
pub struct CameraProbes;

impl Probes for CameraProbes {
    fn start(
        &self,
        local: Ipv4Addr,
        hosts: &[(Ipv4Addr, MacAddr)],
        tx: &mpsc::Sender<Observation>,
    ) {
        for (ip, m) in hosts {
            let (ip, m, t) = (*ip, *m, tx.clone());
            let _ = std::thread::Builder::new()
                .name("lan-probe".into())
                .spawn(move || probe_host(ip, m, t));
        }
        let t = tx.clone();
        let _ = std::thread::Builder::new()
            .name("onvif-probe".into())
            .spawn(move || onvif_probe(local, t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xaddrs_whatever_the_namespace_prefix() {
        for (text, want) in [
            (
                "<d:XAddrs>http://10.0.0.5/onvif/device_service</d:XAddrs>",
                Some("http://10.0.0.5/onvif/device_service"),
            ),
            (
                "<wsdd:XAddrs> http://10.0.0.6:8080/onvif </wsdd:XAddrs>",
                Some("http://10.0.0.6:8080/onvif"),
            ),
            ("<XAddrs></XAddrs>", None),
            ("<d:ProbeMatch/>", None),
        ] {
            assert_eq!(xaddrs(text), want, "{text}");
        }
    }
}
