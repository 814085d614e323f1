//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the same entry
//! points the fuzz targets use, so a regression on any input the fuzzer found fails CI.

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).expect("read");
            (p, b)
        })
        .collect()
}

fn run(target: &str, min_files: usize, f: fn(&[u8]) -> bool) -> usize {
    let inputs = corpus(target);
    assert!(
        inputs.len() >= min_files,
        "{target}: only {} corpus files (expected at least {min_files})",
        inputs.len()
    );
    let mut accepted = 0;
    for (path, bytes) in &inputs {
        let r = std::panic::catch_unwind(|| f(bytes));
        match r {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => panic!("{target}: panicked on {}", path.display()),
        }
    }
    accepted
}

#[test]
fn replay_corpus() {
    let accepted = run("replay", 50, sweep::fuzzing::replay);
    assert!(
        accepted > 0,
        "no replay corpus input was accepted: the seeds should be"
    );
}

#[test]
fn signatures_corpus() {
    run("signatures", 50, sweep::fuzzing::signatures);
    assert!(sweep::fuzzing::signatures(include_bytes!(
        "../signatures/trackers.toml"
    )));
}

#[test]
fn packets_corpus() {
    let accepted = run("packets", 3, sweep::fuzzing::packets);
    // The fuzz engine keeps only a few apps' indicators; the seeds naming them must still
    // produce findings, or the fuzzer would no longer reach the matching code.
    assert!(
        accepted > 0,
        "no packets corpus input led to a finding: the copy9.com seeds should"
    );
}

#[test]
fn capture_file_corpus() {
    let accepted = run("capture_file", 1, sweep::fuzzing::capture_file);
    assert!(accepted > 0, "the seed capture should be accepted");
}

#[test]
fn advert_corpus() {
    let accepted = run("advert", 3, sweep::fuzzing::advert);
    assert!(accepted > 0, "the AirTag seed is a tracker finding");
}

#[test]
fn android_dumpsys_corpus() {
    let accepted = run("android_dumpsys", 5, sweep::fuzzing::android_dumpsys);
    assert!(accepted > 0, "the dumpsys package seeds list packages");
}

#[test]
fn ios_backup_corpus() {
    let accepted = run("ios_backup", 6, sweep::fuzzing::ios_backup);
    assert!(
        accepted >= 4,
        "the seed plists and Manifest.db should be accepted"
    );
}

#[test]
fn ios_live_corpus() {
    let accepted = run("ios_live", 6, sweep::fuzzing::ios_live);
    assert!(
        accepted >= 6,
        "the seed answers should be accepted (all but the cut-short one)"
    );
}
