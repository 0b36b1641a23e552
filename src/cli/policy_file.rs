//! Which policy file a command reads, and reading it.

use super::exit::{self, Stop};
use anyhow::{bail, Result};
use clearml_sso::policy::{self, Policy};
use clearml_sso::report::{self, Finding, Spot};
use std::path::{Path, PathBuf};

/// Environment variable naming the policy file when `--policy` is not given.
pub const POLICY_ENV: &str = "CLEARML_SSO_POLICY";
/// Policy file looked for in the working directory last.
pub const POLICY_DEFAULT: &str = "clearml-sso.toml";

/// Where the policy path came from, so an error can say which of the three to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Flag,
    Env,
    WorkingDirectory,
}

/// Finds the policy file: `--policy`, then `$CLEARML_SSO_POLICY`, then `./clearml-sso.toml`.
pub fn find(flag: Option<&Path>) -> Result<PathBuf> {
    locate(flag).map(|(path, _)| path)
}

fn locate(flag: Option<&Path>) -> Result<(PathBuf, Origin)> {
    if let Some(p) = flag {
        return Ok((p.to_path_buf(), Origin::Flag));
    }
    if let Some(p) = std::env::var_os(POLICY_ENV).filter(|p| !p.is_empty()) {
        return Ok((PathBuf::from(p), Origin::Env));
    }
    let default = PathBuf::from(POLICY_DEFAULT);
    if default.is_file() {
        return Ok((default, Origin::WorkingDirectory));
    }
    bail!(
        "no policy file: pass --policy FILE, set ${POLICY_ENV}, or create ./{POLICY_DEFAULT} (`clearml-sso init PROVIDER` prints a starter; `clearml-sso init --help` lists the providers)"
    )
}

/// Finds, reads and parses the policy; errors name the file (and the line, from the parser),
/// and, when the path came from `$CLEARML_SSO_POLICY`, that variable (a stale export in a
/// shell or CI job is otherwise hard to see); each problem is also a `policy-error` finding at its `FILE:LINE:COLUMN`. What the parser
/// normalised (`FILE:LINE:COLUMN: note: …`) goes to stderr unless `quiet`; its warnings are
/// findings of the render (`explain` and `values` print them themselves).
pub fn load(flag: Option<&Path>, quiet: bool) -> Result<Policy, Stop> {
    load_with(flag, quiet, policy::parse)
}

/// [`load`] for `explain`, which reads a policy still being written: its placeholders load as
/// to-do items (`Policy::placeholders`) rather than errors; every other problem still stops it.
pub fn load_draft(flag: Option<&Path>) -> Result<Policy, Stop> {
    load_with(flag, false, policy::parse_draft)
}

fn load_with(
    flag: Option<&Path>,
    quiet: bool,
    parse: fn(&str, &str) -> Result<Policy, policy::PolicyError>,
) -> Result<Policy, Stop> {
    let (path, origin) = locate(flag).map_err(|e| Stop::usage(format!("clearml-sso: {e:#}")))?;
    let shown = path.display().to_string();
    let in_file = |message: String| Stop::in_file(exit::USAGE, message, &shown);
    let bytes = super::files::read(Some(&path), super::files::MAX_POLICY).map_err(|e| {
        if origin == Origin::Env {
            in_file(format!(
                "clearml-sso: {shown}: cannot read the policy file named by ${POLICY_ENV}: {e:#} (pass --policy FILE, or fix or unset ${POLICY_ENV})"
            ))
        } else {
            in_file(format!(
                "clearml-sso: {shown}: cannot read the policy file: {e:#}"
            ))
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        in_file(format!(
            "clearml-sso: {shown}: the policy file is not UTF-8"
        ))
    })?;
    let policy = parse(&text, &shown).map_err(|e| Stop {
        code: exit::USAGE,
        message: format!("clearml-sso: {e}"),
        findings: e
            .problems
            .iter()
            .map(|p| {
                let f = Finding::new(report::POLICY_ERROR, p.message.clone()).in_file(Spot {
                    path: e.source.clone(),
                    line: p.line,
                    column: p.column,
                });
                match &p.help {
                    Some(help) => f.help(help.clone()),
                    None => f,
                }
            })
            .collect(),
    })?;
    if !quiet {
        eprint!(
            "{}",
            super::colour::findings(&policy.notes_text(), super::colour::stderr())
        );
    }
    Ok(policy)
}
