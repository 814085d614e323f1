//! The PDF report as an advocate files it: every script readable and extractable (Arabic,
//! Chinese, Cyrillic, Hebrew, emoji), wrapping inside the margins with the font's real
//! widths, A4 and US Letter, `qpdf --check`, PDF/A-2b, and a rendered first page compared
//! with a stored reference image.
//!
//! These need poppler-utils (pdftotext, pdftoppm, pdfinfo) and qpdf; CI installs them
//! (.ci/run) and runs ignored tests.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use sweep::engine::Engine;
use sweep::observation::Record;
use sweep::report::pdf::{Paper, PdfOptions};
use sweep::report::view::{View, Zone};
use sweep::report::{Report, ScanMeta};
use sweep::signatures::SignatureSet;

mod support;
use support::run::{scan_demo, succeeds};

const CYRILLIC: &str = "Иван Петров";
const ARABIC: &str = "هاتف أحمد";
const HEBREW: &str = "הטלפון של דנה";
const CHINESE: &str = "王芳的手机";
const CHINESE_AS_CODE_POINTS: &str = "U+738B U+82B3 U+7684 U+624B U+673A";
const EMOJI: &str = "Keys 🔑";
const EMOJI_AS_CODE_POINTS: &str = "Keys U+1F511";

/// The page's left and right margins (src/report/pdf.rs).
const MARGIN: f64 = 56.0;

fn t(secs: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("time");
    (base + chrono::Duration::seconds(secs)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn rec(json: String) -> Record {
    serde_json::from_str(&json).expect("record")
}

/// A session with devices named in five scripts and a separated AirTag with a signal history.
fn report() -> Report {
    let mut e = Engine::new(Arc::new(SignatureSet::embedded().expect("signatures")));
    let names = [CYRILLIC, ARABIC, HEBREW, CHINESE, EMOJI];
    for s in 0..120i64 {
        e.ingest(&rec(format!(
            r#"{{"t":"{}","kind":"ble","address":"FB:6D:08:3D:25:A4","rssi":{},"manufacturer_data":{{"76":"1219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0"}}}}"#,
            t(s * 3),
            -70 + (s % 5) as i32
        )));
        if s % 20 == 0 {
            for (i, n) in names.iter().enumerate() {
                e.ingest(&rec(format!(
                    r#"{{"t":"{}","kind":"ble","address":"C0:FF:EE:00:00:0{i}","rssi":-60,"name":{}}}"#,
                    t(s * 3),
                    serde_json::to_string(n).expect("json")
                )));
            }
        }
    }
    Report::build(
        &e,
        ScanMeta {
            case: Some("SCRIPTS-1".into()),
            operator: Some("VO".into()),
            ..Default::default()
        },
    )
}

fn view() -> View {
    // Times in UTC whatever the machine's zone, so the page matches its reference image.
    let utc = chrono::FixedOffset::east_opt(0).expect("offset");
    let mut v = View::build_in(&report(), Zone::Fixed(utc));
    v.generated = "2026-11-22 11:07:00 (UTC+01:00)".into();
    v.generated_at =
        chrono::DateTime::parse_from_rfc3339("2026-11-22T11:07:00+01:00").expect("time");
    v.devices_examined = vec![
        format!("{CYRILLIC}'s phone"),
        ARABIC.into(),
        HEBREW.into(),
        CHINESE.into(),
        EMOJI.into(),
    ];
    v.concerns = vec![
        "W".repeat(240),
        "0".repeat(240),
        format!("{} {}", "W".repeat(30), "W".repeat(30)).repeat(4),
    ];
    v
}

fn pdf(v: &View, paper: Paper) -> Vec<u8> {
    sweep::report::pdf::render_with(
        v,
        &PdfOptions {
            paper,
            system_fonts: false,
        },
    )
    .expect("pdf")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn run(cmd: &str, args: &[&str], file: &Path) -> String {
    let o = Command::new(cmd)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} could not run ({e}): install poppler-utils and qpdf"));
    assert!(
        o.status.success(),
        "{cmd} {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn pdftotext(file: &Path, extra: &[&str]) -> String {
    let mut args = extra.to_vec();
    args.push("-enc");
    args.push("UTF-8");
    let o = Command::new("pdftotext")
        .args(&args)
        .arg(file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn every_script_comes_back_exactly_from_the_pdf() {
    let d = tempfile::tempdir().expect("tmp");
    let file = write(d.path(), "scripts.pdf", &pdf(&view(), Paper::A4));
    let text = pdftotext(&file, &[]);
    for want in [
        CYRILLIC,
        ARABIC,
        HEBREW,
        CHINESE_AS_CODE_POINTS,
        EMOJI_AS_CODE_POINTS,
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    assert!(!text.contains('?'), "a character became '?':\n{text}");
    // The signal plot's axes are labelled.
    assert!(
        text.contains("Signal (dBm)") && text.contains("Time"),
        "{text}"
    );
    assert!(
        !text.contains('\u{fffd}'),
        "a replacement character:\n{text}"
    );
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn long_words_of_wide_letters_stay_inside_the_margins() {
    let d = tempfile::tempdir().expect("tmp");
    for paper in [Paper::A4, Paper::Letter] {
        let file = write(d.path(), "wrap.pdf", &pdf(&view(), paper));
        let (page_w, _) = paper.size();
        let bbox = pdftotext(&file, &["-bbox"]);
        let mut seen = (0, 0);
        for line in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
            let attr = |name: &str| -> f64 {
                let i = line.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
                line[i..]
                    .split('"')
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("number")
            };
            let word = line.rsplit('>').nth(1).unwrap_or_default();
            let word = word.split('<').next().unwrap_or_default();
            if word.chars().all(|c| c == 'W') && word.len() > 5 {
                seen.0 += 1;
            } else if word.chars().all(|c| c == '0') && word.len() > 5 {
                seen.1 += 1;
            } else {
                continue;
            }
            assert!(
                attr("xMin") >= MARGIN - 0.5 && attr("xMax") <= f64::from(page_w) - MARGIN + 0.5,
                "{paper:?}: {word:?} runs outside the margins: {line}"
            );
        }
        assert!(
            seen.0 >= 3 && seen.1 >= 2,
            "{paper:?}: wrapped lines not found: {seen:?}"
        );
    }
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn a4_and_letter_pass_qpdf_and_are_pdf_a_2b() {
    let d = tempfile::tempdir().expect("tmp");
    for (paper, size) in [(Paper::A4, "595.28 x 841.89"), (Paper::Letter, "612 x 792")] {
        let bytes = pdf(&view(), paper);
        let file = write(d.path(), "check.pdf", &bytes);
        let out = run("qpdf", &["--check"], &file);
        assert!(out.contains("No syntax or stream encoding errors"), "{out}");
        let info = run("pdfinfo", &[], &file);
        assert!(
            info.lines()
                .any(|l| l.starts_with("Page size:") && l.contains(&format!(" {size} pts"))),
            "{info}"
        );
        // PDF/A-2b declared in the XMP metadata (krilla validated it while writing).
        let xmp = String::from_utf8_lossy(&bytes);
        assert!(
            xmp.contains("<pdfaid:part>2</pdfaid:part>")
                && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "no PDF/A-2b identification in the XMP metadata"
        );
        // Fonts embedded (as subsets): pdffonts lists every font with emb=yes.
        let fonts = run("pdffonts", &[], &file);
        assert!(fonts.contains("DejaVuSans"), "{fonts}");
        for l in fonts.lines().skip(2) {
            assert!(l.contains(" yes "), "a font is not embedded: {l}");
        }
    }
}

/// Grey pixels of a binary PGM (P5, 8-bit) as written by `pdftoppm -gray`.
fn pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5", "not a binary PGM");
    assert_eq!(fields[3], "255", "not 8-bit");
    let (w, h): (usize, usize) = (
        fields[1].parse().expect("width"),
        fields[2].parse().expect("height"),
    );
    let data = bytes[i + 1..].to_vec();
    assert_eq!(data.len(), w * h, "PGM size");
    (w, h, data)
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn first_page_looks_like_the_reference_image() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report-first-page.pgm");
    let d = tempfile::tempdir().expect("tmp");
    let file = write(d.path(), "page.pdf", &pdf(&view(), Paper::A4));
    let o = Command::new("pdftoppm")
        .args(["-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&file)
        .arg(d.path().join("page"))
        .output()
        .expect("pdftoppm runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = std::fs::read(d.path().join("page.pgm")).expect("rendered page");
    if std::env::var_os("SWEEP_UPDATE_REFERENCE").is_some() {
        std::fs::write(&reference, &got).expect("write reference");
    }
    let (w, h, a) = pgm(&got);
    let (rw, rh, b) = pgm(&std::fs::read(&reference).expect(
        "reference image; create it with SWEEP_UPDATE_REFERENCE=1 after checking the page by eye",
    ));
    assert_eq!((w, h), (rw, rh), "page size changed");
    let differing = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.abs_diff(**y) > 96)
        .count();
    let ink = b.iter().filter(|p| **p < 160).count();
    // Within a tolerance (anti-aliasing, a version number): at most 1.5% of the page's
    // pixels, and the page must have text on it at all.
    assert!(ink > w * h / 50, "the reference page is nearly blank");
    assert!(
        differing * 1000 < w * h * 15,
        "{differing} of {} pixels differ from tests/data/report-first-page.pgm",
        w * h
    );
}

#[test]
#[ignore = "needs poppler-utils, qpdf, fonts-wqy-microhei and fonts-symbola"]
fn installed_fonts_show_chinese_and_emoji() {
    let d = tempfile::tempdir().expect("tmp");
    let bytes = sweep::report::pdf::render_with(
        &view(),
        &PdfOptions {
            paper: Paper::A4,
            system_fonts: true,
        },
    )
    .expect("pdf");
    let file = write(d.path(), "system.pdf", &bytes);
    let text = pdftotext(&file, &[]);
    for want in [CYRILLIC, ARABIC, HEBREW, CHINESE, EMOJI] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    assert!(
        !text.contains("U+"),
        "a code point printed although a font has it"
    );
    let fonts = run("pdffonts", &[], &file);
    assert!(
        fonts.contains("WenQuanYi") && fonts.contains("Symbola"),
        "{fonts}"
    );
    for l in fonts.lines().skip(2) {
        assert!(
            l.contains(" yes yes "),
            "a font is not embedded as a subset: {l}"
        );
    }
    let out = run("qpdf", &["--check"], &file);
    assert!(out.contains("No syntax or stream encoding errors"), "{out}");
}

#[test]
#[ignore = "needs poppler-utils and qpdf"]
fn report_render_keeps_a4_and_render_with_takes_the_paper() {
    use sweep::report::{Format, RenderOptions, render, render_with};
    let d = tempfile::tempdir().expect("tmp");
    let r = report();
    let a4 = write(d.path(), "a4.pdf", &render(&r, Format::Pdf).expect("pdf"));
    assert!(run("pdfinfo", &[], &a4).contains("(A4)"));
    let mut options = RenderOptions::default();
    options.pdf.paper = Paper::Letter;
    let letter = write(
        d.path(),
        "letter.pdf",
        &render_with(&r, Format::Pdf, &options).expect("pdf"),
    );
    assert!(run("pdfinfo", &[], &letter).contains("(letter)"));
}

#[test]
#[ignore = "needs poppler-utils"]
fn sweep_scan_paper_letter_writes_letter_pages() {
    let d = tempfile::tempdir().expect("tmp");
    let pdf = d.path().join("letter.pdf");
    succeeds(
        scan_demo()
            .args(["--paper", "letter", "--report"])
            .arg(&pdf),
    );
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("612 x 792 pts"), "{info}");
}
