//! The live iPhone check through its trait seam: an in-memory [`IphoneLink`] answers
//! with property lists generated here, so the collector, the folder it writes, the backup
//! over USB and what is sent are tested without tools or a phone. The same check through
//! the stand-in command-line tools is in tests/ios_live.rs.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plist::Value;
use serde_json::Value as Json;
use support::ios::{
    Spec, UDID, apps, device_info, dict, mdm_spec, mobileprovision, write_backup, xml,
};
use sweep::sources::ios::live::{
    Answer, Extras, IphoneLink, LinkError, Listed, REQUESTS, Request, run_check_with,
};

const UDID_B: &str = "00008030-001B33334444402E";

/// An iPhone in memory behind the [`IphoneLink`] trait.
struct MemLink {
    listed: Vec<Listed>,
    answers: BTreeMap<&'static str, Result<Vec<u8>, LinkError>>,
    asked: Vec<Request>,
    /// What a backup gives: a backup written as `idevicebackup2` does, or an error.
    backup: Result<Spec, LinkError>,
    backups: usize,
}

fn file_of(req: Request) -> &'static str {
    REQUESTS
        .iter()
        .find(|(r, _)| *r == req)
        .map(|(_, f)| *f)
        .expect("a file")
}

impl IphoneLink for MemLink {
    fn list(&mut self) -> Result<Vec<Listed>, LinkError> {
        Ok(self.listed.clone())
    }
    fn request(&mut self, _udid: &str, req: Request) -> Result<Answer, LinkError> {
        self.asked.push(req);
        match self.answers.get(file_of(req)) {
            Some(Ok(b)) => Ok(Answer {
                bytes: b.clone(),
                exit_code: None,
            }),
            Some(Err(e)) => Err(e.clone()),
            None => Err(LinkError::Failed(format!("no answer for {req:?}"))),
        }
    }
    fn describe(&self, udid: &str, req: Request) -> String {
        format!("lockdown {req:?} {udid}")
    }
    fn name(&self) -> String {
        "in-memory".into()
    }
    fn backup(&mut self, udid: &str, dir: &Path) -> Result<Answer, LinkError> {
        self.backups += 1;
        let spec = self.backup.as_ref().map_err(Clone::clone)?;
        let d = dir.join(udid);
        std::fs::create_dir(&d).expect("mkdir");
        write_backup(&d, spec);
        Ok(Answer {
            bytes: b"Backup Successful.\n".to_vec(),
            exit_code: Some(0),
        })
    }
}

fn mem_link() -> MemLink {
    let mut answers = BTreeMap::new();
    answers.insert("device-info.plist", Ok(xml(&device_info(UDID))));
    answers.insert(
        "supervision.plist",
        Ok(xml(&dict(vec![(
            "DeviceIsChaperoned",
            Value::Boolean(false),
        )]))),
    );
    answers.insert("developer-mode.txt", Ok(b"false\n".to_vec()));
    answers.insert("apps.plist", Ok(xml(&apps())));
    answers.insert(
        "provisioning.plist",
        Ok(xml(&Value::Array(vec![
            Value::Data(mobileprovision("Dev Profile", false)),
            Value::Data(b"garbage".to_vec()),
        ]))),
    );
    MemLink {
        listed: vec![Listed {
            udid: UDID.into(),
            ..Listed::default()
        }],
        answers,
        asked: Vec::new(),
        backup: Ok(mdm_spec()),
        backups: 0,
    }
}

fn at() -> sweep::observation::Timestamp {
    "2026-11-26T10:00:00Z".parse().expect("time")
}

#[test]
fn the_trait_seam_sends_what_the_folder_replays() {
    use sweep::observation::Observation;
    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    let (r, sent) = check_via(&mut link, work.path(), Extras::default());
    // The garbage provisioning item is named; the good one is still read.
    let err = r.expect_err("the bad item is reported");
    assert!(
        err.to_string().contains("provisioning.plist (item 1)"),
        "{err}"
    );
    let (again, errors) =
        sweep::sources::ios::snapshot::read_folder(&work.path().join("ios").join(UDID));
    assert_eq!(sent, again);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        link.asked,
        REQUESTS.iter().map(|(r, _)| *r).collect::<Vec<_>>()
    );
    assert!(sent.iter().all(|r| r.t == at()));
    let dev = sent
        .iter()
        .find_map(|r| match &r.obs {
            Observation::IosDevice(d) => Some(d.clone()),
            _ => None,
        })
        .expect("device");
    assert_eq!(dev.supervised, Some(false));
    assert_eq!(dev.developer_mode, Some(false));
    assert_eq!(dev.via.as_deref(), Some("usb"));
    assert_eq!(dev.product_type.as_deref(), Some("iPhone14,2"));
    let profiles = sent
        .iter()
        .filter(|r| matches!(&r.obs, Observation::IosProfile(p) if p.name.as_deref() == Some("Dev Profile")))
        .count();
    assert_eq!(profiles, 1);
}

#[test]
fn the_trait_seam_not_trusted_keeps_a_manifest_and_sends_no_phone() {
    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    link.answers.insert(
        "device-info.plist",
        Err(LinkError::NotTrusted(
            "the iPhone is asking \"Trust This Computer?\"".into(),
        )),
    );
    // With a backup asked for too: nothing sent either, and no backup tried.
    let (r, sent) = check_via(&mut link, work.path(), Extras { backup: true });
    let err = r.expect_err("not trusted").to_string();
    assert!(err.contains("tap Trust"), "{err}");
    assert!(err.contains("trusted-computer record"), "{err}");
    assert!(sent.is_empty(), "{sent:?}");
    assert_eq!(link.backups, 0);
    // Only the first request was made; the manifest says why the rest were not.
    assert_eq!(link.asked, vec![Request::DeviceInfo]);
    let m: Json = serde_json::from_slice(
        &std::fs::read(work.path().join("ios").join(UDID).join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(m["partial"], true);
    assert!(
        m["commands"][1]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("not run"))
    );
    // Two iPhones without a UDID: a usage error naming both.
    let mut link = mem_link();
    link.listed.push(Listed {
        udid: UDID_B.into(),
        ..Listed::default()
    });
    let (r, _) = check_via(&mut link, work.path(), Extras::default());
    match r {
        Err(sweep::sources::SourceError::Input(m)) => {
            assert!(m.contains(UDID) && m.contains(UDID_B), "{m}")
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn a_stopped_check_keeps_what_it_read_and_says_the_rest_was_not_run() {
    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    // Stopped as soon as the first answer is in.
    let dir = work.path().join("ios").join(UDID);
    let asked = std::cell::Cell::new(0);
    let c = sweep::sources::ios::live::collect(&mut link, UDID, &dir, &at, &|| {
        asked.set(asked.get() + 1);
        asked.get() > 1
    })
    .expect("collected");
    assert!(c.manifest.partial);
    assert!(c.stopped_by.is_none());
    assert_eq!(link.asked, vec![Request::DeviceInfo]);
    assert_eq!(c.manifest.files.len(), 1);
    let (records, errors) = sweep::sources::ios::snapshot::read_folder(&dir);
    assert!(errors.is_empty(), "{errors:?}");
    let not_run: Vec<String> = records
        .iter()
        .filter_map(|r| match &r.obs {
            sweep::observation::Observation::IosPart(p)
                if p.state == sweep::observation::PartState::NotDone =>
            {
                p.reason.clone()
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        not_run
            .iter()
            .filter(|r| r.contains("not run: the check was stopped"))
            .count(),
        4,
        "{not_run:?}"
    );
}

/// What the check sends about the configuration profiles: the part's state and reason,
/// and the profiles' names.
fn profiles_part(
    sent: &[sweep::observation::Record],
) -> (
    Option<(sweep::observation::PartState, Option<String>)>,
    Vec<String>,
) {
    use sweep::observation::{IosPartKind, Observation};
    let part = sent.iter().find_map(|r| match &r.obs {
        Observation::IosPart(p) if p.part == IosPartKind::ConfigurationProfiles => {
            Some((p.state, p.reason.clone()))
        }
        _ => None,
    });
    let names = sent
        .iter()
        .filter_map(|r| match &r.obs {
            Observation::IosProfile(p) => p.name.clone(),
            _ => None,
        })
        .collect();
    (part, names)
}

/// The whole live check through the trait seam into `case`, and every record it sent.
fn check_via(
    link: &mut MemLink,
    case: &Path,
    extras: Extras,
) -> (
    Result<PathBuf, sweep::sources::SourceError>,
    Vec<sweep::observation::Record>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    let sink = sweep::sources::Sink::new(tx);
    let r = run_check_with(
        link,
        None,
        case,
        &sink,
        &sweep::sources::Stop::new(),
        &at,
        extras,
    );
    drop(sink);
    (r, rx.into_iter().flatten().collect())
}

/// With the client's agreement the check also makes a backup into `ios/<udid>/backup/`:
/// its configuration profiles are read (the MDM one, and the Wi-Fi one, which the engine
/// keeps quiet), the part is done, and the folder replays to the same records, with the
/// backup's files among the inputs to checksum.
#[test]
fn the_trait_seam_backup_gives_the_configuration_profiles() {
    use sweep::observation::PartState;
    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    let (r, sent) = check_via(&mut link, work.path(), Extras { backup: true });
    // Only the garbage provisioning item is an error; the backup is fine.
    let err = r.expect_err("the bad provisioning item").to_string();
    assert!(!err.contains("backup"), "{err}");
    assert_eq!(link.backups, 1);
    let (part, names) = profiles_part(&sent);
    assert_eq!(part, Some((PartState::Done, None)));
    assert!(
        names.contains(&"Device Management".to_string())
            && names.contains(&"Home Wi-Fi".to_string()),
        "{names:?}"
    );
    // While it ran, the check said so (on the screens, next to the iPhone check).
    let said: Vec<Option<String>> = sent
        .iter()
        .filter_map(|r| match &r.obs {
            sweep::observation::Observation::Source(e) => Some(e.reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        said,
        vec![
            Some(sweep::sources::ios::live::BACKUP_RUNNING.to_string()),
            None
        ]
    );
    let sent: Vec<_> = sent
        .into_iter()
        .filter(|r| !matches!(r.obs, sweep::observation::Observation::Source(_)))
        .collect();
    let snap = work.path().join("ios").join(UDID);
    let (again, _) = sweep::sources::ios::snapshot::read_folder(&snap);
    assert_eq!(sent, again);
    let m: Json =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).expect("manifest"))
            .expect("json");
    let last = m["commands"]
        .as_array()
        .expect("commands")
        .last()
        .cloned()
        .expect("one");
    assert_eq!(last["file"], "backup.log");
    assert_eq!(last["exit_code"], 0);
    assert!(snap.join("backup.log").is_file());
    let inputs = sweep::sources::ios::snapshot::input_files(&snap);
    let backup = snap.join("backup").join(UDID);
    for f in ["Manifest.db", "Manifest.plist", "Info.plist", "backup.log"] {
        assert!(
            inputs.iter().any(|p| p.file_name().is_some_and(|n| n == f)),
            "{f}: {inputs:?}"
        );
    }
    assert_eq!(
        inputs.iter().filter(|p| p.starts_with(&backup)).count(),
        5,
        "Manifest.db, Manifest.plist, Info.plist and the two profiles: {inputs:?}"
    );
}

/// A backup that fails, or comes out encrypted, leaves the rest of the check standing and
/// says why the profiles were not read; a backup is never made without being asked for.
#[test]
fn a_failed_or_encrypted_backup_says_why_the_profiles_were_not_read() {
    use sweep::observation::PartState;
    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    link.backup = Err(LinkError::NotTrusted(
        "it is locked (lockdown said \"password protected\")".into(),
    ));
    let (_, sent) = check_via(&mut link, work.path(), Extras { backup: true });
    let (part, names) = profiles_part(&sent);
    let (state, why) = part.expect("the part");
    assert_eq!(state, PartState::NotDone);
    let why = why.expect("a reason");
    assert!(
        why.contains("the backup was refused") && why.contains("locked"),
        "{why}"
    );
    assert!(
        why.contains("Settings, General, VPN & Device Management"),
        "{why}"
    );
    assert!(!why.contains("--ios-backup"), "{why}");
    assert!(names.iter().all(|n| n != "Device Management"), "{names:?}");
    // The rest of the check stands: the apps were read.
    assert!(
        sent.iter()
            .any(|r| matches!(&r.obs, sweep::observation::Observation::IosApp(_)))
    );

    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    link.backup = Ok(Spec {
        encrypted: true,
        ..Spec::default()
    });
    let (_, sent) = check_via(&mut link, work.path(), Extras { backup: true });
    let (state, why) = profiles_part(&sent).0.expect("the part");
    assert_eq!(state, PartState::NotDone);
    assert!(why.is_some_and(|w| w.contains("encrypted")));

    let work = tempfile::tempdir().expect("tmp");
    let mut link = mem_link();
    let _ = check_via(&mut link, work.path(), Extras::default());
    assert_eq!(link.backups, 0);
    assert!(!work.path().join("ios").join(UDID).join("backup").exists());
}
