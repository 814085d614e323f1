//! Running the sweep binary in the report and findings tests: from the crate's folder (where
//! `demo/` is), asserting the exit code and showing sweep's stderr when it is not the one
//! asked for.

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
