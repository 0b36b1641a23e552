//! A small editable YAML tree that remembers how every scalar was written.
//!
//! `serde_yaml` would resolve `0644` to 644 and forget that `"on"` was quoted; re-emitting
//! from its values could change what Kubernetes (a YAML 1.1 reader) sees. This tree keeps each
//! scalar's text and style, so a changed document is written back with every untouched scalar
//! spelled exactly as the chart spelled it. The emitter does not keep comments inside a
//! document: a changed document is normally written by [`splice`] instead, which keeps the
//! source text of everything the correction leaves alone and uses the emitter only for what it
//! rewrites. Untouched documents never pass through here at all.
//!
//! Rooms: `node` (the tree), `parse` (text, or a reader's events, to tree), `scalar` (how one scalar may be
//! written), `emit` (tree to text), `splice` (a changed tree into its source text). This file
//! only names them; none of them imports it.

mod emit;
mod node;
mod parse;
mod scalar;
mod splice;

pub use emit::{emit, Layout};
pub use node::Node;
pub use parse::{parse, validate, FromEvents, ParseError, TreeEvent, MAX_DEPTH};
pub use scalar::{double_quoted, plain_safe, Context, Style};
pub use splice::{reads_back, splice, splice_text, ReadsAs, Seen};
