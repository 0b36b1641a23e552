//! The `clearml-sso` binary: the command line around the library's `render`. Process concerns
//! (arguments, files, exit codes, Helm's stderr) live here, so the library stays free of them.

// System calls go through `rustix`; the few it lacks are in `cli::sys`, the one module that
// allows `unsafe`.
#![deny(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
