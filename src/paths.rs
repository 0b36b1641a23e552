//! Lexical path cleaning, as Go's `filepath.Clean` (the kubelet, the container runtime) and
//! Python's `pathlib`/`os.path.normpath` (ClearML's loader) agree on it. Text only: it never
//! touches a file system and knows nothing of Kubernetes or ClearML.

/// A path as the kubelet and the container runtime (Go's `filepath.Clean`) and Python's
/// `pathlib` read it: no empty or `.` parts, `..` taken lexically, no trailing `/` (so
/// `/opt/clearml//config/` and `/opt/clearml/./config` are `/opt/clearml/config`). The root is `""`.
pub fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        if joined.is_empty() {
            String::new()
        } else {
            format!("/{joined}")
        }
    } else {
        joined
    }
}

/// `path` is `dir` or inside it (both [`clean_path`]ed; `""` is the root).
pub fn is_under(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}
