//! Command line: argument parsing, policy lookup, reading input, exit codes.
//!
//! The output contract: stdout carries only the command's output (the manifests for `render`)
//! and nothing at all when the command fails; findings and errors go to stderr; `--report`
//! is written before anything reaches stdout, and never to stdout itself.

use crate::policy::{self, Policy};
use crate::{helm, render, report, Outcome};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};
use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes (documented in the README).
pub mod exit {
    /// Manifests written (possibly corrected).
    pub const OK: u8 = 0;
    /// Policy violation.
    pub const VIOLATION: u8 = 1;
    /// Usage or policy-file error; also output that cannot be written (stdout, `--report`).
    pub const USAGE: u8 = 2;
    /// Input manifests unreadable.
    pub const INPUT: u8 = 3;
}

/// Environment variable naming the policy file when `--policy` is not given.
pub const POLICY_ENV: &str = "CLEARML_SSO_POLICY";
/// Policy file looked for in the working directory last.
pub const POLICY_DEFAULT: &str = "clearml-sso.toml";

#[derive(Parser, Debug)]
#[command(
    name = "clearml-sso",
    version,
    about = "Helm post-renderer that makes the SSO settings of a ClearML apiserver match a policy",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    render: RenderArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read manifests, write them with the SSO settings corrected (the default command).
    Render(RenderArgs),
    /// CI mode: print the findings, never the manifests; exit 1 on any error.
    Check(CheckArgs),
    /// Show, as a unified diff, what `render` would change (secret values redacted).
    Diff(RenderArgs),
    /// Show the env variables the policy produces and the identity-provider checklist.
    Explain(PolicyArgs),
    /// Print the policy's settings as `apiserver.extraEnvs` for clearml-values.override.yaml.
    Values(PolicyArgs),
    /// Print a commented starter policy for a provider.
    Init {
        #[arg(help = format!("Provider key: {}", crate::providers::keys_line()))]
        provider: String,
    },
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = report::Format::Text)]
    format: report::Format,
    /// Also fail (exit 1) when `render` would change anything.
    #[arg(long)]
    strict: bool,
    /// Also write the findings as a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Manifests to read; stdin when absent or `-`.
    #[arg(value_name = "INPUT")]
    input: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct PolicyArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct RenderArgs {
    /// Policy file [default: $CLEARML_SSO_POLICY, then ./clearml-sso.toml]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Also write the findings as a JSON report to FILE (written even when the render fails).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Manifests to read; stdin when absent or `-`.
    #[arg(value_name = "INPUT")]
    input: Option<PathBuf>,
}

/// Finds the policy file: `--policy`, then `$CLEARML_SSO_POLICY`, then `./clearml-sso.toml`.
pub fn find_policy(flag: Option<&Path>) -> Result<PathBuf> {
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
        "no policy file: pass --policy FILE, set ${POLICY_ENV}, or create ./{POLICY_DEFAULT} (`clearml-sso init keycloak` prints a starter)"
    )
}

fn load_policy(flag: Option<&Path>) -> Result<Policy> {
    let path = find_policy(flag)?;
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{shown}: cannot read the policy file"))?;
    Ok(policy::parse(&text, &shown)?)
}

fn read_input(input: Option<&Path>) -> Result<Vec<u8>> {
    let shown = input.map_or("stdin".into(), |p| p.display().to_string());
    let mut buf = Vec::new();
    match input {
        None => std::io::stdin().read_to_end(&mut buf).map(|_| ()),
        Some(p) if p == Path::new("-") => std::io::stdin().read_to_end(&mut buf).map(|_| ()),
        Some(p) => std::fs::read(p).map(|b| buf = b),
    }
    .with_context(|| format!("cannot read {shown}"))?;
    Ok(buf)
}

/// Prints a failure to stderr, and under Helm 4 also where the user can see it. Control
/// characters are escaped here, the one place every failure passes: a policy error or an
/// input file name may carry them as well as findings do.
fn fail(code: u8, message: &str) -> ExitCode {
    let mut text = report::escape_lines(message).into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    helm::tell_user(&format!(
        "Error from the clearml-sso post-renderer:\n{text}"
    ));
    ExitCode::from(code)
}

fn write_report(path: Option<&Path>, findings: &[report::Finding]) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    std::fs::write(path, report::json(findings) + "\n")
        .with_context(|| format!("cannot write the report {}", path.display()))
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
fn check_report_path(path: Option<&Path>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let refuse = || {
        anyhow::anyhow!(
            "--report {}: that is this command's standard output, which carries only the \
             command's output; give a file for the report",
            path.display()
        )
    };
    if names_stdout(path) {
        return Err(refuse());
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let stdout = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| std::fs::File::from(fd).metadata());
        if let (Ok(out), Ok(report)) = (stdout, std::fs::metadata(path)) {
            let dev_null = out.file_type().is_char_device() && out.rdev() == libc::makedev(1, 3);
            if out.dev() == report.dev() && out.ino() == report.ino() && !dev_null {
                return Err(refuse());
            }
        }
    }
    Ok(())
}

/// Loads the policy, reads the input and renders: the shared first half of `render`,
/// `check` and `diff`. `Err` is the exit code of a failure already reported.
fn prepare(policy: Option<&Path>, input: Option<&Path>) -> Result<(Vec<u8>, Outcome), ExitCode> {
    let policy =
        load_policy(policy).map_err(|e| fail(exit::USAGE, &format!("clearml-sso: {e:#}")))?;
    let bytes = read_input(input).map_err(|e| fail(exit::INPUT, &format!("clearml-sso: {e:#}")))?;
    let name = input.map_or("stdin".to_string(), |p| p.display().to_string());
    let outcome = render(&bytes, &policy).map_err(|e| {
        fail(
            exit::INPUT,
            &format!("clearml-sso: {name}: input is not a readable manifest stream: {e}"),
        )
    })?;
    Ok((bytes, outcome))
}

/// Findings as text with the summary line (empty when there are none).
fn findings_text(outcome: &Outcome) -> String {
    if outcome.findings.is_empty() {
        String::new()
    } else {
        report::format(&outcome.findings, report::Format::Text)
    }
}

fn run_render(args: RenderArgs) -> ExitCode {
    if let Err(e) = check_report_path(args.report.as_deref()) {
        return fail(exit::USAGE, &format!("clearml-sso: {e:#}"));
    }
    match prepare(args.policy.as_deref(), args.input.as_deref()) {
        Ok((_, outcome)) => {
            let code = finish(
                &args,
                &outcome,
                "render refused; nothing was written",
                || Cow::Borrowed(&outcome.output),
            );
            // The process ends now: freeing the parsed stream would only delay the exit.
            std::mem::forget(outcome);
            code
        }
        Err(code) => code,
    }
}

/// The second half `render` and `diff` share: write the report (even on failure, and before
/// any byte reaches stdout), refuse on any error saying `refusal`, else print the findings to
/// stderr and `output()` to stdout. A report that cannot be written fails the run with
/// `exit::USAGE` (the command line asked for it), also when the render fails anyway: the
/// findings and the reason both go to stderr, stdout gets nothing.
fn finish<'a>(
    args: &RenderArgs,
    outcome: &Outcome,
    refusal: &str,
    output: impl FnOnce() -> Cow<'a, str>,
) -> ExitCode {
    let report_error = write_report(args.report.as_deref(), &outcome.findings)
        .err()
        .map(|e| format!("clearml-sso: {e:#}\n"));
    let text = findings_text(outcome);
    match (outcome.has_errors(), report_error) {
        (true, None) => fail(exit::VIOLATION, &format!("{text}clearml-sso: {refusal}")),
        (true, Some(e)) => fail(exit::USAGE, &format!("{text}clearml-sso: {refusal}\n{e}")),
        (false, Some(e)) => fail(
            exit::USAGE,
            &format!("{text}{e}clearml-sso: nothing was written"),
        ),
        (false, None) => {
            let _ = std::io::stderr().write_all(text.as_bytes());
            print(&output())
        }
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    if let Err(e) = check_report_path(args.report.as_deref()) {
        return fail(exit::USAGE, &format!("clearml-sso: {e:#}"));
    }
    let (_, outcome) = match prepare(args.policy.as_deref(), args.input.as_deref()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(e) = write_report(args.report.as_deref(), &outcome.findings) {
        let text = findings_text(&outcome);
        return fail(exit::USAGE, &format!("{text}clearml-sso: {e:#}"));
    }
    let printed = print(&report::format(&outcome.findings, args.format));
    if outcome.has_errors() || (args.strict && outcome.changed) {
        if args.strict && outcome.changed && !outcome.has_errors() {
            let _ = writeln!(
                std::io::stderr(),
                "clearml-sso: --strict: render would change the manifests"
            );
        }
        return ExitCode::from(exit::VIOLATION);
    }
    printed
}

fn run_diff(args: RenderArgs) -> ExitCode {
    if let Err(e) = check_report_path(args.report.as_deref()) {
        return fail(exit::USAGE, &format!("clearml-sso: {e:#}"));
    }
    match prepare(args.policy.as_deref(), args.input.as_deref()) {
        Ok((input, outcome)) => finish(&args, &outcome, "render would refuse; no diff", || {
            let input = String::from_utf8(input).expect("render accepted it as UTF-8");
            Cow::Owned(crate::diff::unified(&input, &outcome.output))
        }),
        Err(code) => code,
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            if code != exit::OK {
                helm::tell_user(&e.to_string());
            }
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Some(Command::Render(args)) => run_render(args),
        Some(Command::Check(args)) => run_check(args),
        Some(Command::Diff(args)) => run_diff(args),
        Some(Command::Explain(args)) => print_from_policy(args, crate::explain::explain),
        Some(Command::Values(args)) => match load_policy(args.policy.as_deref()) {
            Ok(policy) => match crate::explain::values(&policy) {
                Ok(text) => print(&text),
                Err(e) => fail(exit::VIOLATION, &e),
            },
            Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
        },
        Some(Command::Init { provider }) => match crate::explain::init(&provider) {
            Ok(text) => print(&text),
            Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e}")),
        },
        None => run_render(cli.render),
    }
}

fn print(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => fail(
            exit::USAGE,
            &format!("clearml-sso: cannot write the output: {e}"),
        ),
    }
}

fn print_from_policy(args: PolicyArgs, show: fn(&Policy) -> String) -> ExitCode {
    match load_policy(args.policy.as_deref()) {
        Ok(policy) => print(&show(&policy)),
        Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
    }
}
