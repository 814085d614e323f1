//! The JSON files of a snapshot folder: sweep's `apks.json` and AndroidQF's
//! `packages.json`.

use serde_json::Value;

use super::{Parsed, Problems, valid_package};
use crate::sources::android::error::AndroidError;

// ---------------------------------------------------------------- apks.json

/// One line of `apks.json`: an app's APK, its hash and signing certificates.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ApkRecord {
    pub package: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_sha1: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_sha256: Vec<String>,
    /// Why the hash or the certificate is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Upper-case hex without colons or spaces, if `s` is hex of `len` bytes.
pub fn norm_hex(s: &str, len: usize) -> Option<String> {
    let h: String = s
        .chars()
        .filter(|c| *c != ':' && *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    (h.len() == len * 2 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

fn hex_list(v: Option<&Value>, len: usize) -> Result<Vec<String>, AndroidError> {
    let items: Vec<&Value> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    };
    items
        .into_iter()
        .map(|x| {
            x.as_str()
                .and_then(|s| norm_hex(s, len))
                .ok_or_else(|| AndroidError::NotHex {
                    value: x.to_string(),
                    bytes: len,
                })
        })
        .collect()
}

/// A JSON file that must hold an array (of `what`): its items, or a problem naming the line
/// and column (not JSON) or the whole file (not an array).
fn json_array(p: &mut Problems, text: &str, what: &str) -> Option<Vec<Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Array(items)) => Some(items),
        Ok(_) => {
            p.whole(format!("expected a JSON array of {what}"));
            None
        }
        Err(e) => {
            p.at(
                e.line(),
                format!("column {}: not valid JSON: {e}", e.column()),
            );
            None
        }
    }
}

/// `apks.json`: an array of [`ApkRecord`]. A broken element is skipped and reported; a file
/// that is not JSON at all is one problem naming the line and column.
pub fn apks_json(file: &str, text: &str) -> Parsed<Vec<ApkRecord>> {
    let mut p = Problems::new(file);
    let Some(items) = json_array(&mut p, text, "apps") else {
        return p.done(Vec::new());
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(pkg) = item
            .get("package")
            .and_then(Value::as_str)
            .filter(|s| valid_package(s))
        else {
            p.whole(format!("element {i}: no valid \"package\""));
            continue;
        };
        let sha256 = match item.get("sha256") {
            None | Some(Value::Null) => None,
            Some(x) => match x.as_str().and_then(|s| norm_hex(s, 32)) {
                Some(h) => Some(h.to_ascii_lowercase()),
                None => {
                    p.whole(format!(
                        "element {i} ({pkg}): \"sha256\" is not 64 hex digits"
                    ));
                    None
                }
            },
        };
        let cert_sha1 = hex_list(item.get("cert_sha1"), 20).unwrap_or_else(|e| {
            p.whole(format!("element {i} ({pkg}): cert_sha1: {e}"));
            Vec::new()
        });
        let cert_sha256 = hex_list(item.get("cert_sha256"), 32).unwrap_or_else(|e| {
            p.whole(format!("element {i} ({pkg}): cert_sha256: {e}"));
            Vec::new()
        });
        out.push(ApkRecord {
            package: pkg.to_string(),
            path: item.get("path").and_then(Value::as_str).map(str::to_string),
            sha256,
            cert_sha1,
            cert_sha256,
            error: item
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    p.done(out)
}

// ---------------------------------------------------------------- AndroidQF

/// One package from AndroidQF's `packages.json`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QfPackage {
    pub package: String,
    pub installer: Option<String>,
    pub system: bool,
    pub disabled: bool,
    pub apk: Option<ApkRecord>,
}

fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// AndroidQF's `packages.json`: `[{name, installer, system, disabled, files: [{path,
/// sha256, certificate: {Sha1, Sha256}}]}]` (keys read case-insensitively).
pub fn androidqf_packages(file: &str, text: &str) -> Parsed<Vec<QfPackage>> {
    let mut p = Problems::new(file);
    let Some(items) = json_array(&mut p, text, "packages") else {
        return p.done(Vec::new());
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(name) = get_ci(item, "name")
            .and_then(Value::as_str)
            .filter(|s| valid_package(s))
        else {
            p.whole(format!("element {i}: no valid \"name\""));
            continue;
        };
        let installer = get_ci(item, "installer")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && *s != "null")
            .map(str::to_string);
        let flag = |k: &str| get_ci(item, k).and_then(Value::as_bool).unwrap_or(false);
        let apk = get_ci(item, "files")
            .and_then(Value::as_array)
            .and_then(|files| {
                files
                    .iter()
                    .find(|f| {
                        get_ci(f, "path")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.ends_with("base.apk"))
                    })
                    .or_else(|| files.first())
            })
            .map(|f| {
                let cert = get_ci(f, "certificate");
                let h = |k: &str, len: usize| {
                    cert.and_then(|c| get_ci(c, k))
                        .and_then(Value::as_str)
                        .and_then(|s| norm_hex(s, len))
                        .into_iter()
                        .collect::<Vec<_>>()
                };
                ApkRecord {
                    package: name.to_string(),
                    path: get_ci(f, "path")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    sha256: get_ci(f, "sha256")
                        .and_then(Value::as_str)
                        .and_then(|s| norm_hex(s, 32))
                        .map(|s| s.to_ascii_lowercase()),
                    cert_sha1: h("sha1", 20),
                    cert_sha256: h("sha256", 32),
                    error: None,
                }
            });
        out.push(QfPackage {
            package: name.to_string(),
            installer,
            system: flag("system"),
            disabled: flag("disabled"),
            apk,
        });
    }
    p.done(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apks_json_garbage_names_the_line() {
        let r = apks_json("apks.json", "[\n{\"package\": \"a.b\"},\n}}garbage");
        assert!(r.value.is_empty());
        assert!(
            r.problems[0].starts_with("apks.json:3:"),
            "{:?}",
            r.problems
        );
        let r = apks_json(
            "apks.json",
            r#"[{"package":"a.b","sha256":"zz"},{"package":"c.d","cert_sha1":["AA:BB"]},{"x":1},{"package":"e.f","sha256":"AB0000000000000000000000000000000000000000000000000000000000000F"}]"#,
        );
        assert_eq!(r.value.len(), 3);
        assert_eq!(
            r.value[2].sha256.as_deref(),
            Some("ab0000000000000000000000000000000000000000000000000000000000000f")
        );
        assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
    }
}
