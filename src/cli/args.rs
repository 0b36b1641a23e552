//! The command line's grammar (clap). Value lists come from the library's tables — report
//! formats from `report::Format::ALL`, provider keys from `catalogue::PROVIDERS` — so a new
//! format or provider needs no edit here, and help offers only what the library accepts.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use clearml_sso::{catalogue, report};
use std::ffi::{OsStr, OsString};
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

/// `defer`: a subcommand's arguments are added only when clap builds that subcommand, so the
/// parse of the common command line builds one subcommand, not nine ([`parse`] says why the
/// result is the same; [`full_command`] is the grammar with every subcommand's arguments added
/// now, for everything clap prints).
#[derive(Subcommand, Debug)]
#[command(defer = true)]
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
    /// Check the identity providers themselves: discovery endpoints, the registered callback,
    /// the client secret (exit 0 all pass, 1 a problem, 4 undecided, 2 usage).
    Probe(ProbeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `probe --format`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeFormat {
    /// One block per check, for people.
    Text,
    /// One JSON document: `{"exit": N, "results": [...]}`.
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct ProbeArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Secrets and ConfigMaps the policy references, as `kubectl get secret NAME -o yaml`
    /// prints them (repeat the option, or give several files).
    #[arg(long, value_name = "FILE", num_args = 1.., action = clap::ArgAction::Append)]
    pub secrets: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
    pub format: ProbeFormat,
    /// A SAML provider's IdP metadata XML (the file `idp_metadata_file` mounts), as
    /// `PROVIDER=FILE`, or `FILE` when the policy has one SAML provider (repeatable).
    #[arg(long, value_name = "[PROVIDER=]FILE", action = clap::ArgAction::Append)]
    pub metadata: Vec<String>,
    /// PEM file of CA certificates trusted besides the system's (a private CA).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds each request may take, connection included.
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: u64,
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

/// The whole grammar, each subcommand's arguments added at once: everything clap prints (help,
/// `--version`, usage errors) and what `completions` and `man` generate comes from this command,
/// so none of it depends on the deferral of [`Command`].
///
/// Why not `Cli::command()` itself: clap builds the top level first, which copies the global
/// `--color` into every subcommand, so a deferred subcommand gets it before its own arguments
/// instead of after them, and completions and the man page list options in that order. Here
/// each subcommand's arguments are added by the function the derive defers (each variant's
/// `Args::augment_args`; `man` has none) before anything is built, which is what
/// `Cli::command()` did without `defer`. A test checks that both give every subcommand the same
/// arguments.
pub fn full_command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    for sub in command.get_subcommands_mut() {
        let add_arguments: fn(clap::Command) -> clap::Command = match sub.get_name() {
            "render" => RenderArgs::augment_args,
            "check" => CheckArgs::augment_args,
            "diff" => DiffArgs::augment_args,
            "explain" => PolicyArgs::augment_args,
            "values" => ValuesArgs::augment_args,
            "init" => InitArgs::augment_args,
            "completions" => CompletionsArgs::augment_args,
            "man" => |sub| sub,
            "probe" => ProbeArgs::augment_args,
            other => unreachable!("`{other}`: a subcommand full_command does not know"),
        };
        // The deferral is replaced by one that adds nothing, so that building the subcommand
        // does not add its arguments a second time.
        *sub = add_arguments(std::mem::take(sub).defer(|sub| sub));
    }
    command
}

/// Parses a command line (the program name first) to what `Cli::try_parse_from` would give with
/// [`full_command`]: the same `Cli`, or the same error.
///
/// It first tries the deferred `Cli::command()`, which builds the top level and the one
/// subcommand named, not all nine (about 60,000 instructions less on `render`, what Helm
/// runs). Where it succeeds the result is the full grammar's: the top level is the same in
/// both, and the subcommand named has the same arguments (the same function adds them) in
/// another order, `--color` first instead of last. Clap's parser finds an option by its name and
/// a positional by its index (`--color` is not one), and `Cli` is read from the matches by
/// id, so that order changes nothing a successful parse returns. On any failure, which
/// includes `--help`, `--version` and `help` (clap returns them as errors to print), the
/// command line is parsed again with [`full_command`], so every text clap prints is the full
/// grammar's, as before.
pub fn parse(argv: &[OsString]) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let deferred = Cli::command()
        .try_get_matches_from(argv)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    if let Ok(cli) = deferred {
        return Ok(cli);
    }
    full_parse(argv)
}

/// `Cli::try_parse_from` with [`full_command`] (what [`parse`] falls back to).
fn full_parse(argv: &[OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches as _;
    let mut matches = full_command().try_get_matches_from(argv)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut full_command()))
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
    use super::{full_command, full_parse, take_color, Cli};
    use clap::CommandFactory as _;
    use std::ffi::OsString;

    /// Every subcommand of the deferred grammar, once built, has the arguments of the full
    /// grammar's (each compared whole, by its `Debug`), only `--color` in another place: what
    /// [`full_command`]'s list of each subcommand's arguments must give.
    #[test]
    fn the_full_grammar_has_the_deferred_ones_arguments() {
        let mut deferred = Cli::command();
        let mut full = full_command();
        deferred.build();
        full.build();
        let names = |c: &clap::Command| {
            c.get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&deferred), names(&full));
        for (d, f) in deferred.get_subcommands().zip(full.get_subcommands()) {
            let arguments = |c: &clap::Command| {
                let mut all: Vec<String> = c.get_arguments().map(|a| format!("{a:?}")).collect();
                all.sort();
                all
            };
            assert_eq!(arguments(d), arguments(f), "{}", d.get_name());
            let ids = |c: &clap::Command| {
                c.get_arguments()
                    .map(|a| a.get_id().to_string())
                    .filter(|id| id != "color")
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(d), ids(f), "{}", d.get_name());
            let groups = |c: &clap::Command| format!("{:?}", c.get_groups().collect::<Vec<_>>());
            assert_eq!(groups(d), groups(f), "{}", d.get_name());
            assert_eq!(d.get_about(), f.get_about());
            assert_eq!(d.get_long_about(), f.get_long_about());
            assert_eq!(d.is_hide_set(), f.is_hide_set());
        }
    }

    /// Command lines for [`the_deferred_parse_is_the_full_ones`]: every subcommand (and none,
    /// an unknown one and `help`), each with every option of the grammar (valid and invalid
    /// values, missing values), flags, inputs, `--` and help and version flags, alone and in
    /// pairs, before and after the subcommand.
    fn command_lines() -> Vec<Vec<String>> {
        // Every subcommand the grammar has (a new one is covered without listing it here), and
        // none, `help`, an unknown one and `-`.
        let grammar = full_command();
        let named: Vec<&str> = grammar.get_subcommands().map(|s| s.get_name()).collect();
        assert!(named.contains(&"render") && named.len() >= 9, "{named:?}");
        let subcommands = named.into_iter().chain(["", "help", "bogus", "-"]);
        let pieces: &[&[&str]] = &[
            &[],
            &["in.yaml"],
            &["in.yaml", "more.yaml"],
            &["-"],
            &["--"],
            &["--", "--policy"],
            &["--policy", "p.toml"],
            &["--policy=p.toml"],
            &["--policy"],
            &["--policy", "a", "--policy", "b"],
            &["--report", "r.json"],
            &["--report"],
            &["--deny-warnings"],
            &["--deny-warnings=true"],
            &["-q"],
            &["--quiet"],
            &["-qq"],
            &["--exit-code"],
            &["--strict"],
            &["--format", "json"],
            &["--format", "codequality"],
            &["--format=sarif"],
            &["--format", "yaml"],
            &["--format", "text"],
            &["--format"],
            &["--chart-root", "charts"],
            &["--merge-with", "v.yaml"],
            &["okta"],
            &["okta", "azure", "nope"],
            &["--output", "o.toml"],
            &["--output", "o.toml", "--force"],
            &["--force"],
            &["bash"],
            &["zsh"],
            &["fish"],
            &["elvish"],
            &["powershell"],
            &["tcsh"],
            &["--secrets", "a.yaml", "b.yaml"],
            &["--metadata", "okta=m.xml"],
            &["--ca-file", "ca.pem"],
            &["--timeout", "30"],
            &["--timeout", "0"],
            &["--timeout", "301"],
            &["--timeout", "x"],
            &["--color", "never"],
            &["--color", "blue"],
            &["--color"],
            &["--color=auto"],
            &["-h"],
            &["--help"],
            &["-V"],
            &["--version"],
            &["--bogus"],
            &["-x"],
            &["render"],
            &["help"],
        ];
        let mut lines = Vec::new();
        for sub in subcommands {
            for (i, first) in pieces.iter().enumerate() {
                for second in pieces.iter().skip(i) {
                    for before in [false, true] {
                        let mut line = vec!["clearml-sso".to_string()];
                        let rest: Vec<String> = first
                            .iter()
                            .chain(second.iter())
                            .map(|a| a.to_string())
                            .collect();
                        if before {
                            line.extend(rest);
                            line.extend((!sub.is_empty()).then(|| sub.to_string()));
                        } else {
                            line.extend((!sub.is_empty()).then(|| sub.to_string()));
                            line.extend(rest);
                        }
                        lines.push(line);
                    }
                }
            }
        }
        lines.push(vec![]);
        lines
    }

    /// [`super::parse`]'s argument, on tens of thousands of command lines: where the deferred
    /// grammar parses, the full one gives the same `Cli` (compared by its `Debug`); where the
    /// full one fails, the deferred one fails too (so [`super::parse`] falls back and prints the
    /// full one's error), and the other way round, so the fallback is for failures only.
    #[test]
    fn the_deferred_parse_is_the_full_ones() {
        use clap::FromArgMatches as _;
        let (mut parsed, mut failed) = (0, 0);
        for line in command_lines() {
            let argv: Vec<OsString> = line.iter().map(Into::into).collect();
            let deferred = Cli::command()
                .try_get_matches_from(&argv)
                .and_then(|mut m| Cli::from_arg_matches_mut(&mut m));
            match (deferred, full_parse(&argv)) {
                (Ok(d), Ok(f)) => {
                    assert_eq!(format!("{d:?}"), format!("{f:?}"), "{line:?}");
                    parsed += 1;
                }
                (Err(d), Err(f)) => {
                    assert_eq!(d.kind(), f.kind(), "{line:?}");
                    failed += 1;
                }
                (d, f) => panic!("{line:?}: deferred {d:?}, full {f:?}"),
            }
        }
        // Both outcomes are well represented.
        assert!(
            parsed > 1000 && failed > 1000,
            "{parsed} parsed, {failed} failed"
        );
    }

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
