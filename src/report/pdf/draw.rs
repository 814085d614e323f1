//! Rows onto pages (keeping a finding on one page when it fits) and drawing them with krilla.

use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::Glyph as _;

use super::layout::{Block, Ink, Op, Row};
use super::{BOTTOM, TOP};
use crate::report::fonts::Fonts;

/// Rows placed on pages: (page, y of the row's top, row).
pub(super) fn paginate(blocks: Vec<Block>, page_h: f32, first_bottom: f32) -> Vec<Vec<(f32, Row)>> {
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

pub(super) fn fill(ink: Ink) -> Fill {
    Fill {
        paint: ink.color().into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

pub(super) fn draw(s: &mut Surface, fonts: &Fonts, op: &Op, dx: f32, dy: f32) {
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

pub(super) fn stroke(s: &mut Surface, pts: &[(f32, f32)], width: f32, ink: Ink, dx: f32, dy: f32) {
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
