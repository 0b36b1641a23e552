//! How ClearML reads things: its config files ([`files`]).

pub mod files;
