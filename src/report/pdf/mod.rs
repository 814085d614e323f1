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

mod draw;
mod layout;
mod pages;

use krilla::Document;
use krilla::SerializeSettings;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

use crate::report::fonts::{Fonts, Style};
use crate::report::view::View;
use draw::{draw, paginate};
use layout::{Ink, Layout, Op};
use pages::{blocks, first_page_foot};

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
        // One line of small type in the page's top or bottom margin.
        let mut margin_line = |style: Style, ink: Ink, text: String, y: f32| {
            let op = Op::Text {
                x: 0.0,
                y: 0.0,
                size: SMALL,
                style,
                ink,
                text,
            };
            draw(&mut s, &fonts, &op, MARGIN, y);
        };
        if let Some(b) = v.demo_banner {
            let top = fonts.printable(Style::Bold, b);
            margin_line(Style::Bold, Ink::Black, top, BOTTOM / 2.0);
        }
        margin_line(Style::Regular, Ink::Grey, footer, page_h - BOTTOM / 2.0);
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| super::ReportError::Pdf(format!(": {e:?}")))
}
