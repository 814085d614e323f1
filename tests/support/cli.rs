//! Running the sweep binary from a test: with a home of its own, reading the JSON it
//! prints, finding the case folder a check wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The sweep binary with `home` as its SWEEP_HOME, so a test never touches the cases of
/// the machine it runs on.
pub fn sweep(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.env("SWEEP_HOME", home);
    c
}

/// The findings JSON a run printed on standard output; the test fails with the run's
/// standard error when it did not exit 0.
pub fn json_ok(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the findings JSON")
}

/// `sweep scan --from PATH --json -` with `c`, which must succeed: its findings JSON.
pub fn scan_from(mut c: Command, path: &Path) -> serde_json::Value {
    let out = c
        .args(["scan", "--from"])
        .arg(path)
        .args(["--json", "-"])
        .output()
        .expect("sweep runs");
    json_ok(&out)
}

/// The one case folder a check wrote into `cases`.
pub fn the_case(cases: &Path) -> PathBuf {
    let mut all: Vec<PathBuf> = std::fs::read_dir(cases)
        .expect("the cases folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(all.len(), 1, "{all:?}");
    all.pop().expect("one case")
}
