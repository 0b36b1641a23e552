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
