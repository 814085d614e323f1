//! Names extracted + matched, without the evidence checksum: the work `tshark -T fields`
//! does, for the traffic benchmarks (`bench/traffic.sh`, `bench/quic.sh`).
//!
//! `cargo run --release --example bench_traffic -- CAPTURE [RECORDING.jsonl]`
//!
//! Runs the same path as `sweep scan --from CAPTURE`: the embedded signatures loading on a
//! helper thread, the capture source on its own thread, the one bounded channel, the
//! journal (when RECORDING is given, so the names can be compared with tshark's) and the
//! engine, then builds the findings. The only difference is that the input's SHA-256 is not computed; `sweep scan`
//! computes it on a second thread, at the speed of SHA-256 on one core. Prints the wall time
//! from the start of signature loading to the findings, on one line.

use std::path::PathBuf;
use std::time::Instant;

use sweep::pipeline::{Pipeline, Plan};
use sweep::session::EngineLoad;
use sweep::sources::traffic::CaptureFileSource;

fn main() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let capture = PathBuf::from(
        args.next()
            .ok_or("usage: bench_traffic CAPTURE [RECORDING.jsonl]")?,
    );
    let journal = args.next().map(PathBuf::from);
    let start = Instant::now();
    // As `sweep scan` does: the embedded signatures load while the source starts.
    let engine_load = EngineLoad::start(None).map_err(|_| "signatures")?;
    let plan = Plan {
        sources: vec![Box::new(CaptureFileSource::new(capture))],
        duration: None,
        journal,
        marks: Vec::new(),
        inputs: Vec::new(),
    };
    let mut pipeline = Pipeline::start(plan).map_err(|e| e.to_string())?;
    let mut engine = engine_load.wait().map_err(|_| "signatures")?;
    pipeline.run_to_end(&mut engine);
    let findings = engine.findings();
    let elapsed = start.elapsed();
    if let Some(e) = pipeline.errors.first() {
        return Err(e.to_string());
    }
    println!(
        "{:.3} s, {} observations, {} findings",
        elapsed.as_secs_f64(),
        engine.counters().observations,
        findings.len()
    );
    Ok(())
}
