//! Getting a failure in front of the user under Helm 4, which discards a plugin's stderr.
//!
//! Helm 4 runs a `postrenderer/v1` plugin with its stderr captured and then dropped; the user
//! sees only "plugin exited with error". Helm is the plugin's parent process, so the reason is
//! also written to Helm's own standard error (`/proc/<ppid>/fd/2`): the terminal or CI log the
//! user is reading. Under Helm 3 (or run by hand) our stderr already reaches the user and
//! nothing extra is written. Measured behaviour: `shared/reference/helm-post-renderers.md`.

use std::io::Write;

/// Whether this process was started by Helm as a plugin (Helm sets these for plugins).
pub fn running_as_helm_plugin() -> bool {
    std::env::var_os("HELM_PLUGIN_NAME").is_some() || std::env::var_os("HELM_PLUGIN_DIR").is_some()
}

#[cfg(target_os = "linux")]
fn same_file(a: &str, b: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Writes `message` where the user of Helm 4 will see it. Returns whether it was written
/// somewhere besides our own stderr.
pub fn tell_user(message: &str) -> bool {
    if !running_as_helm_plugin() {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        let parent = format!("/proc/{}/fd/2", std::os::unix::process::parent_id());
        if same_file(&parent, "/proc/self/fd/2") {
            return false; // our stderr is already Helm's
        }
        // Best: a duplicate of Helm's own fd 2 (pidfd_getfd), which shares Helm's file offset,
        // so Helm's own error line lands after ours even when stderr is a file (`2>log`).
        if let Some(mut f) = parent_stderr() {
            if f.write_all(message.as_bytes()).is_ok() {
                return true;
            }
        }
        // Else reopen it by path: right for terminals and pipes (CI logs).
        let mut open = std::fs::OpenOptions::new();
        open.append(true);
        for target in [parent.as_str(), "/dev/tty"] {
            if let Ok(mut f) = open.open(target) {
                if f.write_all(message.as_bytes()).is_ok() {
                    return true;
                }
            }
        }
    }
    false
}

/// Helm's fd 2, duplicated into this process. Needs ptrace access to the parent (root, or a
/// kernel without Yama restrictions); `None` otherwise.
#[cfg(target_os = "linux")]
fn parent_stderr() -> Option<std::fs::File> {
    use std::os::fd::FromRawFd;
    let ppid = std::os::unix::process::parent_id() as libc::c_long;
    // SAFETY: plain syscalls on integers; the returned fd is owned by the File on success
    // and the pidfd is closed on every path.
    unsafe {
        let pidfd = libc::syscall(libc::SYS_pidfd_open, ppid, 0);
        if pidfd < 0 {
            return None;
        }
        let fd = libc::syscall(libc::SYS_pidfd_getfd, pidfd, 2, 0);
        libc::close(pidfd as libc::c_int);
        (fd >= 0).then(|| std::fs::File::from_raw_fd(fd as libc::c_int))
    }
}
