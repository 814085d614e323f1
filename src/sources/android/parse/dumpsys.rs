//! `dumpsys` outputs: `dumpsys package`, `dumpsys accessibility`, `dumpsys device_policy`,
//! and the sections of a whole `dumpsys` (AndroidQF's `dumpsys.txt`).

use std::collections::{BTreeMap, BTreeSet};

use super::{Parsed, Problems, check_end, component_package, valid_package};

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
    fn accessibility_cut_short_keeps_what_came_before() {
        let r = dumpsys_accessibility(
            "a.txt",
            "User state[\n  Enabled services:{{com.x/.S}, {com.y/.T",
        );
        assert_eq!(r.value, vec!["com.x/.S", "com.y/.T"]);
        assert_eq!(r.problems.len(), 1);
    }
}
