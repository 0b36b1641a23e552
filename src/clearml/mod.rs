//! How ClearML reads things: a variable's name ([`names`]), its value ([`values`]), how it
//! would take a value for an option ([`judge`]), and its config files ([`files`]). What
//! ClearML does, as its loader and pyhocon do it; nothing here knows the policy, a manifest's
//! layout, or how a finding is worded.

pub mod files;
pub mod judge;
pub mod names;
pub mod values;
