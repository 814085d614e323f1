//! Builders for tests, examples, benchmarks and fuzz seeds: captures and packets made from
//! scratch. Compiled only for this crate's own tests or with the `testkit` feature (the
//! integration tests and examples turn it on through the dev-dependency on this crate);
//! never part of the shipped binary.

pub mod capture;
pub mod lan;
pub mod quic;
