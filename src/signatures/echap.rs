//! Conversion of Echap's `ioc.yaml` (stalkerware-indicators, CC BY 4.0) into
//! `signatures/stalkerware.toml`: `sweep signatures import-echap IOC_YAML --out DIR`.
//!
//! Echap's quirks handled here (see docs/signatures-stalkerware.md):
//! - `c2.ip` is a typo alias of `c2.ips` (upstream generators silently drop it);
//! - `distribution` may hold full URLs: kept as URLs, and their host only when it is not a
//!   shared platform (github.com...);
//! - case and trailing dots are normalised, duplicates removed;
//! - a bare shared-hosting parent (firebaseio.com, appspot.com...) is never listed: only the
//!   full names under it are.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::severity::{Category, Severity};
use crate::signatures::{
    Entry, ImportError, MatchRule, Provenance, SignatureFile, parse_ip_or_net, validate_domain,
};

/// Platforms shared by many unrelated customers: never match the platform itself.
pub const SHARED_PLATFORMS: &[&str] = &[
    "firebaseio.com",
    "firebaseapp.com",
    "web.app",
    "appspot.com",
    "herokuapp.com",
    "github.com",
    "githubusercontent.com",
    "github.io",
    "gitlab.com",
    "blogspot.com",
    "wordpress.com",
    "000webhostapp.com",
    "google.com",
    "googleapis.com",
    "amazonaws.com",
    "cloudfront.net",
    "azurewebsites.net",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "dropbox.com",
    "drive.google.com",
];

#[derive(Debug, Deserialize)]
struct App {
    name: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default)]
    certificates: Vec<String>,
    #[serde(default)]
    websites: Vec<String>,
    #[serde(default)]
    distribution: Vec<String>,
    #[serde(default)]
    c2: C2,
}

#[derive(Debug, Default, Deserialize)]
struct C2 {
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    ips: Vec<String>,
    /// Upstream typo for `ips` (MobiStealth, Ahmyth).
    #[serde(default)]
    ip: Vec<String>,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub file: SignatureFile,
    /// Values skipped, with the app they belonged to.
    pub skipped: Vec<String>,
    pub apps: usize,
    pub c2_domains: usize,
    pub c2_ips: usize,
    /// Every app name and alias (lower case) → the entry slug it was converted under.
    pub aliases: Vec<(String, String)>,
}

/// Lower-case, trim, drop a trailing dot and any scheme/path.
pub fn normalise_host(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase();
    let s = s.split("://").nth(1).map(str::to_string).unwrap_or(s);
    let s = s.split(['/', '?', '#']).next().unwrap_or("").to_string();
    let s = s.rsplit_once('@').map(|(_, h)| h.to_string()).unwrap_or(s);
    let s = match s.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
        _ => s,
    };
    s.trim_end_matches('.').to_string()
}

fn slug(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    s.trim_matches('-').to_string()
}

fn push_unique(v: &mut Vec<String>, seen: &mut HashSet<String>, s: String) {
    if seen.insert(s.clone()) {
        v.push(s);
    }
}

const NEXT_C2: &[&str] = &[
    "Do not remove the app, reset the phone or change passwords yet: the person who installed it may be alerted, and that can increase the risk to the client.",
    "Note what was found (this report) and keep it somewhere the other person cannot see or reach.",
    "Decide next steps together with the client's advocate, as part of a safety plan: the client decides.",
    "If the client wants it checked further, a specialist can examine the phone, and the police can be told if the client wants the evidence kept.",
];
const NEXT_WEBSITE: &[&str] = &[
    "Ask the client, gently, whether they or someone else using the phone may have looked this up.",
    "Consider this together with the other findings: on its own it is not proof that the app is installed.",
    "Discuss with the client's advocate whether a closer check of the phone's apps is wanted.",
];

/// Convert the text of an Echap `ioc.yaml`.
pub fn convert(file: &str, yaml: &str, commit: Option<&str>) -> Result<Import, ImportError> {
    let apps: Vec<App> = serde_yaml_ng::from_str(yaml).map_err(|e| match e.location() {
        Some(l) => ImportError::At {
            file: file.to_string(),
            line: l.line(),
            column: Some(l.column()),
            message: e.to_string(),
        },
        None => ImportError::File {
            file: file.to_string(),
            message: e.to_string(),
        },
    })?;
    let shared: HashSet<&str> = SHARED_PLATFORMS.iter().copied().collect();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut slugs = HashSet::new();
    let (mut c2_domains, mut c2_ips) = (0, 0);
    let mut aliases_out = Vec::new();
    for app in &apps {
        let name = app.name.trim();
        if name.is_empty() {
            return Err(ImportError::File {
                file: file.to_string(),
                message: "an app has an empty name".into(),
            });
        }
        if app.kind.as_deref().is_some_and(|k| k != "stalkerware") {
            continue;
        }
        let mut base = slug(name);
        let mut n = 2;
        while !slugs.insert(base.clone()) {
            base = format!("{}-{n}", slug(name));
            n += 1;
        }
        aliases_out.push((name.to_ascii_lowercase(), base.clone()));
        for n in &app.names {
            aliases_out.push((n.trim().to_ascii_lowercase(), base.clone()));
        }
        let aliases: Vec<&str> = app
            .names
            .iter()
            .map(|s| s.trim())
            .filter(|s| *s != name)
            .collect();
        let also = if aliases.is_empty() {
            String::new()
        } else {
            format!(" (also sold as {})", aliases.join(", "))
        };

        let domains = |list: &[String], skipped: &mut Vec<String>| -> Vec<String> {
            let (mut out, mut seen) = (Vec::new(), HashSet::new());
            for d in list {
                let h = normalise_host(d);
                if shared.contains(h.as_str()) {
                    skipped.push(format!(
                        "{name}: {d:?} is a shared platform, not listed on its own"
                    ));
                } else if let Err(e) = validate_domain(&h) {
                    skipped.push(format!("{name}: {e}"));
                } else {
                    push_unique(&mut out, &mut seen, h);
                }
            }
            out
        };
        let c2d = domains(&app.c2.domains, &mut skipped);
        let (mut ips, mut seen_ip) = (Vec::new(), HashSet::new());
        for ip in app.c2.ips.iter().chain(&app.c2.ip) {
            match parse_ip_or_net(ip.trim()) {
                Ok(_) => push_unique(&mut ips, &mut seen_ip, ip.trim().to_string()),
                Err(e) => skipped.push(format!("{name}: {e}")),
            }
        }
        c2_domains += c2d.len();
        c2_ips += ips.len();
        if !c2d.is_empty() || !ips.is_empty() {
            entries.push(Entry {
                id: format!("stalkerware.{base}.c2"),
                name: name.to_string(),
                category: Category::Stalkerware,
                severity: Severity::High,
                title: Some(format!("This phone contacted a server used by the stalkerware app {name}")),
                meaning: format!(
                    "{name}{also} is an app that secretly sends what a phone does (messages, location, photos, calls) to the person who installed it. This phone contacted one of the servers it uses. That is a strong sign that {name} is on this phone, or was until recently."
                ),
                next_steps: NEXT_C2.iter().map(|s| s.to_string()).collect(),
                rule: MatchRule::Network { role: "c2".into(), domains: c2d, ips, urls: Vec::new() },
            });
        }
        let web = domains(&app.websites, &mut skipped);
        if !web.is_empty() {
            entries.push(Entry {
                id: format!("stalkerware.{base}.website"),
                name: name.to_string(),
                category: Category::Stalkerware,
                severity: Severity::Low,
                title: Some(format!("This phone visited the website of {name}")),
                meaning: format!(
                    "{name}{also} sells monitoring software. Visiting its website does not mean the app is installed: the client, or someone else using this phone, may simply have looked it up."
                ),
                next_steps: NEXT_WEBSITE.iter().map(|s| s.to_string()).collect(),
                rule: MatchRule::Network { role: "website".into(), domains: web, ips: Vec::new(), urls: Vec::new() },
            });
        }
        let (mut urls, mut hosts) = (Vec::new(), Vec::new());
        for d in &app.distribution {
            if d.contains("://") {
                urls.push(d.trim().to_string());
                let h = normalise_host(d);
                if !shared.contains(h.as_str()) {
                    hosts.push(h);
                }
            } else {
                hosts.push(d.clone());
            }
        }
        let dist = domains(&hosts, &mut skipped);
        if !dist.is_empty() || !urls.is_empty() {
            entries.push(Entry {
                id: format!("stalkerware.{base}.distribution"),
                name: name.to_string(),
                category: Category::Stalkerware,
                severity: Severity::Medium,
                title: Some(format!("This phone contacted a download site of {name}")),
                meaning: format!(
                    "{name}{also} is stalkerware, and this site is where it is downloaded from. Someone may have downloaded it on this phone, or only looked at the site."
                ),
                next_steps: NEXT_WEBSITE.iter().map(|s| s.to_string()).collect(),
                rule: MatchRule::Network { role: "distribution".into(), domains: dist, ips: Vec::new(), urls },
            });
        }
        if !app.packages.is_empty() || !app.certificates.is_empty() {
            entries.push(Entry {
                id: format!("stalkerware.{base}.app"),
                name: name.to_string(),
                category: Category::Stalkerware,
                severity: Severity::High,
                title: Some(format!("The stalkerware app {name} is installed")),
                meaning: format!(
                    "{name}{also} secretly sends what a phone does to the person who installed it. (Kept for an app check: package names and signing-certificate fingerprints.)"
                ),
                next_steps: NEXT_C2.iter().map(|s| s.to_string()).collect(),
                rule: MatchRule::App {
                    packages: app.packages.iter().map(|p| p.trim().to_string()).collect(),
                    certificates: app.certificates.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
                    apk_sha256: Vec::new(),
                },
            });
        }
    }
    let short = commit.map(|c| c.chars().take(7).collect::<String>());
    let source = Provenance {
        name: "stalkerware".into(),
        version: short.clone().map_or_else(|| "unknown commit".into(), |c| format!("echap-{c}")),
        description: "Stalkerware network indicators (command-and-control servers, websites, download sites) and app identifiers".into(),
        source: "https://github.com/AssoEchap/stalkerware-indicators (ioc.yaml)".into(),
        licence: "CC-BY-4.0".into(),
        attribution: Some(format!(
            "Stalkerware indicators from Echap's stalkerware-indicators (https://github.com/AssoEchap/stalkerware-indicators){}, licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Converted by sweep.",
            short.as_deref().map(|c| format!(", commit {c}")).unwrap_or_default()
        )),
        converted: Some("Converted from ioc.yaml by `sweep signatures import-echap`: names lower-cased, trailing dots removed, duplicates dropped, the `c2.ip` typo read as `c2.ips`, URLs in `distribution` kept as URLs (their host only when not a shared platform), bare shared-hosting platforms never listed; plain-language texts added. The indicators are incomplete and come with no guarantee: no match does not mean a phone has no stalkerware.".into()),
        upstream_commit: commit.map(str::to_string),
    };
    Ok(Import {
        apps: apps.len(),
        file: SignatureFile { source, entries },
        skipped,
        c2_domains,
        c2_ips,
        aliases: aliases_out,
    })
}

/// Learn Echap's `samples.csv` (`SHA256,Package Name,Certificate,Version,App`): each APK
/// SHA-256 goes to its app's entry (with the sample's certificate when the entry lacks it). Returns how many hashes were added; rows naming an unknown app are
/// reported in `skipped`.
/// Learn Echap's samples.csv into an import, and say so in its provenance.
pub fn add_samples(import: &mut Import, file: &str, csv: &str) -> Result<usize, ImportError> {
    let added = add_sample_rows(import, file, csv)?;
    import.file.source.source.push_str(" and samples.csv");
    if let Some(c) = import.file.source.converted.as_mut() {
        c.push_str(" APK SHA-256 of known samples learnt from samples.csv, with each sample's signing certificate added to its app.");
    }
    Ok(added)
}

fn add_sample_rows(import: &mut Import, file: &str, csv: &str) -> Result<usize, ImportError> {
    let at = |line: usize, message: String| ImportError::At {
        file: file.to_string(),
        line,
        column: None,
        message,
    };
    let mut added = 0;
    for (i, line) in csv.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if n == 1 {
            if f.first().map(|s| s.to_ascii_lowercase()) != Some("sha256".into()) {
                return Err(at(
                    1,
                    "expected the header SHA256,Package Name,Certificate,Version,App".into(),
                ));
            }
            continue;
        }
        let [sha, package, cert, _version, app] = f.as_slice() else {
            return Err(at(n, format!("expected 5 fields, found {}", f.len())));
        };
        let sha = sha.to_ascii_lowercase();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(at(n, format!("{sha:?} is not a SHA-256")));
        }
        let Some((_, base)) = import
            .aliases
            .iter()
            .find(|(a, _)| *a == app.to_ascii_lowercase())
        else {
            import
                .skipped
                .push(format!("{app}: sample {sha} names an app not in ioc.yaml"));
            continue;
        };
        let id = format!("stalkerware.{base}.app");
        let pos = match import.file.entries.iter().position(|e| e.id == id) {
            Some(p) => p,
            None => {
                let name = import
                    .file
                    .entries
                    .iter()
                    .find(|e| e.id.starts_with(&format!("stalkerware.{base}.")))
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|| app.to_string());
                import.file.entries.push(Entry {
                    id: id.clone(),
                    name: name.clone(),
                    category: Category::Stalkerware,
                    severity: Severity::High,
                    title: Some(format!("The stalkerware app {name} is installed")),
                    meaning: format!(
                        "{name} secretly sends what a phone does to the person who installed it."
                    ),
                    next_steps: NEXT_C2.iter().map(|s| s.to_string()).collect(),
                    rule: MatchRule::App {
                        packages: Vec::new(),
                        certificates: Vec::new(),
                        apk_sha256: Vec::new(),
                    },
                });
                import.file.entries.len() - 1
            }
        };
        if let MatchRule::App {
            packages,
            certificates,
            apk_sha256,
        } = &mut import.file.entries[pos].rule
        {
            if !apk_sha256.contains(&sha) {
                apk_sha256.push(sha);
                added += 1;
            }
            // The sample's certificate identifies the vendor whatever the package is called;
            // its package name is not added (samples include generic names such as
            // com.android.system that ioc.yaml does not list).
            let cert = cert.to_ascii_uppercase();
            if cert.len() == 40
                && cert.bytes().all(|b| b.is_ascii_hexdigit())
                && !certificates.contains(&cert)
            {
                certificates.push(cert);
            }
            let _ = (packages, package);
        }
    }
    Ok(added)
}

/// `sweep signatures import-echap IOC_YAML --out DIR`.
pub fn import_command(ioc: &Path, out: &Path, commit: Option<&str>) -> Result<String, ImportError> {
    import_command_with_samples(ioc, None, out, commit)
}

/// `sweep signatures import-echap IOC_YAML [--samples SAMPLES_CSV] --out DIR`.
pub fn import_command_with_samples(
    ioc: &Path,
    samples: Option<&Path>,
    out: &Path,
    commit: Option<&str>,
) -> Result<String, ImportError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| ImportError::Read {
            path: p.to_path_buf(),
            source,
        })
    };
    let write = |p: &Path| {
        let path = p.to_path_buf();
        move |source| ImportError::Write { path, source }
    };
    let yaml = read(ioc)?;
    let mut import = convert(&ioc.display().to_string(), &yaml, commit)?;
    let mut hashes = 0;
    if let Some(s) = samples {
        let csv = read(s)?;
        hashes = add_samples(&mut import, &s.display().to_string(), &csv)?;
    }
    let text = render(&import.file)?;
    // Check the output with the same strict loader the tool uses.
    crate::signatures::parse_file("stalkerware.toml", &text)?;
    std::fs::create_dir_all(out).map_err(write(out))?;
    let path = out.join("stalkerware.toml");
    std::fs::write(&path, text).map_err(write(&path))?;
    for s in &import.skipped {
        eprintln!("note: skipped {s}");
    }
    Ok(format!(
        "Wrote {} ({} apps, {} entries, {} C2 names, {} C2 addresses, {hashes} APK hashes)",
        path.display(),
        import.apps,
        import.file.entries.len(),
        import.c2_domains,
        import.c2_ips
    ))
}

/// The TOML text of a converted file, with a header comment.
pub fn render(file: &SignatureFile) -> Result<String, ImportError> {
    let body = toml::to_string(file)?;
    Ok(format!(
        "# GENERATED by `sweep signatures import-echap` from Echap's ioc.yaml. Do not edit by hand.\n# Data licence: CC BY 4.0 (see signatures/LICENSE-echap.txt and [source].attribution).\n\n{body}"
    ))
}
