//! Differential tests of the tool's readers against the real ones they model, run as
//! long-lived oracle processes (`scripts/fetch-test-deps` provides them; the tests that need
//! them are ignored by a plain `cargo test`), and the replay of every disagreement ever found,
//! kept as a fixture and checked without the oracles.

mod goyaml;
mod loader;
mod pyhocon;
mod webserver;
