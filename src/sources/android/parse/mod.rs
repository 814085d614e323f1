//! Parsers for the raw outputs of the Android app check (see `docs/android.md`).
//!
//! Every parser is total: it never panics, whatever the bytes. Lines it cannot read are
//! reported as problems naming the file and line, and the rest is kept (a partial result).
//! A file that is cut short (no final newline, a block without its end) is reported too.
//!
//! `dumpsys` outputs are read in `parse/dumpsys.rs`, the JSON files (`apks.json`, AndroidQF's
//! `packages.json`) in `parse/json.rs`; both are re-exported here.

mod dumpsys;
mod json;

use std::collections::{BTreeMap, BTreeSet};

pub use dumpsys::{
    DANGEROUS_PERMISSIONS, DevicePolicy, Owner, PackageInfo, dumpsys_accessibility,
    dumpsys_device_policy, dumpsys_package, dumpsys_sections, pairs,
};
pub use json::{ApkRecord, QfPackage, androidqf_packages, apks_json, norm_hex};

/// What a parser made of one file: the value, and problems found on the way.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed<T> {
    pub value: T,
    /// "file:line: what is wrong", at most [`MAX_PROBLEMS`] (then a count).
    pub problems: Vec<String>,
}

/// Most problems one file reports line by line (the rest are counted).
pub const MAX_PROBLEMS: usize = 10;

struct Problems {
    file: String,
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn new(file: &str) -> Self {
        Self {
            file: file.to_string(),
            list: Vec::new(),
            more: 0,
        }
    }
    fn at(&mut self, line: usize, msg: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list
                .push(format!("{}:{line}: {}", self.file, msg.into()));
        } else {
            self.more += 1;
        }
    }
    fn whole(&mut self, msg: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(format!("{}: {}", self.file, msg.into()));
        } else {
            self.more += 1;
        }
    }
    fn done<T>(mut self, value: T) -> Parsed<T> {
        if self.more > 0 {
            self.list
                .push(format!("{}: {} more problems", self.file, self.more));
        }
        Parsed {
            value,
            problems: self.list,
        }
    }
}

/// Bytes as text: invalid UTF-8 is replaced (and reported), never an error.
pub fn text(file: &str, bytes: &[u8]) -> Parsed<String> {
    let mut p = Problems::new(file);
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) => {
            p.whole(format!(
                "not valid UTF-8 at byte offset {} (replaced)",
                e.valid_up_to()
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    p.done(s)
}

fn check_end(p: &mut Problems, text: &str) {
    if !text.is_empty() && !text.ends_with('\n') {
        p.whole(format!(
            "the output ends in the middle of line {} (cut short?)",
            text.lines().count()
        ));
    }
}

// ---------------------------------------------------------------- getprop

/// `getprop`: `[key]: [value]` lines; a value may run over several lines.
pub fn getprop(file: &str, text: &str) -> Parsed<BTreeMap<String, String>> {
    let mut p = Problems::new(file);
    let mut out = BTreeMap::new();
    let mut open: Option<(String, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some((k, mut v, start)) = open.take() {
            v.push('\n');
            if let Some(rest) = line.strip_suffix(']') {
                v.push_str(rest);
                out.insert(k, v);
            } else {
                v.push_str(line);
                open = Some((k, v, start));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some(rest) = line.strip_prefix('[') else {
            p.at(n, "not a property line ([key]: [value])");
            continue;
        };
        let Some((key, rest)) = rest.split_once("]: [") else {
            p.at(n, "not a property line ([key]: [value])");
            continue;
        };
        match rest.strip_suffix(']') {
            Some(v) => {
                out.insert(key.to_string(), v.to_string());
            }
            None => open = Some((key.to_string(), rest.to_string(), n)),
        }
    }
    if let Some((k, _, start)) = open {
        p.at(start, format!("the value of {k} never ends (cut short?)"));
    }
    check_end(&mut p, text);
    p.done(out)
}

/// An Android package name (the check lives in `observation`, a leaf the signature sets use).
pub use crate::observation::valid_package;

/// The package of a component name `pkg/cls` (or `ComponentInfo{pkg/cls}`).
pub fn component_package(c: &str) -> Option<&str> {
    let c = c
        .trim()
        .trim_start_matches("ComponentInfo{")
        .trim_matches(['{', '}']);
    let (pkg, _) = c.split_once('/')?;
    valid_package(pkg).then_some(pkg)
}

// ---------------------------------------------------------------- small lists

/// `settings get secure enabled_notification_listeners`: components separated by `:`
/// (or one per line); `null` when there are none.
pub fn component_list(file: &str, text: &str) -> Parsed<Vec<String>> {
    let mut p = Problems::new(file);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for tok in line.split(':').map(str::trim) {
            if tok.is_empty() || tok == "null" {
                continue;
            }
            if component_package(tok).is_some() {
                out.push(tok.to_string());
            } else {
                p.at(
                    i + 1,
                    format!("{tok:?} is not a component name (package/class)"),
                );
            }
        }
    }
    out.sort();
    out.dedup();
    p.done(out)
}

/// `settings list NAMESPACE`: `key=value` lines.
pub fn settings(file: &str, text: &str) -> Parsed<BTreeMap<String, String>> {
    let mut p = Problems::new(file);
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !k.contains(' ') => {
                out.insert(k.trim().to_string(), v.to_string());
            }
            _ => p.at(i + 1, "not a key=value line"),
        }
    }
    check_end(&mut p, text);
    p.done(out)
}

/// `cmd package query-activities ... LAUNCHER`: the packages with a launcher icon, from
/// `packageName=` lines (full output) or `pkg/cls` lines (`--brief`).
pub fn launcher_apps(file: &str, text: &str) -> Parsed<BTreeSet<String>> {
    let mut p = Problems::new(file);
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("packageName=") {
            if valid_package(v) {
                out.insert(v.to_string());
            }
        } else if let Some(pkg) = component_package(t)
            && !t.contains(' ')
        {
            out.insert(pkg.to_string());
        }
    }
    if out.is_empty() && !text.trim().is_empty() && !text.contains("No activities found") {
        p.whole("no launcher activities found in this output: the format is not recognised");
    }
    check_end(&mut p, text);
    p.done(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getprop_multiline_and_bad_lines() {
        let t = "[ro.product.model]: [Pixel 7]\ngarbage\n[x]: [a\nb]\n[cut]: [open";
        let r = getprop("getprop.txt", t);
        assert_eq!(r.value["ro.product.model"], "Pixel 7");
        assert_eq!(r.value["x"], "a\nb");
        assert!(
            r.problems.iter().any(|p| p.starts_with("getprop.txt:2:")),
            "{:?}",
            r.problems
        );
        assert!(
            r.problems.iter().any(|p| p.starts_with("getprop.txt:5:")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn component_lists() {
        let r = component_list("n.txt", "com.a/com.a.L:com.b/.M\n");
        assert_eq!(r.value, vec!["com.a/com.a.L", "com.b/.M"]);
        assert!(component_list("n.txt", "null\n").value.is_empty());
    }
}
