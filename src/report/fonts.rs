//! Fonts and text shaping for the PDF report.
//!
//! DejaVu Sans (regular and bold, `assets/fonts/`, Bitstream Vera licence with the DejaVu
//! changes in the public domain) is embedded in the binary and covers Latin, Greek,
//! Cyrillic, Arabic, Hebrew and many symbols. For what it lacks (Chinese, Japanese, Korean,
//! emoji) a font installed on the machine is used when one covers the character (found
//! with fontdb); otherwise the character is written as its code point ("U+4E2D"), never as
//! `?`, so two different names stay different in the printed copy.
//!
//! Text is shaped with rustybuzz (the shaper krilla uses), so line widths are the font's
//! real advances, and right-to-left runs are put in visual order with unicode-bidi.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};

pub const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// One font face: its bytes (for shaping and coverage) and krilla's handle (for drawing).
struct Face {
    data: std::sync::Arc<Vec<u8>>,
    index: u32,
    font: Font,
}

impl Face {
    fn new(data: Vec<u8>, index: u32) -> Option<Face> {
        let data = std::sync::Arc::new(data);
        // Usable: parses, and has outlines (krilla is built without the raster-image
        // decoders, so colour-bitmap-only emoji fonts are skipped).
        let face = rustybuzz::ttf_parser::Face::parse(&data, index).ok()?;
        let tables = face.tables();
        if tables.glyf.is_none() && tables.cff.is_none() && tables.cff2.is_none() {
            return None;
        }
        let font = Font::new(krilla::Data::from(data.clone()), index)?;
        Some(Face { data, index, font })
    }

    fn covers(&self, c: char) -> bool {
        rustybuzz::ttf_parser::Face::parse(&self.data, self.index)
            .ok()
            .and_then(|f| f.glyph_index(c))
            .is_some()
    }
}

/// Text style: regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Regular,
    Bold,
}

/// A shaped run of glyphs in one font, in visual order, with the text it came from.
pub struct Run {
    pub font: Font,
    pub glyphs: Vec<KrillaGlyph>,
    pub text: String,
    /// Width in em.
    pub width: f32,
}

/// The report's fonts: embedded DejaVu Sans, then (lazily) system fonts for what it lacks.
pub struct Fonts {
    regular: Face,
    bold: Face,
    use_system: bool,
    /// The machine's fonts (indexed on first need) in the order they are tried.
    index: RefCell<Option<(fontdb::Database, Vec<fontdb::ID>)>>,
    /// System faces in use.
    system: RefCell<Vec<Face>>,
    loaded: RefCell<HashMap<fontdb::ID, Option<usize>>>,
    /// Character -> index into `system` (None: no font has it).
    system_cover: RefCell<HashMap<char, Option<usize>>>,
    base_cover: RefCell<HashMap<(Style, char), bool>>,
    widths: RefCell<HashMap<(Style, String), f32>>,
}

/// Which face draws a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Base,
    /// The regular face standing in for bold where bold lacks a glyph.
    Regular,
    System(usize),
}

impl Fonts {
    /// `use_system`: look for installed fonts for characters DejaVu Sans lacks (CJK, emoji).
    /// Tests turn it off so their output does not depend on the machine.
    pub fn new(use_system: bool) -> Result<Fonts, super::ReportError> {
        let regular = Face::new(DEJAVU_SANS.to_vec(), 0).ok_or(super::ReportError::Resource(
            "the embedded DejaVu Sans font could not be read",
        ))?;
        let bold = Face::new(DEJAVU_SANS_BOLD.to_vec(), 0).ok_or(super::ReportError::Resource(
            "the embedded DejaVu Sans Bold font could not be read",
        ))?;
        Ok(Fonts {
            regular,
            bold,
            use_system,
            index: RefCell::new(None),
            system: RefCell::new(Vec::new()),
            loaded: RefCell::new(HashMap::new()),
            system_cover: RefCell::new(HashMap::new()),
            base_cover: RefCell::new(HashMap::new()),
            widths: RefCell::new(HashMap::new()),
        })
    }

    fn base(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    fn base_covers(&self, style: Style, c: char) -> bool {
        *self
            .base_cover
            .borrow_mut()
            .entry((style, c))
            .or_insert_with(|| self.base(style).covers(c))
    }

    /// Index the machine's fonts once (only when a character needs them). Font files are
    /// read (memory-mapped by fontdb) to check coverage; only faces actually used are
    /// copied and embedded.
    fn system_index(&self) {
        if self.index.borrow().is_some() {
            return;
        }
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        // Prefer regular upright faces, in a stable order; skip the DejaVu we embed.
        let mut infos: Vec<&fontdb::FaceInfo> = db
            .faces()
            .filter(|f| !f.families.iter().any(|(n, _)| n.starts_with("DejaVu")))
            .collect();
        infos.sort_by_key(|f| {
            (
                f.style != fontdb::Style::Normal,
                f.weight.0.abs_diff(400),
                f.families.first().map(|x| x.0.clone()).unwrap_or_default(),
                f.index,
            )
        });
        let order = infos.iter().map(|f| f.id).collect();
        *self.index.borrow_mut() = Some((db, order));
    }

    fn system_pick(&self, c: char) -> Option<usize> {
        if !self.use_system {
            return None;
        }
        if let Some(hit) = self.system_cover.borrow().get(&c) {
            return *hit;
        }
        self.system_index();
        let hit = {
            let index = self.index.borrow();
            let (db, order) = index.as_ref()?;
            order.iter().copied().find(|id| {
                db.with_face_data(*id, |data, i| {
                    rustybuzz::ttf_parser::Face::parse(data, i).is_ok_and(|f| {
                        let t = f.tables();
                        (t.glyf.is_some() || t.cff.is_some() || t.cff2.is_some())
                            && f.glyph_index(c).is_some()
                    })
                })
                .unwrap_or(false)
            })
        };
        let slot = hit.and_then(|id| self.load_system(id));
        self.system_cover.borrow_mut().insert(c, slot);
        slot
    }

    /// Copy one system face for shaping and embedding (once); its slot in `system`.
    fn load_system(&self, id: fontdb::ID) -> Option<usize> {
        if let Some(slot) = self.loaded.borrow().get(&id) {
            return *slot;
        }
        let face = {
            let index = self.index.borrow();
            let (db, _) = index.as_ref()?;
            db.with_face_data(id, |data, i| Face::new(data.to_vec(), i))
                .flatten()
        };
        let slot = face.map(|f| {
            let mut system = self.system.borrow_mut();
            system.push(f);
            system.len() - 1
        });
        self.loaded.borrow_mut().insert(id, slot);
        slot
    }

    fn pick(&self, style: Style, c: char) -> Option<Pick> {
        if self.base_covers(style, c) {
            Some(Pick::Base)
        } else if style == Style::Bold && self.base_covers(Style::Regular, c) {
            Some(Pick::Regular)
        } else {
            self.system_pick(c).map(Pick::System)
        }
    }

    /// Replace characters no font can show with their code points ("U+4E2D"), separated
    /// from other text by spaces; drop control characters. Joiners and variation
    /// selectors next to a replaced character are dropped with it.
    pub fn printable(&self, style: Style, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last_replaced = false;
        for c in text.chars() {
            if c == '\t' || c == '\n' || c == '\r' {
                out.push(' ');
                last_replaced = false;
                continue;
            }
            if c.is_control() {
                continue;
            }
            if c == ' ' || self.pick(style, c).is_some() {
                if last_replaced && !c.is_whitespace() && !is_joiner(c) {
                    out.push(' ');
                }
                if !(last_replaced && is_joiner(c)) {
                    out.push(c);
                    last_replaced = false;
                }
                continue;
            }
            if is_joiner(c) {
                // Invisible; nothing to show when no font has it.
                continue;
            }
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(&format!("U+{:04X}", c as u32));
            last_replaced = true;
        }
        out
    }

    /// Width of a line of (printable) text in em (words are measured once).
    pub fn width(&self, style: Style, text: &str) -> f32 {
        let key = (style, text.to_string());
        if let Some(w) = self.widths.borrow().get(&key) {
            return *w;
        }
        let w = self.shape_line(style, text).iter().map(|r| r.width).sum();
        let mut widths = self.widths.borrow_mut();
        if widths.len() < 100_000 {
            widths.insert(key, w);
        }
        w
    }

    /// Shape one line (logical order, no line breaks) into runs in visual order.
    pub fn shape_line(&self, style: Style, text: &str) -> Vec<Run> {
        if text.is_empty() {
            return Vec::new();
        }
        let bidi = BidiInfo::new(text, Some(Level::ltr()));
        let mut runs = Vec::new();
        if !bidi.has_rtl() {
            self.shape_level_run(style, text, 0..text.len(), false, &mut runs);
            return runs;
        }
        for para in &bidi.paragraphs {
            let (levels, visual) = bidi.visual_runs(para, para.range.clone());
            for range in visual {
                let rtl = levels[range.start].is_rtl();
                self.shape_level_run(style, text, range, rtl, &mut runs);
            }
        }
        runs
    }

    /// One directional run: split by font (logical order), then shape each piece.
    fn shape_level_run(
        &self,
        style: Style,
        text: &str,
        range: Range<usize>,
        rtl: bool,
        out: &mut Vec<Run>,
    ) {
        let slice = &text[range];
        let mut pieces: Vec<(Pick, Range<usize>)> = Vec::new();
        for (i, c) in slice.char_indices() {
            let follows = c.is_whitespace() || is_joiner(c) || is_mark(c);
            let pick = match (follows, pieces.last()) {
                (true, Some((p, _))) if *p == Pick::Base || self.covers(style, *p, c) => *p,
                _ => self.pick(style, c).unwrap_or(Pick::Base),
            };
            match pieces.last_mut() {
                Some((p, r)) if *p == pick => r.end = i + c.len_utf8(),
                _ => pieces.push((pick, i..i + c.len_utf8())),
            }
        }
        if rtl {
            pieces.reverse();
        }
        for (pick, r) in pieces {
            let piece = &slice[r];
            let face = match pick {
                Pick::Base => Some(self.shaped(self.base(style), piece, rtl)),
                Pick::Regular => Some(self.shaped(&self.regular, piece, rtl)),
                Pick::System(i) => self
                    .system
                    .borrow()
                    .get(i)
                    .map(|f| self.shaped(f, piece, rtl)),
            };
            if let Some(run) = face {
                out.push(run);
            }
        }
    }

    fn covers(&self, style: Style, pick: Pick, c: char) -> bool {
        match pick {
            Pick::Base => self.base_covers(style, c),
            Pick::Regular => self.base_covers(Style::Regular, c),
            Pick::System(i) => self.system.borrow().get(i).is_some_and(|f| f.covers(c)),
        }
    }

    fn shaped(&self, face: &Face, text: &str, rtl: bool) -> Run {
        let mut glyphs = Vec::new();
        let mut width = 0.0;
        if let Some(rb) = rustybuzz::Face::from_slice(&face.data, face.index) {
            let upem = (rb.units_per_em() as f32).max(1.0);
            let mut buffer = UnicodeBuffer::new();
            buffer.push_str(text);
            buffer.guess_segment_properties();
            buffer.set_direction(if rtl {
                Direction::RightToLeft
            } else {
                Direction::LeftToRight
            });
            let output = rustybuzz::shape(&rb, &[], buffer);
            let infos = output.glyph_infos();
            let positions = output.glyph_positions();
            // Cluster boundaries: each glyph maps to the text from its cluster start to the
            // next larger cluster start.
            let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
            starts.sort_unstable();
            starts.dedup();
            for (info, pos) in infos.iter().zip(positions) {
                let start = info.cluster as usize;
                let end = starts
                    .iter()
                    .copied()
                    .find(|s| *s > start)
                    .unwrap_or(text.len());
                let adv = pos.x_advance as f32 / upem;
                width += adv;
                glyphs.push(KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    adv,
                    pos.x_offset as f32 / upem,
                    pos.y_offset as f32 / upem,
                    pos.y_advance as f32 / upem,
                    start..end,
                    None,
                ));
            }
        }
        Run {
            font: face.font.clone(),
            glyphs,
            text: text.to_string(),
            width,
        }
    }

    /// Break printable text into lines no wider than `max_em`: at spaces, and inside a word
    /// only when the word alone is too wide (hashes, long names).
    pub fn wrap(&self, style: Style, text: &str, max_em: f32) -> Vec<String> {
        let space = self.width(style, " ");
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let w = self.width(style, word);
            let sep = if line.is_empty() { 0.0 } else { space };
            if line_w + sep + w <= max_em {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += sep + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if w <= max_em {
                line.push_str(word);
                line_w = w;
                continue;
            }
            // Too wide on its own: cut at character boundaries (never inside a cluster).
            let mut rest = word;
            while !rest.is_empty() {
                let cut = self.fit(style, rest, max_em);
                let (head, tail) = rest.split_at(cut);
                if tail.is_empty() {
                    line_w = self.width(style, head);
                    line.push_str(head);
                } else {
                    lines.push(head.to_string());
                }
                rest = tail;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// The longest prefix (in bytes, at a character boundary, at least one character) of
    /// `word` that fits in `max_em`.
    fn fit(&self, style: Style, word: &str, max_em: f32) -> usize {
        let bounds: Vec<usize> = word
            .char_indices()
            .filter(|(_, c)| !is_mark(*c) && !is_joiner(*c))
            .map(|(i, _)| i)
            .skip(1)
            .chain(std::iter::once(word.len()))
            .collect();
        // Binary search on the boundaries: width grows with the prefix.
        let (mut lo, mut hi) = (0usize, bounds.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.width(style, &word[..bounds[mid - 1]]) <= max_em {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        bounds[lo.max(1) - 1]
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}')
}

/// Combining marks (never the start of a line piece).
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036f}'
        | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05c7}'
        | '\u{0610}'..='\u{061a}'
        | '\u{064b}'..='\u{065f}'
        | '\u{0670}'
        | '\u{06d6}'..='\u{06ed}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_for_what_no_font_has() {
        let f = Fonts::new(false).expect("fonts");
        assert_eq!(f.printable(Style::Regular, "Tag 中文"), "Tag U+4E2D U+6587");
        assert_eq!(f.printable(Style::Regular, "a📱b"), "a U+1F4F1 b");
        // Joiners and variation selectors go with the replaced character.
        assert_eq!(
            f.printable(Style::Regular, "\u{1F469}\u{200D}\u{1F4BB}\u{FE0F}"),
            "U+1F469 U+1F4BB"
        );
        assert_eq!(
            f.printable(Style::Regular, "Иван שלום مرحبا"),
            "Иван שלום مرحبا"
        );
    }

    #[test]
    fn bold_text_borrows_regular_glyphs_before_giving_up() {
        let f = Fonts::new(false).expect("fonts");
        // Mathematical sans-serif letters (fancy Bluetooth names): in DejaVu Sans, not in Bold.
        for text in ["𝖠𝖡𝖢 tag", "هاتف أحمد", "הטלפון של דנה", "Иван", "☐ ✓"]
        {
            assert_eq!(f.printable(Style::Bold, text), text);
            let drawn: String = f
                .shape_line(Style::Bold, text)
                .iter()
                .flat_map(|r| r.glyphs.iter().map(|g| g.glyph_id.to_u32()))
                .map(|g| if g == 0 { '!' } else { '.' })
                .collect();
            assert!(
                !drawn.contains('!'),
                "{text}: a missing glyph (.notdef) drawn"
            );
        }
    }

    #[test]
    fn real_advances_wide_letters_are_wider() {
        let f = Fonts::new(false).expect("fonts");
        let w = f.width(Style::Regular, &"W".repeat(10));
        let i = f.width(Style::Regular, &"i".repeat(10));
        assert!(w > 2.0 * i, "W {w} i {i}");
        for l in f.wrap(Style::Regular, &"W".repeat(300), 40.0) {
            assert!(f.width(Style::Regular, &l) <= 40.0);
        }
    }

    #[test]
    fn right_to_left_runs_in_visual_order() {
        let f = Fonts::new(false).expect("fonts");
        let runs = f.shape_line(Style::Regular, "name אב end");
        let texts: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["name ", "אב", " end"]);
        // Within the Hebrew run, the glyph for the first letter (alef) is drawn last.
        let heb = &runs[1];
        assert_eq!(heb.glyphs.len(), 2);
        assert_eq!(krilla::text::Glyph::text_range(&heb.glyphs[1]), 0..2);
    }
}
