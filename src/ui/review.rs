//! The review with the client: one finding at a time, the account checklist's cards, then
//! the summary of what was and was not checked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::engine::Engine;
use crate::engine::finding::Finding;
use crate::report::view::BEFORE_YOU_ACT;
use crate::sanitize::clean;
use crate::ui::app::App;
use crate::ui::phone;
use crate::ui::render::{Frame0, header};

pub(crate) fn draw_review(
    frame: &mut Frame,
    app: &App,
    engine: &Engine,
    findings: &[Finding],
    f0: &Frame0,
    area: Rect,
) {
    let list = App::review_findings(findings);
    let [h, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    if app.review_index < list.len() {
        let f = list[app.review_index];
        frame.render_widget(
            Paragraph::new(header(
                app,
                &format!("what we found ({} of {})", app.review_index + 1, list.len()),
            )),
            h,
        );
        let response = engine.consultation().responses.get(&f.id);
        let what = crate::report::view::what(f);
        let mut lines = vec![
            Line::from(Span::styled(clean(&f.title, 200), bold)),
            Line::from(crate::report::view::recognise_words(f)),
            Line::from(""),
            Line::from(Span::styled("Ask the client", bold)),
        ];
        if what != clean(&f.title, 200) {
            lines.insert(1, Line::from(what));
        }
        if phone::about_the_phone(f) {
            for q in phone::app_questions() {
                lines.push(Line::from(format!("  {q}")));
            }
        } else {
            for q in crate::report::view::questions(f) {
                lines.push(Line::from(format!("  {q}")));
            }
        }
        lines.push(Line::from(format!(
            "  Answer: {}   Decided: {}",
            response
                .and_then(|r| r.answer)
                .map_or("not asked yet", |a| a.words()),
            response
                .and_then(|r| r.decision)
                .map_or("nothing yet", |d| d.words()),
        )));
        lines.push(Line::from(
            "  y recognises · x does not · u not sure  |  1 keep as evidence · 2 leave for now · 3 decide with advocate",
        ));
        if phone::about_the_phone(f) {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("Keep the client safe", bold)));
            lines.push(Line::from(crate::engine::phone_texts::SAFETY_TEXT));
        }
        lines.extend([
            Line::from(""),
            Line::from(Span::styled("What it may mean", bold)),
            Line::from(clean(&f.meaning, 2000)),
            Line::from(""),
            Line::from(Span::styled("How sure we are", bold)),
            Line::from(clean(&f.confidence.text, 500)),
            Line::from(""),
            Line::from(Span::styled("What you can do", bold)),
        ]);
        for s in &f.next_steps {
            lines.push(Line::from(format!("  [ ] {}", clean(s, 500))));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Before you act", bold)));
        for b in BEFORE_YOU_ACT {
            lines.push(Line::from(format!("  • {b}")));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((app.review_scroll, 0))
                .block(Block::default().borders(Borders::ALL)),
            body,
        );
    } else if let Some(item) = app.review_account_item(findings) {
        let k = app.review_index - list.len();
        frame.render_widget(
            Paragraph::new(header(app, "the client's accounts (reviewed together)")),
            h,
        );
        frame.render_widget(
            Paragraph::new(phone::account_card(engine, item, k, app.checklist_cards()))
                .wrap(Wrap { trim: false })
                .scroll((app.review_scroll, 0))
                .block(Block::default().borders(Borders::ALL)),
            body,
        );
    } else {
        frame.render_widget(Paragraph::new(header(app, "summary")), h);
        let report = f0.report.clone().unwrap_or_else(|| {
            crate::report::Report::build(engine, crate::report::ScanMeta::default())
        });
        let view = crate::report::view::View::build(&report);
        let mut lines = Vec::new();
        if let Some(b) = view.demo_banner {
            lines.push(Line::from(Span::styled(b, bold)));
            lines.push(Line::from(""));
        }
        for n in &view.not_checked {
            lines.push(Line::from(Span::styled(format!("! {n}"), bold)));
        }
        lines.push(Line::from(Span::styled(view.summary.clone(), bold)));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("What was checked", bold)));
        for c in &view.coverage {
            lines.push(Line::from(format!(
                "  • {} — {}: {}",
                c.check, c.status, c.detail
            )));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "What this check cannot tell you",
            bold,
        )));
        for c in &view.cannot_tell {
            lines.push(Line::from(format!("  • {c}")));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL)),
            body,
        );
    }
    frame.render_widget(
        Paragraph::new(" → next · ← previous · ↑↓ scroll · q back · Esc hide"),
        foot,
    );
}
