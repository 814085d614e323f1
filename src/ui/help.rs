//! The keys of each screen, as the help overlay (?) lists them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::ui::app::{App, Screen};

/// Keys of the live screen (and the details, locate and review screens' common keys).
pub const HELP: &[(&str, &str)] = &[
    (
        "Esc",
        "hide the screen at once (type b a c k to bring it back)",
    ),
    ("↑ ↓", "move"),
    ("Tab / ← →", "switch pane"),
    ("Enter", "details of the selected row"),
    ("r", "review the findings with the client, one at a time"),
    ("l", "locate the selected tracker (warmer / colder)"),
    ("p", "we have moved to a new place"),
    (
        "m",
        "the client's own device (asks first; m again takes it back)",
    ),
    ("t", "type a note for the case"),
    ("e", "export the reports beside the case's files"),
    ("g", "how to turn on USB debugging on an Android phone"),
    (
        "q / Backspace",
        "go back (on the main screen: quit; asks first while a check runs)",
    ),
    ("?", "show or hide these keys"),
];

/// Keys of the start screen.
pub const HELP_START: &[(&str, &str)] = &[
    (
        "Esc",
        "hide the screen at once (type b a c k to bring it back)",
    ),
    ("↑ ↓", "move between the rows"),
    (
        "Enter",
        "type the case reference or initials; choose concerns",
    ),
    ("space", "select or unselect a check"),
    ("← →", "change the interface or how long"),
    ("s", "start the checks"),
    ("g", "the USB debugging guide (Phone apps check)"),
    (
        "o",
        "reopen an earlier case (read-only), chosen from a list",
    ),
    ("q", "quit"),
    (
        "",
        "iPhone (USB): it asks \"Trust This Computer?\"; pairing",
    ),
    (
        "",
        "leaves a record on it until Location & Privacy is reset.",
    ),
    ("", "Talk it through with the client first."),
    ("", "Phone traffic: start this laptop's hotspot first"),
    (
        "",
        "(Settings › Wi-Fi › Turn On Wi-Fi Hotspot), then join the",
    ),
    (
        "",
        "client's phone to it; choose the hotspot's interface here.",
    ),
    ("?", "show or hide these keys"),
];

/// Keys of the review screen.
pub const HELP_REVIEW: &[(&str, &str)] = &[
    (
        "Esc",
        "hide the screen at once (type b a c k to bring it back)",
    ),
    ("→ / ←", "next / previous finding"),
    ("↑ ↓", "scroll"),
    (
        "y / x / u",
        "the client recognises it / does not / is not sure",
    ),
    (
        "1 / 2 / 3",
        "keep as evidence / leave it for now / decide with the advocate",
    ),
    (
        "",
        "Account cards: y nothing unexpected / x something unexpected /",
    ),
    ("", "u not looked at"),
    ("m", "the client's own device (asks first)"),
    ("t", "type a note for the case"),
    ("q", "back"),
    ("?", "show or hide these keys"),
];

/// Keys of the USB-debugging guide.
pub const HELP_GUIDE: &[(&str, &str)] = &[
    ("↑ ↓", "scroll"),
    ("q / g", "back"),
    (
        "Esc",
        "hide the screen at once (type b a c k to bring it back)",
    ),
    ("?", "show or hide these keys"),
];

/// Keys of the case list.
pub const HELP_CASES: &[(&str, &str)] = &[
    ("↑ ↓", "choose a case folder"),
    ("Enter", "reopen it read-only: its files are never changed"),
    ("q", "back to the start screen"),
    ("?", "show or hide these keys"),
];

fn help_for(screen: Screen) -> &'static [(&'static str, &'static str)] {
    match screen {
        Screen::Start => HELP_START,
        Screen::Review => HELP_REVIEW,
        Screen::Cases => HELP_CASES,
        Screen::Live | Screen::Detail | Screen::Locate => HELP,
        Screen::UsbGuide => HELP_GUIDE,
    }
}

pub fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let help = help_for(app.screen);
    let w = area.width.min(78);
    let hgt = (help.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - hgt) / 2,
        width: w,
        height: hgt,
    };
    frame.render_widget(Clear, r);
    let lines: Vec<Line> = help
        .iter()
        .map(|(k, v)| Line::from(format!(" {k:<14} {v}")))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        r,
    );
}
