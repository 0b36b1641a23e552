//! The `clearml-sso` binary: the command line around the library's `render`. Process concerns
//! (arguments, files, exit codes, Helm's stderr) live here, so the library stays free of them.

// System calls go through `rustix`; the few it lacks are in `cli::sys`, which allows `unsafe`
// with `cli::alloc`, the global allocator below.
#![deny(unsafe_code)]

mod cli;

/// Small blocks recycled per thread, the rest from the system allocator: `cli::alloc` says why.
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[global_allocator]
static ALLOCATOR: cli::alloc::Recycling = cli::alloc::Recycling;

fn main() -> std::process::ExitCode {
    cli::run()
}
