//! The `--report FILE` contract: the JSON report goes to a file of its own, never into stdout.

use anyhow::{Context as _, Result};
use clearml_sso::report;
use std::path::{Path, PathBuf};

/// Writes the JSON report of `findings` to `path`, when `--report` was given.
pub fn write(
    path: Option<&Path>,
    findings: &[report::Finding],
    style: &report::Style,
) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    open(path)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, (report::json(findings, style) + "\n").as_bytes())
        })
        .with_context(|| format!("cannot write the report {}", path.display()))
}

/// Opens the report file for writing without waiting on a FIFO nobody reads.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    super::files::open(
        path,
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true),
    )
}

/// Names of this process's standard output, whatever it is connected to.
fn names_stdout(path: &Path) -> bool {
    // `components` folds `//` and `/./`, so `/dev//stdout` is caught too.
    let path: PathBuf = path.components().collect();
    let pid = format!("/proc/{}/fd/1", std::process::id());
    [
        "/dev/stdout",
        "/dev/fd/1",
        "/proc/self/fd/1",
        "/proc/thread-self/fd/1",
        pid.as_str(),
    ]
    .iter()
    .any(|n| path == Path::new(n))
}

/// Refuses a `--report` path that is the command's standard output: the JSON would be mixed
/// into the manifests (or the `check` output), and printed even when the command fails.
/// Caught by name (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`, …) and by identity: any path
/// that is the same file as fd 1 (`--report out.yaml > out.yaml`, a symlink to the terminal).
/// One exception: when stdout is `/dev/null`, a report to `/dev/null` by that name mixes
/// nothing into anything, so it is allowed; the fd-1 names are refused whatever stdout is.
pub fn check_path(path: Option<&Path>, inputs: &[Option<PathBuf>]) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    // Writing the report over the manifests or the policy it is about would lose them.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(report) = std::fs::metadata(path) {
            for input in inputs.iter().flatten() {
                if std::fs::metadata(input)
                    .is_ok_and(|i| i.dev() == report.dev() && i.ino() == report.ino())
                {
                    anyhow::bail!(
                        "--report {}: that is the command's input ({}); give another file for the report",
                        path.display(),
                        input.display()
                    );
                }
            }
        }
    }
    let refuse = || {
        anyhow::anyhow!(
            "--report {}: that is this command's standard output, which carries only the \
             command's output; give a file for the report",
            path.display()
        )
    };
    if names_stdout(path) || same_file_as_stdout(path) {
        return Err(refuse());
    }
    Ok(())
}

/// Whether `path` is the very file fd 1 writes to (`cmd FILE > FILE`, a symlink to it), other
/// than `/dev/null`.
pub fn same_file_as_stdout(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let stdout = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| std::fs::File::from(fd).metadata());
        if let (Ok(out), Ok(file)) = (stdout, std::fs::metadata(path)) {
            // /dev/null's device number differs between systems (1,3 on Linux, 3,2 on macOS).
            let dev_null = out.file_type().is_char_device()
                && std::fs::metadata("/dev/null").is_ok_and(|n| n.rdev() == out.rdev());
            return out.dev() == file.dev() && out.ino() == file.ino() && !dev_null;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    false
}
