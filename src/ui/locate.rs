//! The locate screen (warmer / colder) and the signal sparklines the details use.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Sparkline, Wrap};

use crate::engine::Engine;
use crate::engine::finding::Finding;
use crate::engine::locate::{Locate, Trend};
use crate::sanitize::clean;
use crate::ui::app::App;
use crate::ui::render::{FOUND_STEPS, Frame0, footer, header, not_heard};

/// RSSI (dBm) as a 0..1 meter: -100 dBm empty, -35 dBm full.
pub fn meter_ratio(rssi: f64) -> f64 {
    ((rssi + 100.0) / 65.0).clamp(0.0, 1.0)
}

pub(crate) fn draw_locate(
    frame: &mut Frame,
    app: &App,
    engine: &Engine,
    findings: &[Finding],
    f0: &Frame0,
    area: Rect,
) {
    let loc: Option<Locate> = app.locate_target.and_then(|a| engine.trackers.locate(&a));
    let [h, words, meter, spark, steps, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Min(3),
        Constraint::Length(7),
        Constraint::Length(2),
    ])
    .areas(area);
    // Name the tracker, not only its address.
    let what = app
        .locate_target
        .and_then(|a| {
            findings
                .iter()
                .find(|f| f.subject.address == Some(a) || f.subject.addresses.contains(&a))
        })
        .map(|f| {
            let t = clean(&f.title, 60);
            t.split(':').next().unwrap_or(&t).trim().to_string()
        })
        .unwrap_or_else(|| "the tracker".into());
    frame.render_widget(Paragraph::new(header(app, &format!("find {what}"))), h);
    frame.render_widget(
        Paragraph::new(
            FOUND_STEPS
                .iter()
                .map(|s| Line::from(format!("• {s}")))
                .collect::<Vec<_>>(),
        )
        .wrap(Wrap { trim: true }),
        steps,
    );
    let Some(l) = loc else {
        frame.render_widget(Paragraph::new("No signal from this tracker yet."), words);
        return;
    };
    let big = Style::default().add_modifier(Modifier::BOLD);
    let gone = l.last_seen.and_then(|t| not_heard(t, f0.now));
    let trend = match (&gone, l.trend) {
        (Some(g), _) => format!("NOT HEARD — {g}: out of range, switched off or blocked"),
        (None, Trend::Closer) => "WARMER — getting closer".into(),
        (None, Trend::Further) => "COLDER — getting further away".into(),
        (None, Trend::Steady) => "SAME — about the same distance".into(),
        (None, Trend::Unknown) => "Listening… (not enough signal yet)".into(),
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(trend, big)),
            Line::from(format!(
                "{what} {}  ·  signal {}",
                l.address,
                match (&gone, l.smoothed_rssi) {
                    (Some(g), _) => g.clone(),
                    (None, Some(r)) => format!("{r:.0} dBm"),
                    (None, None) => "—".into(),
                }
            )),
            Line::from(
                "Move slowly around the client's belongings; the bar grows as you get closer.",
            ),
        ])
        .wrap(Wrap { trim: true }),
        words,
    );
    let ratio = if gone.is_some() {
        0.0
    } else {
        l.smoothed_rssi.map(meter_ratio).unwrap_or(0.0)
    };
    frame.render_widget(
        Gauge::default()
            .block(Block::default().borders(Borders::ALL).title(" Signal "))
            .gauge_style(if app.colour {
                Style::default().fg(Color::Green)
            } else {
                Style::default()
            })
            .ratio(ratio)
            .label(format!("{:.0}%", ratio * 100.0)),
        meter,
    );
    draw_signal(frame, &l.history, " Recent signal ", spark);
    frame.render_widget(footer(app, "q back · Esc hide"), foot);
}

/// The latest signal points that fit, as a sparkline in a titled box.
pub(crate) fn draw_signal(
    frame: &mut Frame,
    points: &[crate::engine::finding::SignalPoint],
    title: &str,
    area: Rect,
) {
    let data = spark_data(points.iter().map(|p| p.rssi));
    let start = data
        .len()
        .saturating_sub(area.width.saturating_sub(2) as usize);
    frame.render_widget(
        Sparkline::default().data(&data[start..]).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        area,
    );
}

/// Signal values for a sparkline: relative to the weakest, so differences show.
fn spark_data(rssi: impl Iterator<Item = i16> + Clone) -> Vec<u64> {
    let min = rssi.clone().min().unwrap_or(-100);
    rssi.map(|r| (i32::from(r) - i32::from(min) + 1).max(0) as u64)
        .collect()
}
