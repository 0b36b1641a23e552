//! The command line's grammar (clap). Value lists come from the library's tables — report
//! formats from `report::Format::ALL`, provider keys from `providers::PROVIDERS` — so a new
//! format or provider needs no edit here, and help offers only what the library accepts.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use clearml_sso::{providers, report};
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
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read manifests, write them with the SSO settings corrected (the default command).
    Render(RenderArgs),
    /// CI mode: print the findings, never the manifests; exit 1 on any error.
    Check(CheckArgs),
    /// Show, as a unified diff, what `render` would change (secret values redacted).
    Diff(DiffArgs),
    /// Show the env variables the policy produces and the identity-provider checklist.
    Explain(PolicyArgs),
    /// Print the policy's settings as `apiserver.extraEnvs` for clearml-values.override.yaml.
    Values(PolicyArgs),
    /// Print a commented starter policy for a provider.
    Init {
        /// Provider key, as in `[providers.KEY]` of a policy.
        #[arg(value_parser = ProviderKey)]
        provider: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_parser = format_parser(), default_value = report::Format::Text.name())]
    pub format: report::Format,
    /// Also fail (exit 1) when `render` would change anything.
    #[arg(long)]
    pub strict: bool,
    /// Also write the findings as a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
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
pub struct RenderArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Also write the findings as a JSON report to FILE (written even when the render fails).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
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

/// `--format NAME`: the names of `report::Format::ALL`, each with its line of help.
fn format_parser() -> impl TypedValueParser<Value = report::Format> {
    PossibleValuesParser::new(
        report::Format::ALL
            .iter()
            .map(|&(name, _, about)| PossibleValue::new(name).help(about)),
    )
    .map(|name| report::Format::from_name(&name).expect("only the table's names are accepted"))
}

/// `init PROVIDER`: help lists the catalogue's keys. Any text is let through: `explain::init`
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
            providers::PROVIDERS
                .iter()
                .map(|p| PossibleValue::new(p.key).help(p.title)),
        ))
    }
}
