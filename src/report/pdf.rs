//! PDF report, written in-process with pdf-writer: the same view model and the same
//! sections as the HTML, real (selectable) text in Helvetica, page numbers, and the
//! signal-over-time plot drawn as lines. Text outside WinAnsi is replaced with `?`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::report::view::{FindingView, Plot, View};

const W: f32 = 595.0;
const H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BOTTOM: f32 = 60.0;

enum Item {
    Heading(f32, String),
    Para(String),
    Bullet(String),
    Check(String),
    Plot(Plot),
    Gap,
}

/// Map text to WinAnsi bytes (Helvetica's encoding here).
pub fn win_ansi(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' '..='~' => out.push(c as u8),
            '\u{a0}'..='\u{ff}' => out.push(c as u32 as u8),
            '—' => out.push(0x97),
            '–' => out.push(0x96),
            '•' => out.push(0x95),
            '…' => out.push(0x85),
            '‘' => out.push(0x91),
            '’' => out.push(0x92),
            '“' => out.push(0x93),
            '”' => out.push(0x94),
            '€' => out.push(0x80),
            _ if c.is_control() => {}
            _ => out.push(b'?'),
        }
    }
    out
}

/// Wrap text to a width in points (Helvetica averages about half an em per character).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let max = ((width / (size * 0.5)) as usize).max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > max {
            let head: String = word.chars().take(max).collect();
            word = word.chars().skip(max).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if line.chars().count() + word.chars().count() + 1 > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn items(v: &View) -> Vec<Item> {
    let mut it = Vec::new();
    if let Some(b) = v.demo_banner {
        it.push(Item::Heading(14.0, b.to_string()));
    }
    it.push(Item::Heading(18.0, v.title.clone()));
    if let Some(c) = &v.case {
        it.push(Item::Para(format!("Case reference: {c}")));
    }
    it.push(Item::Para(format!("When: {}", v.window)));
    if let Some(o) = &v.operator {
        it.push(Item::Para(format!("Checked by: {o}")));
    }
    it.push(Item::Para(format!(
        "Checks run: {}",
        if v.checks_run.is_empty() {
            "none".into()
        } else {
            v.checks_run.join(", ")
        }
    )));
    if !v.concerns.is_empty() {
        it.push(Item::Para(format!(
            "The client's concerns: {}",
            v.concerns.join("; ")
        )));
    }
    it.push(Item::Heading(14.0, "Summary".into()));
    for n in &v.not_checked {
        it.push(Item::Para(format!("Not checked as asked: {n}")));
    }
    it.push(Item::Para(v.summary.clone()));
    it.push(Item::Heading(14.0, "What was checked".into()));
    for c in &v.coverage {
        it.push(Item::Bullet(format!(
            "{} ({}): {}",
            c.check, c.status_words, c.summary
        )));
    }
    it.push(Item::Heading(14.0, "What we found".into()));
    if v.findings.is_empty() {
        it.push(Item::Para("Nothing to list.".into()));
    }
    for f in &v.findings {
        finding_items(&mut it, f);
    }
    if !v.recognised.is_empty() {
        it.push(Item::Heading(14.0, "Marked as the client's own".into()));
        for f in &v.recognised {
            it.push(Item::Bullet(f.what.clone()));
        }
    }
    if !v.notes.is_empty() {
        it.push(Item::Heading(14.0, "The volunteer's notes".into()));
        for n in &v.notes {
            it.push(Item::Bullet(n.clone()));
        }
    }
    it.push(Item::Heading(14.0, "Before you act".into()));
    for b in &v.before_you_act {
        it.push(Item::Bullet(b.to_string()));
    }
    it.push(Item::Heading(
        14.0,
        "What this check cannot tell you".into(),
    ));
    for c in &v.cannot_tell {
        it.push(Item::Bullet(c.clone()));
    }
    it.push(Item::Heading(14.0, "Appendix".into()));
    it.push(Item::Heading(12.0, "Every device seen".into()));
    for d in &v.devices {
        let name = if d.name.is_empty() {
            String::new()
        } else {
            format!(" \"{}\"", d.name)
        };
        it.push(Item::Bullet(format!(
            "{} {}{} — {} ({})",
            d.kind, d.address, name, d.description, d.seen
        )));
    }
    it.push(Item::Heading(12.0, "Tool and signatures".into()));
    it.push(Item::Bullet(format!("Tool: {}", v.tool)));
    for s in &v.signatures {
        it.push(Item::Bullet(format!(
            "Signatures {}, version {}, {} entries, licence {}, source: {}, SHA-256 {}",
            s.file, s.version, s.entries, s.licence, s.source, s.sha256
        )));
    }
    for a in &v.attributions {
        it.push(Item::Bullet(a.clone()));
    }
    it.push(Item::Heading(12.0, "Evidence integrity".into()));
    for i in &v.inputs {
        it.push(Item::Bullet(format!(
            "Input {} ({} bytes), SHA-256 {}",
            i.path, i.bytes, i.sha256
        )));
    }
    it.push(Item::Bullet(format!(
        "Findings JSON SHA-256 {}",
        v.findings_json_sha256
    )));
    it.push(Item::Bullet(v.counters.clone()));
    it
}

fn finding_items(it: &mut Vec<Item>, f: &FindingView) {
    it.push(Item::Heading(12.0, format!("{}. {}", f.number, f.title)));
    it.push(Item::Para(format!("{} ({})", f.severity_words, f.severity)));
    it.push(Item::Para(format!("What we found: {}", f.what)));
    it.push(Item::Para(format!("What it may mean: {}", f.meaning)));
    it.push(Item::Para(format!("How sure we are: {}", f.confidence)));
    it.push(Item::Para(format!("When: {}", f.times)));
    if !f.recognised_words.is_empty() {
        it.push(Item::Para(format!("Whose: {}", f.recognised_words)));
    }
    it.push(Item::Para(format!(
        "Asked of the client: {}",
        f.questions.join(" ")
    )));
    it.push(Item::Para(format!(
        "The client's answer: {}",
        f.client_answer.as_deref().unwrap_or("not recorded")
    )));
    it.push(Item::Para(format!(
        "Decided: {}",
        f.decision.as_deref().unwrap_or("not recorded")
    )));
    it.push(Item::Para("Evidence:".into()));
    for e in &f.evidence {
        it.push(Item::Bullet(e.clone()));
    }
    if let Some(p) = &f.plot {
        it.push(Item::Para(format!(
            "Signal strength over time (higher: closer), {} to {} dBm, {} to {}:",
            p.min_rssi, p.max_rssi, p.start, p.end
        )));
        it.push(Item::Plot(p.clone()));
    }
    it.push(Item::Para("What you can do:".into()));
    for s in &f.next_steps {
        it.push(Item::Check(s.clone()));
    }
    it.push(Item::Gap);
}

struct Pages {
    pages: Vec<Content>,
    y: f32,
}

impl Pages {
    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }
    fn need(&mut self, h: f32) {
        if self.pages.is_empty() || self.y - h < BOTTOM {
            self.pages.push(Content::new());
            self.y = H - MARGIN;
        }
    }
    fn text(&mut self, x: f32, size: f32, line: &str) {
        let y = self.y;
        let c = self.page();
        c.begin_text();
        c.set_font(Name(b"F1"), size);
        c.next_line(x, y);
        c.show(Str(&win_ansi(line)));
        c.end_text();
    }
}

/// Render the PDF bytes.
pub fn render(v: &View) -> Result<Vec<u8>, String> {
    let mut p = Pages {
        pages: Vec::new(),
        y: H - MARGIN,
    };
    for item in items(v) {
        match item {
            Item::Heading(size, t) => {
                for l in wrap(&t, size, W - 2.0 * MARGIN) {
                    p.need(size * 1.8);
                    p.y -= size * 1.5;
                    p.text(MARGIN, size, &l);
                }
                p.y -= 4.0;
            }
            Item::Para(t) | Item::Bullet(t) | Item::Check(t) if t.is_empty() => {}
            Item::Para(t) => {
                for l in wrap(&t, 10.0, W - 2.0 * MARGIN) {
                    p.need(14.0);
                    p.y -= 13.5;
                    p.text(MARGIN, 10.0, &l);
                }
                p.y -= 3.0;
            }
            Item::Bullet(t) | Item::Check(t) => {
                let lines = wrap(&t, 10.0, W - 2.0 * MARGIN - 18.0);
                for (i, l) in lines.iter().enumerate() {
                    p.need(14.0);
                    p.y -= 13.5;
                    if i == 0 {
                        p.text(MARGIN, 10.0, "\u{2022}");
                    }
                    p.text(MARGIN + 18.0, 10.0, l);
                }
            }
            Item::Plot(plot) => {
                let (pw, ph) = (300.0f32, 80.0f32);
                p.need(ph + 20.0);
                p.y -= ph + 10.0;
                let (x0, y0) = (MARGIN + 40.0, p.y);
                let c = p.page();
                c.set_line_width(0.5);
                c.move_to(x0, y0);
                c.line_to(x0 + pw, y0);
                c.move_to(x0, y0);
                c.line_to(x0, y0 + ph);
                c.stroke();
                c.set_line_width(1.2);
                for (i, (x, y)) in plot.xy.iter().enumerate() {
                    let (px, py) = (x0 + *x as f32 * pw, y0 + *y as f32 * ph);
                    if i == 0 {
                        c.move_to(px, py);
                    } else {
                        c.line_to(px, py);
                    }
                }
                c.stroke();
                let yb = p.y;
                p.y = yb + ph - 8.0;
                p.text(MARGIN, 7.0, &format!("{} dBm", plot.max_rssi));
                p.y = yb;
                p.text(MARGIN, 7.0, &format!("{} dBm", plot.min_rssi));
                p.y = yb - 10.0;
                p.text(x0, 7.0, &plot.start);
                p.text(x0 + pw - 30.0, 7.0, &plot.end);
                p.y = yb - 14.0;
            }
            Item::Gap => p.y -= 8.0,
        }
    }
    // Footer with page numbers on every page.
    let total = p.pages.len().max(1);
    let case = v.case.clone().unwrap_or_default();
    for (i, c) in p.pages.iter_mut().enumerate() {
        c.begin_text();
        c.set_font(Name(b"F1"), 8.0);
        c.next_line(MARGIN, 30.0);
        let footer = format!(
            "{}{}Page {} of {}",
            v.title,
            if case.is_empty() {
                " - ".to_string()
            } else {
                format!(" - case {case} - ")
            },
            i + 1,
            total
        );
        c.show(Str(&win_ansi(&footer)));
        c.end_text();
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let info = Ref::new(4);
    let first_page = 5;
    pdf.catalog(catalog).pages(tree);
    let page_ids: Vec<Ref> = (0..p.pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&v.title))
        .creator(pdf_writer::TextStr(&v.tool));
    for (i, content) in p.pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, W, H));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), font);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
}
