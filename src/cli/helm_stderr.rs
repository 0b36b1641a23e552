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
//! it is lost, and docs/helm.md points to `--report`. Elsewhere nothing extra is written.
//!
//! The system calls go through `rustix` (no `unsafe` here); the two it lacks — ignoring
//! SIGTTOU, and macOS's `proc_pidpath` — are in [`super::sys`].

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

/// Whether Helm (3 or 4) runs this process, as far as can be told.
pub fn under_helm() -> bool {
    parent_helm().is_some()
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
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    use std::os::fd::OwnedFd;
    use std::time::{Duration, Instant};

    /// How long a write may wait for a full pipe or a stopped terminal before giving up.
    const PATIENCE: Duration = Duration::from_millis(1000);

    /// Opens for writing without ever waiting: O_NONBLOCK (a FIFO without a reader fails with
    /// ENXIO, and later writes never block), O_NOCTTY (a terminal never becomes ours).
    pub(super) fn open_nonblocking(path: &str) -> Option<OwnedFd> {
        let flags =
            OFlags::WRONLY | OFlags::APPEND | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        rustix::fs::open(path, flags, Mode::empty()).ok()
    }

    /// Writes all of `message` with a non-blocking `write` on `fd`, waiting for room at most
    /// [`PATIENCE`] in all; false when it gives up or the write fails (EPIPE: no reader).
    pub(super) fn write_bounded(fd: &OwnedFd, message: &str) -> bool {
        bounded(fd, message.as_bytes(), |buf| rustix::io::write(fd, buf))
    }

    pub(super) fn bounded(
        fd: &OwnedFd,
        mut rest: &[u8],
        mut write: impl FnMut(&[u8]) -> rustix::io::Result<usize>,
    ) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while !rest.is_empty() {
            match write(rest) {
                Ok(0) => return false,
                Ok(n) => rest = &rest[n..],
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    let Ok(timeout) = Timespec::try_from(left) else {
                        return false;
                    };
                    let mut fds = [PollFd::new(fd, PollFlags::OUT)];
                    match poll(&mut fds, Some(&timeout)) {
                        Ok(_) | Err(Errno::INTR) => {}
                        Err(_) => return false,
                    }
                }
                Err(_) => return false,
            }
        }
        true
    }
}

/// macOS: no `/proc`, no pidfd. Untested here (no macOS machine); kept small.
#[cfg(target_os = "macos")]
mod macos {
    use super::super::sys;
    use super::unix::{open_nonblocking, write_bounded};
    use std::io::IsTerminal as _;

    /// The parent's executable through `proc_pidpath`.
    pub(super) fn parent_is_helm(ppid: u32) -> bool {
        sys::process_path(ppid)
            .is_some_and(|path| path.rsplit('/').next().is_some_and(super::says_helm))
    }

    /// The controlling terminal, unless our stderr is a terminal (then it is already there).
    pub(super) fn tell_helm(message: &str, _helm_writes_after: bool) -> bool {
        if std::io::stderr().is_terminal() {
            return false;
        }
        sys::ignore_sigttou();
        open_nonblocking("/dev/tty").is_some_and(|fd| write_bounded(&fd, message))
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::super::sys::ignore_sigttou;
    use super::unix::{bounded, open_nonblocking, write_bounded};
    use rustix::fs::{makedev, Dev, FileType, OFlags, Stat};
    use rustix::net::SendFlags;
    use rustix::process::{Pid, PidfdFlags, PidfdGetfdFlags};
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};

    /// Writes to Helm's fd 2 (Helm being the parent, as the caller found). `helm_writes_after`:
    /// Helm will write to it again once we exit (its error line after a failure).
    pub(super) fn tell_helm(message: &str, helm_writes_after: bool) -> bool {
        let ppid = std::os::unix::process::parent_id();
        let ours = fstat(std::io::stderr());
        // Best: a duplicate of Helm's own fd 2 (pidfd_getfd). For a regular file it shares
        // Helm's offset, so Helm's own error line lands after ours (`2>log` without append).
        let dup = parent_stderr(ppid);
        let path = match &dup {
            Some(fd) => format!("/proc/self/fd/{}", fd.as_raw_fd()),
            None => format!("/proc/{ppid}/fd/2"),
        };
        let theirs = match &dup {
            Some(fd) => fstat(fd),
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
        match (theirs.kind, dup) {
            (FileType::RegularFile, Some(fd)) => {
                std::io::Write::write_all(&mut std::fs::File::from(fd), message.as_bytes()).is_ok()
            }
            // A regular file without Helm's descriptor (no pidfd_getfd: Linux before 5.6, such as
            // RHEL 8's 4.18, or Yama's ptrace_scope 1 for a non-root user, Ubuntu's default).
            // Our own open file description ends where the file ends, but Helm's offset does not
            // move: whatever Helm writes next through it (its error line, or with `&>log` the
            // manifests) lands on our message. Only when nothing will: Helm appends (`2>>log`),
            // or after a success Helm's stdout is elsewhere. Else the terminal, or nothing.
            (FileType::RegularFile, None) => {
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
            (FileType::Socket, Some(fd)) => send_bounded(&fd, message),
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
            .is_some_and(|flags| flags & i64::from(OFlags::APPEND.bits()) != 0)
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
    /// kernel without Yama restrictions); `None` otherwise. The pidfd is closed when dropped.
    fn parent_stderr(ppid: u32) -> Option<OwnedFd> {
        let pid = Pid::from_raw(i32::try_from(ppid).ok()?)?;
        let pidfd = rustix::process::pidfd_open(pid, PidfdFlags::empty()).ok()?;
        rustix::process::pidfd_getfd(&pidfd, 2, PidfdGetfdFlags::empty()).ok()
    }

    /// The identity of an open file: enough to tell whether two descriptors reach one place.
    #[derive(Clone, Copy)]
    struct Identity {
        dev: Dev,
        ino: u64,
        kind: FileType,
        rdev: Dev,
    }

    impl Identity {
        fn from(st: &Stat) -> Identity {
            Identity {
                dev: st.st_dev,
                ino: st.st_ino,
                kind: FileType::from_raw_mode(st.st_mode),
                rdev: st.st_rdev,
            }
        }
        fn is_char(&self) -> bool {
            self.kind == FileType::CharacterDevice
        }
        fn is_dev_null(&self) -> bool {
            self.is_char() && self.rdev == makedev(1, 3)
        }
        /// Same inode, or the same character device under two names (a terminal seen through
        /// `/dev/pts/N` and through `/dev/tty`, which is whichever terminal controls us).
        fn same_place(&self, other: &Identity) -> bool {
            if self.dev == other.dev && self.ino == other.ino {
                return true;
            }
            if self.is_char() && other.is_char() {
                let controlling = makedev(5, 0);
                return self.rdev == other.rdev
                    || self.rdev == controlling
                    || other.rdev == controlling;
            }
            false
        }
    }

    fn fstat(fd: impl AsFd) -> Option<Identity> {
        rustix::fs::fstat(fd).ok().map(|st| Identity::from(&st))
    }

    fn stat(path: &str) -> Option<Identity> {
        rustix::fs::stat(path).ok().map(|st| Identity::from(&st))
    }

    /// As [`write_bounded`](super::unix::write_bounded) for a socket, where `MSG_DONTWAIT` makes one send non-blocking
    /// without changing the descriptor Helm shares.
    fn send_bounded(fd: &OwnedFd, message: &str) -> bool {
        bounded(fd, message.as_bytes(), |buf| {
            rustix::net::send(fd, buf, SendFlags::DONTWAIT | SendFlags::NOSIGNAL)
        })
    }
}
