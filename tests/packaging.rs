//! The Debian package: what `[package.metadata.deb]` puts in it, the maintainer scripts
//! that give and take away the capability, and that this one capability (CAP_NET_RAW) is
//! all the network checks need. `.ci/run` builds the .deb itself and inspects it with
//! `dpkg-deb --info`/`--contents` and lintian.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use support::netns::{Netns, ip};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn script(name: &str) -> String {
    let p = Path::new(ROOT).join("debian").join(name);
    let mode = std::fs::metadata(&p).expect(name).permissions().mode();
    assert_eq!(mode & 0o755, 0o755, "{name} is executable");
    let text = std::fs::read_to_string(&p).expect(name);
    assert!(text.starts_with("#!/bin/sh\n"), "{name}");
    assert!(text.contains("\nset -e\n"), "{name}");
    let syntax = Command::new("sh").arg("-n").arg(&p).status().expect("sh");
    assert!(syntax.success(), "{name}: shell syntax");
    text
}

#[test]
fn postinst_gives_cap_net_raw_and_says_so_and_prerm_takes_it_away() {
    let postinst = script("postinst");
    assert!(postinst.contains("BIN=/usr/bin/sweep"));
    assert!(
        postinst.contains(r#"setcap cap_net_raw+eip "$BIN""#),
        "{postinst}"
    );
    assert!(
        !postinst.contains("cap_net_admin"),
        "only the capability the checks need (network_checks_need_only_cap_net_raw)"
    );
    assert!(postinst.contains("configure|abort-upgrade"));
    assert!(
        postinst.contains(r#"echo "sweep: gave $BIN the capability cap_net_raw"#),
        "says what it did"
    );
    assert!(
        postinst.contains("sudo setcap cap_net_raw+eip $BIN"),
        "says what to run when it could not"
    );
    for name in ["prerm", "postrm"] {
        let text = script(name);
        assert!(text.contains(r#"setcap -r "$BIN""#), "{name} removes it");
    }
    assert!(script("prerm").contains("remove|upgrade|deconfigure"));
    assert!(
        !script("postrm").contains("rm -"),
        "the package never deletes case folders"
    );
}

#[test]
fn the_package_ships_binary_man_pages_completions_docs_and_the_echap_licence() {
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).expect("Cargo.toml"),
    )
    .expect("parse");
    let deb = &manifest["package"]["metadata"]["deb"];
    assert_eq!(deb["maintainer-scripts"].as_str(), Some("debian/"));
    assert_eq!(deb["changelog"].as_str(), Some("debian/changelog"));
    assert!(
        deb["depends"]
            .as_str()
            .is_some_and(|d| d.contains("libcap2-bin")),
        "setcap comes from libcap2-bin"
    );
    let assets: Vec<(String, String)> = deb["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| {
            (
                a[0].as_str().expect("source").to_string(),
                a[1].as_str().expect("target").to_string(),
            )
        })
        .collect();
    for (source, target) in [
        ("target/release/sweep", "usr/bin/"),
        ("target/manual/man/*.1", "usr/share/man/man1/"),
        (
            "target/manual/completions/sweep.bash",
            "usr/share/bash-completion/completions/sweep",
        ),
        (
            "target/manual/completions/_sweep",
            "usr/share/zsh/vendor-completions/",
        ),
        (
            "target/manual/completions/sweep.fish",
            "usr/share/fish/vendor_completions.d/",
        ),
        ("README.md", "usr/share/doc/sweep/"),
        ("docs/*.md", "usr/share/doc/sweep/docs/"),
        ("signatures/LICENSE-echap.txt", "usr/share/doc/sweep/"),
        (
            "debian/sweep.lintian-overrides",
            "usr/share/lintian/overrides/sweep",
        ),
    ] {
        assert!(
            assets.contains(&(source.to_string(), target.to_string())),
            "{source} -> {target} missing from {assets:?}"
        );
    }
}

fn state_of(json: &Path, source: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json).expect("findings")).expect("json");
    v["scan"]["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["source"] == source))
        .and_then(|s| s["state"].as_str())
        .unwrap_or("missing")
        .to_string()
}

/// Why postinst gives CAP_NET_RAW only: a copy of the binary with just that capability,
/// run as an unprivileged user in a namespace with a veth pair, captures traffic and runs
/// the active network check (ARP to every address, promiscuous capture) to the end.
#[test]
#[ignore = "needs root, network namespaces, setcap and setpriv"]
fn network_checks_need_only_cap_net_raw() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let bin = dir.path().join("sweep");
    std::fs::copy(env!("CARGO_BIN_EXE_sweep"), &bin).expect("copy");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let set = Command::new("setcap")
        .args(["cap_net_raw+eip"])
        .arg(&bin)
        .status()
        .expect("setcap is needed (libcap2-bin)");
    assert!(set.success());
    let ns = Netns::new("caponly");
    ip(&[
        "-n",
        ns.name(),
        "link",
        "add",
        "v0",
        "type",
        "veth",
        "peer",
        "name",
        "v1",
    ]);
    ip(&["-n", ns.name(), "addr", "add", "10.77.0.1/24", "dev", "v0"]);
    ip(&["-n", ns.name(), "link", "set", "v0", "up"]);
    ip(&["-n", ns.name(), "link", "set", "v1", "up"]);
    for (source, args) in [
        ("traffic", vec!["--traffic", "v0"]),
        ("lan", vec!["--lan", "v0", "--active"]),
    ] {
        let json = dir.path().join(format!("{source}.json"));
        let out = ns
            .cmd("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
            ])
            .arg(&bin)
            .arg("scan")
            .args(&args)
            .args(["--duration", "2", "--json"])
            .arg(&json)
            .arg("--cases-dir")
            .arg(dir.path().join("cases"))
            .output()
            .expect("run sweep");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{source}: {err}");
        assert!(!err.contains("setcap"), "{source} asked for more: {err}");
        assert_eq!(state_of(&json, source), "finished", "{source}: {err}");
    }
}
