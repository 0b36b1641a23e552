//! Lexical path cleaning, as Go's `filepath.Clean` (the kubelet, the container runtime) and
//! Python's `pathlib`/`os.path.normpath` (ClearML's loader) agree on it. Text only: it never
//! touches a file system and knows nothing of Kubernetes or ClearML.

/// A path as the kubelet and the container runtime (Go's `filepath.Clean`) and Python's
/// `pathlib` read it: no empty or `.` parts, `..` taken lexically, no trailing `/` (so
/// `/opt/clearml//config/` and `/opt/clearml/./config` are `/opt/clearml/config`). The root is `""`.
pub fn clean_path(path: &str) -> String {
    // Most paths are clean already (`/opt/clearml/config`): themselves, without splitting and
    // joining them again.
    // Split by bytes (`/` is ASCII, never inside a character): a `char` pattern's searcher per
    // part cost more than the parts.
    let rest = path.strip_prefix('/').unwrap_or(path);
    if !rest.is_empty()
        && rest
            .as_bytes()
            .split(|&b| b == b'/')
            .all(|p| !p.is_empty() && p != b"." && p != b"..")
    {
        return path.to_string();
    }
    split_and_join(path)
}

/// [`clean_path`] of any path, by its parts.
fn split_and_join(path: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_path_is_itself_and_every_path_cleans_as_by_its_parts() {
        let parts = ["", ".", "..", "a", "bc", "..a", ".b"];
        let mut paths = vec![String::new(), "/".to_string()];
        for a in parts {
            for b in parts {
                for c in parts {
                    let rel = format!("{a}/{b}/{c}");
                    paths.push(format!("/{rel}"));
                    paths.push(rel);
                    paths.push(format!("{a}/{b}"));
                    paths.push(format!("/{a}"));
                    paths.push(a.to_string());
                }
            }
        }
        for p in &paths {
            assert_eq!(clean_path(p), split_and_join(p), "{p:?}");
        }
        assert_eq!(clean_path("/opt/clearml/config"), "/opt/clearml/config");
        assert_eq!(clean_path("/opt/clearml//config/"), "/opt/clearml/config");
        assert_eq!(clean_path("/opt/./x/../y"), "/opt/y");
        assert_eq!(clean_path("/"), "");
    }
}
