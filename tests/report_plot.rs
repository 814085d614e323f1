//! Signal plots on a fixed minimum span (30 dB) with labelled axes, so 6 dB of noise
//! looks like noise (issue #18), the same data in the HTML's SVG and the PDF.

use sweep::report::view::{PLOT_MIN_SPAN_DB, plot_axis};

#[test]
fn the_signal_axis_is_never_shorter_than_30_db_and_holds_every_value() {
    for (min, max) in [
        (-71, -65),
        (-68, -68),
        (-80, -50),
        (-100, -30),
        (-45, -44),
        (-99, -98),
        (-127, 20),
    ] {
        let (lo, hi) = plot_axis(min, max);
        assert!(hi - lo >= PLOT_MIN_SPAN_DB, "{min}..{max} -> {lo}..{hi}");
        assert!(lo <= min && hi >= max, "{min}..{max} -> {lo}..{hi}");
        assert_eq!(lo % 10, 0, "{min}..{max} -> {lo}..{hi}");
        assert_eq!(hi % 10, 0, "{min}..{max} -> {lo}..{hi}");
    }
    // Noise of 6 dB fills a fifth of the axis, not all of it.
    let (lo, hi) = plot_axis(-71, -65);
    assert!(f64::from(6) / f64::from(hi - lo) <= 0.2);
    // Centred: the noise sits in the middle third.
    let mid =
        (f64::from(-71 - lo) / f64::from(hi - lo) + f64::from(-65 - lo) / f64::from(hi - lo)) / 2.0;
    assert!((0.33..=0.67).contains(&mid), "{lo}..{hi}");
}

#[test]
fn the_html_plot_has_labelled_axes_on_the_fixed_span() {
    let d = tempfile::tempdir().expect("tmp");
    let out = d.path().join("r.html");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sweep"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // The time axis is in local time: Kolkata (+05:30) shows it is not UTC.
        .env("TZ", "Asia/Kolkata")
        .args(["scan", "--from", "demo/clinic-session.jsonl", "--report"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let html = std::fs::read_to_string(&out).expect("html");
    // The SmartTag's signal moved between -71 and -65 dBm: its axis spans 30 dB.
    assert!(
        html.contains("measured -71 to -65 dBm, axis -80 to -50 dBm"),
        "the SmartTag plot is not on a 30 dB axis"
    );
    for label in [
        ">Signal (dBm)</text>",
        ">Time (UTC+05:30)</text>",
        ">-80</text>",
        ">-50</text>",
        ">15:30:00</text>",
    ] {
        assert!(html.contains(label), "axis label {label} missing");
    }
}
