//! The report's sections built from the whole result: the Apple Account checklist, the
//! devices examined, and what was checked and what was not.

use super::*;

/// Whether the Apple Account checklist belongs in the report: an iPhone was checked or
/// asked for, or an item was answered.
fn shows_account_checklist(r: &Report) -> bool {
    use crate::engine::coverage::Check;
    !r.consultation.account_checks.is_empty()
        || r.scan.coverage.iter().any(|c| c.check == Check::Iphone)
        || r.scan
            .examined
            .iter()
            .any(|e| e.kind == crate::report::ExaminedKind::Iphone)
}

pub(super) fn account_checklist(r: &Report, zone: Zone) -> Option<AccountChecklistView> {
    use crate::observation::{AccountAnswer, AccountItem};
    if !shows_account_checklist(r) {
        return None;
    }
    let mut looked = 0;
    let mut unexpected = Vec::new();
    let mut not_looked = Vec::new();
    let items: Vec<AccountItemView> = AccountItem::ALL
        .iter()
        .map(|item| {
            let short = item.title();
            let guidance = crate::engine::iphone::account_guidance(*item);
            // "Safety Check (iOS 16 and later): Settings, ..." → the title with its
            // qualifier, then what to look at.
            let (title, guidance) = match guidance.split_once(": ") {
                Some((head, rest)) if head.starts_with(short) => (head, rest),
                _ => (short, guidance),
            };
            let rec = r.consultation.account_checks.get(item);
            let (answer, status) = match rec {
                Some(a) => {
                    let words = a.answer.words();
                    let mut cap = words.chars();
                    let words = cap
                        .next()
                        .map(|c| c.to_uppercase().collect::<String>() + cap.as_str())
                        .unwrap_or_default();
                    (
                        format!("{words} {}.", recorded(&a.by, &Some(a.at), zone)),
                        match a.answer {
                            AccountAnswer::NothingUnexpected => "nothing-unexpected",
                            AccountAnswer::SomethingUnexpected => "something-unexpected",
                            AccountAnswer::NotChecked => "not-checked",
                        },
                    )
                }
                None => (
                    "Not recorded. Whether it was looked at is not known.".to_string(),
                    "not-recorded",
                ),
            };
            match rec.map(|a| a.answer) {
                Some(AccountAnswer::NothingUnexpected) => looked += 1,
                Some(AccountAnswer::SomethingUnexpected) => {
                    looked += 1;
                    unexpected.push(short);
                }
                _ => not_looked.push(short),
            }
            AccountItemView {
                title,
                guidance,
                answer,
                status,
            }
        })
        .collect();
    let mut summary = format!(
        "{looked} of {} items looked at with the client",
        items.len()
    );
    if !unexpected.is_empty() {
        summary.push_str(&format!(
            "; something the client does not recognise: {}",
            unexpected.join(", ")
        ));
    }
    if !not_looked.is_empty() {
        summary.push_str(&format!(
            "; not looked at or not recorded: {}",
            not_looked.join(", ")
        ));
    }
    summary.push('.');
    Some(AccountChecklistView {
        intro: crate::engine::iphone::ACCOUNT_CHECKLIST_INTRO,
        summary,
        items,
    })
}

/// The client's devices and belongings examined, in words, from `scan.examined`.
pub(super) fn devices_examined(r: &Report, zone: Zone) -> Vec<String> {
    use crate::report::ExaminedKind;
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    r.scan
        .examined
        .iter()
        .map(|e| match e.kind {
            ExaminedKind::AndroidPhone => {
                let model = [opt(&e.manufacturer), opt(&e.model)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut s = "Android phone".to_string();
                if !model.is_empty() {
                    s.push_str(&format!(" {model}"));
                }
                if let Some(x) = &e.serial {
                    s.push_str(&format!(", serial {x}"));
                }
                if let Some(v) = &e.android_version {
                    s.push_str(&format!(", Android {v}"));
                }
                s.push_str(&format!(
                    ": apps and settings checked ({})",
                    plural(e.apps.unwrap_or(0) as usize, "app", "apps")
                ));
                s
            }
            ExaminedKind::Iphone => {
                let mut s = match &e.model {
                    Some(m) if m.starts_with("iPhone") => m.clone(),
                    Some(m) => format!("iPhone {m}"),
                    None => "iPhone".into(),
                };
                if let Some(x) = &e.udid {
                    s.push_str(&format!(", UDID {x}"));
                }
                if let Some(v) = &e.ios_version {
                    s.push_str(&format!(", iOS {v}"));
                }
                match (e.via.as_deref(), &e.backup_date) {
                    (Some("backup") | None, Some(d)) => {
                        s.push_str(&format!(", from a backup made {}", zone.datetime(d)))
                    }
                    (Some("backup"), None) => s.push_str(", from a backup"),
                    (Some("usb"), _) => s.push_str(", read over USB"),
                    _ => {}
                }
                s.push_str(&format!(
                    ": apps and profiles checked ({}, {})",
                    plural(e.apps.unwrap_or(0) as usize, "app", "apps"),
                    plural(e.profiles.unwrap_or(0) as usize, "profile", "profiles")
                ));
                s
            }
            ExaminedKind::PhoneTraffic => {
                let mut who: Vec<String> = e.mac.iter().map(|m| m.to_string()).collect();
                who.extend(e.ips.iter().map(|i| i.to_string()));
                if let Some(n) = &e.name {
                    who.push(format!("named \"{}\"", sanitize::clean(n, 40)));
                }
                format!(
                    "The traffic of the phone or device {}, {}",
                    who.join(", "),
                    if e.hotspot == Some(true) {
                        "on the laptop's hotspot"
                    } else {
                        "from a saved capture"
                    }
                )
            }
            ExaminedKind::Bluetooth => format!(
                "The client's belongings and the room, by a Bluetooth sweep{} ({} in range)",
                match (&e.first, &e.last) {
                    (Some(a), Some(b)) => format!(" from {} to {}", zone.time(a), zone.time(b)),
                    _ => String::new(),
                },
                plural(e.seen.unwrap_or(0) as usize, "device", "devices")
            ),
            ExaminedKind::Network => format!(
                "The network the laptop was on{} ({} seen)",
                if e.networks.is_empty() {
                    String::new()
                } else {
                    format!(", {}", e.networks.join(", "))
                },
                plural(e.seen.unwrap_or(0) as usize, "host", "hosts")
            ),
        })
        .collect()
}

/// What was checked and what was not: each check asked for, from `scan.coverage`, then
/// what no check of this session looks at.
/// When a check saw something, from what it examined: "First and last observation:
/// 10:00:00 +01:00 and 10:05:59 +01:00."
fn coverage_when(r: &Report, check: crate::engine::coverage::Check, zone: Zone) -> String {
    use crate::engine::coverage::Check;
    use crate::report::ExaminedKind;
    let kind = match check {
        Check::Bluetooth => ExaminedKind::Bluetooth,
        Check::Network => ExaminedKind::Network,
        Check::PhoneTraffic => ExaminedKind::PhoneTraffic,
        Check::PhoneApps => ExaminedKind::AndroidPhone,
        Check::Iphone => ExaminedKind::Iphone,
    };
    let of_kind = || r.scan.examined.iter().filter(|e| e.kind == kind);
    let first = of_kind().filter_map(|e| e.first).min();
    let last = of_kind().filter_map(|e| e.last.or(e.first)).max();
    match (first, last) {
        (Some(a), Some(b)) if b > a => {
            format!(
                " First and last observation: {} and {}.",
                zone.time(&a),
                zone.time(&b)
            )
        }
        (Some(a), _) => format!(" Observed at {}.", zone.time(&a)),
        _ => String::new(),
    }
}

pub(super) fn coverage(r: &Report, zone: Zone) -> Vec<CoverageView> {
    use crate::engine::coverage::{Check, CoverageStatus};
    let mut out: Vec<CoverageView> = r
        .scan
        .coverage
        .iter()
        .map(|c| CoverageView {
            check: c.check.plain_name().to_string(),
            status: match c.status {
                CoverageStatus::Complete => "Checked",
                CoverageStatus::StoppedEarly => "Stopped early",
                CoverageStatus::SawNothing => "Saw nothing it could judge",
                CoverageStatus::NotRun => "Not checked",
            }
            .into(),
            when: if c.status == CoverageStatus::NotRun {
                String::new()
            } else {
                coverage_when(r, c.check, zone)
            },
            detail: format!(
                "{}{}",
                clean(&c.summary),
                c.fix
                    .as_deref()
                    .filter(|_| c.status != CoverageStatus::Complete)
                    .map(|f| format!(" What to do: {}", clean(f)))
                    .unwrap_or_default()
            ),
        })
        .collect();
    if !r
        .scan
        .coverage
        .iter()
        .any(|c| matches!(c.check, Check::PhoneApps | Check::Iphone))
    {
        out.push(CoverageView {
            check: "Apps installed on the phone".into(),
            status: "Not checked".into(),
            detail: "not asked for in this session.".into(),
            when: String::new(),
        });
    }
    let checklist = account_checklist(r, zone);
    if let Some(a) = &checklist {
        let all = a
            .items
            .iter()
            .all(|i| matches!(i.status, "nothing-unexpected" | "something-unexpected"));
        let some = a
            .items
            .iter()
            .any(|i| matches!(i.status, "nothing-unexpected" | "something-unexpected"));
        out.push(CoverageView {
            check: "The client's Apple Account (with the client)".into(),
            status: if all {
                "Checked"
            } else if some {
                "Partly checked"
            } else {
                "Not checked"
            }
            .into(),
            detail: format!("{} See \"The client's Apple Account\".", a.summary),
            when: String::new(),
        });
    }
    out.push(CoverageView {
        check: if checklist.is_some() {
            "Other shared accounts, passwords"
        } else {
            "Shared accounts, passwords"
        }
        .into(),
        status: "Not checked".into(),
        detail: "not something this tool can check: review them with the client.".into(),
        when: String::new(),
    });
    out
}
