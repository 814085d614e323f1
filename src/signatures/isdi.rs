//! `sweep signatures import-isdi FILE --out DIR`: converts ISDi's `app-flags.csv` (columns
//! `appId,store,flag,title`) into a signature file for a clinic that chooses to use it on
//! its own machine. ISDi's licence is ambiguous (MIT file, GPL-3.0-only metadata): sweep
//! never ships the list or anything derived from it; this command only converts a copy
//! the clinic has, and records where it came from.
//!
//! Kept: `dual-use` rows of Android apps (Play Store and off-store) as `info` leads worded
//! neutrally, and `spyware` rows as stalkerware. `stalkerware` rows are a copy of Echap's
//! packages (already in stalkerware.toml) and are left out; iOS rows and `safe` rows too.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::severity::{Category, Severity};
use crate::signatures::{Entry, ImportError, MatchRule, Provenance, SignatureFile};

/// Split one CSV line (RFC 4180 quoting, on one line).
pub fn csv_fields(line: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field never ends");
    }
    out.push(cur);
    Ok(out)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Convert the CSV text. Errors name the file and line.
pub fn convert(file: &str, text: &str) -> Result<(SignatureFile, usize, usize), ImportError> {
    let at = |line: usize, message: String| ImportError::At {
        file: file.to_string(),
        line,
        column: None,
        message,
    };
    let mut entries = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut dual, mut spy) = (0, 0);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f = csv_fields(line).map_err(|e| at(n, e.to_string()))?;
        if n == 1 {
            if f.first().map(|s| s.trim()) != Some("appId") {
                return Err(at(
                    1,
                    "expected the header appId,store,flag,title (ISDi's app-flags.csv)".into(),
                ));
            }
            continue;
        }
        let [app, store, flag, title] = f.as_slice() else {
            return Err(at(n, format!("expected 4 fields, found {}", f.len())));
        };
        let app = app.trim();
        if store == "appstore" || !crate::observation::valid_package(app) {
            continue;
        }
        let title = crate::sanitize::clean(title.trim(), 120);
        let name = if title.is_empty() {
            app.to_string()
        } else {
            title
        };
        let (category, severity, id, meaning, steps) = match flag.trim() {
            "dual-use" => {
                dual += 1;
                (
                    Category::PhoneApp,
                    Severity::Info,
                    format!("isdi.dual-use.{}", slug(app)),
                    format!(
                        "{name} is on ISDi's list of dual-use apps: apps with a legitimate use (family safety, anti-theft, sharing) that can also be used to monitor another person. Check with the client who set it up and who can see what it shares."
                    ),
                    vec![
                        crate::texts::phone::REVIEW_STEP.to_string(),
                        crate::texts::phone::SAFETY_STEP.to_string(),
                    ],
                )
            }
            "spyware" => {
                spy += 1;
                (
                    Category::Stalkerware,
                    Severity::High,
                    format!("isdi.spyware.{}", slug(app)),
                    format!(
                        "{name} is on ISDi's list of spyware: an app made to monitor another person's phone."
                    ),
                    vec![
                        crate::texts::phone::SAFETY_STEP.to_string(),
                        crate::texts::phone::EVIDENCE_STEP.to_string(),
                    ],
                )
            }
            _ => continue,
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        entries.push(Entry {
            id,
            name: name.clone(),
            category,
            severity,
            title: Some(format!("{name} is installed (ISDi list)")),
            meaning,
            next_steps: steps,
            rule: MatchRule::App {
                packages: vec![app.to_string()],
                certificates: Vec::new(),
                apk_sha256: Vec::new(),
            },
        });
    }
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let source = Provenance {
        name: "isdi-app-flags".into(),
        version: format!("sha256-{}", &digest[..12]),
        description: "ISDi's dual-use and spyware app list, imported locally by the clinic".into(),
        source: "https://github.com/stopipv/isdi (src/isdi/data/app-flags.csv)".into(),
        licence: "NOASSERTION (ISDi: LICENSE file MIT, pyproject.toml GPL-3.0-only)".into(),
        attribution: Some("App list from ISDi (IPV Spyware Discovery, Cornell Tech / NYU), https://github.com/stopipv/isdi; dual-use apps from Chatterjee et al., \"The Spyware Used in Intimate Partner Violence\", IEEE S&P 2018. Imported locally; not distributed with sweep.".into()),
        converted: Some(format!(
            "Converted by `sweep signatures import-isdi` from app-flags.csv (sha256 {digest}): Android dual-use rows as info leads, spyware rows as stalkerware; stalkerware rows (Echap's packages), iOS rows and safe rows left out. The licence of the list is ambiguous: keep this file on the clinic's machine, do not share or publish it."
        )),
        upstream_commit: None,
    };
    Ok((SignatureFile { source, entries }, dual, spy))
}

/// `sweep signatures import-isdi FILE --out DIR`.
pub fn import_command(csv: &Path, out: &Path) -> Result<String, ImportError> {
    let text = std::fs::read_to_string(csv).map_err(|source| ImportError::Read {
        path: csv.to_path_buf(),
        source,
    })?;
    let (file, dual, spy) = convert(&csv.display().to_string(), &text)?;
    let body = toml::to_string(&file)?;
    let text = format!(
        "# GENERATED by `sweep signatures import-isdi` from ISDi's app-flags.csv, for local use.\n# Licence of the list: ambiguous (MIT file, GPL-3.0-only metadata). Do not share or publish.\n\n{body}"
    );
    crate::signatures::parse_file("isdi-app-flags.toml", &text)?;
    std::fs::create_dir_all(out).map_err(|source| ImportError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let path = out.join("isdi-app-flags.toml");
    std::fs::write(&path, text).map_err(|source| ImportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(format!(
        "Wrote {} ({dual} dual-use apps, {spy} spyware apps). Use it with --signatures {} together with the other signature files; keep it on this machine.",
        path.display(),
        out.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes() {
        assert_eq!(
            csv_fields(r#"a.b,playstore,dual-use,"Find ""My"" Kids, GPS""#).expect("ok"),
            vec!["a.b", "playstore", "dual-use", "Find \"My\" Kids, GPS"]
        );
        assert!(csv_fields("a,\"open").is_err());
    }

    #[test]
    fn converts_written_sample() {
        let text = "appId,store,flag,title\ncom.example.locator,playstore,dual-use,Example Locator\nX.com.example.ios,appstore,dual-use,iOS app\ncom.example.spy,offstore,spyware,Example Spy\ncom.example.sw,offstore,stalkerware,Already Echap\nbad line\n";
        let err = convert("f.csv", text).expect_err("bad line").to_string();
        assert!(err.starts_with("f.csv:6:"), "{err}");
        let (f, dual, spy) = convert("f.csv", &text.replace("bad line\n", "")).expect("ok");
        assert_eq!((dual, spy, f.entries.len()), (1, 1, 2));
        assert_eq!(f.entries[0].severity, Severity::Info);
        assert_eq!(f.entries[1].category, Category::Stalkerware);
    }
}
