//! Signature files: plain TOML data under `signatures/`, embedded in the binary
//! by default and overridable with `--signatures DIR`. Format: `docs/signatures.md`.

pub mod echap;
pub mod isdi;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::observation::BleUuid;
use crate::severity::{Category, Severity};

/// The files shipped in the binary, in load order.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "trackers.toml",
        include_str!("../../signatures/trackers.toml"),
    ),
    (
        "stalkerware.toml",
        include_str!("../../signatures/stalkerware.toml"),
    ),
    (
        "network-devices.toml",
        include_str!("../../signatures/network-devices.toml"),
    ),
    (
        "resolvers.toml",
        include_str!("../../signatures/resolvers.toml"),
    ),
    (
        "dual-use.toml",
        include_str!("../../signatures/dual-use.toml"),
    ),
];

/// Each embedded file's name and `[source]` version, read from its header only (no entry
/// is parsed), for `sweep --version`. Equal to the versions `SignatureSet::embedded()`
/// loads (unit test `embedded_versions_are_the_loaded_ones`).
pub fn embedded_versions() -> Vec<(&'static str, String)> {
    #[derive(Deserialize)]
    struct Header {
        source: Provenance,
    }
    EMBEDDED
        .iter()
        .map(|(name, text)| {
            let head = text.split("\n[[entry]]").next().unwrap_or_default();
            let version = toml::from_str::<Header>(head)
                .map(|h| h.source.version)
                .unwrap_or_else(|_| "unreadable".into());
            (*name, version)
        })
        .collect()
}

/// Where a file's data came from and under which licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Short name of the file's data set.
    pub name: String,
    /// Version or date of this file.
    pub version: String,
    pub description: String,
    /// Where the data comes from (URLs, documents); for original work, "sweep project".
    pub source: String,
    /// SPDX-style licence of the data.
    pub licence: String,
    /// The attribution line to show wherever the data ships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// How it was converted from upstream, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_commit: Option<String>,
}

/// One signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub severity: Severity,
    /// Finding title in plain words (defaults to the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it may mean, for a non-technical reader.
    pub meaning: String,
    /// What to do next, one tick box each.
    pub next_steps: Vec<String>,
    #[serde(rename = "match")]
    pub rule: MatchRule,
}

/// How an entry matches. `type` selects the rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MatchRule {
    /// Apple Find My (Offline Finding, manufacturer data 0x004C type 0x12); `device_type`
    /// is the status byte's bits 4–5 (0 Apple device/DIY, 1 AirTag, 2 accessory, 3 AirPods).
    FindMy { device_type: u8 },
    /// Samsung SmartTag family: service data 0xFD5A, byte 0 & 0xF8 == 0x10.
    SamsungSmarttag,
    /// Samsung Find My Mobile (phones): service 0xFD69.
    SamsungFindMyMobile,
    /// Google Find My Device network: service data 0xFEAA, frame 0x40/0x41.
    Fmdn,
    /// DULT generic accessory: service data 0xFCB2.
    Dult,
    /// A service UUID in the advert's service list or service data (Tile, Chipolo, Pebblebee).
    ServiceUuid {
        uuids: Vec<BleUuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name_prefix: Option<String>,
    },
    /// Network indicators of an app: domains (matched with their subdomains) and IPs/ranges.
    Network {
        /// "c2", "website" or "distribution".
        role: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        domains: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ips: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        urls: Vec<String>,
    },
    /// Android app identifiers, matched by the app check (`sweep scan --android`): package
    /// names, signing-certificate SHA-1 (any case, with or without colons), APK SHA-256.
    App {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        packages: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        certificates: Vec<String>,
        /// SHA-256 of known APK files (lower-case hex), from Echap's samples.csv.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        apk_sha256: Vec<String>,
    },
    /// MAC prefixes (OUI, "AA:BB:CC") of a maker.
    Vendor { prefixes: Vec<String> },
    /// Makers by name as the IEEE registry spells them (case-insensitive substring),
    /// looked up from the MAC prefix.
    VendorName { names: Vec<String> },
    /// mDNS / DNS-SD service types, e.g. `_rtsp._tcp`.
    MdnsService { services: Vec<String> },
    /// An open TCP port found by an active check (or a positive probe).
    OpenPort {
        ports: Vec<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        probe: Option<crate::observation::Probe>,
    },
    /// Encrypted-DNS resolvers, relays and VPN endpoints.
    Resolver {
        /// "dot", "doh", "doq", "relay", "vpn" or "ech".
        service: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        domains: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ips: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ports: Vec<u16>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub source: Provenance,
    #[serde(default, rename = "entry")]
    pub entries: Vec<Entry>,
}

/// A loaded file, with its checksum, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadedFile {
    /// File name (embedded) or path (override).
    pub file: String,
    pub embedded: bool,
    pub sha256: String,
    pub source: Provenance,
    pub entries: usize,
}

/// All signatures in use.
#[derive(Debug, Clone, Default)]
pub struct SignatureSet {
    pub files: Vec<LoadedFile>,
    pub entries: Vec<Entry>,
    /// Where each entry was defined (file, line), in the order of `entries`.
    origins: Vec<(String, usize)>,
}

/// A signature file problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SignatureError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A value in a signature that is not what its field needs (a domain, an address, a MAC
/// prefix), or an entry missing what every entry needs (an id, a meaning, a next step); the
/// caller adds the entry (`Entry`) and the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0:?} is not a lower-case domain name")]
    Domain(String),
    #[error("{0:?} is not an IP address or range")]
    Address(String),
    #[error("{0:?} is not a MAC prefix like AA:BB:CC")]
    MacPrefix(String),
    /// An entry whose `id` is empty or blank.
    #[error("entry has an empty id")]
    EmptyId,
    /// A problem of the entry `id` (one of the variants below, or a value above).
    #[error("entry {id:?}: {problem}")]
    Entry {
        id: String,
        problem: Box<ValueError>,
    },
    #[error("`meaning` is empty; say in plain words what it may mean")]
    EmptyMeaning,
    #[error("`next_steps` is empty; give at least one next step")]
    NoNextSteps,
    #[error("device_type {0} is out of range (0 to 3)")]
    DeviceType(u8),
    #[error("`uuids` is empty")]
    NoUuids,
    #[error("role {0:?} is not one of c2, website, distribution")]
    Role(String),
    #[error("no domains, ips or urls")]
    NoTargets,
}

/// Converting another project's list (`sweep signatures import-echap`, `import-isdi`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A problem at a line (and column) of the input.
    #[error("{file}:{line}{}: {message}", column.map(|c| format!(":{c}")).unwrap_or_default())]
    At {
        file: String,
        line: usize,
        column: Option<usize>,
        message: String,
    },
    /// A problem with the input as a whole.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {}", path.display(), crate::case::io_words(source))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write TOML: {0}")]
    Toml(#[from] toml::ser::Error),
    /// The converted file does not pass the tool's own strict loader.
    #[error(transparent)]
    Check(#[from] SignatureError),
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => offset - nl,
        None => offset + 1,
    };
    (line, col)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parse and validate one signature file's text.
pub fn parse_file(file: &str, text: &str) -> Result<SignatureFile, SignatureError> {
    let parsed: SignatureFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        SignatureError {
            file: file.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    for entry in &parsed.entries {
        if let Err(problem) = validate_entry(entry) {
            let (line, column) = find_id_position(text, &entry.id);
            return Err(SignatureError {
                file: file.to_string(),
                line,
                column,
                message: problem.to_string(),
            });
        }
    }
    Ok(parsed)
}

fn find_id_position(text: &str, id: &str) -> (usize, usize) {
    let needle = format!("\"{id}\"");
    match text.find(&needle) {
        Some(off) => line_col(text, off),
        None => (1, 1),
    }
}

fn validate_entry(e: &Entry) -> Result<(), ValueError> {
    if e.id.trim().is_empty() {
        return Err(ValueError::EmptyId);
    }
    entry_problem(e).map_err(|problem| ValueError::Entry {
        id: e.id.clone(),
        problem: Box::new(problem),
    })
}

/// What is wrong in the entry (its id is added by the caller).
fn entry_problem(e: &Entry) -> Result<(), ValueError> {
    if e.meaning.trim().is_empty() {
        return Err(ValueError::EmptyMeaning);
    }
    if e.next_steps.is_empty() {
        return Err(ValueError::NoNextSteps);
    }
    match &e.rule {
        MatchRule::FindMy { device_type } if *device_type > 3 => {
            Err(ValueError::DeviceType(*device_type))
        }
        MatchRule::ServiceUuid { uuids, .. } if uuids.is_empty() => Err(ValueError::NoUuids),
        MatchRule::Network {
            role,
            domains,
            ips,
            urls,
        } => {
            if !matches!(role.as_str(), "c2" | "website" | "distribution") {
                return Err(ValueError::Role(role.clone()));
            }
            if domains.is_empty() && ips.is_empty() && urls.is_empty() {
                return Err(ValueError::NoTargets);
            }
            for d in domains {
                validate_domain(d)?;
            }
            for ip in ips {
                parse_ip_or_net(ip)?;
            }
            Ok(())
        }
        MatchRule::Resolver { ips, domains, .. } => {
            for d in domains {
                validate_domain(d)?;
            }
            for ip in ips {
                parse_ip_or_net(ip)?;
            }
            Ok(())
        }
        MatchRule::Vendor { prefixes } => {
            for p in prefixes {
                parse_prefix(p)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A domain name as signatures hold it: lower case, no scheme, no trailing dot.
pub fn validate_domain(d: &str) -> Result<(), ValueError> {
    if d.is_empty()
        || d.starts_with('.')
        || d.ends_with('.')
        || d.contains("..")
        || !d.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_'
        })
    {
        return Err(ValueError::Domain(d.to_string()));
    }
    Ok(())
}

/// An IP address or a CIDR range.
pub fn parse_ip_or_net(s: &str) -> Result<ipnet::IpNet, ValueError> {
    if let Ok(net) = s.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    s.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| ValueError::Address(s.to_string()))
}

/// A MAC prefix "AA:BB:CC" (or longer), returned as bytes.
pub fn parse_prefix(s: &str) -> Result<Vec<u8>, ValueError> {
    let bad = || ValueError::MacPrefix(s.to_string());
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.is_empty() || parts.len() > 6 {
        return Err(bad());
    }
    parts
        .iter()
        .map(|p| {
            if p.len() != 2 {
                return Err(bad());
            }
            u8::from_str_radix(p, 16).map_err(|_| bad())
        })
        .collect()
}

impl SignatureSet {
    /// The signatures shipped in the binary.
    pub fn embedded() -> Result<Self, SignatureError> {
        let mut set = SignatureSet::default();
        for (name, text) in EMBEDDED {
            set.add(name, text, true)?;
        }
        set.check_duplicates()?;
        Ok(set)
    }

    /// Load every `*.toml` in `dir` (sorted by name) instead of the embedded files.
    pub fn load_dir(dir: &Path) -> Result<Self, SignatureError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| io_error(dir, &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(SignatureError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                message: "no .toml signature files in this folder".into(),
            });
        }
        let mut set = SignatureSet::default();
        for p in paths {
            set.load_path(&p)?;
        }
        set.check_duplicates()?;
        Ok(set)
    }

    /// Load a folder or a single file.
    pub fn load(path: &Path) -> Result<Self, SignatureError> {
        if path.is_dir() {
            Self::load_dir(path)
        } else {
            let mut set = SignatureSet::default();
            set.load_path(path)?;
            set.check_duplicates()?;
            Ok(set)
        }
    }

    /// Read one signature file: only a regular file (a FIFO would block, a device never
    /// end), and never more than the size limit, whatever `stat` says (a link to /dev/zero).
    fn load_path(&mut self, p: &Path) -> Result<(), SignatureError> {
        const MAX: u64 = 16 * 1024 * 1024;
        let at = |message: String| SignatureError {
            file: p.display().to_string(),
            line: 0,
            column: 0,
            message,
        };
        let meta = std::fs::metadata(p).map_err(|e| io_error(p, &e))?;
        if !meta.is_file() {
            return Err(at(
                "not a regular file (a signature file must be a plain .toml file)".into(),
            ));
        }
        let file = std::fs::File::open(p).map_err(|e| io_error(p, &e))?;
        let mut bytes = Vec::new();
        file.take(MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(p, &e))?;
        if bytes.len() as u64 > MAX {
            return Err(at(format!(
                "file is larger than {MAX} bytes, the limit for a signature file"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = line_col(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            );
            SignatureError {
                file: p.display().to_string(),
                line,
                column,
                message: "file is not valid UTF-8".into(),
            }
        })?;
        self.add(&p.display().to_string(), &text, false)
    }

    fn add(&mut self, file: &str, text: &str, embedded: bool) -> Result<(), SignatureError> {
        let parsed = parse_file(file, text)?;
        self.files.push(LoadedFile {
            file: file.to_string(),
            embedded,
            sha256: sha256_hex(text.as_bytes()),
            source: parsed.source,
            entries: parsed.entries.len(),
        });
        // The line of each entry's `id = "..."`, in one pass over the text: entries come in
        // the file's order, so the k-th such line is the k-th entry's.
        let id_lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let l = l.trim_start();
                l.strip_prefix("id")
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
            .map(|(i, _)| i + 1)
            .collect();
        if id_lines.len() == parsed.entries.len() {
            self.origins
                .extend(id_lines.into_iter().map(|l| (file.to_string(), l)));
        } else {
            self.origins
                .extend(parsed.entries.iter().map(|_| (file.to_string(), 0)));
        }
        self.entries.extend(parsed.entries);
        Ok(())
    }

    fn check_duplicates(&self) -> Result<(), SignatureError> {
        let mut seen = std::collections::HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(first) = seen.insert(e.id.as_str(), i) {
                let origin = |k: usize| self.origins.get(k).cloned().unwrap_or_default();
                let (file, line) = origin(i);
                let (first_file, first_line) = origin(first);
                return Err(SignatureError {
                    file,
                    line,
                    column: 1,
                    message: format!(
                        "signature id {:?} is defined twice (first at {first_file}:{first_line})",
                        e.id
                    ),
                });
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Attribution lines of every file that carries one (for reports and --version).
    pub fn attributions(&self) -> Vec<String> {
        self.files
            .iter()
            .filter_map(|f| f.source.attribution.clone())
            .collect()
    }
}

fn io_error(p: &Path, e: &std::io::Error) -> SignatureError {
    SignatureError {
        file: p.display().to_string(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_versions_are_the_loaded_ones() {
        let set = SignatureSet::embedded().expect("embedded signatures are valid");
        let loaded: Vec<(String, String)> = set
            .files
            .iter()
            .map(|f| (f.file.clone(), f.source.version.clone()))
            .collect();
        let quick: Vec<(String, String)> = embedded_versions()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        assert_eq!(quick, loaded);
        assert!(
            quick
                .iter()
                .any(|(n, v)| n == "stalkerware.toml" && v.starts_with("echap-"))
        );
    }

    #[test]
    fn embedded_signatures_load() {
        let set = SignatureSet::embedded().expect("embedded signatures are valid");
        assert_eq!(set.files.len(), EMBEDDED.len());
        assert!(set.files.iter().all(|f| f.sha256.len() == 64));
    }

    #[test]
    fn broken_toml_names_file_line_and_column() {
        let text = "[source]\nname = \"x\"\nversion = \"1\"\ndescription = \"d\"\nsource = \"s\"\nlicence = \"MIT\"\n\n[[entry]]\nid = \"a\"\nname = \n";
        let err = parse_file("bad.toml", text).expect_err("must fail");
        assert_eq!(err.file, "bad.toml");
        assert_eq!(err.line, 10);
        assert!(err.to_string().starts_with("bad.toml:10:"), "{err}");
    }

    #[test]
    fn bad_uuid_is_reported() {
        let text = r#"[source]
name = "x"
version = "1"
description = "d"
source = "s"
licence = "MIT"

[[entry]]
id = "t"
name = "T"
category = "tracker"
severity = "medium"
meaning = "m"
next_steps = ["n"]
match = { type = "service-uuid", uuids = ["zzzz"] }
"#;
        let err = parse_file("u.toml", text).expect_err("must fail");
        assert_eq!(err.line, 15, "{err}");
        assert!(err.message.contains("invalid UUID \"zzzz\""), "{err}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let text = "[source]\nname = \"x\"\nversion = \"1\"\ndescription = \"d\"\nsource = \"s\"\nlicence = \"MIT\"\ncolour = \"red\"\n";
        let err = parse_file("f.toml", text).expect_err("must fail");
        assert_eq!(err.line, 7, "{err}");
        assert!(err.message.contains("unknown field `colour`"), "{err}");
    }

    #[test]
    fn entry_problems_name_the_entry() {
        let head = "[source]\nname = \"x\"\nversion = \"1\"\ndescription = \"d\"\nsource = \"s\"\nlicence = \"MIT\"\n\n[[entry]]\nid = \"n1\"\nname = \"N\"\ncategory = \"stalkerware\"\nseverity = \"high\"\nmeaning = \"m\"\n";
        let cases = [
            (
                "next_steps = []\nmatch = { type = \"dult\" }\n",
                "entry \"n1\": `next_steps` is empty; give at least one next step",
            ),
            (
                "next_steps = [\"s\"]\nmatch = { type = \"network\", role = \"c2\", domains = [\"Bad.example\"] }\n",
                "entry \"n1\": \"Bad.example\" is not a lower-case domain name",
            ),
            (
                "next_steps = [\"s\"]\nmatch = { type = \"network\", role = \"spy\", domains = [\"a.example\"] }\n",
                "entry \"n1\": role \"spy\" is not one of c2, website, distribution",
            ),
        ];
        for (tail, message) in cases {
            let err = parse_file("e.toml", &format!("{head}{tail}")).expect_err("must fail");
            assert_eq!(err.message, message);
            assert_eq!(err.line, 9, "{err}");
        }
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
