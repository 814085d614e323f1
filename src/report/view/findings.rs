//! One finding as the reports show it: its words, evidence, times, the client's answers,
//! and the signal-strength plot.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub number: usize,
    pub title: String,
    pub severity: &'static str,
    pub severity_words: &'static str,
    pub what: String,
    pub meaning: String,
    pub confidence: String,
    pub evidence: Vec<String>,
    pub next_steps: Vec<String>,
    /// Signal strength over time: a text sparkline, and points for SVG/PDF plots.
    pub sparkline: Option<String>,
    pub plot: Option<Plot>,
    pub times: String,
    pub signature: String,
    /// The questions to ask the client about it.
    pub questions: Vec<&'static str>,
    /// The client's answer to the volunteer's question about this finding.
    pub answer: Option<String>,
    /// What the client decided to do about it.
    pub decision: Option<String>,
    /// "Marked as the client's own by VO at 10:04:12 UTC" (who and when).
    pub recognised: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plot {
    /// SVG polyline points in a 300x80 box, and the axis labels.
    pub points: String,
    /// Weakest and strongest signal measured.
    pub min_rssi: i16,
    pub max_rssi: i16,
    /// First and last measurement, local with the UTC offset.
    pub start: String,
    pub end: String,
    /// Normalised (x, y) in 0..1 of the axes for other renderers.
    pub xy: Vec<(f64, f64)>,
    /// The signal axis: at least `PLOT_MIN_SPAN_DB` tall, so noise looks like noise.
    pub axis_min: i16,
    pub axis_max: i16,
    /// Signal-axis ticks (every 10 dB): label and position (0 bottom .. 1 top).
    pub y_ticks: Vec<Tick>,
    /// Time-axis ticks: label ("10:02") and position (0 left .. 1 right).
    pub x_ticks: Vec<Tick>,
    /// Axis titles.
    pub y_label: &'static str,
    /// "Time (UTC+05:30)": the tick labels are local times.
    pub x_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub label: String,
    pub pos: f64,
    /// The same position in the 300x80 SVG box (x for time ticks, y for signal ticks).
    pub svg: f64,
}

/// The signal axis of a plot is never shorter than this (issue #18: a plot autoscaled to
/// -71..-65 dBm made 6 dB of noise look dramatic).
pub const PLOT_MIN_SPAN_DB: i16 = 30;

/// The signal axis for measured values: at least `PLOT_MIN_SPAN_DB`, centred on the data,
/// on multiples of 10 dB, widened to hold every value.
pub fn plot_axis(min: i16, max: i16) -> (i16, i16) {
    let (min, max) = (i32::from(min.min(max)), i32::from(max.max(min)));
    let span = (max - min).max(i32::from(PLOT_MIN_SPAN_DB));
    let mid = (min + max) as f64 / 2.0;
    let mut lo = ((mid - span as f64 / 2.0) / 10.0).round() as i32 * 10;
    let mut hi = lo + ((span + 9) / 10) * 10;
    if hi < max {
        hi = (max + 9).div_euclid(10) * 10;
    }
    if lo > min {
        lo = min.div_euclid(10) * 10;
    }
    let clamp = |v: i32| v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    (clamp(lo), clamp(hi))
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn plot(f: &Finding, zone: Zone) -> (Option<String>, Option<Plot>) {
    if f.signal.len() < 2 {
        return (None, None);
    }
    let min = f.signal.iter().map(|p| p.rssi).min().unwrap_or(-100);
    let max = f.signal.iter().map(|p| p.rssi).max().unwrap_or(-30);
    let (axis_min, axis_max) = plot_axis(min, max);
    let axis_span = f64::from(axis_max) - f64::from(axis_min);
    let t0 = f.signal[0].t;
    let t1 = f.signal[f.signal.len() - 1].t;
    let dt = ((t1 - t0).num_milliseconds().max(1)) as f64;
    let xy: Vec<(f64, f64)> = f
        .signal
        .iter()
        .map(|p| {
            (
                (p.t - t0).num_milliseconds() as f64 / dt,
                (f64::from(p.rssi) - f64::from(axis_min)) / axis_span,
            )
        })
        .collect();
    let y_ticks: Vec<Tick> = (0..)
        .map(|i| i32::from(axis_min) + 10 * i)
        .take_while(|v| *v <= i32::from(axis_max))
        .map(|v| {
            let pos = (f64::from(v) - f64::from(axis_min)) / axis_span;
            Tick {
                label: v.to_string(),
                pos,
                svg: ((80.0 - pos * 80.0) * 10.0).round() / 10.0,
            }
        })
        .collect();
    // Time ticks: start, end and up to 3 round minutes between.
    let clock = |t: &Timestamp, fmt: &str| zone.at(t).format(fmt).to_string();
    let mut x_ticks = vec![Tick {
        label: clock(&t0, "%H:%M:%S"),
        pos: 0.0,
        svg: 0.0,
    }];
    let total_min = (t1 - t0).num_minutes();
    if total_min >= 2 {
        let step = (total_min / 4).max(1);
        let first = t0 + chrono::Duration::seconds(60 - i64::from(chrono::Timelike::second(&t0)));
        let mut t = first;
        while t < t1 && x_ticks.len() < 5 {
            let pos = (t - t0).num_milliseconds() as f64 / dt;
            if pos > 0.15 && pos < 0.85 {
                x_ticks.push(Tick {
                    label: clock(&t, "%H:%M"),
                    pos,
                    svg: (pos * 3000.0).round() / 10.0,
                });
            }
            t += chrono::Duration::minutes(step);
        }
    }
    x_ticks.push(Tick {
        label: clock(&t1, "%H:%M:%S"),
        pos: 1.0,
        svg: 300.0,
    });
    let points = xy
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", x * 300.0, 80.0 - y * 80.0))
        .collect::<Vec<_>>()
        .join(" ");
    // Sparkline: up to 60 buckets.
    let n = f.signal.len().min(60);
    let spark: String = (0..n)
        .map(|i| {
            let p = &f.signal[i * f.signal.len() / n];
            BARS[(((f64::from(p.rssi) - f64::from(axis_min)) / axis_span) * 7.0)
                .round()
                .clamp(0.0, 7.0) as usize]
        })
        .collect();
    (
        Some(format!(
            "{spark}  ({min} to {max} dBm, {} to {})",
            zone.time(&t0),
            zone.time(&t1)
        )),
        Some(Plot {
            points,
            min_rssi: min,
            max_rssi: max,
            start: zone.time(&t0),
            end: zone.time(&t1),
            xy,
            axis_min,
            axis_max,
            y_ticks,
            x_ticks,
            y_label: "Signal (dBm)",
            x_label: format!("Time (UTC{})", zone.at(&t0).format("%:z")),
        }),
    )
}

pub(super) fn recorded(by: &Option<String>, at: &Option<Timestamp>, zone: Zone) -> String {
    let by = by
        .as_deref()
        .map(|b| format!(" by {}", sanitize::clean(b, 16)))
        .unwrap_or_default();
    let at = at
        .as_ref()
        .map(|t| format!(" at {}", zone.time(t)))
        .unwrap_or_default();
    format!("(recorded{by}{at})")
}

pub(super) fn finding_view(i: usize, f: &Finding, r: &Report, zone: Zone) -> FindingView {
    let response = r.consultation.responses.get(&f.id);
    let (sparkline, plot) = plot(f, zone);
    let mut evidence: Vec<String> = f
        .evidence
        .iter()
        .map(|e| localise(&clean(&e.text), &e.t.unwrap_or(f.first_seen), zone))
        .collect();
    if f.evidence_dropped > 0 {
        evidence.push(format!(
            "({} more pieces of evidence not listed.)",
            f.evidence_dropped
        ));
    }
    FindingView {
        number: i + 1,
        title: clean(&f.title),
        severity: f.severity.as_str(),
        severity_words: severity_words(f.severity),
        what: what(f),
        meaning: localise(&clean(&f.meaning), &f.first_seen, zone),
        confidence: clean(&f.confidence.text),
        evidence,
        next_steps: f.next_steps.iter().map(|s| clean(s)).collect(),
        sparkline,
        plot,
        times: format!(
            "First seen {}, last seen {}.",
            zone.datetime(&f.first_seen),
            zone.datetime(&f.last_seen)
        ),
        signature: f.signature.clone(),
        questions: questions(f),
        answer: response.and_then(|x| {
            x.answer.map(|a| {
                format!(
                    "{} {}",
                    a.words(),
                    recorded(&x.answered_by, &x.answered_at, zone)
                )
            })
        }),
        decision: response.and_then(|x| {
            x.decision.map(|d| {
                format!(
                    "{} {}",
                    d.words(),
                    recorded(&x.decided_by, &x.decided_at, zone)
                )
            })
        }),
        recognised: f.recognised.as_ref().map(|_| recognise_words_in(f, zone)),
    }
}
