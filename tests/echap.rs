//! Every rule of the Echap import, on small YAML written here, and the shipped file equals
//! a fresh import of the upstream data.

use sweep::signatures::MatchRule;
use sweep::signatures::echap::{convert, render};

/// (id, role, domains, ips, urls) of each network entry.
type Rule = (String, String, Vec<String>, Vec<String>, Vec<String>);

fn rules(yaml: &str) -> Vec<Rule> {
    let imp = convert("t.yaml", yaml, Some("0123456789abcdef")).expect("converts");
    imp.file
        .entries
        .iter()
        .filter_map(|e| match &e.rule {
            MatchRule::Network {
                role,
                domains,
                ips,
                urls,
            } => Some((
                e.id.clone(),
                role.clone(),
                domains.clone(),
                ips.clone(),
                urls.clone(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn c2_ip_typo_is_read_as_ips() {
    let r = rules(
        "- name: MobiStealth\n  type: stalkerware\n  c2:\n    ip:\n    - 72.167.46.196\n    ips:\n    - 5.79.71.114\n",
    );
    assert_eq!(r[0].1, "c2");
    assert_eq!(r[0].3, vec!["5.79.71.114", "72.167.46.196"]);
}

#[test]
fn urls_in_distribution_are_kept_as_urls_and_shared_platform_hosts_are_not_listed() {
    let r = rules(
        "- name: AndroRat\n  type: stalkerware\n  distribution:\n  - https://github.com/karma9874/AndroRAT\n  - https://dl.evil-spy.example/get.apk\n  - Mirror.Spy-Downloads.example.\n",
    );
    let (id, role, domains, _, urls) = &r[0];
    assert_eq!(id, "stalkerware.androrat.distribution");
    assert_eq!(role, "distribution");
    assert_eq!(
        domains,
        &vec!["dl.evil-spy.example", "mirror.spy-downloads.example"]
    );
    assert_eq!(
        urls,
        &vec![
            "https://github.com/karma9874/AndroRAT",
            "https://dl.evil-spy.example/get.apk"
        ]
    );
}

#[test]
fn case_trailing_dots_and_duplicates_are_normalised() {
    let r = rules(
        "- name: X Spy\n  type: stalkerware\n  c2:\n    domains:\n    - API.XSpy.Example.\n    - api.xspy.example\n    - sync.xspy.example\n",
    );
    assert_eq!(r[0].0, "stalkerware.x-spy.c2");
    assert_eq!(r[0].2, vec!["api.xspy.example", "sync.xspy.example"]);
}

#[test]
fn shared_hosting_parents_are_never_listed_but_their_children_are() {
    let r = rules(
        "- name: Fb\n  type: stalkerware\n  c2:\n    domains:\n    - firebaseio.com\n    - spyapp-1234.firebaseio.com\n    - appspot.com\n",
    );
    assert_eq!(r[0].2, vec!["spyapp-1234.firebaseio.com"]);
}

#[test]
fn websites_are_low_and_c2_high_with_plain_wording() {
    let imp = convert("t.yaml", "- name: Copy9\n  names: [TheTruthSpy]\n  type: stalkerware\n  websites: [copy9.com]\n  c2:\n    domains: [protocol.copy9.com]\n  packages: [com.copy9]\n  certificates: [31a6ececd97cf39bc4126b8745cd94a7c30bf81c]\n", None).expect("converts");
    let by_id = |id: &str| imp.file.entries.iter().find(|e| e.id == id).expect(id);
    assert_eq!(
        by_id("stalkerware.copy9.c2").severity,
        sweep::engine::Severity::High
    );
    let w = by_id("stalkerware.copy9.website");
    assert_eq!(w.severity, sweep::engine::Severity::Low);
    assert!(
        w.meaning.contains("may simply have looked it up"),
        "{}",
        w.meaning
    );
    let MatchRule::App {
        packages,
        certificates,
        ..
    } = &by_id("stalkerware.copy9.app").rule
    else {
        panic!("app entry")
    };
    assert_eq!(packages, &vec!["com.copy9"]);
    assert_eq!(
        certificates,
        &vec!["31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"]
    );
    assert!(
        imp.file
            .source
            .attribution
            .as_deref()
            .is_some_and(|a| a.contains("CC BY 4.0") && a.contains("Echap"))
    );
}

#[test]
fn malformed_yaml_names_the_line() {
    let e = convert(
        "bad.yaml",
        "- name: A\n  type: stalkerware\n  c2:\n    domains: [a.example\n- name: B\n",
        None,
    )
    .expect_err("must fail")
    .to_string();
    assert!(e.starts_with("bad.yaml:"), "{e}");
    let line: usize = e
        .split(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a line number");
    assert!((4..=6).contains(&line), "{e}");
}

#[test]
fn output_passes_the_strict_loader() {
    let imp = convert(
        "t.yaml",
        "- name: A\n  type: stalkerware\n  c2:\n    domains: [a.example]\n",
        Some("abc"),
    )
    .expect("converts");
    let text = render(&imp.file).expect("render");
    sweep::signatures::parse_file("stalkerware.toml", &text).expect("strict loader accepts it");
}

/// The upstream commit of the vendored `signatures/upstream/ioc.yaml` (its SOURCE.txt).
const UPSTREAM_COMMIT: &str = "a04c5c1958bff93fec3b1b56edbb412b209f2a38";

#[test]
fn shipped_file_is_a_fresh_import_of_the_vendored_upstream_file() {
    let upstream = concat!(env!("CARGO_MANIFEST_DIR"), "/signatures/upstream/ioc.yaml");
    let yaml = std::fs::read_to_string(upstream).expect("the vendored ioc.yaml");
    let imp = convert(upstream, &yaml, Some(UPSTREAM_COMMIT)).expect("converts");
    assert_eq!(imp.apps, 147);
    assert_eq!(imp.c2_domains, 925);
    assert_eq!(imp.c2_ips, 68, "65 under c2.ips and 3 under the c2.ip typo");
    // samples.csv (APK hashes), vendored beside it, is learnt too.
    let mut imp = imp;
    let csv = std::fs::read_to_string(upstream.replace("ioc.yaml", "samples.csv"))
        .expect("the vendored samples.csv");
    let n = sweep::signatures::echap::add_samples(&mut imp, "samples.csv", &csv).expect("samples");
    assert_eq!(n, 3228);
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/signatures/stalkerware.toml"
    ))
    .expect("shipped");
    assert!(
        render(&imp.file).expect("render") == shipped,
        "signatures/stalkerware.toml is stale: run sweep signatures import-echap"
    );
}

#[test]
fn the_import_command_regenerates_the_shipped_file_byte_for_byte() {
    let root = env!("CARGO_MANIFEST_DIR");
    let source = std::fs::read_to_string(format!("{root}/signatures/upstream/SOURCE.txt"))
        .expect("SOURCE.txt");
    assert!(
        source.contains(UPSTREAM_COMMIT) && source.contains("CC BY 4.0"),
        "the SOURCE note names the commit and the licence"
    );
    let out = tempfile::tempdir().expect("tmp");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sweep"))
        .current_dir(root)
        .args([
            "signatures",
            "import-echap",
            "signatures/upstream/ioc.yaml",
            "--out",
        ])
        .arg(out.path())
        .args(["--commit", UPSTREAM_COMMIT])
        .args(["--samples", "signatures/upstream/samples.csv"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fresh = std::fs::read(out.path().join("stalkerware.toml")).expect("written");
    let shipped = std::fs::read(format!("{root}/signatures/stalkerware.toml")).expect("shipped");
    assert!(
        fresh == shipped,
        "signatures/stalkerware.toml differs from a fresh import of signatures/upstream/ioc.yaml"
    );
}

#[test]
fn samples_add_apk_hashes_and_certificates_to_the_app() {
    let mut imp = convert(
        "t.yaml",
        "- name: Copy9\n  names: [TheTruthSpy]\n  type: stalkerware\n  packages: [com.copy9]\n- name: NoPkg\n  type: stalkerware\n  websites: [nopkg.example]\n",
        None,
    )
    .expect("converts");
    let csv = "SHA256,Package Name,Certificate,Version,App\n\
        AB00000000000000000000000000000000000000000000000000000000000001,com.renamed,31a6ececd97cf39bc4126b8745cd94a7c30bf81c,1,TheTruthSpy\n\
        ab00000000000000000000000000000000000000000000000000000000000002,com.nopkg,,1,NoPkg\n\
        ab00000000000000000000000000000000000000000000000000000000000003,com.x,,1,Unknown App\n";
    let n = sweep::signatures::echap::add_samples(&mut imp, "samples.csv", csv).expect("ok");
    assert_eq!(n, 2);
    let app = |id: &str| {
        imp.file
            .entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.rule.clone())
            .expect("entry")
    };
    let MatchRule::App {
        packages,
        certificates,
        apk_sha256,
    } = app("stalkerware.copy9.app")
    else {
        panic!("app entry")
    };
    assert_eq!(packages, vec!["com.copy9"], "sample packages are not added");
    assert_eq!(
        certificates,
        vec!["31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"]
    );
    assert_eq!(
        apk_sha256,
        vec!["ab00000000000000000000000000000000000000000000000000000000000001"]
    );
    assert!(matches!(
        app("stalkerware.nopkg.app"),
        MatchRule::App { .. }
    ));
    assert!(imp.skipped.iter().any(|s| s.contains("Unknown App")));
    let e = sweep::signatures::echap::add_samples(
        &mut imp,
        "samples.csv",
        "SHA256,a,b,c,d\nzz,a,b,c,d\n",
    )
    .expect_err("bad hash")
    .to_string();
    assert!(e.starts_with("samples.csv:2:"), "{e}");
}
