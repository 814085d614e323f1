//! The local adb server, through `forensic-adb` (host protocol over TCP). The server owns
//! the USB device; sweep only asks it to list phones, run read-only shell commands (shell
//! protocol v2, for exit codes) and pull files (sync RECV).
//!
//! `ADB_SERVER_SOCKET=tcp:HOST:PORT` (or `tcp:PORT`) points sweep at another server, as it
//! does for `adb`; the default is `tcp:127.0.0.1:5037`. Nothing is started: without a
//! server the check says how to get one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use forensic_adb::{AndroidStorageInput, Device, DeviceError, Host};

use super::collect::{CmdOutput, Phone, PhoneError};
use super::error::AndroidError;
use crate::sources::SourceError;
use crate::texts::phone::UNAVAILABLE_FIX;

/// Host and port of the adb server, from `ADB_SERVER_SOCKET` as adb reads it.
pub fn server_socket(var: Option<&str>) -> Result<(String, u16), AndroidError> {
    let Some(v) = var.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(("127.0.0.1".into(), 5037));
    };
    let Some(rest) = v.strip_prefix("tcp:") else {
        return Err(AndroidError::ServerSocket {
            value: v.to_string(),
        });
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_string(), p),
        None => ("127.0.0.1".to_string(), rest),
    };
    let port: u16 = port.parse().map_err(|_| AndroidError::ServerPort {
        value: v.to_string(),
        port: port.to_string(),
    })?;
    let host = if host.is_empty() || host == "localhost" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    Ok((host, port))
}

/// One line of `host:devices-l`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub serial: String,
    /// `device`, `unauthorized`, `offline`, `no permissions`, `recovery`, ...
    pub state: String,
    pub model: Option<String>,
}

/// Parse `host:devices-l`: `SERIAL <spaces> STATE key:value ...`.
pub fn parse_devices(text: &str) -> Vec<Listed> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let serial = it.next()?.to_string();
            let mut state = it.next()?.to_string();
            let rest: Vec<&str> = it.collect();
            // "no permissions (...)" spans several words.
            if state == "no" {
                state = "no permissions".into();
            }
            let model = rest
                .iter()
                .find_map(|kv| kv.strip_prefix("model:"))
                .map(str::to_string);
            Some(Listed {
                serial,
                state,
                model,
            })
        })
        .collect()
}

fn runtime() -> Result<tokio::runtime::Runtime, SourceError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| SourceError::Failed(format!("cannot start the adb client: {e}")))
}

/// The phones the adb server at `ADB_SERVER_SOCKET` (default 127.0.0.1:5037) sees, with
/// their state, for a screen that asks which one to check. Unavailable with the plain fix
/// when no server answers.
pub fn list_phones() -> Result<Vec<Listed>, SourceError> {
    let var = std::env::var("ADB_SERVER_SOCKET").ok();
    let (host, port) = server_socket(var.as_deref())?;
    let rt = runtime()?;
    let h = Host {
        host: Some(host.clone()),
        port: Some(port),
    };
    rt.block_on(h.execute_host_command("devices-l", true, true))
        .map(|t| parse_devices(&t))
        .map_err(|e| SourceError::Unavailable {
            reason: format!("No adb server answers on {host}:{port} ({e})."),
            fix: format!("Start it with `adb start-server`. {UNAVAILABLE_FIX}"),
        })
}

/// A phone behind the adb server.
pub struct AdbPhone {
    rt: tokio::runtime::Runtime,
    device: Device,
    addr: (String, u16),
    serial: String,
    /// One sync session for every pull (see [`SyncSession`]).
    sync: Option<SyncSession>,
    /// The phone speaks shell protocol v2 (Android 7 and later); else `exec:` is used.
    v2: bool,
}

impl AdbPhone {
    /// Connect to the adb server and pick the phone: `serial`, or the only one attached.
    /// Two phones without a serial is a usage error (the message names them).
    pub fn open(serial: Option<&str>) -> Result<(AdbPhone, Listed), SourceError> {
        let var = std::env::var("ADB_SERVER_SOCKET").ok();
        let (host, port) = server_socket(var.as_deref())?;
        Self::open_at(&host, port, serial)
    }

    /// As [`AdbPhone::open`], with the server's host and port given.
    pub fn open_at(
        host: &str,
        port: u16,
        serial: Option<&str>,
    ) -> Result<(AdbPhone, Listed), SourceError> {
        let host = host.to_string();
        let rt = runtime()?;
        let h = Host {
            host: Some(host.clone()),
            port: Some(port),
        };
        let listing = rt
            .block_on(h.execute_host_command("devices-l", true, true))
            .map_err(|e| SourceError::Unavailable {
                reason: format!("No adb server answers on {host}:{port} ({e})."),
                fix: format!("Start it with `adb start-server`. {UNAVAILABLE_FIX}"),
            })?;
        let all = parse_devices(&listing);
        let chosen = match serial {
            Some(s) => all.iter().find(|d| d.serial == s).cloned().ok_or_else(|| {
                SourceError::Unavailable {
                    reason: format!(
                        "No phone with the serial {s} is connected{}.",
                        if all.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (connected: {})",
                                all.iter()
                                    .map(|d| d.serial.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                    fix: UNAVAILABLE_FIX.into(),
                }
            })?,
            None => match all.as_slice() {
                [] => {
                    return Err(SourceError::Unavailable {
                        reason: "No Android phone is connected (adb sees none).".into(),
                        fix: UNAVAILABLE_FIX.into(),
                    });
                }
                [one] => one.clone(),
                many => {
                    return Err(SourceError::Input(format!(
                        "{} phones are connected ({}): say which one with --serial SERIAL.",
                        many.len(),
                        many.iter()
                            .map(|d| d.serial.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            },
        };
        match chosen.state.as_str() {
            "device" => {}
            "unauthorized" => {
                return Err(SourceError::Unavailable {
                    reason: format!(
                        "The phone {} has not allowed this computer yet (unauthorised).",
                        chosen.serial
                    ),
                    fix: "Unlock the phone and accept \"Allow USB debugging\" on its screen, then run the check again.".into(),
                });
            }
            "offline" => {
                return Err(SourceError::Unavailable {
                    reason: format!("The phone {} is offline.", chosen.serial),
                    fix: "Unplug and reconnect the cable, unlock the phone, and accept \"Allow USB debugging\" if it asks.".into(),
                });
            }
            other => {
                return Err(SourceError::Unavailable {
                    reason: format!(
                        "The phone {} cannot be used right now (adb says: {other}).",
                        chosen.serial
                    ),
                    fix: UNAVAILABLE_FIX.into(),
                });
            }
        }
        let device = rt
            .block_on(Device::new(
                h.clone(),
                chosen.serial.clone(),
                AndroidStorageInput::Auto,
            ))
            .map_err(|e| SourceError::Failed(format!("adb: {e}")))?;
        let features = rt
            .block_on(h.execute_command(
                &format!("host-serial:{}:features", chosen.serial),
                true,
                true,
            ))
            .unwrap_or_default();
        let v2 = features.split(',').any(|f| f.trim() == "shell_v2");
        Ok((
            AdbPhone {
                rt,
                device,
                addr: (host, port),
                serial: chosen.serial.clone(),
                sync: None,
                v2,
            },
            chosen,
        ))
    }
}

fn disconnected(e: DeviceError, partial: Vec<u8>) -> PhoneError {
    PhoneError::Disconnected {
        reason: e.to_string(),
        partial,
    }
}

/// Decode shell protocol v2 frames: (stdout, exit code, whether the stream was whole).
pub fn decode_v2(mut b: &[u8]) -> (Vec<u8>, Option<i32>, bool) {
    let mut out = Vec::new();
    let mut exit = None;
    while !b.is_empty() {
        if b.len() < 5 {
            return (out, exit, false);
        }
        let id = b[0];
        let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
        let Some(data) = b.get(5..5 + len) else {
            if id == 1 {
                out.extend_from_slice(&b[5..]);
            }
            return (out, exit, false);
        };
        match id {
            1 => out.extend_from_slice(data),
            3 => exit = data.first().map(|c| i32::from(*c)),
            _ => {}
        }
        b = &b[5 + len..];
    }
    let whole = exit.is_some();
    (out, exit, whole)
}

impl Phone for AdbPhone {
    fn run(&mut self, command: &str) -> Result<CmdOutput, PhoneError> {
        let service = if self.v2 {
            format!("shell,v2,raw:{command}")
        } else {
            format!("exec:{command}")
        };
        let r = self
            .rt
            .block_on(self.device.execute_host_command(&service, true, false));
        match r {
            Ok(bytes) if self.v2 => {
                let (stdout, exit_code, whole) = decode_v2(&bytes);
                if whole {
                    Ok(CmdOutput { stdout, exit_code })
                } else {
                    Err(PhoneError::Disconnected {
                        reason: "the output stopped before the command ended".into(),
                        partial: stdout,
                    })
                }
            }
            Ok(stdout) => Ok(CmdOutput {
                stdout,
                exit_code: None,
            }),
            Err(e @ DeviceError::Io(_)) => Err(disconnected(e, Vec::new())),
            Err(DeviceError::Adb(m)) if m.contains("not found") || m.contains("offline") => {
                Err(PhoneError::Disconnected {
                    reason: m,
                    partial: Vec::new(),
                })
            }
            Err(e) => Err(PhoneError::Failed(format!("adb: {e}"))),
        }
    }

    fn pull(&mut self, path: &str, max: u64) -> Result<Vec<u8>, PhoneError> {
        if self.sync.is_none() {
            self.sync = Some(
                SyncSession::open(&self.addr.0, self.addr.1, &self.serial).map_err(|e| {
                    PhoneError::Disconnected {
                        reason: e.to_string(),
                        partial: Vec::new(),
                    }
                })?,
            );
        }
        let Some(sync) = self.sync.as_mut() else {
            return Err(PhoneError::Failed("no sync session".into()));
        };
        let r = sync.recv(path, max);
        if matches!(r, Err(PhoneError::Disconnected { .. })) {
            self.sync = None;
        }
        r
    }
}

/// A sync-protocol session (`sync:`) kept open for every APK pull. forensic-adb's `pull`
/// opens a connection per file and sends each request in three small writes, which on
/// loopback waits for a delayed ACK (about 40 ms) per file; here the request goes out in one
/// write on a connection with TCP_NODELAY, and the session serves every RECV in turn.
pub struct SyncSession {
    stream: TcpStream,
}

fn host_request(s: &mut TcpStream, req: &str) -> Result<(), AndroidError> {
    s.write_all(format!("{:04x}{req}", req.len()).as_bytes())
        .map_err(AndroidError::SyncIo)?;
    let mut status = [0u8; 4];
    s.read_exact(&mut status).map_err(AndroidError::SyncIo)?;
    if &status == b"OKAY" {
        return Ok(());
    }
    let mut len = [0u8; 4];
    s.read_exact(&mut len).map_err(AndroidError::SyncIo)?;
    let n = std::str::from_utf8(&len)
        .ok()
        .and_then(|l| usize::from_str_radix(l, 16).ok())
        .unwrap_or(0)
        .min(4096);
    let mut msg = vec![0u8; n];
    let _ = s.read_exact(&mut msg);
    Err(AndroidError::SyncRefused(
        String::from_utf8_lossy(&msg).into_owned(),
    ))
}

impl SyncSession {
    pub fn open(host: &str, port: u16, serial: &str) -> Result<SyncSession, AndroidError> {
        let mut stream = TcpStream::connect((host, port)).map_err(AndroidError::SyncIo)?;
        stream.set_nodelay(true).map_err(AndroidError::SyncIo)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(AndroidError::SyncIo)?;
        host_request(&mut stream, &format!("host:transport:{serial}"))?;
        host_request(&mut stream, "sync:")?;
        Ok(SyncSession { stream })
    }

    /// Read one file: DATA chunks until DONE, or FAIL with a message (the file only).
    pub fn recv(&mut self, path: &str, max: u64) -> Result<Vec<u8>, PhoneError> {
        let gone = |e: std::io::Error| PhoneError::Disconnected {
            reason: e.to_string(),
            partial: Vec::new(),
        };
        let mut req = b"RECV".to_vec();
        req.extend_from_slice(&(path.len() as u32).to_le_bytes());
        req.extend_from_slice(path.as_bytes());
        self.stream.write_all(&req).map_err(gone)?;
        let mut out = Vec::new();
        let mut too_big = false;
        loop {
            let mut head = [0u8; 8];
            self.stream.read_exact(&mut head).map_err(gone)?;
            let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            match &head[..4] {
                b"DATA" => {
                    if len > 64 * 1024 {
                        return Err(PhoneError::Disconnected {
                            reason: format!("sync: a DATA block of {len} bytes"),
                            partial: Vec::new(),
                        });
                    }
                    let mut chunk = vec![0u8; len];
                    self.stream.read_exact(&mut chunk).map_err(gone)?;
                    if out.len() as u64 + len as u64 > max {
                        too_big = true;
                    } else {
                        out.extend_from_slice(&chunk);
                    }
                }
                b"DONE" => break,
                b"FAIL" => {
                    let mut msg = vec![0u8; len.min(4096)];
                    self.stream.read_exact(&mut msg).map_err(gone)?;
                    return Err(PhoneError::Failed(format!(
                        "{path}: {}",
                        String::from_utf8_lossy(&msg)
                    )));
                }
                other => {
                    return Err(PhoneError::Disconnected {
                        reason: format!("sync: unexpected {:?}", String::from_utf8_lossy(other)),
                        partial: Vec::new(),
                    });
                }
            }
        }
        if too_big {
            return Err(PhoneError::Failed(format!(
                "{path}: larger than {max} bytes, not hashed"
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adb_server_socket_like_adb() {
        assert_eq!(
            server_socket(None).expect("valid"),
            ("127.0.0.1".into(), 5037)
        );
        assert_eq!(
            server_socket(Some("tcp:10.0.0.2:5038")).expect("valid"),
            ("10.0.0.2".into(), 5038)
        );
        assert_eq!(
            server_socket(Some("tcp:5039")).expect("valid"),
            ("127.0.0.1".into(), 5039)
        );
        assert_eq!(
            server_socket(Some("tcp:localhost:5040")).expect("valid"),
            ("127.0.0.1".into(), 5040)
        );
        assert!(server_socket(Some("local:/tmp/x")).is_err());
        assert!(server_socket(Some("tcp:host:notaport")).is_err());
    }

    #[test]
    fn devices_listing() {
        let d = parse_devices(
            "A1\tdevice usb:1-1 product:x model:Pixel_8 device:shiba transport_id:1\nB2 unauthorized usb:1-2 transport_id:2\nC3\tno permissions (user in plugdev group); see [http://developer.android.com/tools/device.html] usb:1-3\n",
        );
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].model.as_deref(), Some("Pixel_8"));
        assert_eq!(d[1].state, "unauthorized");
        assert_eq!(d[2].state, "no permissions");
    }

    #[test]
    fn v2_frames() {
        let mut b = vec![1, 3, 0, 0, 0];
        b.extend_from_slice(b"abc");
        b.extend_from_slice(&[2, 1, 0, 0, 0, b'!', 3, 1, 0, 0, 0, 0]);
        assert_eq!(decode_v2(&b), (b"abc".to_vec(), Some(0), true));
        assert_eq!(decode_v2(&b[..6]), (b"a".to_vec(), None, false));
        assert_eq!(decode_v2(&b[..8]), (b"abc".to_vec(), None, false));
    }
}
