//! Getting a message in front of the user under Helm, which does not show a post-renderer's
//! stderr when it succeeds (Helm 3 and 4), nor when it fails under Helm 4.
//!
//! Helm 3 runs `--post-renderer` as an executable (by path or through `PATH`) with its stderr
//! captured: on failure it is quoted inside Helm's error, on success dropped. Helm 4 runs a
//! `postrenderer/v1` plugin the same way but drops the stderr in both cases, saying only
//! "plugin exited with error". Helm is this program's parent process, so what the user must
//! see is also written to Helm's own standard error — the terminal or CI log they are reading:
//! a failure under Helm 4 ([`tell_failure`]), the summary of a successful render under either
//! ([`tell_success`]). A failure under Helm 3 is left to Helm, which shows it already.
//!
//! Three rules keep this from doing harm:
//! - It only happens when Helm really is the parent: the parent process's executable or
//!   command name says `helm`. It is Helm 4's plugin when, besides, the plugin variables Helm
//!   sets are there and this executable lives in `HELM_PLUGIN_DIR` (the variables alone prove
//!   nothing: a shell started from a plugin's environment inherits them); otherwise it is
//!   Helm 3, which sets no variable for a post-renderer.
//! - Never to the place our own stderr already goes (same file, same terminal), so the user
//!   never reads the message twice.
//! - Never blocks: a FIFO whose reader left, a full pipe or a stopped terminal make us give up
//!   within a bounded time rather than hang Helm.
//!
//! Linux reads the parent from `/proc` and duplicates Helm's fd 2 with `pidfd_getfd`. macOS has
//! neither: the parent's executable comes from `proc_pidpath`, and the message goes to the
//! controlling terminal (`/dev/tty`), unless our stderr is a terminal already; without one (CI)
//! it is lost, and the README points to `--report`. Elsewhere nothing extra is written.

/// Whether Helm set its plugin variables for this process (they are inherited too, so this
/// alone does not mean Helm is the parent).
fn running_as_helm_plugin() -> bool {
    std::env::var_os("HELM_PLUGIN_NAME").is_some() && std::env::var_os("HELM_PLUGIN_DIR").is_some()
}

/// Which Helm runs this process, as far as can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Helm {
    /// Helm 3, running the post-renderer as an executable; it shows our stderr on failure.
    Three,
    /// Helm 4, running this program as its plugin; it never shows our stderr.
    FourPlugin,
}

fn parent_helm() -> Option<Helm> {
    if !platform::parent_is_helm(std::os::unix::process::parent_id()) {
        return None;
    }
    Some(if running_as_helm_plugin() && inside_plugin_dir() {
        Helm::FourPlugin
    } else {
        Helm::Three
    })
}

/// Writes a failure where the user of Helm 4 will see it. Returns whether it was written
/// somewhere besides our own stderr.
pub fn tell_failure(message: &str) -> bool {
    // Helm 4 then writes its own error line to the same stderr.
    parent_helm() == Some(Helm::FourPlugin) && platform::tell_helm(message, true)
}

/// Writes the summary of a successful render where the user of Helm 3 or 4 will see it.
/// Returns whether it was written somewhere besides our own stderr.
pub fn tell_success(message: &str) -> bool {
    parent_helm().is_some() && platform::tell_helm(message, false)
}

/// Whether this executable is the one Helm was asked to run: inside `HELM_PLUGIN_DIR`
/// (plugin.yaml runs `${HELM_PLUGIN_DIR}/bin/…`). A process that merely inherited another
/// plugin's variables is elsewhere.
fn inside_plugin_dir() -> bool {
    let (Some(dir), Ok(exe)) = (std::env::var_os("HELM_PLUGIN_DIR"), std::env::current_exe())
    else {
        return false;
    };
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return false;
    };
    std::fs::canonicalize(&exe).unwrap_or(exe).starts_with(dir)
}

/// Whether a process name or executable file name is Helm's: `helm`, or `helm` and a version
/// (`helm3`, `helm-v3.17.2`, `helm_4`). Not any name containing it: `helmfile`, Terraform's
/// `terraform-provider-helm` or a test binary `helm_e2e-…` are other programs.
fn says_helm(name: &str) -> bool {
    name.to_ascii_lowercase()
        .strip_prefix("helm")
        .is_some_and(|rest| {
            rest.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | 'v'))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn helm_is_named_helm_with_at_most_a_version() {
        for name in ["helm", "HELM", "helm3", "helm4", "helm-v3.17.2", "helm_4.1"] {
            assert!(super::says_helm(name), "{name}");
        }
        for name in [
            "helmfile",
            "terraform-provider-helm_v2.17.0_x5",
            "helm_e2e-0a1b2c3d",
            "sh",
            "",
        ] {
            assert!(!super::says_helm(name), "{name}");
        }
    }
}

#[cfg(target_os = "linux")]
use linux as platform;
#[cfg(target_os = "macos")]
use macos as platform;

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod platform {
    pub(super) fn parent_is_helm(_: u32) -> bool {
        false
    }
    pub(super) fn tell_helm(_: &str, _: bool) -> bool {
        false
    }
}

/// What Linux and macOS share: a write that never waits long.
#[cfg(any(target_os = "linux", target_os = "macos"))]
mod unix {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    /// How long a write may wait for a full pipe or a stopped terminal before giving up.
    const PATIENCE: Duration = Duration::from_millis(1000);

    /// With `stty tostop`, a background job writing to its terminal is stopped by SIGTTOU until
    /// brought to the foreground: a wait with no bound. Ignored, the write just happens; the
    /// process is about to exit, so the changed disposition matters to nothing else.
    pub(super) fn ignore_sigttou() {
        // SAFETY: setting a signal to SIG_IGN installs no handler.
        unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
    }

    /// Opens for writing without ever waiting: O_NONBLOCK (a FIFO without a reader fails with
    /// ENXIO, and later writes never block), O_NOCTTY (a terminal never becomes ours).
    pub(super) fn open_nonblocking(path: &str) -> Option<OwnedFd> {
        let path = CString::new(path).ok()?;
        let flags =
            libc::O_WRONLY | libc::O_APPEND | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
        // SAFETY: a NUL-terminated path; the fd is owned on success.
        let fd = unsafe { libc::open(path.as_ptr(), flags) };
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Writes all of `message` with a non-blocking `write` on `fd`, waiting for room at most
    /// [`PATIENCE`] in all; false when it gives up or the write fails (EPIPE: no reader).
    pub(super) fn write_bounded(fd: &OwnedFd, message: &str) -> bool {
        bounded(fd, message.as_bytes(), |buf| {
            // SAFETY: writes from a live buffer of the given length.
            unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) }
        })
    }

    pub(super) fn bounded(
        fd: &OwnedFd,
        mut rest: &[u8],
        mut write: impl FnMut(&[u8]) -> isize,
    ) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while !rest.is_empty() {
            let n = write(rest);
            if n > 0 {
                rest = &rest[n as usize..];
                continue;
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) if n < 0 => continue,
                Some(libc::EAGAIN) if n < 0 => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    let mut pfd = libc::pollfd {
                        fd: fd.as_raw_fd(),
                        events: libc::POLLOUT,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    let ready = unsafe { libc::poll(&mut pfd, 1, left.as_millis() as libc::c_int) };
                    if ready < 0
                        && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR)
                    {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        true
    }
}

/// macOS: no `/proc`, no pidfd. Untested here (no macOS machine); kept small.
#[cfg(target_os = "macos")]
mod macos {
    use super::unix::{ignore_sigttou, open_nonblocking, write_bounded};

    /// The parent's executable through `proc_pidpath`.
    pub(super) fn parent_is_helm(ppid: u32) -> bool {
        let mut buf = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
        // SAFETY: the buffer is as long as the size passed; the result is the length written.
        let n = unsafe {
            libc::proc_pidpath(
                ppid as libc::c_int,
                buf.as_mut_ptr().cast(),
                buf.len() as u32,
            )
        };
        if n <= 0 {
            return false;
        }
        let path = String::from_utf8_lossy(&buf[..n as usize]);
        path.rsplit('/').next().is_some_and(super::says_helm)
    }

    /// The controlling terminal, unless our stderr is a terminal (then it is already there).
    pub(super) fn tell_helm(message: &str, _helm_writes_after: bool) -> bool {
        // SAFETY: isatty only inspects the descriptor.
        if unsafe { libc::isatty(2) } == 1 {
            return false;
        }
        ignore_sigttou();
        open_nonblocking("/dev/tty").is_some_and(|fd| write_bounded(&fd, message))
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::unix::{bounded, ignore_sigttou, open_nonblocking, write_bounded};
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    /// Writes to Helm's fd 2 (Helm being the parent, as the caller found). `helm_writes_after`:
    /// Helm will write to it again once we exit (its error line after a failure).
    pub(super) fn tell_helm(message: &str, helm_writes_after: bool) -> bool {
        let ppid = std::os::unix::process::parent_id();
        let ours = fstat(2);
        // Best: a duplicate of Helm's own fd 2 (pidfd_getfd). For a regular file it shares
        // Helm's offset, so Helm's own error line lands after ours (`2>log` without append).
        let dup = parent_stderr(ppid);
        let path = match &dup {
            Some(fd) => format!("/proc/self/fd/{}", fd.as_raw_fd()),
            None => format!("/proc/{ppid}/fd/2"),
        };
        let theirs = match &dup {
            Some(fd) => fstat(fd.as_raw_fd()),
            None => stat(&path), // stat never opens, so it cannot wait on a FIFO
        };
        // The controlling terminal is the last resort, unless our stderr is a terminal already.
        let tty = || {
            if ours.is_some_and(|o| o.is_char()) {
                return false;
            }
            ignore_sigttou();
            open_nonblocking("/dev/tty").is_some_and(|fd| write_bounded(&fd, message))
        };
        let Some(theirs) = theirs else {
            // Helm's stderr cannot be seen at all.
            return tty();
        };
        if theirs.is_dev_null() || ours.is_some_and(|o| o.same_place(&theirs)) {
            return false;
        }
        ignore_sigttou();
        match (theirs.kind(), dup) {
            (libc::S_IFREG, Some(fd)) => {
                std::io::Write::write_all(&mut std::fs::File::from(fd), message.as_bytes()).is_ok()
            }
            // A regular file without Helm's descriptor (no pidfd_getfd: Linux before 5.6, such as
            // RHEL 8's 4.18, or Yama's ptrace_scope 1 for a non-root user, Ubuntu's default).
            // Our own open file description ends where the file ends, but Helm's offset does not
            // move: whatever Helm writes next through it (its error line, or with `&>log` the
            // manifests) lands on our message. Only when nothing will: Helm appends (`2>>log`),
            // or after a success Helm's stdout is elsewhere. Else the terminal, or nothing.
            (libc::S_IFREG, None) => {
                let safe = helm_stderr_appends(ppid)
                    || (!helm_writes_after
                        && stat(&format!("/proc/{ppid}/fd/1"))
                            .is_none_or(|out| !out.same_place(&theirs)));
                if safe {
                    open_nonblocking(&path).is_some_and(|fd| write_bounded(&fd, message))
                } else {
                    tty()
                }
            }
            (libc::S_IFSOCK, Some(fd)) => send_bounded(&fd, message),
            // Pipes, FIFOs and terminals: a fresh open file description of our own, so that
            // O_NONBLOCK does not change Helm's (or the shell's) descriptor. Opening a FIFO
            // without a reader fails at once (ENXIO) instead of waiting for one.
            _ => open_nonblocking(&path).is_some_and(|fd| write_bounded(&fd, message)),
        }
    }

    /// Whether Helm's fd 2 was opened for appending (`flags:` in `/proc/PID/fdinfo/2`, octal).
    fn helm_stderr_appends(ppid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{ppid}/fdinfo/2"))
            .ok()
            .and_then(|info| {
                let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
                i64::from_str_radix(flags.trim(), 8).ok()
            })
            .is_some_and(|flags| flags & i64::from(libc::O_APPEND) != 0)
    }

    /// Whether the parent process's executable or command name says `helm`.
    pub(super) fn parent_is_helm(ppid: u32) -> bool {
        let helm = super::says_helm;
        let exe = std::fs::read_link(format!("/proc/{ppid}/exe"))
            .ok()
            .and_then(|p| p.file_name().map(|n| helm(&n.to_string_lossy())));
        exe.unwrap_or(false)
            || std::fs::read_to_string(format!("/proc/{ppid}/comm")).is_ok_and(|c| helm(c.trim()))
    }

    /// Helm's fd 2, duplicated into this process. Needs ptrace access to the parent (root, or a
    /// kernel without Yama restrictions); `None` otherwise.
    fn parent_stderr(ppid: u32) -> Option<OwnedFd> {
        // SAFETY: plain syscalls on integers; the returned fd is owned by the OwnedFd on
        // success and the pidfd is closed on every path.
        unsafe {
            let pidfd = libc::syscall(libc::SYS_pidfd_open, ppid as libc::c_long, 0);
            if pidfd < 0 {
                return None;
            }
            let fd = libc::syscall(libc::SYS_pidfd_getfd, pidfd, 2, 0);
            libc::close(pidfd as libc::c_int);
            (fd >= 0).then(|| OwnedFd::from_raw_fd(fd as RawFd))
        }
    }

    /// The identity of an open file: enough to tell whether two descriptors reach one place.
    #[derive(Clone, Copy)]
    struct Identity {
        dev: libc::dev_t,
        ino: libc::ino_t,
        mode: libc::mode_t,
        rdev: libc::dev_t,
    }

    impl Identity {
        fn from(st: &libc::stat) -> Identity {
            Identity {
                dev: st.st_dev,
                ino: st.st_ino,
                mode: st.st_mode,
                rdev: st.st_rdev,
            }
        }
        fn kind(&self) -> libc::mode_t {
            self.mode & libc::S_IFMT
        }
        fn is_char(&self) -> bool {
            self.kind() == libc::S_IFCHR
        }
        fn is_dev_null(&self) -> bool {
            self.is_char() && self.rdev == libc::makedev(1, 3)
        }
        /// Same inode, or the same character device under two names (a terminal seen through
        /// `/dev/pts/N` and through `/dev/tty`, which is whichever terminal controls us).
        fn same_place(&self, other: &Identity) -> bool {
            if self.dev == other.dev && self.ino == other.ino {
                return true;
            }
            if self.is_char() && other.is_char() {
                let controlling = libc::makedev(5, 0);
                return self.rdev == other.rdev
                    || self.rdev == controlling
                    || other.rdev == controlling;
            }
            false
        }
    }

    fn fstat(fd: RawFd) -> Option<Identity> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: fstat writes a full `stat` on success; it is read only then.
        (unsafe { libc::fstat(fd, st.as_mut_ptr()) } == 0)
            .then(|| Identity::from(unsafe { &st.assume_init() }))
    }

    fn stat(path: &str) -> Option<Identity> {
        let path = CString::new(path).ok()?;
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: as in `fstat`, with a NUL-terminated path.
        (unsafe { libc::stat(path.as_ptr(), st.as_mut_ptr()) } == 0)
            .then(|| Identity::from(unsafe { &st.assume_init() }))
    }

    /// As [`write_bounded`](super::unix::write_bounded) for a socket, where `MSG_DONTWAIT` makes one send non-blocking
    /// without changing the descriptor Helm shares.
    fn send_bounded(fd: &OwnedFd, message: &str) -> bool {
        bounded(fd, message.as_bytes(), |buf| {
            // SAFETY: sends from a live buffer of the given length.
            unsafe {
                libc::send(
                    fd.as_raw_fd(),
                    buf.as_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                )
            }
        })
    }
}
