//! The tool itself, with Rust alone: the command line and its contract in every format, `check`
//! and `diff`, every fixture and trap rendered and snapshotted, adversarial and hostile inputs,
//! property tests, redaction of every output channel, and the README's table of codes. The
//! read-backs through pyhocon and the few checks against real Helm here are
//! `#[ignore = "needs scripts/fetch-test-deps"]`.
//!
//! One test binary instead of one per file: each links the whole crate, and linking dominated
//! the build of the suite. The harness shared by every binary is `tests/harness/`.

#[path = "../harness/mod.rs"]
mod harness;

mod adversarial;
mod adversarial_found;
mod check;
mod cli;
mod cli_extras;
mod contract;
mod diff;
mod fixtures_render;
mod hostile;
mod kube_reads;
mod properties;
mod readme_codes;
mod redaction;
mod values_merge;
