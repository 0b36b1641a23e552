//! Differential tests of the tool's readers against the real ones they model (built by
//! `scripts/fetch-test-deps`), and replays of every disagreement ever found, kept as fixtures.

mod goyaml;
