//! Entry points shared by the `cargo fuzz` targets (`fuzz/`) and the tests that replay
//! their committed corpora (`tests/fuzz_corpora.rs`). Each takes arbitrary bytes and
//! must never panic; each returns whether the input was accepted.

use std::sync::{Arc, OnceLock};

use crate::engine::Engine;
use crate::signatures::SignatureSet;

fn engine() -> Engine {
    static SIGS: OnceLock<Arc<SignatureSet>> = OnceLock::new();
    let sigs = SIGS.get_or_init(|| Arc::new(SignatureSet::embedded().unwrap_or_default()));
    Engine::new(Arc::clone(sigs))
}

/// The replay reader, and every record it accepts through the engine and a report.
pub fn replay(data: &[u8]) -> bool {
    let mut engine = engine();
    let ok = crate::sources::replay::read_records("fuzz.jsonl", data, |rec| {
        engine.ingest(&rec);
        true
    })
    .is_ok();
    let report = crate::report::Report::build(&engine, crate::report::ScanMeta::default());
    let _ = crate::report::render(&report, crate::report::Format::Markdown);
    ok
}

/// The signature file parser and validator.
pub fn signatures(data: &[u8]) -> bool {
    match std::str::from_utf8(data) {
        Ok(text) => crate::signatures::parse_file("fuzz.toml", text).is_ok(),
        Err(_) => false,
    }
}
