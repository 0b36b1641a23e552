//! The `clearml-sso` binary: the command line around the library's `render`. Process concerns
//! (arguments, files, exit codes, Helm's stderr) live here, so the library stays free of them.

// System calls go through `rustix`; the few it lacks are in `cli::sys`, the one module that
// allows `unsafe`.
#![deny(unsafe_code)]

mod cli;

/// mimalloc instead of the system allocator (see Cargo.toml): a render makes many small
/// short-lived allocations, which glibc's malloc served at a quarter of a small render's cost.
/// Its options are set in `cli::sys`, before `main`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
