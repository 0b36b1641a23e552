//! Reading the command's inputs (the manifests, the policy) without ever hanging or running
//! out of memory: a FIFO nobody writes is opened without waiting (it reads as empty), and a
//! file larger than a limit — `/dev/zero`, a mistaken disk image — is refused once the limit
//! is passed instead of being read whole. Nor does stdin on a terminal wait for typing: it is
//! refused at once, since what reaches it is never a rendered chart (`docker run -t` without
//! `-i` gives the container a terminal nobody writes to).

use anyhow::{bail, Context as _, Result};
use std::io::Read;
use std::path::Path;

/// Largest manifest stream read (a rendered release is a few megabytes).
pub const MAX_INPUT: u64 = 512 * 1024 * 1024;
/// Largest policy file read.
pub const MAX_POLICY: u64 = 16 * 1024 * 1024;

/// Opens `path` without ever waiting: opening a FIFO blocks until its other end is opened, so
/// the open is non-blocking (a FIFO nobody writes reads as empty; one nobody reads fails at
/// once), and the file is made blocking again for the reads or writes that follow.
pub fn open(path: &Path, options: &mut std::fs::OpenOptions) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as std::ffi::c_int);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
        if let Ok(flags) = fcntl_getfl(&file) {
            let _ = fcntl_setfl(&file, flags - OFlags::NONBLOCK);
        }
    }
    Ok(file)
}

/// Reads all of `reader`, refusing more than `limit` bytes.
fn read_limited(reader: impl Read, limit: u64, shown: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {shown}"))?;
    if buf.len() as u64 > limit {
        bail!("{shown} is larger than {limit} bytes; is it the right file?");
    }
    Ok(buf)
}

/// Reads a file (`None` or `-`: stdin) of at most `limit` bytes.
pub fn read(path: Option<&Path>, limit: u64) -> Result<Vec<u8>> {
    match path.filter(|p| *p != Path::new("-")) {
        None => {
            let stdin = std::io::stdin();
            if std::io::IsTerminal::is_terminal(&stdin) {
                bail!(
                    "stdin is a terminal, not manifests: pipe them in (`helm template … | clearml-sso check`; \
                     with a container image, `docker run -i … < rendered.yaml`) or name a file"
                );
            }
            read_limited(stdin.lock(), limit, "stdin")
        }
        Some(p) => {
            let shown = p.display().to_string();
            let file = open(p, std::fs::OpenOptions::new().read(true))
                .with_context(|| format!("cannot read {shown}"))?;
            read_limited(file, limit, &shown)
        }
    }
}
