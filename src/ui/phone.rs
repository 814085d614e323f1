//! The screens of the checks of the phone itself: the guide to USB debugging, the choice
//! between several attached phones, and the account-access checklist's review cards.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::engine::Engine;
use crate::engine::finding::{Category, Finding};
use crate::engine::iphone::{ACCOUNT_CHECKLIST_INTRO, account_guidance};
use crate::engine::phone_texts::{GUIDE_OFF, GUIDE_ON, GUIDE_WARNING, REVIEW_QUESTIONS};
use crate::observation::AccountItem;
use crate::sanitize::clean;
use crate::ui::app::{App, PhoneChooser};
use crate::ui::render::{centred, footer, header};

/// A finding about the phone itself (an app, a setting, a profile), where the client is
/// asked about the app and the safety text applies.
pub fn about_the_phone(f: &Finding) -> bool {
    matches!(f.category, Category::PhoneApp | Category::PhoneSetting)
        || (f.category == Category::Stalkerware
            && (f.subject.package.is_some() || f.subject.bundle_id.is_some()))
}

/// The questions the volunteer asks the client about an app, in the clinic's words.
pub fn app_questions() -> &'static [&'static str] {
    REVIEW_QUESTIONS
}

/// The guide to turning USB debugging on, and off again afterwards.
pub fn draw_guide(frame: &mut Frame, app: &App, area: Rect) {
    let [h, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(header(app, "turning on USB debugging (Android)")),
        h,
    );
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = vec![
        Line::from(Span::styled("Before you start", bold)),
        Line::from(GUIDE_WARNING),
        Line::from(""),
        Line::from(Span::styled("Turning USB debugging on", bold)),
    ];
    for (i, t) in GUIDE_ON.iter().enumerate() {
        lines.push(Line::from(format!("  {}. {t}", i + 1)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "After the check: turning it off again",
        bold,
    )));
    for (i, t) in GUIDE_OFF.iter().enumerate() {
        lines.push(Line::from(format!("  {}. {t}", i + 1)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "sweep only reads from the phone: it never installs, removes or changes anything on it.",
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.guide_scroll, 0))
            .block(Block::default().borders(Borders::ALL)),
        body,
    );
    frame.render_widget(footer(app, "↑↓ scroll · q back · Esc hide"), foot);
}

/// "Which phone?" when several are attached.
pub fn draw_chooser(frame: &mut Frame, area: Rect, ch: &PhoneChooser) {
    let mut l = vec![
        Line::from("Several phones are connected. Which one is the client's? (Enter: choose)"),
        Line::from(""),
    ];
    for (i, p) in ch.phones.iter().enumerate() {
        let mark = if ch.focus == i { "›" } else { " " };
        l.push(Line::from(format!("{mark} {}", clean(&p.words, 120))));
        if let Some(why) = &p.problem {
            l.push(Line::from(format!("    not ready: {}", clean(why, 300))));
        }
    }
    l.push(Line::from(""));
    l.push(Line::from("q: none of these"));
    let height = (l.len() as u16 + 2).min(area.height);
    let r = centred(area, 76, area.height / 5, height);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(l).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Which phone? "),
        ),
        r,
    );
}

/// Asked once an iPhone is chosen: a backup into the case folder, only with the client's
/// agreement (docs/ios.md, "A backup over USB").
pub fn draw_backup_question(frame: &mut Frame, area: Rect) {
    let l = vec![
        Line::from("Also make a backup of this iPhone into the case folder?"),
        Line::from(""),
        Line::from(
            "It is the only way sweep can list the iPhone's configuration profiles (management, VPN, certificates) over USB.",
        ),
        Line::from(
            "The backup holds the client's messages, photos and more: ask the client first. It stays in the case folder on this laptop; nothing is uploaded.",
        ),
        Line::from(
            "It can take many minutes and needs free space; the iPhone may ask for its passcode.",
        ),
        Line::from(""),
        Line::from("y: yes, the client agrees   n: no backup"),
    ];
    let r = centred(area, 76, area.height / 6, 12.min(area.height));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(l).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Backup of the iPhone "),
        ),
        r,
    );
}

/// One review card of the account-access checklist.
pub fn account_card(
    engine: &Engine,
    item: AccountItem,
    index: usize,
    total: usize,
) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let recorded = engine.consultation().account_checks.get(&item);
    vec![
        Line::from(Span::styled(
            format!("Account access, {} of {total}: {}", index + 1, item.title()),
            bold,
        )),
        Line::from(ACCOUNT_CHECKLIST_INTRO),
        Line::from(""),
        Line::from(Span::styled("Look at this together with the client", bold)),
        Line::from(account_guidance(item)),
        Line::from(""),
        Line::from(format!(
            "  Recorded: {}",
            recorded.map_or("not recorded yet", |r| r.answer.words())
        )),
        Line::from(
            "  y nothing the client does not recognise · x something the client does not recognise · u not looked at",
        ),
        Line::from(""),
        Line::from(
            "sweep cannot see the account from here: only what the client and the volunteer look at together is recorded.",
        ),
    ]
}
