//! The command line's grammar (clap). Value lists come from the library's tables — report
//! formats from `report::Format::ALL`, provider keys from `catalogue::PROVIDERS` — so a new
//! format or provider needs no edit here, and help offers only what the library accepts.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use clearml_sso::{catalogue, report};
use std::ffi::OsStr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "clearml-sso",
    version,
    about = "Helm post-renderer that makes the SSO settings of a ClearML apiserver match a policy",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Colour the findings and the diff: auto (on a terminal, unless NO_COLOR is set), always
    /// or never. Manifests, values, starters and machine formats are never coloured.
    // A valid WHEN is taken out of the arguments before clap parses them ([`take_color`]), so
    // this stays `auto`: it is declared for --help, the man page, the completions, and for clap
    // to refuse an invalid WHEN.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: super::colour::When,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read manifests, write them with the SSO settings corrected (the default command).
    Render(RenderArgs),
    /// CI mode: print the findings (in --format, on every exit), never the manifests; exit 1 on any error.
    Check(CheckArgs),
    /// Show, as a unified diff, what `render` would change (secret values redacted).
    Diff(DiffArgs),
    /// Show the env variables the policy produces and the identity-provider checklist.
    Explain(PolicyArgs),
    /// Print the policy's settings as `apiserver.extraEnvs` for a values file given after yours.
    ///
    /// Helm replaces a list given again, so this list replaces your own `apiserver.extraEnvs`;
    /// with --merge-with YOUR-VALUES it is the whole list: your entries the policy does not
    /// set, in order, then the policy's.
    Values(ValuesArgs),
    /// Print a commented starter policy for one or more providers.
    Init(InitArgs),
    /// Print the shell completion script for SHELL on stdout.
    ///
    /// bash: `source <(clearml-sso completions bash)`, or save it as
    /// ~/.local/share/bash-completion/completions/clearml-sso. zsh: save it as `_clearml-sso` in
    /// a directory of $fpath. fish: save it as ~/.config/fish/completions/clearml-sso.fish.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout; the release ships it as clearml-sso.1.
    #[command(hide = true)]
    Man,
}

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Provider keys, as in `[providers.KEY]` of a policy; several share one policy.
    #[arg(value_parser = ProviderKey, required = true, num_args = 1.., value_name = "PROVIDER")]
    pub providers: Vec<String>,
    /// Write the policy to FILE instead of stdout (`-`: stdout); an existing FILE is kept
    /// unless --force.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing --output FILE.
    #[arg(long, requires = "output")]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_parser = format_parser(), default_value = report::Format::Text.name())]
    pub format: report::Format,
    /// Also fail (exit 1) when `render` would change anything: for manifests applied without
    /// the post-renderer (`helm template` output in GitOps, `clearml-sso values`).
    #[arg(long)]
    pub strict: bool,
    /// Every warning is an error, as with `[enforce] warnings = "deny"` in the policy.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also write the findings as a JSON report to FILE (written on every exit).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Path of the chart's parent directory in your repository, put before template paths
    /// (`clearml/templates/…`) in github, gitlab and sarif output, so findings attach to your files.
    #[arg(long, value_name = "DIR")]
    pub chart_root: Option<String>,
    /// Manifests to read; stdin when absent or `-`.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ValuesArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Your own Helm values file: print the whole `apiserver.extraEnvs` list (its entries the
    /// policy does not set, in order, then the policy's), since Helm replaces a list given again.
    #[arg(long, value_name = "FILE")]
    pub merge_with: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct RenderArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Also write the findings as a JSON report to FILE (written on every exit, failures included).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Every warning is an error (exit 1, nothing written), as with `[enforce] warnings =
    /// "deny"` in the policy.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print nothing on stderr when the render succeeds: no findings, and under Helm no
    /// summary. Failures are always shown.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Manifests to read; stdin when absent or `-`.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    #[command(flatten)]
    pub render: RenderArgs,
    /// Exit 1 when `render` would change anything, 0 when not (as `git diff --exit-code`).
    /// A refused render exits 1 too, with nothing on stdout and the reason on stderr.
    #[arg(long)]
    pub exit_code: bool,
}

/// GitLab calls the report `--format gitlab` feeds "Code Quality": those names are accepted too
/// (clap hands the alias through as typed).
const GITLAB_ALIASES: [&str; 2] = ["codequality", "code-quality"];

/// `--format NAME`: the names of `report::Format::ALL`, each with its line of help.
fn format_parser() -> impl TypedValueParser<Value = report::Format> {
    PossibleValuesParser::new(report::Format::ALL.iter().map(|&(name, _, about)| {
        let value = PossibleValue::new(name).help(about);
        if name == "gitlab" {
            value.aliases(GITLAB_ALIASES)
        } else {
            value
        }
    }))
    .map(|name| {
        let name = if GITLAB_ALIASES.contains(&name.as_str()) {
            "gitlab"
        } else {
            &name
        };
        report::Format::from_name(name).expect("only the table's names and aliases are accepted")
    })
}

/// `init PROVIDER…`: help lists the catalogue's keys. Any text is let through: `explain::init`
/// rejects an unknown key with a "did you mean" from the same catalogue (and exit code 2,
/// like a clap error).
#[derive(Clone)]
struct ProviderKey;

impl TypedValueParser for ProviderKey {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            catalogue::PROVIDERS
                .iter()
                .map(|p| PossibleValue::new(p.key).help(p.title)),
        ))
    }
}

/// What can still be read from a command line clap refused (exit 2), so that the error reaches
/// `--report` and `check --format` like any other: whether the command is `check`, a valid
/// `--format`, the `--report` path, and every other argument (each may name an input, which
/// the report must never overwrite).
#[derive(Debug, Default)]
pub struct Salvaged {
    /// The command is `check`.
    pub check: bool,
    /// `--format NAME`, when NAME is a format.
    pub format: Option<report::Format>,
    /// `--report FILE`.
    pub report: Option<PathBuf>,
    /// Every other argument, as a path.
    pub others: Vec<PathBuf>,
}

/// Reads [`Salvaged`] from the raw arguments (without the program name): `--flag VALUE` and
/// `--flag=VALUE`, the last one winning, as clap would have it.
pub fn salvage(raw: &[std::ffi::OsString]) -> Salvaged {
    let mut out = Salvaged {
        check: raw.first().is_some_and(|a| a == "check"),
        ..Salvaged::default()
    };
    let mut args = raw.iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (text.to_string(), None),
        };
        let mut value = || match &inline {
            Some(v) => Some(std::ffi::OsString::from(v)),
            None => args.next().cloned(),
        };
        match flag.as_str() {
            "--report" => out.report = value().map(PathBuf::from),
            "--format" => {
                out.format = value().and_then(|v| report::Format::from_name(&v.to_string_lossy()))
            }
            _ => out
                .others
                .push(PathBuf::from(inline.map_or(arg.clone(), Into::into))),
        }
    }
    out
}

/// Takes every valid `--color WHEN` (or `--color=WHEN`) out of the raw arguments (without the
/// program name), up to a `--`; returns the last WHEN and the arguments left for clap.
///
/// Read before clap parses, for two reasons: clap's own help and errors then follow it too
/// (clap colours through anstream, which reads the same global choice), and it may come before
/// a subcommand (`clearml-sso --color never check`), which clap would refuse since any
/// top-level argument conflicts with subcommands (the top level is `render`'s). An invalid
/// WHEN is left in place, for clap to refuse with the valid ones.
pub fn take_color(
    raw: Vec<std::ffi::OsString>,
) -> (Option<super::colour::When>, Vec<std::ffi::OsString>) {
    use clap::ValueEnum as _;
    let when = |v: &std::ffi::OsStr| {
        v.to_str()
            .and_then(|v| super::colour::When::from_str(v, false).ok())
    };
    let mut found = None;
    let mut rest = Vec::with_capacity(raw.len());
    let mut raw = raw.into_iter().peekable();
    while let Some(arg) = raw.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(raw);
            break;
        }
        if arg == "--color" {
            if let Some(w) = raw.peek().and_then(|v| when(v)) {
                found = Some(w);
                raw.next();
                continue;
            }
        } else if let Some(w) = arg
            .to_str()
            .and_then(|a| a.strip_prefix("--color="))
            .and_then(|v| when(v.as_ref()))
        {
            found = Some(w);
            continue;
        }
        rest.push(arg);
    }
    (found, rest)
}

#[cfg(test)]
mod tests {
    use super::super::colour::When;
    use super::take_color;

    fn take(args: &[&str]) -> (Option<When>, Vec<String>) {
        let (when, rest) = take_color(args.iter().map(Into::into).collect());
        let rest = rest.into_iter().map(|a| a.into_string().unwrap()).collect();
        (when, rest)
    }

    #[test]
    fn color_is_taken_anywhere_before_a_double_dash_and_the_last_wins() {
        assert_eq!(
            take(&["--color", "never", "check", "--color=always", "in.yaml"]),
            (Some(When::Always), vec!["check".into(), "in.yaml".into()])
        );
        // An invalid WHEN stays for clap to refuse; after `--` nothing is taken.
        assert_eq!(
            take(&["--color", "blue", "--", "--color=never"]),
            (
                None,
                vec![
                    "--color".into(),
                    "blue".into(),
                    "--".into(),
                    "--color=never".into()
                ]
            )
        );
    }
}
