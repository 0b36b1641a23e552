//! Which policy file a command reads, and reading it.

use anyhow::{bail, Context as _, Result};
use clearml_sso::policy::{self, Policy};
use std::path::{Path, PathBuf};

/// Environment variable naming the policy file when `--policy` is not given.
pub const POLICY_ENV: &str = "CLEARML_SSO_POLICY";
/// Policy file looked for in the working directory last.
pub const POLICY_DEFAULT: &str = "clearml-sso.toml";

/// Finds the policy file: `--policy`, then `$CLEARML_SSO_POLICY`, then `./clearml-sso.toml`.
pub fn find(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(POLICY_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let default = PathBuf::from(POLICY_DEFAULT);
    if default.is_file() {
        return Ok(default);
    }
    bail!(
        "no policy file: pass --policy FILE, set ${POLICY_ENV}, or create ./{POLICY_DEFAULT} (`clearml-sso init PROVIDER` prints a starter; `clearml-sso init --help` lists the providers)"
    )
}

/// Finds, reads and parses the policy; errors name the file (and the line, from the parser).
/// What the parser normalised (`FILE:LINE:COLUMN: note: …`) goes to stderr unless `quiet`.
pub fn load(flag: Option<&Path>, quiet: bool) -> Result<Policy> {
    let path = find(flag)?;
    let shown = path.display().to_string();
    let bytes = super::files::read(Some(&path), super::files::MAX_POLICY)
        .with_context(|| format!("{shown}: cannot read the policy file"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{shown}: the policy file is not UTF-8"))?;
    let policy = policy::parse(&text, &shown)?;
    if !quiet {
        eprint!("{}", policy.notes_text());
    }
    Ok(policy)
}
