//! The PDF's building blocks: inks, pens, drawing operations, rows and blocks, and the
//! `Layout` that wraps text into rows with the report's fonts (labelled lines, headings,
//! list items, the signal plot).

use krilla::color::rgb;

use super::{BODY, LEAD};
use crate::report::fonts::{Fonts, Style};
use crate::report::view::Plot;

#[derive(Clone, Copy)]
pub(super) enum Ink {
    Black,
    Grey,
    Light,
    Red,
    Amber,
    Blue,
}

impl Ink {
    pub(super) fn color(self) -> rgb::Color {
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
pub(super) struct Pen(pub(super) f32, pub(super) Style, pub(super) Ink);

/// A drawing operation, its y relative to the top of its row.
pub(super) enum Op {
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

pub(super) struct Row {
    pub(super) h: f32,
    pub(super) ops: Vec<Op>,
}

pub(super) struct Block {
    pub(super) rows: Vec<Row>,
    /// Keep on one page when it fits on one.
    pub(super) keep: bool,
    /// Start on a new page.
    pub(super) new_page: bool,
}

/// Lays text out into rows with the report's fonts.
pub(super) struct Layout<'a> {
    pub(super) fonts: &'a Fonts,
    pub(super) width: f32,
}

impl Layout<'_> {
    /// Wrapped text; `label` (bold) starts the first line.
    pub(super) fn text(
        &self,
        rows: &mut Vec<Row>,
        indent: f32,
        pen: Pen,
        label: Option<&str>,
        text: &str,
    ) {
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

    pub(super) fn para(&self, rows: &mut Vec<Row>, text: &str) {
        self.text(rows, 0.0, Pen(BODY, Style::Regular, Ink::Black), None, text);
        gap(rows, 3.0);
    }

    /// A line of body text starting with a bold label.
    pub(super) fn labelled_line(&self, rows: &mut Vec<Row>, label: &str, text: &str) {
        self.text(
            rows,
            0.0,
            Pen(BODY, Style::Regular, Ink::Black),
            Some(label),
            text,
        );
    }

    pub(super) fn labelled(&self, rows: &mut Vec<Row>, label: &str, text: &str) {
        self.labelled_line(rows, label, text);
        gap(rows, 3.0);
    }

    /// Bold black text at the left margin (a title, a summary, a list's heading).
    pub(super) fn bold(&self, rows: &mut Vec<Row>, size: f32, text: &str) {
        self.text(rows, 0.0, Pen(size, Style::Bold, Ink::Black), None, text);
    }

    /// An indented line of a list, its bold label first (a check, a finding).
    pub(super) fn hanging(&self, rows: &mut Vec<Row>, ink: Ink, label: &str, text: &str) {
        self.text(
            rows,
            14.0,
            Pen(BODY, Style::Regular, ink),
            Some(label),
            text,
        );
        gap(rows, 1.5);
    }

    pub(super) fn heading(&self, rows: &mut Vec<Row>, size: f32, text: &str) {
        gap(rows, size * 0.6);
        self.bold(rows, size, text);
        gap(rows, 3.0);
    }

    /// A list item with a marker ("•", "☐") hanging in the margin of the text.
    pub(super) fn item(&self, rows: &mut Vec<Row>, marker: &str, size: f32, text: &str) {
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

    pub(super) fn bullet(&self, rows: &mut Vec<Row>, text: &str) {
        self.item(rows, "•", BODY, text);
    }

    /// A bullet in the appendix's smaller type.
    pub(super) fn small_item(&self, rows: &mut Vec<Row>, text: &str) {
        self.item(rows, "•", 9.0, text);
    }

    pub(super) fn bullets(&self, rows: &mut Vec<Row>, items: &[String], empty: &str) {
        if items.is_empty() {
            self.para(rows, empty);
        }
        for i in items {
            self.bullet(rows, i);
        }
    }

    pub(super) fn plot(&self, rows: &mut Vec<Row>, p: &Plot) {
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

pub(super) fn gap(rows: &mut Vec<Row>, h: f32) {
    rows.push(Row { h, ops: Vec::new() });
}

pub(super) fn severity_ink(severity: &str) -> Ink {
    match severity {
        "high" => Ink::Red,
        "medium" => Ink::Amber,
        _ => Ink::Grey,
    }
}
