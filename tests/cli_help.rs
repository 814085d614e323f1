//! The command-line interface as users see it: a snapshot of every `--help` (each
//! subcommand, however deep), so a change of interface shows in review; `--version` naming
//! the built-in signature versions; and the man pages and completions generated from the
//! same clap definitions (`examples/gen_manual.rs`, shipped in the .deb).

use std::process::Command;

/// Every subcommand path: `[]`, `["scan"]`, `["signatures", "check"]`...
fn paths(cmd: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut p = prefix.clone();
        p.push(sub.get_name().to_string());
        paths(sub, p, out);
    }
}

fn all_paths() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    paths(&sweep::cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn every_help_text_is_as_reviewed() {
    let all = all_paths();
    assert!(all.len() >= 7, "{all:?}");
    for path in all {
        let o = Command::new(env!("CARGO_BIN_EXE_sweep"))
            .args(&path)
            .arg("--help")
            .env("COLUMNS", "100")
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{path:?}");
        assert!(o.stderr.is_empty(), "{path:?}");
        let name = std::iter::once("sweep".to_string())
            .chain(path.iter().cloned())
            .collect::<Vec<_>>()
            .join("_");
        insta::assert_snapshot!(name, String::from_utf8_lossy(&o.stdout));
    }
}

#[test]
fn version_names_the_built_in_signature_versions() {
    let o = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .arg("--version")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with(&format!("sweep {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let set = sweep::signatures::SignatureSet::embedded().expect("embedded");
    for f in &set.files {
        assert!(
            text.contains(&format!("{} {}", f.file, f.source.version)),
            "{} {} missing from:\n{text}",
            f.file,
            f.source.version
        );
    }
    assert!(text.contains("stalkerware.toml echap-"), "{text}");
}

/// `examples/gen_manual` (built by `cargo test` with the other examples).
fn gen_manual() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let p = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("examples")
        .join("gen_manual");
    assert!(
        p.exists(),
        "{} not built (cargo test builds examples)",
        p.display()
    );
    p
}

#[test]
fn man_pages_and_completions_cover_every_subcommand() {
    let out = tempfile::tempdir().expect("tmp");
    let o = Command::new(gen_manual())
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |p: &str| {
        std::fs::read_to_string(out.path().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    let man = read("man/sweep.1");
    assert!(man.contains(".TH sweep 1"), "{man}");
    assert!(
        man.contains("CC BY 4.0"),
        "the Echap attribution is in the man page"
    );
    assert!(man.contains("stalkerware.toml echap"), "signature versions");
    for path in all_paths().into_iter().filter(|p| !p.is_empty()) {
        let page = format!("man/sweep-{}.1", path.join("-"));
        let text = read(&page);
        assert!(text.contains(".SH NAME"), "{page}");
    }
    let scan = read("man/sweep-scan.1");
    for flag in [
        "from", "ble", "lan", "active", "traffic", "duration", "report", "json",
    ] {
        assert!(
            scan.contains(&format!("\\-\\-{flag}")),
            "--{flag} missing from sweep-scan.1"
        );
    }
    for (file, marker) in [
        ("completions/sweep.bash", "complete -F"),
        ("completions/_sweep", "#compdef sweep"),
        ("completions/sweep.fish", "complete -c sweep"),
    ] {
        let text = read(file);
        assert!(text.contains(marker), "{file}");
        for word in [
            "scan",
            "demo",
            "signatures",
            "import-echap",
            "cases",
            "duration",
        ] {
            assert!(text.contains(word), "{word} missing from {file}");
        }
    }
}
