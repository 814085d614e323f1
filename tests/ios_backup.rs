//! The iPhone check from a backup folder, end to end: backups generated here (a real
//! `Manifest.db` schema made with rusqlite, `Info.plist` and `Manifest.plist` written with
//! the plist crate, profile files at `fileID[0:2]/fileID`), run through `sweep scan --from
//! DIR --json -`.

mod support;

use std::path::Path;
use std::process::Command;

use plist::Value;
use support::ios::{
    PROFILES, Spec, backup_time, dict, make, mdm_spec, profile, s, signatures_with, xml,
};
use sweep::sources::ios::backup::file_id;

fn sweep() -> Command {
    support::run::sweep_with_home(&std::env::temp_dir().join("sweep-ios-home"))
}

fn scan(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = sweep()
        .args(extra)
        .args(["scan", "--from"])
        .arg(dir)
        .args(["--json", "-"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(j: &serde_json::Value) -> Vec<serde_json::Value> {
    j["findings"].as_array().cloned().unwrap_or_default()
}

fn by_signature<'a>(f: &'a [serde_json::Value], sig: &str) -> Vec<&'a serde_json::Value> {
    f.iter().filter(|x| x["signature"] == sig).collect()
}

#[test]
fn mdm_profile_is_high_and_wifi_only_profile_stays_quiet() {
    let mut spec = mdm_spec();
    spec.files.push((
        "HomeDomain",
        "Library/UserConfigurationProfiles/profile-5e6f.stub".into(),
        xml(&profile(
            "Travel VPN",
            "Tunnels Ltd",
            &["com.apple.vpn.managed"],
        )),
    ));
    let dir = make(&spec);
    let (code, j, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let f = findings(&j);
    let mdm = by_signature(&f, "ios-profile-mdm");
    assert_eq!(mdm.len(), 1, "{f:#?}");
    assert_eq!(mdm[0]["severity"], "high");
    assert_eq!(mdm[0]["category"], "phone-setting");
    assert_eq!(mdm[0]["subject"]["kind"], "phone");
    assert_eq!(mdm[0]["subject"]["name"], "iPhone 13 Pro");
    assert!(
        mdm[0]["title"]
            .as_str()
            .expect("present")
            .contains("Acme Remote Care")
    );
    assert!(
        mdm[0]["meaning"]
            .as_str()
            .expect("present")
            .contains("does it belong to an employer or school?")
    );
    assert!(
        mdm[0]["next_steps"]
            .as_array()
            .expect("present")
            .iter()
            .any(|s| s
                .as_str()
                .expect("present")
                .contains("Decide with the advocate"))
    );
    let vpn = by_signature(&f, "ios-profile-traffic");
    assert_eq!(vpn.len(), 1, "{f:#?}");
    assert_eq!(vpn[0]["severity"], "medium");
    // The Wi-Fi-only profile gives nothing, and nothing else is found.
    assert!(
        !f.iter().any(|x| x.to_string().contains("Home Wi-Fi")),
        "{f:#?}"
    );
    assert_eq!(f.len(), 2, "{f:#?}");
    // Never the phone's name (often the owner's).
    assert!(!j.to_string().contains("Jane"));
    // Every file read is an input with its checksum.
    let inputs: Vec<String> = j["scan"]["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["path"].as_str().expect("present").to_string())
        .collect();
    for name in ["Manifest.db", "Manifest.plist", "Info.plist"] {
        assert!(inputs.iter().any(|p| p.ends_with(name)), "{inputs:?}");
    }
    for (domain, rel, _) in &spec.files {
        let id = file_id(domain, rel);
        assert!(inputs.iter().any(|p| p.ends_with(&id)), "{inputs:?}");
    }
    assert_eq!(inputs.len(), 6, "{inputs:?}");
    // The iPhone check ran and counted the apps it read.
    let cov = j["scan"]["coverage"].as_array().expect("coverage");
    let iphone = cov
        .iter()
        .find(|c| c["check"] == "iphone")
        .expect("iphone coverage");
    assert_eq!(iphone["saw"]["apps"], 2, "{iphone}");
}

#[test]
fn jailbreak_app_listed_bundle_id_and_old_ios() {
    let sigs = tempfile::tempdir().expect("tempdir");
    let sig_dir = signatures_with(
        sigs.path(),
        r#"
[[entry]]
id = "dual-use.familyfinder"
name = "Family Finder"
category = "phone-app"
severity = "low"
meaning = "Family Finder shares the phone's location with family members; it is sold openly and often installed with consent."
next_steps = ["Ask the client whether they know who sees the location."]

[entry.match]
type = "app"
packages = ["com.example.familyfinder"]
"#,
    );
    let spec = Spec {
        version: "16.7.2",
        apps: vec![
            "com.saurik.Cydia",
            "com.example.spyphone",
            "com.example.familyfinder",
            "org.example.notes",
        ],
        app_domains: vec!["com.tigisoftware.Filza", "org.example.notes"],
        ..Spec::default()
    };
    let dir = make(&spec);
    let sig_arg = sig_dir.to_str().expect("present").to_string();
    let (code, j, err) = scan(dir.path(), &["--signatures", &sig_arg]);
    assert_eq!(code, 0, "{err}");
    let f = findings(&j);
    let spy = by_signature(&f, "stalkerware.spyphone.app");
    assert_eq!(spy.len(), 1, "{f:#?}");
    assert_eq!(spy[0]["severity"], "high");
    assert_eq!(spy[0]["category"], "stalkerware");
    assert_eq!(spy[0]["subject"]["bundle_id"], "com.example.spyphone");
    assert_eq!(spy[0]["indicators"][0]["type"], "package");
    assert_eq!(spy[0]["indicators"][0]["value"], "com.example.spyphone");
    let dual = by_signature(&f, "dual-use.familyfinder");
    assert_eq!(dual.len(), 1, "{f:#?}");
    assert_eq!(dual[0]["severity"], "low");
    assert_eq!(dual[0]["category"], "phone-app");
    assert!(
        !dual[0]["title"]
            .as_str()
            .expect("present")
            .contains("stalkerware")
    );
    let jb = by_signature(&f, "ios-jailbreak");
    assert_eq!(jb.len(), 1, "{f:#?}");
    assert_eq!(jb[0]["severity"], "medium");
    let title = jb[0]["title"].as_str().expect("present");
    assert!(
        title.contains("Cydia") && title.contains("Filza"),
        "{title}"
    );
    assert!(
        jb[0]["meaning"]
            .as_str()
            .expect("present")
            .contains("cannot be ruled out")
    );
    // iOS 17 came out 2023-09-18; the backup is from 2026-11-20.
    let old = by_signature(&f, "ios-old-version");
    assert_eq!(old.len(), 1, "{f:#?}");
    assert_eq!(old[0]["severity"], "low");
    assert_eq!(old[0]["subject"]["ios_version"], "16.7.2");
    assert_eq!(
        j["scan"]["coverage"]
            .as_array()
            .expect("present")
            .iter()
            .find(|c| c["check"] == "iphone")
            .expect("present")["saw"]["apps"],
        5
    );
}

#[test]
fn current_ios_without_profiles_finds_nothing() {
    let dir = make(&Spec::default());
    let (code, j, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(findings(&j).len(), 0, "{j:#}");
}

#[test]
fn encrypted_backup_says_so_plainly() {
    let dir = make(&Spec {
        encrypted: true,
        ..Spec::default()
    });
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this iPhone backup is encrypted"), "{err}");
    assert!(err.contains("unencrypted backup"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn truncated_manifest_db_names_the_file() {
    let dir = make(&Spec::default());
    let db = dir.path().join("Manifest.db");
    let bytes = std::fs::read(&db).expect("db");
    std::fs::write(&db, &bytes[..bytes.len().min(1500)]).expect("cut");
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Manifest.db"), "{err}");
    assert!(err.contains("damaged or was cut short"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn broken_plists_name_the_file() {
    // Info.plist cut short.
    let dir = make(&Spec::default());
    let info = dir.path().join("Info.plist");
    let bytes = std::fs::read(&info).expect("info");
    std::fs::write(&info, &bytes[..bytes.len() / 2]).expect("cut");
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("Info.plist: not a readable property list"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // A broken profile: named, and what was read is still reported.
    let rel = "Library/ConfigurationProfiles/profile-bad.stub".to_string();
    let id = file_id(PROFILES, &rel);
    let spec = Spec {
        files: vec![
            (
                PROFILES,
                rel,
                b"<?xml version=\"1.0\"?><plist><dict><key>Pay".to_vec(),
            ),
            (
                PROFILES,
                "Library/ConfigurationProfiles/profile-ok.stub".into(),
                xml(&profile("Root", "Someone", &["com.apple.security.root"])),
            ),
        ],
        ..Spec::default()
    };
    let dir = make(&spec);
    let (code, j, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&id), "{err}");
    assert!(err.contains("not a readable property list"), "{err}");
    let f = findings(&j);
    assert_eq!(
        by_signature(&f, "ios-profile-root-certificate").len(),
        1,
        "{f:#?}"
    );

    // Manifest.plist broken.
    let dir = make(&Spec::default());
    std::fs::write(dir.path().join("Manifest.plist"), b"bplist00\xff\xff").expect("write");
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Manifest.plist"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_backup_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an iPhone backup"), "{err}");
}

#[test]
fn a_recorded_backup_check_replays_to_the_same_findings() {
    let spec = Spec {
        version: "15.8",
        apps: vec!["com.saurik.Cydia"],
        files: vec![(
            PROFILES,
            "Library/ConfigurationProfiles/profile-77.stub".into(),
            xml(&profile(
                "Proxy",
                "Someone",
                &["com.apple.proxy.http.global"],
            )),
        )],
        ..Spec::default()
    };
    let dir = make(&spec);
    let rec = tempfile::tempdir().expect("tempdir");
    let journal = rec.path().join("iphone.jsonl");
    let journal_arg = journal.to_str().expect("utf-8 path").to_string();
    let (code, first, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let out = sweep()
        .args(["scan", "--from"])
        .arg(dir.path())
        .args(["--record", &journal_arg, "--json", "-"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let (code, replayed, err) = scan(&journal, &[]);
    assert_eq!(code, 0, "{err}");
    let strip = |j: &serde_json::Value| -> Vec<(String, String, String)> {
        findings(j)
            .iter()
            .map(|f| {
                (
                    f["signature"].to_string(),
                    f["severity"].to_string(),
                    f["title"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&first).len(), 3, "{first:#}");
    assert_eq!(strip(&first), strip(&replayed));
    assert_eq!(findings(&first), findings(&replayed));
}

#[test]
fn enterprise_provisioning_profile_is_a_medium_lead() {
    let plist = dict(vec![
        ("Name", s("Acme In-House")),
        ("TeamName", s("Acme Corp")),
        ("ProvisionsAllDevices", Value::Boolean(true)),
        ("CreationDate", Value::Date(backup_time().into())),
        (
            "Entitlements",
            dict(vec![(
                "application-identifier",
                s("ABCDE12345.com.acme.helper"),
            )]),
        ),
    ]);
    // A signed envelope around the XML list, as in a real .mobileprovision.
    let mut bytes = vec![0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48];
    bytes.extend(xml(&plist));
    bytes.extend([0x00, 0x00, 0xa0, 0x82]);
    let spec = Spec {
        files: vec![(
            "MobileDeviceDomain",
            "Library/MobileDevice/Provisioning Profiles/0f0e.mobileprovision".into(),
            bytes,
        )],
        ..Spec::default()
    };
    let dir = make(&spec);
    let (code, j, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let f = findings(&j);
    let p = by_signature(&f, "ios-provisioning-enterprise");
    assert_eq!(p.len(), 1, "{f:#?}");
    assert_eq!(p[0]["severity"], "medium");
    assert_eq!(p[0]["category"], "phone-app");
    assert!(j.to_string().contains("ABCDE12345.com.acme.helper"));
}
