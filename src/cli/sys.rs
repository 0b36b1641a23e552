//! The binary's only `unsafe` code: the two system calls `rustix` does not offer, each behind a
//! safe function, and the global allocator's options, set before `main`. Everything else the
//! binary asks of the system goes through `rustix` or std.
//!
//! It must stay this small: a call `rustix` (or std) has belongs there, not here, and no
//! policy or Helm logic belongs here at all (that is `helm_stderr`'s).

#![allow(unsafe_code)]

/// With `stty tostop`, a background job writing to its terminal is stopped by SIGTTOU until
/// brought to the foreground: a wait with no bound. Ignored, the write just happens; the
/// process is about to exit, so the changed disposition matters to nothing else. (`rustix`
/// has no call to set a signal's disposition.)
pub(super) fn ignore_sigttou() {
    // SAFETY: setting a signal to SIG_IGN installs no handler.
    unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
}

/// The executable of process `pid` through macOS's `proc_pidpath` (there is no `/proc`), or
/// `None` when it cannot be read. Not valid UTF-8 is read lossily: only the file name is
/// compared, with names that are ASCII.
#[cfg(target_os = "macos")]
pub(super) fn process_path(pid: u32) -> Option<String> {
    let mut buf = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
    // SAFETY: the buffer is as long as the size passed; the result is the length written.
    let n = unsafe {
        libc::proc_pidpath(
            pid as libc::c_int,
            buf.as_mut_ptr().cast(),
            buf.len() as u32,
        )
    };
    if n <= 0 {
        return None;
    }
    Some(String::from_utf8_lossy(&buf[..n as usize]).into_owned())
}

/// mimalloc's options for a process that renders once and exits (see Cargo.toml): its arenas
/// committed as they are used, not all at once, and freed pages purged at once, not after 10 ms.
/// At their defaults, peak RSS at 9 MB of input rose from 46.5 MiB (glibc) to 55–66 MiB; with
/// these it is glibc's, for about 0.2 % more instructions. They must be set before the first
/// allocation, which reserves the first arena and which std makes before `main` (the stack
/// overflow handler's thread info): so from `.init_array`, which the C runtime runs before
/// `main`. Linux only: elsewhere mimalloc does not commit its arenas eagerly.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static TUNE_ALLOCATOR: extern "C" fn() = tune_allocator;

#[cfg(target_os = "linux")]
extern "C" fn tune_allocator() {
    // Their places in mimalloc v2's `mi_option_e` (include/mimalloc.h), which the `v2` feature
    // in Cargo.toml pins; libmimalloc-sys names neither.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option writes only mimalloc's own option table, which needs no
    // initialisation first (an option set is not read again from the environment).
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}
