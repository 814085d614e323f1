//! The repository stands alone: nothing the code, tests, examples, benchmarks or CI read
//! lies outside it (no `../shared`, no sibling folder, no absolute path of one machine).
//! `.ci/run` also copies the tracked tree to an empty temporary folder and runs the
//! signature regeneration (`tests/echap.rs`), the real-capture tests (`tests/quic.rs`) and
//! this test there.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Text files under `dir`, recursively (no `target`, no hidden folders).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "target" && name != "corpus" && name != "snapshots" && !name.starts_with('.')
            {
                files(&p, out);
            }
        } else if ["rs", "sh", "toml", "py", "md", "txt"]
            .iter()
            .any(|x| name.ends_with(&format!(".{x}")))
            || name == "run"
        {
            out.push(p);
        }
    }
}

#[test]
fn nothing_read_lies_outside_the_repository() {
    let mut all = Vec::new();
    for d in ["src", "tests", "examples", "bench", "fuzz", ".ci"] {
        files(&Path::new(ROOT).join(d), &mut all);
    }
    all.push(Path::new(ROOT).join("Cargo.toml"));
    assert!(all.len() > 40, "{all:?}");
    let mut bad = Vec::new();
    for p in &all {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // A path that climbs out of the repository: `CARGO_MANIFEST_DIR/..`, `../shared`,
            // or this machine's work folder.
            if line.contains("\"/../")
                || line.contains("/../shared")
                || line.contains("../shared/")
                || line.contains("/work/")
            {
                bad.push(format!("{}:{}: {line}", p.display(), n + 1));
            }
        }
    }
    // This file names the patterns it looks for.
    bad.retain(|l| !l.contains("tests/standalone.rs"));
    assert!(
        bad.is_empty(),
        "paths outside the repository:\n{}",
        bad.join("\n")
    );
}

#[test]
fn vendored_upstream_data_carries_its_source_and_licence() {
    for (dir, files) in [
        (
            "signatures/upstream",
            &["ioc.yaml", "samples.csv", "LICENSE.txt", "SOURCE.txt"][..],
        ),
        (
            "tests/data/captures",
            &[
                "quic_xargs.pcap",
                "LICENSE-illustrated-quic.txt",
                "SOURCE.txt",
            ][..],
        ),
    ] {
        for f in files {
            let p = Path::new(ROOT).join(dir).join(f);
            assert!(p.is_file(), "{} missing", p.display());
        }
        let source = std::fs::read_to_string(Path::new(ROOT).join(dir).join("SOURCE.txt"))
            .expect("SOURCE.txt");
        // Every vendored data file is the one SOURCE.txt describes (by its SHA-256).
        for f in files
            .iter()
            .filter(|f| !f.ends_with(".txt") || **f == "LICENSE.txt")
        {
            let bytes = std::fs::read(Path::new(ROOT).join(dir).join(f)).expect("read");
            let sum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            assert!(
                source.contains(&format!("{sum}  {f}")),
                "{dir}/{f}: sha256 {sum} is not the one in its SOURCE.txt"
            );
        }
    }
    let echap = std::fs::read_to_string(Path::new(ROOT).join("signatures/upstream/SOURCE.txt"))
        .expect("SOURCE.txt");
    assert!(echap.contains("CC BY 4.0") && echap.contains("https://github.com/AssoEchap"));
    let caps = std::fs::read_to_string(Path::new(ROOT).join("tests/data/captures/SOURCE.txt"))
        .expect("SOURCE.txt");
    assert!(caps.contains("MIT") && caps.contains("syncsynchalt/illustrated-quic"));
}
