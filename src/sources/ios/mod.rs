//! The iPhone check from a backup folder, or live over USB (`sweep scan --ios`, folder
//! `ios/<udid>/`): the phone, its apps and its profiles, read on the source's own thread
//! and sent as `ios-*` observations (docs/ios.md).

pub mod backup;
pub mod error;
pub mod live;
pub mod snapshot;
pub mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::observation::{IosApp, Observation, Record, SourceKind, SourceState};
use crate::sources::{Sink, Source, SourceError, Stop};
use backup::{Backup, BackupError};

/// Reads one unencrypted backup folder.
pub struct BackupSource {
    backup: Backup,
}

/// A source and the files whose checksums go into the findings.
pub type Opened = (Box<dyn Source>, Vec<PathBuf>);

/// A folder given to `--from`: an iPhone backup becomes a source, with the files whose
/// checksums go into the findings. `Ok(None)`: not a folder.
pub fn open_dir(p: &Path) -> Result<Option<Opened>, BackupError> {
    if !p.is_dir() {
        return Ok(None);
    }
    let backup = Backup::open(p)?;
    let inputs = backup.input_files();
    Ok(Some((Box::new(BackupSource { backup }), inputs)))
}

impl BackupSource {
    pub fn new(backup: Backup) -> Self {
        Self { backup }
    }

    /// Everything the backup says, as records at the backup's own time (`now` when it
    /// does not say), and the profile files that could not be read.
    pub fn records(&self, now: crate::observation::Timestamp) -> (Vec<Record>, Vec<BackupError>) {
        let b = &self.backup;
        let mut errors = Vec::new();
        let info = match backup::read_info(&b.info_plist) {
            Ok(i) => i,
            Err(e) => return (Vec::new(), vec![e]),
        };
        let t = info.device.backup_date.unwrap_or(now);
        let udid = info.device.udid.clone();
        let mut out = vec![Record::new(t, Observation::IosDevice(info.device))];
        let mut apps: BTreeMap<String, IosApp> = BTreeMap::new();
        let mut add = |bundle: &str, found: &str| {
            let a = apps.entry(bundle.to_string()).or_insert_with(|| IosApp {
                udid: udid.clone(),
                bundle_id: bundle.to_string(),
                ..IosApp::default()
            });
            if !a.found_in.iter().any(|f| f == found) {
                a.found_in.push(found.to_string());
            }
        };
        for (bundle, _, _) in &info.apps {
            add(bundle, "info-plist");
        }
        for bundle in &b.manifest_apps {
            add(bundle, "manifest-plist");
        }
        for bundle in &b.app_domains {
            add(bundle, "app-domain");
        }
        for (bundle, name, version) in info.apps {
            if let Some(a) = apps.get_mut(&bundle) {
                a.name = name;
                a.version = version;
            }
        }
        out.extend(
            apps.into_values()
                .map(|a| Record::new(t, Observation::IosApp(a))),
        );
        for f in &b.profiles {
            match backup::read_profile(f, &udid) {
                Ok(p) => out.push(Record::new(t, Observation::IosProfile(Box::new(p)))),
                Err(e) => errors.push(e),
            }
        }
        for f in &b.provisioning {
            match backup::read_provisioning(f, &udid) {
                Ok(p) => out.push(Record::new(t, Observation::IosProfile(Box::new(p)))),
                Err(e) => errors.push(e),
            }
        }
        (out, errors)
    }
}

impl Source for BackupSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Ios
    }

    fn run(self: Box<Self>, sink: &Sink, _stop: &Stop) -> Result<(), SourceError> {
        let now = chrono::Utc::now();
        sink.status(now, SourceKind::Ios, SourceState::Running, None, None);
        let (records, errors) = self.records(now);
        // What was read is kept even when some files were not.
        if !sink.send_all(records) {
            return Ok(());
        }
        match errors.len() {
            0 => Ok(()),
            _ => Err(SourceError::Input(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }
}
