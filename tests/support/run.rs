//! Running the sweep binary from a test: from the crate's folder (where `demo/` is) or with
//! a home of its own, asserting the exit code and showing sweep's stderr when it is not the
//! one asked for, reading the findings JSON it prints, finding the case folder it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `sweep` with the crate's folder as its working directory.
pub fn sweep() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sweep"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// `sweep scan --from demo/clinic-session.jsonl` (the embedded demo session); the caller
/// adds the rest.
pub fn scan_demo() -> Command {
    let mut c = sweep();
    c.args(["scan", "--from", "demo/clinic-session.jsonl"]);
    c
}

/// Run `c` and check it exits with `code`; its output.
pub fn exits(c: &mut Command, code: i32) -> Output {
    let o = c.output().expect("sweep runs");
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Run `c` and check it succeeds (exit 0); its output.
pub fn succeeds(c: &mut Command) -> Output {
    exits(c, 0)
}

/// The sweep binary with `home` as its SWEEP_HOME, so a test never touches the cases of
/// the machine it runs on.
pub fn sweep_with_home(home: &Path) -> Command {
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
    c.args(["scan", "--from"]).arg(path).args(["--json", "-"]);
    json_ok(&succeeds(&mut c))
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
