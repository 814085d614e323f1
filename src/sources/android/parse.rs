//! Parsers for the raw outputs of the Android app check (see `docs/android.md`).
//!
//! Every parser is total: it never panics, whatever the bytes. Lines it cannot read are
//! reported as problems naming the file and line, and the rest is kept (a partial result).
//! A file that is cut short (no final newline, a block without its end) is reported too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

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

// ---------------------------------------------------------------- dumpsys package

/// One package from `dumpsys package`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PackageInfo {
    pub package: String,
    pub code_path: Option<String>,
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub first_install: Option<String>,
    pub last_update: Option<String>,
    pub installer: Option<String>,
    pub system: bool,
    pub disabled: bool,
    /// Installed for user 0 (absent `User 0:` line: assumed installed).
    pub installed: bool,
    pub dangerous_permissions: Vec<String>,
}

/// Runtime permissions worth listing for a lead (Android's "dangerous" protection level).
pub const DANGEROUS_PERMISSIONS: &[&str] = &[
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.ACCESS_COARSE_LOCATION",
    "android.permission.ACCESS_BACKGROUND_LOCATION",
    "android.permission.ACCESS_MEDIA_LOCATION",
    "android.permission.CAMERA",
    "android.permission.RECORD_AUDIO",
    "android.permission.READ_SMS",
    "android.permission.RECEIVE_SMS",
    "android.permission.SEND_SMS",
    "android.permission.RECEIVE_MMS",
    "android.permission.RECEIVE_WAP_PUSH",
    "android.permission.READ_CALL_LOG",
    "android.permission.WRITE_CALL_LOG",
    "android.permission.PROCESS_OUTGOING_CALLS",
    "android.permission.READ_CONTACTS",
    "android.permission.WRITE_CONTACTS",
    "android.permission.GET_ACCOUNTS",
    "android.permission.READ_PHONE_STATE",
    "android.permission.READ_PHONE_NUMBERS",
    "android.permission.CALL_PHONE",
    "android.permission.ANSWER_PHONE_CALLS",
    "android.permission.READ_CALENDAR",
    "android.permission.WRITE_CALENDAR",
    "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.WRITE_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_IMAGES",
    "android.permission.READ_MEDIA_VIDEO",
    "android.permission.READ_MEDIA_AUDIO",
    "android.permission.BODY_SENSORS",
    "android.permission.ACTIVITY_RECOGNITION",
    "android.permission.NEARBY_WIFI_DEVICES",
    "android.permission.BLUETOOTH_SCAN",
];

/// `key=value` pairs of a dumpsys line; a token without `=` belongs to the value before it
/// ("firstInstallTime=2024-01-15 14:23:11", "pkgFlags=[ SYSTEM HAS_CODE ]").
pub fn pairs(line: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for tok in line.split_whitespace() {
        match tok.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                out.push((k, v.to_string()));
            }
            _ => {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(tok);
                }
            }
        }
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `dumpsys package` (whole): the `Packages:` section, one block per package.
pub fn dumpsys_package(file: &str, text: &str) -> Parsed<Vec<PackageInfo>> {
    let mut p = Problems::new(file);
    let dangerous: BTreeSet<&str> = DANGEROUS_PERMISSIONS.iter().copied().collect();
    let mut out: Vec<PackageInfo> = Vec::new();
    let mut in_packages = false;
    let mut seen_section = false;
    let mut cur: Option<PackageInfo> = None;
    let mut block_indent = 0usize;
    let mut user: Option<u32> = None;
    let mut perms: BTreeSet<String> = BTreeSet::new();
    let finish = |cur: &mut Option<PackageInfo>,
                  perms: &mut BTreeSet<String>,
                  out: &mut Vec<PackageInfo>| {
        if let Some(mut pk) = cur.take() {
            pk.dangerous_permissions = std::mem::take(perms).into_iter().collect();
            out.push(pk);
        }
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let ind = indent(line);
        if ind == 0 {
            finish(&mut cur, &mut perms, &mut out);
            in_packages = t == "Packages:";
            seen_section |= in_packages;
            continue;
        }
        if !in_packages {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Package [") {
            finish(&mut cur, &mut perms, &mut out);
            match rest.split_once(']') {
                Some((name, _)) if valid_package(name) => {
                    cur = Some(PackageInfo {
                        package: name.to_string(),
                        installed: true,
                        ..Default::default()
                    });
                    block_indent = ind;
                    user = None;
                }
                _ => p.at(n, "a package line without a valid package name"),
            }
            continue;
        }
        let Some(pk) = cur.as_mut() else {
            continue;
        };
        if ind <= block_indent {
            continue;
        }
        if let Some(rest) = t.strip_prefix("User ") {
            let (num, rest) = rest.split_once(':').unwrap_or((rest, ""));
            user = num.trim().parse().ok();
            if user == Some(0) {
                for (k, v) in pairs(rest) {
                    match k {
                        "installed" => pk.installed = v == "true",
                        "enabled" => pk.disabled = matches!(v.as_str(), "2" | "3" | "4"),
                        _ => {}
                    }
                }
            }
            continue;
        }
        if let Some((perm, rest)) = t.split_once(": granted=") {
            if rest.starts_with("true") && user.is_none_or(|u| u == 0) && dangerous.contains(perm) {
                perms.insert(perm.to_string());
            }
            continue;
        }
        for (k, v) in pairs(t) {
            let v = v.trim().to_string();
            match k {
                "codePath" => pk.code_path = Some(v),
                "versionCode" => match v.parse() {
                    Ok(c) => pk.version_code = Some(c),
                    Err(_) => p.at(n, format!("versionCode {v:?} is not a number")),
                },
                "versionName" => pk.version_name = Some(v),
                "firstInstallTime" => pk.first_install = Some(v),
                "lastUpdateTime" => pk.last_update = Some(v),
                "installerPackageName" => {
                    pk.installer = (!v.is_empty() && v != "null").then_some(v)
                }
                "pkgFlags" => {
                    pk.system |= v
                        .trim_matches(['[', ']', ' '])
                        .split_whitespace()
                        .any(|f| f == "SYSTEM");
                }
                _ => {}
            }
        }
    }
    let last_open = cur.is_some();
    finish(&mut cur, &mut perms, &mut out);
    if !seen_section && !text.trim().is_empty() {
        p.whole("no \"Packages:\" section: not the output of `dumpsys package`");
    } else if text.trim().is_empty() {
        p.whole("the output is empty");
    }
    if last_open && !text.ends_with('\n') {
        let last = out.last().map(|x| x.package.clone()).unwrap_or_default();
        p.whole(format!(
            "the output ends in the middle of the package {last} (cut short?); what came before is kept"
        ));
    } else {
        check_end(&mut p, text);
    }
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

// ---------------------------------------------------------------- dumpsys accessibility

/// `dumpsys accessibility`: the components listed under "Enabled services:{...}" for every
/// user. Android 9 to 13 print it on one line; Android 14 may spread it over several.
pub fn dumpsys_accessibility(file: &str, text: &str) -> Parsed<Vec<String>> {
    let mut p = Problems::new(file);
    let mut out = BTreeSet::new();
    let mut found = false;
    let mut rest = text;
    while let Some(pos) = rest.find("Enabled services:") {
        found = true;
        let after = &rest[pos + "Enabled services:".len()..];
        let after = after.trim_start();
        if !after.starts_with('{') {
            let line = text.len() - rest.len() + pos;
            p.at(
                line_of(text, line),
                "\"Enabled services:\" is not followed by {",
            );
            rest = after;
            continue;
        }
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            let line = text.len() - after.len();
            p.at(
                line_of(text, line),
                "the list of enabled services never ends (cut short?)",
            );
            for c in components(after) {
                out.insert(c);
            }
            break;
        };
        for c in components(&after[1..end]) {
            out.insert(c);
        }
        rest = &after[end..];
    }
    if !found && !text.trim().is_empty() {
        p.whole("no \"Enabled services:\" list: the format is not recognised");
    }
    p.done(out.into_iter().collect())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Component names `pkg/cls` in a list such as `{a/b}, {c/.d}` or `a/b:c/d`.
fn components(s: &str) -> Vec<String> {
    s.split(|c: char| c == '{' || c == '}' || c == ',' || c == ':' || c.is_whitespace())
        .filter(|t| component_package(t).is_some())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------- dumpsys device_policy

/// An owner found in `dumpsys device_policy`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Owner {
    pub device_owner: bool,
    pub package: String,
    pub component: Option<String>,
    pub user: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DevicePolicy {
    pub owners: Vec<Owner>,
    /// Active device administrators (component names), every user.
    pub admins: Vec<String>,
}

/// `dumpsys device_policy`: device and profile owners, and the enabled (active) device
/// administrators of every user.
pub fn dumpsys_device_policy(file: &str, text: &str) -> Parsed<DevicePolicy> {
    let mut p = Problems::new(file);
    let mut out = DevicePolicy::default();
    #[derive(PartialEq)]
    enum Block {
        None,
        Owner(bool, Option<u32>, usize),
        Admins(usize),
    }
    let mut block = Block::None;
    let mut owner: Option<Owner> = None;
    let mut recognised = false;
    let flush = |owner: &mut Option<Owner>, out: &mut DevicePolicy| {
        if let Some(o) = owner.take()
            && !o.package.is_empty()
        {
            out.owners.push(o);
        }
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let ind = indent(line);
        match block {
            Block::Owner(_, _, bi) | Block::Admins(bi) if ind <= bi => {
                flush(&mut owner, &mut out);
                block = Block::None;
            }
            _ => {}
        }
        if t.starts_with("Device Owner:") || t == "Device Owner" {
            flush(&mut owner, &mut out);
            recognised = true;
            block = Block::Owner(true, None, ind);
            owner = Some(Owner {
                device_owner: true,
                package: String::new(),
                component: None,
                user: None,
            });
            continue;
        }
        if let Some(rest) = t.strip_prefix("Profile Owner (User ") {
            flush(&mut owner, &mut out);
            recognised = true;
            let user = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|u| u.parse().ok());
            block = Block::Owner(false, user, ind);
            owner = Some(Owner {
                device_owner: false,
                package: String::new(),
                component: None,
                user,
            });
            continue;
        }
        if t.starts_with("Enabled Device Admins") {
            flush(&mut owner, &mut out);
            recognised = true;
            block = Block::Admins(ind);
            continue;
        }
        if t.starts_with("Current Device Policy Manager state") {
            recognised = true;
        }
        match &block {
            Block::Owner(_, _, _) => {
                let Some(o) = owner.as_mut() else { continue };
                if let Some(v) = t.strip_prefix("admin=") {
                    let c = v.trim_start_matches("ComponentInfo{").trim_end_matches('}');
                    match component_package(c) {
                        Some(pkg) => {
                            o.component = Some(c.to_string());
                            if o.package.is_empty() {
                                o.package = pkg.to_string();
                            }
                        }
                        None => p.at(n, "admin= is not a component name"),
                    }
                } else if let Some(v) = t.strip_prefix("package=") {
                    if valid_package(v.trim()) {
                        o.package = v.trim().to_string();
                    }
                } else if let Some(v) = t.strip_prefix("User ID:")
                    && o.user.is_none()
                {
                    o.user = v.trim().parse().ok();
                }
            }
            Block::Admins(_) => {
                if let Some(c) = t.strip_suffix(':')
                    && component_package(c).is_some()
                    && !c.contains(' ')
                {
                    out.admins.push(c.to_string());
                }
            }
            Block::None => {}
        }
    }
    flush(&mut owner, &mut out);
    if !recognised && !text.trim().is_empty() {
        p.whole("not the output of `dumpsys device_policy` (no owners or admins sections)");
    }
    check_end(&mut p, text);
    out.owners.sort();
    out.owners.dedup();
    out.admins.sort();
    out.admins.dedup();
    p.done(out)
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

fn hex_list(v: Option<&Value>, len: usize) -> Result<Vec<String>, String> {
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
                .ok_or_else(|| format!("{x} is not {} hex digits", len * 2))
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

/// The sections of a whole `dumpsys` (AndroidQF's `dumpsys.txt`), by service name.
pub fn dumpsys_sections(text: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut cur: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("DUMP OF SERVICE ") {
            let name = rest.trim_end_matches(':').trim();
            // "DUMP OF SERVICE CRITICAL x:" and "HIGH x:" name the same service.
            let name = name
                .strip_prefix("CRITICAL ")
                .or_else(|| name.strip_prefix("HIGH "))
                .unwrap_or(name);
            cur = Some(name.to_string());
            out.entry(name.to_string()).or_default();
            continue;
        }
        if t.starts_with("----------") && t.contains("was the duration of dumpsys") {
            cur = None;
            continue;
        }
        if let Some(c) = &cur
            && let Some(s) = out.get_mut(c)
        {
            s.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keep_spaces_in_values() {
        let v = pairs("firstInstallTime=2024-01-15 14:23:11 pkgFlags=[ SYSTEM HAS_CODE ]");
        assert_eq!(
            v[0],
            ("firstInstallTime", "2024-01-15 14:23:11".to_string())
        );
        assert_eq!(v[1], ("pkgFlags", "[ SYSTEM HAS_CODE ]".to_string()));
    }

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

    #[test]
    fn component_lists() {
        let r = component_list("n.txt", "com.a/com.a.L:com.b/.M\n");
        assert_eq!(r.value, vec!["com.a/com.a.L", "com.b/.M"]);
        assert!(component_list("n.txt", "null\n").value.is_empty());
    }

    #[test]
    fn accessibility_cut_short_keeps_what_came_before() {
        let r = dumpsys_accessibility(
            "a.txt",
            "User state[\n  Enabled services:{{com.x/.S}, {com.y/.T",
        );
        assert_eq!(r.value, vec!["com.x/.S", "com.y/.T"]);
        assert_eq!(r.problems.len(), 1);
    }
}
