//! PDF report, written in-process with krilla (the typst project's PDF crate, over
//! pdf-writer): PDF/A-2b, real (extractable) text in embedded, subset DejaVu Sans shaped
//! with its real advances (`fonts.rs`), right-to-left runs in visual order, A4 or US Letter,
//! page numbers, the same view model and sections as the HTML, and the signal plot drawn
//! as lines on a fixed minimum span.
//!
//! Layout: the view becomes blocks of rows (a row is one line of text, a rule or a plot,
//! with its height); blocks that should stay together (a finding) start a new page when
//! they do not fit but would fit on an empty one. The first page holds the summary, with
//! the versions and hashes at its foot.

use krilla::Document;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::{SerializeSettings, text::Glyph as _};

use crate::report::fonts::{Fonts, Style};
use crate::report::view::{FindingView, Plot, View};

/// Paper size of the PDF (`sweep scan --paper a4|letter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// How to render the PDF.
#[derive(Debug, Clone, Copy)]
pub struct PdfOptions {
    pub paper: Paper,
    /// Use fonts installed on this machine for characters DejaVu Sans lacks (CJK, emoji);
    /// without them those characters are written as code points (U+4E2D).
    pub system_fonts: bool,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            paper: Paper::A4,
            system_fonts: true,
        }
    }
}

const MARGIN: f32 = 56.0;
const TOP: f32 = 56.0;
/// Space under the text area for the page footer.
const BOTTOM: f32 = 56.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
const LEAD: f32 = 1.38;

#[derive(Clone, Copy)]
enum Ink {
    Black,
    Grey,
    Light,
    Red,
    Amber,
    Blue,
}

impl Ink {
    fn color(self) -> rgb::Color {
        match self {
            Ink::Black => rgb::Color::new(27, 27, 27),
            Ink::Grey => rgb::Color::new(90, 90, 90),
            Ink::Light => rgb::Color::new(200, 200, 200),
            Ink::Red => rgb::Color::new(176, 0, 32),
            Ink::Amber => rgb::Color::new(150, 85, 0),
            Ink::Blue => rgb::Color::new(27, 79, 156),
        }
    }
}

/// Size, style and colour of a piece of text.
#[derive(Clone, Copy)]
struct Pen(f32, Style, Ink);

/// A drawing operation, its y relative to the top of its row.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        style: Style,
        ink: Ink,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        ink: Ink,
    },
    Poly {
        points: Vec<(f32, f32)>,
        width: f32,
        ink: Ink,
    },
}

struct Row {
    h: f32,
    ops: Vec<Op>,
}

struct Block {
    rows: Vec<Row>,
    /// Keep on one page when it fits on one.
    keep: bool,
    /// Start on a new page.
    new_page: bool,
}

/// Lays text out into rows with the report's fonts.
struct Layout<'a> {
    fonts: &'a Fonts,
    width: f32,
}

impl Layout<'_> {
    /// Wrapped text; `label` (bold) starts the first line.
    fn text(&self, rows: &mut Vec<Row>, indent: f32, pen: Pen, label: Option<&str>, text: &str) {
        let Pen(size, style, ink) = pen;
        let max = self.width - indent;
        let text = self.fonts.printable(style, text);
        let text = text
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let (label, label_w) = match label {
            Some(l) => {
                let l = self.fonts.printable(Style::Bold, l);
                let w = self.fonts.width(Style::Bold, &format!("{l} ")) * size;
                (Some(l), w)
            }
            None => (None, 0.0),
        };
        // The first line is shorter by the label; wrap it alone, then the rest.
        let first = self.fonts.wrap(style, &text, (max - label_w) / size);
        let mut lines: Vec<String> = Vec::new();
        if let Some(head) = first.first() {
            lines.push(head.clone());
            let rest = text[head.len()..].trim_start();
            lines.extend(self.fonts.wrap(style, rest, max / size));
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        for (i, line) in lines.into_iter().enumerate() {
            let mut ops = Vec::new();
            let mut x = indent;
            if i == 0
                && let Some(l) = &label
            {
                ops.push(Op::Text {
                    x,
                    y: size,
                    size,
                    style: Style::Bold,
                    ink,
                    text: l.clone(),
                });
                x += label_w;
            }
            if !line.is_empty() {
                ops.push(Op::Text {
                    x,
                    y: size,
                    size,
                    style,
                    ink,
                    text: line,
                });
            }
            rows.push(Row {
                h: size * LEAD,
                ops,
            });
        }
    }

    fn para(&self, rows: &mut Vec<Row>, text: &str) {
        self.text(rows, 0.0, Pen(BODY, Style::Regular, Ink::Black), None, text);
        gap(rows, 3.0);
    }

    fn labelled(&self, rows: &mut Vec<Row>, label: &str, text: &str) {
        self.text(
            rows,
            0.0,
            Pen(BODY, Style::Regular, Ink::Black),
            Some(label),
            text,
        );
        gap(rows, 3.0);
    }

    fn heading(&self, rows: &mut Vec<Row>, size: f32, text: &str) {
        gap(rows, size * 0.6);
        self.text(rows, 0.0, Pen(size, Style::Bold, Ink::Black), None, text);
        gap(rows, 3.0);
    }

    /// A list item with a marker ("•", "☐") hanging in the margin of the text.
    fn item(&self, rows: &mut Vec<Row>, marker: &str, size: f32, text: &str) {
        let start = rows.len();
        self.text(
            rows,
            14.0,
            Pen(size, Style::Regular, Ink::Black),
            None,
            text,
        );
        if let Some(r) = rows.get_mut(start) {
            r.ops.push(Op::Text {
                x: 2.0,
                y: size,
                size,
                style: Style::Regular,
                ink: Ink::Black,
                text: marker.into(),
            });
        }
        gap(rows, 1.5);
    }

    fn bullets(&self, rows: &mut Vec<Row>, items: &[String], empty: &str) {
        if items.is_empty() {
            self.para(rows, empty);
        }
        for i in items {
            self.item(rows, "•", BODY, i);
        }
    }

    fn plot(&self, rows: &mut Vec<Row>, p: &Plot) {
        let (pw, ph) = (300.0f32, 90.0f32);
        let x0 = 48.0f32;
        let y0 = 14.0f32;
        let mut ops = Vec::new();
        ops.push(Op::Text {
            x: 0.0,
            y: 8.0,
            size: 7.0,
            style: Style::Bold,
            ink: Ink::Grey,
            text: p.y_label.into(),
        });
        for t in &p.y_ticks {
            let y = y0 + ph - t.pos as f32 * ph;
            ops.push(Op::Line {
                from: (x0, y),
                to: (x0 + pw, y),
                width: 0.3,
                ink: Ink::Light,
            });
            let w = self.fonts.width(Style::Regular, &t.label) * 7.0;
            ops.push(Op::Text {
                x: x0 - 4.0 - w,
                y: y + 2.5,
                size: 7.0,
                style: Style::Regular,
                ink: Ink::Grey,
                text: t.label.clone(),
            });
        }
        for t in &p.x_ticks {
            let x = x0 + t.pos as f32 * pw;
            let w = self.fonts.width(Style::Regular, &t.label) * 7.0;
            ops.push(Op::Line {
                from: (x, y0 + ph),
                to: (x, y0 + ph + 3.0),
                width: 0.5,
                ink: Ink::Grey,
            });
            ops.push(Op::Text {
                x: (x - w / 2.0).clamp(x0 - 10.0, x0 + pw + 10.0 - w),
                y: y0 + ph + 11.0,
                size: 7.0,
                style: Style::Regular,
                ink: Ink::Grey,
                text: t.label.clone(),
            });
        }
        let tw = self.fonts.width(Style::Bold, &p.x_label) * 7.0;
        ops.push(Op::Text {
            x: x0 + pw / 2.0 - tw / 2.0,
            y: y0 + ph + 21.0,
            size: 7.0,
            style: Style::Bold,
            ink: Ink::Grey,
            text: p.x_label.clone(),
        });
        ops.push(Op::Line {
            from: (x0, y0 + ph),
            to: (x0 + pw, y0 + ph),
            width: 0.7,
            ink: Ink::Grey,
        });
        ops.push(Op::Line {
            from: (x0, y0),
            to: (x0, y0 + ph),
            width: 0.7,
            ink: Ink::Grey,
        });
        ops.push(Op::Poly {
            points: p
                .xy
                .iter()
                .map(|(x, y)| (x0 + *x as f32 * pw, y0 + ph - *y as f32 * ph))
                .collect(),
            width: 1.1,
            ink: Ink::Blue,
        });
        rows.push(Row {
            h: y0 + ph + 28.0,
            ops,
        });
    }
}

fn gap(rows: &mut Vec<Row>, h: f32) {
    rows.push(Row { h, ops: Vec::new() });
}

fn severity_ink(severity: &str) -> Ink {
    match severity {
        "high" => Ink::Red,
        "medium" => Ink::Amber,
        _ => Ink::Grey,
    }
}

fn or_none(s: &Option<String>) -> &str {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("Not recorded.")
}

/// The first page: everything an advocate needs at a glance.
fn first_page(l: &Layout, v: &View) -> Vec<Row> {
    let mut r = Vec::new();
    if let Some(b) = v.demo_banner {
        l.text(&mut r, 0.0, Pen(14.0, Style::Bold, Ink::Black), None, b);
        gap(&mut r, 4.0);
    }
    l.text(
        &mut r,
        0.0,
        Pen(18.0, Style::Bold, Ink::Black),
        None,
        &v.title,
    );
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
        l.text(
            &mut r,
            0.0,
            Pen(BODY, Style::Bold, Ink::Black),
            None,
            "Devices examined:",
        );
        for d in &v.devices_examined {
            l.item(&mut r, "•", BODY, d);
        }
        gap(&mut r, 1.5);
    }
    gap(&mut r, 4.0);
    // What did not run as asked comes first, before any finding.
    for n in &v.not_checked {
        l.text(
            &mut r,
            0.0,
            Pen(11.0, Style::Bold, Ink::Black),
            None,
            &format!("Not checked as asked: {n}"),
        );
    }
    l.text(
        &mut r,
        0.0,
        Pen(11.0, Style::Bold, Ink::Black),
        None,
        &v.summary,
    );
    l.heading(&mut r, 12.0, "What was checked and what was not");
    for c in &v.coverage {
        let text = if c.detail.is_empty() {
            format!("{}.{}", c.status, c.when)
        } else {
            format!("{}: {}{}", c.status, c.detail, c.when)
        };
        l.text(
            &mut r,
            14.0,
            Pen(
                BODY,
                Style::Regular,
                if c.status == "Checked" {
                    Ink::Black
                } else {
                    Ink::Red
                },
            ),
            Some(&format!("{}:", c.check)),
            &text,
        );
        gap(&mut r, 1.5);
    }
    l.heading(&mut r, 12.0, "What was found");
    if v.findings.is_empty() {
        l.para(&mut r, "Nothing to list.");
    }
    for f in &v.findings {
        l.text(
            &mut r,
            14.0,
            Pen(BODY, Style::Regular, Ink::Black),
            Some(&format!("{}. {}:", f.number, f.severity_words)),
            &f.title,
        );
        gap(&mut r, 1.5);
    }
    for f in &v.recognised {
        l.text(
            &mut r,
            14.0,
            Pen(BODY, Style::Regular, Ink::Grey),
            Some("Marked as the client's own:"),
            f.title.trim_end_matches(" (marked as the client's own)"),
        );
        gap(&mut r, 1.5);
    }
    l.heading(&mut r, 12.0, "The client's concerns");
    l.bullets(&mut r, &v.concerns, "None recorded.");
    if let Some(c) = &v.concerns_recorded {
        l.para(&mut r, c);
    }
    r
}

/// The foot of the first page: versions, hashes, when the report was made.
fn first_page_foot(l: &Layout, v: &View) -> Vec<Row> {
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

fn finding_block(l: &Layout, f: &FindingView) -> Vec<Row> {
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
    l.text(
        &mut r,
        0.0,
        Pen(BODY, Style::Bold, Ink::Black),
        None,
        "Evidence:",
    );
    for e in &f.evidence {
        l.item(&mut r, "•", BODY, e);
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
    l.text(
        &mut r,
        0.0,
        Pen(BODY, Style::Bold, Ink::Black),
        None,
        "Next steps (tick when done):",
    );
    for s in &f.next_steps {
        l.item(&mut r, "☐", BODY, s);
    }
    gap(&mut r, 8.0);
    r
}

fn blocks(l: &Layout, v: &View) -> Vec<Block> {
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
            l.item(&mut r, "•", BODY, &text);
        }
        out.push(block(r, false, first));
        first = false;
    }
    if let Some(a) = &v.account_checklist {
        let mut r = Vec::new();
        l.heading(&mut r, 14.0, "The client's Apple Account");
        l.para(&mut r, a.intro);
        l.text(
            &mut r,
            0.0,
            Pen(BODY, Style::Bold, Ink::Black),
            None,
            &a.summary,
        );
        gap(&mut r, 3.0);
        out.push(block(r, true, first));
        first = false;
        for i in &a.items {
            let mut r = Vec::new();
            l.text(
                &mut r,
                0.0,
                Pen(BODY, Style::Regular, Ink::Black),
                Some(&format!("{}:", i.title)),
                i.guidance,
            );
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
        l.text(
            &mut r,
            0.0,
            Pen(BODY, Style::Regular, Ink::Black),
            Some(&format!("{}:", n.time)),
            &n.text,
        );
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
        l.item(
            &mut r,
            "•",
            9.0,
            &format!(
                "{} {}{} — {} ({})",
                d.kind, d.address, name, d.description, d.seen
            ),
        );
    }
    l.heading(&mut r, 12.0, "Tool and signatures");
    l.item(&mut r, "•", 9.0, &format!("Tool: {}", v.tool));
    for s in &v.signatures {
        l.item(
            &mut r,
            "•",
            9.0,
            &format!(
                "Signatures {}, version {}, {} entries, licence {}, source: {}, SHA-256 {}",
                s.file, s.version, s.entries, s.licence, s.source, s.sha256
            ),
        );
    }
    for a in &v.attributions {
        l.item(&mut r, "•", 9.0, a);
    }
    l.heading(&mut r, 12.0, "Evidence integrity");
    for i in &v.inputs {
        l.item(
            &mut r,
            "•",
            9.0,
            &format!("Input {} ({} bytes), SHA-256 {}", i.path, i.bytes, i.sha256),
        );
    }
    l.item(
        &mut r,
        "•",
        9.0,
        &format!("Findings JSON SHA-256 {}", v.findings_json_sha256),
    );
    l.item(&mut r, "•", 9.0, &v.counters);
    l.item(
        &mut r,
        "•",
        9.0,
        "Fonts: DejaVu Sans (Bitstream Vera licence, DejaVu changes in the public domain), embedded as a subset.",
    );
    out.push(block(r, false, false));
    out
}

fn signatures(l: &Layout) -> Vec<Row> {
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

/// Rows placed on pages: (page, y of the row's top, row).
fn paginate(blocks: Vec<Block>, page_h: f32, first_bottom: f32) -> Vec<Vec<(f32, Row)>> {
    let mut pages: Vec<Vec<(f32, Row)>> = vec![Vec::new()];
    let mut y = TOP;
    let bottom = |n: usize| {
        if n == 0 {
            first_bottom
        } else {
            page_h - BOTTOM
        }
    };
    for b in blocks {
        let total: f32 = b.rows.iter().map(|r| r.h).sum();
        let n = pages.len() - 1;
        let fresh = y <= TOP + 0.1;
        let new_page = (b.new_page && !(fresh && pages[n].is_empty()))
            || (b.keep && !fresh && y + total > bottom(n) && total <= page_h - BOTTOM - TOP);
        if new_page {
            pages.push(Vec::new());
            y = TOP;
        }
        for row in b.rows {
            let n = pages.len() - 1;
            if y + row.h > bottom(n) && !row.ops.is_empty() {
                pages.push(Vec::new());
                y = TOP;
            }
            // No empty space at the top of a page.
            if row.ops.is_empty() && y <= TOP + 0.1 {
                continue;
            }
            let h = row.h;
            pages.last_mut().expect("a page").push((y, row));
            y += h;
        }
    }
    pages
}

fn fill(ink: Ink) -> Fill {
    Fill {
        paint: ink.color().into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(s: &mut Surface, fonts: &Fonts, op: &Op, dx: f32, dy: f32) {
    match op {
        Op::Text {
            x,
            y,
            size,
            style,
            ink,
            text,
        } => {
            s.set_fill(Some(fill(*ink)));
            s.set_stroke(None);
            let mut pen = dx + x;
            for run in fonts.shape_line(*style, text) {
                s.draw_glyphs(
                    Point::from_xy(pen, dy + y),
                    &run.glyphs,
                    run.font.clone(),
                    &run.text,
                    *size,
                    false,
                );
                pen += run.glyphs.iter().map(|g| g.x_advance(*size)).sum::<f32>();
            }
        }
        Op::Line {
            from,
            to,
            width,
            ink,
        } => stroke(s, &[*from, *to], *width, *ink, dx, dy),
        Op::Poly { points, width, ink } => stroke(s, points, *width, *ink, dx, dy),
    }
}

fn stroke(s: &mut Surface, pts: &[(f32, f32)], width: f32, ink: Ink, dx: f32, dy: f32) {
    if pts.len() < 2 {
        return;
    }
    let mut pb = PathBuilder::new();
    pb.move_to(dx + pts[0].0, dy + pts[0].1);
    for p in &pts[1..] {
        pb.line_to(dx + p.0, dy + p.1);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: ink.color().into(),
            width,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

/// The document date PDF/A requires: when the report was generated, with its UTC offset.
fn document_date(t: &chrono::DateTime<chrono::FixedOffset>) -> krilla::metadata::DateTime {
    use chrono::{Datelike, Timelike};
    let offset = t.offset().local_minus_utc() / 60;
    krilla::metadata::DateTime::new(t.year().clamp(0, 9999) as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour((offset / 60) as i8)
        .utc_offset_minute((offset.abs() % 60) as u8)
}

/// Render the PDF bytes on A4 with system fonts for CJK and emoji when installed.
pub fn render(v: &View) -> Result<Vec<u8>, super::ReportError> {
    render_with(v, &PdfOptions::default())
}

/// Render the PDF bytes with explicit options (paper size, system fonts).
pub fn render_with(v: &View, opts: &PdfOptions) -> Result<Vec<u8>, super::ReportError> {
    let fonts = Fonts::new(opts.system_fonts)?;
    let (page_w, page_h) = opts.paper.size();
    let layout = Layout {
        fonts: &fonts,
        width: page_w - 2.0 * MARGIN,
    };
    let foot = first_page_foot(&layout, v);
    let foot_h: f32 = foot.iter().map(|r| r.h).sum();
    let first_bottom = page_h - BOTTOM - foot_h - 8.0;
    let pages = paginate(blocks(&layout, v), page_h, first_bottom);

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| super::ReportError::Pdf(format!(" settings: {e:?}")))?;
    let mut doc = Document::new_with(SerializeSettings {
        configuration,
        ..Default::default()
    });
    let mut meta = Metadata::new()
        .title(match &v.case {
            Some(c) => format!("{} — case {c}", v.title),
            None => v.title.clone(),
        })
        .creator(v.tool.clone())
        .language("en".into())
        .creation_date(document_date(&v.generated_at));
    if let Some(o) = &v.operator {
        meta = meta.authors(vec![o.clone()]);
    }
    doc.set_metadata(meta);
    let total = pages.len();
    let size = krilla::geom::Size::from_wh(page_w, page_h)
        .ok_or(super::ReportError::Resource("bad paper size"))?;
    for (n, rows) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(PageSettings::new(size));
        let mut s = page.surface();
        for (y, row) in rows {
            for op in &row.ops {
                draw(&mut s, &fonts, op, MARGIN, *y);
            }
        }
        if n == 0 {
            let mut y = page_h - BOTTOM - foot_h;
            for row in &foot {
                for op in &row.ops {
                    draw(&mut s, &fonts, op, MARGIN, y);
                }
                y += row.h;
            }
        }
        let footer = format!(
            "{}{}{} — Page {} of {}",
            v.demo_banner.map(|b| format!("{b} — ")).unwrap_or_default(),
            v.title,
            v.case
                .as_deref()
                .map(|c| format!(" — case {c}"))
                .unwrap_or_default(),
            n + 1,
            total
        );
        let footer = fonts.printable(Style::Regular, &footer);
        if let Some(b) = v.demo_banner {
            let top = fonts.printable(Style::Bold, b);
            draw(
                &mut s,
                &fonts,
                &Op::Text {
                    x: 0.0,
                    y: 0.0,
                    size: SMALL,
                    style: Style::Bold,
                    ink: Ink::Black,
                    text: top,
                },
                MARGIN,
                BOTTOM / 2.0,
            );
        }
        draw(
            &mut s,
            &fonts,
            &Op::Text {
                x: 0.0,
                y: 0.0,
                size: SMALL,
                style: Style::Regular,
                ink: Ink::Grey,
                text: footer,
            },
            MARGIN,
            page_h - BOTTOM / 2.0,
        );
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| super::ReportError::Pdf(format!(": {e:?}")))
}
