//! The binary's `unsafe` system calls (its other `unsafe` code is the allocator, `alloc`): the
//! two system calls `rustix` does not offer, and the memory mapping of the allocator's region,
//! each behind a function. Everything else the binary asks of the system goes through `rustix` or
//! std.
//!
//! It must stay this small: a call `rustix` (or std) has belongs there, not here, and no
//! policy or Helm logic belongs here at all (that is `helm_stderr`'s).

#![allow(unsafe_code)]

/// What std's runtime does before `main` and the binary's own entry (`main.rs`) must do
/// itself: a standard descriptor that is closed is opened on `/dev/null`, so that no file the
/// tool opens later becomes its stdout or stderr; SIGPIPE is ignored, so that a closed pipe is
/// a write error the command reports, not a silent death.
#[cfg(not(test))]
pub fn start() {
    for fd in 0..3 {
        // SAFETY: F_GETFD only asks whether the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
        {
            // SAFETY: a NUL-terminated path; the descriptor is the lowest free one, `fd`.
            let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
            if opened != fd {
                // std aborts too: with no safe stdout or stderr, nothing can be reported.
                std::process::abort();
            }
        }
    }
    // SAFETY: setting a signal to SIG_IGN installs no handler.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

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

/// Reserves `len` bytes of fresh, private, readable and writable memory for the allocator's
/// region (`alloc`); the kernel backs a page only once it is written. `None` when refused.
pub(super) fn reserve(len: usize) -> Option<*mut u8> {
    use rustix::mm::{mmap_anonymous, MapFlags, ProtFlags};
    // SAFETY: a new anonymous mapping at an address the kernel picks overlaps nothing.
    unsafe {
        mmap_anonymous(
            std::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
        )
    }
    .ok()
    .map(|p| p.cast())
}

/// Gives back a region `reserve` made.
///
/// # Safety
/// `region` came from `reserve(len)` and nothing of it is used.
pub(super) unsafe fn release(region: *mut u8, len: usize) {
    // SAFETY: as the caller guarantees.
    let _ = unsafe { rustix::mm::munmap(region.cast(), len) };
}
