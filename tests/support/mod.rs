//! Helpers shared by the integration tests (each test file that needs them says
//! `mod support;`): network namespaces and child processes (`netns`), running sweep and
//! tshark on captures (`traffic`), running sweep and reading what it wrote (`run`), iPhone test data (`ios`), a program in
//! tmux (`tmux`). The captures themselves are built by `sweep::testkit::capture`, shared
//! with the examples and benchmarks.
//!
//! Tests that need root, a namespace or an external tool are `#[ignore = "..."]`: plain
//! `cargo test` lists them as ignored and `.ci/run` runs them with `--include-ignored`. The
//! helpers here therefore fail loudly when their environment is missing: they never skip.
#![allow(dead_code)]

pub mod ios;
pub mod netns;
pub mod run;
pub mod tmux;
pub mod traffic;
