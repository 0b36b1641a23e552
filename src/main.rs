//! The `clearml-sso` binary: the command line around the library's `render`. Process concerns
//! (arguments, files, exit codes, Helm's stderr) live here, so the library stays free of them.

// System calls go through `rustix`; the few it lacks are in `cli::sys`, which allows `unsafe`
// with `cli::alloc`, the global allocator below.
#![deny(unsafe_code)]
// On Unix the C `main` below is the entry, not std's: see there why.
#![cfg_attr(all(unix, not(test)), no_main)]

mod cli;

/// Small blocks recycled per thread, the rest from the system allocator: `cli::alloc` says why.
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[global_allocator]
static ALLOCATOR: cli::alloc::Recycling = cli::alloc::Recycling;

/// The process entry on Unix. std's own entry would first find the main thread's stack guard
/// to report a stack overflow by name, which glibc answers by parsing `/proc/self/maps`: about
/// 100,000 instructions, a third of the start-up of a render on a small chart (the tool bounds
/// its recursion, so an overflow is a bug either way). What else std does there the binary
/// does itself: [`cli::sys::start`] (standard descriptors, SIGPIPE); `exit` flushes stdout. Arguments still come from std (glibc hands them to it
/// before `main`).
#[cfg(all(unix, not(test)))]
#[allow(unsafe_code)] // `no_mangle`: the C runtime calls this by name.
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    cli::sys::start();
    // std's `exit` flushes stdout first, as its own entry does after `main` returns.
    std::process::exit(cli::run().into())
}

#[cfg(not(all(unix, not(test))))]
fn main() -> std::process::ExitCode {
    cli::run().into()
}
