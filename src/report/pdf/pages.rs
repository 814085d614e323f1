//! The report's sections as rows: the first page and its foot, one block a finding, the
//! account checklist, the closing sections and the appendix.

use super::layout::{Block, Ink, Layout, Op, Pen, Row, gap, severity_ink};
use super::{BODY, SMALL};
use crate::report::fonts::Style;
use crate::report::view::{FindingView, View};

pub(super) fn or_none(s: &Option<String>) -> &str {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("Not recorded.")
}

/// The first page: everything an advocate needs at a glance.
pub(super) fn first_page(l: &Layout, v: &View) -> Vec<Row> {
    let mut r = Vec::new();
    if let Some(b) = v.demo_banner {
        l.bold(&mut r, 14.0, b);
        gap(&mut r, 4.0);
    }
    l.bold(&mut r, 18.0, &v.title);
    gap(&mut r, 6.0);
    l.labelled(
        &mut r,
        "Case reference:",
        v.case.as_deref().unwrap_or("not given"),
    );
    l.labelled(
        &mut r,
        "Checked by:",
        v.operator.as_deref().unwrap_or("not given"),
    );
    let mut when = v.window.clone();
    if let Some(p) = &v.place {
        when = format!("{when}, at {p}");
    }
    l.labelled(&mut r, "Date and place:", &when);
    if !v.places.is_empty() {
        let places: Vec<String> = v
            .places
            .iter()
            .map(|p| format!("{} ({})", p.label, p.time))
            .collect();
        l.labelled(&mut r, "Places during the check:", &places.join("; "));
    }
    if v.devices_examined.is_empty() {
        l.labelled(
            &mut r,
            "Devices examined:",
            "no device of the client's was examined",
        );
    } else {
        l.bold(&mut r, BODY, "Devices examined:");
        for d in &v.devices_examined {
            l.bullet(&mut r, d);
        }
        gap(&mut r, 1.5);
    }
    gap(&mut r, 4.0);
    // What did not run as asked comes first, before any finding.
    for n in &v.not_checked {
        l.bold(&mut r, 11.0, &format!("Not checked as asked: {n}"));
    }
    l.bold(&mut r, 11.0, &v.summary);
    l.heading(&mut r, 12.0, "What was checked and what was not");
    for c in &v.coverage {
        let text = if c.detail.is_empty() {
            format!("{}.{}", c.status, c.when)
        } else {
            format!("{}: {}{}", c.status, c.detail, c.when)
        };
        l.hanging(
            &mut r,
            if c.status == "Checked" {
                Ink::Black
            } else {
                Ink::Red
            },
            &format!("{}:", c.check),
            &text,
        );
    }
    l.heading(&mut r, 12.0, "What was found");
    if v.findings.is_empty() {
        l.para(&mut r, "Nothing to list.");
    }
    for f in &v.findings {
        l.hanging(
            &mut r,
            Ink::Black,
            &format!("{}. {}:", f.number, f.severity_words),
            &f.title,
        );
    }
    for f in &v.recognised {
        l.hanging(
            &mut r,
            Ink::Grey,
            "Marked as the client's own:",
            f.title.trim_end_matches(" (marked as the client's own)"),
        );
    }
    l.heading(&mut r, 12.0, "The client's concerns");
    l.bullets(&mut r, &v.concerns, "None recorded.");
    if let Some(c) = &v.concerns_recorded {
        l.para(&mut r, c);
    }
    r
}

/// The foot of the first page: versions, hashes, when the report was made.
pub(super) fn first_page_foot(l: &Layout, v: &View) -> Vec<Row> {
    let mut r = Vec::new();
    r.push(Row {
        h: 6.0,
        ops: vec![Op::Line {
            from: (0.0, 0.0),
            to: (l.width, 0.0),
            width: 0.5,
            ink: Ink::Grey,
        }],
    });
    let small = |r: &mut Vec<Row>, label: &str, text: &str| {
        l.text(
            r,
            0.0,
            Pen(SMALL, Style::Regular, Ink::Grey),
            Some(label),
            text,
        );
    };
    let sigs: Vec<String> = v
        .signatures
        .iter()
        .map(|s| format!("{} version {}", s.file, s.version))
        .collect();
    small(
        &mut r,
        "Tool:",
        &format!("{}; signatures: {}", v.tool, sigs.join(", ")),
    );
    for i in &v.inputs {
        small(
            &mut r,
            &format!("Input {}", i.path),
            &format!("SHA-256 {}", i.sha256),
        );
    }
    small(
        &mut r,
        "Findings JSON",
        &format!("SHA-256 {}", v.findings_json_sha256),
    );
    small(&mut r, "Report generated at", &v.generated);
    r
}

pub(super) fn finding_block(l: &Layout, f: &FindingView) -> Vec<Row> {
    let mut r = Vec::new();
    l.heading(&mut r, 13.0, &format!("Finding {}: {}", f.number, f.title));
    l.text(
        &mut r,
        0.0,
        Pen(BODY, Style::Bold, severity_ink(f.severity)),
        None,
        &format!("{} ({})", f.severity_words, f.severity),
    );
    gap(&mut r, 3.0);
    l.labelled(&mut r, "What was found:", &f.what);
    l.labelled(&mut r, "What it may mean:", &f.meaning);
    l.labelled(&mut r, "How sure we are:", &f.confidence);
    l.labelled(&mut r, "When:", &f.times);
    if let Some(rec) = &f.recognised {
        l.para(&mut r, rec);
    }
    l.bold(&mut r, BODY, "Evidence:");
    for e in &f.evidence {
        l.bullet(&mut r, e);
    }
    if let Some(p) = &f.plot {
        gap(&mut r, 4.0);
        l.text(
            &mut r,
            0.0,
            Pen(BODY, Style::Regular, Ink::Black),
            None,
            &format!(
                "Signal strength over time (higher: closer); measured {} to {} dBm, {} to {}:",
                p.min_rssi, p.max_rssi, p.start, p.end
            ),
        );
        l.plot(&mut r, p);
    }
    gap(&mut r, 3.0);
    l.labelled(&mut r, "Asked of the client:", &f.questions.join(" "));
    l.labelled(&mut r, "The client's answer:", or_none(&f.answer));
    l.labelled(&mut r, "The client's decision:", or_none(&f.decision));
    l.bold(&mut r, BODY, "Next steps (tick when done):");
    for s in &f.next_steps {
        l.item(&mut r, "☐", BODY, s);
    }
    gap(&mut r, 8.0);
    r
}

pub(super) fn blocks(l: &Layout, v: &View) -> Vec<Block> {
    let mut out = Vec::new();
    let block = |rows, keep, new_page| Block {
        rows,
        keep,
        new_page,
    };
    out.push(block(first_page(l, v), false, false));
    let mut first = true;
    for f in &v.findings {
        out.push(block(finding_block(l, f), true, first));
        first = false;
    }
    if !v.recognised.is_empty() {
        let mut r = Vec::new();
        l.heading(&mut r, 14.0, "Marked as the client's own");
        for f in &v.recognised {
            let mut text = f.what.clone();
            if let Some(rec) = &f.recognised {
                text = format!("{text}. {rec}");
            }
            l.bullet(&mut r, &text);
        }
        out.push(block(r, false, first));
        first = false;
    }
    if let Some(a) = &v.account_checklist {
        let mut r = Vec::new();
        l.heading(&mut r, 14.0, "The client's Apple Account");
        l.para(&mut r, a.intro);
        l.bold(&mut r, BODY, &a.summary);
        gap(&mut r, 3.0);
        out.push(block(r, true, first));
        first = false;
        for i in &a.items {
            let mut r = Vec::new();
            l.labelled_line(&mut r, &format!("{}:", i.title), i.guidance);
            l.text(
                &mut r,
                14.0,
                Pen(
                    BODY,
                    if i.status == "nothing-unexpected" {
                        Style::Regular
                    } else {
                        Style::Bold
                    },
                    if i.status == "nothing-unexpected" {
                        Ink::Black
                    } else {
                        Ink::Red
                    },
                ),
                Some("Answer:"),
                &i.answer,
            );
            gap(&mut r, 4.0);
            out.push(block(r, true, false));
        }
    }
    let mut r = Vec::new();
    l.heading(&mut r, 14.0, "Before acting");
    let b: Vec<String> = v.before_you_act.iter().map(|s| s.to_string()).collect();
    l.bullets(&mut r, &b, "");
    out.push(block(r, true, first));
    let mut r = Vec::new();
    l.heading(&mut r, 14.0, "What this check cannot tell");
    l.bullets(&mut r, &v.cannot_tell, "");
    out.push(block(r, true, false));
    let mut r = Vec::new();
    l.heading(&mut r, 14.0, "Notes");
    if v.notes.is_empty() {
        l.para(&mut r, "No notes recorded.");
    }
    for n in &v.notes {
        l.labelled_line(&mut r, &format!("{}:", n.time), &n.text);
        gap(&mut r, 2.0);
    }
    out.push(block(r, false, false));
    out.push(block(signatures(l), true, false));
    // Appendix.
    let mut r = Vec::new();
    l.heading(&mut r, 14.0, "Appendix");
    l.heading(&mut r, 12.0, "Every device seen");
    for d in &v.devices {
        let name = if d.name.is_empty() {
            String::new()
        } else {
            format!(" \"{}\"", d.name)
        };
        l.small_item(
            &mut r,
            &format!(
                "{} {}{} — {} ({})",
                d.kind, d.address, name, d.description, d.seen
            ),
        );
    }
    l.heading(&mut r, 12.0, "Tool and signatures");
    l.small_item(&mut r, &format!("Tool: {}", v.tool));
    for s in &v.signatures {
        l.small_item(
            &mut r,
            &format!(
                "Signatures {}, version {}, {} entries, licence {}, source: {}, SHA-256 {}",
                s.file, s.version, s.entries, s.licence, s.source, s.sha256
            ),
        );
    }
    for a in &v.attributions {
        l.small_item(&mut r, a);
    }
    l.heading(&mut r, 12.0, "Evidence integrity");
    for i in &v.inputs {
        l.small_item(
            &mut r,
            &format!("Input {} ({} bytes), SHA-256 {}", i.path, i.bytes, i.sha256),
        );
    }
    l.small_item(
        &mut r,
        &format!("Findings JSON SHA-256 {}", v.findings_json_sha256),
    );
    l.small_item(&mut r, &v.counters);
    l.small_item(&mut r, "Fonts: DejaVu Sans (Bitstream Vera licence, DejaVu changes in the public domain), embedded as a subset.",
    );
    out.push(block(r, false, false));
    out
}

pub(super) fn signatures(l: &Layout) -> Vec<Row> {
    let mut r = Vec::new();
    l.heading(&mut r, 14.0, "Signatures");
    for who in ["Volunteer", "Advocate"] {
        gap(&mut r, 18.0);
        let half = l.width * 0.62;
        r.push(Row {
            h: 14.0,
            ops: vec![
                Op::Line {
                    from: (0.0, 0.0),
                    to: (half - 16.0, 0.0),
                    width: 0.6,
                    ink: Ink::Black,
                },
                Op::Line {
                    from: (half, 0.0),
                    to: (l.width, 0.0),
                    width: 0.6,
                    ink: Ink::Black,
                },
                Op::Text {
                    x: 0.0,
                    y: 10.0,
                    size: 9.0,
                    style: Style::Regular,
                    ink: Ink::Grey,
                    text: format!("{who}: name and signature"),
                },
                Op::Text {
                    x: half,
                    y: 10.0,
                    size: 9.0,
                    style: Style::Regular,
                    ink: Ink::Grey,
                    text: "Date".into(),
                },
            ],
        });
    }
    r
}
