//! Test support for the Android app check: a fake adb server (host protocol on 127.0.0.1,
//! an ephemeral port) serving recorded outputs, and an APK built and signed in the test
//! with a key the test makes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One phone the fake server knows.
#[derive(Clone, Default)]
pub struct FakePhone {
    pub serial: String,
    /// `device`, `unauthorized`, `offline`.
    pub state: String,
    /// Shell command → stdout.
    pub outputs: BTreeMap<String, Vec<u8>>,
    /// Path → file contents (for sync RECV).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Stop answering (close the connection mid-output) from this shell command on.
    pub disconnect_at: Option<String>,
}

pub struct FakeAdb {
    pub port: u16,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    /// Every service request received, in order.
    pub log: Arc<Mutex<Vec<String>>>,
    pub connections: Arc<AtomicUsize>,
}

impl FakeAdb {
    pub fn start(phones: Vec<FakePhone>) -> FakeAdb {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (s2, l2, c2) = (stop.clone(), log.clone(), connections.clone());
        let phones = Arc::new(phones);
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                c2.fetch_add(1, Ordering::SeqCst);
                let (phones, log) = (phones.clone(), l2.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &phones, &log);
                });
            }
        });
        FakeAdb {
            port,
            stop,
            handle: Some(handle),
            log,
            connections,
        }
    }

    pub fn socket(&self) -> String {
        format!("tcp:127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for FakeAdb {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn read_request(c: &mut TcpStream) -> std::io::Result<String> {
    let mut len = [0u8; 4];
    c.read_exact(&mut len)?;
    let n = usize::from_str_radix(std::str::from_utf8(&len).unwrap_or("0"), 16).unwrap_or(0);
    let mut buf = vec![0u8; n];
    c.read_exact(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn okay_with(c: &mut TcpStream, body: &str) -> std::io::Result<()> {
    c.write_all(format!("OKAY{:04x}{body}", body.len()).as_bytes())
}

fn fail(c: &mut TcpStream, msg: &str) -> std::io::Result<()> {
    c.write_all(format!("FAIL{:04x}{msg}", msg.len()).as_bytes())
}

fn frame(id: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![id];
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    v
}

fn serve(mut c: TcpStream, phones: &[FakePhone], log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    // Answers go out as they are written, as adb's own server sends them.
    c.set_nodelay(true)?;
    let req = read_request(&mut c)?;
    if let Ok(mut l) = log.lock() {
        l.push(req.clone());
    }
    if req == "host:version" {
        return okay_with(&mut c, "0029");
    }
    if req == "host:devices-l" {
        let mut body = String::new();
        for p in phones {
            body.push_str(&format!(
                "{}\t{} usb:1-1 product:fake model:Fake_Phone device:fake transport_id:1\n",
                p.serial, p.state
            ));
        }
        return okay_with(&mut c, &body);
    }
    if let Some(rest) = req.strip_prefix("host-serial:") {
        if rest.ends_with(":features") {
            return okay_with(&mut c, "shell_v2,cmd,stat_v2,ls_v2,abb,abb_exec");
        }
        return fail(&mut c, "unknown host-serial request");
    }
    let Some(serial) = req.strip_prefix("host:transport:") else {
        return fail(&mut c, &format!("unknown request {req}"));
    };
    let Some(phone) = phones
        .iter()
        .find(|p| p.serial == serial && p.state == "device")
    else {
        return fail(&mut c, &format!("device '{serial}' not found"));
    };
    c.write_all(b"OKAY")?;
    let svc = read_request(&mut c)?;
    if let Ok(mut l) = log.lock() {
        l.push(svc.clone());
    }
    if let Some(cmd) = svc.strip_prefix("shell,v2,raw:") {
        if phone.disconnect_at.as_deref() == Some(cmd) {
            // Half the output, then the cable is pulled.
            let out = phone.outputs.get(cmd).cloned().unwrap_or_default();
            c.write_all(b"OKAY")?;
            c.write_all(&frame(1, &out[..out.len() / 2]))?;
            return c.shutdown(Shutdown::Both);
        }
        let Some(out) = phone.outputs.get(cmd) else {
            c.write_all(b"OKAY")?;
            c.write_all(&frame(
                2,
                format!("/system/bin/sh: {cmd}: not found\n").as_bytes(),
            ))?;
            return c.write_all(&frame(3, &[127]));
        };
        c.write_all(b"OKAY")?;
        for chunk in out.chunks(64 * 1024) {
            c.write_all(&frame(1, chunk))?;
        }
        return c.write_all(&frame(3, &[0]));
    }
    if svc == "sync:" {
        if phone.disconnect_at.as_deref() == Some("sync:") {
            return c.shutdown(Shutdown::Both);
        }
        c.write_all(b"OKAY")?;
        loop {
            let mut id = [0u8; 4];
            if c.read_exact(&mut id).is_err() {
                return Ok(());
            }
            let mut len = [0u8; 4];
            c.read_exact(&mut len)?;
            let mut arg = vec![0u8; u32::from_le_bytes(len) as usize];
            c.read_exact(&mut arg)?;
            let path = String::from_utf8_lossy(&arg).into_owned();
            if let Ok(mut l) = log.lock() {
                l.push(format!("sync {} {path}", String::from_utf8_lossy(&id)));
            }
            match (&id, phone.files.get(&path)) {
                (b"RECV", Some(data)) => {
                    let mut out = Vec::with_capacity(data.len() + 64);
                    for chunk in data.chunks(64 * 1024) {
                        out.extend_from_slice(b"DATA");
                        out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
                        out.extend_from_slice(chunk);
                    }
                    out.extend_from_slice(b"DONE\0\0\0\0");
                    c.write_all(&out)?;
                }
                (b"RECV", None) => {
                    let msg = b"No such file or directory";
                    c.write_all(b"FAIL")?;
                    c.write_all(&(msg.len() as u32).to_le_bytes())?;
                    c.write_all(msg)?;
                }
                _ => return Ok(()),
            }
        }
    }
    fail(&mut c, &format!("unsupported service {svc}"))
}

/// The recorded outputs of a snapshot folder, as the fake phone's command outputs.
pub fn phone_from_folder(serial: &str, dir: &Path) -> FakePhone {
    let mut outputs = BTreeMap::new();
    for (file, cmd) in sweep::sources::android::collect::COMMANDS {
        if let Ok(b) = std::fs::read(dir.join(file)) {
            outputs.insert(cmd.to_string(), b);
        }
    }
    FakePhone {
        serial: serial.into(),
        state: "device".into(),
        outputs,
        ..Default::default()
    }
}

// ---------------------------------------------------------------- APKs

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A minimal zip (stored entries) holding `files`.
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let n = name.len() as u16;
        let size = data.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // flags, method, time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&n.to_le_bytes());
        // extra and comment lengths, disk, internal and external attributes
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let count = files.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A key pair and self-signed certificate made now with the `openssl` command (Debian
/// base), an unsigned APK, and that APK signed with APK Signature Scheme v2.
/// Returns (signed APK bytes, DER certificate).
pub fn signed_apk(work: &Path, package: &str) -> (Vec<u8>, Vec<u8>) {
    let key = work.join("key.pem");
    let cert = work.join("cert.der");
    let st = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-outform", "DER", "-days", "2", "-subj"])
        .arg(format!("/CN={package} test key"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs (Debian base has it)");
    assert!(st.success(), "openssl req failed");
    let key_pem = std::fs::read_to_string(&key).expect("key");
    let cert_der = std::fs::read(&cert).expect("cert");
    use rsa::pkcs8::DecodePrivateKey;
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(&key_pem).expect("PKCS#8 key");
    let manifest = format!("<manifest package=\"{package}\"/>");
    let unsigned = zip(&[
        ("AndroidManifest.xml", manifest.as_bytes()),
        ("classes.dex", b"dex\n035\0 not really dex"),
    ]);
    let unsigned_path: PathBuf = work.join(format!("{package}.unsigned.apk"));
    std::fs::write(&unsigned_path, &unsigned).expect("write apk");
    let mut apk = apksig::Apk::new(unsigned_path).expect("apk");
    apk.sign_v2(
        &apksig::Algorithms::RSASSA_PKCS1_v1_5_256,
        &cert_der,
        private,
    )
    .expect("sign v2");
    // Insert the signing block between the entries and the central directory, and move the
    // central directory's offset in the end record by its size (the layout of the v2 spec).
    let block = apk.sig.as_ref().expect("signing block").to_u8();
    let eocd = unsigned.len() - 22;
    let cd = u32::from_le_bytes(unsigned[eocd + 16..eocd + 20].try_into().expect("4")) as usize;
    let mut signed = unsigned[..cd].to_vec();
    signed.extend_from_slice(&block);
    signed.extend_from_slice(&unsigned[cd..eocd + 16]);
    signed.extend_from_slice(&((cd + block.len()) as u32).to_le_bytes());
    signed.extend_from_slice(&unsigned[eocd + 20..]);
    (signed, cert_der)
}

/// An APK signed only with the v1 (JAR) scheme: a key and self-signed certificate made now
/// with the `openssl` command, `META-INF/CERT.SF` signed by `openssl cms` into a detached
/// PKCS#7 SignedData (DER) stored as `META-INF/CERT.RSA`, and no APK Signing Block.
/// Returns (APK bytes, DER certificate).
pub fn v1_signed_apk(work: &Path, package: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = work.join(format!("{package}.v1"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (key, cert_pem, cert_der) = (
        dir.join("key.pem"),
        dir.join("cert.pem"),
        dir.join("cert.der"),
    );
    let openssl = |args: &[&std::ffi::OsStr]| {
        let st = std::process::Command::new("openssl")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl runs (Debian base has it)");
        assert!(st.success(), "openssl {args:?} failed");
    };
    let subj = format!("/CN={package} v1 test key");
    openssl(&[
        "req".as_ref(),
        "-x509".as_ref(),
        "-newkey".as_ref(),
        "rsa:2048".as_ref(),
        "-nodes".as_ref(),
        "-keyout".as_ref(),
        key.as_os_str(),
        "-out".as_ref(),
        cert_pem.as_os_str(),
        "-days".as_ref(),
        "2".as_ref(),
        "-subj".as_ref(),
        subj.as_ref(),
    ]);
    openssl(&[
        "x509".as_ref(),
        "-in".as_ref(),
        cert_pem.as_os_str(),
        "-outform".as_ref(),
        "DER".as_ref(),
        "-out".as_ref(),
        cert_der.as_os_str(),
    ]);
    let manifest = format!("<manifest package=\"{package}\"/>");
    let mf = "Manifest-Version: 1.0\r\nCreated-By: sweep tests\r\n\r\n";
    let sf = "Signature-Version: 1.0\r\nCreated-By: sweep tests\r\n\r\n";
    let sf_path = dir.join("CERT.SF");
    std::fs::write(&sf_path, sf).expect("write SF");
    let rsa_path = dir.join("CERT.RSA");
    openssl(&[
        "cms".as_ref(),
        "-sign".as_ref(),
        "-binary".as_ref(),
        "-noattr".as_ref(),
        "-md".as_ref(),
        "sha256".as_ref(),
        "-in".as_ref(),
        sf_path.as_os_str(),
        "-signer".as_ref(),
        cert_pem.as_os_str(),
        "-inkey".as_ref(),
        key.as_os_str(),
        "-outform".as_ref(),
        "DER".as_ref(),
        "-out".as_ref(),
        rsa_path.as_os_str(),
    ]);
    let rsa = std::fs::read(&rsa_path).expect("CERT.RSA");
    let apk = zip(&[
        ("META-INF/MANIFEST.MF", mf.as_bytes()),
        ("META-INF/CERT.SF", sf.as_bytes()),
        ("META-INF/CERT.RSA", &rsa),
        ("AndroidManifest.xml", manifest.as_bytes()),
        ("classes.dex", b"dex\n035\0 not really dex"),
    ]);
    (apk, std::fs::read(&cert_der).expect("cert"))
}
