//! How ClearML reads things: a variable's name ([`names`]), its value ([`values`]), how it
//! would take a value for an option ([`judge`]), its config files ([`files`]), the configuration
//! its loader ends with ([`loader`]) and the webserver's own reading ([`webserver`]). What
//! ClearML does, as its loader and pyhocon do it; nothing here knows the policy, a manifest's
//! layout, or how a finding is worded.

pub mod files;
pub mod judge;
pub mod loader;
pub mod names;
pub mod values;
pub mod webserver;
